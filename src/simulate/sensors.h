/* The simulated telescope's fixed sensor list: names, dark prefixes, regions,
 * link types of their captures, and each sensor's share of the traffic. */
#ifndef TT_SIMULATE_SENSORS_H
#define TT_SIMULATE_SENSORS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

enum {
    TT_SIM_LINK_ETHERNET = 1,
    TT_SIM_LINK_NULL = 0,
    TT_SIM_LINK_RAW = 101, /* LINKTYPE_RAW as stored in the file */
    TT_SIM_LINK_SLL = 113,
    TT_SIM_LINK_SLL2 = 276,
};

typedef enum tt_sim_file_format {
    TT_SIM_FORMAT_PCAP,
    TT_SIM_FORMAT_PCAPNG,
} tt_sim_file_format;

typedef struct tt_sim_sensor {
    const char *name;
    const char *region;
    const char *label;
    const char *v4_text; /* "a.b.c.d/n" */
    const char *v6_text; /* NULL when the sensor has no IPv6 prefix */
    uint32_t v4_base;    /* host order */
    uint8_t v4_bits;
    uint8_t v6_base[16];
    uint8_t v6_bits;
    const char *file;
    tt_sim_file_format format;
    int linktype;
    bool vlan_tags;             /* some frames carry 802.1Q / QinQ tags */
    uint16_t share_permille;    /* of IPv4 traffic */
    uint16_t v6_share_permille; /* of IPv6 traffic (sensors with an IPv6 prefix) */
    uint8_t mac[6];             /* the sensor's own interface */
    uint8_t router_mac[6];
    uint32_t router_v4; /* gateway that asks ARP questions (outside every sensor prefix) */
} tt_sim_sensor;

#define TT_SIM_SENSOR_COUNT 6

extern const tt_sim_sensor tt_sim_sensors[TT_SIM_SENSOR_COUNT];

/* Addresses that belong to no sensor (for "unassigned" frames). */
#define TT_SIM_UNASSIGNED_V4_A 0xc00002c8u /* 192.0.2.200 .. +55 */
#define TT_SIM_UNASSIGNED_V4_B 0xc63364c0u /* 198.51.100.192/26 */

#endif
