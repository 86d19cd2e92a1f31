/* Link-layer framing of the simulated captures: Ethernet (with 802.1Q and
 * QinQ tags), Linux cooked v1/v2, BSD loopback (DLT_NULL) and raw IP, plus
 * ARP requests for the "not IP" frames. */
#ifndef TT_SIMULATE_LINK_FRAME_H
#define TT_SIMULATE_LINK_FRAME_H

#include <stdint.h>

#include "simulate/sensors.h"

/* Bytes the caller leaves free before the IP datagram for the link header. */
#define TT_SIM_LINK_HEADROOM 32
/* Bytes the caller leaves free after the datagram for Ethernet padding. */
#define TT_SIM_LINK_TAILROOM 64

/* VLAN tagging of an Ethernet frame. */
typedef enum tt_sim_vlan {
    TT_SIM_VLAN_NONE,
    TT_SIM_VLAN_DOT1Q,    /* one 802.1Q tag (VID 100) */
    TT_SIM_VLAN_QINQ,     /* 802.1ad outer (0x88a8, VID 200) + 802.1Q inner (VID 100) */
    TT_SIM_VLAN_QINQ_OLD, /* two 0x8100 tags: pre-802.1ad switches */
} tt_sim_vlan;

/* Prepends the link header for `linktype` to the datagram at ip[0..len) and
 * pads short Ethernet-carried frames to 60 bytes as a NIC does. ethertype is
 * 0x0800, 0x86dd or 0x0806. Returns the frame start, sets *frame_len. */
uint8_t *tt_sim_link_wrap(int linktype, const tt_sim_sensor *sensor, tt_sim_vlan vlan, uint16_t ethertype,
                          uint8_t *ip, uint32_t len, uint32_t *frame_len);

/* Writes an ARP who-has for `target` (host order) from the sensor's router
 * at `at` (28 bytes); returns 28. Wrap it with ethertype 0x0806. */
uint32_t tt_sim_link_arp_request(const tt_sim_sensor *sensor, uint32_t target, uint8_t *at);

#endif
