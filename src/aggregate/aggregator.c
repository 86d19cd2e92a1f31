/* Sensor-hour bins of per-source counters. */
#include "aggregate/aggregator.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct bin {
    int64_t hour;
    int32_t sensor;
    /* While counting: an open-addressing table of nslots rows, one per
     * (src, service, kind), the places in use marked in `used` (the table
     * itself is never cleared: megabytes an hour); nslots is a power of two
     * >= 2 * nrows. The row is the table entry, so a packet already seen
     * touches one place, fetched ahead (with a table of indexes into a row
     * array, the row was a second, dependent cache miss: 60 % of the
     * counting). Once sorted: nrows rows in order, nslots 0. */
    tt_detail_row *rows;
    uint64_t *used; /* one bit per place */
    size_t nrows, nslots;
    bool sorted;
} bin;

static inline bool place_used(const uint64_t *used, size_t s) { return used[s >> 6] >> (s & 63) & 1; }

static inline void mark_used(uint64_t *used, size_t s) { used[s >> 6] |= (uint64_t)1 << (s & 63); }

/* The first free place from hash on (the table is at most half full), marked used. */
static inline size_t take_free_place(uint64_t *used, size_t mask, uint64_t hash)
{
    size_t s = (size_t)hash & mask;
    while (place_used(used, s))
        s = (s + 1) & mask;
    mark_used(used, s);
    return s;
}

/* The table size a sensor's last bin needed: its next hour starts there
 * instead of doubling its way up again (each doubling moves every row). */
typedef struct size_hint {
    int32_t sensor;
    size_t nslots;
} size_hint;

/* Packets wait a few places in a ring before they are counted, so their
 * place in the table can be fetched from memory meanwhile: a bin's table is
 * megabytes, and waiting for a cache miss per packet was most of the
 * reading thread's time. */
#define AGG_AHEAD 8
#define AGG_FIRST_SLOTS 1024

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
    size_hint *hints;
    size_t nhints;
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
    free(b->used);
}

