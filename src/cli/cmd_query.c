/* teiten top | series | ip | stats | backscatter */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyze/attacks.h"
#include "analyze/health.h"
#include "analyze/query.h"
#include "classify/fingerprint.h"
#include "cli/cli.h"
#include "cli/query_env.h"
#include "cli/settings.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/parse.h"

/* A query that fills a table, with its own argument. */
typedef tt_status (*table_query_fn)(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen);

/* Opens the store for the arguments, runs the query, prints its table. */
static int run_table_query_in(const tt_query_args *a, table_query_fn fn, const void *arg, bool need_period)
{
    tt_query_env env;
    int rc = tt_query_env_open(&env, a, need_period);
    if (rc == TT_EXIT_OK) {
        tt_table table;
        char err[1024];
        if (fn(&env.q, arg, &table, err, sizeof err) != TT_OK) {
            tt_log_error("%s", err);
            tt_table_free(&table);
            rc = TT_EXIT_ERROR;
        } else {
            rc = tt_query_print_table(&table, a->format);
        }
    }
    tt_query_env_close(&env);
    return rc;
}

static int run_table_query(const tt_query_args *a, table_query_fn fn, const void *arg)
{
    return run_table_query_in(a, fn, arg, true);
}

typedef tt_status (*ranking_fn)(tt_query *q, tt_table *out, char *err, size_t errlen);

static tt_status run_ranking(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen)
{
    return (*(const ranking_fn *)arg)(q, out, err, errlen);
}

static tt_status run_series(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen)
{
    return tt_query_series(q, *(const bool *)arg, out, err, errlen);
}

static tt_status run_attacks(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen)
{
    return tt_query_attacks(q, arg, out, err, errlen);
}

int tt_cmd_top(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    static const struct {
        const char *name;
        ranking_fn run;
    } rankings[] = {
        {"ports", tt_query_top_ports},     {"countries", tt_query_top_countries},
        {"sources", tt_query_top_sources}, {"asns", tt_query_top_asns},
        {"tools", tt_query_top_tools},
    };
    size_t which = sizeof rankings / sizeof rankings[0];
    for (size_t i = 0; a.npositional == 1 && i < sizeof rankings / sizeof rankings[0]; i++)
        if (strcmp(a.positional[0], rankings[i].name) == 0)
            which = i;
    if (which == sizeof rankings / sizeof rankings[0]) {
        tt_log_error("usage: teiten top ports|countries|sources|asns|tools [options]");
        return TT_EXIT_USAGE;
    }
    return run_table_query(&a, run_ranking, &rankings[which].run);
}

int tt_cmd_series(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    if (a.npositional != 0 || (a.port == NULL) == (a.country == NULL)) {
        tt_log_error("usage: teiten series (--port P/PROTO | --country CC) [--by day|hour]");
        return TT_EXIT_USAGE;
    }
    if (a.by && strcmp(a.by, "day") && strcmp(a.by, "hour")) {
        tt_log_error("--by must be day or hour, not '%s'", a.by);
        return TT_EXIT_USAGE;
    }
    bool by_hour = a.by && strcmp(a.by, "hour") == 0;
    return run_table_query(&a, run_series, &by_hour);
}

int tt_cmd_ip(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    tt_addr addr;
    if (a.npositional != 1 || !tt_addr_parse(a.positional[0], &addr)) {
        tt_log_error("usage: teiten ip ADDRESS (an IPv4 or IPv6 address) [options]");
        return TT_EXIT_USAGE;
    }
    tt_query_env env;
    if ((rc = tt_query_env_open(&env, &a, false)) == TT_EXIT_OK) {
        char err[1024];
        if (tt_query_ip(&env.q, &addr, a.format, stdout, err, sizeof err) != TT_OK) {
            tt_log_error("%s", err);
            rc = TT_EXIT_ERROR;
        }
    }
    tt_query_env_close(&env);
    return rc;
}

int tt_cmd_stats(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    tt_query_env env;
    if ((rc = tt_query_env_open(&env, &a, false)) == TT_EXIT_OK) {
        char err[1024];
        if (tt_query_stats(&env.q, a.format, stdout, err, sizeof err) != TT_OK) {
            tt_log_error("%s", err);
            rc = TT_EXIT_ERROR;
        }
    }
    tt_query_env_close(&env);
    return rc;
}

int tt_cmd_backscatter(int argc, char **argv)
{
    /* Thresholds first (own options), the rest are the common query options. */
    tt_attack_thresholds t;
    tt_attack_thresholds_default(&t);
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        static const char *names[] = {"--timeout", "--min-packets", "--min-duration", "--min-ppm"};
        int which = -1;
        for (int k = 0; k < 4; k++)
            if (strcmp(argv[i], names[k]) == 0)
                which = k;
        if (which < 0) {
            argv[kept++] = argv[i];
            continue;
        }
        uint64_t v;
        if (i + 1 >= argc || !tt_parse_u64(argv[i + 1], UINT32_MAX, &v)) {
            tt_log_error("%s needs a number", names[which]);
            return TT_EXIT_USAGE;
        }
        i++;
        if (which == 0)
            t.timeout = (uint32_t)v;
        else if (which == 1)
            t.min_packets = v;
        else if (which == 2)
            t.min_seconds = (uint32_t)v;
        else
            t.min_ppm = (uint32_t)v;
    }
    argc = kept;
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    if (a.npositional != 0) {
        tt_log_error("usage: teiten backscatter [--min-packets N] [--min-duration S] [--min-ppm N] [options]");
        return TT_EXIT_USAGE;
    }
    return run_table_query(&a, run_attacks, &t);
}

static tt_status run_sensors(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen)
{
    (void)arg;
    return tt_query_sensors(q, (int64_t)time(NULL), out, err, errlen);
}

static tt_status run_gaps(tt_query *q, const void *arg, tt_table *out, char *err, size_t errlen)
{
    (void)arg;
    return tt_query_gaps(q, out, err, errlen);
}

int tt_cmd_sensors(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    if (a.npositional != 0) {
        tt_log_error("usage: teiten sensors [--from D --to D] [--format table|json|csv] [--db FILE]");
        return TT_EXIT_USAGE;
    }
    return run_table_query_in(&a, run_sensors, NULL, false);
}

int tt_cmd_gaps(int argc, char **argv)
{
    tt_query_args a;
    int rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    if (a.npositional != 0) {
        tt_log_error("usage: teiten gaps [--from D --to D] [--sensor NAME] [--format table|json|csv] [--db FILE]");
        return TT_EXIT_USAGE;
    }
    return run_table_query(&a, run_gaps, NULL);
}
