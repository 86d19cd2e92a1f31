/* Sensor-hour bins of per-source counters. */
#include "aggregate/aggregator.h"

#include <stdlib.h>
#include <string.h>

typedef struct bin {
    int64_t hour;
    int32_t sensor;
    tt_detail_row *rows; /* one per (src, service) */
    size_t nrows, rows_cap;
    uint64_t *slots; /* open addressing: 0 = empty, else hash tag << 32 | (row index + 1);
                      * the tag lets most mismatches be rejected without touching the row */
    size_t nslots;   /* power of two, kept >= 2 * nrows */
    bool sorted;     /* rows sorted already (tt_agg_batch_sort) */
} bin;

/* Packets wait a few places in a ring before they are counted, so their
 * hash slot and row can be fetched from memory meanwhile: a bin's table is
 * megabytes, and waiting for two cache misses per packet was 40 % of the
 * reading thread's time. */
#define AGG_AHEAD 8
#define AGG_ROW_AHEAD 4 /* a pending packet's row is prefetched this many places before its turn */

typedef struct pending {
    int64_t ts_sec;
    uint64_t hash;
    tt_addr src;
    uint32_t bin, bytes;
    tt_service service;
    uint8_t kind, os, ttl;
} pending;

struct tt_agg {
    bin *bins;
    size_t nbins, bins_cap;
    size_t last_bin; /* consecutive packets mostly share a bin */
    size_t entries, max_entries;
    int64_t newest;
    pending ring[AGG_AHEAD];
    size_t ring_head, ring_count;
};

