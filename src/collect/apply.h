/* Batches into a store, exactly once, in two steps:
 *   accept — in one transaction: the batch's (sensor, epoch, seq) and the
 *            batch itself in the inbox. Only then is it acknowledged; a
 *            repeated batch is recognised and not stored again.
 *   fold   — in one transaction per chunk: the inbox batches' rows merged
 *            into the hourly data (geo attribution happens here), their
 *            backscatter, outcomes, gaps and uptime; the batches leave the
 *            inbox in the same transaction.
 * Folding several batches at once merges them before a sensor-hour's
 * segment is rewritten, which keeps that rewrite rare. Used by the collector
 * and by a sensor writing to a local store. */
#ifndef TT_COLLECT_APPLY_H
#define TT_COLLECT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/geo.h"
#include "classify/sensor_map.h"
#include "ship/batch.h"
#include "store/store.h"

typedef enum tt_accept_result {
    TT_ACCEPT_NEW = 0,
    TT_ACCEPT_DUPLICATE, /* already accepted: acknowledge, store nothing */
} tt_accept_result;

/* config: where region and labels of the sensor come from (may be NULL). */
TT_MUST_CHECK tt_status tt_apply_accept(tt_store *store, const tt_sensor_map *config, const tt_batch *batch,
                                        const uint8_t *data, size_t len, int64_t now, tt_accept_result *result,
                                        uint64_t *last_seq, char *err, size_t errlen);

/* Folds up to max_batches inbox batches; *folded = how many. geo must not be NULL. */
TT_MUST_CHECK tt_status tt_apply_fold(tt_store *store, tt_geo *geo, size_t max_batches, size_t *folded,
                                      char *err, size_t errlen);

/* Folds until the inbox is empty. */
TT_MUST_CHECK tt_status tt_apply_fold_all(tt_store *store, tt_geo *geo, char *err, size_t errlen);

#endif
