/* Link-layer headers for the simulated captures (see link_frame.h). */
#include "simulate/link_frame.h"

#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Zero-fills up to `minimum` payload bytes after the datagram. */
static uint32_t pad(uint8_t *ip, uint32_t len, uint32_t minimum)
{
    if (len >= minimum)
        return len;
    memset(ip + len, 0, minimum - len);
    return minimum;
}

uint8_t *tt_sim_link_wrap(int linktype, const tt_sim_sensor *sensor, tt_sim_vlan vlan, uint16_t ethertype,
                          uint8_t *ip, uint32_t len, uint32_t *frame_len)
{
    bool arp = ethertype == 0x0806;
    uint8_t *p;
    switch (linktype) {
    case TT_SIM_LINK_RAW: *frame_len = len; return ip;
    case TT_SIM_LINK_NULL:
        /* Host-order (little-endian here) address family; AF_INET6 as on
         * macOS, 30. */
        p = ip - 4;
        p[0] = ethertype == 0x86dd ? 30 : 2;
        p[1] = p[2] = p[3] = 0;
        *frame_len = len + 4;
        return p;
    case TT_SIM_LINK_SLL: {
        len = pad(ip, len, 46);
        p = ip - 16;
        put16(p, arp ? 1 : 0); /* PACKET_BROADCAST / PACKET_HOST */
        put16(p + 2, 1);       /* ARPHRD_ETHER */
        put16(p + 4, 6);
        memcpy(p + 6, sensor->router_mac, 6);
        p[12] = p[13] = 0;
        put16(p + 14, ethertype);
        *frame_len = len + 16;
        return p;
    }
    case TT_SIM_LINK_SLL2: {
        len = pad(ip, len, 46);
        p = ip - 20;
        put16(p, ethertype);
        p[2] = p[3] = 0;
        p[4] = p[5] = p[6] = 0;
        p[7] = 2;        /* interface index */
        put16(p + 8, 1); /* ARPHRD_ETHER */
        p[10] = arp ? 1 : 0;
        p[11] = 6;
        memcpy(p + 12, sensor->router_mac, 6);
        p[18] = p[19] = 0;
        *frame_len = len + 20;
        return p;
    }
    default: { /* Ethernet */
        len = pad(ip, len, 46);
        uint32_t tags = vlan == TT_SIM_VLAN_NONE ? 0 : vlan == TT_SIM_VLAN_DOT1Q ? 1 : 2;
        p = ip - 14 - 4 * tags;
        memcpy(p, arp ? broadcast_mac : sensor->mac, 6);
        memcpy(p + 6, sensor->router_mac, 6);
        uint8_t *q = p + 12;
        if (tags == 2) {
            put16(q, vlan == TT_SIM_VLAN_QINQ ? 0x88a8 : 0x8100);
            put16(q + 2, 200);
            q += 4;
        }
        if (tags >= 1) {
            put16(q, 0x8100);
            put16(q + 2, 100);
            q += 4;
        }
        put16(q, ethertype);
        *frame_len = len + 14 + 4 * tags;
        return p;
    }
    }
}

uint32_t tt_sim_link_arp_request(const tt_sim_sensor *sensor, uint32_t target, uint8_t *at)
{
    put16(at, 1);          /* Ethernet */
    put16(at + 2, 0x0800); /* IPv4 */
    at[4] = 6;
    at[5] = 4;
    put16(at + 6, 1); /* request */
    memcpy(at + 8, sensor->router_mac, 6);
    uint32_t spa = sensor->router_v4;
    at[14] = (uint8_t)(spa >> 24);
    at[15] = (uint8_t)(spa >> 16);
    at[16] = (uint8_t)(spa >> 8);
    at[17] = (uint8_t)spa;
    memset(at + 18, 0, 6);
    at[24] = (uint8_t)(target >> 24);
    at[25] = (uint8_t)(target >> 16);
    at[26] = (uint8_t)(target >> 8);
    at[27] = (uint8_t)target;
    return 28;
}
