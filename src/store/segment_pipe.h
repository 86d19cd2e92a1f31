/* Decoding segments on other threads: while a scan's callback works on one
 * sensor-hour, the next ones are decompressed and decoded by two workers
 * (decoding is most of a drill-down's time). Callbacks still run on the
 * calling thread, in the order the segments were pushed. */
#ifndef TT_STORE_SEGMENT_PIPE_H
#define TT_STORE_SEGMENT_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct tt_segment_pipe tt_segment_pipe;

/* keys_only: decode with tt_segment_decode_keys; else match (NULL = every
 * row) picks the rows decoded (tt_segment_decode_matching). */
TT_MUST_CHECK tt_status tt_segment_pipe_start(bool keys_only, const tt_row_match *match, tt_segment_fn fn,
                                              void *ctx, tt_segment_pipe **out);
/* Queues a copy of one stored segment; may first hand decoded earlier ones to fn. */
TT_MUST_CHECK tt_status tt_segment_pipe_push(tt_segment_pipe *p, int64_t hour, int32_t sensor, const void *data,
                                             size_t len);
/* Hands the rest to fn (unless `abandon`), stops the thread and frees the
 * pipe. Returns the first failure: fn's status, or TT_ERR_FORMAT for a
 * damaged segment, whose hour and sensor are then in *bad_hour, *bad_sensor. */
TT_MUST_CHECK tt_status tt_segment_pipe_finish(tt_segment_pipe *p, bool abandon, int64_t *bad_hour,
                                               int32_t *bad_sensor);

#endif
