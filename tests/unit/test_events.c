/* Event detection: the statistics on synthetic daily series (flat, flat with
 * a spike, step, ramp, noise, burst then rise, missing days, weekly shape)
 * with the exact detections expected, then tt_detect_events on a small
 * synthetic store: drill-down, dominant source history, rank jumps, country
 * events carried by one host, regional events and the JSON output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/events.h"
#include "check.h"
#include "classify/fingerprint.h"
#include "classify/p0f.h"
#include "util/limits.h"

#define DAYS 58 /* 28 days of trailing window + a 30-day period */
#define FIRST 28
#define MAX_FOUND 16

static size_t detect(const double *x, size_t n, size_t first, double day_total, tt_series_event *found)
{
    tt_event_options opt;
    tt_event_options_default(&opt);
    size_t count = 0;
    CHECK(tt_event_series_detect(x, n, first, day_total, &opt, found, MAX_FOUND, &count) == TT_OK);
    return count;
}

static void fill(double *x, size_t from, size_t to, double value)
{
    for (size_t i = from; i < to; i++)
        x[i] = value;
}

/* Deterministic noise in [-1, 1). */
static double noise(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (double)(*state >> 8) / (double)(1u << 23) - 1.0;
}

static void check_event(const tt_series_event *e, tt_event_kind kind, int32_t start, int32_t end,
                        int32_t peak)
{
    CHECK_EQ_INT(e->kind, kind);
    CHECK_EQ_INT(e->start, start);
    CHECK_EQ_INT(e->end, end);
    CHECK_EQ_INT(e->peak, peak);
}

static void test_flat(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    fill(x, 0, DAYS, 1000);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    fill(x, 0, DAYS, 0);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    /* A blip on a zero baseline below min_packets is no burst ... */
    x[40] = 99;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    /* ... at min_packets it is (new activity on a silent port). */
    x[40] = 100;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 40, 40, 40);
    CHECK(found[0].baseline == 0 && found[0].ratio == 100);
}

static void test_spike(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    fill(x, 0, DAYS, 1000);
    x[40] = 5000;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 40, 40, 40);
    CHECK(found[0].baseline == 1000 && found[0].ratio == 5 && found[0].packets == 5000);
    /* Two days: one event, peak on the larger day. */
    x[41] = 6000;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 40, 41, 41);
    CHECK(found[0].packets == 11000);
    /* Below min_ratio (2x) is not a burst however regular the baseline. */
    x[41] = 1000;
    x[40] = 1900;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    /* min_share: the peak must add 3 % of a typical day of the telescope. */
    x[40] = 2900; /* adds 1900 */
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 1900 / 0.03, found), 1);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 1901 / 0.03, found), 0);
    /* A spike in the trailing window only is not in the period. */
    x[40] = 1000;
    x[20] = 9000;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
}

static void test_step(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    fill(x, 0, 40, 1000);
    fill(x, 40, DAYS, 3000);
    /* The burst days of the step are its rise: one event. */
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_RISE, 40, DAYS - 1, 40);
    CHECK(found[0].baseline == 1000 && found[0].ratio == 3 && found[0].packets == 3000.0 * (DAYS - 40));
    /* A step of 1.5x is below min_ratio. */
    fill(x, 40, DAYS, 1500);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    /* A step that lasts two days is a burst, not a rise. */
    fill(x, 40, 42, 3000);
    fill(x, 42, DAYS, 1000);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 40, 41, 40);
    /* Five days up then back: a level shift of five days. */
    fill(x, 40, 45, 3000);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_RISE, 40, 44, 40);
}

static void test_ramp(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    fill(x, 0, 40, 0);
    for (size_t i = 40; i < DAYS; i++)
        x[i] = 100.0 * (double)(i - 39); /* 100, 200, ... 1800 */
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_RISE, 40, DAYS - 1, DAYS - 1);
    CHECK(found[0].baseline == 0 && found[0].ratio == 1800);
    /* A ramp on an existing level: from 500 growing by 100 a day. */
    fill(x, 0, 40, 500);
    for (size_t i = 40; i < DAYS; i++)
        x[i] = 500 + 100.0 * (double)(i - 39);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    CHECK_EQ_INT(found[0].kind, TT_EVENT_RISE);
    CHECK(found[0].start >= 40 && found[0].start <= 42);
    CHECK_EQ_INT(found[0].end, DAYS - 1);
}

