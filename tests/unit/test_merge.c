/* Merging spooled pieces into one batch (ship/merge): the merged batch holds
 * exactly the pieces' packets, each key once (summed, TTL of its first piece,
 * the first OS hint given), their gaps, backscatter rows and counters, and
 * keeps sequence and times of its ends. Checked against a brute-force fold. */
#include "check.h"

#include "aggregate/aggregator.h"
#include "batch_fixture.h"
#include "ship/merge.h"

#define NPIECES 3

/* One key's expected row: rows of all pieces folded in piece order. */
typedef struct expected {
    tt_detail_row *rows;
    size_t n, cap;
} expected;

static void expect_add(expected *e, const tt_detail_row *r)
{
    for (size_t i = 0; i < e->n; i++) {
        tt_detail_row *a = &e->rows[i];
        if (tt_detail_row_cmp(a, r) != 0)
            continue;
        if (a->os == 0)
            a->os = r->os;
        a->packets += r->packets;
        a->bytes += r->bytes;
        if (r->first < a->first)
            a->first = r->first;
        if (r->last > a->last)
            a->last = r->last;
        return;
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 256;
        e->rows = realloc(e->rows, e->cap * sizeof *e->rows);
    }
    e->rows[e->n++] = *r;
}

/* Checks a merged section's rows against the expected ones, every field a
 * sensor ships (TTL and OS included). */
static void expect_rows(const tt_batch_section *sec, const tt_detail_row *want, size_t n)
{
    CHECK_EQ_INT(sec->nrows, n);
    size_t same = 0;
    for (size_t i = 0; i < n && i < sec->nrows; i++) {
        const tt_detail_row *a = &sec->rows[i], *b = &want[i];
        same += tt_detail_row_cmp(a, b) == 0 && a->packets == b->packets && a->bytes == b->bytes &&
                a->first == b->first && a->last == b->last && a->ttl == b->ttl && a->os == b->os;
    }
    CHECK_EQ_INT(same, n);
}

/* Merges pieces[0..n) and decodes the result into m (its rows kept). */
static void merge_decoded(const tt_batch *pieces, size_t n, tt_batch *m)
{
    tt_batch_builder builder;
    tt_batch_builder_init(&builder);
    tt_buf out;
    tt_buf_init(&out, 0);
    char err[512];
    memset(m, 0, sizeof *m);
    CHECK_EQ_INT(tt_batch_merge(pieces, n, &builder, &out, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_batch_decode_rows(out.data, out.len, m, err, sizeof err), TT_OK);
    tt_buf_free(&out);
    tt_batch_builder_free(&builder);
}

/* Piece p shares some keys with piece p-1 (other counts, times, TTL and OS). */
static void overlap(fixture_batch *prev, fixture_batch *f)
{
    for (size_t h = 0; h < f->nhours; h++) {
        size_t ph = 0;
        while (ph < prev->nhours && prev->hours[ph] != f->hours[h])
            ph++;
        if (ph == prev->nhours)
            continue;
        size_t n = f->nrows[h], add = prev->nrows[ph] / 3;
        tt_detail_row *rows = calloc(n + add, sizeof *rows);
        memcpy(rows, f->rows[h], n * sizeof *rows);
        for (size_t i = 0; i < add; i++) {
            tt_detail_row r = prev->rows[ph][3 * i];
            r.packets = 1 + (uint32_t)i % 7;
            r.bytes = r.packets * 60ull;
            r.ttl = (uint8_t)(r.ttl + 1);
            r.os = (uint8_t)(i % 3); /* 0 keeps the earlier hint, else the earlier one wins when it has one */
            int64_t base = f->hours[h] * 3600;
            r.first = (uint32_t)(base + (r.first - base + 7) % 3600);
            r.last = r.first;
            rows[n++] = r;
        }
        qsort(rows, n, sizeof *rows, fixture_row_cmp);
        size_t k = 0;
        f->packets = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || tt_detail_row_cmp(&rows[k - 1], &rows[i]) != 0)
                rows[k++] = rows[i];
        free(f->rows[h]);
        f->rows[h] = rows;
        f->nrows[h] = k;
    }
    f->packets = 0;
    for (size_t h = 0; h < f->nhours; h++)
        for (size_t i = 0; i < f->nrows[h]; i++)
            f->packets += f->rows[h][i].packets;
    f->header.frames = f->packets + 123;
}

