/* Columnar codec for per-source detail segments.
 *
 * Layout: one version byte, then a zstd frame holding
 *   varint nrows, nsrc, n_low6, n_v4   (sources: IPv6 below ::ffff:0:0/96,
 *                                      IPv4-mapped, IPv6 above — in sort order)
 * and the columns, each preceded by its byte length (varint):
 *   per source: addresses (IPv6: 16 bytes; IPv4: varint delta), cc (2 bytes),
 *               asn (varint), flags (1 byte), rows of the source (varint count-1)
 *   per row:    key = service << 4 | kind (varint; first of a source: value,
 *               then delta), os (1 byte), ttl (1 byte), packets-1, bytes, first second after
 *               the hour start, last-first (varints)
 * Version 1 (teiten 0.1 stores) lacked asn, flags, kind and os; it is still
 * read. Columns of similar values side by side are what lets zstd squeeze a
 * row to a few bytes.
 *
 * Version 3, the compact form a sensor ships (tt_segment_encode_compact):
 * one version byte, a varint body length, then a zstd frame whose columns
 * are each a block of their own (in one block, a small batch's columns
 * shared one Huffman table: ~1 bit a row at best, even for a column that is
 * almost always 0). The counts are followed by the first-second base (a
 * varint); the columns are
 *   per source: IPv6 addresses (16 bytes), the IPv4 deltas as four byte
 *               planes (high byte first), then cc, asn, flags and rows as in
 *               version 2;
 *   per row:    class (1 byte: proto class tcp/udp/icmp/icmp6/other << 4 |
 *               kind), port value (varint: port + 1, ICMP type + 1), proto
 *               (class other only), then, as only their exceptions are
 *               listed, the rows with an os (varint gap to the previous
 *               one) and their os bytes, ttl (1 byte), the rows of more than
 *               one packet or second (varint gap), their packets-1 and
 *               last-first (varints), then bytes - 40 x packets (zigzag
 *               varint) and first second - base (varint).
 * Decoding turns these into version 2 columns and reads them as version 2,
 * so one decoder checks every version. */
#include "store/segment.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "util/limits.h"

#define SEGMENT_VERSION 2
#define SEGMENT_COMPACT 3
#define BLOOM_BITS_PER_SOURCE 8
#define BLOOM_HASHES 4

/* Column positions in a version 2 segment. */
enum {
    COL_ADDR,
    COL_CC,
    COL_ASN,
    COL_FLAGS,
    COL_ROWS,
    COL_KEY,
    COL_OS,
    COL_TTL,
    COL_PACKETS,
    COL_BYTES,
    COL_FIRST,
    COL_SPAN,
    COLUMN_COUNT
};
/* The columns of a version 3 segment. */
enum {
    C3_ADDR6, /* IPv6 sources, 16 bytes each */
    C3_D0,    /* IPv4 sources: bits 24-31 of the delta to the previous one */
    C3_D1,
    C3_D2,
    C3_D3, /* bits 0-7 */
    C3_CC, /* C3_CC..C3_ROWS: as COL_CC..COL_ROWS */
    C3_ASN,
    C3_FLAGS,
    C3_ROWS,
    C3_CLASS,
    C3_PORT,
    C3_PROTO,
    C3_OS_AT,
    C3_OS,
    C3_TTL,
    C3_MULTI_AT,
    C3_PACKETS,
    C3_SPAN,
    C3_BYTES,
    C3_FIRST,
    C3_COUNT
};
#define V3_BYTES_PER_PACKET 40 /* bytes are stored as the difference to this times packets */

/* Where each column sits in a version 1 segment; -1 = absent. */
static const int v1_position[COLUMN_COUNT] = {0, 1, -1, -1, 2, 3, -1, -1, 4, 5, 6, 7};
#define V1_COLUMNS 8

int tt_detail_row_cmp(const tt_detail_row *a, const tt_detail_row *b)
{
    int c = tt_addr_cmp(&a->src, &b->src);
    if (c != 0)
        return c;
    uint32_t ka = tt_detail_key(a), kb = tt_detail_key(b);
    return (ka > kb) - (ka < kb);
}

