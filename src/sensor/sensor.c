/* Sensor daemon (see sensor.h). */
#include "sensor/sensor.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include "aggregate/aggregator.h"
#include "aggregate/backscatter.h"
#include "classify/observe.h"
#include "collect/apply.h"
#include "ship/batch.h"
#include "ship/heartbeat.h"
#include "ship/merge.h"
#include "ship/shipper.h"
#include "ship/spool.h"
#include "util/limits.h"
#include "util/log.h"

#define DEFAULT_BATCH_PACKETS ((uint64_t)1 << 20)
#define DEFAULT_BATCH_SECONDS 10
#define DEFAULT_HEARTBEAT_SECONDS 10
#define DEFAULT_SHIP_SECONDS 60
/* Merging pays where batches are small: a busy sensor's batches are large
 * enough on their own, and are sealed as they are. */
#define MERGE_MAX_PIECES 64
#define MERGE_MAX_PACKETS ((uint64_t)1 << 17)
#define MAX_BACKOFF_SECONDS 15.0
#define STOP_DRAIN_SECONDS 5.0

typedef struct shipper_thread {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool quit, drain; /* drain: leave only when the spool is empty */
    int heartbeat_seconds;
    int ship_seconds;
    uint64_t batch_packets; /* resolved (batch_packets_of) */
    uint64_t captured, capture_drops, iface_drops; /* for heartbeats */
    uint64_t wire_bytes;
    uint64_t delivered;
} shipper_thread;

typedef struct sensor {
    tt_sensor_options *opt;
    tt_observer observer;
    int own_index; /* this sensor in the map; -1 when it has no prefixes (every destination is its) */
    tt_sensor_map *owned_map; /* from a reload */
    tt_agg *agg;
    tt_backscatter_agg *victims;
    tt_batch_builder builder;
    tt_buf out;
    tt_packet pkt;
    /* the open batch */
    uint64_t frames, outcomes[TT_OUTCOME_COUNT];
    int64_t opened, last_ts;
    bool have_opened, must_close;
    bool spool_full; /* logged once per episode */
    tt_status error;
    char message[512];
    /* output */
    tt_spool *spool;
    uint64_t local_epoch, local_seq;
    tt_live *live;
    tt_live_stats stats_at_last_batch;
    shipper_thread ship;
    tt_sensor_summary summary;
} sensor;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_observer(sensor *s)
{
    const tt_sensor_map *map = s->opt->conf.sensors;
    s->own_index = map ? tt_sensor_map_find(map, s->opt->name) : -1;
    if (s->own_index >= 0 && tt_sensor_map_prefixes_of(map, s->own_index) == 0)
        s->own_index = -1;
    s->observer.sensors = map;
    s->observer.all_mine = s->own_index < 0;
    s->observer.p0f = s->opt->p0f;
    s->observer.no_classify = false;
}

static tt_status close_batch(sensor *s, int64_t closed, char *err, size_t errlen);

static uint64_t batch_packets_of(const tt_sensor_reloadable *conf)
{
    return conf->batch_packets ? conf->batch_packets : DEFAULT_BATCH_PACKETS;
}

static int batch_seconds_of(const tt_sensor_reloadable *conf)
{
    return conf->batch_seconds > 0 ? conf->batch_seconds : DEFAULT_BATCH_SECONDS;
}

static int ship_seconds_of(const tt_sensor_reloadable *conf)
{
    return conf->ship_seconds >= 0 ? conf->ship_seconds : DEFAULT_SHIP_SECONDS;
}

/* Closes the batch from inside the packet loop (a memory bound was reached). */
static tt_status close_now(sensor *s)
{
    int64_t closed = s->opt->read_path ? s->last_ts : (int64_t)now_seconds();
    tt_status st = close_batch(s, closed, s->message, sizeof s->message);
    if (st != TT_OK)
        s->error = st;
    return st;
}

