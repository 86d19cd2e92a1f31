/* Observation batch codec (ship/batch): exact round trips, and rejection of
 * damaged batches (bad magic or version, every truncation, flipped bytes,
 * trailing data, header/rows disagreement) without ever crashing.
 *
 *   test_batch --write-seeds DIR   writes the fuzz seeds (fuzz/corpus/batch/)
 */
#include "check.h"

#include <dirent.h>
#include <stdbool.h>
#include <zstd.h>

#include "batch_fixture.h"

#define T0 ((int64_t)490032 * 3600) /* 2025-11-26 00:00 UTC */

static bool contains(const char *text, const char *part) { return strstr(text, part) != NULL; }

/* Decodes a copy of data in a buffer of exactly len bytes (so the
 * sanitizers see any read past the end). */
static tt_status decode_exact(const uint8_t *data, size_t len, tt_batch *out, char *err, size_t errlen)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        abort();
    if (len)
        memcpy(copy, data, len);
    err[0] = '\0';
    tt_status st = tt_batch_decode(len ? copy : NULL, len, out, err, errlen);
    /* Sections borrow from the bytes: decode again from the original to keep them valid. */
    if (st == TT_OK) {
        tt_batch_free(out);
        st = tt_batch_decode(data, len, out, err, errlen);
    }
    free(copy);
    return st;
}

static bool rows_equal(const tt_detail_row *a, const tt_detail_row *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(a[i].src.bytes, b[i].src.bytes, 16) != 0 || a[i].service != b[i].service ||
            a[i].cc != b[i].cc || a[i].kind != b[i].kind || a[i].os != b[i].os || a[i].ttl != b[i].ttl ||
            a[i].src_flags != b[i].src_flags || a[i].asn != b[i].asn || a[i].packets != b[i].packets ||
            a[i].bytes != b[i].bytes || a[i].first != b[i].first || a[i].last != b[i].last) {
            fprintf(stderr, "row %zu differs\n", i);
            return false;
        }
    }
    return true;
}

static bool victims_equal(const tt_victim_row *a, const tt_victim_row *b)
{
    return a->hour == b->hour && b->sensor == 0 && memcmp(a->victim.bytes, b->victim.bytes, 16) == 0 &&
           a->proto == b->proto && a->port == b->port && a->packets == b->packets && a->bytes == b->bytes &&
           a->first == b->first && a->last == b->last && memcmp(a->minute, b->minute, sizeof a->minute) == 0;
}

/* The decoded batch holds exactly what was given to the builder. */
static void check_same(const fixture_batch *f, const tt_batch *b)
{
    const tt_batch_header *h = &b->header;
    CHECK_EQ_STR(h->sensor, f->header.sensor);
    CHECK(h->epoch == f->header.epoch);
    CHECK_EQ_INT(h->seq, f->header.seq);
    CHECK_EQ_INT(h->opened, f->header.opened);
    CHECK_EQ_INT(h->closed, f->header.closed);
    CHECK_EQ_INT(h->frames, f->header.frames);
    CHECK_EQ_INT(h->packets, f->packets);
    CHECK(memcmp(h->outcomes, f->header.outcomes, sizeof h->outcomes) == 0);

    CHECK_EQ_INT(b->ngaps, f->ngaps);
    for (size_t i = 0; i < b->ngaps && i < f->ngaps; i++) {
        CHECK_EQ_INT(b->gaps[i].start, f->gaps[i].start);
        CHECK_EQ_INT(b->gaps[i].end, f->gaps[i].end);
        CHECK_EQ_INT(b->gaps[i].packets, f->gaps[i].packets);
        CHECK_EQ_INT(b->gaps[i].reason, f->gaps[i].reason);
    }
    CHECK_EQ_INT(b->nvictims, f->nvictims);
    for (size_t i = 0; i < b->nvictims && i < f->nvictims; i++)
        CHECK(victims_equal(&f->victims[i], &b->victims[i]));

    CHECK_EQ_INT(b->nsections, f->nhours);
    uint64_t packets = 0;
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    for (size_t s = 0; s < b->nsections && s < f->nhours; s++) {
        CHECK_EQ_INT(b->sections[s].hour, f->hours[s]);
        CHECK_EQ_INT(b->sections[s].nrows, f->nrows[s]);
        CHECK_EQ_INT(tt_batch_section_rows(&b->sections[s], &rows, &n, &cap), TT_OK);
        CHECK_EQ_INT(n, f->nrows[s]);
        if (n == f->nrows[s])
            CHECK(rows_equal(rows, f->rows[s], n));
        for (size_t r = 0; r < n; r++)
            packets += rows[r].packets;
    }
    free(rows);
    CHECK_EQ_INT(packets, h->packets);
}

