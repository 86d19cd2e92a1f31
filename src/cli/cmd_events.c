/* teiten events: bursts, rises and rank jumps of a period, explained
 * (analyze/events.h, docs/events.md). Options: the common query options plus
 * --by-region, --window, --min-packets and --min-share. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/events.h"
#include "classify/fingerprint.h"
#include "cli/cli.h"
#include "cli/settings.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/parse.h"

typedef struct events_args {
    const char *db, *config, *from, *to, *tz, *sensor, *region, *asn, *tool;
    bool exclude_backscatter, exclude_known;
    uint64_t limit; /* 0 = every event */
    tt_format format;
    tt_event_options options;
} events_args;

/* A non-negative decimal fraction such as 0.03 (strtod, checked). */
static bool parse_fraction(const char *text, double max, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0 && v <= max))
        return false;
    *out = v;
    return true;
}

static int parse_events_args(int argc, char **argv, events_args *a)
{
    enum { OPT_BY_REGION = 256, OPT_WINDOW, OPT_MIN_PACKETS, OPT_MIN_SHARE, OPT_GEO };
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"tz", required_argument, NULL, 'z'},
        {"sensor", required_argument, NULL, 's'},
        {"region", required_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'o'},
        {"geo", required_argument, NULL, OPT_GEO},
        {"asn", required_argument, NULL, 'A'},
        {"tool", required_argument, NULL, 'T'},
        {"exclude-backscatter", no_argument, NULL, 'X'},
        {"exclude-known-scanners", no_argument, NULL, 'K'},
        {"by-region", no_argument, NULL, OPT_BY_REGION},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"min-packets", required_argument, NULL, OPT_MIN_PACKETS},
        {"min-share", required_argument, NULL, OPT_MIN_SHARE},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    tt_event_options_default(&a->options);
    int opt;
    uint64_t v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': a->db = optarg; break;
        case 'c': a->config = optarg; break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'z': a->tz = optarg; break;
        case 's': a->sensor = optarg; break;
        case 'r': a->region = optarg; break;
        case 'A': a->asn = optarg; break;
        case 'T': a->tool = optarg; break;
        case 'X': a->exclude_backscatter = true; break;
        case 'K': a->exclude_known = true; break;
        case OPT_GEO: break; /* names only: events print country codes */
        case OPT_BY_REGION: a->options.by_region = true; break;
        case 'n':
            if (!tt_parse_u64(optarg, 1000000000, &a->limit) || a->limit == 0) {
                tt_log_error("--limit needs a positive number, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        case 'o':
            if (!tt_format_parse(optarg, &a->format)) {
                tt_log_error("--format must be table, json or csv, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        case OPT_WINDOW:
            if (!tt_parse_u64(optarg, 365, &v) || v < 7) {
                tt_log_error("--window needs a number of days from 7 to 365, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            a->options.window = (uint32_t)v;
            break;
        case OPT_MIN_PACKETS:
            if (!tt_parse_u64(optarg, UINT32_MAX, &v)) {
                tt_log_error("--min-packets needs a number, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            a->options.min_packets = (double)v;
            break;
        case OPT_MIN_SHARE:
            if (!parse_fraction(optarg, 1, &a->options.min_share)) {
                tt_log_error("--min-share needs a fraction from 0 to 1 such as 0.03, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        tt_log_error("unexpected argument '%s'", argv[optind]);
        return TT_EXIT_USAGE;
    }
    return TT_EXIT_OK;
}

typedef struct events_env {
    tt_settings settings;
    bool settings_ready;
    tt_store *store;
    tt_kb *kb;
    uint8_t sensor_set[TT_LIMIT_SENSORS / 8];
    tt_query q;
} events_env;

static void events_env_close(events_env *env)
{
    free(env->q.sensors);
    tt_kb_free(env->kb);
    tt_store_close(env->store);
    if (env->settings_ready)
        tt_settings_free(&env->settings);
}

/* Sensors to include (--sensor, --region); all when neither is given. */
static int select_sensors(events_env *env, const events_args *a)
{
    tt_query *q = &env->q;
    if (!a->sensor && !a->region)
        return TT_EXIT_OK;
    bool any = false;
    for (size_t i = 0; i < q->nsensors; i++) {
        const tt_sensor_info *s = &q->sensors[i];
        if ((a->sensor && strcmp(s->name, a->sensor) != 0) || (a->region && strcasecmp(s->region, a->region) != 0))
            continue;
        if (s->id >= 0 && s->id < TT_LIMIT_SENSORS) {
            env->sensor_set[s->id / 8] |= (uint8_t)(1u << (s->id % 8));
            any = true;
        }
    }
    if (!any && a->sensor) {
        tt_log_error("no sensor named '%s' in the store", a->sensor);
        return TT_EXIT_USAGE;
    }
    q->filter.sensor_set = env->sensor_set;
    q->filter.sensor_set_size = TT_LIMIT_SENSORS;
    return TT_EXIT_OK;
}

static int select_rows(events_env *env, const events_args *a)
{
    tt_rollup_filter *f = &env->q.filter;
    if (a->asn) {
        const char *digits = strncasecmp(a->asn, "AS", 2) == 0 ? a->asn + 2 : a->asn;
        uint64_t asn;
        if (!tt_parse_u64(digits, UINT32_MAX, &asn)) {
            tt_log_error("--asn needs an AS number such as 4134 or AS4134, not '%s'", a->asn);
            return TT_EXIT_USAGE;
        }
        f->has_asn = true;
        f->asn = (uint32_t)asn;
    }
    if (a->tool) {
        tt_kind kind;
        if (!tt_kind_parse(a->tool, &kind)) {
            tt_log_error("unknown --tool '%s' (see 'teiten top tools')", a->tool);
            return TT_EXIT_USAGE;
        }
        f->has_kind = true;
        f->kind = (uint8_t)kind;
    }
    for (int k = 0; a->exclude_backscatter && k < TT_KIND_COUNT; k++)
        if (tt_kind_is_backscatter((tt_kind)k))
            f->exclude_kinds |= (uint16_t)(1u << k);
    if (a->exclude_known)
        f->exclude_flags |= TT_GEO_KNOWN_SCANNER;
    return TT_EXIT_OK;
}

/* The period: --from/--to, else the days the store holds. */
static int select_period(events_env *env, const events_args *a)
{
    char err[512];
    tt_query *q = &env->q;
    int32_t first_day = 0, last_day = -1;
    if (a->from && !tt_parse_date(a->from, &first_day)) {
        tt_log_error("--from needs a date YYYY-MM-DD, not '%s'", a->from);
        return TT_EXIT_USAGE;
    }
    if (a->to && !tt_parse_date(a->to, &last_day)) {
        tt_log_error("--to needs a date YYYY-MM-DD, not '%s'", a->to);
        return TT_EXIT_USAGE;
    }
    if (!a->from || !a->to) {
        int64_t first_hour = 0, last_hour = 0;
        tt_status st = env->store->ops->hour_range(env->store, &first_hour, &last_hour);
        if (st == TT_ERR_NOTFOUND) {
            q->no_data = !a->from && !a->to;
            tt_log_warn("the store is empty");
        } else if (st != TT_OK) {
            tt_log_error("%s", env->store->ops->last_error(env->store));
            return TT_EXIT_ERROR;
        }
        if (!a->from)
            first_day = tt_period_day_of_hour(first_hour);
        if (!a->to)
            last_day = tt_period_day_of_hour(last_hour);
    }
    if (tt_period_make(first_day, last_day, &q->period, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    q->filter.hour_from = q->period.hour_from;
    q->filter.hour_to = q->period.hour_to;
    return TT_EXIT_OK;
}

static int events_env_open(events_env *env, const events_args *a)
{
    char err[1024];
    memset(env, 0, sizeof *env);
    if (tt_settings_init(&env->settings) != TT_OK)
        return TT_EXIT_ERROR;
    env->settings_ready = true;
    if (a->config && tt_settings_load(&env->settings, a->config, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    if (tt_period_set_zone(a->tz, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    if (tt_store_open(a->db ? a->db : env->settings.db, false, &env->store, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_ERROR;
    }
    if (tt_kb_builtin(&env->kb, err, sizeof err) != TT_OK)
        tt_log_warn("%s (knowledge base omitted)", err);
    tt_query *q = &env->q;
    q->store = env->store;
    q->kb = env->kb;
    q->limit = a->limit ? (size_t)a->limit : SIZE_MAX;
    if (env->store->ops->sensors(env->store, &q->sensors, &q->nsensors) != TT_OK) {
        tt_log_error("%s", env->store->ops->last_error(env->store));
        return TT_EXIT_ERROR;
    }
    int rc = select_sensors(env, a);
    if (rc == TT_EXIT_OK)
        rc = select_rows(env, a);
    if (rc == TT_EXIT_OK)
        rc = select_period(env, a);
    return rc;
}

int tt_cmd_events(int argc, char **argv)
{
    events_args a;
    int rc = parse_events_args(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    events_env env;
    if ((rc = events_env_open(&env, &a)) == TT_EXIT_OK) {
        tt_event_list list;
        char err[1024] = "";
        tt_status st = tt_detect_events(&env.q, &a.options, &list, err, sizeof err);
        if (st != TT_OK) {
            tt_log_error("%s", err[0] ? err : tt_strerror(st));
            rc = st == TT_ERR_USAGE ? TT_EXIT_USAGE : TT_EXIT_ERROR;
        } else {
            if (a.limit && list.n > a.limit)
                list.n = (size_t)a.limit;
            if (tt_events_print(&list, a.format, stdout) != TT_OK || fflush(stdout) != 0) {
                tt_log_error("cannot write the output");
                rc = TT_EXIT_ERROR;
            }
        }
        tt_event_list_free(&list);
    }
    events_env_close(&env);
    return rc;
}
