/* teiten ingest */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/settings.h"
#include "ingest/ingest.h"
#include "util/log.h"
#include "util/parse.h"

static volatile sig_atomic_t ingest_stop;

static void on_signal(int sig)
{
    (void)sig;
    ingest_stop = 1;
}

int tt_cmd_ingest(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},     {"config", required_argument, NULL, 'c'},
        {"sensor", required_argument, NULL, 's'}, {"geo", required_argument, NULL, 'g'},
        {"batch", required_argument, NULL, 'b'},  {"quiet", no_argument, NULL, 'q'},
        {"mmdb-country", required_argument, NULL, 'M'}, {"mmdb-asn", required_argument, NULL, 'N'},
        {"scanners", required_argument, NULL, 'S'}, {"p0f", required_argument, NULL, 'P'},
        {"no-classify", no_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    tt_settings settings;
    char err[1024];
    const char *db = NULL, *config = NULL, *sensor = NULL, *geo_path = NULL, *mmdb_country = NULL,
               *mmdb_asn = NULL, *p0f_path = NULL, *scanner_files[TT_SETTINGS_MAX_LISTS];
    size_t nscanner_files = 0;
    uint64_t batch = 0;
    bool quiet = false, no_classify = false;
    int opt;
#ifdef __GLIBC__
    /* Every hour's tables and sort buffers are tens of megabytes: kept in
     * the heap and reused, rather than mapped afresh (each page faulted in
     * and cleared by the kernel, 0.3 s of a day's ingest) and unmapped. */
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 30);
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': db = optarg; break;
        case 'c': config = optarg; break;
        case 's': sensor = optarg; break;
        case 'g': geo_path = optarg; break;
        case 'q': quiet = true; break;
        case 'C': no_classify = true; break;
        case 'M': mmdb_country = optarg; break;
        case 'N': mmdb_asn = optarg; break;
        case 'P': p0f_path = optarg; break;
        case 'S':
            if (nscanner_files == TT_SETTINGS_MAX_LISTS) {
                tt_log_error("at most %d --scanners lists", TT_SETTINGS_MAX_LISTS);
                return TT_EXIT_USAGE;
            }
            scanner_files[nscanner_files++] = optarg;
            break;
        case 'b':
            if (!tt_parse_u64(optarg, UINT64_MAX, &batch) || batch == 0) {
                tt_log_error("--batch needs a positive number, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        tt_log_error("ingest needs at least one capture file (or '-' for stdin)");
        return TT_EXIT_USAGE;
    }
    if (tt_settings_init(&settings) != TT_OK)
        return TT_EXIT_ERROR;
    int rc = TT_EXIT_USAGE;
    tt_store *store = NULL;
    tt_geo *geo = NULL;
    tt_prefix_list *scanners = NULL;
    tt_p0f *p0f = NULL;
    tt_ingest *ingest = NULL;
    if (config && tt_settings_load(&settings, config, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto cleanup;
    }
    if (tt_settings_finish(&settings, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto cleanup;
    }
    if (sensor == NULL && tt_sensor_map_prefix_count(settings.sensors) == 0) {
        tt_log_error("no sensor: give --sensor NAME, or --config FILE with [sensor NAME] prefixes");
        goto cleanup;
    }
    /* Command-line options override the configuration file. */
    if (geo_path)
        snprintf(settings.geo, sizeof settings.geo, "%s", geo_path);
    if (mmdb_country)
        snprintf(settings.mmdb_country, sizeof settings.mmdb_country, "%s", mmdb_country);
    if (mmdb_asn)
        snprintf(settings.mmdb_asn, sizeof settings.mmdb_asn, "%s", mmdb_asn);
    if (p0f_path)
        snprintf(settings.p0f, sizeof settings.p0f, "%s", p0f_path);
    for (size_t i = 0; i < nscanner_files && settings.nscanners < TT_SETTINGS_MAX_LISTS; i++)
        snprintf(settings.scanners[settings.nscanners++], sizeof settings.scanners[0], "%s", scanner_files[i]);
    rc = TT_EXIT_ERROR;
    if (tt_settings_open_geo(&settings, &geo, &scanners, err, sizeof err) != TT_OK ||
        tt_settings_open_p0f(&settings, &p0f, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto cleanup;
    }
    if (tt_store_open(db ? db : settings.db, true, &store, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto cleanup;
    }
    tt_ingest_options io = {sensor,        settings.sensors, geo, p0f, no_classify, batch, 0,
                            isatty(STDERR_FILENO) != 0, &ingest_stop};
    if (tt_ingest_new(store, &io, &ingest, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        goto cleanup;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rc = TT_EXIT_OK;
    for (int i = optind; i < argc && !ingest_stop; i++) {
        tt_ingest_result result;
        tt_status st = tt_ingest_file(ingest, argv[i], &result, err, sizeof err);
        const char *name = strcmp(argv[i], "-") == 0 ? "(stdin)" : argv[i];
        if (st != TT_OK) {
            tt_log_error("%s", err);
            rc = TT_EXIT_ERROR;
            continue;
        }
        if (result.kind == TT_INGEST_DUPLICATE) {
            tt_log_info("%s: already ingested (same content), skipped", name);
            continue;
        }
        if (result.kind == TT_INGEST_DAMAGED) {
            tt_log_warn("%s", result.damage);
            if (rc == TT_EXIT_OK)
                rc = TT_EXIT_PARTIAL;
        }
        if (result.kind == TT_INGEST_STOPPED) {
            tt_log_warn("%s: interrupted after %llu frames; run the same command again to resume", name,
                        (unsigned long long)result.frames);
            rc = TT_EXIT_INTERRUPTED;
        }
        if (!quiet) {
            char resumed[64] = "";
            if (result.resumed_after)
                snprintf(resumed, sizeof resumed, " (resumed after %llu)",
                         (unsigned long long)result.resumed_after);
            fprintf(stderr, "teiten: %s: %llu frames%s in %.2f s:", name, (unsigned long long)result.frames,
                    resumed, result.seconds);
            for (int o = 0; o < TT_OUTCOME_COUNT; o++)
                if (result.outcomes[o])
                    fprintf(stderr, " %s %llu", tt_outcome_name((tt_outcome)o),
                            (unsigned long long)result.outcomes[o]);
            fputc('\n', stderr);
        }
    }
    if (ingest_stop && rc == TT_EXIT_OK)
        rc = TT_EXIT_INTERRUPTED;
cleanup:
    tt_ingest_free(ingest);
    tt_store_close(store);
    tt_geo_close(geo);
    tt_prefix_list_free(scanners);
    tt_p0f_free(p0f);
    tt_settings_free(&settings);
    return rc;
}
