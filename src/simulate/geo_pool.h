/* Per-country pools of source addresses from the IPFire location database
 * (libloc). Pools are found by probing random addresses and bucketing the
 * networks the lookups return by country (about 0.15 s; enumerating the
 * database per country costs ~0.5-1 s each). Every address handed out is
 * verified with a fresh lookup, so the country recorded in the ground truth is
 * exactly what libloc says about that address. */
#ifndef TT_SIMULATE_GEO_POOL_H
#define TT_SIMULATE_GEO_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simulate/rng.h"
#include "util/addr.h"
#include "util/status.h"

typedef struct tt_sim_geo tt_sim_geo;

/* Country code given to sources the database does not know (lookup miss). */
#define TT_SIM_CC_UNKNOWN "ZZ"

/* Opens the database at `path` (NULL: Debian's default) and builds the pools
 * from a stream of `seed`. On failure err names the file. */
TT_MUST_CHECK tt_status tt_sim_geo_open(const char *path, uint64_t seed, tt_sim_geo **out, char *err,
                                        size_t errlen);
void tt_sim_geo_close(tt_sim_geo *geo);

/* libloc's AS number for an address (0 when it has none): recorded in the truth. */
uint32_t tt_sim_geo_asn(tt_sim_geo *geo, const tt_addr *addr);

/* True when a pool exists for country `cc` and family (4 or 6). */
bool tt_sim_geo_has(const tt_sim_geo *geo, const char *cc, int family);

/* Draws an address of family 4/6 that libloc places in `cc`. cc may be
 * TT_SIM_CC_UNKNOWN (IPv4 only): then the address is public unicast space
 * for which the lookup finds nothing. Returns false when there is no pool. */
bool tt_sim_geo_draw(tt_sim_geo *geo, tt_sim_rng *r, const char *cc, int family, tt_addr *out);

#endif
