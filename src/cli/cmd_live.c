/* teiten sensor, teiten collector: the long-running daemons. Signals are
 * handled here, in one place: SIGINT/SIGTERM stop, SIGHUP reloads the
 * configuration, SIGUSR1 asks the collector to fold its inbox now. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/settings.h"
#include "collect/collector.h"
#include "sensor/sensor.h"
#include "util/log.h"
#include "util/parse.h"

static volatile sig_atomic_t live_stop, live_reload, live_fold;

static void on_stop(int sig)
{
    (void)sig;
    live_stop = 1;
}
static void on_reload(int sig)
{
    (void)sig;
    live_reload = 1;
}
static void on_fold(int sig)
{
    (void)sig;
    live_fold = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_reload;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_fold;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int load_settings(tt_settings *s, const char *config, char *err, size_t errlen)
{
    if (tt_settings_init(s) != TT_OK)
        return TT_EXIT_ERROR;
    if ((config && tt_settings_load(s, config, err, errlen) != TT_OK) || tt_settings_finish(s, err, errlen) != TT_OK)
        return TT_EXIT_USAGE;
    return TT_EXIT_OK;
}

static const tt_settings_key *find_key(const tt_settings *s, const char *sensor)
{
    for (size_t i = 0; i < s->live.nkeys; i++)
        if (strcmp(s->live.keys[i].sensor, sensor) == 0)
            return &s->live.keys[i];
    return NULL;
}

/* ---- sensor ---- */

typedef struct sensor_cli {
    const char *config;
    const char *name;
} sensor_cli;

static void reloadable_from(const tt_settings *s, tt_sensor_reloadable *r)
{
    snprintf(r->filter, sizeof r->filter, "%s", s->live.filter);
    r->batch_packets = (uint64_t)s->live.batch_packets;
    r->batch_seconds = (int)s->live.batch_seconds;
    r->ship_seconds = (int)s->live.ship_seconds;
    r->heartbeat_seconds = (int)s->live.heartbeat_seconds;
    r->spool_max = (uint64_t)s->live.spool_max_kb << 10;
}

static tt_status sensor_reload(void *ctx, tt_sensor_reloadable *out, char *err, size_t errlen)
{
    sensor_cli *cli = ctx;
    tt_settings s;
    if (cli->config == NULL) {
        snprintf(err, errlen, "no --config to reload");
        return TT_ERR_USAGE;
    }
    if (load_settings(&s, cli->config, err, errlen) != TT_EXIT_OK) {
        tt_settings_free(&s);
        return TT_ERR_USAGE;
    }
    reloadable_from(&s, out);
    out->sensors = s.sensors; /* handed over */
    s.sensors = NULL;
    tt_settings_free(&s);
    return TT_OK;
}

