/* Common options and store setup of the query commands. */
#include "cli/query_env.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/fingerprint.h"
#include "cli/cli.h"
#include "util/log.h"
#include "util/parse.h"

int tt_query_args_parse(int argc, char **argv, tt_query_args *a)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},      {"config", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},    {"to", required_argument, NULL, 't'},
        {"tz", required_argument, NULL, 'z'},      {"sensor", required_argument, NULL, 's'},
        {"region", required_argument, NULL, 'r'},  {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'o'},  {"geo", required_argument, NULL, 'g'},
        {"port", required_argument, NULL, 'p'},    {"country", required_argument, NULL, 'C'},
        {"by", required_argument, NULL, 'b'},      {"asn", required_argument, NULL, 'A'},
        {"tool", required_argument, NULL, 'T'},    {"exclude-backscatter", no_argument, NULL, 'X'},
        {"exclude-known-scanners", no_argument, NULL, 'K'}, {"category", required_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->limit = 10;
    int opt;
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
        case 'g': a->geo = optarg; break;
        case 'p': a->port = optarg; break;
        case 'C': a->country = optarg; break;
        case 'b': a->by = optarg; break;
        case 'A': a->asn = optarg; break;
        case 'T': a->tool = optarg; break;
        case 'X': a->exclude_backscatter = true; break;
        case 'K': a->exclude_known = true; break;
        case 'G': a->category = optarg; break;
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
        default: return TT_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a->npositional == 2) {
            tt_log_error("unexpected argument '%s'", argv[i]);
            return TT_EXIT_USAGE;
        }
        a->positional[a->npositional++] = argv[i];
    }
    return TT_EXIT_OK;
}

void tt_query_env_close(tt_query_env *env)
{
    free(env->q.sensors);
    tt_services_free(env->services);
    tt_kb_free(env->kb);
    tt_geo_close(env->geo);
    tt_store_close(env->store);
    tt_settings_free(&env->settings);
}

static int parse_cc(const char *text, tt_cc *cc)
{
    if (strlen(text) != 2 || !((text[0] | 0x20) >= 'a' && (text[0] | 0x20) <= 'z') ||
        !((text[1] | 0x20) >= 'a' && (text[1] | 0x20) <= 'z')) {
        tt_log_error("a country is a two-letter code such as CN, not '%s'", text);
        return TT_EXIT_USAGE;
    }
    char upper[3] = {(char)(text[0] & ~0x20), (char)(text[1] & ~0x20), 0};
    *cc = tt_cc_make(upper);
    return TT_EXIT_OK;
}

/* Opens the store and fills env->q from the arguments. */
int tt_query_env_open(tt_query_env *env, const tt_query_args *a, bool need_period)
{
    char err[1024];
    memset(env, 0, sizeof *env);
    if (tt_settings_init(&env->settings) != TT_OK)
        return TT_EXIT_ERROR;
    if (a->config && tt_settings_load(&env->settings, a->config, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    if (tt_period_set_zone(a->tz, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    const char *db = a->db ? a->db : env->settings.db;
    if (tt_store_open(db, false, &env->store, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_ERROR;
    }
    /* Names only: a missing database or services file is not fatal. */
    if (a->geo)
        snprintf(env->settings.geo, sizeof env->settings.geo, "%s", a->geo);
    env->settings.nscanners = 0; /* stored flags already say who is a known scanner */
    tt_prefix_list *unused = NULL;
    if (tt_settings_open_geo(&env->settings, &env->geo, &unused, err, sizeof err) != TT_OK && a->geo) {
        tt_log_error("%s", err);
        return TT_EXIT_ERROR;
    }
    if (tt_services_load(env->settings.services[0] ? env->settings.services : NULL, &env->services, err,
                         sizeof err) != TT_OK)
        tt_log_warn("%s (service names omitted)", err);

    if (tt_settings_open_kb(&env->settings, &env->kb, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    tt_query *q = &env->q;
    q->kb = env->kb;
    q->category = a->category;
    q->store = env->store;
    q->limit = (size_t)a->limit;
    q->services = env->services;
    q->geo = env->geo;
    if (env->store->ops->sensors(env->store, &q->sensors, &q->nsensors) != TT_OK) {
        tt_log_error("%s", env->store->ops->last_error(env->store));
        return TT_EXIT_ERROR;
    }
    if (a->sensor || a->region) {
        bool any = false;
        for (size_t i = 0; i < q->nsensors; i++) {
            const tt_sensor_info *s = &q->sensors[i];
            if (a->sensor && strcmp(s->name, a->sensor) != 0)
                continue;
            if (a->region && strcasecmp(s->region, a->region) != 0)
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
    }
    if (a->port && !tt_parse_port_key(a->port, &q->filter.port, &q->filter.proto)) {
        tt_log_error("--port needs PORT/PROTO such as 23/tcp or 0/icmp, not '%s'", a->port);
        return TT_EXIT_USAGE;
    }
    q->filter.has_port = a->port != NULL;
    if (a->asn) {
        uint64_t asn;
        const char *digits = (a->asn[0] == 'A' || a->asn[0] == 'a') && (a->asn[1] == 'S' || a->asn[1] == 's')
                                 ? a->asn + 2
                                 : a->asn;
        if (!tt_parse_u64(digits, UINT32_MAX, &asn)) {
            tt_log_error("--asn needs an AS number such as 4134 or AS4134, not '%s'", a->asn);
            return TT_EXIT_USAGE;
        }
        q->filter.has_asn = true;
        q->filter.asn = (uint32_t)asn;
    }
    if (a->tool) {
        tt_kind kind;
        if (!tt_kind_parse(a->tool, &kind)) {
            tt_log_error("unknown --tool '%s' (see 'teiten top tools')", a->tool);
            return TT_EXIT_USAGE;
        }
        q->filter.has_kind = true;
        q->filter.kind = (uint8_t)kind;
    }
    if (a->exclude_backscatter)
        for (int k = 0; k < TT_KIND_COUNT; k++)
            if (tt_kind_is_backscatter((tt_kind)k))
                q->filter.exclude_kinds |= (uint16_t)(1u << k);
    if (a->exclude_known)
        q->filter.exclude_flags |= TT_GEO_KNOWN_SCANNER;
    if (a->country && parse_cc(a->country, &q->filter.cc) != TT_EXIT_OK)
        return TT_EXIT_USAGE;

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
        int64_t first_hour, last_hour;
        tt_status st = env->store->ops->hour_range(env->store, &first_hour, &last_hour);
        if (st == TT_ERR_NOTFOUND) {
            first_hour = last_hour = 0;
            q->no_data = !a->from && !a->to;
            if (need_period)
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

int tt_query_print_table(tt_table *t, tt_format format)
{
    tt_status st = tt_table_print(t, format, stdout);
    tt_table_free(t);
    if (fflush(stdout) != 0 || st != TT_OK) {
        tt_log_error("cannot write the output");
        return TT_EXIT_ERROR;
    }
    return TT_EXIT_OK;
}

