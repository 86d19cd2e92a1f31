/* One hour of the simulation as packet descriptors: who sends what kind of
 * frame to which sensor when. A descriptor is small (24 bytes) and carries a
 * seed from which the frame's bytes are derived later, so an hour is drawn,
 * sorted by time and only then turned into frames, without holding frames. */
#ifndef TT_SIMULATE_HOUR_H
#define TT_SIMULATE_HOUR_H

#include <stddef.h>
#include <stdint.h>

#include "simulate/plan.h"
#include "simulate/population.h"
#include "util/status.h"

typedef enum tt_sim_kind {
    TT_SIM_K_PROBE,       /* a bot's ordinary probe */
    TT_SIM_K_TRUNCATED,   /* a bot's SYN cut inside the TCP header */
    TT_SIM_K_MALFORMED,   /* a bot's SYN with an impossible IPv4 header */
    TT_SIM_K_FRAG_FIRST,  /* first fragment of a large UDP datagram */
    TT_SIM_K_FRAG_REST,   /* its second fragment (same seed) */
    TT_SIM_K_ARP,         /* an ARP request on the sensor's segment */
    TT_SIM_K_UNASSIGNED,  /* a probe to an address of no sensor */
    TT_SIM_K_BACKSCATTER, /* param: episode index */
    TT_SIM_K_EVENT,       /* param: tt_sim_event_kind */
} tt_sim_kind;

typedef struct tt_sim_desc {
    uint64_t seed;
    uint32_t t_us;   /* microseconds into the hour */
    uint32_t source; /* population index; UINT32_MAX for ARP */
    uint16_t param;
    uint8_t sensor;
    uint8_t kind;
} tt_sim_desc;

typedef struct tt_sim_hour {
    tt_sim_desc *v, *tmp;
    size_t n, cap;
} tt_sim_hour;

/* Descriptors stay below this offset: leaves room for the second fragment
 * and for the +1 µs nudges that keep timestamps strictly increasing. */
#define TT_SIM_HOUR_SLOTS (3600000000u - 1000u)

/* Rates of the odd frames among background frames, in parts per million. */
#define TT_SIM_PPM_TRUNCATED 3000
#define TT_SIM_PPM_MALFORMED 1000
#define TT_SIM_PPM_FRAG_V4 2000
#define TT_SIM_PPM_FRAG_V6 500
#define TT_SIM_PPM_ARP 4000
#define TT_SIM_PPM_UNASSIGNED 4000

void tt_sim_hour_init(tt_sim_hour *h);
void tt_sim_hour_free(tt_sim_hour *h);

/* Draws the descriptors of one hour (background, backscatter, events) and
 * sorts them by time (stable: equal times keep their drawing order). */
TT_MUST_CHECK tt_status tt_sim_hour_generate(tt_sim_hour *h, const tt_sim_plan *plan, tt_sim_population *pop,
                                             uint64_t seed, uint32_t day, uint32_t hour);

/* Sensor choice by traffic share: IPv4 over all sensors, IPv6 over those
 * with an IPv6 prefix. */
uint8_t tt_sim_pick_sensor(tt_sim_rng *r, int family);

#endif
