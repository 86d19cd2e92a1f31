/* The ground truth of a simulation: exact counters over every frame written
 * (outcomes, packets per tool, backscatter, events) and the writers of
 * truth.json and sensors.conf. */
#ifndef TT_SIMULATE_TRUTH_H
#define TT_SIMULATE_TRUTH_H

#include <stddef.h>
#include <stdint.h>

#include "simulate/plan.h"
#include "simulate/population.h"
#include "simulate/sensors.h"
#include "simulate/simulate.h"
#include "util/status.h"

/* Frame outcomes, named as teiten's decoder names them. */
typedef enum tt_sim_outcome {
    TT_SIM_OUT_OK,         /* decodable to the transport header (first fragments too) */
    TT_SIM_OUT_FRAGMENT,   /* non-first fragment */
    TT_SIM_OUT_TRUNCATED,  /* cut short inside the TCP header */
    TT_SIM_OUT_MALFORMED,  /* impossible IPv4 header */
    TT_SIM_OUT_NOT_IP,     /* ARP */
    TT_SIM_OUT_UNASSIGNED, /* decodable, destination outside every sensor prefix */
    TT_SIM_OUTCOME_COUNT
} tt_sim_outcome;

typedef enum tt_sim_tool {
    TT_SIM_TOOL_MIRAI,
    TT_SIM_TOOL_MASSCAN,
    TT_SIM_TOOL_ZMAP,
    TT_SIM_TOOL_NMAP,
    TT_SIM_TOOL_GENERIC_SYN,
    TT_SIM_TOOL_OTHER,
    TT_SIM_TOOL_COUNT
} tt_sim_tool;

/* Backscatter classes of the truth (time exceeded and unreachable are both
 * "icmp_error"). */
enum { TT_SIM_TRUTH_SYNACK, TT_SIM_TRUTH_RST, TT_SIM_TRUTH_ICMP_ERROR, TT_SIM_TRUTH_BS_COUNT };

/* One frame as the truth sees it. */
typedef struct tt_sim_record {
    tt_sim_outcome outcome;
    uint8_t sensor;
    const tt_sim_source *source; /* NULL for ARP */
    uint8_t proto;
    int32_t port;
    int16_t icmp_type;
    uint32_t ip_len;
    uint64_t ts_us;
    uint32_t day;
    int8_t tool;        /* tt_sim_tool; counted for ok / fragment frames */
    int8_t backscatter; /* TT_SIM_TRUTH_* or -1 */
    int8_t event;       /* tt_sim_event_kind or -1 */
} tt_sim_record;

#define TT_SIM_CC_SLOTS (26 * 26)

typedef struct tt_sim_truth {
    uint32_t days;
    uint64_t frames;
    uint64_t outcomes[TT_SIM_OUTCOME_COUNT];
    uint64_t sensor_frames[TT_SIM_SENSOR_COUNT];
    uint64_t packets; /* ok + fragment */
    uint64_t tools[TT_SIM_TOOL_COUNT];
    uint64_t backscatter[TT_SIM_TRUTH_BS_COUNT];
    uint64_t protocols[4]; /* tcp, udp, icmp, icmp6 */
    uint64_t countries[TT_SIM_CC_SLOTS];
    uint64_t v4_packets, v6_packets;
    uint64_t *event_daily[TT_SIM_EVENT_COUNT];
    uint64_t event_packets[TT_SIM_EVENT_COUNT];
    uint64_t event_countries[TT_SIM_EVENT_COUNT][TT_SIM_CC_SLOTS];
} tt_sim_truth;

TT_MUST_CHECK tt_status tt_sim_truth_init(tt_sim_truth *t, uint32_t days);
void tt_sim_truth_free(tt_sim_truth *t);
void tt_sim_truth_add(tt_sim_truth *t, const tt_sim_record *r);

/* Writes DIR/truth.json. */
TT_MUST_CHECK tt_status tt_sim_truth_write_json(const tt_sim_truth *t, const tt_sim_plan *plan,
                                                tt_sim_population *pop, const tt_sim_options *opt,
                                                const char *path, char *err, size_t errlen);
/* Writes DIR/sensors.conf in teiten's configuration format. */
TT_MUST_CHECK tt_status tt_sim_truth_write_sensors(const tt_sim_options *opt, const char *path, char *err,
                                                   size_t errlen);

#endif
