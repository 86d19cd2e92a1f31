/* tt_simulate_run: the synthetic telescope's main loop. Day by day the bot
 * population turns over; hour by hour descriptors are drawn, sorted by time
 * and emitted, so memory follows one hour of traffic whatever the period. */
#include "simulate/simulate.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "simulate/emit.h"
#include "simulate/geo_pool.h"
#include "simulate/hour.h"
#include "simulate/pcap_writer.h"
#include "simulate/plan.h"
#include "simulate/population.h"
#include "simulate/sensors.h"
#include "simulate/truth.h"
#include "simulate/truth_detail.h"
#include "util/parse.h"

/* Last day a classic pcap's 32-bit seconds can hold (2106-02-07). */
#define SIM_LAST_DAY 49710
#define SIM_DAYS_MAX 3660

void tt_sim_options_default(tt_sim_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->out_dir = ".";
    opt->start_day = tt_days_from_civil(2015, 10, 1);
    opt->days = 7;
    opt->rate = 200000;
    opt->seed = 1;
}

/* mkdir -p. */
static tt_status make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        snprintf(err, errlen, "output directory name is empty or too long");
        return TT_ERR_USAGE;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return TT_ERR_IO;
        }
        path[i] = saved;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return TT_ERR_IO;
    }
    return TT_OK;
}

static tt_status join(char *out, size_t outlen, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "%s: path too long", dir);
        return TT_ERR_USAGE;
    }
    return TT_OK;
}

static tt_status check_options(const tt_sim_options *opt, char *err, size_t errlen)
{
    if (opt->out_dir == NULL) {
        snprintf(err, errlen, "no output directory");
        return TT_ERR_USAGE;
    }
    if (opt->days < 1 || opt->days > SIM_DAYS_MAX) {
        snprintf(err, errlen, "days must be 1..%d", SIM_DAYS_MAX);
        return TT_ERR_USAGE;
    }
    if (opt->rate < 1 || opt->rate > TT_SIM_RATE_MAX) {
        snprintf(err, errlen, "rate must be 1..%llu packets per day", (unsigned long long)TT_SIM_RATE_MAX);
        return TT_ERR_USAGE;
    }
    if (opt->start_day < 0 || opt->start_day + (int64_t)opt->days > SIM_LAST_DAY) {
        snprintf(err, errlen, "start date must be between 1970-01-01 and 2106-01-01");
        return TT_ERR_USAGE;
    }
    return TT_OK;
}

/* Bots active on an average day: enough that most send only a few packets. */
static uint32_t active_bots(uint64_t rate)
{
    uint64_t n = rate / 12;
    return n < 300 ? 300 : n > 150000 ? 150000 : (uint32_t)n;
}

static void progress(const tt_sim_options *opt, uint32_t day, uint32_t hour, uint64_t frames)
{
    if (!opt->progress)
        return;
    fprintf(stderr, "\rteiten simulate: day %u/%u %02u:00, %" PRIu64 " frames ", day + 1, opt->days, hour,
            frames);
    fflush(stderr);
}

