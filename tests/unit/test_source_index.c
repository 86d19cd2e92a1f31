/* Source index: builder, merge with a stored day, unions, damaged blobs. */
#include "check.h"
#include "test_rng.h"

#include "store/source_index.h"

static test_rng rng = {777};
static uint32_t rnd(void) { return test_rng_u32(&rng); }

typedef struct pair {
    uint32_t key;
    tt_addr addr;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return tt_addr_cmp(&x->addr, &y->addr);
}

static int row_cmp(const void *a, const void *b) { return tt_detail_row_cmp(a, b); }

/* Rows of one sensor-hour, sorted and unique like put_hour's. */
static size_t make_rows(tt_detail_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tt_detail_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        if (rnd() % 20 == 0) {
            r->src.bytes[0] = 0x20;
            r->src.bytes[15] = (uint8_t)(rnd() % 50);
        } else if (rnd() % 3 == 0) {
            tt_addr_from_v4(&r->src, 0x0a000000u + rnd() % 6000); /* dense: Roaring wins */
        } else {
            tt_addr_from_v4(&r->src, rnd() % 3000 * 1400017u); /* spread over the space */
        }
        static const uint8_t protos[] = {6, 17, 1, 58};
        int32_t ports[] = {23, 445, 80, -1, (int32_t)(rnd() % 65536)};
        r->service = tt_service_make(protos[rnd() % 4], ports[rnd() % 5], (int32_t)(rnd() % 4));
        r->cc = tt_cc_make(rnd() % 2 ? "CN" : "US");
        r->kind = (uint8_t)(rnd() % 3 ? rnd() % 3 : 7 + rnd() % 3); /* some backscatter (7-9) */
        r->os = (uint8_t)(rnd() % 3 == 0 ? rnd() % 9 : 0);
        r->packets = 1;
    }
    qsort(rows, n, sizeof *rows, row_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || tt_detail_row_cmp(&rows[k - 1], &rows[i]) != 0)
            rows[k++] = rows[i];
    return k;
}

/* The pairs a row contributes, by the index's definition. */
static size_t truth_pairs(const tt_detail_row *r, pair *out)
{
    size_t n = 0;
    out[n++] = (pair){tt_srckey(TT_SRCKEY_CC, 0, r->cc), r->src};
    if (r->os > 0)
        out[n++] = (pair){tt_srckey(TT_SRCKEY_CC_OS, r->os, r->cc), r->src};
    if (tt_service_port(r->service) >= 0) {
        uint32_t port = tt_srckey_port_value(r->service);
        out[n++] = (pair){tt_srckey(r->kind >= 7 ? TT_SRCKEY_PORT_BS : TT_SRCKEY_PORT, 0, port), r->src};
        if (r->os > 0)
            out[n++] = (pair){tt_srckey(TT_SRCKEY_PORT_OS, r->os, port), r->src};
    }
    return n;
}

typedef struct walk_ctx {
    pair *got;
    size_t n, cap;
} walk_ctx;

static tt_status collect(void *ctx, uint32_t key, const tt_addr *src)
{
    walk_ctx *w = ctx;
    if (w->n == w->cap)
        return TT_ERR_NOMEM;
    w->got[w->n++] = (pair){key, *src};
    return TT_OK;
}

static size_t unique_pairs(pair *p, size_t n)
{
    qsort(p, n, sizeof *p, pair_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || pair_cmp(&p[k - 1], &p[i]) != 0)
            p[k++] = p[i];
    return k;
}

