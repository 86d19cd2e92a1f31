/* Merging spooled pieces (see merge.h). */
#include "ship/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

/* Folds row b, of a later piece, into row a (same key): as the aggregator
 * counts packets in the order they came, a keeps its TTL (its first packet's)
 * and takes b's OS hint only when it has none. */
static tt_status fold_row(tt_detail_row *a, const tt_detail_row *b)
{
    if (b->packets > UINT32_MAX - a->packets || b->bytes > UINT64_MAX - a->bytes)
        return TT_ERR_USAGE;
    if (a->os == 0)
        a->os = b->os;
    a->packets += b->packets;
    a->bytes += b->bytes;
    a->first = b->first < a->first ? b->first : a->first;
    a->last = b->last > a->last ? b->last : a->last;
    return TT_OK;
}

typedef struct row_buf {
    tt_detail_row *rows;
    size_t n, cap;
} row_buf;

static tt_status row_buf_reserve(row_buf *b, size_t n)
{
    if (n <= b->cap)
        return TT_OK;
    tt_detail_row *grown = realloc(b->rows, n * sizeof *grown);
    if (grown == NULL)
        return TT_ERR_NOMEM;
    b->rows = grown;
    b->cap = n;
    return TT_OK;
}

/* out = acc merged with the later piece's sorted rows. */
static tt_status merge_sorted(const row_buf *acc, const tt_detail_row *later, size_t n, row_buf *out)
{
    tt_status st = row_buf_reserve(out, acc->n + n);
    size_t i = 0, j = 0;
    out->n = 0;
    while (st == TT_OK && (i < acc->n || j < n)) {
        int cmp = i == acc->n ? 1 : j == n ? -1 : tt_detail_row_cmp(&acc->rows[i], &later[j]);
        if (cmp < 0) {
            out->rows[out->n++] = acc->rows[i++];
        } else if (cmp > 0) {
            out->rows[out->n++] = later[j++];
        } else {
            out->rows[out->n] = acc->rows[i++];
            st = fold_row(&out->rows[out->n++], &later[j++]);
        }
    }
    return st;
}

/* The detail rows of one hour in every piece, folded by key in piece order
 * and added to the builder. */
static tt_status merge_hour(const tt_batch *pieces, size_t n, int64_t hour, row_buf bufs[2],
                            tt_batch_builder *builder)
{
    row_buf *acc = &bufs[0], *next = &bufs[1];
    acc->n = 0;
    tt_status st = TT_OK;
    for (size_t p = 0; p < n && st == TT_OK; p++)
        for (size_t s = 0; s < pieces[p].nsections && st == TT_OK; s++) {
            const tt_batch_section *sec = &pieces[p].sections[s];
            if (sec->hour != hour)
                continue;
            if (sec->rows == NULL)
                return TT_ERR_USAGE; /* decoded without its rows */
            if ((st = merge_sorted(acc, sec->rows, sec->nrows, next)) == TT_OK) {
                row_buf *t = acc;
                acc = next;
                next = t;
            }
        }
    if (st == TT_OK && acc->n > TT_LIMIT_SEGMENT_ROWS)
        st = TT_ERR_USAGE;
    return st == TT_OK ? tt_batch_builder_add_hour(builder, hour, acc->rows, acc->n) : st;
}

tt_status tt_batch_merge(const tt_batch *pieces, size_t n, tt_batch_builder *builder, tt_buf *out, char *err,
                         size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "merging batches: nothing to merge");
        return TT_ERR_USAGE;
    }
    tt_batch_header h = pieces[0].header;
    size_t ngaps = 0;
    for (size_t p = 0; p < n; p++) {
        const tt_batch_header *ph = &pieces[p].header;
        if (strcmp(ph->sensor, h.sensor) != 0 || ph->epoch != h.epoch || (p > 0 && ph->first_seq <= pieces[p - 1].header.seq)) {
            snprintf(err, errlen, "merging batches: batch %llu does not follow batch %llu of the same sensor",
                     (unsigned long long)ph->seq, (unsigned long long)pieces[p ? p - 1 : 0].header.seq);
            return TT_ERR_USAGE;
        }
        ngaps += pieces[p].ngaps;
        if (p == 0)
            continue;
        h.seq = ph->seq; /* first_seq stays the first piece's */
        h.closed = ph->closed > h.closed ? ph->closed : h.closed;
        h.frames += ph->frames;
        for (int o = 0; o < TT_OUTCOME_COUNT; o++)
            h.outcomes[o] += ph->outcomes[o];
    }
    if (ngaps > TT_BATCH_MAX_GAPS) {
        snprintf(err, errlen, "merging batches: %zu gaps, more than a batch declares", ngaps);
        return TT_ERR_USAGE;
    }
    tt_gap *gaps = calloc(ngaps ? ngaps : 1, sizeof *gaps);
    if (gaps == NULL) {
        snprintf(err, errlen, "merging batches: out of memory");
        return TT_ERR_NOMEM;
    }
    ngaps = 0;
    for (size_t p = 0; p < n; p++) {
        memcpy(gaps + ngaps, pieces[p].gaps, pieces[p].ngaps * sizeof *gaps);
        ngaps += pieces[p].ngaps;
    }
    tt_batch_builder_reset(builder);
    tt_status st = TT_OK;
    row_buf bufs[2] = {{NULL, 0, 0}, {NULL, 0, 0}};
    /* hours in ascending order: each step takes the smallest hour above the last one */
    int64_t hour = INT64_MIN;
    for (;;) {
        bool found = false;
        int64_t next = INT64_MAX;
        for (size_t p = 0; p < n; p++)
            for (size_t s = 0; s < pieces[p].nsections; s++) {
                int64_t sh = pieces[p].sections[s].hour;
                if (sh > hour && sh <= next) {
                    next = sh;
                    found = true;
                }
            }
        if (!found || (st = merge_hour(pieces, n, next, bufs, builder)) != TT_OK)
            break;
        hour = next;
    }
    /* backscatter rows side by side: the collector sums rows of one key */
    for (size_t p = 0; p < n && st == TT_OK; p++)
        for (size_t v = 0; v < pieces[p].nvictims && st == TT_OK; v++)
            st = tt_batch_builder_add_victim(builder, &pieces[p].victims[v]);
    if (st == TT_OK)
        st = tt_batch_builder_finish(builder, &h, gaps, ngaps, out);
    if (st != TT_OK)
        snprintf(err, errlen, "merging batches %llu to %llu: %s", (unsigned long long)pieces[0].header.seq,
                 (unsigned long long)h.seq, tt_strerror(st));
    free(bufs[0].rows);
    free(bufs[1].rows);
    free(gaps);
    return st;
}
