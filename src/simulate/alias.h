/* Walker/Vose alias tables: O(1) weighted draws from a fixed set, used to
 * pick the sending bot of every packet (hundreds of thousands of bots with
 * heavy-tailed weights). */
#ifndef TT_SIMULATE_ALIAS_H
#define TT_SIMULATE_ALIAS_H

#include <stdint.h>

#include "simulate/rng.h"
#include "util/status.h"

typedef struct tt_sim_alias {
    uint32_t n;
    uint32_t cap;
    uint32_t *threshold; /* keep index i when the low 32 random bits < threshold[i] */
    uint32_t *alias;
    double *scratch; /* scaled weights during a build */
    uint32_t *small, *large;
} tt_sim_alias;

void tt_sim_alias_init(tt_sim_alias *a);
/* Rebuilds the table from n weights (>= 0, not all zero unless n == 0).
 * Reuses the table's memory; the weights are only read. */
TT_MUST_CHECK tt_status tt_sim_alias_build(tt_sim_alias *a, const double *weights, uint32_t n);
void tt_sim_alias_free(tt_sim_alias *a);

/* Index in [0, n). n must be > 0. One 64-bit draw. */
static inline uint32_t tt_sim_alias_draw(const tt_sim_alias *a, tt_sim_rng *r)
{
    uint64_t x = tt_sim_rng_next(r);
    uint32_t i = (uint32_t)(((x >> 32) * (uint64_t)a->n) >> 32);
    return (uint32_t)x < a->threshold[i] ? i : a->alias[i];
}

#endif