tt_status tt_simulate_run(const tt_sim_options *opt, char *err, size_t errlen)
{
    tt_sim_geo *geo = NULL;
    tt_sim_population *pop = NULL;
    tt_sim_plan *plan = NULL;
    tt_sim_detail *detail = NULL;
    tt_sim_writer *writers[TT_SIM_SENSOR_COUNT] = {NULL};
    tt_sim_hour hour_buf;
    tt_sim_truth truth;
    tt_sim_emitter *em = NULL;
    char path[PATH_MAX];
    bool truth_ready = false;
    tt_sim_hour_init(&hour_buf);

    tt_status st = check_options(opt, err, errlen);
    if (st == TT_OK)
        st = make_dirs(opt->out_dir, err, errlen);
    if (st != TT_OK)
        return st;
    if ((st = tt_sim_geo_open(opt->geo_path, opt->seed, &geo, err, errlen)) != TT_OK)
        goto cleanup;
    if ((st = tt_sim_population_new(geo, opt->seed, opt->days, active_bots(opt->rate), &pop)) != TT_OK) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    if ((st = tt_sim_plan_new(pop, opt->seed, opt->start_day, opt->days, opt->rate, &plan)) != TT_OK) {
        snprintf(err, errlen,
                 st == TT_ERR_NOTFOUND ? "location database has no usable countries"
                                       : "out of memory while planning");
        goto cleanup;
    }
    if ((st = tt_sim_truth_init(&truth, opt->days)) != TT_OK) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    truth_ready = true;

    if ((st = join(path, sizeof path, opt->out_dir, "sensors.conf", err, errlen)) != TT_OK ||
        (st = tt_sim_truth_write_sensors(opt, path, err, errlen)) != TT_OK)
        goto cleanup;
    if (opt->one_file) {
        if ((st = join(path, sizeof path, opt->out_dir, "telescope.pcap", err, errlen)) != TT_OK ||
            (st = tt_sim_writer_open(path, TT_SIM_FORMAT_PCAP, TT_SIM_LINK_ETHERNET, "eth0", &writers[0], err,
                                     errlen)) != TT_OK)
            goto cleanup;
    } else {
        for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++) {
            const tt_sim_sensor *s = &tt_sim_sensors[i];
            if ((st = join(path, sizeof path, opt->out_dir, s->file, err, errlen)) != TT_OK ||
                (st = tt_sim_writer_open(path, s->format, s->linktype, s->name, &writers[i], err, errlen)) !=
                    TT_OK)
                goto cleanup;
        }
    }
    if (opt->truth_detail &&
        ((st = join(path, sizeof path, opt->out_dir, "truth-detail.tsv", err, errlen)) != TT_OK ||
         (st = tt_sim_detail_open(path, &detail, err, errlen)) != TT_OK))
        goto cleanup;

    em = calloc(1, sizeof *em);
    if (em == NULL) {
        st = TT_ERR_NOMEM;
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    em->plan = plan;
    em->pop = pop;
    em->truth = &truth;
    em->detail = detail;
    em->one_file = opt->one_file;
    em->out_dir = opt->out_dir;
    for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++)
        em->writers[i] = opt->one_file ? writers[0] : writers[i];
    em->period_start_us = (uint64_t)opt->start_day * TT_SIM_DAY_US;

    for (uint32_t day = 0; day < opt->days; day++) {
        if ((st = tt_sim_population_begin_day(pop, day)) != TT_OK) {
            snprintf(err, errlen,
                     st == TT_ERR_NOTFOUND ? "location database has no usable countries"
                                           : "out of memory in the bot population");
            goto cleanup;
        }
        for (uint32_t hour = 0; hour < 24; hour++) {
            if ((st = tt_sim_hour_generate(&hour_buf, plan, pop, opt->seed, day, hour)) != TT_OK) {
                snprintf(err, errlen, "out of memory for one hour of packets");
                goto cleanup;
            }
            if ((st = tt_sim_emit_hour(em, &hour_buf, day, hour, err, errlen)) != TT_OK)
                goto cleanup;
            if (detail && (st = tt_sim_detail_flush(detail, err, errlen)) != TT_OK)
                goto cleanup;
            progress(opt, day, hour, truth.frames);
        }
    }
    if (opt->progress)
        fputc('\n', stderr);

    for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++) {
        tt_status close_st = tt_sim_writer_close(writers[i], err, errlen);
        writers[i] = NULL;
        if (close_st != TT_OK && st == TT_OK)
            st = close_st;
    }
    if (st != TT_OK)
        goto cleanup;
    st = tt_sim_detail_close(detail, err, errlen);
    detail = NULL;
    if (st != TT_OK)
        goto cleanup;
    if ((st = join(path, sizeof path, opt->out_dir, "truth.json", err, errlen)) == TT_OK)
        st = tt_sim_truth_write_json(&truth, plan, pop, opt, path, err, errlen);

cleanup:
    free(em);
    for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++) {
        char ignored[64];
        if (tt_sim_writer_close(writers[i], ignored, sizeof ignored) != TT_OK)
            continue; /* the first error is already in err */
    }
    {
        char ignored[64];
        if (tt_sim_detail_close(detail, ignored, sizeof ignored) != TT_OK) {
            /* ditto */
        }
    }
    tt_sim_hour_free(&hour_buf);
    if (truth_ready)
        tt_sim_truth_free(&truth);
    tt_sim_plan_free(plan);
    tt_sim_population_free(pop);
    tt_sim_geo_close(geo);
    return st;
}
