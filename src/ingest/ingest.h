/* The ingest pipeline: capture → decode → classify (sensor, country) →
 * aggregate → store, one capture file at a time.
 *
 * Exactly-once: a file is identified by its content hash. Data is committed
 * in batches together with the number of frames committed, so an ingest
 * killed at any moment resumes after the last batch, and a file already
 * ingested is skipped. Standard input cannot be skipped into, so it is
 * ingested in one transaction and checked for duplicates at the end. */
#ifndef TT_INGEST_INGEST_H
#define TT_INGEST_INGEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/geo.h"
#include "classify/p0f.h"
#include "classify/sensor_map.h"
#include "decode/packet.h"
#include "store/store.h"
#include "util/status.h"

typedef struct tt_ingest_options {
    const char *sensor_name; /* --sensor: the whole file belongs to this sensor */
    tt_sensor_map *sensors;  /* from the configuration (may be empty, not NULL) */
    tt_geo *geo;
    const tt_p0f *p0f; /* OS hints for SYNs; may be NULL */
    bool no_classify;  /* skip tool fingerprints, backscatter and OS hints (to measure their cost) */
    uint64_t batch_frames; /* frames per commit (0 = default) */
    size_t max_entries;    /* aggregation memory bound (0 = default) */
    bool progress;
    /* Set (by a signal handler) to stop early: what was read is committed
     * and the file stays partial, to be resumed by the next run. */
    volatile sig_atomic_t *stop;
} tt_ingest_options;

typedef enum tt_ingest_result_kind {
    TT_INGEST_DONE = 0,
    TT_INGEST_DAMAGED,   /* ingested up to the damage, which is in .damage */
    TT_INGEST_DUPLICATE, /* already ingested: nothing done */
    TT_INGEST_STOPPED,   /* stopped by opt->stop; resumable */
} tt_ingest_result_kind;

typedef struct tt_ingest_result {
    tt_ingest_result_kind kind;
    uint64_t frames;         /* frames read from the capture (including skipped ones) */
    uint64_t resumed_after;  /* frames skipped because an earlier run committed them */
    uint64_t outcomes[TT_OUTCOME_COUNT];
    double seconds;
    char damage[512];
} tt_ingest_result;

typedef struct tt_ingest tt_ingest;

/* Prepares an ingest into store: registers the configured sensors. */
TT_MUST_CHECK tt_status tt_ingest_new(tt_store *store, const tt_ingest_options *opt, tt_ingest **out,
                                      char *err, size_t errlen);
void tt_ingest_free(tt_ingest *ingest); /* accepts NULL */

/* Ingests one capture ("-" = stdin). */
TT_MUST_CHECK tt_status tt_ingest_file(tt_ingest *ingest, const char *path, tt_ingest_result *result,
                                       char *err, size_t errlen);

#endif