static uint64_t addr_hash(const tt_addr *a)
{
    uint64_t hi, lo;
    memcpy(&hi, a->bytes, 8);
    memcpy(&lo, a->bytes + 8, 8);
    uint64_t h = hi * 0x9e3779b97f4a7c15ull ^ lo;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static void bloom_positions(const tt_addr *src, size_t bits, size_t pos[BLOOM_HASHES])
{
    uint64_t h = addr_hash(src);
    uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
    for (int i = 0; i < BLOOM_HASHES; i++)
        pos[i] = (size_t)((h1 + (uint64_t)i * h2) % bits);
}

bool tt_bloom_may_contain(const uint8_t *bloom, size_t len, const tt_addr *src)
{
    if (len == 0)
        return false;
    size_t pos[BLOOM_HASHES];
    bloom_positions(src, len * 8, pos);
    for (int i = 0; i < BLOOM_HASHES; i++)
        if (!(bloom[pos[i] / 8] & (1u << (pos[i] % 8))))
            return false;
    return true;
}

static bool addr_below_v4(const tt_addr *a)
{
    static const uint8_t v4_start[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    return memcmp(a->bytes, v4_start, 16) < 0;
}

static _Thread_local ZSTD_CCtx *segment_cctx;
static _Thread_local ZSTD_DCtx *segment_dctx;
/* Decompressed body of the last segment decoded on this thread (reused: scans
 * decode thousands). A body larger than SEGMENT_BODY_KEEP (a damaged header can
 * announce up to TT_LIMIT_BUF_MAX) is freed after its decode, not kept. */
static _Thread_local uint8_t *segment_body;
static _Thread_local size_t segment_body_cap;
/* A version 3 segment's per-row columns, turned into version 2 ones. */
static _Thread_local uint8_t *segment_expanded;
static _Thread_local size_t segment_expanded_cap;
#define SEGMENT_BODY_KEEP ((size_t)16 << 20)

/* Grows one of this thread's scratch buffers to need bytes. */
static tt_status scratch_reserve(uint8_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return TT_OK;
    uint8_t *grown = realloc(*p, need);
    if (grown == NULL)
        return TT_ERR_NOMEM;
    *p = grown;
    *cap = need;
    return TT_OK;
}

/* Frees a scratch buffer past SEGMENT_BODY_KEEP after its decode. */
static void scratch_trim(uint8_t **p, size_t *cap)
{
    if (*cap > SEGMENT_BODY_KEEP) {
        free(*p);
        *p = NULL;
        *cap = 0;
    }
}

void tt_segment_thread_cleanup(void)
{
    ZSTD_freeCCtx(segment_cctx);
    ZSTD_freeDCtx(segment_dctx);
    free(segment_body);
    free(segment_expanded);
    segment_cctx = NULL;
    segment_dctx = NULL;
    segment_body = NULL;
    segment_body_cap = 0;
    segment_expanded = NULL;
    segment_expanded_cap = 0;
}

static uint8_t proto_class(uint8_t proto)
{
    return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : proto == 58 ? 3 : 4;
}
static const uint8_t class_proto[4] = {6, 17, 1, 58};

/* Zigzag of a difference taken modulo 2^64 (small negative ones stay
 * small; any uint64 round-trips, so fuzzed byte counts do too). */
static uint64_t zigzag(uint64_t d) { return d << 1 ^ (0 - (d >> 63)); }
static uint64_t unzigzag(uint64_t z) { return z >> 1 ^ (0 - (z & 1)); }

/* Row r's version 3 per-row values (see the top of this file). */
static void put_compact_row(tt_buf *c3, const tt_detail_row *row, size_t r, int64_t first_base, size_t *next_os,
                            size_t *next_multi)
{
    uint8_t proto = tt_service_proto(row->service), pclass = proto_class(proto);
    uint32_t value = row->service & 0x1ffff;
    tt_buf_put_u8_unchecked(&c3[C3_CLASS], (uint8_t)(pclass << 4 | row->kind));
    tt_buf_put_varint_unchecked(&c3[C3_PORT], value);
    if (pclass == 4)
        tt_buf_put_u8_unchecked(&c3[C3_PROTO], proto);
    if (row->os != 0) {
        tt_buf_put_varint_unchecked(&c3[C3_OS_AT], r - *next_os);
        tt_buf_put_u8_unchecked(&c3[C3_OS], row->os);
        *next_os = r + 1;
    }
    tt_buf_put_u8_unchecked(&c3[C3_TTL], row->ttl);
    if (row->packets > 1 || row->last != row->first) {
        tt_buf_put_varint_unchecked(&c3[C3_MULTI_AT], r - *next_multi);
        tt_buf_put_varint_unchecked(&c3[C3_PACKETS], row->packets - 1);
        tt_buf_put_varint_unchecked(&c3[C3_SPAN], row->last - row->first);
        *next_multi = r + 1;
    }
    tt_buf_put_varint_unchecked(&c3[C3_BYTES], zigzag(row->bytes - (uint64_t)row->packets * V3_BYTES_PER_PACKET));
    tt_buf_put_varint_unchecked(&c3[C3_FIRST], (uint64_t)((int64_t)row->first - first_base));
}

/* A column shorter than this shares the next one's block (a block costs a
 * header and its own tables). */
#define V3_MIN_BLOCK 32

/* Appends body's length and body, compressed, to out (which has room for
 * the length and bound bytes more), each of its nchunks chunks (ends[]:
 * their end offsets) a zstd block of its own unless it is short. */
static tt_status compress_chunks(const tt_buf *body, const size_t *ends, size_t nchunks, int zstd_level,
                                 size_t bound, tt_buf *out)
{
    /* The body length goes before the frame: told the size, zstd picks its
     * parameters for small inputs, which made these columns ~2 % larger. At
     * the high levels used for small sections the tables are still capped to
     * the body's size: sized for an input of unknown size at level 19 they
     * took 80 MB. (Those levels' own sizes, 2^22 and up, are larger than any
     * cap set here; the low levels' are small and left alone.) */
    int size_log = 10; /* ZSTD_WINDOWLOG_MIN */
    while (size_log < 21 && ((size_t)1 << size_log) < body->len)
        size_log++;
    bool cap_tables = zstd_level >= 10;
    if (ZSTD_isError(ZSTD_CCtx_reset(segment_cctx, ZSTD_reset_session_and_parameters)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(segment_cctx, ZSTD_c_compressionLevel, zstd_level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(segment_cctx, ZSTD_c_contentSizeFlag, 0)) ||
        (cap_tables && (ZSTD_isError(ZSTD_CCtx_setParameter(segment_cctx, ZSTD_c_windowLog, size_log)) ||
                        ZSTD_isError(ZSTD_CCtx_setParameter(segment_cctx, ZSTD_c_hashLog, size_log)) ||
                        ZSTD_isError(ZSTD_CCtx_setParameter(segment_cctx, ZSTD_c_chainLog, size_log + 1)))))
        return TT_ERR_FORMAT;
    tt_buf_put_varint_unchecked(out, body->len);
    ZSTD_outBuffer dst = {out->data + out->len, bound, 0};
    size_t start = 0;
    for (size_t c = 0; c < nchunks; c++) {
        if (ends[c] - start < V3_MIN_BLOCK && c + 1 < nchunks)
            continue;
        ZSTD_inBuffer src = {body->data + start, ends[c] - start, 0};
        ZSTD_EndDirective mode = c + 1 < nchunks ? ZSTD_e_flush : ZSTD_e_end;
        size_t left;
        do {
            left = ZSTD_compressStream2(segment_cctx, &dst, &src, mode);
            if (ZSTD_isError(left) || (left != 0 && dst.pos == dst.size))
                return TT_ERR_FORMAT;
        } while (left != 0 || src.pos < src.size);
        start = ends[c];
    }
    out->len += dst.pos;
    return TT_OK;
}

static tt_status segment_encode(const tt_detail_row *rows, size_t n, int64_t hour, int zstd_level, bool compact,
                                tt_buf *out, tt_buf *bloom)
{
    tt_status st = TT_ERR_NOMEM;
    tt_buf col[COLUMN_COUNT], c3[C3_COUNT], body;
    tt_buf_init(&body, 0);
    for (int i = 0; i < COLUMN_COUNT; i++)
        tt_buf_init(&col[i], 0);
    for (int i = 0; i < C3_COUNT; i++)
        tt_buf_init(&c3[i], 0);

    int64_t hour_start = hour * 3600, first_base = hour_start + 3599;
    size_t nsrc = 0, n_low6 = 0, n_v4 = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].first < first_base)
            first_base = rows[i].first;
        if (i > 0 && tt_detail_row_cmp(&rows[i - 1], &rows[i]) >= 0) {
            st = TT_ERR_USAGE; /* caller broke the sort contract */
            goto cleanup;
        }
        if (rows[i].kind > 15) {
            st = TT_ERR_USAGE;
            goto cleanup;
        }
        if (i == 0 || tt_addr_cmp(&rows[i - 1].src, &rows[i].src) != 0) {
            nsrc++;
            if (tt_addr_is_v4(&rows[i].src))
                n_v4++;
            else if (addr_below_v4(&rows[i].src))
                n_low6++;
        }
    }
    /* Worst cases per column, reserved once so the hot loop writes unchecked. */
    static const size_t per_source[COLUMN_COUNT] = {16, 2, TT_VARINT_MAX, 1, TT_VARINT_MAX};
    for (int c = 0; !compact && c < COLUMN_COUNT; c++) {
        size_t need = c < COL_KEY ? nsrc * per_source[c] : n * TT_VARINT_MAX;
        if (tt_buf_reserve(&col[c], need + 1))
            goto cleanup;
    }
    static const size_t c3_per_source[C3_CLASS] = {16, 1, 1, 1, 1, 2, TT_VARINT_MAX, 1, TT_VARINT_MAX};
    for (int c = 0; compact && c < C3_COUNT; c++)
        if (tt_buf_reserve(&c3[c], (c < C3_CLASS ? nsrc * c3_per_source[c] : n * TT_VARINT_MAX) + 1))
            goto cleanup;
    if (first_base < hour_start)
        first_base = hour_start; /* a row before the hour is refused below */
    size_t next_os = 0, next_multi = 0; /* rows after the last exception (version 3) */

    size_t bloom_bytes = (nsrc * BLOOM_BITS_PER_SOURCE + 7) / 8;
    if (bloom_bytes < 8)
        bloom_bytes = 8;
    tt_buf_reset(bloom);
    if (tt_buf_reserve(bloom, bloom_bytes + 1))
        goto cleanup;
    memset(bloom->data, 0, bloom_bytes);
    bloom->len = bloom_bytes;

    uint32_t prev_v4 = 0;
    size_t i = 0;
    while (i < n) {
        const tt_detail_row *first = &rows[i];
        size_t j = i + 1;
        while (j < n && tt_addr_cmp(&rows[j].src, &first->src) == 0)
            j++;
        tt_buf *addr = compact ? &c3[C3_ADDR6] : &col[COL_ADDR];
        if (tt_addr_is_v4(&first->src)) {
            uint32_t v4 = tt_addr_v4(&first->src), delta = v4 - prev_v4;
            if (compact)
                for (int b = 0; b < 4; b++)
                    tt_buf_put_u8_unchecked(&c3[C3_D0 + b], (uint8_t)(delta >> (24 - 8 * b)));
            else
                tt_buf_put_varint_unchecked(addr, delta);
            prev_v4 = v4;
        } else {
            memcpy(addr->data + addr->len, first->src.bytes, 16);
            addr->len += 16;
        }
        tt_buf *source_cols = compact ? &c3[C3_CC] : &col[COL_CC]; /* cc, asn, flags, rows */
        tt_buf_put_u8_unchecked(&source_cols[0], (uint8_t)(first->cc >> 8));
        tt_buf_put_u8_unchecked(&source_cols[0], (uint8_t)first->cc);
        tt_buf_put_varint_unchecked(&source_cols[1], first->asn);
        tt_buf_put_u8_unchecked(&source_cols[2], first->src_flags);
        tt_buf_put_varint_unchecked(&source_cols[3], j - i - 1);
        size_t pos[BLOOM_HASHES];
        bloom_positions(&first->src, bloom_bytes * 8, pos);
        for (int h = 0; h < BLOOM_HASHES; h++)
            bloom->data[pos[h] / 8] |= (uint8_t)(1u << (pos[h] % 8));

        uint32_t prev_key = 0;
        for (size_t r = i; r < j; r++) {
            const tt_detail_row *row = &rows[r];
            if (row->packets == 0 || row->first < hour_start || row->last < row->first ||
                row->last >= hour_start + 3600) {
                st = TT_ERR_USAGE;
                goto cleanup;
            }
            if (compact) {
                put_compact_row(c3, row, r, first_base, &next_os, &next_multi);
                continue;
            }
            uint32_t key = tt_detail_key(row);
            tt_buf_put_varint_unchecked(&col[COL_KEY], key - prev_key);
            prev_key = key;
            tt_buf_put_u8_unchecked(&col[COL_OS], row->os);
            tt_buf_put_u8_unchecked(&col[COL_TTL], row->ttl);
            tt_buf_put_varint_unchecked(&col[COL_PACKETS], row->packets - 1);
            tt_buf_put_varint_unchecked(&col[COL_BYTES], row->bytes);
            tt_buf_put_varint_unchecked(&col[COL_FIRST], (uint64_t)(row->first - hour_start));
            tt_buf_put_varint_unchecked(&col[COL_SPAN], row->last - row->first);
        }
        i = j;
    }

    tt_buf *written = compact ? c3 : col;
    int ncolumns = compact ? C3_COUNT : COLUMN_COUNT;
    size_t body_size = 5 * TT_VARINT_MAX + (size_t)ncolumns * TT_VARINT_MAX;
    for (int c = 0; c < ncolumns; c++)
        body_size += written[c].len;
    if (tt_buf_reserve(&body, body_size))
        goto cleanup;
    tt_buf_put_varint_unchecked(&body, n);
    tt_buf_put_varint_unchecked(&body, nsrc);
    tt_buf_put_varint_unchecked(&body, n_low6);
    tt_buf_put_varint_unchecked(&body, n_v4);
    if (compact)
        tt_buf_put_varint_unchecked(&body, (uint64_t)(first_base - hour_start));
    size_t ends[C3_COUNT];
    for (int c = 0; c < ncolumns; c++) {
        tt_buf_put_varint_unchecked(&body, written[c].len);
        memcpy(body.data + body.len, written[c].data, written[c].len);
        body.len += written[c].len;
        ends[c] = body.len;
    }

    if (segment_cctx == NULL && (segment_cctx = ZSTD_createCCtx()) == NULL)
        goto cleanup;
    size_t bound = ZSTD_compressBound(body.len) + (size_t)ncolumns * 8; /* + a block header per column */
    tt_buf_reset(out);
    if (tt_buf_reserve(out, 1 + TT_VARINT_MAX + bound)) /* version, body length (compact), frame */
        goto cleanup;
    out->data[0] = compact ? SEGMENT_COMPACT : SEGMENT_VERSION;
    if (compact) {
        out->len = 1;
        st = compress_chunks(&body, ends, (size_t)ncolumns, zstd_level, bound, out);
    } else {
        size_t z = ZSTD_compressCCtx(segment_cctx, out->data + 1, bound, body.data, body.len, zstd_level);
        st = ZSTD_isError(z) ? TT_ERR_FORMAT : TT_OK;
        out->len = 1 + (ZSTD_isError(z) ? 0 : z);
    }
cleanup:
    for (int c = 0; c < COLUMN_COUNT; c++)
        tt_buf_free(&col[c]);
    for (int c = 0; c < C3_COUNT; c++)
        tt_buf_free(&c3[c]);
    tt_buf_free(&body);
    return st;
}

