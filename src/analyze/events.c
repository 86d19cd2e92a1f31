/* Event detection: daily series per port and per country (and per sensor
 * region) from the per sensor-hour totals, robust burst and CUSUM rise
 * detection on each series, rank jumps into the top 10, then one pass over
 * the per-source segments of the detected events' days for the drill-down.
 * The method and every threshold are documented in docs/events.md. */
#include "analyze/events.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/fingerprint.h"
#include "classify/p0f.h"
#include "util/hashmap.h"
#include "util/limits.h"
#include "util/sort.h"
#include "util/parse.h"

/* Burst test */
#define EV_MAD_SCALE 1.4826  /* MAD → standard deviation for normal data */
#define EV_MIN_WINDOW_DAYS 7 /* a day with fewer days of history before it is not tested */
#define EV_MAX_BURST_DAYS 3  /* longer runs of burst days are level shifts (rises) */
/* Rise test: one-sided CUSUM of y = log2(packets + EV_LOG_OFFSET) */
#define EV_LOG_OFFSET 10.0     /* damps the log of small counts */
#define EV_CUSUM_SIGMA_MIN 0.2 /* log2 units: day-to-day noise assumed at least ~15 % */
#define EV_CUSUM_K 1.5         /* allowance: days less than 1.5 sigma above the reference add nothing */
#define EV_CUSUM_H 5.0         /* decision threshold */
#define EV_CUSUM_STEP_MAX 4.0  /* one day adds at most this (a single spike cannot make a rise) */
#define EV_CUSUM_CAP 10.0      /* S stays below this, so it returns to 0 within a week of a drop */
#define EV_RISE_MIN_DAYS 3     /* days at min_ratio x baseline or more, outside short bursts */
/* Drill-down */
#define EV_SINGLE_SHARE 0.5 /* one source with this share of the packets: single_source */
#define EV_FEW_SOURCES 3    /* a country event whose excess these few sources carry ... */
#define EV_FEW_SHARE 0.5    /* ... for at least this share is theirs, not the country's */
/* Bounds */
#define EV_MAX_DAYS 4000                  /* days of a series (window, previous period, period) */
#define EV_MAX_REGIONS 63                 /* 6 bits of a key; index 0 = all sensors */
#define EV_MAX_SUBJECTS ((size_t)1 << 24) /* ports and countries x regions */
#define EV_MAX_SOURCES ((size_t)1 << 26)
#define EV_MAX_EVENTS 4096
#define EV_MAX_SERIES_EVENTS 256

/* A subject packs region (6 bits), dimension (1 bit) and value (25 bits:
 * a port key, tt_service with ICMP types folded, or a country). */
enum { DIM_PORT = 0, DIM_COUNTRY = 1 };
static uint64_t subject_make(unsigned region, unsigned dim, uint64_t value)
{
    return (uint64_t)region << 26 | (uint64_t)dim << 25 | value;
}
static unsigned subject_region(uint64_t s)
{
    return (unsigned)(s >> 26);
}
static unsigned subject_dim(uint64_t s)
{
    return (unsigned)(s >> 25) & 1;
}
static uint64_t subject_value(uint64_t s)
{
    return s & 0x1ffffff;
}

/* A port's key: its service, with ICMP types folded together (as rankings do). */
static uint64_t port_key(tt_service service)
{
    return tt_service_is_icmp(service) ? (uint64_t)tt_service_proto(service) << 17 : service;
}

static uint16_t backscatter_kinds(void)
{
    uint16_t mask = 0;
    for (int k = 0; k < TT_KIND_COUNT; k++)
        if (tt_kind_is_backscatter((tt_kind)k))
            mask |= (uint16_t)(1u << k);
    return mask;
}

const char *tt_event_kind_name(tt_event_kind kind)
{
    switch (kind) {
    case TT_EVENT_BURST: return "burst";
    case TT_EVENT_RISE: return "rise";
    case TT_EVENT_RANK_JUMP: return "rank_jump";
    }
    return "?";
}

void tt_event_list_free(tt_event_list *list)
{
    if (list == NULL)
        return;
    free(list->events);
    list->events = NULL;
    list->n = list->cap = 0;
}

void tt_event_options_default(tt_event_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->window = 28;
    opt->min_packets = 100;
    opt->burst_k = 5;
    opt->min_ratio = 2;
    opt->min_share = 0.03;
}

/* ---- Statistics of one series ------------------------------------------ */