static void on_frame(void *ctx, int linktype, const tt_frame *frame)
{
    sensor *s = ctx;
    if (s->error != TT_OK)
        return;
    s->frames++;
    s->summary.frames++;
    tt_observation obs;
    tt_outcome outcome = tt_observe(&s->observer, linktype, frame, &s->pkt, &obs);
    if (tt_outcome_counts(outcome) && s->own_index >= 0 && obs.sensor_index != s->own_index)
        outcome = TT_OUTCOME_UNASSIGNED; /* another sensor's prefix */
    s->outcomes[outcome]++;
    if (!s->have_opened) {
        s->opened = s->opt->read_path ? frame->ts_sec : (int64_t)now_seconds();
        s->have_opened = true;
    }
    if (frame->ts_sec + 1 > s->last_ts)
        s->last_ts = frame->ts_sec + 1;
    if (!tt_outcome_counts(outcome))
        return;
    s->summary.packets++;
    tt_status st = TT_OK;
    if (obs.backscatter) {
        st = tt_backscatter_add(s->victims, frame->ts_sec, 0, &s->pkt);
        if (st == TT_ERR_NOMEM && close_now(s) == TT_OK)
            st = tt_backscatter_add(s->victims, frame->ts_sec, 0, &s->pkt);
    }
    if (st == TT_OK) {
        st = tt_agg_add(s->agg, frame->ts_sec, 0, &s->pkt.src, obs.service, obs.kind, obs.os, s->pkt.ttl,
                        s->pkt.ip_len);
        /* The memory bound: close the batch here and count the packet in the next. */
        if (st == TT_ERR_NOMEM && close_now(s) == TT_OK)
            st = tt_agg_add(s->agg, frame->ts_sec, 0, &s->pkt.src, obs.service, obs.kind, obs.os, s->pkt.ttl,
                            s->pkt.ip_len);
    }
    if (st != TT_OK && s->error == TT_OK) {
        s->error = st;
        snprintf(s->message, sizeof s->message, "aggregation: %s", tt_strerror(st));
    }
    if (tt_agg_entries(s->agg) >= TT_LIMIT_AGG_ENTRIES / 2 ||
        s->frames >= batch_packets_of(&s->opt->conf))
        s->must_close = true;
}

static tt_status add_hour(void *ctx, int64_t hour, int32_t sensor_id, tt_detail_row *rows, size_t n)
{
    (void)sensor_id;
    return tt_batch_builder_add_hour(ctx, hour, rows, n);
}

static void wake_shipper(sensor *s)
{
    pthread_mutex_lock(&s->ship.lock);
    pthread_cond_broadcast(&s->ship.wake);
    pthread_mutex_unlock(&s->ship.lock);
}