static void test_round_trip(void)
{
    fixture_batch f;
    /* 00:20:34 to 03:28:54: four hours, the first and last partial */
    fixture_make(&f, "tokyo-1", 0x9f2c4a0e11d3b7a5ull, 7, T0 + 1234, 3 * 3600 + 500, 400, 2);
    CHECK_EQ_INT(f.nhours, 4);
    CHECK(f.nvictims == 3 && f.ngaps == 2);
    for (size_t i = 0; i < f.nhours; i++)
        CHECK(f.nrows[i] > 100);
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    CHECK(out.len > 5 && memcmp(out.data, "TTOB", 4) == 0 && out.data[4] == TT_BATCH_VERSION);

    tt_batch b;
    char err[256];
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);

    /* A builder is reusable after reset: the same input gives the same bytes. */
    tt_batch_builder builder;
    tt_batch_builder_init(&builder);
    tt_buf again;
    tt_buf_init(&again, 0);
    for (int round = 0; round < 2; round++) {
        tt_batch_builder_reset(&builder);
        for (size_t i = 0; i < f.nhours; i++)
            CHECK_EQ_INT(tt_batch_builder_add_hour(&builder, f.hours[i], f.rows[i], f.nrows[i]), TT_OK);
        CHECK_EQ_INT(tt_batch_builder_add_hour(&builder, f.hours[0], f.rows[0], 0), TT_OK); /* no rows: no section */
        for (size_t i = 0; i < f.nvictims; i++)
            CHECK_EQ_INT(tt_batch_builder_add_victim(&builder, &f.victims[i]), TT_OK);
        CHECK_EQ_INT(tt_batch_builder_packets(&builder), f.packets);
        CHECK_EQ_INT(tt_batch_builder_finish(&builder, &f.header, f.gaps, f.ngaps, &again), TT_OK);
        CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
    }
    tt_batch_builder_free(&builder);
    tt_buf_free(&again);

    /* header.packets given by the caller is ignored: the rows' sum is written. */
    fixture_batch g = f;
    g.header.packets = 1;
    CHECK_EQ_INT(fixture_build(&g, &again), TT_OK);
    CHECK_EQ_INT(tt_batch_decode(again.data, again.len, &b, err, sizeof err), TT_OK);
    CHECK_EQ_INT(b.header.packets, f.packets);
    tt_batch_free(&b);
    tt_buf_free(&again);

    tt_buf_free(&out);
    fixture_free(&f);
}

/* A batch with nothing captured (a quiet interval still reports uptime). */
static void test_empty(void)
{
    fixture_batch f;
    fixture_make(&f, "a", 1, 1, T0, 10, 0, 0);
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    tt_batch b;
    char err[256];
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    CHECK(b.nsections == 0 && b.nvictims == 0 && b.ngaps == 0 && b.header.packets == 0);
    tt_batch_free(&b);

    /* closed == opened, a 63-character name, IPv6-only rows */
    f.header.closed = f.header.opened;
    memset(f.header.sensor, 'x', 63);
    f.header.sensor[63] = '\0';
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);
    tt_buf_free(&out);
    fixture_free(&f);
}

/* The smallest possible backscatter row (every varint one byte: hour 0,
 * nothing in any minute) is a valid row: the decoder's bound on the row
 * count must not refuse it. */
