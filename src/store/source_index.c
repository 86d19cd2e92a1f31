/* Per sensor-day source sets by key (see source_index.h).
 *
 * Blob layout, little-endian:
 *   "TSX1", u32 nkeys,
 *   nkeys x {u32 key, u32 n4 | ROARING_FLAG, u32 n6, u32 offset}  (keys ascending)
 *   payloads: per key, its IPv4 set (delta varints, or a portable Roaring
 *   bitmap when ROARING_FLAG is set), then n6 16-byte IPv6 addresses, sorted.
 * An entry's payload runs from its offset to the next entry's (or the end).
 * Fixed-size directory entries let a query binary-search the few keys it
 * wants without reading the rest. */
#include "store/source_index.h"

#include <roaring/roaring.h>
#include <stdlib.h>
#include <string.h>

#include "classify/fingerprint.h"
#include "util/sort.h"

#define SRCIDX_MAGIC "TSX1"
#define SRCIDX_HEADER 8
#define SRCIDX_ENTRY 16
#define ROARING_FLAG 0x80000000u
/* Sets this large are also tried as a Roaring bitmap; the smaller form is kept. */
#define ROARING_MIN 64

typedef struct v6_pair {
    uint32_t key;
    tt_addr addr;
} v6_pair;

typedef struct day_part {
    int64_t day;
    int32_t sensor;
    uint64_t *v4; /* key << 32 | IPv4 source */
    size_t n4, cap4;
    v6_pair *v6;
    size_t n6, cap6;
    bool unique; /* v4 and v6 sorted and without repeats */
    tt_buf totals; /* the hours' totals blobs, each after its u32 length */
} day_part;

/* A growable array of uint32 (decoded sets). */
typedef struct u32_list {
    uint32_t *v;
    size_t n, cap;
} u32_list;

struct tt_srcidx_builder {
    day_part *parts;
    size_t nparts, capparts, last;
    size_t pairs;
};

/* What encoding one part works in: its own, so parts encode on two threads. */
typedef struct encode_scratch {
    u32_list stored, fresh, merged;
    tt_addr *v6_merged;
    size_t v6_cap;
} encode_scratch;

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static tt_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return TT_OK;
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(*p, cap2 * size);
    if (q == NULL)
        return TT_ERR_NOMEM;
    *p = q;
    *cap = cap2;
    return TT_OK;
}

static tt_status list_reserve(u32_list *l, size_t n) { return grow((void **)&l->v, &l->cap, n, sizeof *l->v); }

/* ---- Builder ------------------------------------------------------------ */

tt_status tt_srcidx_builder_new(tt_srcidx_builder **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? TT_OK : TT_ERR_NOMEM;
}

void tt_srcidx_builder_clear(tt_srcidx_builder *b)
{
    for (size_t i = 0; i < b->nparts; i++) {
        b->parts[i].n4 = 0;
        b->parts[i].n6 = 0;
        tt_buf_reset(&b->parts[i].totals);
    }
    b->nparts = 0;
    b->last = 0;
    b->pairs = 0;
}

void tt_srcidx_builder_free(tt_srcidx_builder *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->capparts; i++) {
        free(b->parts[i].v4);
        free(b->parts[i].v6);
        tt_buf_free(&b->parts[i].totals);
    }
    free(b->parts);
    free(b);
}

size_t tt_srcidx_builder_pairs(const tt_srcidx_builder *b) { return b->pairs; }
size_t tt_srcidx_builder_days(const tt_srcidx_builder *b) { return b->nparts; }

void tt_srcidx_builder_day(const tt_srcidx_builder *b, size_t i, int64_t *day, int32_t *sensor)
{
    *day = b->parts[i].day;
    *sensor = b->parts[i].sensor;
}

static int64_t day_of_hour(int64_t hour) { return hour >= 0 ? hour / 24 : -((-hour + 23) / 24); }