static void test_merge_pieces(void)
{
    fixture_batch f[NPIECES];
    /* 10-minute pieces; the second crosses an hour; sequence numbers may skip */
    int64_t t0 = 1764115200 + 3600 - 900;
    fixture_make(&f[0], "jp-tokyo", 99, 4, t0, 600, 300, 1);
    fixture_make(&f[1], "jp-tokyo", 99, 5, t0 + 600, 600, 300, 2);
    fixture_make(&f[2], "jp-tokyo", 99, 7, t0 + 1200, 600, 300, 0);
    overlap(&f[0], &f[1]);
    overlap(&f[1], &f[2]);
    tt_buf bytes[NPIECES];
    tt_batch pieces[NPIECES];
    char err[512];
    uint64_t packets = 0, frames = 0;
    size_t ngaps = 0, nvictims = 0;
    expected hours[2] = {{0}};
    int64_t hour0 = t0 / 3600;
    for (int p = 0; p < NPIECES; p++) {
        tt_buf_init(&bytes[p], 0);
        CHECK_EQ_INT(fixture_build(&f[p], &bytes[p]), TT_OK);
        CHECK_EQ_INT(tt_batch_decode_rows(bytes[p].data, bytes[p].len, &pieces[p], err, sizeof err), TT_OK);
        packets += f[p].packets;
        frames += f[p].header.frames;
        ngaps += f[p].ngaps;
        nvictims += f[p].nvictims;
        for (size_t h = 0; h < f[p].nhours; h++)
            for (size_t i = 0; i < f[p].nrows[h]; i++)
                expect_add(&hours[f[p].hours[h] - hour0], &f[p].rows[h][i]);
    }
    CHECK(hours[0].n > 0 && hours[1].n > 0);
    size_t folded = 0;
    for (int p = 0; p < NPIECES; p++)
        for (size_t h = 0; h < f[p].nhours; h++)
            folded += f[p].nrows[h];
    CHECK(folded > hours[0].n + hours[1].n + 100); /* keys did repeat across pieces */

    tt_batch m;
    merge_decoded(pieces, NPIECES, &m);
    CHECK(strcmp(m.header.sensor, "jp-tokyo") == 0);
    CHECK_EQ_INT(m.header.epoch, 99);
    CHECK_EQ_INT(m.header.seq, 7);
    CHECK_EQ_INT(m.header.first_seq, 4); /* the collector sees 4..7 arrive, none missing */
    CHECK_EQ_INT(m.header.opened, t0);
    CHECK_EQ_INT(m.header.closed, t0 + 1800);
    CHECK_EQ_INT(m.header.packets, packets);
    CHECK_EQ_INT(m.header.frames, frames);
    for (int o = 0; o < TT_OUTCOME_COUNT; o++)
        CHECK_EQ_INT(m.header.outcomes[o], f[0].header.outcomes[o] + f[1].header.outcomes[o] + f[2].header.outcomes[o]);
    CHECK_EQ_INT(m.ngaps, ngaps);
    CHECK(m.ngaps == 3 && m.gaps[0].start == f[0].gaps[0].start && m.gaps[2].packets == f[1].gaps[1].packets);
    CHECK_EQ_INT(m.nvictims, nvictims);
    CHECK(m.victims[3].first == f[1].victims[0].first && m.victims[3].packets == f[1].victims[0].packets);
    CHECK_EQ_INT(m.nsections, 2);
    for (size_t h = 0; h < m.nsections && h < 2; h++) {
        CHECK_EQ_INT(m.sections[h].hour, hour0 + (int64_t)h);
        expected *e = &hours[h];
        qsort(e->rows, e->n, sizeof *e->rows, fixture_row_cmp);
        expect_rows(&m.sections[h], e->rows, e->n);
        free(e->rows);
    }
    tt_batch_free(&m);

    tt_batch_builder builder;
    tt_batch_builder_init(&builder);
    tt_buf out;
    tt_buf_init(&out, 0);
    /* one piece: the same batch again */
    CHECK_EQ_INT(tt_batch_merge(pieces, 1, &builder, &out, err, sizeof err), TT_OK);
    CHECK(out.len == bytes[0].len && memcmp(out.data, bytes[0].data, out.len) == 0);
    /* merged batches merge again (first_seq of the first) */
    tt_batch again[2];
    CHECK_EQ_INT(tt_batch_merge(pieces, 2, &builder, &out, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_batch_decode_rows(out.data, out.len, &again[0], err, sizeof err), TT_OK);
    again[1] = pieces[2];
    tt_buf out2;
    tt_buf_init(&out2, 0);
    CHECK_EQ_INT(tt_batch_merge(again, 2, &builder, &out2, err, sizeof err), TT_OK);
    tt_batch both;
    CHECK_EQ_INT(tt_batch_decode(out2.data, out2.len, &both, err, sizeof err), TT_OK);
    CHECK(both.header.first_seq == 4 && both.header.seq == 7 && both.header.packets == packets);
    tt_batch_free(&both);
    tt_batch_free(&again[0]);
    tt_buf_free(&out2);
    /* a piece overlapping the one before */
    again[0] = pieces[0];
    again[1] = pieces[1];
    again[1].header.first_seq = 4;
    CHECK_EQ_INT(tt_batch_merge(again, 2, &builder, &out, err, sizeof err), TT_ERR_USAGE);

    /* pieces that do not belong together */
    tt_batch swapped[2] = {pieces[1], pieces[0]};
    CHECK_EQ_INT(tt_batch_merge(swapped, 2, &builder, &out, err, sizeof err), TT_ERR_USAGE);
    CHECK(strstr(err, "does not follow") != NULL);
    snprintf(pieces[1].header.sensor, sizeof pieces[1].header.sensor, "jp-osaka");
    CHECK_EQ_INT(tt_batch_merge(pieces, 2, &builder, &out, err, sizeof err), TT_ERR_USAGE);
    CHECK_EQ_INT(tt_batch_merge(pieces, 0, &builder, &out, err, sizeof err), TT_ERR_USAGE);
    /* decoded without rows */
    tt_batch bare[2];
    CHECK_EQ_INT(tt_batch_decode(bytes[0].data, bytes[0].len, &bare[0], err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_batch_decode(bytes[1].data, bytes[1].len, &bare[1], err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_batch_merge(bare, 2, &builder, &out, err, sizeof err), TT_ERR_USAGE);
    tt_batch_free(&bare[0]);
    tt_batch_free(&bare[1]);

    for (int p = 0; p < NPIECES; p++) {
        tt_batch_free(&pieces[p]);
        tt_buf_free(&bytes[p]);
        fixture_free(&f[p]);
    }
    tt_buf_free(&out);
    tt_batch_builder_free(&builder);
}

/* The header alone decodes what a full decode gives, without the sections. */
static void test_decode_header(void)
{
    fixture_batch f;
    fixture_make(&f, "de-fra", 5, 12, 1764115200, 4000, 50, 2);
    tt_buf b;
    tt_buf_init(&b, 0);
    CHECK_EQ_INT(fixture_build(&f, &b), TT_OK);
    tt_batch h;
    char err[512];
    CHECK_EQ_INT(tt_batch_decode_header(b.data, b.len, &h, err, sizeof err), TT_OK);
    CHECK(h.header.seq == 12 && h.header.packets == f.packets && h.ngaps == 2 && h.nvictims == 3 &&
          h.nsections == 0 && h.sections == NULL);
    tt_batch_free(&h);
    CHECK_EQ_INT(tt_batch_decode_header(b.data, 4, &h, err, sizeof err), TT_ERR_FORMAT);
    CHECK(strstr(err, "offset 0") != NULL);
    tt_buf_free(&b);
    fixture_free(&f);
}

/* Packets counted by one aggregator, against the same packets counted in
 * consecutive pieces (one aggregator each, as a sensor closes batches) and
 * merged: the same rows, field for field (TTL and OS included). */
typedef struct packet {
    int64_t ts;
    tt_addr src;
    tt_service service;
    uint8_t kind, os, ttl;
    uint32_t bytes;
} packet;

typedef struct collected {
    int64_t hours[4];
    tt_detail_row *rows[4];
    size_t n[4], nhours;
} collected;

static tt_status collect_rows(void *ctx, int64_t hour, int32_t sensor, tt_detail_row *rows, size_t n)
{
    (void)sensor;
    collected *c = ctx;
    if (c->nhours == 4)
        return TT_ERR_USAGE;
    c->hours[c->nhours] = hour;
    c->rows[c->nhours] = malloc(n * sizeof *rows);
    memcpy(c->rows[c->nhours], rows, n * sizeof *rows);
    c->n[c->nhours++] = n;
    return TT_OK;
}

static tt_status add_hour(void *ctx, int64_t hour, int32_t sensor, tt_detail_row *rows, size_t n)
{
    (void)sensor;
    return tt_batch_builder_add_hour(ctx, hour, rows, n);
}

static void count(tt_agg *agg, const packet *p)
{
    CHECK_EQ_INT(tt_agg_add(agg, p->ts, 0, &p->src, p->service, p->kind, p->os, p->ttl, p->bytes), TT_OK);
}

static void test_merge_matches_aggregator(void)
{
    enum { NPACKETS = 20000, PIECES = 4 };
    packet *pk = calloc(NPACKETS, sizeof *pk);
    int64_t t0 = 1764115200 + 3000; /* the pieces cross an hour */
    for (size_t i = 0; i < NPACKETS; i++) {
        packet *p = &pk[i];
        p->ts = t0 + (int64_t)(i * 1200 / NPACKETS);
        if (fixture_rnd() % 7 == 0) {
            memset(p->src.bytes, 0, 16);
            p->src.bytes[0] = 0x20;
            p->src.bytes[1] = 0x01;
            p->src.bytes[15] = (uint8_t)(fixture_rnd() % 40);
        } else {
            tt_addr_from_v4(&p->src, 0xc6336400u + fixture_rnd() % 300);
        }
        p->service = tt_service_make(fixture_rnd() % 3 ? 6 : 17, (int32_t)(fixture_rnd() % 12) * 1000 + 22, 0);
        p->kind = (uint8_t)(fixture_rnd() % 3);
        p->os = fixture_rnd() % 4 == 0 ? (uint8_t)(1 + fixture_rnd() % 5) : 0;
        p->ttl = (uint8_t)(30 + fixture_rnd() % 200);
        p->bytes = 40 + fixture_rnd() % 1400;
    }
    /* all at once */
    tt_agg *whole = tt_agg_new(1 << 20);
    for (size_t i = 0; i < NPACKETS; i++)
        count(whole, &pk[i]);
    collected want = {0};
    CHECK_EQ_INT(tt_agg_flush(whole, INT64_MAX, collect_rows, &want), TT_OK);
    tt_agg_free(whole);
    /* in pieces of 300 s */
    tt_buf bytes[PIECES];
    tt_batch pieces[PIECES];
    char err[512];
    size_t at = 0;
    for (int k = 0; k < PIECES; k++) {
        tt_agg *agg = tt_agg_new(1 << 20);
        int64_t opened = t0 + 300 * k, closed = opened + 300;
        for (; at < NPACKETS && pk[at].ts < closed; at++)
            count(agg, &pk[at]);
        tt_batch_builder b;
        tt_batch_builder_init(&b);
        CHECK_EQ_INT(tt_agg_flush(agg, INT64_MAX, add_hour, &b), TT_OK);
        tt_agg_free(agg);
        tt_batch_header h;
        memset(&h, 0, sizeof h);
        snprintf(h.sensor, sizeof h.sensor, "nl-ams");
        h.epoch = 3;
        h.seq = (uint64_t)k + 10;
        h.opened = opened;
        h.closed = closed;
        tt_buf_init(&bytes[k], 0);
        CHECK_EQ_INT(tt_batch_builder_finish(&b, &h, NULL, 0, &bytes[k]), TT_OK);
        tt_batch_builder_free(&b);
        CHECK_EQ_INT(tt_batch_decode_rows(bytes[k].data, bytes[k].len, &pieces[k], err, sizeof err), TT_OK);
    }
    CHECK_EQ_INT(at, NPACKETS);
    tt_batch m;
    merge_decoded(pieces, PIECES, &m);
    CHECK_EQ_INT(m.header.packets, NPACKETS);
    CHECK_EQ_INT(m.nsections, want.nhours);
    CHECK_EQ_INT(want.nhours, 2);
    for (size_t h = 0; h < m.nsections && h < want.nhours; h++) {
        CHECK_EQ_INT(m.sections[h].hour, want.hours[h]);
        expect_rows(&m.sections[h], want.rows[h], want.n[h]);
    }
    for (size_t h = 0; h < want.nhours; h++)
        free(want.rows[h]);
    tt_batch_free(&m);
    for (int k = 0; k < PIECES; k++) {
        tt_batch_free(&pieces[k]);
        tt_buf_free(&bytes[k]);
    }
    free(pk);
}

int main(void)
{
    test_merge_pieces();
    test_merge_matches_aggregator();
    test_decode_header();
    return check_report("test_merge");
}