/* Closes the open batch at `closed` and sends it on its way. */
static tt_status close_batch(sensor *s, int64_t closed, char *err, size_t errlen)
{
    if (!s->have_opened) {
        s->opened = closed;
        s->have_opened = true;
    }
    if (closed < s->opened)
        closed = s->opened;
    tt_status st = TT_OK;
    tt_batch_builder_reset(&s->builder);
    if ((st = tt_agg_flush(s->agg, INT64_MAX, add_hour, &s->builder)) != TT_OK) {
        snprintf(err, errlen, "building a batch: %s", tt_strerror(st));
        return st;
    }
    size_t nv = tt_backscatter_count(s->victims);
    for (size_t i = 0; i < nv && st == TT_OK; i++)
        st = tt_batch_builder_add_victim(&s->builder, tt_backscatter_get(s->victims, i));
    tt_backscatter_clear(s->victims);
    if (st != TT_OK) {
        snprintf(err, errlen, "building a batch: %s", tt_strerror(st));
        return st;
    }
    /* Capture drops since the last batch become declared gaps. */
    tt_gap drops[2];
    size_t ndrops = 0;
    if (s->live) {
        tt_live_stats now;
        tt_live_get_stats(s->live, &now);
        uint64_t d = now.dropped - s->stats_at_last_batch.dropped, i = now.if_dropped - s->stats_at_last_batch.if_dropped;
        if (d > 0)
            drops[ndrops++] = (tt_gap){s->opened, closed, d, TT_GAP_CAPTURE_DROP};
        if (i > 0)
            drops[ndrops++] = (tt_gap){s->opened, closed, i, TT_GAP_IFACE_DROP};
        s->summary.capture_dropped += d + i;
        s->stats_at_last_batch = now;
        pthread_mutex_lock(&s->ship.lock);
        s->ship.capture_drops = now.dropped;
        s->ship.iface_drops = now.if_dropped;
        pthread_mutex_unlock(&s->ship.lock);
    }
    pthread_mutex_lock(&s->ship.lock);
    s->ship.captured = s->summary.frames;
    pthread_mutex_unlock(&s->ship.lock);

    tt_batch_header h;
    memset(&h, 0, sizeof h);
    snprintf(h.sensor, sizeof h.sensor, "%s", s->opt->name);
    h.opened = s->opened;
    h.closed = closed;
    h.frames = s->frames;
    memcpy(h.outcomes, s->outcomes, sizeof h.outcomes);
    tt_gap gaps[TT_SPOOL_MAX_GAPS + 2];
    size_t ngaps = 0;
    if (s->spool) {
        for (size_t i = 0; i < ndrops && st == TT_OK; i++)
            st = tt_spool_add_gap(s->spool, &drops[i], err, errlen);
        if (st != TT_OK)
            return st;
        h.epoch = tt_spool_epoch(s->spool);
        h.seq = tt_spool_next_seq(s->spool);
        ngaps = tt_spool_pending_gaps(s->spool, gaps, TT_SPOOL_MAX_GAPS);
    } else {
        h.epoch = s->local_epoch;
        h.seq = ++s->local_seq;
        memcpy(gaps, drops, ndrops * sizeof *gaps);
        ngaps = ndrops;
    }
    if ((st = tt_batch_builder_finish(&s->builder, &h, gaps, ngaps, &s->out)) != TT_OK) {
        snprintf(err, errlen, "building a batch: %s", tt_strerror(st));
        return st;
    }
    uint64_t packets = tt_batch_builder_packets(&s->builder);
    if (s->spool) {
        tt_gap lost = {s->opened, closed, packets, TT_GAP_SPOOL_FULL};
        /* spooled as a piece when later batches may join it before it is sent */
        bool sealed = ship_seconds_of(&s->opt->conf) <= batch_seconds_of(&s->opt->conf);
        st = tt_spool_put(s->spool, h.seq, s->out.data, s->out.len, &lost, sealed, err, errlen);
        if (st == TT_ERR_NOMEM) {
            /* Not an error: the loss is declared in a later batch. */
            if (packets > 0 && !s->spool_full)
                tt_log_warn("%s: packets are not kept until it has room; they are declared as a gap", err);
            s->spool_full = true;
            s->summary.spool_dropped += packets;
            st = TT_OK;
        } else if (st == TT_OK) {
            if (s->spool_full)
                tt_log_info("spool has room again: %" PRIu64 " packets lost so far, declared", s->summary.spool_dropped);
            s->spool_full = false;
            s->summary.batches++;
            wake_shipper(s);
        }
    } else {
        tt_batch batch;
        if ((st = tt_batch_decode(s->out.data, s->out.len, &batch, err, errlen)) == TT_OK) {
            tt_accept_result result;
            uint64_t last;
            st = tt_apply_accept(s->opt->store, s->opt->conf.sensors, &batch, s->out.data, s->out.len,
                                 (int64_t)now_seconds(), &result, &last, err, errlen);
            if (st == TT_OK)
                st = tt_apply_fold_all(s->opt->store, s->opt->geo, err, errlen);
            tt_batch_free(&batch);
        }
        if (st == TT_OK)
            s->summary.batches++;
    }
    if (st != TT_OK)
        return st;
    memset(s->outcomes, 0, sizeof s->outcomes);
    s->frames = 0;
    s->opened = closed;
    s->must_close = false;
    return TT_OK;
}

/* ---- shipping thread ---- */

static bool ship_should_quit(sensor *s)
{
    pthread_mutex_lock(&s->ship.lock);
    bool quit = s->ship.quit;
    bool drain = s->ship.drain;
    pthread_mutex_unlock(&s->ship.lock);
    if (!quit)
        return false;
    if (!drain)
        return true;
    /* Pending gaps first: the main thread may turn them into a batch. */
    tt_gap pending;
    if (tt_spool_pending_gaps(s->spool, &pending, 1) > 0)
        return false;
    tt_spool_usage u;
    tt_spool_get_usage(s->spool, &u);
    return u.batches == 0;
}

