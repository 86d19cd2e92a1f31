/* Ingest-time aggregation with an interval lifecycle: packets are added to
 * open sensor-hour bins (one hash table each, keyed by source x service x
 * kind); bins are flushed — sorted by (source, service, kind) — when their hour is over or
 * memory is at its bound, and handed to the store. */
#ifndef TT_AGGREGATE_AGGREGATOR_H
#define TT_AGGREGATE_AGGREGATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/segment.h"
#include "util/addr.h"
#include "util/status.h"

typedef struct tt_agg tt_agg;

/* max_entries bounds memory: 56-byte rows in tables kept at most half full
 * (and at least a quarter), so 110-220 bytes per entry while counting. */
tt_agg *tt_agg_new(size_t max_entries);
void tt_agg_free(tt_agg *agg); /* accepts NULL */

/* Counts one packet. Returns TT_ERR_NOMEM when the entry bound is reached:
 * flush, then add again. */
TT_MUST_CHECK tt_status tt_agg_add(tt_agg *agg, int64_t ts_sec, int32_t sensor, const tt_addr *src,
                                   tt_service service, uint8_t kind, uint8_t os, uint8_t ttl, uint32_t bytes);

size_t tt_agg_entries(const tt_agg *agg);
/* Latest time of a packet counted since the aggregator was last empty, or
 * INT64_MIN. */
int64_t tt_agg_newest(const tt_agg *agg);
/* The UTC hour, i.e. the bin, of a time (floor division: pre-1970 times
 * land in negative hours, not hour 0). */
int64_t tt_agg_hour_of(int64_t ts_sec);

/* Receives one flushed bin; rows are sorted by (src, service, kind), their
 * cc, asn and src_flags are 0 (the callback fills them in) and they stay
 * valid only during the call. */
typedef tt_status (*tt_agg_emit_fn)(void *ctx, int64_t hour, int32_t sensor, tt_detail_row *rows,
                                    size_t n);

/* Bins taken out of the aggregator, to be written elsewhere (another thread). */
typedef struct tt_agg_batch tt_agg_batch;

/* Moves every bin whose hour is < before_hour (INT64_MAX = all) into a new
 * batch; *out is NULL when there was none. */
TT_MUST_CHECK tt_status tt_agg_detach(tt_agg *agg, int64_t before_hour, tt_agg_batch **out);
/* Sorts each bin's rows ahead of emit, which then does not: lets the thread
 * that detached a batch take that work when the emitting thread is behind. */
TT_MUST_CHECK tt_status tt_agg_batch_sort(tt_agg_batch *batch);
/* Sorts each bin's rows (unless tt_agg_batch_sort did) and emits the bins in
 * (hour, sensor) order; stops at the first callback error. */
TT_MUST_CHECK tt_status tt_agg_batch_emit(tt_agg_batch *batch, tt_agg_emit_fn emit, void *ctx);
void tt_agg_batch_free(tt_agg_batch *batch); /* accepts NULL */
size_t tt_agg_batch_entries(const tt_agg_batch *batch);

/* detach + emit + free, in the calling thread. */
TT_MUST_CHECK tt_status tt_agg_flush(tt_agg *agg, int64_t before_hour, tt_agg_emit_fn emit, void *ctx);

/* Sorts rows by (src, service, kind): radix sort for IPv4 sources (the common
 * case), comparison sort for IPv6. Exposed for tests. */
TT_MUST_CHECK tt_status tt_agg_sort_rows(tt_detail_row *rows, size_t n);

#endif
