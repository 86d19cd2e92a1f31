/* teiten report: the quarterly report (render/report.h, docs/report.md).
 *
 *   teiten report (--quarter 2015Q4 | --from D --to D) [--region CC] [--lang ja|en]
 *                 [--format html|md|json] [-o FILE] [--db FILE] [--tz ZONE]
 *                 [--config FILE] [--geo FILE] [--limit N] [--events N]
 *
 * With -o the report is written to FILE.tmp and renamed into place, so a
 * failed run never leaves half a report; Markdown figures go next to it as
 * FILE-fig1.svg, FILE-fig2.svg... (FILE without its .md suffix). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "analyze/query.h"
#include "cli/cli.h"
#include "cli/query_env.h"
#include "cli/settings.h"
#include "render/report.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/parse.h"

typedef struct report_args {
    const char *db, *config, *from, *to, *quarter, *tz, *region, *geo, *output;
    uint64_t limit, events;
    tt_report_options opt;
} report_args;

static int parse_report_args(int argc, char **argv, report_args *a)
{
    enum { OPT_GEO = 256, OPT_EVENTS };
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"quarter", required_argument, NULL, 'q'},
        {"tz", required_argument, NULL, 'z'},
        {"region", required_argument, NULL, 'r'},
        {"lang", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'},
        {"geo", required_argument, NULL, OPT_GEO},
        {"limit", required_argument, NULL, 'n'},
        {"events", required_argument, NULL, OPT_EVENTS},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    tt_report_options_default(&a->opt);
    a->limit = a->opt.limit;
    a->events = a->opt.max_events;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        switch (opt) {
        case 'd': a->db = optarg; break;
        case 'c': a->config = optarg; break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'q': a->quarter = optarg; break;
        case 'z': a->tz = optarg; break;
        case 'r': a->region = optarg; break;
        case 'o': a->output = optarg; break;
        case OPT_GEO: a->geo = optarg; break;
        case 'l':
            if (!tt_report_lang_parse(optarg, &a->opt.lang)) {
                tt_log_error("--lang must be ja or en, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        case 'F':
            if (!tt_report_format_parse(optarg, &a->opt.format)) {
                tt_log_error("--format must be html, md or json, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        case 'n':
            if (!tt_parse_u64(optarg, 100, &a->limit) || a->limit == 0) {
                tt_log_error("--limit needs a number from 1 to 100, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        case OPT_EVENTS:
            if (!tt_parse_u64(optarg, 16, &a->events)) {
                tt_log_error("--events needs a number from 0 to 16, not '%s'", optarg);
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
    if ((a->quarter != NULL) == (a->from != NULL || a->to != NULL) || (!a->quarter && (!a->from || !a->to))) {
        tt_log_error("usage: teiten report (--quarter YYYYQN | --from YYYY-MM-DD --to YYYY-MM-DD) [options]");
        return TT_EXIT_USAGE;
    }
    if (a->region &&
        (strlen(a->region) != 2 || !((a->region[0] | 0x20) >= 'a' && (a->region[0] | 0x20) <= 'z') ||
         !((a->region[1] | 0x20) >= 'a' && (a->region[1] | 0x20) <= 'z'))) {
        tt_log_error("--region needs a two-letter country code such as JP, not '%s'", a->region);
        return TT_EXIT_USAGE;
    }
    if (a->opt.format == TT_REPORT_MD && a->output == NULL) {
        tt_log_error("--format md writes its figures next to the report: give -o FILE");
        return TT_EXIT_USAGE;
    }
    a->opt.limit = (size_t)a->limit;
    a->opt.max_events = (size_t)a->events;
    a->opt.quarter = a->quarter != NULL;
    a->opt.region = a->region;
    a->opt.tz = a->tz ? a->tz : "UTC";
    return TT_EXIT_OK;
}

/* The shared query environment (store, names, knowledge base, --region),
 * then the report's period: a calendar quarter or --from/--to. */