int main(void)
{
    enum { ROWS = 6000, HOURS = 4 };
    tt_detail_row *rows = calloc(ROWS, sizeof *rows);
    pair *truth = calloc((size_t)ROWS * HOURS * 4, sizeof *truth);
    walk_ctx w = {calloc((size_t)ROWS * HOURS * 4, sizeof(pair)), 0, (size_t)ROWS * HOURS * 4};
    size_t ntruth = 0;
    tt_srcidx_builder *b;
    CHECK(tt_srcidx_builder_new(&b) == TT_OK);
    tt_buf stored, merged;
    tt_buf_init(&stored, 0);
    tt_buf_init(&merged, 0);

    /* Hours 0-1 of day 20000 stored first; hours 2-3 merged into it later,
     * hour 3 repeating hour 2's rows (a re-fold must change nothing). */
    size_t n = 0;
    for (int h = 0; h < HOURS; h++) {
        if (h != 3)
            n = make_rows(rows, ROWS);
        for (size_t i = 0; i < n; i++)
            ntruth += truth_pairs(&rows[i], truth + ntruth);
        CHECK(tt_srcidx_builder_add(b, 20000 * 24 + h, 7, rows, n) == TT_OK);
        /* A row of another sensor-day, kept apart. */
        CHECK(tt_srcidx_builder_add(b, 20001 * 24, 8, rows, 1) == TT_OK);
        if (h == 1) {
            /* Two sensor-days, each also in its day of all sensors. */
            CHECK_EQ_INT(tt_srcidx_builder_days(b), 4);
            int64_t day;
            int32_t sensor;
            tt_srcidx_builder_day(b, 0, &day, &sensor);
            CHECK_EQ_INT(day, 20000);
            CHECK_EQ_INT(sensor, 7);
            tt_srcidx_builder_day(b, 1, &day, &sensor);
            CHECK_EQ_INT(day, 20000);
            CHECK_EQ_INT(sensor, TT_SRCIDX_ALL);
            CHECK(tt_srcidx_builder_encode(b, 0, NULL, 0, &stored) == TT_OK);
            /* Only sensor 7 sent on day 20000: its day of all sensors holds the same sets. */
            tt_buf all;
            tt_buf_init(&all, 0);
            CHECK(tt_srcidx_builder_encode(b, 1, NULL, 0, &all) == TT_OK);
            CHECK(all.len == stored.len && memcmp(all.data, stored.data, all.len) == 0);
            tt_buf_free(&all);
            tt_srcidx_builder_clear(b);
            CHECK_EQ_INT(tt_srcidx_builder_pairs(b), 0);
        }
    }
    CHECK(tt_srcidx_builder_encode(b, 0, stored.data, stored.len, &merged) == TT_OK);
    ntruth = unique_pairs(truth, ntruth);

    tt_srcidx_blob blob;
    CHECK(tt_srcidx_open(merged.data, merged.len, &blob) == TT_OK);
    CHECK(tt_srcidx_walk(&blob, collect, &w) == TT_OK);
    CHECK_EQ_INT(w.n, ntruth);
    size_t same = 0;
    for (size_t i = 0; i < w.n && i < ntruth; i++)
        same += pair_cmp(&w.got[i], &truth[i]) == 0;
    CHECK_EQ_INT(same, ntruth);

    /* A dense set (a /19 swept by one scanner) is stored as a Roaring bitmap:
     * well under one byte a source, and it decodes back exactly. */
    {
        tt_srcidx_builder *dense;
        CHECK(tt_srcidx_builder_new(&dense) == TT_OK);
        tt_detail_row *sweep = calloc(8192, sizeof *sweep);
        for (uint32_t i = 0; i < 8192; i++) {
            tt_addr_from_v4(&sweep[i].src, 0xc6336000u + i);
            sweep[i].service = tt_service_make(6, 23, -1);
            sweep[i].cc = tt_cc_make("NL");
        }
        tt_buf out;
        tt_buf_init(&out, 0);
        CHECK(tt_srcidx_builder_add(dense, 100, 1, sweep, 8192) == TT_OK);
        CHECK(tt_srcidx_builder_encode(dense, 0, NULL, 0, &out) == TT_OK);
        CHECK(out.len < 200);
        tt_srcidx_blob d;
        walk_ctx dw = {calloc(16384, sizeof(pair)), 0, 16384};
        CHECK(tt_srcidx_open(out.data, out.len, &d) == TT_OK);
        CHECK(tt_srcidx_walk(&d, collect, &dw) == TT_OK);
        CHECK_EQ_INT(dw.n, 16384); /* 8192 sources x (port, country) */
        CHECK_EQ_INT(tt_addr_v4(&dw.got[8191].addr), 0xc6336000u + 8191);
        free(dw.got);
        free(sweep);
        tt_buf_free(&out);
        tt_srcidx_builder_free(dense);
    }

    /* Three sensors on one day, sharing some sources (IPv4 and IPv6): the
     * day of all sensors holds exactly the union of their sets, whichever
     * part is encoded first, and each sensor's own sets stay its own. */
    {
        tt_srcidx_builder *multi;
        CHECK(tt_srcidx_builder_new(&multi) == TT_OK);
        enum { PER = 3000 };
        tt_detail_row *srows = calloc(PER, sizeof *srows);
        pair *union_truth = calloc((size_t)PER * 3 * 4, sizeof *union_truth);
        pair *own_truth = calloc((size_t)PER * 4, sizeof *own_truth);
        size_t nunion = 0, nown = 0;
        for (int32_t sensor = 1; sensor <= 3; sensor++) {
            size_t sn = make_rows(srows, PER); /* small address pools: sensors overlap */
            for (size_t i = 0; i < sn; i++) {
                size_t got = truth_pairs(&srows[i], union_truth + nunion);
                if (sensor == 2) {
                    memcpy(own_truth + nown, union_truth + nunion, got * sizeof *own_truth);
                    nown += got;
                }
                nunion += got;
            }
            CHECK(tt_srcidx_builder_add(multi, 30000 * 24 + sensor, sensor, srows, sn) == TT_OK);
        }
        CHECK(tt_srcidx_builder_add(multi, 30000 * 24, TT_SRCIDX_ALL, srows, 1) == TT_ERR_USAGE);
        nunion = unique_pairs(union_truth, nunion);
        nown = unique_pairs(own_truth, nown);
        CHECK_EQ_INT(tt_srcidx_builder_days(multi), 4);
        size_t all_at = 4, two_at = 4;
        for (size_t i = 0; i < 4; i++) {
            int64_t day;
            int32_t sensor;
            tt_srcidx_builder_day(multi, i, &day, &sensor);
            CHECK_EQ_INT(day, 30000);
            if (sensor == TT_SRCIDX_ALL)
                all_at = i;
            if (sensor == 2)
                two_at = i;
        }
        CHECK(all_at < 4 && two_at < 4);
        walk_ctx mw = {calloc(nunion + 1, sizeof(pair)), 0, nunion + 1};
        tt_buf out;
        tt_buf_init(&out, 0);
        tt_srcidx_blob m;
        CHECK(tt_srcidx_builder_encode(multi, all_at, NULL, 0, &out) == TT_OK);
        CHECK(tt_srcidx_open(out.data, out.len, &m) == TT_OK);
        CHECK(tt_srcidx_walk(&m, collect, &mw) == TT_OK);
        CHECK_EQ_INT(mw.n, nunion);
        size_t same_union = 0;
        for (size_t i = 0; i < mw.n && i < nunion; i++)
            same_union += pair_cmp(&mw.got[i], &union_truth[i]) == 0;
        CHECK_EQ_INT(same_union, nunion);
        CHECK(nunion > nown); /* the union is more than one sensor */
        mw.n = 0;
        CHECK(tt_srcidx_builder_encode(multi, two_at, NULL, 0, &out) == TT_OK);
        CHECK(tt_srcidx_open(out.data, out.len, &m) == TT_OK);
        CHECK(tt_srcidx_walk(&m, collect, &mw) == TT_OK);
        CHECK_EQ_INT(mw.n, nown);
        size_t same_own = 0;
        for (size_t i = 0; i < mw.n && i < nown; i++)
            same_own += pair_cmp(&mw.got[i], &own_truth[i]) == 0;
        CHECK_EQ_INT(same_own, nown);
        free(mw.got);
        free(own_truth);
        free(union_truth);
        free(srows);
        tt_buf_free(&out);
        tt_srcidx_builder_free(multi);
    }

    /* Unions: a key's count over the blob (twice: idempotent) and single adds. */
    uint32_t key = tt_srckey(TT_SRCKEY_CC, 0, tt_cc_make("CN"));
    size_t expect = 0;
    for (size_t i = 0; i < ntruth; i++)
        expect += truth[i].key == key;
    tt_source_union u;
    CHECK(tt_source_union_init(&u) == TT_OK);
    CHECK(tt_source_union_add_key(&u, &blob, key) == TT_OK);
    CHECK(tt_source_union_add_key(&u, &blob, key) == TT_OK);
    CHECK(tt_source_union_add_key(&u, &blob, tt_srckey(TT_SRCKEY_CC, 0, tt_cc_make("JP"))) == TT_OK);
    uint64_t count = 0;
    CHECK(tt_source_union_count(&u, &count) == TT_OK);
    CHECK_EQ_INT(count, expect);
    tt_addr extra;
    tt_addr_from_v4(&extra, 0xc0000201u);
    CHECK(tt_source_union_add(&u, &extra) == TT_OK);
    CHECK(tt_source_union_add(&u, &extra) == TT_OK);
    CHECK(tt_source_union_count(&u, &count) == TT_OK);
    CHECK_EQ_INT(count, expect + 1);
    tt_source_union_free(&u);

    /* Damage: every truncation and a flipped byte anywhere is rejected or
     * still decodes, never read out of bounds (ASan checks the latter). */
    for (size_t cut = 0; cut < merged.len; cut += 1 + cut / 8) {
        tt_srcidx_blob bad;
        if (tt_srcidx_open(merged.data, cut, &bad) == TT_OK) {
            w.n = 0;
            tt_status st = tt_srcidx_walk(&bad, collect, &w);
            CHECK(st == TT_OK || st == TT_ERR_FORMAT);
        }
    }
    CHECK(tt_srcidx_open(merged.data, 4, &blob) == TT_ERR_FORMAT);
    for (size_t at = 0; at < merged.len; at += 1 + at / 16) {
        merged.data[at] ^= 0x5a;
        tt_srcidx_blob bad;
        if (tt_srcidx_open(merged.data, merged.len, &bad) == TT_OK) {
            w.n = 0;
            tt_status st = tt_srcidx_walk(&bad, collect, &w);
            CHECK(st == TT_OK || st == TT_ERR_FORMAT);
        }
        merged.data[at] ^= 0x5a;
    }
    /* A damaged stored day fails the merge instead of being overwritten. */
    tt_srcidx_builder_clear(b);
    CHECK(tt_srcidx_builder_add(b, 20000 * 24, 7, rows, 10) == TT_OK);
    CHECK(tt_srcidx_builder_encode(b, 0, (const uint8_t *)"TSX1\xff\xff\xff\xff", 8, &stored) == TT_ERR_FORMAT);

    tt_srcidx_builder_free(b);
    tt_buf_free(&stored);
    tt_buf_free(&merged);
    free(rows);
    free(truth);
    free(w.got);
    return check_report("test_source_index");
}
