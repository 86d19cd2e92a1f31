/* Observation batches for tests: detail rows of several hours, backscatter
 * rows and gaps, built the way a sensor builds them (shared by test_batch.c
 * and test_apply.c; also writes the fuzz seeds, see test_batch --write-seeds). */
#ifndef TT_TESTS_BATCH_FIXTURE_H
#define TT_TESTS_BATCH_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship/batch.h"
#include "test_rng.h"

static test_rng fixture_rng = {0x5eed};
static uint32_t fixture_rnd(void) { return test_rng_u32(&fixture_rng); }

static int fixture_row_cmp(const void *a, const void *b) { return tt_detail_row_cmp(a, b); }

/* Up to n rows of one hour, sorted by (src, service, kind) without duplicate
 * keys, packets > 0, first/last inside the hour, cc/asn/flags 0 (as a sensor
 * sends them: the collector attributes sources). Returns the row count. */
static size_t fixture_hour_rows(tt_detail_row *rows, size_t n, int64_t hour)
{
    static const uint8_t protos[] = {6, 17, 1, 58, 47};
    for (size_t i = 0; i < n; i++) {
        tt_detail_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        if (fixture_rnd() % 5 == 0) {
            r->src.bytes[0] = 0x20;
            r->src.bytes[1] = 0x01;
            r->src.bytes[2] = 0x0d;
            r->src.bytes[3] = 0xb8;
            for (int b = 4; b < 16; b++)
                r->src.bytes[b] = (uint8_t)(fixture_rnd() % 4);
        } else {
            tt_addr_from_v4(&r->src, 0xc0000200u + fixture_rnd() % 64); /* 192.0.2.0/26: repeats */
        }
        uint8_t proto = protos[fixture_rnd() % 5];
        r->service = tt_service_make(proto, (int32_t)(fixture_rnd() % 65537) - 1, (int32_t)(fixture_rnd() % 256));
        r->kind = (uint8_t)(fixture_rnd() % 16);
        r->os = (uint8_t)(fixture_rnd() % 9);
        r->ttl = (uint8_t)fixture_rnd();
        r->packets = 1 + fixture_rnd() % 5000;
        r->bytes = r->packets * 40ull + fixture_rnd() % 1000;
        r->first = (uint32_t)(hour * 3600 + fixture_rnd() % 3600);
        r->last = r->first + (uint32_t)(fixture_rnd() % (uint32_t)(hour * 3600 + 3600 - r->first));
    }
    qsort(rows, n, sizeof *rows, fixture_row_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || tt_detail_row_cmp(&rows[k - 1], &rows[i]) != 0)
            rows[k++] = rows[i];
    return k;
}

static void fixture_victim(tt_victim_row *v, int64_t hour, uint8_t proto, int32_t port, uint8_t last_byte)
{
    memset(v, 0, sizeof *v);
    v->hour = hour;
    tt_addr_from_v4(&v->victim, 0xcb007100u | last_byte); /* 203.0.113.x */
    v->proto = proto;
    v->port = port;
    v->first = (uint32_t)(hour * 3600 + 60 * (fixture_rnd() % 30));
    v->last = v->first + fixture_rnd() % (uint32_t)(hour * 3600 + 3600 - v->first);
    for (uint32_t m = (v->first % 3600) / 60; m <= (v->last % 3600) / 60; m++) {
        v->minute[m] = (uint16_t)(1 + fixture_rnd() % 500);
        v->packets += v->minute[m];
    }
    v->minute[59] = v->minute[59] ? UINT16_MAX : 0; /* saturated counters survive too */
    v->bytes = v->packets * 54;
}

/* Everything a batch holds, as given to the builder. */
typedef struct fixture_batch {
    tt_batch_header header;
    int64_t hours[4];
    tt_detail_row *rows[4];
    size_t nrows[4];
    size_t nhours;
    tt_victim_row victims[3];
    size_t nvictims;
    tt_gap gaps[2];
    size_t ngaps;
    uint64_t packets; /* the rows' sum */
} fixture_batch;

static void fixture_free(fixture_batch *f)
{
    for (size_t i = 0; i < f->nhours; i++)
        free(f->rows[i]);
    memset(f, 0, sizeof *f);
}

/* A batch over [opened, opened + span) with rows in each hour it touches
 * (rows_per_hour before dedup; 0 = an empty batch: no rows, no victims). */
static void fixture_make(fixture_batch *f, const char *sensor, uint64_t epoch, uint64_t seq, int64_t opened,
                         int64_t span, size_t rows_per_hour, size_t ngaps)
{
    memset(f, 0, sizeof *f);
    tt_batch_header *h = &f->header;
    snprintf(h->sensor, sizeof h->sensor, "%s", sensor);
    h->epoch = epoch;
    h->seq = seq;
    h->opened = opened;
    h->closed = opened + span;
    for (int i = 0; i < TT_OUTCOME_COUNT; i++)
        h->outcomes[i] = i == 0 ? 100000 + fixture_rnd() % 1000 : fixture_rnd() % 300;
    if (rows_per_hour > 0) {
        for (int64_t hour = opened / 3600; hour * 3600 < opened + span && f->nhours < 4; hour++) {
            size_t i = f->nhours++;
            f->hours[i] = hour;
            f->rows[i] = calloc(rows_per_hour, sizeof *f->rows[i]);
            f->nrows[i] = fixture_hour_rows(f->rows[i], rows_per_hour, hour);
            for (size_t r = 0; r < f->nrows[i]; r++)
                f->packets += f->rows[i][r].packets;
        }
        int64_t first = f->hours[0], last = f->hours[f->nhours - 1];
        fixture_victim(&f->victims[f->nvictims++], first, 6, 443, 7);
        fixture_victim(&f->victims[f->nvictims++], first, 1, 0, 8);
        fixture_victim(&f->victims[f->nvictims++], last, 17, 53, 7);
    }
    h->frames = f->packets + 123;
    static const uint8_t reasons[] = {TT_GAP_CAPTURE_DROP, TT_GAP_SPOOL_FULL, TT_GAP_IFACE_DROP};
    for (size_t i = 0; i < ngaps && i < 2; i++)
        f->gaps[f->ngaps++] = (tt_gap){opened - 600 * (int64_t)(i + 1), opened - 600 * (int64_t)i - 1,
                                       1000 + i, reasons[(seq + i) % 3]};
}

/* Builds the batch bytes into out. */
static tt_status fixture_build(const fixture_batch *f, tt_buf *out)
{
    tt_batch_builder b;
    tt_batch_builder_init(&b);
    tt_status st = TT_OK;
    for (size_t i = 0; i < f->nhours && st == TT_OK; i++)
        st = tt_batch_builder_add_hour(&b, f->hours[i], f->rows[i], f->nrows[i]);
    for (size_t i = 0; i < f->nvictims && st == TT_OK; i++)
        st = tt_batch_builder_add_victim(&b, &f->victims[i]);
    if (st == TT_OK && tt_batch_builder_packets(&b) != f->packets)
        st = TT_ERR_FORMAT;
    if (st == TT_OK)
        st = tt_batch_builder_finish(&b, &f->header, f->gaps, f->ngaps, out);
    tt_batch_builder_free(&b);
    return st;
}

#endif