static void test_noise(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    uint32_t state = 12345;
    for (size_t i = 0; i < DAYS; i++)
        x[i] = 1000 * (1 + 0.3 * noise(&state)); /* +-30 % every day */
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    x[45] = 4000;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 45, 45, 45);
    /* Weekly shape: quiet weekends are no events, nor the weekdays after them. */
    for (size_t i = 0; i < DAYS; i++)
        x[i] = i % 7 >= 5 ? 600 : 1000;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
    /* Small counts jump around (Poisson-like): 0..60 a day is nothing. */
    for (size_t i = 0; i < DAYS; i++)
        x[i] = 30 + 30 * noise(&state);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 0);
}

static void test_burst_then_rise(void)
{
    /* The 53413/udp pattern: a two-day burst, two quiet days, then a rise. */
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    fill(x, 0, DAYS, 100);
    x[36] = x[37] = 20000;
    for (size_t i = 40; i < DAYS; i++)
        x[i] = 100 + 400.0 * (double)(i - 39);
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 2);
    check_event(&found[0], TT_EVENT_BURST, 36, 37, 36); /* the first of equal days */
    CHECK(found[0].baseline == 100 && found[0].ratio == 200);
    check_event(&found[1], TT_EVENT_RISE, 40, DAYS - 1, DAYS - 1);
    CHECK(found[1].baseline == 100);
}

static void test_missing_days(void)
{
    double x[DAYS];
    tt_series_event found[MAX_FOUND];
    /* Data from day 21: day 28 has seven days of history (tested), day 27 six. */
    fill(x, 0, 21, NAN);
    fill(x, 21, DAYS, 1000);
    x[28] = 5000;
    CHECK_EQ_INT(detect(x, DAYS, 27, 0, found), 1);
    check_event(&found[0], TT_EVENT_BURST, 28, 28, 28);
    fill(x, 0, 22, NAN);
    CHECK_EQ_INT(detect(x, DAYS, 27, 0, found), 0);
    /* A day without data ends a run of burst days. */
    fill(x, 0, DAYS, 1000);
    x[40] = x[42] = 5000;
    x[41] = NAN;
    CHECK_EQ_INT(detect(x, DAYS, FIRST, 0, found), 2);
    check_event(&found[0], TT_EVENT_BURST, 40, 40, 40);
    check_event(&found[1], TT_EVENT_BURST, 42, 42, 42);
    /* Too long a series is refused. */
    size_t count;
    tt_event_options opt;
    tt_event_options_default(&opt);
    CHECK(tt_event_series_detect(x, 100000, FIRST, 0, &opt, found, MAX_FOUND, &count) == TT_ERR_USAGE);
}

/* ---- A small store ----------------------------------------------------- */

#define DAY0 16709 /* 2015-10-01 */
#define STORE_DAYS 42

typedef struct rows {
    tt_detail_row *v;
    size_t n, cap;
} rows;

static void add_row(rows *r, const char *src, const char *cc, uint8_t proto, int32_t port, uint8_t kind,
                    uint8_t os, uint32_t packets, int64_t hour)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (r->v == NULL)
            abort();
    }
    tt_detail_row *row = &r->v[r->n++];
    memset(row, 0, sizeof *row);
    CHECK(tt_addr_parse(src, &row->src));
    row->service = tt_service_make(proto, port, -1);
    row->cc = tt_cc_make(cc);
    row->kind = kind;
    row->os = os;
    row->packets = packets;
    row->bytes = 60ull * packets;
    row->first = (uint32_t)(hour * 3600 + 10);
    row->last = (uint32_t)(hour * 3600 + 3000);
}

static int row_cmp(const void *a, const void *b)
{
    return tt_detail_row_cmp(a, b);
}

static void put(tt_store *store, int64_t hour, int32_t sensor, rows *r)
{
    if (r->n == 0)
        return;
    qsort(r->v, r->n, sizeof *r->v, row_cmp);
    CHECK(store->ops->put_hour(store, hour, sensor, r->v, r->n) == TT_OK);
    r->n = 0;
}

