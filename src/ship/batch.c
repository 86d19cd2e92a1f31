/* Observation batch codec (see batch.h). */
#include "ship/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "util/limits.h"

#define BATCH_MAGIC "TTOB"
#define META_ZSTD_LEVEL 3
/* A quiet sensor's sections are small: there zstd's slowest level costs
 * milliseconds and saves ~2 % of the bytes on the wire. */
#define SMALL_SECTION_ROWS 16384
#define SMALL_SECTION_LEVEL 19
/* Bounds a hostile batch cannot exceed. */
#define MAX_GAPS TT_BATCH_MAX_GAPS
#define MAX_SECTIONS 1024
#define MAX_META ((size_t)64 << 20)

const char *tt_gap_reason_name(uint8_t reason)
{
    switch (reason) {
    case TT_GAP_SPOOL_FULL: return "spool-full";
    case TT_GAP_CAPTURE_DROP: return "capture-drop";
    case TT_GAP_IFACE_DROP: return "interface-drop";
    default: return "unknown";
    }
}

void tt_batch_builder_init(tt_batch_builder *b)
{
    memset(b, 0, sizeof *b);
    tt_buf_init(&b->sections, TT_BATCH_MAX_BYTES);
    tt_buf_init(&b->scratch, 0);
    tt_buf_init(&b->bloom, 0);
}

void tt_batch_builder_free(tt_batch_builder *b)
{
    tt_buf_free(&b->sections);
    tt_buf_free(&b->scratch);
    tt_buf_free(&b->bloom);
    free(b->victims);
    memset(b, 0, sizeof *b);
}

void tt_batch_builder_reset(tt_batch_builder *b)
{
    tt_buf_reset(&b->sections);
    b->nsections = 0;
    b->nvictims = 0;
    b->packets = 0;
}

static tt_status put_varint(tt_buf *b, uint64_t v)
{
    tt_status st = tt_buf_reserve(b, TT_VARINT_MAX);
    if (st == TT_OK)
        tt_buf_put_varint_unchecked(b, v);
    return st;
}

tt_status tt_batch_builder_add_hour(tt_batch_builder *b, int64_t hour, const tt_detail_row *rows, size_t n)
{
    if (n == 0)
        return TT_OK;
    if (hour < 0 || b->nsections == MAX_SECTIONS || n > TT_LIMIT_SEGMENT_ROWS)
        return TT_ERR_USAGE;
    tt_status st = tt_segment_encode_compact(rows, n, hour, n <= SMALL_SECTION_ROWS ? SMALL_SECTION_LEVEL : META_ZSTD_LEVEL, &b->scratch, &b->bloom);
    if (st != TT_OK)
        return st;
    if ((st = put_varint(&b->sections, (uint64_t)hour)) || (st = put_varint(&b->sections, n)) ||
        (st = put_varint(&b->sections, b->scratch.len)) ||
        (st = tt_buf_append(&b->sections, b->scratch.data, b->scratch.len)))
        return st;
    for (size_t i = 0; i < n; i++)
        b->packets += rows[i].packets;
    b->nsections++;
    return TT_OK;
}

