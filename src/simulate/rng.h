/* Seeded pseudo-random numbers for the simulator: xoshiro256** seeded through
 * splitmix64, plus the few distributions the traffic model needs.
 *
 * Every stream is derived from (seed, purpose, index), never from the state
 * of another stream, so that one part of the model (say, backscatter) can
 * change without shifting the numbers any other part sees, and so that
 * options which only change the output format (one file, truth detail) leave
 * the generated packets byte-identical. */
#ifndef TT_SIMULATE_RNG_H
#define TT_SIMULATE_RNG_H

#include <stdint.h>

typedef struct tt_sim_rng {
    uint64_t s[4];
} tt_sim_rng;

/* Purposes of the independent streams. */
enum {
    TT_SIM_STREAM_GEO = 1,        /* probing the location database */
    TT_SIM_STREAM_POPULATION = 2, /* bot arrivals and attributes, per day */
    TT_SIM_STREAM_PLAN = 3,       /* period plan: day totals, episodes, events */
    TT_SIM_STREAM_HOUR = 4,       /* packet descriptors of one hour */
    TT_SIM_STREAM_EVENTS = 5,     /* event sources */
};

/* splitmix64 finaliser: a good 64-bit mixing function on its own. */
static inline uint64_t tt_sim_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void tt_sim_rng_seed(tt_sim_rng *r, uint64_t seed, uint64_t purpose, uint64_t index);
/* Seeds from one 64-bit value (a packet's own seed). */
void tt_sim_rng_seed1(tt_sim_rng *r, uint64_t value);

static inline uint64_t tt_sim_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t tt_sim_rng_next(tt_sim_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = tt_sim_rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = tt_sim_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n); n > 0. Lemire's multiply-shift (the tiny bias is
 * irrelevant for a traffic model and keeps the draw count fixed). */
static inline uint32_t tt_sim_rng_below(tt_sim_rng *r, uint32_t n)
{
    return (uint32_t)(((tt_sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi] inclusive. */
static inline uint32_t tt_sim_rng_range(tt_sim_rng *r, uint32_t lo, uint32_t hi)
{
    return lo + tt_sim_rng_below(r, hi - lo + 1);
}

/* Uniform double in [0, 1). */
static inline double tt_sim_rng_unit(tt_sim_rng *r)
{
    return (double)(tt_sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box-Muller, one value per call). */
double tt_sim_rng_normal(tt_sim_rng *r);
/* Pareto with shape alpha and minimum 1, capped at `cap`. */
double tt_sim_rng_pareto(tt_sim_rng *r, double alpha, double cap);
/* Poisson with the given mean (inversion for small means, normal beyond). */
uint32_t tt_sim_rng_poisson(tt_sim_rng *r, double mean);
/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] = total). */
uint32_t tt_sim_rng_pick_cumulative(tt_sim_rng *r, const uint32_t *cum, uint32_t n);

#endif