static void test_small_victim(void)
{
    fixture_batch f;
    fixture_make(&f, "small", 2, 1, 0, 60, 0, 0);
    memset(&f.victims[0], 0, sizeof f.victims[0]);
    tt_addr_from_v4(&f.victims[0].victim, 0xcb007101u);
    f.victims[0].proto = 6;
    f.victims[0].port = 80;
    f.victims[0].packets = 1;
    f.victims[0].bytes = 60;
    f.nvictims = 1;
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    tt_batch b;
    char err[256];
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);
    /* and several of them */
    f.victims[1] = f.victims[0];
    f.victims[1].port = 81;
    f.victims[2] = f.victims[0];
    f.victims[2].proto = 17;
    f.nvictims = 3;
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);
    tt_buf_free(&out);
    fixture_free(&f);
}

/* Offset where the sections start (after magic, version and the meta frame). */
static size_t meta_end(const uint8_t *data, size_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, data + 5, len - 5);
    uint64_t zlen = tt_cursor_varint(&c);
    return c.failed ? 0 : (size_t)(c.p - data) + (size_t)zlen;
}

/* The batch with its meta frame replaced by `meta` (compressed here). */
static void replace_meta(const uint8_t *data, size_t len, const uint8_t *meta, size_t mlen, tt_buf *out)
{
    size_t end = meta_end(data, len);
    size_t bound = ZSTD_compressBound(mlen);
    uint8_t *z = malloc(bound);
    size_t zlen = ZSTD_compress(z, bound, meta, mlen, 1);
    CHECK(!ZSTD_isError(zlen));
    tt_buf_reset(out);
    CHECK_EQ_INT(tt_buf_reserve(out, 5 + TT_VARINT_MAX + zlen + len - end), TT_OK);
    memcpy(out->data, data, 5);
    out->len = 5;
    tt_buf_put_varint_unchecked(out, zlen);
    memcpy(out->data + out->len, z, zlen);
    out->len += zlen;
    memcpy(out->data + out->len, data + end, len - end);
    out->len += len - end;
    free(z);
}

/* The decompressed meta of a batch (caller frees). */
static uint8_t *get_meta(const uint8_t *data, size_t len, size_t *mlen)
{
    tt_cursor c;
    tt_cursor_init(&c, data + 5, len - 5);
    uint64_t zlen = tt_cursor_varint(&c);
    unsigned long long content = ZSTD_getFrameContentSize(c.p, zlen);
    uint8_t *meta = malloc(content + 16);
    *mlen = ZSTD_decompress(meta, content, c.p, zlen);
    CHECK(*mlen == content);
    return meta;
}

static void expect_format(const uint8_t *data, size_t len, const char *part)
{
    tt_batch b;
    char err[256];
    tt_status st = decode_exact(data, len, &b, err, sizeof err);
    CHECK_EQ_INT(st, TT_ERR_FORMAT);
    if (!contains(err, part))
        fprintf(stderr, "message '%s' lacks '%s'\n", err, part);
    CHECK(contains(err, part));
    if (st == TT_OK)
        tt_batch_free(&b);
    /* a failed decode leaves nothing to free */
    CHECK(b.gaps == NULL && b.victims == NULL && b.sections == NULL && b.nsections == 0);
}

/* Every invariant a decoded batch must satisfy, whatever the input was. */
static void check_consistent(const tt_batch *b)
{
    const tt_batch_header *h = &b->header;
    size_t name_len = strnlen(h->sensor, sizeof h->sensor);
    CHECK(name_len > 0 && name_len < sizeof h->sensor);
    CHECK(h->seq > 0 && h->opened >= 0 && h->closed >= h->opened);
    for (size_t i = 0; i < b->ngaps; i++)
        CHECK(b->gaps[i].start <= b->gaps[i].end && b->gaps[i].reason >= 1 &&
              b->gaps[i].reason <= TT_GAP_REASON_MAX);
    for (size_t i = 0; i < b->nvictims; i++) {
        const tt_victim_row *v = &b->victims[i];
        CHECK(v->first <= v->last && v->first >= v->hour * 3600 && v->last < v->hour * 3600 + 3600);
        CHECK(v->port >= -1 && v->port <= 65535);
    }
    uint64_t packets = 0;
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    for (size_t s = 0; s < b->nsections; s++) {
        const tt_batch_section *sec = &b->sections[s];
        CHECK(s == 0 || sec->hour > b->sections[s - 1].hour);
        CHECK_EQ_INT(tt_batch_section_rows(sec, &rows, &n, &cap), TT_OK);
        CHECK_EQ_INT(n, sec->nrows);
        for (size_t r = 0; r < n; r++) {
            CHECK(rows[r].packets > 0 && rows[r].first <= rows[r].last);
            CHECK(rows[r].first >= sec->hour * 3600 && rows[r].last < sec->hour * 3600 + 3600);
            CHECK(r == 0 || tt_detail_row_cmp(&rows[r - 1], &rows[r]) < 0);
            packets += rows[r].packets;
        }
    }
    free(rows);
    CHECK_EQ_INT(packets, h->packets);
}

