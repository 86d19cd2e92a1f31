/* Sensor-hour bins of per-source counters. */
#include "aggregate/aggregator.h"

#include <stdlib.h>
#include <string.h>

typedef struct bin {
    int64_t hour;
    int32_t sensor;
    tt_detail_row *rows; /* one per (src, service) */
    size_t nrows, rows_cap;
    uint32_t *slots; /* open addressing: 0 = empty, else row index + 1 */
    size_t nslots;   /* power of two, kept >= 2 * nrows */
} bin;

struct tt_agg {
    bin *bins;
    size_t nbins, bins_cap;
    size_t last_bin; /* consecutive packets mostly share a bin */
    size_t entries, max_entries;
    int64_t max_hour;
};

tt_agg *tt_agg_new(size_t max_entries)
{
    tt_agg *agg = calloc(1, sizeof *agg);
    if (agg == NULL)
        return NULL;
    agg->max_entries = max_entries;
    agg->max_hour = INT64_MIN;
    return agg;
}

static void bin_free(bin *b)
{
    free(b->rows);
    free(b->slots);
}

void tt_agg_free(tt_agg *agg)
{
    if (agg == NULL)
        return;
    for (size_t i = 0; i < agg->nbins; i++)
        bin_free(&agg->bins[i]);
    free(agg->bins);
    free(agg);
}

size_t tt_agg_entries(const tt_agg *agg) { return agg->entries; }
int64_t tt_agg_max_hour(const tt_agg *agg) { return agg->max_hour; }

static inline uint64_t key_hash(const tt_addr *src, tt_service service)
{
    uint64_t hi, lo;
    memcpy(&hi, src->bytes, 8);
    memcpy(&lo, src->bytes + 8, 8);
    uint64_t h = (lo ^ ((uint64_t)service << 7)) * 0x9e3779b97f4a7c15ull;
    h ^= hi * 0xc2b2ae3d27d4eb4full;
    return h ^ (h >> 31);
}