int tt_cmd_sensor(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},  {"name", required_argument, NULL, 'n'},
        {"interface", required_argument, NULL, 'i'}, {"read", required_argument, NULL, 'r'},
        {"filter", required_argument, NULL, 'f'},  {"spool", required_argument, NULL, 's'},
        {"spool-max-mb", required_argument, NULL, 'S'}, {"spool-max-kb", required_argument, NULL, 'Q'}, {"collector", required_argument, NULL, 'u'},
        {"ca", required_argument, NULL, 'a'},      {"key", required_argument, NULL, 'k'},
        {"db", required_argument, NULL, 'd'},      {"user", required_argument, NULL, 'U'},
        {"batch-packets", required_argument, NULL, 'B'}, {"batch-seconds", required_argument, NULL, 'T'},
        {"ship-seconds", required_argument, NULL, 'W'},
        {"heartbeat", required_argument, NULL, 'H'}, {"geo", required_argument, NULL, 'g'},
        {"p0f", required_argument, NULL, 'P'},     {"retain-dir", required_argument, NULL, 'R'},
        {"immediate", no_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *name = NULL, *read_path = NULL, *db = NULL, *geo_path = NULL, *p0f_path = NULL;
    const char *ifaces[TT_LIVE_MAX_INTERFACES];
    size_t nifaces = 0;
    const char *filter = NULL, *spool = NULL, *url = NULL, *ca = NULL, *key_hex = NULL, *user = NULL, *retain = NULL;
    long spool_max = -1, batch_packets = -1, batch_seconds = -1, heartbeat = -1, ship_seconds = -1;
    bool immediate = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case 'c': config = optarg; break;
        case 'n': name = optarg; break;
        case 'i':
            if (nifaces == TT_LIVE_MAX_INTERFACES) {
                tt_log_error("at most %d interfaces", TT_LIVE_MAX_INTERFACES);
                return TT_EXIT_USAGE;
            }
            ifaces[nifaces++] = optarg;
            break;
        case 'r': read_path = optarg; break;
        case 'f': filter = optarg; break;
        case 's': spool = optarg; break;
        case 'u': url = optarg; break;
        case 'a': ca = optarg; break;
        case 'k': key_hex = optarg; break;
        case 'd': db = optarg; break;
        case 'U': user = optarg; break;
        case 'g': geo_path = optarg; break;
        case 'P': p0f_path = optarg; break;
        case 'R': retain = optarg; break;
        case 'I': immediate = true; break;
        case 'W':
            if (!tt_parse_u64(optarg, 86400, &v)) {
                tt_log_error("--ship-seconds needs a number of seconds (0 to 86400), not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            ship_seconds = (long)v;
            break;
        case 'S': case 'B': case 'T': case 'H': case 'Q':
            if (!tt_parse_u64(optarg, 1u << 30, &v) || v == 0) {
                tt_log_error("%s needs a positive number, not '%s'", argv[optind - 2], optarg);
                return TT_EXIT_USAGE;
            }
            if (opt == 'S') spool_max = (long)v << 10;
            if (opt == 'Q') spool_max = (long)v;
            if (opt == 'B') batch_packets = (long)v;
            if (opt == 'T') batch_seconds = (long)v;
            if (opt == 'H') heartbeat = (long)v;
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        tt_log_error("sensor takes no positional arguments ('%s')", argv[optind]);
        return TT_EXIT_USAGE;
    }
    char err[1024];
    tt_settings s;
    int rc = load_settings(&s, config, err, sizeof err);
    tt_store *store = NULL;
    tt_geo *geo = NULL;
    tt_prefix_list *scanners = NULL;
    tt_p0f *p0f = NULL;
    if (rc != TT_EXIT_OK) {
        tt_log_error("%s", err);
        goto out;
    }
    rc = TT_EXIT_USAGE;
    tt_live_settings *l = &s.live;
    /* options override the configuration */
    if (name) snprintf(l->sensor, sizeof l->sensor, "%s", name);
    for (size_t i = 0; i < nifaces; i++) snprintf(l->interfaces[i], sizeof l->interfaces[0], "%s", ifaces[i]);
    if (nifaces) l->ninterfaces = nifaces;
    if (filter) snprintf(l->filter, sizeof l->filter, "%s", filter);
    if (spool) snprintf(l->spool_dir, sizeof l->spool_dir, "%s", spool);
    if (url) snprintf(l->url, sizeof l->url, "%s", url);
    if (ca) snprintf(l->ca, sizeof l->ca, "%s", ca);
    if (user) snprintf(l->user, sizeof l->user, "%s", user);
    if (retain) snprintf(l->retain_dir, sizeof l->retain_dir, "%s", retain);
    if (geo_path) snprintf(s.geo, sizeof s.geo, "%s", geo_path);
    if (p0f_path) snprintf(s.p0f, sizeof s.p0f, "%s", p0f_path);
    if (spool_max > 0) l->spool_max_kb = spool_max;
    if (batch_packets > 0) l->batch_packets = batch_packets;
    if (batch_seconds > 0) l->batch_seconds = batch_seconds;
    if (heartbeat > 0) l->heartbeat_seconds = heartbeat;
    if (ship_seconds >= 0) l->ship_seconds = ship_seconds;
    if (immediate) l->immediate = true;
    if (l->sensor[0] == '\0') {
        tt_log_error("which sensor is this? give --name NAME or [capture] sensor = NAME");
        goto out;
    }
    if (strspn(l->sensor, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(l->sensor)) {
        tt_log_error("sensor name '%s' may only use letters, digits, '.', '_' and '-'", l->sensor);
        goto out;
    }
    if (read_path == NULL && l->ninterfaces == 0) {
        tt_log_error("nothing to capture: give --interface IF ([capture] interface) or --read FILE");
        goto out;
    }
    tt_sensor_options so;
    memset(&so, 0, sizeof so);
    snprintf(so.name, sizeof so.name, "%s", l->sensor);
    reloadable_from(&s, &so.conf);
    so.conf.sensors = s.sensors;
    for (size_t i = 0; i < l->ninterfaces; i++)
        so.live.interfaces[i] = l->interfaces[i];
    so.live.ninterfaces = l->ninterfaces;
    so.live.filter = l->filter;
    so.live.snaplen = (int)l->snaplen;
    so.live.buffer_mb = (int)l->buffer_mb;
    so.live.immediate = l->immediate;
    so.live.timeout_ms = (int)l->timeout_ms;
    so.live.retain_dir = l->retain_dir[0] ? l->retain_dir : NULL;
    so.live.retain_file_bytes = (uint64_t)l->retain_file_mb << 20;
    so.live.retain_max_bytes = (uint64_t)l->retain_max_mb << 20;
    so.live.retain_max_age = l->retain_max_age;
    so.read_path = read_path;
    so.user = l->user[0] ? l->user : NULL;
    so.stop = &live_stop;
    so.reload = &live_reload;
    sensor_cli cli = {config, l->sensor};
    so.reload_fn = sensor_reload;
    so.reload_ctx = &cli;
    if (tt_settings_open_p0f(&s, &p0f, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        rc = TT_EXIT_ERROR;
        goto out;
    }
    so.p0f = p0f;
    if (db) {
        /* single-host mode: straight into a local store */
        if (tt_settings_open_geo(&s, &geo, &scanners, err, sizeof err) != TT_OK ||
            tt_store_open(db, true, &store, err, sizeof err) != TT_OK) {
            tt_log_error("%s", err);
            rc = TT_EXIT_ERROR;
            goto out;
        }
        so.store = store;
        so.geo = geo;
    } else {
        if (l->url[0] == '\0' || l->spool_dir[0] == '\0') {
            tt_log_error("shipping needs --collector URL and --spool DIR ([ship] url, [spool] dir), or use --db FILE");
            goto out;
        }
        const tt_settings_key *k = find_key(&s, l->sensor);
        const char *hex = key_hex ? key_hex : k ? k->hex : NULL;
        if (hex == NULL || !tt_key_parse(hex, &so.key)) {
            tt_log_error("sensor %s needs its key: --key HEX or 'key = HEX' in [sensor %s] (64 hex digits)",
                         l->sensor, l->sensor);
            goto out;
        }
        so.url = l->url;
        so.ca_file = l->ca[0] ? l->ca : NULL;
        so.spool_dir = l->spool_dir;
    }
    install_signals();
    tt_sensor_summary sum;
    tt_status st = tt_sensor_run(&so, &sum, err, sizeof err);
    if (st != TT_OK) {
        tt_log_error("%s", err);
        rc = st == TT_ERR_USAGE ? TT_EXIT_USAGE : TT_EXIT_ERROR;
    } else {
        tt_log_info("sensor %s: %llu frames, %llu packets, %llu batches, %llu delivered, %llu packets lost to a "
                    "full spool, %llu capture drops, %llu bytes sent, %llu batches left in the spool",
                    so.name, (unsigned long long)sum.frames, (unsigned long long)sum.packets,
                    (unsigned long long)sum.batches, (unsigned long long)sum.delivered,
                    (unsigned long long)sum.spool_dropped,
                    (unsigned long long)sum.capture_dropped, (unsigned long long)sum.wire_bytes,
                    (unsigned long long)sum.left_in_spool);
        rc = TT_EXIT_OK;
    }
out:
    tt_store_close(store);
    tt_geo_close(geo);
    tt_prefix_list_free(scanners);
    tt_p0f_free(p0f);
    tt_settings_free(&s);
    return rc;
}

/* ---- collector ---- */

static tt_status keys_from(tt_settings *s, tt_collector_keys *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->keys = calloc(s->live.nkeys ? s->live.nkeys : 1, sizeof *out->keys);
    if (out->keys == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < s->live.nkeys; i++) {
        tt_sensor_key *k = &out->keys[out->n];
        if (s->live.keys[i].hex[0] == '\0') {
            snprintf(err, errlen, "sensor %s has no key", s->live.keys[i].sensor);
            free(out->keys);
            out->keys = NULL;
            return TT_ERR_USAGE;
        }
        snprintf(k->name, sizeof k->name, "%s", s->live.keys[i].sensor);
        (void)tt_key_parse(s->live.keys[i].hex, &k->key);
        k->revoked = s->live.keys[i].revoked;
        out->n++;
    }
    out->sensors = s->sensors;
    s->sensors = NULL;
    return TT_OK;
}

static tt_status collector_reload(void *ctx, tt_collector_keys *out, char *err, size_t errlen)
{
    const char *config = ctx;
    tt_settings s;
    tt_status st = TT_ERR_USAGE;
    if (config == NULL)
        snprintf(err, errlen, "no --config to reload");
    else if (load_settings(&s, config, err, errlen) == TT_EXIT_OK)
        st = keys_from(&s, out, err, errlen);
    if (config)
        tt_settings_free(&s);
    return st;
}

int tt_cmd_collector(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'}, {"listen", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'd'},     {"cert", required_argument, NULL, 'C'},
        {"key", required_argument, NULL, 'K'},    {"fold-seconds", required_argument, NULL, 'F'},
        {"geo", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *listen = NULL, *db = NULL, *cert = NULL, *key = NULL, *geo_path = NULL;
    double fold = -1;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case 'c': config = optarg; break;
        case 'l': listen = optarg; break;
        case 'd': db = optarg; break;
        case 'C': cert = optarg; break;
        case 'K': key = optarg; break;
        case 'g': geo_path = optarg; break;
        case 'F':
            if (!tt_parse_u64(optarg, 86400, &v)) {
                tt_log_error("--fold-seconds needs a number of seconds, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            fold = (double)v;
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        tt_log_error("collector takes no positional arguments ('%s')", argv[optind]);
        return TT_EXIT_USAGE;
    }
    char err[1024];
    tt_settings s;
    int rc = load_settings(&s, config, err, sizeof err);
    tt_geo *geo = NULL;
    tt_prefix_list *scanners = NULL;
    tt_collector_options co;
    memset(&co, 0, sizeof co);
    if (rc != TT_EXIT_OK) {
        tt_log_error("%s", err);
        goto out;
    }
    rc = TT_EXIT_USAGE;
    tt_live_settings *l = &s.live;
    if (listen) snprintf(l->listen, sizeof l->listen, "%s", listen);
    if (cert) snprintf(l->cert, sizeof l->cert, "%s", cert);
    if (key) snprintf(l->tls_key, sizeof l->tls_key, "%s", key);
    if (geo_path) snprintf(s.geo, sizeof s.geo, "%s", geo_path);
    if (fold >= 0) l->fold_seconds = fold;
    if (l->listen[0] == '\0' || l->cert[0] == '\0' || l->tls_key[0] == '\0') {
        tt_log_error("the collector needs --listen ADDR:PORT, --cert FILE and --key FILE ([collector] section): TLS "
                     "is always on");
        goto out;
    }
    if (s.live.nkeys == 0)
        tt_log_warn("no sensor keys configured ('key = HEX' in [sensor NAME]): every batch will be refused");
    if (tt_settings_open_geo(&s, &geo, &scanners, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        rc = TT_EXIT_ERROR;
        goto out;
    }
    co.listen = l->listen;
    co.cert_file = l->cert;
    co.key_file = l->tls_key;
    co.db = db ? db : s.db;
    co.geo = geo;
    co.max_body = (size_t)l->max_body_mb << 20;
    co.timeout_seconds = (unsigned)l->timeout_seconds;
    co.max_connections = (unsigned)l->max_connections;
    co.per_ip_connections = (unsigned)l->per_ip_connections;
    co.requests_per_second = (unsigned)l->requests_per_second;
    co.fold_seconds = l->fold_seconds >= 0 ? l->fold_seconds : 60;
    co.stop = &live_stop;
    co.reload = &live_reload;
    co.fold_now = &live_fold;
    co.reload_fn = collector_reload;
    co.reload_ctx = (void *)config;
    if (keys_from(&s, &co.keys, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto out;
    }
    install_signals();
    tt_status st = tt_collector_run(&co, err, sizeof err);
    if (st != TT_OK) {
        tt_log_error("%s", err);
        rc = st == TT_ERR_USAGE ? TT_EXIT_USAGE : TT_EXIT_ERROR;
    } else {
        rc = TT_EXIT_OK;
    }
out:
    tt_collector_keys_free(&co.keys);
    tt_geo_close(geo);
    tt_prefix_list_free(scanners);
    tt_settings_free(&s);
    return rc;
}