typedef struct window_stats {
    size_t count; /* days with data */
    double median, mad, mean, sd;
} window_stats;

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double sorted_median(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double log_value(double x)
{
    return log2(x + EV_LOG_OFFSET);
}

/* Statistics of the days [t - w, t) that have data (in log2 units when
 * log_scale); scratch holds w doubles. */
static void window_of(const double *x, size_t t, size_t w, bool log_scale, double *scratch, window_stats *ws)
{
    size_t from = t > w ? t - w : 0, k = 0;
    double sum = 0;
    for (size_t i = from; i < t; i++) {
        if (isnan(x[i]))
            continue;
        scratch[k] = log_scale ? log_value(x[i]) : x[i];
        sum += scratch[k++];
    }
    memset(ws, 0, sizeof *ws);
    ws->count = k;
    if (k == 0)
        return;
    ws->mean = sum / (double)k;
    double squares = 0;
    for (size_t i = 0; i < k; i++)
        squares += (scratch[i] - ws->mean) * (scratch[i] - ws->mean);
    ws->sd = sqrt(squares / (double)k);
    qsort(scratch, k, sizeof *scratch, double_cmp);
    ws->median = sorted_median(scratch, k);
    for (size_t i = 0; i < k; i++)
        scratch[i] = fabs(scratch[i] - ws->median);
    qsort(scratch, k, sizeof *scratch, double_cmp);
    ws->mad = EV_MAD_SCALE * sorted_median(scratch, k);
}

typedef struct series_work {
    const double *x;
    size_t n, first, w;
    double day_total;
    const tt_event_options *opt;
    double *scratch;
    uint8_t *burst;       /* day passes the burst test */
    uint8_t *short_burst; /* day is in a run of at most EV_MAX_BURST_DAYS burst days */
    double *base;         /* trailing median of burst days */
    tt_series_event *found;
    size_t nfound;
} series_work;

static void found_add(series_work *s, const tt_series_event *e)
{
    if (s->nfound < EV_MAX_SERIES_EVENTS)
        s->found[s->nfound++] = *e;
}

static bool material(const series_work *s, double peak, double baseline)
{
    return peak >= s->opt->min_packets && peak >= s->opt->min_ratio * fmax(baseline, 1) &&
           (s->day_total <= 0 || peak - baseline >= s->opt->min_share * s->day_total);
}

/* Flags burst days: above median + k * scale (scale = scaled MAD, at least
 * the Poisson deviation sqrt(median), at least 1) and above mean + 2 sd of
 * the trailing window, at least min_ratio x the median and min_packets. */
static void flag_bursts(series_work *s)
{
    for (size_t t = s->first; t < s->n; t++) {
        if (isnan(s->x[t]))
            continue;
        window_stats ws;
        window_of(s->x, t, s->w, false, s->scratch, &ws);
        if (ws.count < EV_MIN_WINDOW_DAYS)
            continue;
        double scale = fmax(ws.mad, sqrt(fmax(ws.median, 1)));
        s->base[t] = ws.median;
        s->burst[t] = s->x[t] >= s->opt->min_packets && s->x[t] >= s->opt->min_ratio * fmax(ws.median, 1) &&
                      s->x[t] > ws.median + s->opt->burst_k * scale && s->x[t] > ws.mean + 2 * ws.sd;
    }
    for (size_t t = s->first; t < s->n;) {
        if (!s->burst[t]) {
            t++;
            continue;
        }
        size_t end = t;
        while (end + 1 < s->n && s->burst[end + 1])
            end++;
        if (end - t + 1 <= EV_MAX_BURST_DAYS)
            memset(s->short_burst + t, 1, end - t + 1);
        t = end + 1;
    }
}

/* Judges a CUSUM excursion [start, end]: a rise when at least
 * EV_RISE_MIN_DAYS days outside short bursts are at min_ratio x the median
 * of the window before start, and so is their mean. */
static void judge_rise(series_work *s, size_t start, size_t end)
{
    window_stats ws;
    window_of(s->x, start, s->w, false, s->scratch, &ws);
    if (ws.count < EV_MIN_WINDOW_DAYS)
        return;
    double level = s->opt->min_ratio * fmax(ws.median, 1);
    size_t high = 0, last_high = start, peak = start;
    for (size_t t = start; t <= end; t++) {
        if (isnan(s->x[t]) || s->short_burst[t])
            continue;
        if (s->x[t] >= level) {
            high++;
            last_high = t;
        }
        if (isnan(s->x[peak]) || s->short_burst[peak] || s->x[t] > s->x[peak])
            peak = t;
    }
    if (high < EV_RISE_MIN_DAYS)
        return;
    double sum = 0, all = 0;
    size_t days = 0;
    for (size_t t = start; t <= last_high; t++) {
        if (isnan(s->x[t]))
            continue;
        all += s->x[t];
        if (!s->short_burst[t]) {
            sum += s->x[t];
            days++;
        }
    }
    if (days == 0 || sum / (double)days < level || !material(s, s->x[peak], ws.median))
        return;
    tt_series_event e = {TT_EVENT_RISE,
                         (int32_t)start,
                         (int32_t)last_high,
                         (int32_t)peak,
                         all,
                         ws.median,
                         s->x[peak] / fmax(ws.median, 1)};
    found_add(s, &e);
}

/* One-sided CUSUM on the log series, with the reference (median and scaled
 * MAD of the trailing window) taken afresh whenever the sum is 0. A day of a
 * short burst resets a sum that has not alarmed yet and is skipped by one
 * that has: a spike neither starts, feeds nor ends a rise. An alarm is
 * judged over [first day of the run of rising days that raised it, last day
 * the sum was positive]. */
static void find_rises(series_work *s)
{
    double sum = 0, reference = 0, sigma = 1;
    bool alarmed = false, rising = false;
    size_t start = 0, rising_from = 0, last_positive = 0;
    for (size_t t = s->first; t < s->n; t++) {
        if (isnan(s->x[t]))
            continue;
        if (s->short_burst[t]) {
            if (!alarmed) {
                sum = 0;
                rising = false;
            }
            continue;
        }
        if (sum == 0) {
            window_stats ws;
            window_of(s->x, t, s->w, true, s->scratch, &ws);
            if (ws.count < EV_MIN_WINDOW_DAYS)
                continue;
            reference = ws.median;
            sigma = fmax(ws.mad, EV_CUSUM_SIGMA_MIN);
        }
        double step = (log_value(s->x[t]) - reference) / sigma - EV_CUSUM_K;
        if (step > 0 && !rising)
            rising_from = t;
        rising = step > 0;
        sum = fmin(fmax(sum + fmin(step, EV_CUSUM_STEP_MAX), 0), EV_CUSUM_CAP);
        if (sum > 0) {
            last_positive = t;
            if (!alarmed && sum > EV_CUSUM_H) {
                /* The rise starts with the run of rising days that raised the
                 * alarm, not with an isolated noisy day before it. */
                alarmed = true;
                start = rising_from;
            }
        } else if (alarmed) {
            judge_rise(s, start, last_positive);
            alarmed = false;
        }
    }
    if (alarmed)
        judge_rise(s, start, last_positive);
}

/* Bursts: runs of burst days (a day without data ends a run). A run longer
 * than EV_MAX_BURST_DAYS that overlaps a rise is that rise, and a run inside
 * a rise is one of its high days. */
static void find_bursts(series_work *s, size_t nrises)
{
    for (size_t t = s->first; t < s->n;) {
        if (!s->burst[t]) {
            t++;
            continue;
        }
        size_t end = t, peak = t;
        double packets = 0;
        while (end + 1 < s->n && s->burst[end + 1])
            end++;
        for (size_t i = t; i <= end; i++) {
            packets += s->x[i];
            if (s->x[i] > s->x[peak])
                peak = i;
        }
        bool explained = false;
        for (size_t r = 0; r < nrises; r++) {
            const tt_series_event *rise = &s->found[r];
            if ((int32_t)t <= rise->end && (int32_t)end >= rise->start &&
                (end - t + 1 > EV_MAX_BURST_DAYS || ((int32_t)t >= rise->start && (int32_t)end <= rise->end)))
                explained = true;
        }
        double baseline = s->base[t];
        if (!explained && material(s, s->x[peak], baseline)) {
            tt_series_event e = {TT_EVENT_BURST,
                                 (int32_t)t,
                                 (int32_t)end,
                                 (int32_t)peak,
                                 packets,
                                 baseline,
                                 s->x[peak] / fmax(baseline, 1)};
            found_add(s, &e);
        }
        t = end + 1;
    }
}

static int series_event_cmp(const void *a, const void *b)
{
    const tt_series_event *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

tt_status tt_event_series_detect(const double *x, size_t n, size_t first, double day_total,
                                 const tt_event_options *opt, tt_series_event *out, size_t max, size_t *count)
{
    *count = 0;
    if (n > EV_MAX_DAYS)
        return TT_ERR_USAGE;
    if (first >= n)
        return TT_OK;
    series_work s;
    memset(&s, 0, sizeof s);
    s.x = x;
    s.n = n;
    s.first = first;
    s.w = opt->window ? opt->window : 28;
    s.day_total = day_total;
    s.opt = opt;
    s.scratch = malloc(s.w * sizeof *s.scratch);
    s.burst = calloc(n, 1);
    s.short_burst = calloc(n, 1);
    s.base = calloc(n, sizeof *s.base);
    s.found = malloc(EV_MAX_SERIES_EVENTS * sizeof *s.found);
    tt_status st = TT_OK;
    if (s.scratch == NULL || s.burst == NULL || s.short_burst == NULL || s.base == NULL || s.found == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    flag_bursts(&s);
    find_rises(&s);
    find_bursts(&s, s.nfound);
    if (s.nfound > 1)
        qsort(s.found, s.nfound, sizeof *s.found, series_event_cmp);
    for (size_t i = 0; i < s.nfound && i < max; i++)
        out[i] = s.found[i];
    *count = s.nfound;
cleanup:
    free(s.scratch);
    free(s.burst);
    free(s.short_burst);
    free(s.base);
    free(s.found);
    return st;
}

/* ---- Daily series from the store -------------------------------------- */

typedef struct detector {
    tt_query *q;
    const tt_event_options *opt;
    int32_t day0;                 /* day of index 0 */
    size_t ndays, first;          /* index of the period's first day */
    int32_t valid_from, valid_to; /* whole days with data in the store */
    tt_period previous;
    tt_rollup_filter port_filter;    /* q->filter without backscatter */
    tt_rollup_filter country_filter; /* q->filter */
    int64_t cached_hour;
    int32_t cached_day;
    uint8_t *sensor_region; /* by sensor id: 0 = counted only in "all", else region index */
    char regions[EV_MAX_REGIONS + 1][3];
    size_t nregions;          /* including index 0 = all */
    size_t day;               /* index of the day being read */
    tt_counter_map today;     /* subject → packets of that day */
    tt_counter_map subjects;  /* subject → packets in the period (packets), in the previous
                                 period (bytes), largest day in the period (extra) */
    tt_counter_map series_of; /* candidate subject → its row in series (extra) */
    double *series;           /* [candidate][day]: daily packets, NAN = no data */
    uint64_t *candidates;     /* subject of each row */
    size_t ncandidates;
    double *totals; /* [region][day]: every non-backscatter packet */
} detector;

static int32_t day_of(detector *d, int64_t hour)
{
    if (hour != d->cached_hour) {
        d->cached_hour = hour;
        d->cached_day = tt_period_day_of_hour(hour);
    }
    return d->cached_day;
}

static unsigned region_of(const detector *d, int32_t sensor)
{
    return sensor >= 0 && sensor < TT_LIMIT_SENSORS ? d->sensor_region[sensor] : 0;
}

static tt_status today_add(detector *d, unsigned region, unsigned dim, uint64_t value, uint64_t packets)
{
    tt_counter_entry *e = tt_counter_map_get(&d->today, subject_make(region, dim, value));
    if (e == NULL)
        return TT_ERR_NOMEM;
    e->packets += packets;
    return TT_OK;
}

/* Adds packets of the day being read to the subject in "all" and in the sensor's region. */
static tt_status series_add(detector *d, int32_t sensor, unsigned dim, uint64_t value, uint64_t packets)
{
    tt_status st = today_add(d, 0, dim, value, packets);
    unsigned region = region_of(d, sensor);
    if (st == TT_OK && region)
        st = today_add(d, region, dim, value, packets);
    return st;
}

static tt_status port_packets(detector *d, int32_t sensor, tt_service service, uint64_t packets)
{
    d->totals[d->day] += (double)packets;
    unsigned region = region_of(d, sensor);
    if (region)
        d->totals[region * d->ndays + d->day] += (double)packets;
    if (tt_service_port(service) < 0) /* non-first fragments have no port */
        return TT_OK;
    return series_add(d, sensor, DIM_PORT, port_key(service), packets);
}

static tt_status on_port_total(void *ctx, const tt_rollup_row *row)
{
    detector *d = ctx;
    if (!tt_filter_row(&d->port_filter, row->service, row->kind, row->src_flags, 0, 0, false))
        return TT_OK;
    return port_packets(d, row->sensor, row->service, row->packets);
}

static tt_status on_country_total(void *ctx, const tt_rollup_row *row)
{
    detector *d = ctx;
    if ((row->src_flags & d->country_filter.exclude_flags) != 0)
        return TT_OK;
    return series_add(d, row->sensor, DIM_COUNTRY, row->cc, row->packets);
}

/* Filters the totals cannot answer: read the per-source rows instead. */
static tt_status on_series_segment(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                                   size_t n)
{
    (void)hour;
    detector *d = ctx;
    tt_status st = TT_OK;
    for (size_t i = 0; i < n && st == TT_OK; i++) {
        const tt_detail_row *r = &rows[i];
        if (tt_filter_row(&d->port_filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true))
            st = port_packets(d, sensor, r->service, r->packets);
        if (st == TT_OK &&
            tt_filter_row(&d->country_filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true))
            st = series_add(d, sensor, DIM_COUNTRY, r->cc, r->packets);
    }
    return st;
}

static bool totals_answer(const tt_rollup_filter *f)
{
    return !f->has_port && !f->cc && !f->has_asn && !f->has_kind && f->exclude_kinds == 0;
}

/* Reads one local day (index) into d->today (per subject) and d->totals. Per
 * day, so memory follows the subjects of a day, not subjects x days. */
static tt_status read_day(detector *d, size_t index, char *err, size_t errlen)
{
    tt_counter_map_clear(&d->today);
    d->day = index;
    for (size_t r = 0; r < d->nregions; r++)
        d->totals[r * d->ndays + index] = 0;
    tt_rollup_filter f = d->q->filter;
    tt_status st;
    if ((st = tt_period_day_start(d->day0 + (int32_t)index, &f.hour_from, err, errlen)) != TT_OK ||
        (st = tt_period_day_start(d->day0 + (int32_t)index + 1, &f.hour_to, err, errlen)) != TT_OK)
        return st;
    if (totals_answer(&d->q->filter)) {
        bool by_sensor = d->nregions > 1; /* regions are made of sensors */
        st = tt_query_scan_totals(d->q, &f, by_sensor, TT_GROUP_PORT, on_port_total, d);
        if (st == TT_OK)
            st = tt_query_scan_totals(d->q, &f, by_sensor, TT_GROUP_CC, on_country_total, d);
    } else {
        st = d->q->store->ops->scan_segments(d->q->store, &f, NULL, false, on_series_segment, d);
    }
    return st;
}

static const char *store_error(tt_query *q, tt_status st, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s",
             st == TT_ERR_DB || st == TT_ERR_FORMAT ? q->store->ops->last_error(q->store) : tt_strerror(st));
    return err;
}

/* Whole local days with data: the store's hour range without partial first and last days. */
static tt_status valid_days(tt_query *q, int32_t *from, int32_t *to, char *err, size_t errlen)
{
    int64_t first_hour, last_hour, start;
    tt_status st = q->store->ops->hour_range(q->store, &first_hour, &last_hour);
    if (st != TT_OK) {
        if (st != TT_ERR_NOTFOUND)
            store_error(q, st, err, errlen);
        return st;
    }
    *from = tt_period_day_of_hour(first_hour);
    if ((st = tt_period_day_start(*from, &start, err, errlen)) != TT_OK)
        return st;
    if (start < first_hour)
        (*from)++;
    *to = tt_period_day_of_hour(last_hour);
    if ((st = tt_period_day_start(*to + 1, &start, err, errlen)) != TT_OK)
        return st;
    if (start > last_hour + 1)
        (*to)--;
    return TT_OK;
}

/* Sensor regions of the query's sensors (by_region). */
static void assign_regions(detector *d)
{
    d->nregions = 1;
    d->regions[0][0] = '\0';
    if (!d->opt->by_region)
        return;
    for (size_t i = 0; i < d->q->nsensors; i++) {
        const tt_sensor_info *s = &d->q->sensors[i];
        if (s->region[0] == '\0' || s->id < 0 || s->id >= TT_LIMIT_SENSORS ||
            !tt_sensor_set_has(&d->q->filter, s->id))
            continue;
        size_t r = 1;
        while (r < d->nregions && strcasecmp(d->regions[r], s->region) != 0)
            r++;
        if (r == d->nregions) {
            if (d->nregions > EV_MAX_REGIONS)
                continue;
            snprintf(d->regions[r], sizeof d->regions[r], "%s", s->region);
            d->nregions++;
        }
        d->sensor_region[s->id] = (uint8_t)r;
    }
}

/* Days with data in [from, to]. */
static int32_t valid_between(const detector *d, int32_t from, int32_t to)
{
    if (from < d->valid_from)
        from = d->valid_from;
    if (to > d->valid_to)
        to = d->valid_to;
    return to >= from ? to - from + 1 : 0;
}

static bool day_valid(const detector *d, size_t index)
{
    int32_t day = d->day0 + (int32_t)index;
    return day >= d->valid_from && day <= d->valid_to;
}

static double median_total(const detector *d, unsigned region)
{
    double *v = malloc(d->ndays * sizeof *v);
    size_t k = 0;
    if (v == NULL)
        return 0;
    size_t from = d->first > d->opt->window ? d->first - d->opt->window : 0;
    for (size_t i = from; i < d->ndays; i++)
        if (day_valid(d, i))
            v[k++] = d->totals[region * d->ndays + i];
    double m = 0;
    if (k) {
        qsort(v, k, sizeof *v, double_cmp);
        m = sorted_median(v, k);
    }
    free(v);
    return m;
}

/* ---- Events ------------------------------------------------------------ */

static tt_status event_push(tt_event_list *list, const tt_event *e)
{
    if (list->n == list->cap) {
        if (list->cap >= EV_MAX_EVENTS)
            return TT_ERR_NOMEM;
        size_t cap = list->cap ? list->cap * 2 : 16;
        tt_event *p = realloc(list->events, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        list->events = p;
        list->cap = cap;
    }
    list->events[list->n++] = *e;
    return TT_OK;
}

static void event_subject(const detector *d, uint64_t subject, tt_event *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->region, sizeof e->region, "%s", d->regions[subject_region(subject)]);
    if (subject_dim(subject) == DIM_COUNTRY) {
        e->by_country = true;
        tt_cc_text((tt_cc)subject_value(subject), e->cc);
        e->port = -1;
    } else {
        tt_service service = (tt_service)subject_value(subject);
        e->proto = tt_service_proto(service);
        e->port = tt_service_port(service);
    }
}

/* Pass 1: every day of the previous period, the window and the period into
 * the per-subject sums (period, previous period, largest period day) and the
 * daily totals. */
static tt_status read_sums(detector *d, char *err, size_t errlen)
{
    size_t prev_from = (size_t)(d->previous.first_day - d->day0);
    size_t prev_to = (size_t)(d->previous.last_day - d->day0);
    for (size_t day = 0; day < d->ndays; day++) {
        bool in_period = day >= d->first, in_previous = day >= prev_from && day <= prev_to;
        if (!in_period && !in_previous && day + d->opt->window < d->first)
            continue;
        tt_status st = read_day(d, day, err, errlen);
        if (st != TT_OK)
            return st;
        for (size_t i = 0; i < d->today.nslots && (in_period || in_previous); i++) {
            const tt_counter_entry *c = &d->today.slots[i];
            if (!c->used)
                continue;
            tt_counter_entry *e = tt_counter_map_get(&d->subjects, c->key);
            if (e == NULL)
                return TT_ERR_NOMEM;
            if (in_period) {
                e->packets += c->packets;
                if (c->packets > e->extra)
                    e->extra = c->packets;
            } else {
                e->bytes += c->packets;
            }
        }
    }
    return TT_OK;
}

/* Pass 2: the daily series of the candidates (subjects whose largest day in
 * the period could make an event: min_packets, and min_share of a typical
 * day), over the window and the period. */
static tt_status read_series(detector *d, const double *day_totals, size_t from, char *err, size_t errlen)
{
    tt_status st = TT_OK;
    for (size_t i = 0; i < d->subjects.nslots && st == TT_OK; i++) {
        const tt_counter_entry *e = &d->subjects.slots[i];
        double floor = fmax(d->opt->min_packets, d->opt->min_share * day_totals[subject_region(e->key)]);
        if (!e->used || (double)e->extra < floor)
            continue;
        tt_counter_entry *x = tt_counter_map_get(&d->series_of, e->key);
        if (x == NULL)
            st = TT_ERR_NOMEM;
        else
            x->extra = d->ncandidates++;
    }
    if (st != TT_OK || d->ncandidates == 0)
        return st;
    d->candidates = malloc(d->ncandidates * sizeof *d->candidates);
    d->series = malloc(d->ncandidates * d->ndays * sizeof *d->series);
    if (d->candidates == NULL || d->series == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < d->series_of.nslots; i++)
        if (d->series_of.slots[i].used)
            d->candidates[d->series_of.slots[i].extra] = d->series_of.slots[i].key;
    for (size_t k = 0; k < d->ncandidates; k++)
        for (size_t day = 0; day < d->ndays; day++)
            d->series[k * d->ndays + day] = day_valid(d, day) ? 0 : NAN;
    for (size_t day = from; day < d->ndays; day++) {
        if (!day_valid(d, day))
            continue;
        if ((st = read_day(d, day, err, errlen)) != TT_OK)
            return st;
        for (size_t i = 0; i < d->today.nslots; i++) {
            const tt_counter_entry *c = &d->today.slots[i];
            const tt_counter_entry *x;
            if (c->used && (x = tt_counter_map_find(&d->series_of, c->key)) != NULL)
                d->series[x->extra * d->ndays + day] += (double)c->packets;
        }
    }
    return TT_OK;
}

static tt_status detect_series(detector *d, tt_event_list *out, char *err, size_t errlen)
{
    double day_totals[EV_MAX_REGIONS + 1];
    for (size_t r = 0; r < d->nregions; r++)
        day_totals[r] = median_total(d, (unsigned)r);
    size_t from = d->first > d->opt->window ? d->first - d->opt->window : 0;
    tt_status st = read_series(d, day_totals, from, err, errlen);
    tt_series_event found[EV_MAX_SERIES_EVENTS];
    for (size_t k = 0; k < d->ncandidates && st == TT_OK; k++) {
        size_t count;
        uint64_t subject = d->candidates[k];
        st = tt_event_series_detect(d->series + k * d->ndays + from, d->ndays - from, d->first - from,
                                    day_totals[subject_region(subject)], d->opt, found, EV_MAX_SERIES_EVENTS,
                                    &count);
        for (size_t i = 0; i < count && i < EV_MAX_SERIES_EVENTS && st == TT_OK; i++) {
            tt_event e;
            event_subject(d, subject, &e);
            e.kind = found[i].kind;
            e.start = d->day0 + (int32_t)from + found[i].start;
            e.end = d->day0 + (int32_t)from + found[i].end;
            e.peak = d->day0 + (int32_t)from + found[i].peak;
            e.packets = (uint64_t)found[i].packets;
            e.baseline = found[i].baseline;
            e.ratio = found[i].ratio;
            st = event_push(out, &e);
        }
    }
    return st;
}

typedef struct ranked {
    uint64_t subject;
    uint64_t packets;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return (x->subject > y->subject) - (x->subject < y->subject);
}

/* Rank (1-based) of subject among the top TT_PREV_RANK_TOP of list, or 0. */
static int32_t rank_in(const ranked *list, size_t n, uint64_t subject)
{
    for (size_t i = 0; i < n && i < TT_PREV_RANK_TOP; i++)
        if (list[i].subject == subject && list[i].packets > 0)
            return (int32_t)i + 1;
    return 0;
}

/* Subjects in the period's top 10 that were not in the previous period's,
 * with at least min_ratio times their previous share. */
static tt_status rank_jumps(detector *d, tt_event_list *out)
{
    const tt_counter_map *subjects = &d->subjects;
    size_t prev_valid = 0, prev_days = (size_t)(d->previous.last_day - d->previous.first_day + 1);
    for (int32_t day = d->previous.first_day; day <= d->previous.last_day; day++)
        prev_valid += day >= d->valid_from && day <= d->valid_to;
    if (prev_valid * 2 < prev_days)
        return TT_OK; /* too little of the previous period has data to compare with */
    size_t period_days = d->ndays - d->first;
    ranked *now = malloc((subjects->n ? subjects->n : 1) * sizeof *now);
    ranked *before = malloc((subjects->n ? subjects->n : 1) * sizeof *before);
    tt_status st = now && before ? TT_OK : TT_ERR_NOMEM;
    for (size_t r = 0; r < d->nregions && st == TT_OK; r++) {
        for (unsigned dim = DIM_PORT; dim <= DIM_COUNTRY && st == TT_OK; dim++) {
            size_t n = 0;
            uint64_t total = 0, prev_total = 0;
            for (size_t i = 0; i < subjects->nslots; i++) {
                const tt_counter_entry *e = &subjects->slots[i];
                if (!e->used || subject_region(e->key) != r || subject_dim(e->key) != dim)
                    continue;
                now[n] = (ranked){e->key, e->packets};
                before[n++] = (ranked){e->key, e->bytes};
                total += e->packets;
                prev_total += e->bytes;
            }
            if (n == 0 || total == 0 || prev_total == 0)
                continue;
            qsort(now, n, sizeof *now, ranked_cmp);
            qsort(before, n, sizeof *before, ranked_cmp);
            for (size_t i = 0; i < n && i < TT_PREV_RANK_TOP && st == TT_OK; i++) {
                if (rank_in(before, n, now[i].subject) != 0 || (double)now[i].packets < d->opt->min_packets)
                    continue;
                const tt_counter_entry *e = tt_counter_map_find(subjects, now[i].subject);
                double share = (double)now[i].packets / (double)total;
                double prev_share = (double)e->bytes / (double)prev_total;
                if (share < d->opt->min_ratio * prev_share)
                    continue;
                tt_event ev;
                event_subject(d, now[i].subject, &ev);
                ev.kind = TT_EVENT_RANK_JUMP;
                ev.start = d->day0 + (int32_t)d->first;
                ev.end = d->day0 + (int32_t)d->ndays - 1;
                ev.peak = ev.start;
                ev.packets = now[i].packets;
                ev.baseline = (double)e->bytes / (double)prev_days;
                ev.ratio = ((double)now[i].packets / (double)period_days) / fmax(ev.baseline, 1);
                ev.rank = (int32_t)i + 1;
                ev.prev_rank = 0;
                /* The peak day, when the subject's series was read. */
                const tt_counter_entry *x = tt_counter_map_find(&d->series_of, now[i].subject);
                double best = 0;
                for (size_t day = d->first; x && day < d->ndays; day++) {
                    double v = d->series[x->extra * d->ndays + day];
                    if (v > best) {
                        best = v;
                        ev.peak = d->day0 + (int32_t)day;
                    }
                }
                st = event_push(out, &ev);
            }
        }
    }
    free(now);
    free(before);
    return st;
}

static bool same_subject(const tt_event *a, const tt_event *b)
{
    if (a->by_country != b->by_country)
        return false;
    return a->by_country ? strcmp(a->cc, b->cc) == 0 : a->proto == b->proto && a->port == b->port;
}

/* Drops regional events that the all-sensor series shows too. */
static void drop_regional_duplicates(tt_event_list *list)
{
    size_t k = 0;
    for (size_t i = 0; i < list->n; i++) {
        const tt_event *e = &list->events[i];
        bool duplicate = false;
        for (size_t j = 0; j < list->n && e->region[0] && !duplicate; j++) {
            const tt_event *g = &list->events[j];
            duplicate = g->region[0] == '\0' && g->kind == e->kind && same_subject(e, g) &&
                        g->start <= e->end && g->end >= e->start;
        }
        if (!duplicate)
            list->events[k++] = *e;
    }
    list->n = k;
}

/* ---- Drill-down --------------------------------------------------------- */

typedef struct source_count {
    tt_addr addr;
    uint64_t packets;
} source_count;

typedef struct drill {
    tt_event *event;
    uint64_t key;        /* port key or cc */
    int32_t before_from; /* the equal-length window before the event (sources_before) */
    int32_t growth_from; /* the trailing window (at least as long) the growth of sources is measured from */
    double growth_scale; /* days with data during / in the trailing window */
    unsigned region;
    tt_counter_map countries, ports;
    tt_addr_set sources; /* value: index into src */
    source_count *src;
    size_t nsrc, capsrc;
    tt_addr_set before; /* sources of the trailing window; value: index into before_packets */
    uint64_t *before_packets;
    uint8_t *recent; /* the source was seen in the equal-length window */
    size_t nbefore, capbefore, nrecent;
    uint64_t before_total;
    uint64_t kinds[TT_KIND_COUNT], os[TT_OS_COUNT], total, backscatter;
    uint8_t saw[TT_LIMIT_SENSORS / 8], had_data[TT_LIMIT_SENSORS / 8];
    /* The last source looked up in `sources` and in `before`: rows come
     * sorted by source, so most lookups repeat the previous one. */
    tt_addr last_src, last_before;
    uint32_t last_src_index, last_before_index;
    bool has_last_src, has_last_before;
    bool before_from_index; /* sources_before counted from the source index, not the scan */
} drill;

typedef struct drill_ctx {
    detector *d;
    drill *drills;
    size_t n;
    size_t *active;
    uint16_t backscatter;
} drill_ctx;

static tt_status drill_source(drill *dr, const tt_detail_row *r)
{
    if (dr->has_last_src && tt_addr_equal(&dr->last_src, &r->src)) {
        dr->src[dr->last_src_index].packets += r->packets;
        return TT_OK;
    }
    tt_addr_set_entry *e;
    bool added;
    tt_status st = tt_addr_set_get(&dr->sources, &r->src, 0, &e, &added);
    if (st != TT_OK)
        return st;
    if (added) {
        if (dr->nsrc == dr->capsrc) {
            size_t cap = dr->capsrc ? dr->capsrc * 2 : 256;
            source_count *p = realloc(dr->src, cap * sizeof *p);
            if (p == NULL)
                return TT_ERR_NOMEM;
            dr->src = p;
            dr->capsrc = cap;
        }
        dr->src[dr->nsrc] = (source_count){r->src, 0};
        e->value = (uint32_t)dr->nsrc++;
    }
    dr->src[e->value].packets += r->packets;
    dr->last_src = r->src;
    dr->last_src_index = e->value;
    dr->has_last_src = true;
    return TT_OK;
}

/* A new source of the trailing window: its slot in before_packets/recent. */
static tt_status before_append(drill *dr, tt_addr_set_entry *e)
{
    if (dr->nbefore == dr->capbefore) {
        size_t cap = dr->capbefore ? dr->capbefore * 2 : 256;
        uint64_t *p = realloc(dr->before_packets, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        dr->before_packets = p;
        uint8_t *q = realloc(dr->recent, cap);
        if (q == NULL)
            return TT_ERR_NOMEM;
        dr->recent = q;
        dr->capbefore = cap;
    }
    dr->before_packets[dr->nbefore] = 0;
    dr->recent[dr->nbefore] = 0;
    e->value = (uint32_t)dr->nbefore++;
    return TT_OK;
}

static tt_status drill_before(drill *dr, bool recent, const tt_detail_row *r)
{
    if (!dr->has_last_before || !tt_addr_equal(&dr->last_before, &r->src)) {
        tt_addr_set_entry *e;
        bool added;
        tt_status st = tt_addr_set_get(&dr->before, &r->src, 0, &e, &added);
        if (st != TT_OK || (added && (st = before_append(dr, e)) != TT_OK))
            return st;
        dr->last_before = r->src;
        dr->last_before_index = e->value;
        dr->has_last_before = true;
    }
    uint32_t index = dr->last_before_index;
    dr->before_packets[index] += r->packets;
    dr->before_total += r->packets;
    if (recent && !dr->recent[index]) {
        dr->recent[index] = 1;
        dr->nrecent++;
    }
    return TT_OK;
}

static tt_status drill_row(drill_ctx *c, drill *dr, int32_t day, int32_t sensor, const tt_detail_row *r)
{
    if (day < dr->event->start)
        return drill_before(dr, day >= dr->before_from, r);
    tt_counter_entry *e = tt_counter_map_get(&dr->countries, r->cc);
    tt_counter_entry *p = tt_counter_map_get(&dr->ports, port_key(r->service));
    if (e == NULL || p == NULL)
        return TT_ERR_NOMEM;
    e->packets += r->packets;
    p->packets += r->packets;
    dr->total += r->packets;
    if (r->kind < TT_KIND_COUNT)
        dr->kinds[r->kind] += r->packets;
    if (r->kind < 16 && (c->backscatter & (1u << r->kind)))
        dr->backscatter += r->packets;
    if (r->os < TT_OS_COUNT)
        dr->os[r->os] += r->packets;
    if (sensor >= 0 && sensor < TT_LIMIT_SENSORS)
        dr->saw[sensor / 8] |= (uint8_t)(1u << (sensor % 8));
    return drill_source(dr, r);
}

static tt_status on_drill_segment(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                                  size_t n)
{
    drill_ctx *c = ctx;
    int32_t day = day_of(c->d, hour);
    size_t nactive = 0;
    for (size_t i = 0; i < c->n; i++) {
        drill *dr = &c->drills[i];
        if (day < dr->growth_from || day > dr->event->end)
            continue;
        if (dr->region && region_of(c->d, sensor) != dr->region)
            continue;
        if (day >= dr->event->start && sensor >= 0 && sensor < TT_LIMIT_SENSORS)
            dr->had_data[sensor / 8] |= (uint8_t)(1u << (sensor % 8));
        c->active[nactive++] = i;
    }
    for (size_t i = 0; i < n && nactive; i++) {
        const tt_detail_row *r = &rows[i];
        for (size_t a = 0; a < nactive; a++) {
            drill *dr = &c->drills[c->active[a]];
            bool match;
            if (dr->event->by_country)
                match = r->cc == dr->key && tt_filter_row(&c->d->country_filter, r->service, r->kind,
                                                          r->src_flags, r->cc, r->asn, true);
            else
                match =
                    port_key(r->service) == dr->key && tt_service_port(r->service) >= 0 &&
                    tt_filter_row(&c->d->port_filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true);
            if (!match)
                continue;
            tt_status st = drill_row(c, dr, day, sensor, r);
            if (st != TT_OK)
                return st;
        }
    }
    return TT_OK;
}

static int share_cmp(const void *a, const void *b)
{
    const tt_event_share *x = a, *y = b;
    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Keeps the TT_EVENT_TOP largest of candidates (sorted in place). */
static size_t keep_top(tt_event_share *candidates, size_t n, tt_event_share *out, uint64_t total)
{
    if (n > 1)
        qsort(candidates, n, sizeof *candidates, share_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n && k < TT_EVENT_TOP; i++) {
        if (candidates[i].packets == 0)
            continue;
        out[k] = candidates[i];
        out[k].share = total ? (double)candidates[i].packets / (double)total : 0;
        k++;
    }
    return k;
}

static tt_status top_of_map(const tt_counter_map *m, bool ports, tt_event_share *out, size_t *nout,
                            uint64_t total)
{
    tt_event_share *all = malloc((m->n ? m->n : 1) * sizeof *all);
    if (all == NULL)
        return TT_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->nslots; i++) {
        const tt_counter_entry *e = &m->slots[i];
        if (!e->used)
            continue;
        memset(&all[n], 0, sizeof all[n]);
        if (ports) {
            tt_service s = (tt_service)e->key;
            tt_query_port_text(tt_service_proto(s), tt_service_port(s), all[n].key, sizeof all[n].key);
        } else {
            tt_cc_text((tt_cc)e->key, all[n].key);
        }
        all[n++].packets = e->packets;
    }
    *nout = keep_top(all, n, out, total);
    free(all);
    return TT_OK;
}

static int source_count_cmp(const void *a, const void *b)
{
    const source_count *x = a, *y = b;
    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return tt_addr_cmp(&x->addr, &y->addr);
}

static const char *sensor_name(const tt_query *q, int32_t id)
{
    for (size_t i = 0; i < q->nsensors; i++)
        if (q->sensors[i].id == id)
            return q->sensors[i].name;
    return "?";
}

static void sensors_text(const tt_query *q, const drill *dr, char *out, size_t len)
{
    bool all = true, any = false;
    for (size_t i = 0; i < sizeof dr->saw; i++) {
        if (dr->had_data[i] & ~dr->saw[i])
            all = false;
        if (dr->saw[i])
            any = true;
    }
    if (all && any) {
        snprintf(out, len, "all");
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int32_t id = 0; id < TT_LIMIT_SENSORS; id++) {
        if (!(dr->saw[id / 8] & (1u << (id % 8))))
            continue;
        const char *name = sensor_name(q, id);
        if (used + strlen(name) + 5 >= len) {
            snprintf(out + used, len - used, "%s...", used ? "," : "");
            return;
        }
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", name);
    }
}

static void drill_finish(const tt_query *q, drill *dr)
{
    tt_event *e = dr->event;
    tt_event_share cand[(int)TT_KIND_COUNT + (int)TT_OS_COUNT];
    size_t n = 0;
    for (int k = 0; k < TT_KIND_COUNT; k++) {
        memset(&cand[n], 0, sizeof cand[n]);
        snprintf(cand[n].key, sizeof cand[n].key, "%s", tt_kind_name((tt_kind)k));
        cand[n++].packets = dr->kinds[k];
    }
    e->ntools = keep_top(cand, n, e->tools, dr->total);
    n = 0;
    for (int k = 1; k < TT_OS_COUNT; k++) { /* class 0: no hint */
        memset(&cand[n], 0, sizeof cand[n]);
        snprintf(cand[n].key, sizeof cand[n].key, "%s", tt_os_class_name((tt_os_class)k));
        cand[n++].packets = dr->os[k];
    }
    e->nos = keep_top(cand, n, e->os, dr->total);
    if (dr->nsrc > 1)
        qsort(dr->src, dr->nsrc, sizeof *dr->src, source_count_cmp);
    e->ntop_sources = 0;
    for (size_t i = 0; i < dr->nsrc && i < TT_EVENT_TOP; i++) {
        tt_event_share *s = &e->top_sources[e->ntop_sources++];
        char text[TT_ADDR_STRLEN];
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s", tt_addr_format(&dr->src[i].addr, text));
        s->packets = dr->src[i].packets;
        s->share = dr->total ? (double)s->packets / (double)dr->total : 0;
    }
    e->single_source = dr->nsrc > 0 && (double)dr->src[0].packets >= EV_SINGLE_SHARE * (double)dr->total;
    e->sources_during = dr->nsrc;
    e->sources_before = dr->nrecent;
    sensors_text(q, dr, e->sensors, sizeof e->sensors);
    if (!e->by_country && e->ntop_countries) {
        memcpy(e->cc, e->top_countries[0].key, 2);
        e->cc[2] = '\0';
    }
    if (!e->by_country && q->kb) {
        const tt_kb_entry *entries[1];
        if (tt_kb_lookup(q->kb, e->proto, e->port, entries, 1) == 1)
            snprintf(e->kb, sizeof e->kb, "%s: %s", entries[0]->category, entries[0]->title);
    }
}

/* ---- History of a dominant source -------------------------------------- */

typedef struct history_ctx {
    detector *d;
    tt_addr addr;
    tt_counter_map ports; /* port key → packets; bytes = first day + 2^31, extra = last day + 2^31 */
    uint64_t total;
} history_ctx;

static tt_status on_history_segment(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                                    size_t n)
{
    (void)sensor;
    history_ctx *c = ctx;
    size_t lo = 0, hi = n; /* rows are sorted by source */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tt_addr_cmp(&rows[mid].src, &c->addr) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t day = (uint64_t)((int64_t)day_of(c->d, hour) + ((int64_t)1 << 31));
    for (size_t i = lo; i < n && tt_addr_cmp(&rows[i].src, &c->addr) == 0; i++) {
        if (tt_service_port(rows[i].service) < 0)
            continue;
        tt_counter_entry *e = tt_counter_map_get(&c->ports, port_key(rows[i].service));
        if (e == NULL)
            return TT_ERR_NOMEM;
        if (e->packets == 0 || day < e->bytes)
            e->bytes = day;
        if (day > e->extra)
            e->extra = day;
        e->packets += rows[i].packets;
    }
    return TT_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    const tt_counter_entry *x = a, *y = b;
    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static tt_status source_history(detector *d, tt_event *e, const tt_addr *addr)
{
    history_ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.addr = *addr;
    tt_counter_map_init(&c.ports, 0);
    tt_rollup_filter all = {.hour_from = INT64_MIN / 8, .hour_to = INT64_MAX / 8};
    tt_counter_entry *list = NULL;
    tt_status st = d->q->store->ops->scan_segments(d->q->store, &all, addr, false, on_history_segment, &c);
    if (st == TT_OK && (list = tt_counter_map_entries(&c.ports)) == NULL)
        st = TT_ERR_NOMEM;
    if (st != TT_OK)
        goto cleanup;
    uint64_t own = e->by_country ? UINT64_MAX : port_key(tt_service_make(e->proto, e->port, -1));
    size_t n = 0;
    uint64_t others = 0;
    for (size_t i = 0; i < c.ports.n; i++)
        if (list[i].key != own) {
            others += list[i].packets;
            list[n++] = list[i];
        }
    if (n > 1)
        qsort(list, n, sizeof *list, entry_cmp);
    bool earlier = true, later = true;
    for (size_t i = 0; i < n; i++) {
        int64_t first = (int64_t)list[i].bytes - ((int64_t)1 << 31);
        int64_t last = (int64_t)list[i].extra - ((int64_t)1 << 31);
        earlier = earlier && last < e->start;
        later = later && first > e->end;
    }
    char text[sizeof e->history_summary];
    size_t used = 0;
    if (n == 0) {
        snprintf(text, sizeof text, "sent to no other port in the store");
    } else {
        used = (size_t)snprintf(text, sizeof text, "%s scanned",
                                earlier ? "earlier"
                                : later ? "later"
                                        : "also");
        /* Categories of the listed ports, first seen first. */
        const char *categories[TT_EVENT_TOP];
        size_t ncategories = 0;
        for (size_t i = 0; i < n && i < TT_EVENT_TOP; i++) {
            tt_service s = (tt_service)list[i].key;
            tt_event_share *h = &e->history[e->nhistory++];
            memset(h, 0, sizeof *h);
            tt_query_port_text(tt_service_proto(s), tt_service_port(s), h->key, sizeof h->key);
            h->packets = list[i].packets;
            h->share = others ? (double)list[i].packets / (double)others : 0;
            if (used < sizeof text)
                used += (size_t)snprintf(text + used, sizeof text - used, "%s %s", i ? "," : "", h->key);
            const char *category =
                d->q->kb ? tt_kb_category(d->q->kb, tt_service_proto(s), tt_service_port(s)) : NULL;
            bool seen = category == NULL;
            for (size_t k = 0; k < ncategories && !seen; k++)
                seen = strcmp(categories[k], category) == 0;
            if (!seen)
                categories[ncategories++] = category;
        }
        if (n > TT_EVENT_TOP && used < sizeof text)
            used += (size_t)snprintf(text + used, sizeof text - used, " and %zu more", n - TT_EVENT_TOP);
        for (size_t k = 0; k < ncategories && used < sizeof text; k++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", k ? ", " : ": ", categories[k]);
        if (ncategories && used < sizeof text)
            snprintf(text + used, sizeof text - used, " ports");
    }
    snprintf(e->history_summary, sizeof e->history_summary, "%s", text);
cleanup:
    free(list);
    tt_counter_map_free(&c.ports);
    return st;
}

/* Share of the event's growth (packets during minus the trailing window's,
 * scaled to the event's days) that the EV_FEW_SOURCES sources whose packets
 * grew most sent. Call after drill_finish (it adds the sources of the event
 * to the trailing window's set). */
static tt_status few_sources_share(drill *dr, double *share)
{
    *share = 0;
    double growth_total = (double)dr->total - dr->growth_scale * (double)dr->before_total;
    if (dr->growth_scale <= 0 || growth_total <= 0)
        return TT_OK;
    double top[EV_FEW_SOURCES] = {0};
    for (size_t i = 0; i < dr->nsrc; i++) {
        tt_addr_set_entry *e;
        bool added;
        tt_status st = tt_addr_set_get(&dr->before, &dr->src[i].addr, 0, &e, &added);
        if (st != TT_OK)
            return st;
        double before = added ? 0 : (double)dr->before_packets[e->value];
        if (added)
            e->value = 0;
        double growth = (double)dr->src[i].packets - dr->growth_scale * before;
        for (size_t k = 0; k < EV_FEW_SOURCES; k++) {
            if (growth > top[k]) {
                double t = top[k];
                top[k] = growth;
                growth = t;
            }
        }
    }
    double sum = 0;
    for (size_t k = 0; k < EV_FEW_SOURCES; k++)
        sum += top[k];
    *share = sum / growth_total;
    return TT_OK;
}

static void drill_free(drill *dr)
{
    tt_counter_map_free(&dr->countries);
    tt_counter_map_free(&dr->ports);
    tt_addr_set_free(&dr->sources);
    tt_addr_set_free(&dr->before);
    free(dr->before_packets);
    free(dr->recent);
    free(dr->src);
}

/* sources_before of a port event: distinct scanners of the port in the
 * equal-length window before it, in its region's sensors. */
static tt_status sources_before_from_index(detector *d, drill *dr)
{
    const tt_event *e = dr->event;
    int32_t days = e->end - e->start + 1;
    tt_rollup_filter f = d->q->filter;
    char err[256];
    tt_status st;
    if ((st = tt_period_day_start(e->start - days, &f.hour_from, err, sizeof err)) != TT_OK ||
        (st = tt_period_day_start(e->start, &f.hour_to, err, sizeof err)) != TT_OK)
        return st;
    uint8_t region_set[TT_LIMIT_SENSORS / 8];
    if (dr->region) {
        memset(region_set, 0, sizeof region_set);
        for (int32_t s = 0; s < TT_LIMIT_SENSORS; s++)
            if (region_of(d, s) == dr->region && tt_sensor_set_has(&d->q->filter, s))
                region_set[s / 8] |= (uint8_t)(1u << (s % 8));
        f.sensor_set = region_set;
        f.sensor_set_size = TT_LIMIT_SENSORS;
    }
    uint64_t count = 0;
    st = tt_query_port_sources(d->q, &f, (uint32_t)dr->key, true, &count);
    dr->nrecent = (size_t)count;
    return st;
}

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* One pass over the segments of the drills' days, in stretches between the
 * days where a drill starts or ends: each stretch decodes only the rows of
 * the ports and countries whose drills cover it. */
static tt_status drill_scan(detector *d, drill_ctx *c)
{
    size_t nb = 0;
    int32_t *bounds = calloc(2 * c->n, sizeof *bounds);
    uint32_t *ports = calloc(c->n, sizeof *ports);
    tt_cc *ccs = calloc(c->n, sizeof *ccs);
    tt_status st = bounds && ports && ccs ? TT_OK : TT_ERR_NOMEM;
    for (size_t i = 0; i < c->n && st == TT_OK; i++) {
        bounds[nb++] = c->drills[i].growth_from;
        bounds[nb++] = c->drills[i].event->end + 1;
    }
    if (nb > 1)
        qsort(bounds, nb, sizeof *bounds, i32_cmp);
    for (size_t b = 0; b + 1 < nb && st == TT_OK; b++) {
        int32_t from = bounds[b], to = bounds[b + 1]; /* days [from, to) */
        if (from == to)
            continue;
        tt_row_match match = {ports, 0, ccs, 0};
        for (size_t i = 0; i < c->n; i++) {
            const drill *dr = &c->drills[i];
            if (dr->growth_from > from || dr->event->end < to - 1)
                continue;
            if (dr->event->by_country)
                ccs[match.nccs++] = (tt_cc)dr->key;
            else
                ports[match.nports++] = (uint32_t)dr->key;
        }
        if (match.nports == 0 && match.nccs == 0)
            continue;
        if ((st = tt_sort_u32(ports, match.nports)) != TT_OK)
            break;
        tt_rollup_filter f = d->q->filter;
        f.rows_wanted = &match;
        char err[256];
        if ((st = tt_period_day_start(from, &f.hour_from, err, sizeof err)) == TT_OK &&
            (st = tt_period_day_start(to, &f.hour_to, err, sizeof err)) == TT_OK)
            st = d->q->store->ops->scan_segments(d->q->store, &f, NULL, false, on_drill_segment, c);
    }
    free(bounds);
    free(ports);
    free(ccs);
    return st;
}

/* Explains every event from the per-source rows of its days (one pass over
 * the segments of all events' days), then drops country events that one
 * source or backscatter carries, and adds the dominant sources' histories. */
static tt_status drill_down(detector *d, tt_event_list *list)
{
    if (list->n == 0)
        return TT_OK;
    drill_ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.n = list->n;
    c.backscatter = backscatter_kinds();
    c.drills = calloc(list->n, sizeof *c.drills);
    c.active = calloc(list->n, sizeof *c.active);
    tt_addr *dominant = calloc(list->n, sizeof *dominant);
    tt_status st = c.drills && c.active && dominant ? TT_OK : TT_ERR_NOMEM;
    for (size_t i = 0; i < c.n && st == TT_OK; i++) {
        drill *dr = &c.drills[i];
        tt_event *e = &list->events[i];
        dr->event = e;
        dr->key = e->by_country ? tt_cc_make(e->cc) : port_key(tt_service_make(e->proto, e->port, -1));
        int32_t days = e->end - e->start + 1;
        dr->before_from = e->start - days;
        /* Only country events weigh the growth of their sources (against the trailing window). */
        dr->growth_from =
            e->start - (days > (int32_t)d->opt->window || !e->by_country ? days : (int32_t)d->opt->window);
        dr->growth_scale = (double)valid_between(d, e->start, e->end) /
                           fmax((double)valid_between(d, dr->growth_from, e->start - 1), 1);
        /* A port event needs from its trailing window only the number of
         * sources: the source index has it, without decoding those days. */
        if (!e->by_country && tt_query_index_answers(&d->q->filter)) {
            dr->before_from_index = true;
            dr->growth_from = dr->before_from = e->start;
        }
        for (size_t r = 1; r < d->nregions; r++)
            if (strcmp(d->regions[r], e->region) == 0)
                dr->region = (unsigned)r;
        tt_counter_map_init(&dr->countries, 0);
        tt_counter_map_init(&dr->ports, 0);
        tt_addr_set_init(&dr->sources, EV_MAX_SOURCES);
        tt_addr_set_init(&dr->before, EV_MAX_SOURCES);
    }
    if (st == TT_OK)
        st = drill_scan(d, &c);
    for (size_t i = 0; i < c.n && st == TT_OK; i++)
        if (c.drills[i].before_from_index)
            st = sources_before_from_index(d, &c.drills[i]);
    size_t k = 0;
    for (size_t i = 0; i < c.n && st == TT_OK; i++) {
        drill *dr = &c.drills[i];
        tt_event *e = dr->event;
        if ((st = top_of_map(&dr->countries, false, e->top_countries, &e->ntop_countries, dr->total)) !=
                TT_OK ||
            (st = top_of_map(&dr->ports, true, e->top_ports, &e->ntop_ports, dr->total)) != TT_OK)
            break;
        if (!e->by_country)
            e->ntop_ports = 0;
        drill_finish(d->q, dr);
        /* A country event is a change in the country's population of
         * senders: one carried by a few hosts (their ports tell their story)
         * or by backscatter (a DoS victim: teiten backscatter) is dropped. */
        if (e->by_country) {
            double few = 0;
            if ((st = few_sources_share(dr, &few)) != TT_OK)
                break;
            if (e->single_source || few >= EV_FEW_SHARE || 2 * dr->backscatter >= dr->total)
                continue;
        }
        if (e->single_source)
            dominant[k] = dr->src[0].addr;
        list->events[k++] = *e;
    }
    if (st == TT_OK) {
        list->n = k;
        for (size_t i = 0; i < list->n && st == TT_OK; i++)
            if (list->events[i].single_source)
                st = source_history(d, &list->events[i], &dominant[i]);
    }
    for (size_t i = 0; c.drills && i < c.n; i++)
        drill_free(&c.drills[i]);
    free(c.drills);
    free(c.active);
    free(dominant);
    return st;
}

static int event_cmp(const void *a, const void *b)
{
    const tt_event *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->by_country != y->by_country)
        return x->by_country ? 1 : -1;
    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    int c = strcmp(x->region, y->region);
    if (c)
        return c;
    return x->by_country ? strcmp(x->cc, y->cc) : (x->port > y->port) - (x->port < y->port);
}

tt_status tt_detect_events(tt_query *q, const tt_event_options *opt, tt_event_list *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof *out);
    tt_event_options options = *opt;
    if (options.window == 0)
        options.window = 28;
    if (q->no_data)
        return TT_OK;
    detector d;
    memset(&d, 0, sizeof d);
    d.q = q;
    d.opt = &options;
    d.cached_hour = INT64_MIN;
    tt_counter_map_init(&d.today, EV_MAX_SUBJECTS);
    tt_counter_map_init(&d.subjects, EV_MAX_SUBJECTS);
    tt_counter_map_init(&d.series_of, 0);
    tt_status st = valid_days(q, &d.valid_from, &d.valid_to, err, errlen);
    if (st == TT_ERR_NOTFOUND) {
        st = TT_OK; /* an empty store has no events */
        goto cleanup;
    }
    if (st != TT_OK || (st = tt_period_previous(&q->period, &d.previous, err, errlen)) != TT_OK)
        goto cleanup;
    int64_t day0 = (int64_t)q->period.first_day - options.window;
    if (d.previous.first_day < day0)
        day0 = d.previous.first_day;
    if ((int64_t)q->period.last_day - day0 + 1 > EV_MAX_DAYS) {
        snprintf(err, errlen, "the period is too long for event detection (at most %d days with the window)",
                 EV_MAX_DAYS);
        st = TT_ERR_USAGE;
        goto cleanup;
    }
    d.day0 = (int32_t)day0;
    d.ndays = (size_t)(q->period.last_day - d.day0 + 1);
    d.first = (size_t)(q->period.first_day - d.day0);
    d.port_filter = q->filter;
    d.port_filter.exclude_kinds |= backscatter_kinds();
    d.country_filter = q->filter;
    d.sensor_region = calloc(TT_LIMIT_SENSORS, 1);
    if (d.sensor_region == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    assign_regions(&d);
    d.totals = calloc(d.nregions * d.ndays, sizeof *d.totals);
    if (d.totals == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    err[0] = '\0';
    if ((st = read_sums(&d, err, errlen)) != TT_OK || (st = detect_series(&d, out, err, errlen)) != TT_OK ||
        (st = rank_jumps(&d, out)) != TT_OK) {
        if (err[0] == '\0' && st == TT_ERR_NOMEM)
            snprintf(err, errlen, "out of memory, or more subjects or events than teiten keeps");
        else if (err[0] == '\0')
            store_error(q, st, err, errlen);
        goto cleanup;
    }
    drop_regional_duplicates(out);
    if ((st = drill_down(&d, out)) != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if (out->n > 1)
        qsort(out->events, out->n, sizeof *out->events, event_cmp);
cleanup:
    if (st != TT_OK)
        tt_event_list_free(out);
    tt_counter_map_free(&d.today);
    tt_counter_map_free(&d.subjects);
    tt_counter_map_free(&d.series_of);
    free(d.series);
    free(d.candidates);
    free(d.totals);
    free(d.sensor_region);
    return st;
}

/* ---- Output ------------------------------------------------------------- */

static const char *subject_text(const tt_event *e, char *buf, size_t len)
{
    if (e->by_country)
        snprintf(buf, len, "%s", e->cc);
    else
        tt_query_port_text(e->proto, e->port, buf, len);
    return buf;
}

static void json_shares(FILE *out, const char *name, const char *key, const tt_event_share *s, size_t n)
{
    fprintf(out, ", \"%s\": [", name);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s{\"%s\": ", i ? ", " : "", key);
        tt_json_string(out, s[i].key);
        fprintf(out, ", \"share\": %.4f, \"packets\": %llu}", s[i].share, (unsigned long long)s[i].packets);
    }
    fputc(']', out);
}

static void json_event(FILE *out, const tt_event *e)
{
    char date[16], text[64];
    fprintf(out, "{\"kind\": \"%s\", \"subject\": \"%s\", \"region\": ", tt_event_kind_name(e->kind),
            e->by_country ? "country" : "port");
    if (e->region[0])
        tt_json_string(out, e->region);
    else
        fputs("null", out);
    if (e->by_country) {
        fputs(", \"proto\": null, \"port\": null", out);
    } else {
        const char *proto = tt_proto_name(e->proto);
        char number[8];
        snprintf(number, sizeof number, "%u", e->proto);
        fputs(", \"proto\": ", out);
        tt_json_string(out, proto ? proto : number);
        fprintf(out, ", \"port\": %d", e->port);
    }
    fputs(", \"cc\": ", out);
    if (e->cc[0])
        tt_json_string(out, e->cc);
    else
        fputs("null", out);
    fprintf(out, ", \"name\": ");
    tt_json_string(out, subject_text(e, text, sizeof text));
    fprintf(out, ", \"start\": \"%s\"", tt_format_date(e->start, date, sizeof date));
    fprintf(out, ", \"end\": \"%s\"", tt_format_date(e->end, date, sizeof date));
    fprintf(out, ", \"peak\": \"%s\"", tt_format_date(e->peak, date, sizeof date));
    fprintf(out, ", \"days\": %d, \"packets\": %llu, \"baseline\": %.1f, \"ratio\": %.2f",
            e->end - e->start + 1, (unsigned long long)e->packets, e->baseline, e->ratio);
    if (e->kind == TT_EVENT_RANK_JUMP) {
        fprintf(out, ", \"rank\": %d, \"prev_rank\": ", e->rank);
        if (e->prev_rank)
            fprintf(out, "%d", e->prev_rank);
        else
            fputs("null", out);
    } else {
        fputs(", \"rank\": null, \"prev_rank\": null", out);
    }
    json_shares(out, "top_countries", "cc", e->top_countries, e->ntop_countries);
    json_shares(out, "top_ports", "port", e->top_ports, e->ntop_ports);
    json_shares(out, "top_sources", "ip", e->top_sources, e->ntop_sources);
    fprintf(out, ", \"single_source\": %s, \"sources_before\": %llu, \"sources_during\": %llu, \"sensors\": ",
            e->single_source ? "true" : "false", (unsigned long long)e->sources_before,
            (unsigned long long)e->sources_during);
    tt_json_string(out, e->sensors);
    json_shares(out, "tools", "tool", e->tools, e->ntools);
    json_shares(out, "os", "os", e->os, e->nos);
    json_shares(out, "history", "port", e->history, e->nhistory);
    fputs(", \"history_summary\": ", out);
    if (e->history_summary[0])
        tt_json_string(out, e->history_summary);
    else
        fputs("null", out);
    fputs(", \"kb\": ", out);
    if (e->kb[0])
        tt_json_string(out, e->kb);
    else
        fputs("null", out);
    fputc('}', out);
}

static void share_text(const tt_event_share *s, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 2 && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s %.0f%%", i ? ", " : "", s[i].key,
                                 100 * s[i].share);
}

static tt_status table_event(tt_table *t, const tt_event *e)
{
    tt_cell *row = tt_table_add_row(t);
    if (row == NULL)
        return TT_ERR_NOMEM;
    char text[512], date[16];
    size_t c = 0;
    tt_status st;
    if ((st = tt_cell_text(&row[c++], tt_event_kind_name(e->kind))) ||
        (st = tt_cell_text(&row[c++], subject_text(e, text, sizeof text))))
        return st;
    if (e->region[0] && (st = tt_cell_text(&row[c], e->region)))
        return st;
    if (!e->region[0])
        tt_cell_null(&row[c], "all");
    c++;
    if ((st = tt_cell_text(&row[c++], tt_format_date(e->start, date, sizeof date))) ||
        (st = tt_cell_text(&row[c++], tt_format_date(e->end, date, sizeof date))))
        return st;
    tt_cell_int(&row[c++], (int64_t)e->packets);
    tt_cell_real(&row[c++], e->ratio);
    share_text(e->by_country ? e->top_ports : e->top_countries,
               e->by_country ? e->ntop_ports : e->ntop_countries, text, sizeof text);
    if ((st = tt_cell_text(&row[c++], text)))
        return st;
    tt_cell_int(&row[c++], (int64_t)e->sources_before);
    tt_cell_int(&row[c++], (int64_t)e->sources_during);
    if (e->ntop_sources) {
        snprintf(text, sizeof text, "%s %.0f%%%s", e->top_sources[0].key, 100 * e->top_sources[0].share,
                 e->single_source ? " (single)" : "");
        if ((st = tt_cell_text(&row[c], text)))
            return st;
    } else {
        tt_cell_null(&row[c], "-");
    }
    c++;
    share_text(e->tools, e->ntools, text, sizeof text);
    if ((st = tt_cell_text(&row[c++], text)) || (st = tt_cell_text(&row[c++], e->sensors)))
        return st;
    const char *note = e->history_summary[0] ? e->history_summary : e->kb;
    if (note[0])
        st = tt_cell_text(&row[c], note);
    else
        tt_cell_null(&row[c], "-");
    return st;
}

tt_status tt_events_print(const tt_event_list *list, tt_format format, FILE *out)
{
    if (format == TT_FORMAT_JSON) {
        fputs("[", out);
        for (size_t i = 0; i < list->n; i++) {
            fputs(i ? ",\n " : "\n ", out);
            json_event(out, &list->events[i]);
        }
        fputs(list->n ? "\n]\n" : "]\n", out);
        return ferror(out) ? TT_ERR_IO : TT_OK;
    }
    static const char *columns[] = {
        "kind", "subject",        "region",         "start",      "end",   "packets", "ratio",
        "top",  "sources_before", "sources_during", "top_source", "tools", "sensors", "note"};
    tt_table t;
    tt_table_init(&t, columns, sizeof columns / sizeof columns[0]);
    t.real_digits = 1;
    tt_status st = TT_OK;
    for (size_t i = 0; i < list->n && st == TT_OK; i++)
        st = table_event(&t, &list->events[i]);
    if (st == TT_OK)
        st = tt_table_print(&t, format, out);
    tt_table_free(&t);
    return st;
}