/* Per day: background on 23/tcp (20 sources in CN, US, DE, BR; 1000 packets
 * to sensor a, 100 to b), 8080/tcp (2000 to a, 100 to b); events: 5555/tcp
 * from one KR host on days 35-36 (1500 a day, to sensor a) after it sent a
 * little to 102/tcp and 502/tcp on days 5 and 8; 53413/udp from 40 CN hosts
 * on day 38 (4000, both sensors); 8080/tcp to sensor b only on day 37
 * (+1100: a burst in region US, not in the total). */
static void build_store(tt_store *store, int32_t a, int32_t b)
{
    static const char *ccs[] = {"CN", "US", "DE", "BR"};
    rows ra = {0}, rb = {0};
    CHECK(store->ops->begin(store) == TT_OK);
    for (int day = 0; day < STORE_DAYS; day++) {
        int64_t hour = (int64_t)(DAY0 + day) * 24 + 12;
        char src[32];
        for (int i = 0; i < 20; i++) {
            snprintf(src, sizeof src, "10.0.%d.%d", i, 1 + day % 3);
            add_row(&ra, src, ccs[i % 4], 6, 23, TT_KIND_MIRAI, TT_OS_EMBEDDED, 50, hour);
            add_row(&rb, src, ccs[i % 4], 6, 23, TT_KIND_MIRAI, TT_OS_EMBEDDED, 5, hour);
            add_row(&ra, src, ccs[i % 4], 6, 8080, TT_KIND_OTHER, TT_OS_LINUX, 100, hour);
            add_row(&rb, src, ccs[i % 4], 6, 8080, TT_KIND_OTHER, TT_OS_LINUX, day == 37 ? 60 : 5, hour);
        }
        if (day == 5 || day == 8) {
            add_row(&ra, "203.0.113.9", "KR", 6, 102, TT_KIND_MASSCAN, TT_OS_LINUX, 30, hour);
            add_row(&ra, "203.0.113.9", "KR", 6, 502, TT_KIND_MASSCAN, TT_OS_LINUX, 20, hour);
        }
        if (day == 35 || day == 36)
            add_row(&ra, "203.0.113.9", "KR", 6, 5555, TT_KIND_MASSCAN, TT_OS_LINUX, 1500, hour);
        if (day == 38) {
            for (int i = 0; i < 40; i++) {
                snprintf(src, sizeof src, "192.0.2.%d", 10 + i);
                add_row(i % 2 ? &ra : &rb, src, "CN", 17, 53413, TT_KIND_OTHER, TT_OS_UNKNOWN, 100, hour);
            }
        }
        put(store, hour, a, &ra);
        put(store, hour, b, &rb);
    }
    /* Whole days: the first hour of the first day and the last of the last. */
    add_row(&ra, "10.9.9.9", "CN", 6, 23, TT_KIND_MIRAI, TT_OS_UNKNOWN, 1, (int64_t)DAY0 * 24);
    put(store, (int64_t)DAY0 * 24, a, &ra);
    add_row(&ra, "10.9.9.9", "CN", 6, 23, TT_KIND_MIRAI, TT_OS_UNKNOWN, 1,
            (int64_t)(DAY0 + STORE_DAYS) * 24 - 1);
    put(store, (int64_t)(DAY0 + STORE_DAYS) * 24 - 1, a, &ra);
    CHECK(store->ops->commit(store) == TT_OK);
    free(ra.v);
    free(rb.v);
}

static const tt_event *find_event(const tt_event_list *list, tt_event_kind kind, const char *subject,
                                  const char *region)
{
    for (size_t i = 0; i < list->n; i++) {
        const tt_event *e = &list->events[i];
        char text[32];
        if (e->by_country)
            snprintf(text, sizeof text, "%s", e->cc);
        else
            tt_query_port_text(e->proto, e->port, text, sizeof text);
        if (e->kind == kind && strcmp(text, subject) == 0 && strcmp(e->region, region) == 0)
            return e;
    }
    return NULL;
}

