/* teiten events: bursts, rises and rank jumps of a period, explained
 * (analyze/events.h, docs/events.md). Its own options (--by-region, --window,
 * --min-packets, --min-share) are taken out first; the rest are the common
 * query options (cli/query_env.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/events.h"
#include "cli/cli.h"
#include "cli/query_env.h"
#include "util/log.h"
#include "util/parse.h"

/* A decimal fraction from 0 to max such as 0.03 (strtod, checked). */
static bool parse_fraction(const char *text, double max, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0 && v <= max))
        return false;
    *out = v;
    return true;
}

static int set_option(tt_event_options *opt, const char *name, const char *value)
{
    uint64_t v;
    if (strcmp(name, "--window") == 0) {
        if (!tt_parse_u64(value, 365, &v) || v < 7) {
            tt_log_error("--window needs a number of days from 7 to 365, not '%s'", value);
            return TT_EXIT_USAGE;
        }
        opt->window = (uint32_t)v;
    } else if (strcmp(name, "--min-packets") == 0) {
        if (!tt_parse_u64(value, UINT32_MAX, &v)) {
            tt_log_error("--min-packets needs a number, not '%s'", value);
            return TT_EXIT_USAGE;
        }
        opt->min_packets = (double)v;
    } else if (!parse_fraction(value, 1, &opt->min_share)) {
        tt_log_error("--min-share needs a fraction from 0 to 1 such as 0.03, not '%s'", value);
        return TT_EXIT_USAGE;
    }
    return TT_EXIT_OK;
}

/* Takes the events options out of argv (compacting it) into opt; notes
 * whether --limit was given (events prints every event by default). */
static int take_event_options(int *argc, char **argv, tt_event_options *opt, bool *limit_given)
{
    static const char *valued[] = {"--window", "--min-packets", "--min-share"};
    int kept = 1;
    *limit_given = false;
    for (int i = 1; i < *argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            while (i < *argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (strcmp(arg, "--limit") == 0 || strncmp(arg, "--limit=", 8) == 0)
            *limit_given = true;
        if (strcmp(arg, "--by-region") == 0) {
            opt->by_region = true;
            continue;
        }
        bool taken = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0] && !taken; k++) {
            size_t len = strlen(valued[k]);
            if (strncmp(arg, valued[k], len) != 0 || (arg[len] != '\0' && arg[len] != '='))
                continue;
            const char *value = arg[len] == '=' ? arg + len + 1 : (i + 1 < *argc ? argv[++i] : NULL);
            if (value == NULL) {
                tt_log_error("%s needs a value", valued[k]);
                return TT_EXIT_USAGE;
            }
            int rc = set_option(opt, valued[k], value);
            if (rc != TT_EXIT_OK)
                return rc;
            taken = true;
        }
        if (!taken)
            argv[kept++] = argv[i];
    }
    *argc = kept;
    return TT_EXIT_OK;
}

int tt_cmd_events(int argc, char **argv)
{
    tt_event_options options;
    tt_event_options_default(&options);
    bool limit_given;
    int rc = take_event_options(&argc, argv, &options, &limit_given);
    tt_query_args a;
    if (rc == TT_EXIT_OK)
        rc = tt_query_args_parse(argc, argv, &a);
    if (rc != TT_EXIT_OK)
        return rc;
    if (a.npositional != 0) {
        tt_log_error("usage: teiten events [--by-region] [--window DAYS] [--min-packets N] [--min-share F] "
                     "[options]");
        return TT_EXIT_USAGE;
    }
    tt_query_env env;
    if ((rc = tt_query_env_open(&env, &a, true)) == TT_EXIT_OK) {
        tt_event_list list;
        char err[1024] = "";
        tt_status st = tt_detect_events(&env.q, &options, &list, err, sizeof err);
        if (st != TT_OK) {
            tt_log_error("%s", err[0] ? err : tt_strerror(st));
            rc = st == TT_ERR_USAGE ? TT_EXIT_USAGE : TT_EXIT_ERROR;
        } else {
            if (limit_given && list.n > a.limit)
                list.n = (size_t)a.limit;
            if (tt_events_print(&list, a.format, stdout) != TT_OK || fflush(stdout) != 0) {
                tt_log_error("cannot write the output");
                rc = TT_EXIT_ERROR;
            }
        }
        tt_event_list_free(&list);
    }
    tt_query_env_close(&env);
    return rc;
}
