/* Live sensors seen from the store: their health (heartbeats, last batch,
 * spool, drops, clock skew), uptime over the period and declared gaps. */
#ifndef TT_ANALYZE_HEALTH_H
#define TT_ANALYZE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/query.h"
#include "render/table.h"

/* What live sensors delivered over q's period and sensors, by sensor id. */
typedef struct tt_sensor_coverage {
    uint64_t uptime_seconds; /* capture time covered by delivered batches */
    uint64_t gaps, gap_packets;
    bool live; /* has uptime records: a live sensor, not fed from files */
} tt_sensor_coverage;

/* Fills by_id[0..n) (zeroed first); ids >= n are ignored. */
TT_MUST_CHECK tt_status tt_sensor_coverage_scan(const tt_query *q, tt_sensor_coverage *by_id, size_t n);
/* Share of the period covered, or -1 for a sensor that is not live. */
double tt_sensor_coverage_share(const tt_query *q, const tt_sensor_coverage *c);

/* One row per sensor with columns: sensor, region, status (up / late /
 * down / never: by heartbeat age against 3 intervals), last_heartbeat,
 * last_batch (ISO times, UTC), seq, pending, spool_batches, spool_bytes,
 * captured, capture_drops, spool_drops, skew, uptime (share of the
 * period's hours the capture ran, null for file-only sensors), gaps,
 * gap_packets. `now` is the current time. */
TT_MUST_CHECK tt_status tt_query_sensors(tt_query *q, int64_t now, tt_table *out, char *err, size_t errlen);

/* Declared gaps in the period: sensor, start, end, packets, reason. */
TT_MUST_CHECK tt_status tt_query_gaps(tt_query *q, tt_table *out, char *err, size_t errlen);

#endif