tt_status tt_segment_encode(const tt_detail_row *rows, size_t n, int64_t hour, int zstd_level, tt_buf *out,
                            tt_buf *bloom)
{
    return segment_encode(rows, n, hour, zstd_level, false, out, bloom);
}

tt_status tt_segment_encode_compact(const tt_detail_row *rows, size_t n, int64_t hour, int zstd_level,
                                    tt_buf *out, tt_buf *bloom)
{
    return segment_encode(rows, n, hour, zstd_level, true, out, bloom);
}

static tt_status grow_rows(tt_detail_row **rows, size_t *cap, size_t need)
{
    if (need <= *cap)
        return TT_OK;
    if (need > TT_LIMIT_SEGMENT_ROWS)
        return TT_ERR_NOMEM;
    size_t new_cap = *cap ? *cap : 1024;
    while (new_cap < need)
        new_cap *= 2;
    tt_detail_row *p = realloc(*rows, new_cap * sizeof *p);
    if (p == NULL)
        return TT_ERR_NOMEM;
    *rows = p;
    *cap = new_cap;
    return TT_OK;
}

static bool sorted_has_u32(const uint32_t *v, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] == x)
            return true;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool match_cc(const tt_row_match *m, tt_cc cc)
{
    for (size_t i = 0; i < m->nccs; i++)
        if (m->ccs[i] == cc)
            return true;
    return false;
}