static void test_store(void)
{
    char dir[] = "/tmp/test_events.XXXXXX", path[64], err[256];
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        CHECK(0);
        return;
    }
    snprintf(path, sizeof path, "%s/t.db", dir);
    tt_store *store = NULL;
    tt_kb *kb = NULL;
    CHECK(tt_store_open(path, true, &store, err, sizeof err) == TT_OK);
    CHECK(tt_kb_builtin(&kb, err, sizeof err) == TT_OK);
    CHECK(tt_period_set_zone("UTC", err, sizeof err) == TT_OK);
    if (store == NULL)
        return;
    tt_sensor_info sa = {.name = "tokyo", .region = "JP"}, sb = {.name = "ashburn", .region = "US"};
    int32_t a = -1, b = -1;
    CHECK(store->ops->sensor_upsert(store, &sa, &a) == TT_OK);
    CHECK(store->ops->sensor_upsert(store, &sb, &b) == TT_OK);
    build_store(store, a, b);

    tt_query q;
    memset(&q, 0, sizeof q);
    q.store = store;
    q.kb = kb;
    q.limit = SIZE_MAX;
    CHECK(store->ops->sensors(store, &q.sensors, &q.nsensors) == TT_OK);
    CHECK(tt_period_make(DAY0 + 28, DAY0 + STORE_DAYS - 1, &q.period, err, sizeof err) == TT_OK);
    q.filter.hour_from = q.period.hour_from;
    q.filter.hour_to = q.period.hour_to;

    tt_event_options opt;
    tt_event_options_default(&opt);
    tt_event_list list;
    CHECK(tt_detect_events(&q, &opt, &list, err, sizeof err) == TT_OK);
    for (size_t i = 0; list.n != 5 && i < list.n; i++)
        fprintf(stderr, "  event %s %s%s %d..%d\n", tt_event_kind_name(list.events[i].kind),
                list.events[i].cc, list.events[i].by_country ? " (country)" : "", list.events[i].start - DAY0,
                list.events[i].end - DAY0);
    /* burst 5555/tcp, rank jumps 5555/tcp and 53413/udp, burst 53413/udp, burst CN */
    CHECK_EQ_INT(list.n, 5);

    const tt_event *e = find_event(&list, TT_EVENT_BURST, "5555/tcp", "");
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(e->start, DAY0 + 35);
        CHECK_EQ_INT(e->end, DAY0 + 36);
        CHECK_EQ_INT(e->packets, 3000);
        CHECK(e->single_source);
        CHECK_EQ_INT(e->ntop_sources, 1);
        CHECK_EQ_STR(e->top_sources[0].key, "203.0.113.9");
        CHECK(e->top_sources[0].share == 1.0);
        CHECK_EQ_STR(e->cc, "KR");
        CHECK_EQ_INT(e->sources_before, 0);
        CHECK_EQ_INT(e->sources_during, 1);
        CHECK_EQ_STR(e->sensors, "tokyo");
        CHECK_EQ_INT(e->ntools, 1);
        CHECK_EQ_STR(e->tools[0].key, "masscan");
        CHECK_EQ_INT(e->nos, 1);
        CHECK_EQ_STR(e->os[0].key, tt_os_class_name(TT_OS_LINUX));
        CHECK_EQ_INT(e->nhistory, 2);
        CHECK_EQ_STR(e->history[0].key, "102/tcp");
        CHECK(fabs(e->history[0].share - 0.6) < 1e-9);
        CHECK_EQ_STR(e->history[1].key, "502/tcp");
        CHECK_EQ_STR(e->history_summary, "earlier scanned 102/tcp, 502/tcp: ics ports");
        CHECK(strncmp(e->kb, "iot: ", 5) == 0);
    }
    e = find_event(&list, TT_EVENT_BURST, "53413/udp", "");
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(e->start, DAY0 + 38);
        CHECK_EQ_INT(e->end, DAY0 + 38);
        CHECK_EQ_INT(e->packets, 4000);
        CHECK(!e->single_source);
        CHECK_EQ_STR(e->top_countries[0].key, "CN");
        CHECK(e->top_countries[0].share == 1.0);
        CHECK_EQ_INT(e->sources_during, 40);
        CHECK_EQ_STR(e->sensors, "all");
        CHECK_EQ_INT(e->nos, 0);
        CHECK_EQ_INT(e->nhistory, 0);
        CHECK(strncmp(e->kb, "iot: Netis", 10) == 0);
    }
    /* CN: 40 new hosts; KR is one host (its port event tells it): dropped. */
    e = find_event(&list, TT_EVENT_BURST, "CN", "");
    CHECK(e != NULL);
    if (e) {
        CHECK(e->by_country);
        CHECK_EQ_STR(e->top_ports[0].key, "53413/udp");
        CHECK_EQ_INT(e->sources_during, 45);
        CHECK_EQ_INT(e->sources_before, 5);
    }
    CHECK(find_event(&list, TT_EVENT_BURST, "KR", "") == NULL);
    CHECK(find_event(&list, TT_EVENT_RANK_JUMP, "KR", "") == NULL);
    e = find_event(&list, TT_EVENT_RANK_JUMP, "53413/udp", "");
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(e->rank, 3);
        CHECK_EQ_INT(e->prev_rank, 0);
        CHECK_EQ_INT(e->start, DAY0 + 28);
        CHECK_EQ_INT(e->end, DAY0 + STORE_DAYS - 1);
        CHECK_EQ_INT(e->peak, DAY0 + 38);
    }
    CHECK(find_event(&list, TT_EVENT_RANK_JUMP, "5555/tcp", "") != NULL);

    /* Output: one JSON object per event with the documented keys. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK(out != NULL);
    if (out) {
        CHECK(tt_events_print(&list, TT_FORMAT_JSON, out) == TT_OK);
        fclose(out);
        CHECK(text[0] == '[');
        CHECK(strstr(text, "\"history_summary\": \"earlier scanned 102/tcp, 502/tcp: ics ports\"") != NULL);
        CHECK(strstr(text,
                     "\"top_sources\": [{\"ip\": \"203.0.113.9\", \"share\": 1.0000, \"packets\": 3000}]") !=
              NULL);
        CHECK(strstr(text, "\"kind\": \"rank_jump\"") != NULL);
        free(text);
    }
    tt_event_list_free(&list);

    /* By region: the 8080/tcp burst seen only by the US sensor; the others
     * are the all-sensor events again and not repeated. */
    opt.by_region = true;
    CHECK(tt_detect_events(&q, &opt, &list, err, sizeof err) == TT_OK);
    CHECK_EQ_INT(list.n, 6);
    e = find_event(&list, TT_EVENT_BURST, "8080/tcp", "US");
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(e->start, DAY0 + 37);
        CHECK_EQ_INT(e->packets, 1200);
        CHECK_EQ_STR(e->sensors, "all");
    }
    CHECK(find_event(&list, TT_EVENT_BURST, "8080/tcp", "") == NULL);
    tt_event_list_free(&list);

    /* Only the US sensor: the KR host's port was never seen there. */
    uint8_t set[TT_LIMIT_SENSORS / 8] = {0};
    set[b / 8] |= (uint8_t)(1u << (b % 8));
    q.filter.sensor_set = set;
    q.filter.sensor_set_size = TT_LIMIT_SENSORS;
    opt.by_region = false;
    CHECK(tt_detect_events(&q, &opt, &list, err, sizeof err) == TT_OK);
    CHECK(find_event(&list, TT_EVENT_BURST, "5555/tcp", "") == NULL);
    CHECK(find_event(&list, TT_EVENT_BURST, "8080/tcp", "") != NULL);
    tt_event_list_free(&list);

    /* An empty period of an empty store: no events, no error. */
    q.no_data = true;
    CHECK(tt_detect_events(&q, &opt, &list, err, sizeof err) == TT_OK);
    CHECK_EQ_INT(list.n, 0);
    tt_event_list_free(&list);

    free(q.sensors);
    tt_kb_free(kb);
    tt_store_close(store);
    char wal[80];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int main(void)
{
    test_flat();
    test_spike();
    test_step();
    test_ramp();
    test_noise();
    test_burst_then_rise();
    test_missing_days();
    test_store();
    return check_report("test_events");
}