tt_status tt_batch_builder_add_victim(tt_batch_builder *b, const tt_victim_row *row)
{
    if (b->nvictims == b->victims_cap) {
        if (b->victims_cap >= TT_LIMIT_VICTIM_ROWS)
            return TT_ERR_NOMEM;
        size_t cap = b->victims_cap ? b->victims_cap * 2 : 256;
        tt_victim_row *p = realloc(b->victims, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        b->victims = p;
        b->victims_cap = cap;
    }
    b->victims[b->nvictims++] = *row;
    return TT_OK;
}

uint64_t tt_batch_builder_packets(const tt_batch_builder *b) { return b->packets; }

static tt_status encode_meta(const tt_batch_builder *b, const tt_batch_header *h, const tt_gap *gaps,
                             size_t ngaps, tt_buf *meta)
{
    size_t name_len = strnlen(h->sensor, sizeof h->sensor - 1);
    tt_status st = tt_buf_reserve(meta, 32 + name_len + (8 + TT_OUTCOME_COUNT) * TT_VARINT_MAX +
                                            ngaps * 4 * TT_VARINT_MAX +
                                            b->nvictims * (16 + 69 * TT_VARINT_MAX));
    if (st != TT_OK)
        return st;
    tt_buf_put_varint_unchecked(meta, name_len);
    memcpy(meta->data + meta->len, h->sensor, name_len);
    meta->len += name_len;
    const uint64_t fields[] = {h->epoch, h->seq, (uint64_t)h->opened, (uint64_t)h->closed, h->frames,
                               b->packets, TT_OUTCOME_COUNT};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        tt_buf_put_varint_unchecked(meta, fields[i]);
    for (int i = 0; i < TT_OUTCOME_COUNT; i++)
        tt_buf_put_varint_unchecked(meta, h->outcomes[i]);
    tt_buf_put_varint_unchecked(meta, ngaps);
    for (size_t i = 0; i < ngaps; i++) {
        tt_buf_put_varint_unchecked(meta, (uint64_t)gaps[i].start);
        tt_buf_put_varint_unchecked(meta, (uint64_t)gaps[i].end);
        tt_buf_put_varint_unchecked(meta, gaps[i].packets);
        tt_buf_put_varint_unchecked(meta, gaps[i].reason);
    }
    tt_buf_put_varint_unchecked(meta, b->nvictims);
    for (size_t i = 0; i < b->nvictims; i++) {
        const tt_victim_row *v = &b->victims[i];
        tt_buf_put_varint_unchecked(meta, (uint64_t)v->hour);
        memcpy(meta->data + meta->len, v->victim.bytes, 16);
        meta->len += 16;
        tt_buf_put_varint_unchecked(meta, v->proto);
        tt_buf_put_varint_unchecked(meta, (uint64_t)(v->port + 1));
        tt_buf_put_varint_unchecked(meta, v->packets);
        tt_buf_put_varint_unchecked(meta, v->bytes);
        tt_buf_put_varint_unchecked(meta, v->first);
        tt_buf_put_varint_unchecked(meta, v->last);
        for (int m = 0; m < 60; m++)
            tt_buf_put_varint_unchecked(meta, v->minute[m]);
    }
    tt_buf_put_varint_unchecked(meta, h->seq - (h->first_seq ? h->first_seq : h->seq));
    return TT_OK;
}

tt_status tt_batch_builder_finish(tt_batch_builder *b, const tt_batch_header *h, const tt_gap *gaps,
                                  size_t ngaps, tt_buf *out)
{
    if (ngaps > MAX_GAPS || h->opened < 0 || h->closed < h->opened || h->first_seq > h->seq)
        return TT_ERR_USAGE;
    tt_buf meta;
    tt_buf_init(&meta, MAX_META);
    tt_status st = encode_meta(b, h, gaps, ngaps, &meta);
    tt_buf_reset(out);
    size_t bound = ZSTD_compressBound(meta.len);
    if (st == TT_OK)
        st = tt_buf_reserve(out, 5 + 2 * TT_VARINT_MAX + bound);
    if (st == TT_OK) {
        memcpy(out->data, BATCH_MAGIC, 4);
        out->data[4] = TT_BATCH_VERSION;
        out->len = 5;
        /* The compressed length is written after compressing: leave room. */
        uint8_t *z = malloc(bound);
        size_t zlen = z ? ZSTD_compress(z, bound, meta.data, meta.len, META_ZSTD_LEVEL) : 0;
        if (z == NULL)
            st = TT_ERR_NOMEM;
        else if (ZSTD_isError(zlen))
            st = TT_ERR_FORMAT;
        else {
            tt_buf_put_varint_unchecked(out, zlen);
            memcpy(out->data + out->len, z, zlen);
            out->len += zlen;
            tt_buf_put_varint_unchecked(out, b->nsections);
        }
        free(z);
    }
    if (st == TT_OK)
        st = tt_buf_append(out, b->sections.data, b->sections.len);
    if (st == TT_OK && out->len > TT_BATCH_MAX_BYTES)
        st = TT_ERR_NOMEM;
    tt_buf_free(&meta);
    return st;
}

void tt_batch_free(tt_batch *batch)
{
    for (size_t i = 0; batch->sections && i < batch->nsections; i++)
        free(batch->sections[i].rows);
    free(batch->gaps);
    free(batch->victims);
    free(batch->sections);
    memset(batch, 0, sizeof *batch);
}

static bool valid_sensor_name(const char *name, size_t len)
{
    if (len == 0 || len >= 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.'))
            return false;
    }
    return true;
}

#define FAIL(...)                                                                                          \
    do {                                                                                                   \
        snprintf(err, errlen, __VA_ARGS__);                                                                \
        st = TT_ERR_FORMAT;                                                                                \
        goto fail;                                                                                         \
    } while (0)

static tt_status decode_meta(const uint8_t *meta, size_t len, int version, tt_batch *out, char *err,
                             size_t errlen)
{
    tt_status st = TT_OK;
    tt_cursor c;
    tt_cursor_init(&c, meta, len);
    tt_batch_header *h = &out->header;
    uint64_t name_len = tt_cursor_varint(&c);
    const uint8_t *name = c.failed || name_len >= sizeof h->sensor ? NULL : tt_cursor_take(&c, name_len);
    if (name == NULL || !valid_sensor_name((const char *)name, name_len))
        FAIL("batch header: bad sensor name");
    memcpy(h->sensor, name, name_len);
    h->sensor[name_len] = '\0';
    h->epoch = tt_cursor_varint(&c);
    h->seq = tt_cursor_varint(&c);
    uint64_t opened = tt_cursor_varint(&c), closed = tt_cursor_varint(&c);
    h->frames = tt_cursor_varint(&c);
    h->packets = tt_cursor_varint(&c);
    uint64_t noutcomes = tt_cursor_varint(&c);
    if (c.failed || noutcomes != TT_OUTCOME_COUNT || opened > UINT32_MAX || closed > UINT32_MAX ||
        closed < opened || h->seq == 0)
        FAIL("batch header: bad fields");
    h->opened = (int64_t)opened;
    h->closed = (int64_t)closed;
    for (int i = 0; i < TT_OUTCOME_COUNT; i++)
        h->outcomes[i] = tt_cursor_varint(&c);
    uint64_t ngaps = tt_cursor_varint(&c);
    if (c.failed || ngaps > MAX_GAPS)
        FAIL("batch header: bad gap count");
    out->gaps = calloc(ngaps ? ngaps : 1, sizeof *out->gaps);
    if (out->gaps == NULL)
        return TT_ERR_NOMEM;
    for (uint64_t i = 0; i < ngaps; i++) {
        tt_gap *g = &out->gaps[i];
        uint64_t start = tt_cursor_varint(&c), end = tt_cursor_varint(&c);
        g->packets = tt_cursor_varint(&c);
        uint64_t reason = tt_cursor_varint(&c);
        if (c.failed || start > UINT32_MAX || end > UINT32_MAX || end < start || reason == 0 ||
            reason > TT_GAP_REASON_MAX)
            FAIL("batch gap %llu: bad fields", (unsigned long long)i);
        g->start = (int64_t)start;
        g->end = (int64_t)end;
        g->reason = (uint8_t)reason;
    }
    out->ngaps = ngaps;
    uint64_t nvictims = tt_cursor_varint(&c);
    /* each victim needs at least 16 + 67 bytes (the address; hour, proto, port,
     * packets, bytes, first, last and 60 minutes of one-byte varints): bounds
     * the allocation by the input */
    if (c.failed || nvictims > TT_LIMIT_VICTIM_ROWS || nvictims > tt_cursor_left(&c) / 83)
        FAIL("batch: bad backscatter row count");
    out->victims = calloc(nvictims ? nvictims : 1, sizeof *out->victims);
    if (out->victims == NULL)
        return TT_ERR_NOMEM;
    for (uint64_t i = 0; i < nvictims; i++) {
        tt_victim_row *v = &out->victims[i];
        uint64_t hour = tt_cursor_varint(&c);
        const uint8_t *addr = tt_cursor_take(&c, 16);
        uint64_t proto = tt_cursor_varint(&c), port = tt_cursor_varint(&c);
        v->packets = tt_cursor_varint(&c);
        v->bytes = tt_cursor_varint(&c);
        uint64_t first = tt_cursor_varint(&c), last = tt_cursor_varint(&c);
        for (int m = 0; m < 60; m++) {
            uint64_t count = tt_cursor_varint(&c);
            v->minute[m] = count > UINT16_MAX ? UINT16_MAX : (uint16_t)count;
        }
        if (c.failed || addr == NULL || proto > 255 || port > 65536 || hour > UINT32_MAX / 3600 ||
            first > last || first < hour * 3600 || last >= hour * 3600 + 3600 || last > UINT32_MAX)
            FAIL("batch backscatter row %llu: bad fields", (unsigned long long)i);
        v->hour = (int64_t)hour;
        memcpy(v->victim.bytes, addr, 16);
        v->proto = (uint8_t)proto;
        v->port = (int32_t)port - 1;
        v->first = (uint32_t)first;
        v->last = (uint32_t)last;
    }
    out->nvictims = nvictims;
    h->first_seq = h->seq;
    if (version >= 3) {
        uint64_t merged = tt_cursor_varint(&c);
        if (c.failed || merged >= h->seq)
            FAIL("batch header: bad first sequence number");
        h->first_seq = h->seq - merged;
    }
    if (tt_cursor_left(&c) != 0)
        FAIL("batch header: %zu bytes of trailing data", tt_cursor_left(&c));
    return TT_OK;
fail:
    return st;
}

tt_status tt_batch_section_rows(const tt_batch_section *s, tt_detail_row **rows, size_t *n, size_t *cap)
{
    tt_status st = tt_segment_decode(s->data, s->len, s->hour, rows, n, cap);
    if (st != TT_OK)
        return st;
    if (*n != s->nrows)
        return TT_ERR_FORMAT;
    for (size_t i = 0; i < *n; i++) {
        const tt_detail_row *r = &(*rows)[i];
        if ((i > 0 && tt_detail_row_cmp(&(*rows)[i - 1], r) >= 0) || r->first > r->last ||
            r->first < (uint64_t)s->hour * 3600 || r->last >= (uint64_t)s->hour * 3600 + 3600 || r->packets == 0)
            return TT_ERR_FORMAT;
    }
    return TT_OK;
}

/* Decodes the magic, the version and the header (meta); c is left at the
 * section count. On failure out is freed. */
static tt_status decode_prefix(const uint8_t *data, size_t len, tt_batch *out, tt_cursor *c, char *err,
                               size_t errlen)
{
    memset(out, 0, sizeof *out);
    tt_status st = TT_OK;
    uint8_t *meta = NULL;
    if (len > TT_BATCH_MAX_BYTES)
        FAIL("batch of %zu bytes is larger than the limit (%zu)", len, TT_BATCH_MAX_BYTES);
    if (len < 5 || memcmp(data, BATCH_MAGIC, 4) != 0)
        FAIL("not a teiten batch (offset 0: bad magic)");
    if (data[4] < 1 || data[4] > TT_BATCH_VERSION)
        FAIL("batch version %u is not supported (offset 4; this teiten reads versions 1 to %d)", data[4],
             TT_BATCH_VERSION);
    tt_cursor_init(c, data + 5, len - 5);
    uint64_t zlen = tt_cursor_varint(c);
    const uint8_t *z = c->failed ? NULL : tt_cursor_take(c, zlen);
    if (z == NULL)
        FAIL("batch truncated in the header (offset 5)");
    unsigned long long content = ZSTD_getFrameContentSize(z, zlen);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content > MAX_META)
        FAIL("batch header is not a valid zstd frame (offset %td)", z - data);
    if ((meta = malloc(content ? content : 1)) == NULL) {
        st = TT_ERR_NOMEM;
        goto fail;
    }
    size_t got = ZSTD_decompress(meta, content, z, zlen);
    if (ZSTD_isError(got) || got != content)
        FAIL("batch header does not decompress (offset %td)", z - data);
    st = decode_meta(meta, got, data[4], out, err, errlen);
fail:
    free(meta);
    if (st != TT_OK)
        tt_batch_free(out);
    return st;
}