static bool match_port(const tt_row_match *m, tt_service service)
{
    uint32_t key = tt_service_is_icmp(service) ? (uint32_t)tt_service_proto(service) << 17 : service;
    return sorted_has_u32(m->ports, m->nports, key);
}

/* Steps over k varints without decoding them (a damaged column still ends
 * in the wrong place, which the caller checks). */
static void skip_varints(tt_cursor *c, uint64_t k)
{
    const uint8_t *p = c->p;
    while (k > 0 && p < c->end)
        k -= *p++ < 0x80;
    c->p = p;
    if (k > 0)
        c->failed = 1;
}

/* Steps the per-row value columns over k rows that are not delivered. */
static void skip_rows(tt_cursor *col, uint64_t k, bool v1, bool keys_only)
{
    if (!v1 && tt_cursor_take(&col[COL_OS], k) == NULL)
        return;
    if (keys_only)
        return;
    if (!v1 && tt_cursor_take(&col[COL_TTL], k) == NULL)
        return;
    skip_varints(&col[COL_PACKETS], k);
    skip_varints(&col[COL_BYTES], k);
    skip_varints(&col[COL_FIRST], k);
    skip_varints(&col[COL_SPAN], k);
}

/* Bytes a row may take in each version 2 per-row column (varints of at most
 * 32, 8, 64, 64 and 64 bits), in column order from COL_KEY. */
static const size_t expanded_row_bytes[COLUMN_COUNT - COL_KEY] = {5, 1, 1, 5, 10, 10, 10};

/* Next exception row of a version 3 exception list (UINT64_MAX: none left);
 * `after` is the row after the previous one. */
static uint64_t next_exception(tt_cursor *at, uint64_t after, uint64_t nrows)
{
    if (tt_cursor_left(at) == 0)
        return UINT64_MAX;
    uint64_t gap = tt_cursor_varint(at);
    return at->failed || gap >= nrows - after ? nrows : after + gap; /* nrows: never reached, fails at the end */
}

/* Turns a version 3 segment's columns (c3) into version 2 ones (col[]),
 * the rewritten ones in this thread's scratch. Values are checked by the
 * version 2 decoding that follows; what could wrap here is checked here. */
