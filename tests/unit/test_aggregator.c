/* Aggregator: every packet counted exactly once into its sensor-hour row,
 * whatever the flushes in between, and the entry bound refusing a packet
 * without losing or half-counting anything. */
#include "check.h"
#include "test_rng.h"

#include "aggregate/aggregator.h"

static test_rng rng = {4242};
static uint32_t rnd(void) { return test_rng_u32(&rng); }

typedef struct packet {
    int64_t ts;
    int32_t sensor;
    tt_addr src;
    tt_service service;
    uint8_t kind, os;
    uint32_t bytes;
} packet;

/* A row of the truth or of the output, in one comparable form. */
typedef struct total {
    int64_t hour;
    int32_t sensor;
    tt_addr src;
    uint32_t key;
    uint64_t packets, bytes;
    uint32_t first, last;
    uint8_t os;
} total;

static int total_cmp(const void *a, const void *b)
{
    const total *x = a, *y = b;
    if (x->hour != y->hour)
        return x->hour < y->hour ? -1 : 1;
    if (x->sensor != y->sensor)
        return x->sensor < y->sensor ? -1 : 1;
    int c = tt_addr_cmp(&x->src, &y->src);
    if (c)
        return c;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* Rows of the same key (split by flushes) added up, in key order. */
static size_t merge_totals(total *t, size_t n)
{
    qsort(t, n, sizeof *t, total_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && total_cmp(&t[k - 1], &t[i]) == 0) {
            total *m = &t[k - 1];
            m->packets += t[i].packets;
            m->bytes += t[i].bytes;
            if (t[i].first < m->first)
                m->first = t[i].first;
            if (t[i].last > m->last)
                m->last = t[i].last;
            if (m->os == 0)
                m->os = t[i].os;
        } else {
            t[k++] = t[i];
        }
    }
    return k;
}

typedef struct sink {
    total *rows;
    size_t n, cap;
    int sorted_bins; /* bins whose rows arrived sorted */
    int bins;
} sink;

static tt_status collect(void *ctx, int64_t hour, int32_t sensor, tt_detail_row *rows, size_t n)
{
    sink *s = ctx;
    s->bins++;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && tt_detail_row_cmp(&rows[i - 1], &rows[i]) >= 0)
            sorted = 0;
        if (s->n == s->cap)
            return TT_ERR_NOMEM;
        s->rows[s->n++] = (total){hour, sensor, rows[i].src, tt_detail_key(&rows[i]), rows[i].packets,
                                  rows[i].bytes, rows[i].first, rows[i].last, rows[i].os};
    }
    s->sorted_bins += sorted;
    return TT_OK;
}

static void make_packets(packet *p, size_t n)
{
    int64_t start = 1443657600; /* 2015-10-01 00:00 UTC */
    for (size_t i = 0; i < n; i++) {
        /* Mostly in time order, a few minutes of disorder, 6 hours in all. */
        int64_t ts = start + (int64_t)(i * 6 * 3600 / n) - (int64_t)(rnd() % 300);
        p[i].ts = ts < start ? start : ts;
        p[i].sensor = (int32_t)(rnd() % 3);
        if (rnd() % 10 == 0) {
            memset(&p[i].src, 0, sizeof p[i].src);
            p[i].src.bytes[0] = 0x20;
            p[i].src.bytes[15] = (uint8_t)(rnd() % 40);
        } else {
            tt_addr_from_v4(&p[i].src, 0x0a000000u + rnd() % 5000);
        }
        static const int32_t ports[] = {23, 445, 22, 80, 3389};
        p[i].service = tt_service_make(rnd() % 4 ? 6 : 17, ports[rnd() % 5], -1);
        p[i].kind = (uint8_t)(rnd() % 3);
        p[i].os = (uint8_t)(rnd() % 5 == 0 ? 1 + rnd() % 8 : 0);
        p[i].bytes = 40 + rnd() % 100;
    }
}

static size_t truth_of(const packet *p, size_t n, total *t)
{
    for (size_t i = 0; i < n; i++) {
        int64_t hour = p[i].ts / 3600;
        t[i] = (total){hour, p[i].sensor, p[i].src, p[i].service << 4 | p[i].kind, 1, p[i].bytes,
                       (uint32_t)p[i].ts, (uint32_t)p[i].ts, p[i].os};
    }
    return merge_totals(t, n);
}

static void check_same(total *got, size_t ngot, const total *want, size_t nwant)
{
    ngot = merge_totals(got, ngot);
    CHECK_EQ_INT(ngot, nwant);
    size_t same = 0;
    for (size_t i = 0; i < ngot && i < nwant; i++)
        same += total_cmp(&got[i], &want[i]) == 0 && got[i].packets == want[i].packets &&
                got[i].bytes == want[i].bytes && got[i].first == want[i].first && got[i].last == want[i].last;
    CHECK_EQ_INT(same, nwant);
}