static tt_status bin_rehash(bin *b, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return TT_ERR_NOMEM;
    size_t mask = nslots - 1;
    for (size_t i = 0; i < b->nrows; i++) {
        size_t s = (size_t)key_hash(&b->rows[i].src, b->rows[i].service) & mask;
        while (slots[s])
            s = (s + 1) & mask;
        slots[s] = (uint32_t)(i + 1);
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    return TT_OK;
}

static bin *find_bin(tt_agg *agg, int64_t hour, int32_t sensor)
{
    if (agg->last_bin < agg->nbins) {
        bin *b = &agg->bins[agg->last_bin];
        if (b->hour == hour && b->sensor == sensor)
            return b;
    }
    for (size_t i = 0; i < agg->nbins; i++) {
        if (agg->bins[i].hour == hour && agg->bins[i].sensor == sensor) {
            agg->last_bin = i;
            return &agg->bins[i];
        }
    }
    if (agg->nbins == agg->bins_cap) {
        size_t cap = agg->bins_cap ? agg->bins_cap * 2 : 16;
        bin *p = realloc(agg->bins, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        agg->bins = p;
        agg->bins_cap = cap;
    }
    bin *b = &agg->bins[agg->nbins];
    memset(b, 0, sizeof *b);
    b->hour = hour;
    b->sensor = sensor;
    if (bin_rehash(b, 1024) != TT_OK)
        return NULL;
    agg->last_bin = agg->nbins++;
    return b;
}

tt_status tt_agg_add(tt_agg *agg, int64_t ts_sec, int32_t sensor, const tt_addr *src,
                     tt_service service, uint32_t bytes)
{
    /* Floor division: pre-1970 timestamps land in negative hours, not hour 0. */
    int64_t hour = ts_sec >= 0 ? ts_sec / 3600 : -((-ts_sec + 3599) / 3600);
    bin *b = find_bin(agg, hour, sensor);
    if (b == NULL)
        return TT_ERR_NOMEM;
    size_t mask = b->nslots - 1;
    size_t s = (size_t)key_hash(src, service) & mask;
    uint32_t idx;
    while ((idx = b->slots[s]) != 0) {
        tt_detail_row *row = &b->rows[idx - 1];
        if (row->service == service && memcmp(row->src.bytes, src->bytes, 16) == 0) {
            row->packets++;
            row->bytes += bytes;
            if ((uint32_t)ts_sec < row->first)
                row->first = (uint32_t)ts_sec;
            if ((uint32_t)ts_sec > row->last)
                row->last = (uint32_t)ts_sec;
            return TT_OK;
        }
        s = (s + 1) & mask;
    }
    if (agg->entries >= agg->max_entries)
        return TT_ERR_NOMEM;
    if (b->nrows == b->rows_cap) {
        size_t cap = b->rows_cap ? b->rows_cap * 2 : 512;
        tt_detail_row *p = realloc(b->rows, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        b->rows = p;
        b->rows_cap = cap;
    }
    tt_detail_row *row = &b->rows[b->nrows];
    row->src = *src;
    row->service = service;
    row->cc = 0;
    row->packets = 1;
    row->bytes = bytes;
    row->first = row->last = (uint32_t)ts_sec;
    b->slots[s] = (uint32_t)(++b->nrows);
    agg->entries++;
    if (hour > agg->max_hour)
        agg->max_hour = hour;
    if (b->nrows * 2 > b->nslots)
        return bin_rehash(b, b->nslots * 2);
    return TT_OK;
}

static int row_cmp(const void *a, const void *b) { return tt_detail_row_cmp(a, b); }

typedef struct sort_item {
    uint64_t key;
    uint32_t index;
} sort_item;

/* LSD radix sort on 8-bit digits, skipping digits where all keys agree. */
static tt_status radix_sort(sort_item *items, size_t n)
{
    sort_item *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return TT_ERR_NOMEM;
    sort_item *src = items, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(src[i].key >> shift) & 0xff]++;
        if (count[(src[0].key >> shift) & 0xff] == n)
            continue;
        size_t offset = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = offset;
            offset += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
        sort_item *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != items)
        memcpy(items, src, n * sizeof *items);
    free(tmp);
    return TT_OK;
}

tt_status tt_agg_sort_rows(tt_detail_row *rows, size_t n)
{
    if (n < 2)
        return TT_OK;
    /* Partition into IPv6-below-v4, IPv4-mapped, IPv6-above: that is the
     * 16-byte order, so sorting each part sorts the whole. */
    size_t n_v4 = 0;
    for (size_t i = 0; i < n; i++)
        n_v4 += tt_addr_is_v4(&rows[i].src);
    if (n_v4 == 0 || n_v4 < n / 64) {
        qsort(rows, n, sizeof *rows, row_cmp);
        return TT_OK;
    }
    tt_detail_row *copy = malloc(n * sizeof *copy);
    sort_item *items = malloc(n_v4 * sizeof *items);
    if (copy == NULL || items == NULL) {
        free(copy);
        free(items);
        return TT_ERR_NOMEM;
    }
    memcpy(copy, rows, n * sizeof *rows);
    size_t k = 0, n_low = 0, n_high = 0;
    static const uint8_t v4_start[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (tt_addr_is_v4(&copy[i].src)) {
            items[k].key = (uint64_t)tt_addr_v4(&copy[i].src) << 32 | copy[i].service;
            items[k].index = (uint32_t)i;
            k++;
        } else if (memcmp(copy[i].src.bytes, v4_start, 16) < 0) {
            rows[n_low++] = copy[i];
        }
    }
    size_t at = n_low + n_v4;
    for (size_t i = 0; i < n; i++)
        if (!tt_addr_is_v4(&copy[i].src) && memcmp(copy[i].src.bytes, v4_start, 16) >= 0)
            rows[at + n_high++] = copy[i];
    tt_status st = radix_sort(items, n_v4);
    if (st == TT_OK) {
        for (size_t i = 0; i < n_v4; i++)
            rows[n_low + i] = copy[items[i].index];
        qsort(rows, n_low, sizeof *rows, row_cmp);
        qsort(rows + at, n_high, sizeof *rows, row_cmp);
    }
    free(copy);
    free(items);
    return st;
}

static int bin_order(const void *a, const void *b)
{
    const bin *ba = a, *bb = b;
    if (ba->hour != bb->hour)
        return ba->hour < bb->hour ? -1 : 1;
    return (ba->sensor > bb->sensor) - (ba->sensor < bb->sensor);
}

tt_status tt_agg_flush(tt_agg *agg, int64_t before_hour, tt_agg_emit_fn emit, void *ctx)
{
    qsort(agg->bins, agg->nbins, sizeof *agg->bins, bin_order);
    agg->last_bin = agg->nbins;
    size_t i = 0;
    tt_status st = TT_OK;
    for (; i < agg->nbins && agg->bins[i].hour < before_hour; i++) {
        bin *b = &agg->bins[i];
        if ((st = tt_agg_sort_rows(b->rows, b->nrows)) != TT_OK)
            break;
        if ((st = emit(ctx, b->hour, b->sensor, b->rows, b->nrows)) != TT_OK) {
            /* Sorting moved rows under the hash slots: rebuild them so the
             * kept bin stays usable. */
            if (bin_rehash(b, b->nslots) != TT_OK)
                st = TT_ERR_NOMEM;
            break;
        }
        agg->entries -= b->nrows;
        bin_free(b);
    }
    /* Keep the unflushed bins (from the first failure on, or the open hours). */
    size_t flushed = i;
    memmove(agg->bins, agg->bins + flushed, (agg->nbins - flushed) * sizeof *agg->bins);
    agg->nbins -= flushed;
    agg->last_bin = agg->nbins;
    if (agg->nbins == 0)
        agg->max_hour = INT64_MIN;
    return st;
}