static tt_status expand_compact(uint64_t nsrc, uint64_t n_low6, uint64_t n_v4, uint64_t nrows, uint64_t first_base,
                                tt_cursor *c3, tt_cursor *col)
{
    /* One class byte a row and one byte a source in each plane or 16 in
     * the IPv6 column: the counts are bounded by the data. */
    uint64_t n_v6 = nsrc - n_v4;
    if (tt_cursor_left(&c3[C3_CLASS]) != nrows || tt_cursor_left(&c3[C3_ADDR6]) / 16 != n_v6 ||
        tt_cursor_left(&c3[C3_ADDR6]) % 16 != 0 || first_base >= 3600)
        return TT_ERR_FORMAT;
    for (int b = C3_D0; b <= C3_D3; b++)
        if (tt_cursor_left(&c3[b]) != n_v4)
            return TT_ERR_FORMAT;
    size_t need = (size_t)nsrc * 16, at[COLUMN_COUNT - COL_KEY];
    for (int c = 0; c < COLUMN_COUNT - COL_KEY; c++) {
        at[c] = need;
        need += (size_t)nrows * expanded_row_bytes[c];
    }
    if (scratch_reserve(&segment_expanded, &segment_expanded_cap, need) != TT_OK)
        return TT_ERR_NOMEM;
    /* Views into the scratch, never grown: the addresses, then the per-row columns. */
    tt_buf addr = {segment_expanded, 0, (size_t)nsrc * 16, 0}, out[COLUMN_COUNT - COL_KEY];
    for (int c = 0; c < COLUMN_COUNT - COL_KEY; c++)
        out[c] = (tt_buf){segment_expanded + at[c], 0, (size_t)nrows * expanded_row_bytes[c], 0};
    tt_buf *key_col = &out[COL_KEY - COL_KEY], *os_col = &out[COL_OS - COL_KEY], *ttl_col = &out[COL_TTL - COL_KEY],
           *packets_col = &out[COL_PACKETS - COL_KEY], *bytes_col = &out[COL_BYTES - COL_KEY],
           *first_col = &out[COL_FIRST - COL_KEY], *span_col = &out[COL_SPAN - COL_KEY];

    tt_cursor rows_col = c3[C3_ROWS]; /* a copy: version 2 decoding reads it again */
    uint64_t next_os = next_exception(&c3[C3_OS_AT], 0, nrows);
    uint64_t next_multi = next_exception(&c3[C3_MULTI_AT], 0, nrows);
    uint64_t r = 0;
    for (uint64_t s = 0; s < nsrc; s++) {
        if (s >= n_low6 && s < n_low6 + n_v4) {
            uint32_t delta = 0;
            for (int b = C3_D0; b <= C3_D3; b++)
                delta = delta << 8 | tt_cursor_u8(&c3[b]);
            tt_buf_put_varint_unchecked(&addr, delta);
        } else {
            const uint8_t *v6 = tt_cursor_take(&c3[C3_ADDR6], 16); /* present: its length was checked */
            if (v6 == NULL)
                return TT_ERR_FORMAT;
            memcpy(addr.data + addr.len, v6, 16);
            addr.len += 16;
        }
        uint64_t count = tt_cursor_varint(&rows_col) + 1;
        if (rows_col.failed || count > nrows - r)
            return TT_ERR_FORMAT;
        uint32_t prev_key = 0;
        for (uint64_t k = 0; k < count; k++, r++) {
            uint8_t cls = tt_cursor_u8(&c3[C3_CLASS]), pclass = cls >> 4;
            uint64_t value = tt_cursor_varint(&c3[C3_PORT]);
            uint8_t proto = pclass < 4 ? class_proto[pclass] : tt_cursor_u8(&c3[C3_PROTO]);
            if (pclass > 4 || proto_class(proto) != pclass || value > 0x1ffff)
                return TT_ERR_FORMAT; /* one way to write each key */
            uint32_t key = ((uint32_t)proto << 17 | (uint32_t)value) << 4 | (cls & 0xf);
            if (k > 0 && key <= prev_key)
                return TT_ERR_FORMAT;
            tt_buf_put_varint_unchecked(key_col, key - prev_key);
            prev_key = key;

            uint8_t os = 0;
            if (r == next_os) {
                if ((os = tt_cursor_u8(&c3[C3_OS])) == 0)
                    return TT_ERR_FORMAT;
                next_os = next_exception(&c3[C3_OS_AT], r + 1, nrows);
            }
            tt_buf_put_u8_unchecked(os_col, os);
            tt_buf_put_u8_unchecked(ttl_col, tt_cursor_u8(&c3[C3_TTL]));
            uint64_t packets = 1, span = 0;
            if (r == next_multi) {
                packets = tt_cursor_varint(&c3[C3_PACKETS]);
                span = tt_cursor_varint(&c3[C3_SPAN]);
                if (packets >= UINT32_MAX || (packets == 0 && span == 0))
                    return TT_ERR_FORMAT; /* (1, 0) is not an exception */
                packets += 1;
                next_multi = next_exception(&c3[C3_MULTI_AT], r + 1, nrows);
            }
            uint64_t bytes = packets * V3_BYTES_PER_PACKET + unzigzag(tt_cursor_varint(&c3[C3_BYTES]));
            uint64_t first = tt_cursor_varint(&c3[C3_FIRST]);
            if (first >= 3600)
                return TT_ERR_FORMAT;
            tt_buf_put_varint_unchecked(packets_col, packets - 1);
            tt_buf_put_varint_unchecked(bytes_col, bytes);
            tt_buf_put_varint_unchecked(first_col, first + first_base);
            tt_buf_put_varint_unchecked(span_col, span);
        }
    }
    if (r != nrows || next_os != UINT64_MAX || next_multi != UINT64_MAX)
        return TT_ERR_FORMAT;
    for (int c = 0; c < C3_COUNT; c++)
        if (c3[c].failed || (c != C3_CC && c != C3_ASN && c != C3_FLAGS && c != C3_ROWS && tt_cursor_left(&c3[c]) != 0))
            return TT_ERR_FORMAT;
    tt_cursor_init(&col[COL_ADDR], addr.data, addr.len);
    for (int c = COL_CC; c <= COL_ROWS; c++)
        col[c] = c3[C3_CC + (c - COL_CC)];
    for (int c = COL_KEY; c < COLUMN_COUNT; c++)
        tt_cursor_init(&col[c], out[c - COL_KEY].data, out[c - COL_KEY].len);
    return TT_OK;
}

