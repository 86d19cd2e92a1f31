/* teiten simulate */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "simulate/simulate.h"
#include "util/log.h"
#include "util/parse.h"

int tt_cmd_simulate(int argc, char **argv)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},   {"days", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},  {"seed", required_argument, NULL, 's'},
        {"start", required_argument, NULL, 'S'}, {"geo", required_argument, NULL, 'g'},
        {"one-file", no_argument, NULL, '1'},    {"truth-detail", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    tt_sim_options opt;
    tt_sim_options_default(&opt);
    opt.progress = isatty(STDERR_FILENO) != 0;
    uint64_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'o': opt.out_dir = optarg; break;
        case 'g': opt.geo_path = optarg; break;
        case '1': opt.one_file = true; break;
        case 't': opt.truth_detail = true; break;
        case 'd':
            if (!tt_parse_u64(optarg, 3660, &v) || v == 0) {
                tt_log_error("--days needs a number from 1 to 3660, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            opt.days = (uint32_t)v;
            break;
        case 'r':
            if (!tt_parse_u64(optarg, 1000000000, &v) || v == 0) {
                tt_log_error("--rate needs packets per day (1 to 1e9), not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            opt.rate = v;
            break;
        case 's':
            if (!tt_parse_u64(optarg, UINT64_MAX, &v)) {
                tt_log_error("--seed needs a number, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            opt.seed = v;
            break;
        case 'S':
            if (!tt_parse_date(optarg, &opt.start_day)) {
                tt_log_error("--start needs a date YYYY-MM-DD, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    if (opt.out_dir == NULL || optind != argc) {
        tt_log_error("usage: teiten simulate --out DIR [--days N] [--rate N] [--seed S]");
        return TT_EXIT_USAGE;
    }
    char err[1024];
    if (tt_simulate_run(&opt, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_ERROR;
    }
    return TT_EXIT_OK;
}