static int env_open(tt_query_env *env, const report_args *a)
{
    tt_query_args qa;
    memset(&qa, 0, sizeof qa);
    qa.db = a->db;
    qa.config = a->config;
    qa.tz = a->tz;
    qa.region = a->region;
    qa.geo = a->geo;
    qa.from = a->from;
    qa.to = a->to;
    qa.limit = a->limit;
    int rc = tt_query_env_open(env, &qa, true);
    if (rc != TT_EXIT_OK || !a->quarter)
        return rc;
    char err[256];
    tt_query *q = &env->q;
    if (tt_period_quarter(a->quarter, &q->period, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_USAGE;
    }
    q->filter.hour_from = q->period.hour_from;
    q->filter.hour_to = q->period.hour_to;
    q->no_data = false;
    return TT_EXIT_OK;
}

/* "out/report.md" -> figures "out/report-figN.svg", linked as "report-figN.svg". */
static void figure_names(const char *output, char *base, size_t baselen, char *link, size_t linklen)
{
    snprintf(base, baselen, "%s", output);
    size_t n = strlen(base);
    if (n > 3 && strcasecmp(base + n - 3, ".md") == 0)
        base[n - 3] = '\0';
    else if (n > 9 && strcasecmp(base + n - 9, ".markdown") == 0)
        base[n - 9] = '\0';
    const char *slash = strrchr(base, '/');
    snprintf(link, linklen, "%s", slash ? slash + 1 : base);
}

int tt_cmd_report(int argc, char **argv)
{
    report_args a;
    int rc = parse_report_args(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    char base[1024], link[1024], tmp[1100], err[2400] = "";
    if (a.output) {
        if (strlen(a.output) >= sizeof base - 16) {
            tt_log_error("-o: path too long");
            return TT_EXIT_USAGE;
        }
        figure_names(a.output, base, sizeof base, link, sizeof link);
        a.opt.figure_base = base;
        a.opt.figure_link = link;
        snprintf(tmp, sizeof tmp, "%s.tmp", a.output);
    }
    tt_query_env env;
    if ((rc = env_open(&env, &a)) != TT_EXIT_OK) {
        tt_query_env_close(&env);
        return rc;
    }
    if (a.region && env.q.filter.sensor_set) {
        bool any = false;
        for (size_t i = 0; i < sizeof env.sensor_set && !any; i++)
            any = env.sensor_set[i] != 0;
        if (!any)
            tt_log_warn("no sensor in the store is located in region %s: the report is empty", a.region);
    }
    tt_report *report = NULL;
    if (tt_report_build(&env.q, &a.opt, &report, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        tt_query_env_close(&env);
        return TT_EXIT_ERROR;
    }
    FILE *out = stdout;
    if (a.output && (out = fopen(tmp, "w")) == NULL) {
        tt_log_error("cannot write %s", tmp);
        rc = TT_EXIT_ERROR;
        goto cleanup;
    }
    tt_status st = tt_report_write(report, out, err, sizeof err);
    if (out != stdout) {
        if (fclose(out) != 0 && st == TT_OK) {
            st = TT_ERR_IO;
            snprintf(err, sizeof err, "cannot write %s", tmp);
        }
        if (st == TT_OK && rename(tmp, a.output) != 0) {
            st = TT_ERR_IO;
            snprintf(err, sizeof err, "cannot rename %s to %s", tmp, a.output);
        }
        if (st != TT_OK)
            unlink(tmp);
    } else if (fflush(stdout) != 0 && st == TT_OK) {
        st = TT_ERR_IO;
        snprintf(err, sizeof err, "cannot write the report");
    }
    if (st != TT_OK) {
        tt_log_error("%s", err);
        rc = TT_EXIT_ERROR;
    }
cleanup:
    tt_report_free(report);
    tt_query_env_close(&env);
    return rc;
}