void tt_agg_free(tt_agg *agg)
{
    if (agg == NULL)
        return;
    for (size_t i = 0; i < agg->nbins; i++)
        bin_free(&agg->bins[i]);
    free(agg->bins);
    free(agg->hints);
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

static inline uint32_t entry_key(tt_service service, uint8_t kind) { return service << 4 | (kind & 0xf); }

/* A table is read at random, megabytes of it: in 4 KB pages nearly every
 * packet's prefetch also missed the TLB, and on these virtual machines
 * that stalls (a nested page walk). Asks for transparent huge pages over
 * the whole 2 MB pages of [p, p + bytes). */
static void advise_huge(void *p, size_t bytes)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/* Moves the rows into a table of nslots places (a power of two). */
static tt_status bin_rehash(bin *b, size_t nslots)
{
    tt_detail_row *table = malloc(nslots * sizeof *table);
    if (table != NULL)
        advise_huge(table, nslots * sizeof *table);
    uint64_t *used = calloc((nslots + 63) / 64, sizeof *used);
    if (table == NULL || used == NULL) {
        free(table);
        free(used);
        return TT_ERR_NOMEM;
    }
    size_t mask = nslots - 1;
    for (size_t i = 0; i < b->nslots; i++) {
        if (!place_used(b->used, i))
            continue;
        const tt_detail_row *r = &b->rows[i];
        table[take_free_place(used, mask, key_hash(&r->src, tt_detail_key(r)))] = *r;
    }
    bin_free(b);
    b->rows = table;
    b->used = used;
    b->nslots = nslots;
    return TT_OK;
}

static size_hint *hint_of(const tt_agg *agg, int32_t sensor)
{
    for (size_t i = 0; i < agg->nhints; i++)
        if (agg->hints[i].sensor == sensor)
            return &agg->hints[i];
    return NULL;
}

static size_t first_slots(const tt_agg *agg, int32_t sensor)
{
    const size_hint *h = hint_of(agg, sensor);
    return h ? h->nslots : AGG_FIRST_SLOTS;
}

/* The table a bin of nrows rows needs: what its sensor's next hour starts
 * with (a quiet hour after a burst starts small again). */
static void remember_slots(tt_agg *agg, int32_t sensor, size_t nrows)
{
    size_t nslots = AGG_FIRST_SLOTS;
    while (nslots < 2 * nrows)
        nslots *= 2;
    size_hint *h = hint_of(agg, sensor);
    if (h != NULL) {
        h->nslots = nslots;
        return;
    }
    size_hint *grown = realloc(agg->hints, (agg->nhints + 1) * sizeof *grown);
    if (grown == NULL)
        return; /* only a hint */
    agg->hints = grown;
    agg->hints[agg->nhints++] = (size_hint){sensor, nslots};
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
    if (bin_rehash(b, first_slots(agg, sensor)) != TT_OK)
        return NULL;
    agg->last_bin = agg->nbins++;
    return b;
}

int64_t tt_agg_hour_of(int64_t ts_sec) { return ts_sec >= 0 ? ts_sec / 3600 : -((-ts_sec + 3599) / 3600); }

/* Counts packet p into its bin. With `bounded`, a packet that needs a new
 * row when the entry bound is reached changes nothing and gets TT_ERR_NOMEM. */
static tt_status count_packet(tt_agg *agg, const pending *p, bool bounded)
{
    bin *b = &agg->bins[p->bin];
    size_t mask = b->nslots - 1;
    uint32_t key = entry_key(p->service, p->kind);
    size_t s = (size_t)p->hash & mask;
    uint32_t ts = (uint32_t)p->ts_sec;
    tt_detail_row *row;
    while (place_used(b->used, s)) {
        row = &b->rows[s];
        if (tt_detail_key(row) == key && tt_addr_equal(&row->src, &p->src)) {
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
        s = take_free_place(b->used, b->nslots - 1, p->hash);
    } else {
        mark_used(b->used, s); /* where the search ended */
    }
    row = &b->rows[s];
    memset(row, 0, sizeof *row);
    row->src = p->src;
    row->service = p->service;
    row->kind = p->kind & 0xf;
    row->os = p->os;
    row->ttl = p->ttl;
    row->packets = 1;
    row->bytes = p->bytes;
    row->first = row->last = ts;
    b->nrows++;
    agg->entries++;
    return TT_OK;
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
    } else {
        if (agg->ring_count == AGG_AHEAD && (st = count_oldest(agg)) != TT_OK)
            return st;
        /* Rows are 56 bytes: both cache lines the packet's place may span. */
        const tt_detail_row *place = &b->rows[(size_t)p.hash & (b->nslots - 1)];
        __builtin_prefetch(place, 1);
        __builtin_prefetch((const char *)place + sizeof *place - 1, 1);
        agg->ring[(agg->ring_head + agg->ring_count) % AGG_AHEAD] = p;
        agg->ring_count++;
    }
    if (ts_sec > agg->newest)
        agg->newest = ts_sec;
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

/* Writes the n rows of src (nsrc places; with `used`, only the places it
 * marks hold rows) into out, sorted. */
static tt_status sort_into(const tt_detail_row *src, size_t nsrc, const uint64_t *used, tt_detail_row *out,
                           size_t n)
{
    /* Partition into IPv6-below-v4, IPv4-mapped, IPv6-above: that is the
     * 16-byte order, so sorting each part sorts the whole. */
    size_t n_v4 = 0;
    for (size_t i = 0; i < nsrc; i++)
        n_v4 += (used == NULL || place_used(used, i)) && tt_addr_is_v4(&src[i].src);
    sort_item *items = n_v4 >= n / 64 && n_v4 > 0 ? malloc(n_v4 * sizeof *items) : NULL;
    if (items == NULL) {
        /* Few IPv4 sources (or no memory for the radix sort): compare. */
        size_t k = 0;
        for (size_t i = 0; i < nsrc; i++)
            if (used == NULL || place_used(used, i))
                out[k++] = src[i];
        qsort(out, n, sizeof *out, row_cmp);
        return TT_OK;
    }
    size_t k = 0, n_low = 0, n_high = 0;
    static const uint8_t v4_start[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    for (size_t i = 0; i < nsrc; i++) {
        if (used != NULL && !place_used(used, i))
            continue;
        if (tt_addr_is_v4(&src[i].src)) {
            items[k].key = (uint64_t)tt_addr_v4(&src[i].src) << 32 | tt_detail_key(&src[i]);
            items[k].index = (uint32_t)i;
            k++;
        } else if (memcmp(src[i].src.bytes, v4_start, 16) < 0) {
            out[n_low++] = src[i];
        }
    }
    size_t at = n_low + n_v4;
    for (size_t i = 0; i < nsrc; i++)
        if ((used == NULL || place_used(used, i)) && !tt_addr_is_v4(&src[i].src) &&
            memcmp(src[i].src.bytes, v4_start, 16) >= 0)
            out[at + n_high++] = src[i];
    tt_status st = radix_sort(items, n_v4);
    if (st == TT_OK) {
        for (size_t i = 0; i < n_v4; i++)
            out[n_low + i] = src[items[i].index];
        qsort(out, n_low, sizeof *out, row_cmp);
        qsort(out + at, n_high, sizeof *out, row_cmp);
    }
    free(items);
    return st;
}

tt_status tt_agg_sort_rows(tt_detail_row *rows, size_t n)
{
    if (n < 2)
        return TT_OK;
    tt_detail_row *copy = malloc(n * sizeof *copy);
    if (copy == NULL)
        return TT_ERR_NOMEM;
    memcpy(copy, rows, n * sizeof *rows);
    tt_status st = sort_into(copy, n, NULL, rows, n);
    free(copy);
    return st;
}

/* Turns a detached bin's table into its rows, sorted. */
static tt_status sort_bin(bin *b)
{
    if (b->sorted)
        return TT_OK;
    tt_detail_row *rows = malloc((b->nrows ? b->nrows : 1) * sizeof *rows);
    if (rows == NULL)
        return TT_ERR_NOMEM;
    tt_status st = sort_into(b->rows, b->nslots, b->used, rows, b->nrows);
    if (st != TT_OK) {
        free(rows);
        return st;
    }
    bin_free(b);
    b->rows = rows;
    b->used = NULL;
    b->nslots = 0;
    b->sorted = true;
    return TT_OK;
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
            remember_slots(agg, b->sensor, b->nrows);
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
    for (size_t i = 0; batch && i < batch->nbins && st == TT_OK; i++)
        st = sort_bin(&batch->bins[i]);
    return st;
}

tt_status tt_agg_batch_emit(tt_agg_batch *batch, tt_agg_emit_fn emit, void *ctx)
{
    tt_status st = TT_OK;
    for (size_t i = 0; batch && i < batch->nbins && st == TT_OK; i++) {
        bin *b = &batch->bins[i];
        if ((st = sort_bin(b)) == TT_OK)
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