tt_status tt_batch_decode_header(const uint8_t *data, size_t len, tt_batch *out, char *err, size_t errlen)
{
    tt_cursor c;
    return decode_prefix(data, len, out, &c, err, errlen);
}

static tt_status batch_decode(const uint8_t *data, size_t len, bool keep_rows, tt_batch *out, char *err,
                              size_t errlen)
{
    tt_status st;
    tt_detail_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    tt_cursor c;
    if ((st = decode_prefix(data, len, out, &c, err, errlen)) != TT_OK)
        return st;
    uint64_t nsections = tt_cursor_varint(&c);
    if (c.failed || nsections > MAX_SECTIONS)
        FAIL("batch: bad section count (offset %td)", c.p - data);
    out->sections = calloc(nsections ? nsections : 1, sizeof *out->sections);
    if (out->sections == NULL) {
        st = TT_ERR_NOMEM;
        goto fail;
    }
    uint64_t packets = 0;
    for (uint64_t i = 0; i < nsections; i++) {
        tt_batch_section *s = &out->sections[i];
        ptrdiff_t at = c.p - data;
        uint64_t hour = tt_cursor_varint(&c), n = tt_cursor_varint(&c), slen = tt_cursor_varint(&c);
        s->data = c.failed ? NULL : tt_cursor_take(&c, slen);
        if (s->data == NULL || hour > UINT32_MAX / 3600 || n == 0 || n > TT_LIMIT_SEGMENT_ROWS ||
            (i > 0 && (int64_t)hour <= out->sections[i - 1].hour))
            FAIL("batch section %llu (offset %td): bad header", (unsigned long long)i, at);
        s->hour = (int64_t)hour;
        s->nrows = (uint32_t)n;
        s->len = slen;
        st = tt_batch_section_rows(s, &rows, &nrows, &cap);
        out->nsections = i + 1;
        if (st == TT_ERR_NOMEM)
            goto fail;
        if (st != TT_OK)
            FAIL("batch section %llu (offset %td): malformed rows", (unsigned long long)i, at);
        for (size_t r = 0; r < nrows; r++)
            packets += rows[r].packets;
        if (keep_rows) { /* the section keeps this buffer; the next one gets its own */
            s->rows = rows;
            rows = NULL;
            cap = 0;
        }
    }
    if (tt_cursor_left(&c) != 0)
        FAIL("batch: %zu bytes of trailing data (offset %td)", tt_cursor_left(&c), c.p - data);
    if (packets != out->header.packets)
        FAIL("batch: rows hold %llu packets, the header says %llu", (unsigned long long)packets,
             (unsigned long long)out->header.packets);
    free(rows);
    return TT_OK;
fail:
    free(rows);
    tt_batch_free(out);
    return st;
}

tt_status tt_batch_decode(const uint8_t *data, size_t len, tt_batch *out, char *err, size_t errlen)
{
    return batch_decode(data, len, false, out, err, errlen);
}

tt_status tt_batch_decode_rows(const uint8_t *data, size_t len, tt_batch *out, char *err, size_t errlen)
{
    return batch_decode(data, len, true, out, err, errlen);
}