static day_part *part_for(tt_srcidx_builder *b, int64_t day, int32_t sensor)
{
    if (b->last < b->nparts && b->parts[b->last].day == day && b->parts[b->last].sensor == sensor)
        return &b->parts[b->last];
    for (size_t i = 0; i < b->nparts; i++) {
        if (b->parts[i].day == day && b->parts[i].sensor == sensor) {
            b->last = i;
            return &b->parts[i];
        }
    }
    if (b->nparts == b->capparts) {
        size_t cap = b->capparts ? b->capparts * 2 : 8;
        day_part *p = realloc(b->parts, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        memset(p + b->capparts, 0, (cap - b->capparts) * sizeof *p);
        b->parts = p;
        b->capparts = cap;
    }
    day_part *p = &b->parts[b->nparts];
    p->day = day;
    p->sensor = sensor;
    p->n4 = p->n6 = 0;
    p->unique = true;
    if (p->totals.max == 0)
        tt_buf_init(&p->totals, 0);
    tt_buf_reset(&p->totals);
    b->last = b->nparts++;
    return p;
}

static tt_status part_add(tt_srcidx_builder *b, day_part *p, uint32_t key, const tt_addr *src)
{
    tt_status st;
    if (tt_addr_is_v4(src)) {
        if ((st = grow((void **)&p->v4, &p->cap4, p->n4 + 1, sizeof *p->v4)) != TT_OK)
            return st;
        p->v4[p->n4++] = (uint64_t)key << 32 | tt_addr_v4(src);
    } else {
        if ((st = grow((void **)&p->v6, &p->cap6, p->n6 + 1, sizeof *p->v6)) != TT_OK)
            return st;
        p->v6[p->n6++] = (v6_pair){key, *src};
    }
    p->unique = false;
    b->pairs++;
    return TT_OK;
}

static tt_status add_rows(tt_srcidx_builder *b, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    day_part *p = part_for(b, day_of_hour(hour), sensor);
    if (p == NULL)
        return TT_ERR_NOMEM;
    tt_status st = TT_OK;
    /* Rows come sorted by source, then service: consecutive repeats of a
     * pair are skipped here, the rest by the sort at encoding. */
    const tt_addr *prev = NULL;
    uint32_t last_port = UINT32_MAX, last_cc = UINT32_MAX, last_cc_os = UINT32_MAX;
    for (size_t i = 0; i < n && st == TT_OK; i++) {
        const tt_detail_row *r = &rows[i];
        if (prev == NULL || !tt_addr_equal(prev, &r->src))
            last_port = last_cc = last_cc_os = UINT32_MAX;
        prev = &r->src;
        if (tt_srckey(TT_SRCKEY_CC, 0, r->cc) != last_cc) {
            last_cc = tt_srckey(TT_SRCKEY_CC, 0, r->cc);
            st = part_add(b, p, last_cc, &r->src);
        }
        bool has_os = r->os > 0 && r->os < 16;
        if (st == TT_OK && has_os && tt_srckey(TT_SRCKEY_CC_OS, r->os, r->cc) != last_cc_os) {
            last_cc_os = tt_srckey(TT_SRCKEY_CC_OS, r->os, r->cc);
            st = part_add(b, p, last_cc_os, &r->src);
        }
        if (tt_service_port(r->service) < 0)
            continue; /* non-first fragments have no port */
        uint32_t port = tt_srckey_port_value(r->service);
        uint32_t key = tt_srckey(tt_kind_is_backscatter((tt_kind)r->kind) ? TT_SRCKEY_PORT_BS : TT_SRCKEY_PORT, 0, port);
        if (st == TT_OK && key != last_port) {
            last_port = key;
            st = part_add(b, p, key, &r->src);
        }
        if (st == TT_OK && has_os)
            st = part_add(b, p, tt_srckey(TT_SRCKEY_PORT_OS, r->os, port), &r->src);
    }
    return st;
}

/* Each sensor-hour goes into its sensor-day. The day of all sensors gets
 * its sets at encoding, merged from the day's sensor parts (sorted once,
 * instead of sorting every pair a second time). */
tt_status tt_srcidx_builder_add(tt_srcidx_builder *b, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                                size_t n)
{
    if (sensor == TT_SRCIDX_ALL)
        return TT_ERR_USAGE;
    tt_status st = add_rows(b, hour, sensor, rows, n);
    if (st == TT_OK && part_for(b, day_of_hour(hour), TT_SRCIDX_ALL) == NULL)
        st = TT_ERR_NOMEM;
    return st;
}

static tt_status add_totals(tt_srcidx_builder *b, int64_t hour, int32_t sensor, const uint8_t *totals, size_t len)
{
    day_part *p = part_for(b, day_of_hour(hour), sensor);
    if (p == NULL)
        return TT_ERR_NOMEM;
    if (len > UINT32_MAX)
        return TT_ERR_NOMEM;
    uint8_t size[4];
    put_u32(size, (uint32_t)len);
    tt_status st = tt_buf_append(&p->totals, size, sizeof size);
    return st == TT_OK ? tt_buf_append(&p->totals, totals, len) : st;
}

tt_status tt_srcidx_builder_add_totals(tt_srcidx_builder *b, int64_t hour, int32_t sensor, const uint8_t *totals,
                                       size_t len)
{
    tt_status st = add_totals(b, hour, sensor, totals, len);
    return st == TT_OK ? add_totals(b, hour, TT_SRCIDX_ALL, totals, len) : st;
}

tt_status tt_srcidx_builder_day_totals(tt_srcidx_builder *b, size_t i, const uint8_t *stored, size_t stored_len,
                                       tt_buf *out)
{
    const day_part *p = &b->parts[i];
    size_t n = stored ? 1 : 0;
    for (size_t at = 0; at + 4 <= p->totals.len; at += 4 + get_u32(p->totals.data + at))
        n++;
    const uint8_t **blobs = calloc(n ? n : 1, sizeof *blobs);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    tt_status st = blobs && lens ? TT_OK : TT_ERR_NOMEM;
    if (st == TT_OK) {
        size_t k = 0;
        if (stored) {
            blobs[k] = stored;
            lens[k++] = stored_len;
        }
        for (size_t at = 0; at + 4 <= p->totals.len; k++) {
            lens[k] = get_u32(p->totals.data + at);
            blobs[k] = p->totals.data + at + 4;
            at += 4 + lens[k];
        }
        st = tt_totals_sum(blobs, lens, n, out);
    }
    free(blobs);
    free(lens);
    return st;
}

static int v6_pair_cmp(const void *a, const void *b)
{
    const v6_pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return tt_addr_cmp(&x->addr, &y->addr);
}

static void unique_v6(day_part *p)
{
    if (p->n6 > 1)
        qsort(p->v6, p->n6, sizeof *p->v6, v6_pair_cmp);
    size_t k = 0;
    for (size_t j = 0; j < p->n6; j++)
        if (k == 0 || v6_pair_cmp(&p->v6[j], &p->v6[k - 1]) != 0)
            p->v6[k++] = p->v6[j];
    p->n6 = k;
}

/* Sorts a part's pairs and drops repeats. */
static tt_status make_unique(day_part *p)
{
    if (p->unique)
        return TT_OK;
    tt_status st = tt_sort_u64(p->v4, p->n4);
    if (st != TT_OK)
        return st;
    size_t k = 0;
    for (size_t j = 0; j < p->n4; j++)
        if (k == 0 || p->v4[j] != p->v4[k - 1])
            p->v4[k++] = p->v4[j];
    p->n4 = k;
    unique_v6(p);
    p->unique = true;
    return TT_OK;
}

/* A min-heap of the sensor parts' next IPv4 pairs, for a k-way merge. */
typedef struct merge_cursor {
    const uint64_t *at, *end;
} merge_cursor;

static void heap_sift_down(merge_cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && *h[l].at < *h[m].at)
            m = l;
        if (l + 1 < n && *h[l + 1].at < *h[m].at)
            m = l + 1;
        if (m == i)
            return;
        merge_cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static bool sensor_part_of(const day_part *p, const day_part *all)
{
    return p->day == all->day && p->sensor != TT_SRCIDX_ALL;
}

/* The sets of the day of all sensors: the union of the day's sensor parts
 * (each made unique first), merged in order. */
static tt_status merge_day(tt_srcidx_builder *b, day_part *all)
{
    size_t k = 0, n4 = 0, n6 = 0;
    tt_status st = TT_OK;
    for (size_t i = 0; i < b->nparts && st == TT_OK; i++) {
        day_part *p = &b->parts[i];
        if (!sensor_part_of(p, all))
            continue;
        st = make_unique(p);
        k++;
        n4 += p->n4;
        n6 += p->n6;
    }
    merge_cursor *heap = calloc(k ? k : 1, sizeof *heap);
    if (st != TT_OK || heap == NULL ||
        (st = grow((void **)&all->v4, &all->cap4, n4, sizeof *all->v4)) != TT_OK ||
        (st = grow((void **)&all->v6, &all->cap6, n6, sizeof *all->v6)) != TT_OK) {
        free(heap);
        return st != TT_OK ? st : TT_ERR_NOMEM;
    }
    size_t nheap = 0;
    all->n6 = 0;
    for (size_t i = 0; i < b->nparts; i++) {
        const day_part *p = &b->parts[i];
        if (!sensor_part_of(p, all))
            continue;
        if (p->n4)
            heap[nheap++] = (merge_cursor){p->v4, p->v4 + p->n4};
        if (p->n6) {
            memcpy(all->v6 + all->n6, p->v6, p->n6 * sizeof *p->v6);
            all->n6 += p->n6;
        }
    }
    for (size_t i = nheap; i-- > 0;)
        heap_sift_down(heap, nheap, i);
    all->n4 = 0;
    while (nheap > 0) {
        uint64_t v = *heap[0].at++;
        if (all->n4 == 0 || all->v4[all->n4 - 1] != v)
            all->v4[all->n4++] = v;
        if (heap[0].at == heap[0].end)
            heap[0] = heap[--nheap];
        heap_sift_down(heap, nheap, 0);
    }
    free(heap);
    unique_v6(all); /* IPv6 pairs (rare) were only concatenated */
    all->unique = true;
    return TT_OK;
}

/* Entry e's payload: from its offset to the next entry's (or the end). */
static void entry_payload(const tt_srcidx_blob *blob, uint32_t e, size_t *start, size_t *end)
{
    const uint8_t *ent = blob->dir + (size_t)e * SRCIDX_ENTRY;
    *start = get_u32(ent + 12);
    *end = e + 1 < blob->nkeys ? get_u32(ent + SRCIDX_ENTRY + 12) : blob->payload_len;
}

/* Appends entry e's IPv4 set to out (sorted, strictly increasing). */
static tt_status decode_v4(const tt_srcidx_blob *blob, uint32_t e, u32_list *out, const uint8_t **v6,
                           uint32_t *n6)
{
    const uint8_t *ent = blob->dir + (size_t)e * SRCIDX_ENTRY;
    uint32_t n4 = get_u32(ent + 4) & ~ROARING_FLAG;
    bool roaring = (get_u32(ent + 4) & ROARING_FLAG) != 0;
    *n6 = get_u32(ent + 8);
    size_t start, end;
    entry_payload(blob, e, &start, &end);
    size_t v6_bytes = (size_t)*n6 * 16;
    if (end - start < v6_bytes)
        return TT_ERR_FORMAT;
    size_t v4_len = end - start - v6_bytes;
    const uint8_t *p = blob->payload + start;
    *v6 = p + v4_len;
    tt_status st;
    if (roaring) {
        /* The count is checked against the bitmap before anything is allocated for it. */
        roaring_bitmap_t *r = roaring_bitmap_portable_deserialize_safe((const char *)p, v4_len);
        if (r == NULL)
            return TT_ERR_FORMAT;
        bool ok = roaring_bitmap_portable_deserialize_size((const char *)p, v4_len) == v4_len &&
                  roaring_bitmap_get_cardinality(r) == n4;
        st = ok ? list_reserve(out, out->n + n4) : TT_ERR_FORMAT;
        if (st == TT_OK) {
            roaring_bitmap_to_uint32_array(r, out->v + out->n);
            out->n += n4;
        }
        roaring_bitmap_free(r);
        return st;
    }
    if (n4 > v4_len) /* a varint takes at least one byte */
        return TT_ERR_FORMAT;
    if ((st = list_reserve(out, out->n + n4)) != TT_OK)
        return st;
    tt_cursor c;
    tt_cursor_init(&c, p, v4_len);
    uint64_t value = 0;
    for (uint32_t i = 0; i < n4; i++) {
        uint64_t delta = tt_cursor_varint(&c);
        if (c.failed || (i > 0 && delta == 0) || delta > UINT32_MAX || value + delta > UINT32_MAX)
            return TT_ERR_FORMAT;
        value += delta;
        out->v[out->n++] = (uint32_t)value;
    }
    return tt_cursor_left(&c) == 0 ? TT_OK : TT_ERR_FORMAT;
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* About the size of the portable Roaring form of a sorted set: 8 header
 * bytes per 64 K block, then per block the smallest of an array (2 bytes a
 * value), a bitmap (8 KB) and runs (4 bytes a run), as CRoaring picks. */
static size_t roaring_size_estimate(const uint32_t *v, size_t n)
{
    size_t size = 8;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, runs = 1;
        while (j < n && v[j] >> 16 == v[i] >> 16) {
            runs += v[j] != v[j - 1] + 1;
            j++;
        }
        size_t card = j - i, best = card > 4096 ? 8192 : 2 * card;
        if (2 + 4 * runs < best)
            best = 2 + 4 * runs;
        size += 8 + best;
        i = j;
    }
    return size;
}

/* Appends one key's entry: directory to dir, sets to payload. */
static tt_status encode_entry(tt_buf *dir, tt_buf *payload, uint32_t key, const uint32_t *v4, size_t n4,
                              const tt_addr *v6, size_t n6)
{
    if (n4 >= ROARING_FLAG || n6 > UINT32_MAX || payload->len > UINT32_MAX)
        return TT_ERR_NOMEM;
    size_t varint_bytes = 0;
    for (size_t i = 0; i < n4; i++)
        varint_bytes += varint_size(i ? (uint64_t)v4[i] - v4[i - 1] : v4[0]);
    uint32_t flag = 0;
    tt_status st;
    roaring_bitmap_t *r = NULL;
    /* Building a bitmap costs more than the whole varint encoding: only when
     * the estimate says it wins, then kept if it really does. */
    if (n4 >= ROARING_MIN && roaring_size_estimate(v4, n4) < varint_bytes) {
        r = roaring_bitmap_of_ptr(n4, v4);
        if (r == NULL)
            return TT_ERR_NOMEM;
        roaring_bitmap_run_optimize(r);
        if (roaring_bitmap_portable_size_in_bytes(r) < varint_bytes)
            flag = ROARING_FLAG;
    }
    uint8_t ent[SRCIDX_ENTRY];
    put_u32(ent, key);
    put_u32(ent + 4, (uint32_t)n4 | flag);
    put_u32(ent + 8, (uint32_t)n6);
    put_u32(ent + 12, (uint32_t)payload->len);
    if ((st = tt_buf_append(dir, ent, sizeof ent)) != TT_OK)
        goto done;
    if (flag) {
        size_t size = roaring_bitmap_portable_size_in_bytes(r);
        if ((st = tt_buf_reserve(payload, size)) != TT_OK)
            goto done;
        payload->len += roaring_bitmap_portable_serialize(r, (char *)payload->data + payload->len);
    } else {
        if ((st = tt_buf_reserve(payload, varint_bytes)) != TT_OK)
            goto done;
        for (size_t i = 0; i < n4; i++)
            tt_buf_put_varint_unchecked(payload, i ? (uint64_t)v4[i] - v4[i - 1] : v4[0]);
    }
    for (size_t i = 0; i < n6 && st == TT_OK; i++)
        st = tt_buf_append(payload, v6[i].bytes, 16);
done:
    if (r)
        roaring_bitmap_free(r); /* this CRoaring does not accept NULL */
    return st;
}

/* Appends stored entry e unchanged (its payload moves to the new offset). */
static tt_status copy_entry(const tt_srcidx_blob *blob, uint32_t e, tt_buf *dir, tt_buf *payload)
{
    size_t start, end;
    entry_payload(blob, e, &start, &end);
    if (payload->len > UINT32_MAX)
        return TT_ERR_NOMEM;
    uint8_t copy[SRCIDX_ENTRY];
    memcpy(copy, blob->dir + (size_t)e * SRCIDX_ENTRY, SRCIDX_ENTRY);
    put_u32(copy + 12, (uint32_t)payload->len);
    tt_status st = tt_buf_append(dir, copy, sizeof copy);
    return st == TT_OK ? tt_buf_append(payload, blob->payload + start, end - start) : st;
}

/* Sorted union of two strictly increasing lists. */
static tt_status union_u32(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, u32_list *out)
{
    tt_status st = list_reserve(out, na + nb);
    if (st != TT_OK)
        return st;
    size_t i = 0, j = 0, n = 0;
    while (i < na || j < nb) {
        uint32_t v;
        if (j >= nb || (i < na && a[i] < b[j]))
            v = a[i++];
        else if (i >= na || b[j] < a[i])
            v = b[j++];
        else {
            v = a[i++];
            j++;
        }
        out->v[n++] = v;
    }
    out->n = n;
    return TT_OK;
}

tt_status tt_srcidx_builder_encode(tt_srcidx_builder *b, size_t i, const uint8_t *stored, size_t stored_len,
                                   tt_buf *out)
{
    day_part *p = &b->parts[i];
    tt_status st = p->sensor == TT_SRCIDX_ALL ? merge_day(b, p) : make_unique(p);
    if (st != TT_OK)
        return st;

    tt_srcidx_blob old = {0};
    if (stored && (st = tt_srcidx_open(stored, stored_len, &old)) != TT_OK)
        return st;
    tt_buf dir, payload;
    tt_buf_init(&dir, 0);
    tt_buf_init(&payload, 0);
    encode_scratch scratch = {0}, *w = &scratch;
    size_t e = 0, a = 0, c = 0; /* next stored entry, IPv4 pair, IPv6 pair */
    while (st == TT_OK && (e < old.nkeys || a < p->n4 || c < p->n6)) {
        uint32_t key = UINT32_MAX;
        bool any = false;
        if (e < old.nkeys) {
            key = get_u32(old.dir + e * SRCIDX_ENTRY);
            any = true;
        }
        if (a < p->n4 && (!any || (uint32_t)(p->v4[a] >> 32) < key)) {
            key = (uint32_t)(p->v4[a] >> 32);
            any = true;
        }
        if (c < p->n6 && (!any || p->v6[c].key < key))
            key = p->v6[c].key;
        bool in_stored = e < old.nkeys && get_u32(old.dir + e * SRCIDX_ENTRY) == key;
        bool added = (a < p->n4 && (uint32_t)(p->v4[a] >> 32) == key) || (c < p->n6 && p->v6[c].key == key);
        if (in_stored && !added) {
            /* Nothing new for this key: its stored entry is copied, not re-encoded
             * (most keys of a day get nothing new in a later transaction). */
            st = copy_entry(&old, (uint32_t)e++, &dir, &payload);
            continue;
        }
        /* The stored set of the key, if any. */
        w->stored.n = 0;
        const uint8_t *old_v6 = NULL;
        uint32_t old_n6 = 0;
        if (in_stored) {
            if ((st = decode_v4(&old, (uint32_t)e, &w->stored, &old_v6, &old_n6)) != TT_OK)
                break;
            e++;
        }
        /* The new IPv4 sources of the key. */
        w->fresh.n = 0;
        size_t a0 = a;
        while (a < p->n4 && (uint32_t)(p->v4[a] >> 32) == key)
            a++;
        if ((st = list_reserve(&w->fresh, a - a0)) != TT_OK)
            break;
        for (size_t j = a0; j < a; j++)
            w->fresh.v[w->fresh.n++] = (uint32_t)p->v4[j];
        if ((st = union_u32(w->stored.v, w->stored.n, w->fresh.v, w->fresh.n, &w->merged)) != TT_OK)
            break;
        /* IPv6: stored (sorted) and new (sorted) merged. */
        size_t c0 = c;
        while (c < p->n6 && p->v6[c].key == key)
            c++;
        if ((st = grow((void **)&w->v6_merged, &w->v6_cap, old_n6 + (c - c0) + 1, sizeof *w->v6_merged)) !=
            TT_OK)
            break;
        size_t n6 = 0, x = 0, y = c0;
        while (x < old_n6 || y < c) {
            tt_addr v;
            if (x < old_n6) {
                memcpy(v.bytes, old_v6 + x * 16, 16);
                if (tt_addr_is_v4(&v)) {
                    st = TT_ERR_FORMAT; /* the IPv6 part holds IPv6 only */
                    break;
                }
            }
            int cmp = x >= old_n6 ? 1 : y >= c ? -1 : tt_addr_cmp(&v, &p->v6[y].addr);
            if (cmp > 0)
                v = p->v6[y++].addr;
            else {
                x++;
                if (cmp == 0)
                    y++;
            }
            if (n6 > 0 && tt_addr_cmp(&w->v6_merged[n6 - 1], &v) >= 0) {
                st = TT_ERR_FORMAT; /* stored addresses out of order */
                break;
            }
            w->v6_merged[n6++] = v;
        }
        if (st == TT_OK)
            st = encode_entry(&dir, &payload, key, w->merged.v, w->merged.n, w->v6_merged, n6);
    }
    if (st == TT_OK && dir.len / SRCIDX_ENTRY > UINT32_MAX)
        st = TT_ERR_NOMEM;
    if (st == TT_OK) {
        uint8_t header[SRCIDX_HEADER];
        memcpy(header, SRCIDX_MAGIC, 4);
        put_u32(header + 4, (uint32_t)(dir.len / SRCIDX_ENTRY));
        tt_buf_reset(out);
        if ((st = tt_buf_append(out, header, sizeof header)) == TT_OK &&
            (st = tt_buf_append(out, dir.data, dir.len)) == TT_OK)
            st = tt_buf_append(out, payload.data, payload.len);
    }
    tt_buf_free(&dir);
    tt_buf_free(&payload);
    free(w->stored.v);
    free(w->fresh.v);
    free(w->merged.v);
    free(w->v6_merged);
    return st;
}

/* ---- Reading ------------------------------------------------------------ */

tt_status tt_srcidx_open(const uint8_t *data, size_t len, tt_srcidx_blob *out)
{
    memset(out, 0, sizeof *out);
    if (len < SRCIDX_HEADER || memcmp(data, SRCIDX_MAGIC, 4) != 0)
        return TT_ERR_FORMAT;
    uint32_t nkeys = get_u32(data + 4);
    if ((len - SRCIDX_HEADER) / SRCIDX_ENTRY < nkeys)
        return TT_ERR_FORMAT;
    out->data = data;
    out->len = len;
    out->nkeys = nkeys;
    out->dir = data + SRCIDX_HEADER;
    out->payload = out->dir + (size_t)nkeys * SRCIDX_ENTRY;
    out->payload_len = len - SRCIDX_HEADER - (size_t)nkeys * SRCIDX_ENTRY;
    uint32_t prev_key = 0, prev_offset = 0;
    for (uint32_t i = 0; i < nkeys; i++) {
        const uint8_t *ent = out->dir + (size_t)i * SRCIDX_ENTRY;
        uint32_t key = get_u32(ent), offset = get_u32(ent + 12);
        if ((i > 0 && key <= prev_key) || offset < prev_offset || offset > out->payload_len ||
            (i == 0 && offset != 0))
            return TT_ERR_FORMAT;
        prev_key = key;
        prev_offset = offset;
    }
    return TT_OK;
}

static bool find_key(const tt_srcidx_blob *blob, uint32_t key, uint32_t *index)
{
    uint32_t lo = 0, hi = blob->nkeys;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t k = get_u32(blob->dir + (size_t)mid * SRCIDX_ENTRY);
        if (k == key) {
            *index = mid;
            return true;
        }
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

tt_status tt_source_union_init(tt_source_union *u)
{
    memset(u, 0, sizeof *u);
    tt_addr_set_init(&u->v6, 0);
    return TT_OK;
}

void tt_source_union_free(tt_source_union *u)
{
    free(u->v4);
    tt_addr_set_free(&u->v6);
    memset(u, 0, sizeof *u);
}

/* Sorts and deduplicates v4: the part added since the last compaction is
 * sorted on its own, then merged with the sorted part. */
static tt_status union_compact(tt_source_union *u)
{
    if (u->sorted == u->n)
        return TT_OK;
    uint32_t *tail = u->v4 + u->sorted;
    size_t ntail = u->n - u->sorted, k = 0;
    tt_status st = tt_sort_u32(tail, ntail);
    if (st != TT_OK)
        return st;
    for (size_t i = 0; i < ntail; i++)
        if (k == 0 || tail[i] != tail[k - 1])
            tail[k++] = tail[i];
    if (u->sorted == 0) {
        u->n = u->sorted = k;
        return TT_OK;
    }
    u32_list merged = {0};
    if ((st = union_u32(u->v4, u->sorted, tail, k, &merged)) != TT_OK) {
        free(merged.v);
        return st;
    }
    free(u->v4);
    u->v4 = merged.v;
    u->cap = merged.cap;
    u->n = u->sorted = merged.n;
    return TT_OK;
}

/* Compacts once the array has doubled since the last compaction. */
static tt_status union_settle(tt_source_union *u)
{
    return u->n > 2 * u->sorted + ((size_t)1 << 20) ? union_compact(u) : TT_OK;
}

tt_status tt_source_union_add(tt_source_union *u, const tt_addr *src)
{
    if (tt_addr_is_v4(src)) {
        tt_status st = grow((void **)&u->v4, &u->cap, u->n + 1, sizeof *u->v4);
        if (st == TT_OK) {
            u->v4[u->n++] = tt_addr_v4(src);
            st = union_settle(u);
        }
        return st;
    }
    bool added;
    return tt_addr_set_add(&u->v6, src, 0, &added);
}

tt_status tt_source_union_add_key(tt_source_union *u, const tt_srcidx_blob *blob, uint32_t key)
{
    uint32_t e;
    if (!find_key(blob, key, &e))
        return TT_OK;
    u32_list list = {u->v4, u->n, u->cap};
    const uint8_t *v6 = NULL;
    uint32_t n6 = 0;
    tt_status st = decode_v4(blob, e, &list, &v6, &n6);
    u->v4 = list.v;
    u->n = list.n;
    u->cap = list.cap;
    if (st == TT_OK)
        st = union_settle(u);
    for (uint32_t i = 0; i < n6 && st == TT_OK; i++) {
        tt_addr a;
        memcpy(a.bytes, v6 + (size_t)i * 16, 16);
        st = tt_source_union_add(u, &a);
    }
    return st;
}

tt_status tt_source_union_count(tt_source_union *u, uint64_t *count)
{
    tt_status st = union_compact(u);
    *count = st == TT_OK ? u->n + u->v6.n : 0;
    return st;
}

tt_status tt_srcidx_walk(const tt_srcidx_blob *blob, tt_srcidx_fn fn, void *ctx)
{
    u32_list list = {0};
    tt_status st = TT_OK;
    for (uint32_t e = 0; e < blob->nkeys && st == TT_OK; e++) {
        uint32_t key = get_u32(blob->dir + (size_t)e * SRCIDX_ENTRY);
        const uint8_t *v6;
        uint32_t n6;
        list.n = 0;
        if ((st = decode_v4(blob, e, &list, &v6, &n6)) != TT_OK)
            break;
        for (size_t i = 0; i < list.n && st == TT_OK; i++) {
            tt_addr a;
            tt_addr_from_v4(&a, list.v[i]);
            st = fn(ctx, key, &a);
        }
        for (uint32_t i = 0; i < n6 && st == TT_OK; i++) {
            tt_addr a;
            memcpy(a.bytes, v6 + (size_t)i * 16, 16);
            if (tt_addr_is_v4(&a) || (i > 0 && memcmp(v6 + (size_t)(i - 1) * 16, a.bytes, 16) >= 0))
                st = TT_ERR_FORMAT; /* IPv6 part holds IPv6 only, sorted */
            else
                st = fn(ctx, key, &a);
        }
    }
    free(list.v);
    return st;
}
