/* The collector: an HTTPS server (libmicrohttpd, TLS always) that receives
 * sensors' batches and heartbeats.
 *   POST /v1/batch      body: a batch (ship/batch.h)
 *   POST /v1/heartbeat  body: a heartbeat (ship/heartbeat.h)
 * Both carry X-Teiten-Sensor: NAME and X-Teiten-MAC: HMAC-SHA256 of the body
 * with that sensor's key. Answers: 200 "accepted SENSOR SEQ" / "duplicate
 * SENSOR SEQ" (acknowledged: the sensor may delete it), 400 malformed,
 * 401 unknown sensor or bad MAC, 403 revoked, 404/405, 409 stale heartbeat,
 * 413 too large, 429 too many requests, 503 the store failed (retry later).
 * Every refusal is logged with the peer address; nothing is stored for it.
 * Accepted batches are folded into the data by a second thread every
 * fold_seconds (collect/apply.h). */
#ifndef TT_COLLECT_COLLECTOR_H
#define TT_COLLECT_COLLECTOR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "classify/geo.h"
#include "classify/sensor_map.h"
#include "ship/auth.h"
#include "store/store.h"
#include "util/status.h"

typedef struct tt_sensor_key {
    char name[64];
    tt_key key;
    bool revoked;
} tt_sensor_key;

/* Credentials, replaceable on SIGHUP. */
typedef struct tt_collector_keys {
    tt_sensor_key *keys;
    size_t n;
    tt_sensor_map *sensors; /* region and labels of sensors (owned) */
} tt_collector_keys;

typedef tt_status (*tt_collector_reload_fn)(void *ctx, tt_collector_keys *out, char *err, size_t errlen);

typedef struct tt_collector_options {
    const char *listen; /* ADDR:PORT, [ADDR6]:PORT */
    const char *cert_file, *key_file; /* PEM */
    const char *db;     /* store location: one connection receives, one folds */
    tt_geo *geo;        /* used by the folding thread only */
    tt_collector_keys keys; /* owned by the collector from here on */
    size_t max_body;        /* bytes, 0 = 64 MiB */
    unsigned timeout_seconds;     /* idle connection timeout, 0 = 15 */
    unsigned max_connections;     /* 0 = 256 */
    unsigned per_ip_connections;  /* 0 = 32 */
    unsigned requests_per_second; /* per sensor, 0 = 1000 (a sensor draining its spool sends back to back) */
    double fold_seconds;          /* 0 = fold after every accepted batch */
    volatile sig_atomic_t *stop, *reload, *fold_now;
    tt_collector_reload_fn reload_fn;
    void *reload_ctx;
} tt_collector_options;

/* Serves until *stop; then folds what is pending and returns. */
TT_MUST_CHECK tt_status tt_collector_run(tt_collector_options *opt, char *err, size_t errlen);

void tt_collector_keys_free(tt_collector_keys *keys);

#endif
