/* HTTPS collector (see collector.h). */
#include "collect/collector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "collect/apply.h"
#include "ship/batch.h"
#include "ship/heartbeat.h"
#include "util/file.h"
#include "util/log.h"

#define MAX_TRACKED_SENSORS 4096

/* Per-sensor state kept in memory: request rate and heartbeat order. */
typedef struct sensor_state {
    char name[64];
    double window_start;
    unsigned requests;
    int64_t hb_time;
    uint64_t hb_epoch, hb_counter;
} sensor_state;

typedef struct collector {
    tt_collector_options *opt;
    tt_store *store; /* receiving connection: used by the HTTP thread only */
    pthread_mutex_t keys_lock;
    tt_collector_keys keys;
    sensor_state *states;
    size_t nstates;
    /* folding thread */
    pthread_t folder;
    pthread_mutex_t fold_lock;
    pthread_cond_t fold_wake;
    bool fold_quit, fold_requested, fold_forced;
    tt_store *fold_store;
} collector;

typedef struct request {
    tt_buf body;
    bool too_big;
    int kind; /* 1 batch, 2 heartbeat */
} request;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void tt_collector_keys_free(tt_collector_keys *keys)
{
    free(keys->keys);
    tt_sensor_map_free(keys->sensors);
    memset(keys, 0, sizeof *keys);
}

static void peer_text(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *sa = info->client_addr;
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host, sizeof host);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host, sizeof host);
    snprintf(out, len, "%s", host);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text - 1, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text - 1 ? (size_t)n : sizeof text - 2;
    text[len++] = '\n';
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* Logs a refusal and answers it. */
static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned code, const char *sensor, const char *why)
{
    char peer[64];
    peer_text(conn, peer, sizeof peer);
    tt_log_warn("refused request from %s (sensor '%s'): %s", peer, sensor ? sensor : "-", why);
    return reply(conn, code, "%s", why);
}