/* Waits up to `seconds`, or until woken (new batch, quit). */
static void ship_wait(sensor *s, double seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double whole = (double)until.tv_sec + until.tv_nsec / 1e9 + seconds;
    until.tv_sec = (time_t)whole;
    until.tv_nsec = (long)((whole - (double)until.tv_sec) * 1e9);
    pthread_mutex_lock(&s->ship.lock);
    if (!s->ship.quit || s->ship.drain)
        pthread_cond_timedwait(&s->ship.wake, &s->ship.lock, &until);
    pthread_mutex_unlock(&s->ship.lock);
}

static void send_heartbeat(sensor *s, tt_shipper *shipper, tt_buf *body)
{
    tt_heartbeat hb;
    memset(&hb, 0, sizeof hb);
    snprintf(hb.sensor, sizeof hb.sensor, "%s", s->opt->name);
    snprintf(hb.version, sizeof hb.version, "%s", TEITEN_VERSION);
    hb.epoch = tt_spool_epoch(s->spool);
    hb.time = (int64_t)now_seconds();
    /* Microseconds of the sensor clock, kept increasing: heartbeats stay
     * ordered across restarts of the sensor (the collector refuses replays). */
    static _Thread_local uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    counter = us > counter ? us : counter + 1;
    hb.counter = counter;
    tt_spool_usage u;
    tt_spool_get_usage(s->spool, &u);
    hb.spool_batches = u.batches;
    hb.spool_bytes = u.bytes;
    hb.spool_drops = u.dropped_packets;
    pthread_mutex_lock(&s->ship.lock);
    hb.interval = s->ship.heartbeat_seconds;
    hb.captured = s->ship.captured;
    hb.capture_drops = s->ship.capture_drops;
    hb.iface_drops = s->ship.iface_drops;
    pthread_mutex_unlock(&s->ship.lock);
    char message[600];
    if (tt_heartbeat_format(&hb, body) == TT_OK &&
        tt_shipper_post(shipper, "/v1/heartbeat", body->data, body->len, message, sizeof message) != TT_SHIP_ACKED)
        tt_log_warn("heartbeat: %s", message);
}

/* What the shipping thread keeps for merging pieces. */
typedef struct merger {
    tt_batch_builder builder;
    tt_buf piece, out;
    tt_batch pieces[MERGE_MAX_PIECES];
} merger;

/* Joins pieces p[0..k) into one sealed batch; on failure (a piece that does
 * not decode, a merge past a batch's bounds) p[0] is sealed alone and the
 * rest waits for the next round. */
