/* Bounded growable buffer. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

void tt_buf_init(tt_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : TT_LIMIT_BUF_MAX;
}

void tt_buf_free(tt_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void tt_buf_reset(tt_buf *b) { b->len = 0; }

tt_status tt_buf_reserve(tt_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return TT_ERR_NOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return TT_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return TT_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return TT_OK;
}

tt_status tt_buf_append(tt_buf *b, const void *data, size_t len)
{
    tt_status st = tt_buf_reserve(b, len + 1);
    if (st != TT_OK)
        return st;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0'; /* keeps text buffers printable; not counted in len */
    return TT_OK;
}

tt_status tt_buf_printf(tt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TT_ERR_FORMAT;
    tt_status st = tt_buf_reserve(b, (size_t)n + 1);
    if (st != TT_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TT_OK;
}