static sensor_state *state_of(collector *c, const char *name)
{
    for (size_t i = 0; i < c->nstates; i++)
        if (strcmp(c->states[i].name, name) == 0)
            return &c->states[i];
    if (c->nstates == MAX_TRACKED_SENSORS)
        return NULL;
    sensor_state *s = &c->states[c->nstates++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

/* Key of a sensor: 1 found, 0 unknown, -1 revoked. */
static int key_of(collector *c, const char *name, tt_key *key)
{
    int found = 0;
    pthread_mutex_lock(&c->keys_lock);
    for (size_t i = 0; i < c->keys.n; i++)
        if (strcmp(c->keys.keys[i].name, name) == 0) {
            found = c->keys.keys[i].revoked ? -1 : 1;
            *key = c->keys.keys[i].key;
            break;
        }
    pthread_mutex_unlock(&c->keys_lock);
    return found;
}

static void request_fold(collector *c, bool force)
{
    pthread_mutex_lock(&c->fold_lock);
    c->fold_requested = true;
    c->fold_forced |= force;
    pthread_cond_broadcast(&c->fold_wake);
    pthread_mutex_unlock(&c->fold_lock);
}

static enum MHD_Result handle_batch(collector *c, struct MHD_Connection *conn, const char *name, request *rq)
{
    tt_batch batch;
    char err[512];
    if (tt_batch_decode(rq->body.data, rq->body.len, &batch, err, sizeof err) != TT_OK)
        return refuse(conn, MHD_HTTP_BAD_REQUEST, name, err);
    if (strcmp(batch.header.sensor, name) != 0) {
        tt_batch_free(&batch);
        return refuse(conn, MHD_HTTP_BAD_REQUEST, name, "batch names another sensor");
    }
    tt_accept_result result;
    uint64_t last = 0;
    pthread_mutex_lock(&c->keys_lock);
    tt_status st = tt_apply_accept(c->store, c->keys.sensors, &batch, rq->body.data, rq->body.len,
                                   (int64_t)now_seconds(), &result, &last, err, sizeof err);
    pthread_mutex_unlock(&c->keys_lock);
    uint64_t seq = batch.header.seq, first_seq = batch.header.first_seq, epoch = batch.header.epoch;
    uint64_t packets = batch.header.packets;
    tt_batch_free(&batch);
    if (st != TT_OK) {
        tt_log_error("cannot store batch %" PRIu64 " of %s: %s", seq, name, err);
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store failure: retry later");
    }
    if (result == TT_ACCEPT_DUPLICATE) {
        char peer[64];
        peer_text(conn, peer, sizeof peer);
        tt_log_info("duplicate batch %" PRIu64 " of %s (epoch %016" PRIx64 ", last accepted %" PRIu64
                    ") from %s: acknowledged, not stored again",
                    seq, name, epoch, last, peer);
        return reply(conn, MHD_HTTP_OK, "duplicate %s %" PRIu64, name, seq);
    }
    /* a merged batch stands for first_seq..seq */
    if (first_seq <= last)
        tt_log_error("sensor %s: batch %" PRIu64 " stands for batches %" PRIu64 "..%" PRIu64 " of epoch %016" PRIx64
                     " but %" PRIu64 " was accepted before: its packets up to there may be counted twice",
                     name, seq, first_seq, seq, epoch, last);
    else if (last != 0 && last + 1 < first_seq)
        tt_log_warn("sensor %s: batches %" PRIu64 "..%" PRIu64 " of epoch %016" PRIx64 " never arrived", name,
                    last + 1, first_seq - 1, epoch);
    (void)packets;
    request_fold(c, false);
    return reply(conn, MHD_HTTP_OK, "accepted %s %" PRIu64, name, seq);
}

static enum MHD_Result handle_heartbeat(collector *c, struct MHD_Connection *conn, const char *name, request *rq,
                                        sensor_state *state)
{
    tt_heartbeat hb;
    char err[512];
    if (tt_heartbeat_parse((const char *)rq->body.data, rq->body.len, &hb, err, sizeof err) != TT_OK)
        return refuse(conn, MHD_HTTP_BAD_REQUEST, name, err);
    if (strcmp(hb.sensor, name) != 0)
        return refuse(conn, MHD_HTTP_BAD_REQUEST, name, "heartbeat names another sensor");
    /* Replays: a heartbeat must be newer than the last one seen. */
    if (hb.time < state->hb_time ||
        (hb.time == state->hb_time && hb.epoch == state->hb_epoch && hb.counter <= state->hb_counter))
        return refuse(conn, MHD_HTTP_CONFLICT, name, "stale or replayed heartbeat");
    state->hb_time = hb.time;
    state->hb_epoch = hb.epoch;
    state->hb_counter = hb.counter;
    tt_sensor_health h;
    memset(&h, 0, sizeof h);
    int64_t now = (int64_t)now_seconds();
    h.heartbeat_at = now;
    h.skew = hb.time - now;
    h.interval = hb.interval;
    h.spool_batches = hb.spool_batches;
    h.spool_bytes = hb.spool_bytes;
    h.captured = hb.captured;
    h.capture_drops = hb.capture_drops;
    h.iface_drops = hb.iface_drops;
    h.spool_drops = hb.spool_drops;
    peer_text(conn, h.address, sizeof h.address);
    snprintf(h.version, sizeof h.version, "%s", hb.version);
    tt_store *store = c->store;
    tt_status st = store->ops->begin(store);
    if (st == TT_OK) {
        tt_sensor_info info;
        memset(&info, 0, sizeof info);
        snprintf(info.name, sizeof info.name, "%s", name);
        if ((st = store->ops->sensor_upsert(store, &info, &h.sensor)) == TT_OK &&
            (st = store->ops->health_put(store, &h)) == TT_OK)
            st = store->ops->commit(store);
        if (st != TT_OK)
            store->ops->rollback(store);
    }
    if (st != TT_OK) {
        tt_log_error("cannot store heartbeat of %s: %s", name, store->ops->last_error(store));
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store failure: retry later");
    }
    return reply(conn, MHD_HTTP_OK, "ok %s", name);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    collector *c = cls;
    request *rq = *con_cls;
    if (rq == NULL) {
        int kind = strcmp(url, "/v1/batch") == 0 ? 1 : strcmp(url, "/v1/heartbeat") == 0 ? 2 : 0;
        if (kind == 0)
            return refuse(conn, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint");
        if (strcmp(method, "POST") != 0)
            return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "only POST");
        size_t max = kind == 1 ? c->opt->max_body : TT_HEARTBEAT_MAX_BYTES;
        const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > max)
            return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "request body too large");
        rq = calloc(1, sizeof *rq);
        if (rq == NULL)
            return MHD_NO;
        tt_buf_init(&rq->body, max);
        rq->kind = kind;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!rq->too_big && tt_buf_append(&rq->body, upload_data, *upload_data_size) != TT_OK)
            rq->too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_big)
        return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "request body too large");
    const char *name = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Teiten-Sensor");
    const char *mac = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Teiten-MAC");
    if (name == NULL || mac == NULL || strlen(name) >= 64)
        return refuse(conn, MHD_HTTP_UNAUTHORIZED, name, "missing X-Teiten-Sensor or X-Teiten-MAC");
    tt_key key;
    int known = key_of(c, name, &key);
    if (known == 0)
        return refuse(conn, MHD_HTTP_UNAUTHORIZED, name, "unknown sensor");
    if (known < 0)
        return refuse(conn, MHD_HTTP_FORBIDDEN, name, "sensor credential revoked");
    if (!tt_mac_verify(&key, rq->body.data, rq->body.len, mac))
        return refuse(conn, MHD_HTTP_UNAUTHORIZED, name, "bad MAC: wrong key or tampered body");
    sensor_state *state = state_of(c, name);
    if (state == NULL)
        return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, name, "too many sensors");
    double now = now_seconds();
    if (now - state->window_start >= 1.0) {
        state->window_start = now;
        state->requests = 0;
    }
    if (++state->requests > c->opt->requests_per_second)
        return refuse(conn, MHD_HTTP_TOO_MANY_REQUESTS, name, "too many requests");
    if (rq->kind != 1)
        return handle_heartbeat(c, conn, name, rq, state);
    enum MHD_Result r = handle_batch(c, conn, name, rq);
    /* Decoding used this thread's codec contexts; the thread is libmicrohttpd's
     * and ends without a hook of ours, so free them now. */
    tt_segment_thread_cleanup();
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        tt_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

