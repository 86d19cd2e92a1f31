/* LSD radix sorts (see sort.h). */
#include "util/sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Arrays at least this long sort on 16-bit digits (fewer passes); shorter
 * ones on 8-bit digits, whose 256 buckets cost nothing to clear and sum:
 * 65536 buckets per digit made a query's hundred small unions cost 10 ms. */
#define WIDE_DIGITS_FROM 65536

/* Sorts v[0..n) (n > 64) by KEY(x) on DIGITS digits of BITS bits: one
 * counting pass finds every digit's buckets, then one scatter pass per
 * digit that not all keys share. */
#define RADIX_PASSES(TYPE, KEY, BITS, DIGITS)                                                   \
    do {                                                                                        \
        enum { BUCKETS = 1 << (BITS) };                                                         \
        TYPE *tmp = malloc(n * sizeof *tmp);                                                    \
        uint32_t(*count)[BUCKETS] = calloc(DIGITS, sizeof *count);                              \
        if (tmp == NULL || count == NULL) {                                                     \
            free(tmp);                                                                          \
            free(count);                                                                        \
            return TT_ERR_NOMEM;                                                                \
        }                                                                                       \
        for (size_t i = 0; i < n; i++)                                                          \
            for (unsigned d = 0; d < (DIGITS); d++)                                             \
                count[d][(KEY(v[i]) >> ((BITS) * d)) & (BUCKETS - 1)]++;                        \
        bool need[DIGITS];                                                                      \
        for (unsigned d = 0; d < (DIGITS); d++) {                                               \
            uint32_t sum = 0;                                                                   \
            need[d] = true;                                                                     \
            for (size_t b = 0; b < BUCKETS; b++) {                                              \
                uint32_t c = count[d][b];                                                       \
                if (c == n)                                                                     \
                    need[d] = false;                                                            \
                count[d][b] = sum;                                                              \
                sum += c;                                                                       \
            }                                                                                   \
        }                                                                                       \
        TYPE *src = v, *dst = tmp;                                                              \
        for (unsigned d = 0; d < (DIGITS); d++) {                                               \
            if (!need[d])                                                                       \
                continue;                                                                       \
            for (size_t i = 0; i < n; i++)                                                      \
                dst[count[d][(KEY(src[i]) >> ((BITS) * d)) & (BUCKETS - 1)]++] = src[i];        \
            TYPE *t = src;                                                                      \
            src = dst;                                                                          \
            dst = t;                                                                            \
        }                                                                                       \
        if (src != v)                                                                           \
            memcpy(v, src, n * sizeof *v);                                                      \
        free(tmp);                                                                              \
        free(count);                                                                            \
    } while (0)

/* One function body per element type: KEY(x) is the sort key of element x,
 * KEY_BITS its width. */
#define RADIX_SORT(TYPE, KEY, KEY_BITS)                                                         \
    if (n <= 64) { /* insertion sort: the buckets would cost more than the sort */               \
        for (size_t i = 1; i < n; i++) {                                                        \
            TYPE x = v[i];                                                                      \
            size_t j = i;                                                                       \
            for (; j > 0 && KEY(v[j - 1]) > KEY(x); j--)                                        \
                v[j] = v[j - 1];                                                                \
            v[j] = x;                                                                           \
        }                                                                                       \
        return TT_OK;                                                                           \
    }                                                                                           \
    if (n > UINT32_MAX)                                                                         \
        return TT_ERR_NOMEM;                                                                    \
    if (n >= WIDE_DIGITS_FROM)                                                                  \
        RADIX_PASSES(TYPE, KEY, 16, (KEY_BITS) / 16);                                           \
    else                                                                                        \
        RADIX_PASSES(TYPE, KEY, 8, (KEY_BITS) / 8);                                             \
    return TT_OK;

#define PLAIN_KEY(x) (x)
#define KV_KEY(x) ((x).key)

tt_status tt_sort_u32(uint32_t *v, size_t n) { RADIX_SORT(uint32_t, PLAIN_KEY, 32) }

tt_status tt_sort_u64(uint64_t *v, size_t n) { RADIX_SORT(uint64_t, PLAIN_KEY, 64) }

tt_status tt_sort_kv(tt_kv *v, size_t n) { RADIX_SORT(tt_kv, KV_KEY, 64) }