static void test_rejects(void)
{
    fixture_batch f;
    fixture_make(&f, "osaka-2", 0xfeedull, 3, T0 + 3000, 3600, 30, 2);
    tt_buf good, bad;
    tt_buf_init(&good, 0);
    tt_buf_init(&bad, 0);
    CHECK_EQ_INT(fixture_build(&f, &good), TT_OK);
    uint8_t *copy = malloc(good.len + 1);
    memcpy(copy, good.data, good.len);

    copy[0] = 'X';
    expect_format(copy, good.len, "magic");
    copy[0] = 'T';
    expect_format(copy, 3, "magic");
    expect_format(NULL, 0, "magic");
    copy[4] = TT_BATCH_VERSION + 1;
    expect_format(copy, good.len, "version 4");
    copy[4] = 0;
    expect_format(copy, good.len, "version 0");
    copy[4] = TT_BATCH_VERSION;

    /* Every proper prefix fails with a message. */
    for (size_t len = 0; len < good.len; len++) {
        tt_batch b;
        char err[256];
        tt_status st = decode_exact(good.data, len, &b, err, sizeof err);
        if (st != TT_ERR_FORMAT || err[0] == '\0') {
            fprintf(stderr, "prefix of %zu bytes: %s (%s)\n", len, tt_strerror(st), err);
            CHECK(st == TT_ERR_FORMAT && err[0] != '\0');
        }
        if (st == TT_OK)
            tt_batch_free(&b);
    }
    expect_format(good.data, 5, "truncated");
    expect_format(good.data, good.len - 1, "section");

    /* Flipped bytes: a failure with a message, or a batch that is consistent. */
    size_t accepted = 0, rejected = 0;
    static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x10};
    for (size_t i = 0; i < good.len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            copy[i] = good.data[i] ^ masks[m];
            tt_batch b;
            char err[256];
            tt_status st = decode_exact(copy, good.len, &b, err, sizeof err);
            if (st == TT_OK) {
                accepted++;
                check_consistent(&b);
                tt_batch_free(&b);
            } else {
                rejected++;
                CHECK(st == TT_ERR_FORMAT && err[0] != '\0');
            }
        }
        copy[i] = good.data[i];
    }
    CHECK(rejected > accepted);
    printf("flipped bytes: %zu accepted (consistent), %zu rejected\n", accepted, rejected);

    /* Trailing data after the last section, and inside the meta frame. */
    copy[good.len] = 0;
    expect_format(copy, good.len + 1, "trailing");
    size_t mlen;
    uint8_t *meta = get_meta(good.data, good.len, &mlen);
    meta[mlen] = 0;
    replace_meta(good.data, good.len, meta, mlen + 1, &bad);
    expect_format(bad.data, bad.len, "trailing");
    replace_meta(good.data, good.len, meta, mlen, &bad); /* the same meta again: fine */
    tt_batch b;
    char err[256];
    CHECK_EQ_INT(decode_exact(bad.data, bad.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);
    replace_meta(good.data, good.len, meta, mlen - 1, &bad); /* meta cut short */
    expect_format(bad.data, bad.len, "first sequence number");
    replace_meta(good.data, good.len, meta, mlen - 2, &bad);
    expect_format(bad.data, bad.len, "backscatter");
    /* a merged batch standing for batches before 1 */
    CHECK_EQ_INT(meta[mlen - 1], 0);
    meta[mlen - 1] = (uint8_t)f.header.seq;
    replace_meta(good.data, good.len, meta, mlen, &bad);
    expect_format(bad.data, bad.len, "first sequence number");
    meta[mlen - 1] = (uint8_t)(f.header.seq - 1); /* stands for 1..seq */
    replace_meta(good.data, good.len, meta, mlen, &bad);
    CHECK_EQ_INT(decode_exact(bad.data, bad.len, &b, err, sizeof err), TT_OK);
    CHECK_EQ_INT(b.header.first_seq, 1);
    tt_batch_free(&b);
    /* and version 2 batches, without the field, stand for their own seq */
    replace_meta(good.data, good.len, meta, mlen - 1, &bad);
    bad.data[4] = 2;
    CHECK_EQ_INT(decode_exact(bad.data, bad.len, &b, err, sizeof err), TT_OK);
    CHECK_EQ_INT(b.header.first_seq, b.header.seq);
    tt_batch_free(&b);
    free(meta);

    /* Rows that do not add up to the header's packets: this batch's meta
     * with the sections of another. */
    fixture_batch other;
    fixture_make(&other, "osaka-2", 0xfeedull, 3, T0 + 3000, 3600, 30, 2);
    CHECK(other.packets != f.packets);
    tt_buf ob;
    tt_buf_init(&ob, 0);
    CHECK_EQ_INT(fixture_build(&other, &ob), TT_OK);
    size_t good_end = meta_end(good.data, good.len), other_end = meta_end(ob.data, ob.len);
    tt_buf_reset(&bad);
    CHECK_EQ_INT(tt_buf_append(&bad, good.data, good_end), TT_OK);
    CHECK_EQ_INT(tt_buf_append(&bad, ob.data + other_end, ob.len - other_end), TT_OK);
    char want[128];
    snprintf(want, sizeof want, "rows hold %llu packets, the header says %llu", (unsigned long long)other.packets,
             (unsigned long long)f.packets);
    expect_format(bad.data, bad.len, want);
    tt_buf_free(&ob);
    fixture_free(&other);

    /* What the builder writes but a collector must refuse. */
    fixture_batch g = f;
    snprintf(g.header.sensor, sizeof g.header.sensor, "osaka 2");
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_OK);
    expect_format(bad.data, bad.len, "sensor name");
    g = f;
    g.header.sensor[0] = '\0';
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_OK);
    expect_format(bad.data, bad.len, "sensor name");
    g = f;
    g.header.seq = 0;
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_OK);
    expect_format(bad.data, bad.len, "bad fields");
    g = f;
    g.header.first_seq = g.header.seq + 1;
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_ERR_USAGE);
    g = f;
    g.gaps[1].reason = 0;
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_OK);
    expect_format(bad.data, bad.len, "gap 1");
    g = f;
    g.victims[2].first = (uint32_t)(g.victims[2].hour * 3600 + 3600);
    g.victims[2].last = g.victims[2].first;
    CHECK_EQ_INT(fixture_build(&g, &bad), TT_OK);
    expect_format(bad.data, bad.len, "backscatter row 2");

    /* Sections out of hour order. */
    tt_batch_builder builder;
    tt_batch_builder_init(&builder);
    CHECK_EQ_INT(tt_batch_builder_add_hour(&builder, f.hours[1], f.rows[1], f.nrows[1]), TT_OK);
    CHECK_EQ_INT(tt_batch_builder_add_hour(&builder, f.hours[0], f.rows[0], f.nrows[0]), TT_OK);
    CHECK_EQ_INT(tt_batch_builder_finish(&builder, &f.header, NULL, 0, &bad), TT_OK);
    expect_format(bad.data, bad.len, "section 1");
    /* The builder refuses what it cannot write. */
    tt_batch_builder_reset(&builder);
    CHECK_EQ_INT(tt_batch_builder_add_hour(&builder, -1, f.rows[0], f.nrows[0]), TT_ERR_USAGE);
    g = f;
    g.header.closed = g.header.opened - 1;
    CHECK_EQ_INT(tt_batch_builder_finish(&builder, &g.header, NULL, 0, &bad), TT_ERR_USAGE);
    g.header.opened = -5;
    g.header.closed = 0;
    CHECK_EQ_INT(tt_batch_builder_finish(&builder, &g.header, NULL, 0, &bad), TT_ERR_USAGE);
    tt_detail_row row = f.rows[0][0];
    row.packets = 0;
    CHECK(tt_batch_builder_add_hour(&builder, f.hours[0], &row, 1) != TT_OK);
    row = f.rows[0][0];
    row.last = (uint32_t)(f.hours[0] * 3600 + 3600);
    CHECK(tt_batch_builder_add_hour(&builder, f.hours[0], &row, 1) != TT_OK);
    tt_batch_builder_free(&builder);

    /* Too large to be a batch. */
    CHECK_EQ_INT(tt_batch_decode(good.data, TT_BATCH_MAX_BYTES + 1, &b, err, sizeof err), TT_ERR_FORMAT);
    CHECK(contains(err, "larger than the limit"));

    free(copy);
    tt_buf_free(&good);
    tt_buf_free(&bad);
    fixture_free(&f);
}

