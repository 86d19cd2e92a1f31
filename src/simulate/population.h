/* The simulated Internet: a population of scanning bots (plus the fixed
 * sources of scripted events and backscatter victims). Each bot has one
 * address whose country libloc confirms, a behaviour true to a real tool, and
 * a heavy-tailed (Pareto) activity weight, so a few bots send most packets
 * and many send one or two. Bots arrive and retire day by day (geometric
 * lifetimes), so memory follows the active population, not the period. */
#ifndef TT_SIMULATE_POPULATION_H
#define TT_SIMULATE_POPULATION_H

#include <stdbool.h>
#include <stdint.h>

#include "simulate/geo_pool.h"
#include "simulate/rng.h"
#include "util/addr.h"
#include "util/status.h"

/* What a source sends; decides the packet headers (packet_builder.c). */
typedef enum tt_sim_behaviour {
    TT_SIM_MIRAI,   /* SYN to 23/2323, seq == destination address */
    TT_SIM_MASSCAN, /* SYN, window 1024, IP ID = dst ^ dport ^ seq */
    TT_SIM_ZMAP,    /* SYN, IP ID 54321, window 65535, MSS */
    TT_SIM_NMAP,    /* SYN, window 1024..4096, MSS 1460 */
    TT_SIM_GENERIC, /* an operating system's own SYN (Windows / Linux options) */
    TT_SIM_ICMP,    /* echo requests (ICMPv6 128 for IPv6 sources) */
    TT_SIM_UDP,     /* service probes with real payloads */
    TT_SIM_VICTIM,  /* backscatter: answers to spoofed traffic */
    TT_SIM_BEHAVIOUR_COUNT
} tt_sim_behaviour;

/* Background groups: each has a fixed share of the background packets. */
typedef enum tt_sim_group {
    TT_SIM_G_MIRAI,
    TT_SIM_G_MASSCAN,
    TT_SIM_G_ZMAP,
    TT_SIM_G_NMAP,
    TT_SIM_G_GENERIC,
    TT_SIM_G_ICMP,
    TT_SIM_G_UDP,
    TT_SIM_G_V6,
    TT_SIM_GROUP_COUNT,
    TT_SIM_G_FIXED = 255 /* event sources and victims: never retired */
} tt_sim_group;

/* UDP services a UDP source probes (variant of TT_SIM_UDP). */
enum {
    TT_SIM_UDP_DNS,
    TT_SIM_UDP_NTP,
    TT_SIM_UDP_SSDP,
    TT_SIM_UDP_SNMP,
    TT_SIM_UDP_MEMCACHED,
    TT_SIM_UDP_NETIS,
    TT_SIM_UDP_SIP,
    TT_SIM_UDP_SERVICE_COUNT,                     /* services bots draw from */
    TT_SIM_UDP_BACNET = TT_SIM_UDP_SERVICE_COUNT, /* Who-Is: the ICS history event only */
};

/* Operating systems / flavours (variant of GENERIC and ICMP sources). */
enum {
    TT_SIM_OS_WINDOWS,
    TT_SIM_OS_LINUX,
    TT_SIM_OS_ZMAP, /* ICMP only: zmap's icmp_echoscan */
};

typedef struct tt_sim_source {
    tt_addr addr;
    char cc[3];
    uint32_t asn;      /* libloc's AS number for addr, 0 if none */
    uint8_t behaviour; /* tt_sim_behaviour */
    uint8_t group;     /* tt_sim_group */
    uint8_t family;    /* 4 or 6 */
    uint8_t hops;      /* routers between the source and the telescope */
    uint8_t variant;   /* OS or UDP service */
    uint16_t sport;    /* fixed source port of tools that keep one */
    uint16_t port;     /* preferred destination port (zmap's one port, a worm's port) */
    uint16_t ip_id;    /* running IP ID of Windows-like stacks (advanced while building) */
    uint16_t icmp_seq; /* running echo sequence */
    uint32_t key;      /* per-source secret (scanner cookies, echo identifiers) */
    float weight;      /* Pareto activity weight */
    int32_t last_day;  /* last active day (period index) */
    bool in_use;
} tt_sim_source;

typedef struct tt_sim_population tt_sim_population;

/* active_target: bots active on an average day. */
TT_MUST_CHECK tt_status tt_sim_population_new(tt_sim_geo *geo, uint64_t seed, uint32_t days,
                                              uint32_t active_target, tt_sim_population **out);
void tt_sim_population_free(tt_sim_population *pop);

/* Which mix of countries a new source comes from. */
typedef enum tt_sim_mix {
    TT_SIM_MIX_BOTS,     /* infected hosts: CN ~30 %, US ~14 %, ... */
    TT_SIM_MIX_SCANNERS, /* research / commercial scanners: US, NL, DE, RU, ... */
    TT_SIM_MIX_SERVERS,  /* DoS victims: hosting countries */
    TT_SIM_MIX_V6,       /* IPv6-capable networks */
} tt_sim_mix;

/* Picks a country with a pool for `family` from `mix`. */
const char *tt_sim_population_pick_country(tt_sim_population *pop, tt_sim_rng *r, tt_sim_mix mix, int family);

/* Adds a source that lives for the whole period (events, victims) with the
 * given country and behaviour; attributes not given are drawn from r.
 * Returns TT_ERR_NOTFOUND when there is no pool for cc. */
TT_MUST_CHECK tt_status tt_sim_population_add_fixed(tt_sim_population *pop, tt_sim_rng *r, const char *cc,
                                                    int family, tt_sim_behaviour behaviour,
                                                    uint32_t *index_out);

/* Retires bots whose lifetime ended, adds the day's arrivals, rebuilds the
 * draw tables. Days must be visited in order from 0. */
TT_MUST_CHECK tt_status tt_sim_population_begin_day(tt_sim_population *pop, uint32_t day);

/* A background source for one packet: a group by today's shares, then a bot
 * of that group by weight. */
uint32_t tt_sim_population_draw(const tt_sim_population *pop, tt_sim_rng *r);
/* A bot of one group (falls back to any group when it is empty today). */
uint32_t tt_sim_population_draw_group(const tt_sim_population *pop, tt_sim_rng *r, tt_sim_group group);

/* Borrowed; valid until the next begin_day / add_fixed. */
tt_sim_source *tt_sim_population_source(tt_sim_population *pop, uint32_t index);

#endif