static bool seal_group(sensor *s, merger *m, const tt_spool_piece *p, size_t k)
{
    char err[600] = "";
    tt_status st = TT_OK;
    size_t decoded = 0;
    if (k > 1) {
        /* One read buffer serves every piece: the merge uses the decoded rows only. */
        for (; decoded < k; decoded++)
            if ((st = tt_spool_read_piece(s->spool, p[decoded].seq, &m->piece, err, sizeof err)) != TT_OK ||
                (st = tt_batch_decode_rows(m->piece.data, m->piece.len, &m->pieces[decoded], err, sizeof err)) != TT_OK)
                break;
        if (st == TT_OK)
            st = tt_batch_merge(m->pieces, k, &m->builder, &m->out, err, sizeof err);
        for (size_t i = 0; i < decoded; i++)
            tt_batch_free(&m->pieces[i]);
        if (st == TT_OK)
            st = tt_spool_seal(s->spool, p[0].seq, p[k - 1].seq, m->out.data, m->out.len, err, sizeof err);
        if (st == TT_OK)
            return true;
        tt_log_warn("merging batches %" PRIu64 " to %" PRIu64 " failed (%s: %s): sending batch %" PRIu64
                    " by itself", p[0].seq, p[k - 1].seq, tt_strerror(st), err, p[0].seq);
    }
    if (tt_spool_seal(s->spool, p[0].seq, p[0].seq, NULL, 0, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return false; /* the spool is failing: try again at the next round */
    }
    return true;
}

/* Seals the oldest pieces once no later piece can join them: the next one
 * would take the batch past ship_seconds or its bounds, ship_seconds have
 * passed since the first one opened (live capture), or the sensor leaves.
 * Returns true when it sealed some; else *due is when to look again (live
 * capture) or 0. */
static bool seal_oldest(sensor *s, merger *m, double *due_out)
{
    tt_spool_piece p[MERGE_MAX_PIECES];
    size_t n = tt_spool_pieces(s->spool, p, MERGE_MAX_PIECES);
    *due_out = 0;
    if (n == 0)
        return false;
    pthread_mutex_lock(&s->ship.lock);
    int64_t span = s->ship.ship_seconds;
    uint64_t max_packets = s->ship.batch_packets;
    bool leaving = s->ship.quit;
    pthread_mutex_unlock(&s->ship.lock);
    if (max_packets > MERGE_MAX_PACKETS)
        max_packets = MERGE_MAX_PACKETS;
    size_t k = 1, gaps = p[0].ngaps, victims = p[0].nvictims;
    uint64_t packets = p[0].packets, bytes = p[0].bytes;
    /* only pieces that follow each other: a restart or a spool-full interval
     * between two pieces stays visible to the collector's uptime */
    while (k < n && !p[0].alone && !p[k].alone && p[k].opened == p[k - 1].closed && p[k].closed - p[0].opened <= span &&
           packets + p[k].packets <= max_packets && gaps + p[k].ngaps <= TT_BATCH_MAX_GAPS &&
           victims + p[k].nvictims <= TT_LIMIT_VICTIM_ROWS && bytes + p[k].bytes <= TT_BATCH_MAX_BYTES / 4) {
        packets += p[k].packets;
        gaps += p[k].ngaps;
        victims += p[k].nvictims;
        bytes += p[k].bytes;
        k++;
    }
    bool live = s->opt->read_path == NULL;
    double due = (double)p[0].opened + (double)span;
    /* Reading a file, pieces follow the capture's clock: a group is complete
     * when the next piece does not fit, or at the end. */
    if (k == n && n < MERGE_MAX_PIECES && !leaving && !p[0].alone && (!live || now_seconds() < due)) {
        *due_out = live ? due : 0;
        return false;
    }
    return seal_group(s, m, p, k);
}

/* Seals every group of pieces that is complete (a collector out of reach
 * leaves sealed batches, not pieces, in the spool). Returns when to look again. */
static double seal_pieces(sensor *s, merger *m)
{
    double due = 0;
    while (seal_oldest(s, m, &due))
        ;
    return due;
}

static void *shipper_main(void *arg)
{
    sensor *s = arg;
    tt_shipper_options so = {s->opt->url, s->opt->ca_file, s->opt->name, s->opt->key, 30};
    tt_shipper *shipper = NULL;
    char err[600];
    if (tt_shipper_new(&so, &shipper, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return NULL;
    }
    tt_buf body, hb_body;
    tt_buf_init(&body, TT_BATCH_MAX_BYTES);
    tt_buf_init(&hb_body, 0);
    merger *m = calloc(1, sizeof *m);
    if (m == NULL) {
        tt_log_error("shipping thread: out of memory");
        tt_buf_free(&body);
        tt_buf_free(&hb_body);
        tt_shipper_free(shipper);
        return NULL;
    }
    tt_batch_builder_init(&m->builder);
    tt_buf_init(&m->piece, TT_BATCH_MAX_BYTES);
    tt_buf_init(&m->out, TT_BATCH_MAX_BYTES);
    double backoff = 0.5, next_heartbeat = 0;
    bool failing = false;
    while (!ship_should_quit(s)) {
        double now = now_seconds();
        if (now >= next_heartbeat) {
            send_heartbeat(s, shipper, &hb_body);
            pthread_mutex_lock(&s->ship.lock);
            next_heartbeat = now + (s->ship.heartbeat_seconds > 0 ? s->ship.heartbeat_seconds : DEFAULT_HEARTBEAT_SECONDS);
            pthread_mutex_unlock(&s->ship.lock);
        }
        double seal_due = seal_pieces(s, m);
        uint64_t seq;
        tt_status st = tt_spool_oldest(s->spool, &seq, &body, err, sizeof err);
        if (st == TT_ERR_NOTFOUND) {
            double until = seal_due > 0 && seal_due < next_heartbeat ? seal_due : next_heartbeat;
            ship_wait(s, until - now_seconds());
            continue;
        }
        if (st != TT_OK) {
            tt_log_error("%s", err);
            ship_wait(s, backoff);
            continue;
        }
        char message[600];
        tt_ship_result r = tt_shipper_post(shipper, "/v1/batch", body.data, body.len, message, sizeof message);
        if (r == TT_SHIP_RETRY) {
            if (!failing)
                tt_log_warn("batch %" PRIu64 " not delivered (%s): keeping it in the spool, retrying", seq, message);
            failing = true;
            ship_wait(s, backoff);
            backoff = backoff * 2 > MAX_BACKOFF_SECONDS ? MAX_BACKOFF_SECONDS : backoff * 2;
            continue;
        }
        if (failing)
            tt_log_info("collector reachable again: batch %" PRIu64 " delivered", seq);
        failing = false;
        backoff = 0.5;
        if (r == TT_SHIP_REJECTED) {
            tt_log_error("batch %" PRIu64 " refused as malformed (%s): moved to %s/rejected", seq, message,
                         s->opt->spool_dir);
            st = tt_spool_reject(s->spool, seq, err, sizeof err);
        } else {
            st = tt_spool_remove(s->spool, seq, err, sizeof err);
            pthread_mutex_lock(&s->ship.lock);
            s->ship.delivered++;
            pthread_mutex_unlock(&s->ship.lock);
        }
        if (st != TT_OK)
            tt_log_error("%s", err);
    }
    /* a last heartbeat, so the collector sees the final counters */
    send_heartbeat(s, shipper, &hb_body);
    pthread_mutex_lock(&s->ship.lock);
    s->ship.wire_bytes = tt_shipper_bytes_sent(shipper);
    pthread_mutex_unlock(&s->ship.lock);
    tt_batch_builder_free(&m->builder);
    tt_buf_free(&m->piece);
    tt_buf_free(&m->out);
    free(m);
    tt_segment_thread_cleanup(); /* the merges' per-thread codec state */
    tt_buf_free(&body);
    tt_buf_free(&hb_body);
    tt_shipper_free(shipper);
    return NULL;
}

/* ---- privileges ---- */

static tt_status drop_privileges(const char *user, const char *spool_dir, char *err, size_t errlen)
{
    if (user == NULL || user[0] == '\0')
        return TT_OK;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, errlen, "no such user '%s' to drop privileges to", user);
        return TT_ERR_USAGE;
    }
    if (spool_dir) {
        /* The spool was opened as root: hand it over. */
        DIR *dir = opendir(spool_dir);
        struct dirent *e;
        if (chown(spool_dir, pw->pw_uid, pw->pw_gid) != 0 || dir == NULL) {
            snprintf(err, errlen, "cannot hand the spool %s to %s: %s", spool_dir, user, strerror(errno));
            if (dir)
                closedir(dir);
            return TT_ERR_IO;
        }
        while ((e = readdir(dir)) != NULL) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", spool_dir, e->d_name);
            if (strcmp(e->d_name, "..") != 0 && chown(path, pw->pw_uid, pw->pw_gid) != 0) {
                snprintf(err, errlen, "cannot hand %s to %s: %s", path, user, strerror(errno));
                closedir(dir);
                return TT_ERR_IO;
            }
        }
        closedir(dir);
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
        (pw->pw_uid != 0 && setuid(0) == 0)) {
        snprintf(err, errlen, "cannot drop privileges to %s: %s", user, strerror(errno));
        return TT_ERR_IO;
    }
    tt_log_info("running as %s (uid %u)", user, (unsigned)pw->pw_uid);
    return TT_OK;
}