/* The last representable hour: its backscatter rows end at 2^32 - 1, and a
 * row claiming a later second is refused, not wrapped around. */
static void test_victim_time_limit(void)
{
    const int64_t hour = UINT32_MAX / 3600;
    fixture_batch f;
    fixture_make(&f, "late", 3, 1, hour * 3600, 60, 0, 0);
    memset(&f.victims[0], 0, sizeof f.victims[0]);
    f.victims[0].hour = hour;
    tt_addr_from_v4(&f.victims[0].victim, 0xcb007101u);
    f.victims[0].proto = 6;
    f.victims[0].port = 22;
    f.victims[0].packets = 2;
    f.victims[0].bytes = 120;
    f.victims[0].first = (uint32_t)(hour * 3600);
    f.victims[0].last = UINT32_MAX;
    f.nvictims = 1;
    tt_buf out, bad;
    tt_buf_init(&out, 0);
    tt_buf_init(&bad, 0);
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    tt_batch b;
    char err[256];
    CHECK_EQ_INT(decode_exact(out.data, out.len, &b, err, sizeof err), TT_OK);
    check_same(&f, &b);
    tt_batch_free(&b);
    /* The meta ends with the row's last (5 bytes), 60 zero minutes and the
     * first sequence number (1 byte): make last 2^32 + 5, still inside the
     * hour as a number. */
    size_t mlen;
    uint8_t *meta = get_meta(out.data, out.len, &mlen);
    static const uint8_t was[] = {0xff, 0xff, 0xff, 0xff, 0x0f}, now[] = {0x85, 0x80, 0x80, 0x80, 0x10};
    CHECK(mlen > 66 && memcmp(meta + mlen - 66, was, 5) == 0);
    memcpy(meta + mlen - 66, now, 5);
    replace_meta(out.data, out.len, meta, mlen, &bad);
    tt_status st = decode_exact(bad.data, bad.len, &b, err, sizeof err);
    CHECK_EQ_INT(st, TT_ERR_FORMAT);
    if (st == TT_OK) {
        fprintf(stderr, "decoded first %u last %u\n", b.victims[0].first, b.victims[0].last);
        tt_batch_free(&b);
    }
    CHECK(contains(err, "backscatter row 0"));
    free(meta);
    tt_buf_free(&out);
    tt_buf_free(&bad);
    fixture_free(&f);
}

