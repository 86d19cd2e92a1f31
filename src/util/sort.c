/* LSD radix sorts (see sort.h). */
#include "util/sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 65536

/* One function body per element type: KEY(x) is the sort key of element x
 * (DIGITS 16-bit digits). One counting pass finds every digit's buckets,
 * then one scatter pass per digit that not all keys share. */
#define RADIX_SORT(TYPE, KEY, DIGITS)                                                           \
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
    TYPE *tmp = malloc(n * sizeof *tmp);                                                        \
    uint32_t(*count)[BUCKETS] = calloc(DIGITS, sizeof *count);                                  \
    if (tmp == NULL || count == NULL) {                                                         \
        free(tmp);                                                                              \
        free(count);                                                                            \
        return TT_ERR_NOMEM;                                                                    \
    }                                                                                           \
    for (size_t i = 0; i < n; i++)                                                              \
        for (unsigned d = 0; d < DIGITS; d++)                                                   \
            count[d][(KEY(v[i]) >> (16 * d)) & 0xffff]++;                                       \
    bool need[DIGITS];                                                                          \
    for (unsigned d = 0; d < DIGITS; d++) {                                                     \
        uint32_t sum = 0;                                                                       \
        need[d] = true;                                                                         \
        for (size_t b = 0; b < BUCKETS; b++) {                                                  \
            uint32_t c = count[d][b];                                                           \
            if (c == n)                                                                         \
                need[d] = false;                                                                \
            count[d][b] = sum;                                                                  \
            sum += c;                                                                           \
        }                                                                                       \
    }                                                                                           \
    TYPE *src = v, *dst = tmp;                                                                  \
    for (unsigned d = 0; d < DIGITS; d++) {                                                     \
        if (!need[d])                                                                           \
            continue;                                                                           \
        for (size_t i = 0; i < n; i++)                                                          \
            dst[count[d][(KEY(src[i]) >> (16 * d)) & 0xffff]++] = src[i];                       \
        TYPE *t = src;                                                                          \
        src = dst;                                                                              \
        dst = t;                                                                                \
    }                                                                                           \
    if (src != v)                                                                               \
        memcpy(v, src, n * sizeof *v);                                                          \
    free(tmp);                                                                                  \
    free(count);                                                                                \
    return TT_OK;

#define PLAIN_KEY(x) (x)
#define KV_KEY(x) ((x).key)

tt_status tt_sort_u32(uint32_t *v, size_t n) { RADIX_SORT(uint32_t, PLAIN_KEY, 2) }

tt_status tt_sort_u64(uint64_t *v, size_t n) { RADIX_SORT(uint64_t, PLAIN_KEY, 4) }

tt_status tt_sort_kv(tt_kv *v, size_t n) { RADIX_SORT(tt_kv, KV_KEY, 4) }
