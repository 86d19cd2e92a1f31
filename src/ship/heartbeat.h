/* Heartbeats: a sensor's health, sent every few seconds whether or not it
 * captured anything. The body is text, one "key value" per line, e.g.
 *   sensor tokyo-1
 *   epoch 9f2c4a0e11d3b7a5
 *   time 1764115200          (sensor clock: the collector derives the skew)
 *   interval 10
 *   spool_batches 3 ...
 * Unknown keys are ignored (newer sensors), known ones must be valid. */
#ifndef TT_SHIP_HEARTBEAT_H
#define TT_SHIP_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/status.h"

typedef struct tt_heartbeat {
    char sensor[64];
    uint64_t epoch;
    int64_t time;     /* sensor clock, seconds since the epoch */
    int64_t interval; /* seconds until the next heartbeat */
    uint64_t counter; /* heartbeats sent by this process: with time, orders heartbeats (replays are refused) */
    uint64_t spool_batches, spool_bytes;
    uint64_t captured, capture_drops, iface_drops, spool_drops;
    char version[32];
} tt_heartbeat;

#define TT_HEARTBEAT_MAX_BYTES 4096

TT_MUST_CHECK tt_status tt_heartbeat_format(const tt_heartbeat *hb, tt_buf *out);
/* TT_ERR_FORMAT with "line N: ..." in err on malformed input. */
TT_MUST_CHECK tt_status tt_heartbeat_parse(const char *text, size_t len, tt_heartbeat *hb, char *err, size_t errlen);

#endif