tt_agg *tt_agg_new(size_t max_entries)
{
    tt_agg *agg = calloc(1, sizeof *agg);
    if (agg == NULL)
        return NULL;
    agg->max_entries = max_entries;
    agg->newest = INT64_MIN;
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

size_t tt_agg_entries(const tt_agg *agg) { return agg->entries + agg->ring_count; }
int64_t tt_agg_newest(const tt_agg *agg) { return agg->newest; }

static inline uint64_t key_hash(const tt_addr *src, uint32_t key)
{
    uint64_t hi, lo;
    memcpy(&hi, src->bytes, 8);
    memcpy(&lo, src->bytes + 8, 8);
    uint64_t h = lo ^ ((uint64_t)key << 3) ^ (hi * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static tt_status bin_rehash(bin *b, size_t nslots)
{
    uint64_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return TT_ERR_NOMEM;
    size_t mask = nslots - 1;
    for (size_t i = 0; i < b->nrows; i++) {
        uint64_t h = key_hash(&b->rows[i].src, tt_detail_key(&b->rows[i]));
        size_t s = (size_t)h & mask;
        while (slots[s])
            s = (s + 1) & mask;
        slots[s] = (h >> 32) << 32 | (uint64_t)(i + 1);
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

static inline uint32_t entry_key(tt_service service, uint8_t kind) { return service << 4 | (kind & 0xf); }

int64_t tt_agg_hour_of(int64_t ts_sec) { return ts_sec >= 0 ? ts_sec / 3600 : -((-ts_sec + 3599) / 3600); }

/* Counts packet p into its bin. With `bounded`, a packet that needs a new
 * row when the entry bound is reached changes nothing and gets TT_ERR_NOMEM. */
static tt_status count_packet(tt_agg *agg, const pending *p, bool bounded)
{
    bin *b = &agg->bins[p->bin];
    size_t mask = b->nslots - 1;
    uint32_t key = entry_key(p->service, p->kind);
    uint64_t tag = (p->hash >> 32) << 32;
    size_t s = (size_t)p->hash & mask;
    uint32_t ts = (uint32_t)p->ts_sec;
    uint64_t slot;
    while ((slot = b->slots[s]) != 0) {
        tt_detail_row *row = &b->rows[(uint32_t)slot - 1];
        if ((slot & 0xffffffff00000000ull) == tag && tt_detail_key(row) == key && tt_addr_equal(&row->src, &p->src)) {
            if (row->os == 0)
                row->os = p->os;
            row->packets++;
            row->bytes += p->bytes;
            if (ts < row->first)
                row->first = ts;
            if (ts > row->last)
                row->last = ts;
            return TT_OK;
        }
        s = (s + 1) & mask;
    }
    if (bounded && agg->entries >= agg->max_entries)
        return TT_ERR_NOMEM;
    /* Everything that can fail comes before the row is added, so a failed
     * packet changes nothing (it is counted again later, once). */
    if ((b->nrows + 1) * 2 > b->nslots) {
        tt_status st = bin_rehash(b, b->nslots * 2);
        if (st != TT_OK)
            return st;
        mask = b->nslots - 1;
        for (s = (size_t)p->hash & mask; b->slots[s] != 0;)
            s = (s + 1) & mask;
    }
    if (b->nrows == b->rows_cap) {
        size_t cap = b->rows_cap ? b->rows_cap * 2 : 512;
        tt_detail_row *grown = realloc(b->rows, cap * sizeof *grown);
        if (grown == NULL)
            return TT_ERR_NOMEM;
        b->rows = grown;
        b->rows_cap = cap;
    }
    tt_detail_row *row = &b->rows[b->nrows];
    memset(row, 0, sizeof *row);
    row->src = p->src;
    row->service = p->service;
    row->kind = p->kind & 0xf;
    row->os = p->os;
    row->ttl = p->ttl;
    row->packets = 1;
    row->bytes = p->bytes;
    row->first = row->last = ts;
    b->slots[s] = tag | (uint64_t)(++b->nrows);
    agg->entries++;
    return TT_OK;
}

/* The row a pending packet will most likely touch: its first probe. */
static inline void prefetch_row(const tt_agg *agg, const pending *p)
{
    const bin *b = &agg->bins[p->bin];
    uint64_t slot = b->slots[(size_t)p->hash & (b->nslots - 1)];
    if (slot)
        __builtin_prefetch(&b->rows[(uint32_t)slot - 1], 1);
}

/* Counts the oldest pending packet. It was counted in the bound when it
 * entered the ring, so only a failed allocation stops it (it then stays). */
static tt_status count_oldest(tt_agg *agg)
{
    tt_status st = count_packet(agg, &agg->ring[agg->ring_head], false);
    if (st != TT_OK)
        return st;
    agg->ring_head = (agg->ring_head + 1) % AGG_AHEAD;
    agg->ring_count--;
    if (agg->ring_count >= AGG_ROW_AHEAD)
        prefetch_row(agg, &agg->ring[(agg->ring_head + AGG_ROW_AHEAD - 1) % AGG_AHEAD]);
    return TT_OK;
}

/* Counts every pending packet (before bins are taken out). */
static tt_status count_pending(tt_agg *agg)
{
    tt_status st = TT_OK;
    while (agg->ring_count > 0 && st == TT_OK)
        st = count_oldest(agg);
    return st;
}

tt_status tt_agg_add(tt_agg *agg, int64_t ts_sec, int32_t sensor, const tt_addr *src,
                     tt_service service, uint8_t kind, uint8_t os, uint8_t ttl, uint32_t bytes)
{
    bin *b = find_bin(agg, tt_agg_hour_of(ts_sec), sensor);
    if (b == NULL)
        return TT_ERR_NOMEM;
    pending p = {.ts_sec = ts_sec,
                 .hash = key_hash(src, entry_key(service, kind)),
                 .src = *src,
                 .bin = (uint32_t)(b - agg->bins),
                 .bytes = bytes,
                 .service = service,
                 .kind = kind,
                 .os = os,
                 .ttl = ttl};
    tt_status st;
    if (agg->entries + agg->ring_count + AGG_AHEAD >= agg->max_entries) {
        /* Near the bound: count the ring, then this packet at once, so the
         * bound is exact and a refused packet leaves nothing behind. */
        if ((st = count_pending(agg)) != TT_OK || (st = count_packet(agg, &p, true)) != TT_OK)
            return st;
        if (ts_sec > agg->newest)
            agg->newest = ts_sec;
        return TT_OK;
    }
    if (agg->ring_count == AGG_AHEAD && (st = count_oldest(agg)) != TT_OK)
        return st;
    if (ts_sec > agg->newest)
        agg->newest = ts_sec;
    __builtin_prefetch(&b->slots[(size_t)p.hash & (b->nslots - 1)], 1);
    agg->ring[(agg->ring_head + agg->ring_count) % AGG_AHEAD] = p;
    agg->ring_count++;
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
            items[k].key = (uint64_t)tt_addr_v4(&copy[i].src) << 32 | tt_detail_key(&copy[i]);
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

struct tt_agg_batch {
    bin *bins;
    size_t nbins;
    size_t entries;
};

size_t tt_agg_batch_entries(const tt_agg_batch *batch) { return batch ? batch->entries : 0; }

tt_status tt_agg_detach(tt_agg *agg, int64_t before_hour, tt_agg_batch **out)
{
    *out = NULL;
    tt_status st = count_pending(agg);
    if (st != TT_OK)
        return st;
    size_t take = 0;
    for (size_t i = 0; i < agg->nbins; i++)
        take += agg->bins[i].hour < before_hour;
    if (take == 0)
        return TT_OK;
    tt_agg_batch *batch = calloc(1, sizeof *batch);
    if (batch == NULL || (batch->bins = malloc(take * sizeof *batch->bins)) == NULL) {
        free(batch);
        return TT_ERR_NOMEM;
    }
    size_t kept = 0;
    for (size_t i = 0; i < agg->nbins; i++) {
        bin *b = &agg->bins[i];
        if (b->hour < before_hour) {
            /* The hash slots are only needed while counting. */
            free(b->slots);
            b->slots = NULL;
            agg->entries -= b->nrows;
            batch->entries += b->nrows;
            batch->bins[batch->nbins++] = *b;
        } else {
            agg->bins[kept++] = *b;
        }
    }
    agg->nbins = kept;
    agg->last_bin = agg->nbins;
    if (agg->nbins == 0)
        agg->newest = INT64_MIN;
    qsort(batch->bins, batch->nbins, sizeof *batch->bins, bin_order);
    *out = batch;
    return TT_OK;
}

tt_status tt_agg_batch_sort(tt_agg_batch *batch)
{
    tt_status st = TT_OK;
    for (size_t i = 0; batch && i < batch->nbins && st == TT_OK; i++) {
        bin *b = &batch->bins[i];
        if (!b->sorted && (st = tt_agg_sort_rows(b->rows, b->nrows)) == TT_OK)
            b->sorted = true;
    }
    return st;
}

tt_status tt_agg_batch_emit(tt_agg_batch *batch, tt_agg_emit_fn emit, void *ctx)
{
    tt_status st = TT_OK;
    for (size_t i = 0; batch && i < batch->nbins && st == TT_OK; i++) {
        bin *b = &batch->bins[i];
        if (b->sorted || (st = tt_agg_sort_rows(b->rows, b->nrows)) == TT_OK)
            st = emit(ctx, b->hour, b->sensor, b->rows, b->nrows);
    }
    return st;
}

void tt_agg_batch_free(tt_agg_batch *batch)
{
    if (batch == NULL)
        return;
    for (size_t i = 0; i < batch->nbins; i++)
        bin_free(&batch->bins[i]);
    free(batch->bins);
    free(batch);
}

tt_status tt_agg_flush(tt_agg *agg, int64_t before_hour, tt_agg_emit_fn emit, void *ctx)
{
    tt_agg_batch *batch;
    tt_status st = tt_agg_detach(agg, before_hour, &batch);
    if (st == TT_OK)
        st = tt_agg_batch_emit(batch, emit, ctx);
    tt_agg_batch_free(batch);
    return st;
}