/* ---- main loop ---- */

static void reload(sensor *s)
{
    if (s->opt->reload_fn == NULL)
        return;
    tt_sensor_reloadable next;
    memset(&next, 0, sizeof next);
    char err[600];
    if (s->opt->reload_fn(s->opt->reload_ctx, &next, err, sizeof err) != TT_OK) {
        tt_log_error("reload failed, keeping the running configuration: %s", err);
        return;
    }
    if (s->live && tt_live_set_filter(s->live, next.filter, err, sizeof err) != TT_OK) {
        tt_log_error("reload: %s; keeping the running configuration", err);
        tt_sensor_map_free(next.sensors);
        return;
    }
    tt_sensor_map_free(s->owned_map);
    s->owned_map = next.sensors;
    s->opt->conf = next;
    set_observer(s);
    if (s->spool)
        tt_spool_set_cap(s->spool, next.spool_max);
    pthread_mutex_lock(&s->ship.lock);
    s->ship.heartbeat_seconds = next.heartbeat_seconds;
    s->ship.ship_seconds = ship_seconds_of(&next);
    s->ship.batch_packets = batch_packets_of(&next);
    pthread_mutex_unlock(&s->ship.lock);
    tt_log_info("configuration reloaded (prefixes, filter, batch and heartbeat settings, spool cap)");
}