/* A section's rows are validated again when read on their own. */
static void test_section_rows(void)
{
    fixture_batch f;
    fixture_make(&f, "s", 9, 1, T0, 600, 50, 0);
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(fixture_build(&f, &out), TT_OK);
    tt_batch b;
    char err[256];
    CHECK_EQ_INT(tt_batch_decode(out.data, out.len, &b, err, sizeof err), TT_OK);
    CHECK_EQ_INT(b.nsections, 1);
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    tt_batch_section s = b.sections[0];
    s.nrows++;
    CHECK_EQ_INT(tt_batch_section_rows(&s, &rows, &n, &cap), TT_ERR_FORMAT);
    s = b.sections[0];
    s.hour++; /* times are stored relative to the section's hour */
    CHECK_EQ_INT(tt_batch_section_rows(&s, &rows, &n, &cap), TT_OK);
    CHECK(n == f.nrows[0] && rows[0].first == f.rows[0][0].first + 3600);
    s = b.sections[0];
    s.len--;
    CHECK(tt_batch_section_rows(&s, &rows, &n, &cap) != TT_OK);
    s = b.sections[0];
    CHECK_EQ_INT(tt_batch_section_rows(&s, &rows, &n, &cap), TT_OK);
    CHECK(n == f.nrows[0] && rows_equal(rows, f.rows[0], n));
    free(rows);
    tt_batch_free(&b);
    tt_buf_free(&out);
    fixture_free(&f);
}

