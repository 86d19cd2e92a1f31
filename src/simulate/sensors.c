/* The fixed sensor table (see sensors.h). Prefixes are documentation ranges
 * (RFC 5737, RFC 3849) so that nothing generated resembles a real network. */
#include "simulate/sensors.h"

const tt_sim_sensor tt_sim_sensors[TT_SIM_SENSOR_COUNT] = {
    {"jp-tokyo", "JP", "site=tokyo", "198.51.100.0/26", NULL, 0xc6336400u, 26, {0}, 0,
     "jp-tokyo.pcap", TT_SIM_FORMAT_PCAP, TT_SIM_LINK_ETHERNET, false, 0.30, 0.0,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x01}, {0x00, 0x1b, 0x21, 0x3a, 0x10, 0x01}, 0xc63364feu},
    {"jp-osaka", "JP", "site=osaka", "198.51.100.64/26", NULL, 0xc6336440u, 26, {0}, 0,
     "jp-osaka.pcap", TT_SIM_FORMAT_PCAP, TT_SIM_LINK_SLL2, false, 0.20, 0.0,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x02}, {0x00, 0x1b, 0x21, 0x3a, 0x20, 0x01}, 0xc63364fdu},
    {"jp-fukuoka", "JP", "site=fukuoka", "198.51.100.128/26", "2001:db8:100::/48", 0xc6336480u, 26,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00}, 48,
     "jp-fukuoka.pcapng", TT_SIM_FORMAT_PCAPNG, TT_SIM_LINK_ETHERNET, true, 0.15, 0.60,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x03}, {0x00, 0x1b, 0x21, 0x3a, 0x30, 0x01}, 0xc63364fcu},
    {"us-east", "US", "site=ashburn", "203.0.113.0/25", NULL, 0xcb007100u, 25, {0}, 0,
     "us-east.pcap", TT_SIM_FORMAT_PCAP, TT_SIM_LINK_RAW, false, 0.15, 0.0,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x04}, {0x00, 0x1b, 0x21, 0x3a, 0x40, 0x01}, 0xc00002fbu},
    {"de-fra", "DE", "site=frankfurt", "203.0.113.128/25", "2001:db8:200::/48", 0xcb007180u, 25,
     {0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00}, 48,
     "de-fra.pcap", TT_SIM_FORMAT_PCAP, TT_SIM_LINK_SLL, false, 0.10, 0.40,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x05}, {0x00, 0x1b, 0x21, 0x3a, 0x50, 0x01}, 0xc00002fdu},
    {"sg-1", "SG", "site=singapore", "192.0.2.0/25", NULL, 0xc0000200u, 25, {0}, 0,
     "sg-1.pcap", TT_SIM_FORMAT_PCAP, TT_SIM_LINK_NULL, false, 0.10, 0.0,
     {0x02, 0x54, 0x54, 0x00, 0x00, 0x06}, {0x00, 0x1b, 0x21, 0x3a, 0x60, 0x01}, 0xc00002feu},
};

bool tt_sim_sensor_owns(const tt_addr *a)
{
    for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++) {
        const tt_sim_sensor *s = &tt_sim_sensors[i];
        if (tt_addr_is_v4(a)) {
            uint32_t mask = s->v4_bits ? ~0u << (32 - s->v4_bits) : 0;
            if ((tt_addr_v4(a) & mask) == s->v4_base)
                return true;
        } else if (s->v6_bits) {
            unsigned full = s->v6_bits / 8u;
            if (memcmp(a->bytes, s->v6_base, full) == 0)
                return true; /* the /48s are byte-aligned */
        }
    }
    return false;
}