static tt_status segment_decode(const uint8_t *data, size_t len, int64_t hour, bool keys_only,
                                const tt_row_match *match, tt_detail_row **rows, size_t *n, size_t *cap)
{
    *n = 0;
    if (len < 1 || (data[0] != 1 && data[0] != SEGMENT_VERSION && data[0] != SEGMENT_COMPACT))
        return TT_ERR_FORMAT;
    bool v1 = data[0] == 1, v3 = data[0] == SEGMENT_COMPACT;
    tt_cursor frame; /* version 3: the body length, then the frame */
    tt_cursor_init(&frame, data + 1, len - 1);
    unsigned long long content = v3 ? tt_cursor_varint(&frame) : ZSTD_getFrameContentSize(data + 1, len - 1);
    if (frame.failed || content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
        content > TT_LIMIT_BUF_MAX)
        return TT_ERR_FORMAT;
    if (scratch_reserve(&segment_body, &segment_body_cap, (size_t)content) != TT_OK)
        return TT_ERR_NOMEM;
    uint8_t *body = segment_body;
    tt_status st = TT_ERR_FORMAT;
    if (segment_dctx == NULL && (segment_dctx = ZSTD_createDCtx()) == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    size_t got = ZSTD_decompressDCtx(segment_dctx, body, content, frame.p, tt_cursor_left(&frame));
    if (ZSTD_isError(got) || got != content)
        goto cleanup;

    tt_cursor head;
    tt_cursor_init(&head, body, got);
    uint64_t nrows = tt_cursor_varint(&head), nsrc = tt_cursor_varint(&head);
    uint64_t n_low6 = tt_cursor_varint(&head), n_v4 = tt_cursor_varint(&head);
    uint64_t first_base = v3 ? tt_cursor_varint(&head) : 0;
    if (head.failed || nsrc > nrows || n_low6 > nsrc || n_v4 > nsrc - n_low6 ||
        nrows > TT_LIMIT_SEGMENT_ROWS || (nrows > 0 && nsrc == 0))
        goto cleanup;
    tt_cursor stored[C3_COUNT];
    int stored_columns = v1 ? V1_COLUMNS : v3 ? C3_COUNT : COLUMN_COUNT;
    for (int c = 0; c < stored_columns; c++) {
        uint64_t clen = tt_cursor_varint(&head);
        const uint8_t *p = head.failed ? NULL : tt_cursor_take(&head, clen);
        if (p == NULL)
            goto cleanup;
        tt_cursor_init(&stored[c], p, clen);
    }
    if (tt_cursor_left(&head) != 0)
        goto cleanup;
    /* col[] by meaning; absent version 1 columns read as empty (zeros). */
    tt_cursor col[COLUMN_COUNT], absent;
    tt_cursor_init(&absent, NULL, 0);
    for (int c = 0; c < COLUMN_COUNT && !v3; c++) {
        int at = v1 ? v1_position[c] : c;
        col[c] = at >= 0 ? stored[at] : absent;
    }
    if (v3 && (st = expand_compact(nsrc, n_low6, n_v4, nrows, first_base, stored, col)) != TT_OK)
        goto cleanup;
    if ((st = grow_rows(rows, cap, nrows)) != TT_OK)
        goto cleanup;
    st = TT_ERR_FORMAT;

    int64_t hour_start = hour * 3600;
    uint32_t prev_v4 = 0;
    size_t r = 0, kept = 0; /* rows read, rows delivered */
    uint64_t skipped = 0;   /* rows not wanted since the last delivered one */
    tt_addr prev_src;
    for (uint64_t s = 0; s < nsrc; s++) {
        /* IPv4 sources are written straight into their rows: building one on
         * the stack and copying it 16 bytes wide stalls on store forwarding. */
        tt_addr src;
        bool v4 = s >= n_low6 && s < n_low6 + n_v4;
        if (v4) {
            uint64_t delta = tt_cursor_varint(&col[COL_ADDR]);
            if (delta > UINT32_MAX || (s > n_low6 && delta == 0) || delta > UINT32_MAX - prev_v4)
                goto cleanup;
            prev_v4 += (uint32_t)delta;
        } else {
            const uint8_t *p = tt_cursor_take(&col[COL_ADDR], 16);
            if (p == NULL)
                goto cleanup;
            memcpy(src.bytes, p, 16);
        }
        /* Sources are strictly increasing, across the IPv6/IPv4 sections too
         * (within the IPv4 section the non-zero deltas already say so). */
        bool boundary = s == n_low6 || s == n_low6 + n_v4; /* first IPv4, first high IPv6 */
        if (s > 0 && (!v4 || boundary)) {
            tt_addr cur;
            if (v4)
                tt_addr_from_v4(&cur, prev_v4);
            else
                cur = src;
            if (tt_addr_cmp(&prev_src, &cur) >= 0)
                goto cleanup;
        }
        if (!v4)
            prev_src = src;
        else if (s + 1 == n_low6 + n_v4)
            tt_addr_from_v4(&prev_src, prev_v4); /* the last IPv4 source, for the section after */
        uint8_t cc_hi = tt_cursor_u8(&col[COL_CC]), cc_lo = tt_cursor_u8(&col[COL_CC]);
        uint64_t asn = v1 ? 0 : tt_cursor_varint(&col[COL_ASN]);
        uint8_t flags = v1 ? 0 : tt_cursor_u8(&col[COL_FLAGS]);
        uint64_t count = tt_cursor_varint(&col[COL_ROWS]) + 1;
        if (count > nrows - r || asn > UINT32_MAX)
            goto cleanup;
        tt_cc cc = (tt_cc)(cc_hi << 8 | cc_lo);
        bool source_wanted = match == NULL || match_cc(match, cc);
        uint32_t key = 0;
        for (uint64_t k = 0; k < count; k++, r++) {
            tt_detail_row *row = &(*rows)[kept];
            uint64_t delta = tt_cursor_varint(&col[COL_KEY]);
            if (v1)
                delta <<= 4; /* version 1 keys were services only, kind 0 */
            if ((k > 0 && delta == 0) || delta > (1u << 29) || key + delta >= (1u << 29))
                goto cleanup;
            key += (uint32_t)delta;
            if (!source_wanted && !match_port(match, key >> 4)) {
                skipped++; /* its values are stepped over, unread, before the next kept row */
                continue;
            }
            if (skipped) {
                skip_rows(col, skipped, v1, keys_only);
                skipped = 0;
            }
            kept++;
            memset(row, 0, sizeof *row);
            if (v4)
                tt_addr_from_v4(&row->src, prev_v4);
            else
                row->src = src;
            row->cc = cc;
            row->asn = (uint32_t)asn;
            row->src_flags = flags;
            row->service = key >> 4;
            row->kind = key & 0xf;
            row->os = v1 ? 0 : tt_cursor_u8(&col[COL_OS]);
            if (keys_only)
                continue;
            row->ttl = v1 ? 0 : tt_cursor_u8(&col[COL_TTL]);
            uint64_t packets = tt_cursor_varint(&col[COL_PACKETS]) + 1;
            uint64_t bytes = tt_cursor_varint(&col[COL_BYTES]);
            uint64_t first = tt_cursor_varint(&col[COL_FIRST]);
            uint64_t span = tt_cursor_varint(&col[COL_SPAN]);
            if (packets > UINT32_MAX || first >= 3600 || span >= 3600 - first)
                goto cleanup;
            row->packets = (uint32_t)packets;
            row->bytes = bytes;
            row->first = (uint32_t)(hour_start + (int64_t)first);
            row->last = row->first + (uint32_t)span;
        }
    }
    if (skipped)
        skip_rows(col, skipped, v1, keys_only);
    for (int c = 0; c < COLUMN_COUNT; c++) {
        if (keys_only && c > COL_OS)
            break;
        if (col[c].failed || tt_cursor_left(&col[c]) != 0)
            goto cleanup;
    }
    if (r != nrows)
        goto cleanup;
    *n = kept;
    st = TT_OK;
cleanup:
    scratch_trim(&segment_body, &segment_body_cap);
    scratch_trim(&segment_expanded, &segment_expanded_cap);
    return st;
}

tt_status tt_segment_decode(const uint8_t *data, size_t len, int64_t hour, tt_detail_row **rows, size_t *n,
                            size_t *cap)
{
    return segment_decode(data, len, hour, false, NULL, rows, n, cap);
}

tt_status tt_segment_decode_matching(const uint8_t *data, size_t len, int64_t hour, const tt_row_match *match,
                                     tt_detail_row **rows, size_t *n, size_t *cap)
{
    return segment_decode(data, len, hour, false, match, rows, n, cap);
}

tt_status tt_segment_decode_keys(const uint8_t *data, size_t len, tt_detail_row **rows, size_t *n, size_t *cap)
{
    return segment_decode(data, len, 0, true, NULL, rows, n, cap);
}

tt_status tt_segment_merge(const tt_detail_row *a, size_t na, const tt_detail_row *b, size_t nb,
                           tt_detail_row **out, size_t *n, size_t *cap)
{
    tt_status st = grow_rows(out, cap, na + nb);
    if (st != TT_OK)
        return st;
    size_t i = 0, j = 0, k = 0;
    tt_detail_row *dst = *out;
    while (i < na || j < nb) {
        int c = i == na ? 1 : j == nb ? -1 : tt_detail_row_cmp(&a[i], &b[j]);
        if (c < 0) {
            dst[k++] = a[i++];
        } else if (c > 0) {
            dst[k++] = b[j++];
        } else {
            tt_detail_row merged = a[i++];
            const tt_detail_row *other = &b[j++];
            merged.packets += other->packets;
            merged.bytes += other->bytes;
            if (merged.os == 0)
                merged.os = other->os;
            if (other->first < merged.first)
                merged.first = other->first;
            if (other->last > merged.last)
                merged.last = other->last;
            dst[k++] = merged;
        }
    }
    *n = k;
    return TT_OK;
}

/* Totals: version byte, then per list: varint count, entries of
 * (varint key delta, varint packets, varint bytes) sorted by key. */
#define TOTALS_VERSION 2

static int total_cmp(const void *a, const void *b)
{
    const tt_total *ta = a, *tb = b;
    return (ta->key > tb->key) - (ta->key < tb->key);
}

static uint64_t total_key(const tt_detail_row *row, tt_totals_list list)
{
    switch (list) {
    case TT_TOTALS_KEYS: return (uint64_t)row->src_flags << 32 | tt_detail_key(row);
    case TT_TOTALS_COUNTRIES: return (uint64_t)row->src_flags << 16 | row->cc;
    default: return (uint64_t)row->src_flags << 32 | row->asn;
    }
}

/* Open-addressing table of totals by key; used[] marks taken slots. */
typedef struct total_table {
    tt_total *slots;
    bool *used;
    size_t nslots, n;
} total_table;

static tt_status table_alloc(total_table *t, size_t nslots)
{
    t->slots = calloc(nslots, sizeof *t->slots);
    t->used = calloc(nslots, sizeof *t->used);
    t->nslots = nslots;
    t->n = 0;
    if (t->slots == NULL || t->used == NULL) {
        free(t->slots);
        free(t->used);
        return TT_ERR_NOMEM;
    }
    return TT_OK;
}

static tt_total *table_slot(total_table *t, uint64_t key)
{
    size_t s = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (t->nslots - 1);
    while (t->used[s] && t->slots[s].key != key)
        s = (s + 1) & (t->nslots - 1);
    if (!t->used[s]) {
        t->used[s] = true;
        t->slots[s].key = key;
        t->n++;
    }
    return &t->slots[s];
}

/* Sums rows by the list's key; out sorted by key. The table starts small
 * and doubles: a sensor-hour's 100,000 rows have a few thousand ports and
 * a few hundred countries, and zeroing a table sized for the rows cost
 * more than the sums. */
static tt_status sum_by(const tt_detail_row *rows, size_t n, tt_totals_list list, tt_total **out, size_t *nout)
{
    total_table t;
    if (table_alloc(&t, 256) != TT_OK)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (t.n * 2 >= t.nslots) {
            total_table bigger;
            if (table_alloc(&bigger, t.nslots * 2) != TT_OK) {
                free(t.slots);
                free(t.used);
                return TT_ERR_NOMEM;
            }
            for (size_t s = 0; s < t.nslots; s++)
                if (t.used[s])
                    *table_slot(&bigger, t.slots[s].key) = t.slots[s];
            free(t.slots);
            free(t.used);
            t = bigger;
        }
        tt_total *total = table_slot(&t, total_key(&rows[i], list));
        total->packets += rows[i].packets;
        total->bytes += rows[i].bytes;
    }
    size_t k = 0;
    for (size_t s = 0; s < t.nslots; s++)
        if (t.used[s])
            t.slots[k++] = t.slots[s];
    free(t.used);
    if (k > 1)
        qsort(t.slots, k, sizeof *t.slots, total_cmp);
    *out = t.slots;
    *nout = k;
    return TT_OK;
}