static void test_reason_names(void)
{
    CHECK_EQ_STR(tt_gap_reason_name(TT_GAP_SPOOL_FULL), "spool-full");
    CHECK_EQ_STR(tt_gap_reason_name(TT_GAP_CAPTURE_DROP), "capture-drop");
    CHECK_EQ_STR(tt_gap_reason_name(TT_GAP_IFACE_DROP), "interface-drop");
    CHECK_EQ_STR(tt_gap_reason_name(0), "unknown");
    CHECK_EQ_STR(tt_gap_reason_name(200), "unknown");
}

/* ---- fuzz seeds --------------------------------------------------------- */

static int write_seed(const char *dir, const char *name, const fixture_batch *f)
{
    tt_buf out;
    tt_buf_init(&out, 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = NULL;
    int ok = fixture_build(f, &out) == TT_OK && (fp = fopen(path, "wb")) != NULL &&
             fwrite(out.data, 1, out.len, fp) == out.len;
    if (fp && fclose(fp) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "cannot write %s\n", path);
    else
        printf("%s (%zu bytes)\n", path, out.len);
    tt_buf_free(&out);
    return ok;
}

/* Small valid batches of each shape; the fuzzer mutates from there. */
static int write_seeds(const char *dir)
{
    fixture_batch f;
    int ok = 1;
    fixture_make(&f, "tokyo-1", 0x9f2c4a0e11d3b7a5ull, 1, T0 + 1234, 2 * 3600, 12, 2);
    ok &= write_seed(dir, "valid-3hours.batch", &f);
    fixture_free(&f);
    fixture_make(&f, "osaka_2.b", 42, 17, T0 + 60, 600, 25, 0);
    f.header.first_seq = 12; /* merged: stands for 12..17 */
    ok &= write_seed(dir, "valid-1hour.batch", &f);
    fixture_free(&f);
    fixture_make(&f, "q", 7, 1, T0, 10, 0, 1);
    ok &= write_seed(dir, "valid-empty-gap.batch", &f);
    fixture_free(&f);
    fixture_make(&f, "a", 0, 5, T0, 0, 0, 0);
    ok &= write_seed(dir, "valid-empty.batch", &f);
    fixture_free(&f);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The committed seeds stay valid batches (a format change must regenerate them). */
static void test_committed_seeds(void)
{
    const char *dirs[] = {"../fuzz/corpus/batch", "fuzz/corpus/batch", "../../fuzz/corpus/batch"};
    DIR *d = NULL;
    const char *dir = NULL;
    for (size_t i = 0; i < 3 && d == NULL; i++)
        d = opendir(dir = dirs[i]);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    int seen = 0, seen_v1 = 0, seen_v2 = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "valid-", 6) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        if (fp == NULL)
            continue;
        static uint8_t data[1 << 16];
        size_t len = fread(data, 1, sizeof data, fp);
        fclose(fp);
        tt_batch b;
        char err[256];
        tt_status st = decode_exact(data, len, &b, err, sizeof err);
        if (st != TT_OK)
            fprintf(stderr, "%s: %s\n", path, err);
        CHECK_EQ_INT(st, TT_OK);
        if (st == TT_OK) {
            check_consistent(&b);
            tt_batch_free(&b);
        }
        seen++;
        seen_v1 += len > 4 && data[4] == 1;
        seen_v2 += len > 4 && data[4] == 2;
    }
    closedir(d);
    CHECK(seen >= 12);
    CHECK(seen_v1 >= 4 && seen_v2 >= 4); /* batches of sensors not yet upgraded (versions 1, 2) are still read */
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
        return write_seeds(argv[2]);
    test_round_trip();
    test_empty();
    test_small_victim();
    test_rejects();
    test_victim_time_limit();
    test_section_rows();
    test_reason_names();
    test_committed_seeds();
    return check_report("test_batch");
}
