/* LSD radix sorts for the large integer-keyed arrays of ingest and queries
 * (qsort's comparisons cost several times more on millions of entries). */
#ifndef TT_UTIL_SORT_H
#define TT_UTIL_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct tt_kv {
    uint64_t key, value;
} tt_kv;

/* Sorts ascending; stable. 16-bit digits (8-bit below 65536 entries),
 * skipping digits equal in every key. Allocates n entries of scratch space (TT_ERR_NOMEM if it cannot). */
TT_MUST_CHECK tt_status tt_sort_u32(uint32_t *v, size_t n);
TT_MUST_CHECK tt_status tt_sort_u64(uint64_t *v, size_t n);
TT_MUST_CHECK tt_status tt_sort_kv(tt_kv *v, size_t n);

#endif