/* Appends one list (sorted by key, keys unique). */
static tt_status put_list(tt_buf *out, const tt_total *totals, size_t count)
{
    tt_status st = tt_buf_reserve(out, TT_VARINT_MAX + count * 3 * TT_VARINT_MAX);
    if (st != TT_OK)
        return st;
    tt_buf_put_varint_unchecked(out, count);
    uint64_t prev = 0;
    for (size_t i = 0; i < count; i++) {
        tt_buf_put_varint_unchecked(out, totals[i].key - prev);
        tt_buf_put_varint_unchecked(out, totals[i].packets);
        tt_buf_put_varint_unchecked(out, totals[i].bytes);
        prev = totals[i].key;
    }
    return TT_OK;
}

tt_status tt_totals_from_rows(const tt_detail_row *rows, size_t n, tt_buf *out)
{
    tt_buf_reset(out);
    tt_status st = tt_buf_reserve(out, 1 + TT_TOTALS_LISTS * TT_VARINT_MAX);
    if (st != TT_OK)
        return st;
    tt_buf_put_u8_unchecked(out, TOTALS_VERSION);
    for (int list = 0; list < TT_TOTALS_LISTS && st == TT_OK; list++) {
        tt_total *totals = NULL;
        size_t count = 0;
        if ((st = sum_by(rows, n, (tt_totals_list)list, &totals, &count)) == TT_OK)
            st = put_list(out, totals, count);
        free(totals);
    }
    return st;
}