static void *folder_main(void *arg)
{
    collector *c = arg;
    char err[600];
    for (;;) {
        pthread_mutex_lock(&c->fold_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double when = (double)until.tv_sec + until.tv_nsec / 1e9 + (c->opt->fold_seconds > 0 ? c->opt->fold_seconds : 1.0);
        until.tv_sec = (time_t)when;
        until.tv_nsec = (long)((when - (double)until.tv_sec) * 1e9);
        while (!c->fold_quit) {
            if (pthread_cond_timedwait(&c->fold_wake, &c->fold_lock, &until) == ETIMEDOUT)
                break;
            if (c->fold_forced || (c->fold_requested && c->opt->fold_seconds <= 0))
                break;
        }
        bool quit = c->fold_quit;
        c->fold_requested = false;
        c->fold_forced = false;
        pthread_mutex_unlock(&c->fold_lock);
        if (tt_apply_fold_all(c->fold_store, c->opt->geo, err, sizeof err) != TT_OK)
            tt_log_error("%s (the batches stay in the inbox; retrying)", err);
        if (quit)
            break;
    }
    tt_segment_thread_cleanup();
    return NULL;
}

static tt_status parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
    memset(ss, 0, sizeof *ss);
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
        goto bad;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port == 0 || port > 65535)
        goto bad;
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            goto bad;
        return TT_OK;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        goto bad;
    return TT_OK;
bad:
    snprintf(err, errlen, "bad listen address '%s' (expected ADDR:PORT, e.g. 127.0.0.1:8443 or [::1]:8443)",
             listen);
    return TT_ERR_USAGE;
}