int main(void)
{
    enum { N = 200000 };
    packet *p = calloc(N, sizeof *p);
    total *truth = calloc(N, sizeof *truth);
    make_packets(p, N);
    size_t ntruth = truth_of(p, N, truth);

    /* Hourly flushes of the hours before the newest packet's hour but one. */
    sink out = {calloc(N, sizeof(total)), 0, N, 0, 0};
    tt_agg *agg = tt_agg_new((size_t)1 << 20);
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < N; i++) {
        CHECK(tt_agg_add(agg, p[i].ts, p[i].sensor, &p[i].src, p[i].service, p[i].kind, p[i].os, 64,
                         p[i].bytes) == TT_OK);
        if (p[i].ts > newest)
            newest = p[i].ts;
        if (i % 5000 == 4999 && tt_agg_newest(agg) != INT64_MIN)
            CHECK(tt_agg_flush(agg, tt_agg_hour_of(tt_agg_newest(agg)) - 1, collect, &out) == TT_OK);
    }
    CHECK(tt_agg_newest(agg) == newest);
    CHECK(tt_agg_flush(agg, INT64_MAX, collect, &out) == TT_OK);
    CHECK_EQ_INT(tt_agg_entries(agg), 0);
    CHECK(tt_agg_newest(agg) == INT64_MIN); /* empty again */
    CHECK(tt_agg_hour_of(-1) == -1 && tt_agg_hour_of(3599) == 0 && tt_agg_hour_of(-3600) == -1);
    CHECK_EQ_INT(out.sorted_bins, out.bins);
    check_same(out.rows, out.n, truth, ntruth);
    tt_agg_free(agg);

    /* A bound of 1000 entries: the refused packet is not counted (nothing
     * pending is lost either); after a flush it is added again. */
    out.n = 0;
    agg = tt_agg_new(1000);
    size_t refusals = 0;
    for (size_t i = 0; i < N; i++) {
        tt_status st = tt_agg_add(agg, p[i].ts, p[i].sensor, &p[i].src, p[i].service, p[i].kind, p[i].os, 64,
                                  p[i].bytes);
        if (st == TT_ERR_NOMEM) {
            refusals++;
            CHECK_EQ_INT(tt_agg_entries(agg), 1000);
            CHECK(tt_agg_flush(agg, INT64_MAX, collect, &out) == TT_OK);
            st = tt_agg_add(agg, p[i].ts, p[i].sensor, &p[i].src, p[i].service, p[i].kind, p[i].os, 64,
                            p[i].bytes);
        }
        CHECK(st == TT_OK);
        CHECK(tt_agg_entries(agg) <= 1000);
    }
    CHECK(tt_agg_flush(agg, INT64_MAX, collect, &out) == TT_OK);
    CHECK(refusals > 10);
    check_same(out.rows, out.n, truth, ntruth);
    tt_agg_free(agg);

    /* Batches detached and sorted by their taker (every other one, one of
     * them twice) emit the same rows, sorted, as batches emit sorts. */
    out.n = 0;
    out.bins = out.sorted_bins = 0;
    agg = tt_agg_new((size_t)1 << 20);
    int detached = 0;
    for (size_t i = 0; i < N; i++) {
        CHECK(tt_agg_add(agg, p[i].ts, p[i].sensor, &p[i].src, p[i].service, p[i].kind, p[i].os, 64,
                         p[i].bytes) == TT_OK);
        if (i % 5000 == 4999 || i == N - 1) {
            tt_agg_batch *batch = NULL;
            CHECK(tt_agg_detach(agg, i == N - 1 ? INT64_MAX : tt_agg_hour_of(tt_agg_newest(agg)) - 1, &batch) ==
                  TT_OK);
            if (batch == NULL)
                continue;
            if (detached++ % 2 == 0) {
                CHECK(tt_agg_batch_sort(batch) == TT_OK);
                CHECK(tt_agg_batch_sort(batch) == TT_OK);
            }
            CHECK(tt_agg_batch_emit(batch, collect, &out) == TT_OK);
            tt_agg_batch_free(batch);
        }
    }
    CHECK(detached >= 4);
    CHECK_EQ_INT(tt_agg_entries(agg), 0);
    CHECK_EQ_INT(out.sorted_bins, out.bins);
    check_same(out.rows, out.n, truth, ntruth);
    tt_agg_free(agg);

    free(out.rows);
    free(truth);
    free(p);
    return check_report("test_aggregator");
}