typedef struct total_list {
    tt_total *v;
    size_t n, cap;
} total_list;

static tt_status collect_total(void *ctx, const tt_total *t)
{
    total_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        tt_total *p = realloc(l->v, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = *t;
    return TT_OK;
}

tt_status tt_totals_sum(const uint8_t *const *blobs, const size_t *lens, size_t nblobs, tt_buf *out)
{
    tt_buf_reset(out);
    tt_status st = tt_buf_reserve(out, 1);
    if (st != TT_OK)
        return st;
    tt_buf_put_u8_unchecked(out, TOTALS_VERSION);
    total_list l = {0};
    for (int list = 0; list < TT_TOTALS_LISTS && st == TT_OK; list++) {
        l.n = 0;
        for (size_t b = 0; b < nblobs && st == TT_OK; b++)
            st = tt_totals_walk(blobs[b], lens[b], (tt_totals_list)list, collect_total, &l);
        if (st != TT_OK)
            break;
        if (l.n > 1)
            qsort(l.v, l.n, sizeof *l.v, total_cmp);
        size_t k = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (k > 0 && l.v[k - 1].key == l.v[i].key) {
                l.v[k - 1].packets += l.v[i].packets;
                l.v[k - 1].bytes += l.v[i].bytes;
            } else {
                l.v[k++] = l.v[i];
            }
        }
        st = put_list(out, l.v, k);
    }
    free(l.v);
    return st;
}

tt_status tt_totals_walk(const uint8_t *data, size_t len, tt_totals_list list, tt_total_fn fn, void *ctx)
{
    tt_cursor c;
    tt_cursor_init(&c, data, len);
    uint8_t version = tt_cursor_u8(&c);
    if (version != 1 && version != TOTALS_VERSION)
        return TT_ERR_FORMAT;
    /* Version 1 had services (kind 0, no flags) and countries only. */
    int lists = version == 1 ? 2 : TT_TOTALS_LISTS;
    for (int l = 0; l < lists; l++) {
        uint64_t count = tt_cursor_varint(&c);
        if (c.failed || count > len)
            return TT_ERR_FORMAT;
        uint64_t key = 0;
        for (uint64_t i = 0; i < count; i++) {
            uint64_t delta = tt_cursor_varint(&c);
            tt_total t;
            t.packets = tt_cursor_varint(&c);
            t.bytes = tt_cursor_varint(&c);
            if (c.failed || (i > 0 && delta == 0) || delta > UINT64_MAX - key)
                return TT_ERR_FORMAT;
            key += delta;
            t.key = version == 1 && l == TT_TOTALS_KEYS ? key << 4 : key;
            if (l == (int)list) {
                tt_status st = fn(ctx, &t);
                if (st != TT_OK)
                    return st;
            }
        }
        if (l == (int)list)
            return TT_OK;
    }
    return TT_OK; /* list absent in an old version: empty */
}
