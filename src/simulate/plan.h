/* The period plan, fixed before the first packet: each hour's packet budget
 * (diurnal shape, day-to-day noise, quieter weekends), the scripted events
 * and the DoS episodes whose victims send backscatter.
 *
 * Event schedule for a period of D days (day indices from 0; a 92-day
 * quarter from 2015-10-01 reproduces the dates of JPCERT/CC's 2015 Q4
 * report):
 *   single_source  5555/tcp from one KR address, days s0 = floor(0.47 D)
 *                  (at least 1 when D >= 2) and s0 + 1: 5 % of the daily rate
 *                  per day, spread evenly over the hours (2015-11-13/14).
 *                  When D == 1 it runs from 08:00 on day 0.
 *   history        the same address earlier: sessions of ~40 minutes on
 *                  about every other day of [floor(0.1 D), s0 - 1] (at least
 *                  one) sweeping 102/tcp, 502/tcp, 20000/tcp, 44818/tcp and
 *                  47808/udp (BACnet Who-Is); hours 00-05 of day 0 when D == 1.
 *   burst          53413/udp Netis probes from ~85 % CN IoT bots on days
 *                  b0 = floor(0.62 D) and b0 + 1: 70 % of the daily rate per
 *                  day (2015-11-27/28).
 *   rise           the same bots again from day b0 + 2 + floor(0.04 D) to
 *                  the end, growing linearly to 25 % of the daily rate
 *                  (early December onwards); absent when that is past the end.
 *   ramp           9600/tcp (OMRON FINS) over the last third, days
 *                  floor(2 D / 3) .. D - 1, growing linearly to 5 % of the
 *                  daily rate, with the number of sources growing too.
 * Event packets come on top of the --rate budget; the truth counts them
 * exactly. Backscatter (about 3 % of the budget) comes out of it. */
#ifndef TT_SIMULATE_PLAN_H
#define TT_SIMULATE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "simulate/alias.h"
#include "simulate/packet_builder.h"
#include "simulate/population.h"
#include "util/status.h"

#define TT_SIM_HOUR_US 3600000000ULL
#define TT_SIM_DAY_US (24 * TT_SIM_HOUR_US)

typedef enum tt_sim_event_kind {
    TT_SIM_EVENT_BURST,
    TT_SIM_EVENT_RISE,
    TT_SIM_EVENT_RAMP,
    TT_SIM_EVENT_SINGLE,
    TT_SIM_EVENT_HISTORY,
    TT_SIM_EVENT_COUNT
} tt_sim_event_kind;

typedef struct tt_sim_session {
    uint32_t day, hour;
    uint32_t start_s; /* seconds into the hour */
    uint32_t packets;
} tt_sim_session;

typedef struct tt_sim_event {
    tt_sim_event_kind kind;
    bool scheduled;               /* false when the period is too short */
    uint32_t first_day, last_day; /* inclusive */
    uint32_t first_hour;          /* hours before this on first_day are quiet */
    uint8_t proto;                /* 0 for the history (several protocols) */
    uint16_t port;                /* 0 for the history */
    bool diurnal;                 /* follows the diurnal shape (else flat) */
    uint64_t *planned;            /* per day */
    uint32_t *sources;            /* population indices (fixed sources) */
    uint32_t n_sources;
    tt_sim_alias source_alias; /* by source weight (burst / rise) */
    tt_sim_session *sessions;  /* history only */
    uint32_t n_sessions;
} tt_sim_event;

typedef struct tt_sim_episode {
    uint64_t start_us, end_us; /* since the period start */
    uint64_t packets;
    tt_sim_backscatter kind;
    uint16_t service;
    uint32_t source; /* the victim (or the router for time exceeded) */
} tt_sim_episode;

typedef struct tt_sim_plan {
    uint32_t days;
    uint64_t rate;
    uint32_t *hour_budget; /* days * 24 background + backscatter packets */
    uint32_t diurnal_cum[24];
    tt_sim_event events[TT_SIM_EVENT_COUNT];
    tt_sim_episode *episodes; /* sorted by start */
    uint32_t n_episodes;
} tt_sim_plan;

/* The ICS ports of the history (all TCP but the last, 47808/udp). */
#define TT_SIM_HISTORY_PORTS 5
extern const uint16_t tt_sim_history_ports[TT_SIM_HISTORY_PORTS];
extern const uint8_t tt_sim_history_protos[TT_SIM_HISTORY_PORTS];

/* Largest --rate accepted: bounds one hour's descriptors (~24 B each) to
 * about 200 MB and keeps the plan's integer products in range. */
#define TT_SIM_RATE_MAX 200000000ULL

/* start_day: days since the epoch of period day 0 (for weekends). */
TT_MUST_CHECK tt_status tt_sim_plan_new(tt_sim_population *pop, uint64_t seed, int32_t start_day,
                                        uint32_t days, uint64_t rate, tt_sim_plan **out);
void tt_sim_plan_free(tt_sim_plan *plan);

/* Packets of event `ev` in hour `hour` of day `day`. */
uint64_t tt_sim_plan_event_hour(const tt_sim_plan *plan, const tt_sim_event *ev, uint32_t day, uint32_t hour);
/* Packets of episode `ep` in the hour starting at hour_start_us (period
 * relative); *from and *to: the part of the hour it covers, in µs into the hour. */
uint64_t tt_sim_plan_episode_hour(const tt_sim_episode *ep, uint64_t hour_start_us, uint64_t *from,
                                  uint64_t *to);
/* Index of the first episode that can overlap an hour starting at t. */
uint32_t tt_sim_plan_first_episode(const tt_sim_plan *plan, uint64_t t);

/* Longest episode, so tt_sim_plan_first_episode can bound its search. */
#define TT_SIM_EPISODE_MAX_US (180ULL * 60 * 1000000)

#endif
