/* One captured frame → one observation: decode, the sensor it was sent to,
 * its destination key, scanner tool / backscatter kind and OS hint. Shared by
 * file ingest and the live sensor so both classify exactly alike. */
#ifndef TT_CLASSIFY_OBSERVE_H
#define TT_CLASSIFY_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "classify/p0f.h"
#include "classify/sensor_map.h"
#include "decode/packet.h"
#include "store/segment.h"

typedef struct tt_observer {
    const tt_sensor_map *sensors; /* dark prefixes; not consulted when all_mine */
    bool all_mine;                /* every destination belongs to the one sensor */
    const tt_p0f *p0f;            /* may be NULL */
    bool no_classify;             /* skip tool fingerprints, backscatter and OS hints */
} tt_observer;

typedef struct tt_observation {
    int sensor_index; /* index in the sensor map, -1 when all_mine */
    tt_service service;
    uint8_t kind; /* classify/fingerprint.h tt_kind */
    uint8_t os;   /* classify/p0f.h tt_os_class */
    bool backscatter;
} tt_observation;

/* Returns the frame's outcome; obs is filled for TT_OUTCOME_OK and
 * TT_OUTCOME_FRAGMENT (the outcomes that are counted as traffic). */
tt_outcome tt_observe(const tt_observer *observer, int linktype, const tt_frame *frame, tt_packet *pkt,
                      tt_observation *obs);

static inline bool tt_outcome_counts(tt_outcome outcome)
{
    return outcome == TT_OUTCOME_OK || outcome == TT_OUTCOME_FRAGMENT;
}

#endif
