/* Fuzz target: observation batch decoding (what a collector reads from any
 * sensor, and from its inbox). A batch that decodes must read back its
 * sections, satisfy every invariant the collector relies on, and encode
 * again to a batch that decodes to the same content, and merged with itself
 * (ship/merge.c) hold each key once with twice the packets. Seeds: fuzz/corpus/batch/
 * (written by tests/unit/test_batch --write-seeds). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ship/batch.h"
#include "ship/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

static bool same_rows(const tt_detail_row *a, const tt_detail_row *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tt_detail_row_cmp(&a[i], &b[i]) != 0 || a[i].cc != b[i].cc || a[i].asn != b[i].asn ||
            a[i].src_flags != b[i].src_flags || a[i].os != b[i].os || a[i].ttl != b[i].ttl ||
            a[i].packets != b[i].packets || a[i].bytes != b[i].bytes || a[i].first != b[i].first ||
            a[i].last != b[i].last)
            return false;
    return true;
}

static bool same_victim(const tt_victim_row *a, const tt_victim_row *b)
{
    return a->hour == b->hour && memcmp(a->victim.bytes, b->victim.bytes, 16) == 0 && a->proto == b->proto &&
           a->port == b->port && a->packets == b->packets && a->bytes == b->bytes && a->first == b->first &&
           a->last == b->last && memcmp(a->minute, b->minute, sizeof a->minute) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_batch batch;
    char err[256];
    if (tt_batch_decode(data, size, &batch, err, sizeof err) != TT_OK) {
        require(err[0] != '\0');
        return 0;
    }
    const tt_batch_header *h = &batch.header;
    size_t name_len = strnlen(h->sensor, sizeof h->sensor);
    require(name_len > 0 && name_len < sizeof h->sensor);
    require(h->seq > 0 && h->opened >= 0 && h->closed >= h->opened && h->closed <= UINT32_MAX);
    for (size_t i = 0; i < batch.ngaps; i++)
        require(batch.gaps[i].start <= batch.gaps[i].end && batch.gaps[i].reason >= 1 &&
                batch.gaps[i].reason <= TT_GAP_REASON_MAX);
    for (size_t i = 0; i < batch.nvictims; i++) {
        const tt_victim_row *v = &batch.victims[i];
        require(v->sensor == 0 && v->first <= v->last && v->first >= v->hour * 3600 &&
                v->last < v->hour * 3600 + 3600 && v->port >= -1 && v->port <= 65535);
    }

    /* Every section reads back, sorted, inside its hour, adding up to the header. */
    tt_detail_row **rows = calloc(batch.nsections ? batch.nsections : 1, sizeof *rows);
    size_t *nrows = calloc(batch.nsections ? batch.nsections : 1, sizeof *nrows);
    require(rows != NULL && nrows != NULL);
    uint64_t packets = 0;
    for (size_t s = 0; s < batch.nsections; s++) {
        const tt_batch_section *sec = &batch.sections[s];
        size_t cap = 0;
        require(s == 0 || sec->hour > batch.sections[s - 1].hour);
        require(tt_batch_section_rows(sec, &rows[s], &nrows[s], &cap) == TT_OK);
        require(nrows[s] == sec->nrows && nrows[s] > 0);
        for (size_t r = 0; r < nrows[s]; r++) {
            const tt_detail_row *row = &rows[s][r];
            require(row->packets > 0 && row->first <= row->last && row->first >= sec->hour * 3600 &&
                    row->last < sec->hour * 3600 + 3600);
            require(r == 0 || tt_detail_row_cmp(&rows[s][r - 1], row) < 0);
            packets += row->packets;
        }
    }
    require(packets == h->packets);

    /* Encode what was decoded; it must decode to the same content. */
    tt_batch_builder b;
    tt_batch_builder_init(&b);
    for (size_t s = 0; s < batch.nsections; s++)
        require(tt_batch_builder_add_hour(&b, batch.sections[s].hour, rows[s], nrows[s]) == TT_OK);
    for (size_t i = 0; i < batch.nvictims; i++)
        require(tt_batch_builder_add_victim(&b, &batch.victims[i]) == TT_OK);
    require(tt_batch_builder_packets(&b) == packets);
    tt_buf out;
    tt_buf_init(&out, 0);
    require(tt_batch_builder_finish(&b, h, batch.gaps, batch.ngaps, &out) == TT_OK);
    tt_batch again;
    require(tt_batch_decode(out.data, out.len, &again, err, sizeof err) == TT_OK);
    require(strcmp(again.header.sensor, h->sensor) == 0 && again.header.epoch == h->epoch &&
            again.header.seq == h->seq && again.header.first_seq == h->first_seq && again.header.opened == h->opened && again.header.closed == h->closed &&
            again.header.frames == h->frames && again.header.packets == h->packets &&
            memcmp(again.header.outcomes, h->outcomes, sizeof h->outcomes) == 0);
    require(again.ngaps == batch.ngaps && again.nvictims == batch.nvictims && again.nsections == batch.nsections);
    for (size_t i = 0; i < batch.ngaps; i++)
        require(again.gaps[i].start == batch.gaps[i].start && again.gaps[i].end == batch.gaps[i].end &&
                again.gaps[i].packets == batch.gaps[i].packets && again.gaps[i].reason == batch.gaps[i].reason);
    for (size_t i = 0; i < batch.nvictims; i++)
        require(same_victim(&again.victims[i], &batch.victims[i]));
    tt_detail_row *back = NULL;
    size_t nback = 0, cap = 0;
    for (size_t s = 0; s < batch.nsections; s++) {
        require(again.sections[s].hour == batch.sections[s].hour && again.sections[s].nrows == nrows[s]);
        require(tt_batch_section_rows(&again.sections[s], &back, &nback, &cap) == TT_OK);
        require(nback == nrows[s] && same_rows(back, rows[s], nback));
    }
    free(back);
    tt_batch_free(&again);

    /* The batch and a copy numbered after it, merged: the same keys, twice the
     * packets, unless a bound refuses (a row past 2^32 packets, too many gaps). */
    tt_batch pieces[2];
    if (h->seq < UINT64_MAX && tt_batch_decode_rows(data, size, &pieces[0], err, sizeof err) == TT_OK) {
        pieces[1] = pieces[0];
        pieces[1].header.seq = pieces[1].header.first_seq = h->seq + 1;
        tt_status st = tt_batch_merge(pieces, 2, &b, &out, err, sizeof err);
        require(st == TT_OK || st == TT_ERR_USAGE || st == TT_ERR_NOMEM);
        if (st == TT_OK) {
            require(tt_batch_decode(out.data, out.len, &again, err, sizeof err) == TT_OK);
            require(again.header.packets == 2 * packets && again.header.first_seq == h->first_seq &&
                    again.header.seq == h->seq + 1 && again.header.frames == 2 * h->frames &&
                    again.ngaps == 2 * batch.ngaps && again.nvictims == 2 * batch.nvictims &&
                    again.nsections == batch.nsections);
            for (size_t s = 0; s < batch.nsections; s++)
                require(again.sections[s].nrows == nrows[s]);
            tt_batch_free(&again);
        }
        tt_batch_free(&pieces[0]);
    }
    tt_buf_free(&out);
    tt_batch_builder_free(&b);
    for (size_t s = 0; s < batch.nsections; s++)
        free(rows[s]);
    free(rows);
    free(nrows);
    tt_batch_free(&batch);
    return 0;
}
