/* The sensor daemon: captures (live, or from a capture file), classifies
 * every frame exactly like `teiten ingest`, aggregates it into observation
 * batches (by packet count and time), and either
 *   - spools each batch (fsync) and ships it to the collector, deleting it
 *     only once acknowledged, with heartbeats carrying its health; or
 *   - single-host mode: accepts and folds each batch into a local store.
 * Signals are turned into the stop/reload flags by the caller (one place:
 * cli/cmd_live.c); this loop polls them. */
#ifndef TT_SENSOR_SENSOR_H
#define TT_SENSOR_SENSOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/live.h"
#include "classify/geo.h"
#include "classify/p0f.h"
#include "classify/sensor_map.h"
#include "ship/auth.h"
#include "store/store.h"
#include "util/status.h"

/* What SIGHUP can change without reopening the capture. */
typedef struct tt_sensor_reloadable {
    tt_sensor_map *sensors; /* owned by the sensor after a reload */
    char filter[1024];
    uint64_t batch_packets;
    int batch_seconds;
    int ship_seconds; /* < 0: the default (60); spooled pieces are merged up to this span */
    int heartbeat_seconds;
    uint64_t spool_max;
} tt_sensor_reloadable;

typedef tt_status (*tt_sensor_reload_fn)(void *ctx, tt_sensor_reloadable *out, char *err, size_t errlen);

typedef struct tt_sensor_options {
    char name[64];
    tt_sensor_reloadable conf; /* sensors: the configuration's map (borrowed) */
    /* Source: live interfaces, or read_path (a capture file, as fast as it goes). */
    tt_live_options live;
    const char *read_path;
    /* Destination: the collector (url + spool), or a local store. */
    const char *url, *ca_file;
    tt_key key;
    const char *spool_dir;
    tt_store *store; /* single-host mode */
    tt_geo *geo;     /* single-host mode */
    const tt_p0f *p0f;
    const char *user; /* drop to this user after opening the capture; NULL = stay */
    volatile sig_atomic_t *stop, *reload;
    tt_sensor_reload_fn reload_fn;
    void *reload_ctx;
} tt_sensor_options;

typedef struct tt_sensor_summary {
    uint64_t frames, packets, batches, spool_dropped;
    uint64_t delivered; /* batches the collector acknowledged (merged batches count once) */
    uint64_t capture_dropped;
    uint64_t wire_bytes; /* sent to the collector */
    uint64_t left_in_spool;
} tt_sensor_summary;

/* Runs until *stop (live) or the end of read_path and an empty spool. */
TT_MUST_CHECK tt_status tt_sensor_run(tt_sensor_options *opt, tt_sensor_summary *summary, char *err,
                                      size_t errlen);

#endif