static char *read_pem(const char *path, const char *what, char *err, size_t errlen)
{
    tt_buf b;
    tt_buf_init(&b, 1 << 20);
    char msg[512];
    if (tt_file_read_all(path, 1 << 20, &b, msg, sizeof msg) != TT_OK || tt_buf_append(&b, "", 1) != TT_OK) {
        snprintf(err, errlen, "TLS %s: %s", what, msg);
        tt_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

tt_status tt_collector_run(tt_collector_options *opt, char *err, size_t errlen)
{
    if (opt->max_body == 0 || opt->max_body > TT_BATCH_MAX_BYTES)
        opt->max_body = TT_BATCH_MAX_BYTES;
    if (opt->timeout_seconds == 0)
        opt->timeout_seconds = 15;
    if (opt->max_connections == 0)
        opt->max_connections = 256;
    if (opt->per_ip_connections == 0)
        opt->per_ip_connections = 32;
    if (opt->requests_per_second == 0)
        opt->requests_per_second = 1000;
    if (opt->fold_seconds < 0)
        opt->fold_seconds = 0;
    collector *c = calloc(1, sizeof *c);
    if (c == NULL)
        return TT_ERR_NOMEM;
    c->opt = opt;
    c->keys = opt->keys;
    memset(&opt->keys, 0, sizeof opt->keys);
    pthread_mutex_init(&c->keys_lock, NULL);
    pthread_mutex_init(&c->fold_lock, NULL);
    pthread_cond_init(&c->fold_wake, NULL);
    c->states = calloc(MAX_TRACKED_SENSORS, sizeof *c->states);
    char *cert = NULL, *key = NULL;
    struct MHD_Daemon *daemon = NULL;
    bool folder_started = false;
    tt_status st = TT_OK;
    struct sockaddr_storage ss;
    if (c->states == NULL) {
        st = TT_ERR_NOMEM;
        goto out;
    }
    if ((st = parse_listen(opt->listen, &ss, err, errlen)) != TT_OK)
        goto out;
    if ((cert = read_pem(opt->cert_file, "certificate", err, errlen)) == NULL ||
        (key = read_pem(opt->key_file, "key", err, errlen)) == NULL) {
        st = TT_ERR_USAGE;
        goto out;
    }
    if ((st = tt_store_open(opt->db, true, &c->store, err, errlen)) != TT_OK ||
        (st = tt_store_open(opt->db, true, &c->fold_store, err, errlen)) != TT_OK)
        goto out;
    if (pthread_create(&c->folder, NULL, folder_main, c) != 0) {
        snprintf(err, errlen, "cannot start the folding thread");
        st = TT_ERR_NOMEM;
        goto out;
    }
    folder_started = true;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, c, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                              MHD_OPTION_CONNECTION_TIMEOUT, opt->timeout_seconds, MHD_OPTION_CONNECTION_LIMIT,
                              opt->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, opt->per_ip_connections,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, c, MHD_OPTION_END);
    if (daemon == NULL) {
        snprintf(err, errlen, "cannot listen on %s with TLS (address in use, or a bad certificate/key)",
                 opt->listen);
        st = TT_ERR_IO;
        goto out;
    }
    tt_log_info("collector listening on https://%s (store %s)", opt->listen, opt->db);
    while (!(opt->stop && *opt->stop)) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        if (opt->fold_now && *opt->fold_now) {
            *opt->fold_now = 0;
            request_fold(c, true);
        }
        if (opt->reload && *opt->reload) {
            *opt->reload = 0;
            tt_collector_keys next;
            memset(&next, 0, sizeof next);
            char rerr[600];
            if (opt->reload_fn == NULL || opt->reload_fn(opt->reload_ctx, &next, rerr, sizeof rerr) != TT_OK) {
                tt_log_error("reload failed, keeping the running credentials: %s", rerr);
            } else {
                pthread_mutex_lock(&c->keys_lock);
                tt_collector_keys old = c->keys;
                c->keys = next;
                pthread_mutex_unlock(&c->keys_lock);
                tt_collector_keys_free(&old);
                tt_log_info("credentials reloaded: %zu sensors", next.n);
            }
        }
    }
    tt_log_info("collector stopping: folding what is pending");
out:
    if (daemon)
        MHD_stop_daemon(daemon);
    if (folder_started) {
        pthread_mutex_lock(&c->fold_lock);
        c->fold_quit = true;
        pthread_cond_broadcast(&c->fold_wake);
        pthread_mutex_unlock(&c->fold_lock);
        pthread_join(c->folder, NULL);
    }
    tt_store_close(c->store);
    tt_store_close(c->fold_store);
    free(cert);
    free(key);
    tt_collector_keys_free(&c->keys);
    free(c->states);
    pthread_mutex_destroy(&c->keys_lock);
    pthread_mutex_destroy(&c->fold_lock);
    pthread_cond_destroy(&c->fold_wake);
    free(c);
    return st;
}