static tt_status run_loop(sensor *s, char *err, size_t errlen)
{
    tt_sensor_options *opt = s->opt;
    int batch_seconds = batch_seconds_of(&opt->conf);
    if (opt->read_path) {
        tt_capture *cap = NULL;
        tt_status st = tt_capture_open(opt->read_path, &cap, err, errlen);
        if (st != TT_OK)
            return st;
        int linktype = tt_capture_linktype(cap);
        tt_frame frame;
        char damage[512];
        for (;;) {
            if (opt->stop && *opt->stop)
                break;
            tt_status next = tt_capture_next(cap, &frame, damage, sizeof damage);
            if (next == TT_ERR_NOTFOUND)
                break;
            if (next != TT_OK) {
                tt_log_warn("%s", damage); /* kept up to the damage */
                break;
            }
            /* Batches follow the capture's clock in this mode. */
            if (s->have_opened && frame.ts_sec >= s->opened + batch_seconds &&
                (st = close_batch(s, s->last_ts > s->opened ? s->last_ts : s->opened, err, errlen)) != TT_OK)
                break;
            on_frame(s, linktype, &frame);
            if (s->error != TT_OK) {
                snprintf(err, errlen, "%s", s->message);
                st = s->error;
                break;
            }
            if (s->must_close && (st = close_batch(s, s->last_ts, err, errlen)) != TT_OK)
                break;
        }
        tt_capture_close(cap);
        if (st == TT_OK && (s->frames > 0 || s->summary.batches == 0))
            st = close_batch(s, s->last_ts, err, errlen);
        if (st == TT_OK)
            tt_log_info("%s: read to the end (%" PRIu64 " frames)", opt->read_path, s->summary.frames);
        return st;
    }
    tt_status st = TT_OK;
    s->opened = (int64_t)now_seconds();
    s->have_opened = true;
    while (!(opt->stop && *opt->stop)) {
        if (opt->reload && *opt->reload) {
            *opt->reload = 0;
            reload(s);
            batch_seconds = batch_seconds_of(&opt->conf);
        }
        uint64_t handled;
        if ((st = tt_live_dispatch(s->live, 200, on_frame, s, &handled, err, errlen)) != TT_OK)
            return st;
        if (s->error != TT_OK) {
            snprintf(err, errlen, "%s", s->message);
            return s->error;
        }
        int64_t now = (int64_t)now_seconds();
        if ((s->must_close || now >= s->opened + batch_seconds) && (st = close_batch(s, now, err, errlen)) != TT_OK)
            return st;
    }
    /* the last interval: what was captured until the stop, with what the
     * capture ring still holds */
    uint64_t handled;
    double give_up = now_seconds() + STOP_DRAIN_SECONDS;
    do {
        if ((st = tt_live_dispatch(s->live, 0, on_frame, s, &handled, err, errlen)) != TT_OK)
            return st;
        if (s->error != TT_OK) {
            snprintf(err, errlen, "%s", s->message);
            return s->error;
        }
    } while (handled > 0 && now_seconds() < give_up);
    return close_batch(s, (int64_t)now_seconds(), err, errlen);
}

