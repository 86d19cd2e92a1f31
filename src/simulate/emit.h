/* Turns an hour of descriptors into frames: builds each datagram, frames it
 * for its sensor's link type, writes it, and counts it in the truth. */
#ifndef TT_SIMULATE_EMIT_H
#define TT_SIMULATE_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simulate/hour.h"
#include "simulate/link_frame.h"
#include "simulate/packet_builder.h"
#include "simulate/pcap_writer.h"
#include "simulate/plan.h"
#include "simulate/population.h"
#include "simulate/truth.h"
#include "simulate/truth_detail.h"

typedef struct tt_sim_emitter {
    const tt_sim_plan *plan;                     /* borrowed */
    tt_sim_population *pop;                      /* borrowed */
    tt_sim_truth *truth;                         /* borrowed */
    tt_sim_detail *detail;                       /* borrowed; NULL without truth detail */
    tt_sim_writer *writers[TT_SIM_SENSOR_COUNT]; /* borrowed; all the same one with one_file */
    bool one_file;
    const char *out_dir;      /* for messages */
    uint64_t period_start_us; /* epoch microseconds of period day 0 */
    uint64_t last_ts_us;      /* timestamps are strictly increasing over all frames */
    uint8_t buf[TT_SIM_LINK_HEADROOM + TT_SIM_DATAGRAM_MAX + TT_SIM_LINK_TAILROOM];
} tt_sim_emitter;

/* Emits the (sorted) descriptors of hour `hour` of day `day`. */
TT_MUST_CHECK tt_status tt_sim_emit_hour(tt_sim_emitter *e, const tt_sim_hour *h, uint32_t day, uint32_t hour,
                                         char *err, size_t errlen);

#endif
