/* Growable byte buffer with a hard maximum (curl's dynbuf idea) plus
 * LEB128 varints. The buffer owns `data`; free with tt_buf_free. */
#ifndef TT_UTIL_BUF_H
#define TT_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct tt_buf {
    uint8_t *data;
    size_t len, cap, max;
} tt_buf;

/* max == 0 means the default bound TT_LIMIT_BUF_MAX. */
void tt_buf_init(tt_buf *b, size_t max);
void tt_buf_free(tt_buf *b);
void tt_buf_reset(tt_buf *b);
TT_MUST_CHECK tt_status tt_buf_reserve(tt_buf *b, size_t extra);
TT_MUST_CHECK tt_status tt_buf_append(tt_buf *b, const void *data, size_t len);
TT_MUST_CHECK tt_status tt_buf_printf(tt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends without checking capacity: caller reserved enough (hot loops). */
static inline void tt_buf_put_u8_unchecked(tt_buf *b, uint8_t v) { b->data[b->len++] = v; }
static inline void tt_buf_put_varint_unchecked(tt_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}
#define TT_VARINT_MAX 10

/* Reading side: a bounds-checked cursor over borrowed bytes. */
typedef struct tt_cursor {
    const uint8_t *p, *end;
    int failed; /* set once any read ran past the end or was malformed */
} tt_cursor;

static inline void tt_cursor_init(tt_cursor *c, const void *data, size_t len)
{
    c->p = data;
    c->end = len ? c->p + len : c->p; /* NULL + 0 is undefined in C */
    c->failed = 0;
}
static inline size_t tt_cursor_left(const tt_cursor *c) { return (size_t)(c->end - c->p); }
static inline uint8_t tt_cursor_u8(tt_cursor *c)
{
    if (c->p >= c->end) {
        c->failed = 1;
        return 0;
    }
    return *c->p++;
}
/* The general case: any length, bounds checked byte by byte. */
static uint64_t tt_cursor_varint_slow(tt_cursor *c) __attribute__((noinline, unused));
static uint64_t tt_cursor_varint_slow(tt_cursor *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            c->failed = 1;
            return 0;
        }
        uint8_t byte = *c->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    c->failed = 1;
    return 0;
}

static inline __attribute__((always_inline)) uint64_t tt_cursor_varint(tt_cursor *c)
{
    /* With ten bytes left no varint can run past the end: no per-byte checks
     * (segment scans read hundreds of millions of these). */
    if (c->end - c->p >= TT_VARINT_MAX) {
        const uint8_t *p = c->p;
        uint64_t v = p[0];
        if (v < 0x80) {
            c->p = p + 1;
            return v;
        }
        v &= 0x7f;
        for (unsigned i = 1; i < TT_VARINT_MAX; i++) {
            uint64_t b = p[i];
            v |= (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                c->p = p + i + 1;
                return v;
            }
        }
        c->failed = 1;
        return 0;
    }
    return tt_cursor_varint_slow(c);
}
/* Returns a pointer to n bytes and advances, or NULL (and fails) if short. */
static inline const uint8_t *tt_cursor_take(tt_cursor *c, size_t n)
{
    if (tt_cursor_left(c) < n) {
        c->failed = 1;
        c->p = c->end;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += n;
    return p;
}

#endif