tt_status tt_sensor_run(tt_sensor_options *opt, tt_sensor_summary *summary, char *err, size_t errlen)
{
    memset(summary, 0, sizeof *summary);
    sensor *s = calloc(1, sizeof *s);
    if (s == NULL)
        return TT_ERR_NOMEM;
    s->opt = opt;
    set_observer(s);
    tt_batch_builder_init(&s->builder);
    tt_buf_init(&s->out, TT_BATCH_MAX_BYTES);
    pthread_mutex_init(&s->ship.lock, NULL);
    pthread_cond_init(&s->ship.wake, NULL);
    s->ship.heartbeat_seconds = opt->conf.heartbeat_seconds;
    s->ship.ship_seconds = ship_seconds_of(&opt->conf);
    s->ship.batch_packets = batch_packets_of(&opt->conf);
    s->agg = tt_agg_new(TT_LIMIT_AGG_ENTRIES);
    s->victims = tt_backscatter_agg_new(TT_LIMIT_VICTIM_ROWS / 4);
    tt_status st = TT_OK;
    if (s->agg == NULL || s->victims == NULL) {
        st = TT_ERR_NOMEM;
        goto out;
    }
    if (opt->read_path == NULL && (st = tt_live_open(&opt->live, &s->live, err, errlen)) != TT_OK)
        goto out;
    if (opt->store) {
        if (getrandom(&s->local_epoch, sizeof s->local_epoch, 0) != (ssize_t)sizeof s->local_epoch) {
            snprintf(err, errlen, "cannot draw a random epoch");
            st = TT_ERR_IO;
            goto out;
        }
    } else if ((st = tt_spool_open(opt->spool_dir, opt->conf.spool_max, &s->spool, err, errlen)) != TT_OK) {
        goto out;
    }
    if ((st = drop_privileges(opt->user, s->spool ? opt->spool_dir : NULL, err, errlen)) != TT_OK)
        goto out;
    if (s->spool) {
        tt_spool_usage u;
        tt_spool_get_usage(s->spool, &u);
        if (u.batches > 0)
            tt_log_info("spool %s holds %" PRIu64 " batches from before: sending them first", opt->spool_dir,
                        u.batches);
        if (pthread_create(&s->ship.thread, NULL, shipper_main, s) != 0) {
            snprintf(err, errlen, "cannot start the shipping thread");
            st = TT_ERR_NOMEM;
            goto out;
        }
        s->ship.started = true;
    }
    st = run_loop(s, err, errlen);
out:
    if (s->ship.started) {
        pthread_mutex_lock(&s->ship.lock);
        s->ship.quit = true;
        /* Reading a file: deliver everything before leaving (a signal stops).
         * Stopping a live capture: a few seconds to deliver the last batches;
         * what is left stays in the spool for the next start. */
        bool live_stop = st == TT_OK && opt->read_path == NULL;
        s->ship.drain = st == TT_OK && (live_stop || !(opt->stop && *opt->stop));
        pthread_cond_broadcast(&s->ship.wake);
        pthread_mutex_unlock(&s->ship.lock);
        double deadline = now_seconds() + STOP_DRAIN_SECONDS;
        while (s->ship.drain) {
            tt_spool_usage u;
            tt_spool_get_usage(s->spool, &u);
            if (live_stop ? now_seconds() > deadline : (opt->stop && *opt->stop))
                break;
            if (u.batches == 0) {
                /* Losses not yet declared (the spool was full at the last
                 * batch) leave in one more, empty batch. */
                tt_gap pending;
                if (tt_spool_pending_gaps(s->spool, &pending, 1) == 0)
                    break;
                if (close_batch(s, s->opened, err, errlen) != TT_OK) {
                    tt_log_error("%s", err);
                    break;
                }
                continue;
            }
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        pthread_mutex_lock(&s->ship.lock);
        s->ship.drain = false;
        pthread_cond_broadcast(&s->ship.wake);
        pthread_mutex_unlock(&s->ship.lock);
        pthread_join(s->ship.thread, NULL);
        s->summary.wire_bytes = s->ship.wire_bytes;
        s->summary.delivered = s->ship.delivered;
    }
    if (s->spool) {
        tt_spool_usage u;
        tt_spool_get_usage(s->spool, &u);
        s->summary.left_in_spool = u.batches;
    }
    *summary = s->summary;
    tt_live_close(s->live);
    tt_spool_close(s->spool);
    tt_agg_free(s->agg);
    tt_backscatter_agg_free(s->victims);
    tt_batch_builder_free(&s->builder);
    tt_buf_free(&s->out);
    tt_sensor_map_free(s->owned_map);
    pthread_mutex_destroy(&s->ship.lock);
    pthread_cond_destroy(&s->ship.wake);
    tt_segment_thread_cleanup();
    free(s);
    return st;
}
