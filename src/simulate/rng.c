/* Seeding and distributions for the simulator's PRNG (see rng.h). */
#include "simulate/rng.h"

#include <math.h>

void tt_sim_rng_seed(tt_sim_rng *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    tt_sim_rng_seed1(r, tt_sim_mix64(tt_sim_mix64(seed ^ 0x74656974656eULL) ^ purpose * 0x100000001b3ULL) ^
                            tt_sim_mix64(index + 0x51ed27f1c0ffeeULL));
}

void tt_sim_rng_seed1(tt_sim_rng *r, uint64_t value)
{
    uint64_t x = value;
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        r->s[i] = tt_sim_mix64(x);
    }
    /* xoshiro must not start from all zeros (cannot happen after mixing
     * distinct counters, but cheap to rule out). */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

double tt_sim_rng_normal(tt_sim_rng *r)
{
    double u1 = tt_sim_rng_unit(r);
    double u2 = tt_sim_rng_unit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double tt_sim_rng_pareto(tt_sim_rng *r, double alpha, double cap)
{
    double u = 1.0 - tt_sim_rng_unit(r); /* (0, 1] */
    double v = pow(u, -1.0 / alpha);
    return v > cap ? cap : v;
}

uint32_t tt_sim_rng_poisson(tt_sim_rng *r, double mean)
{
    if (mean <= 0)
        return 0;
    if (mean > 40) {
        double v = mean + sqrt(mean) * tt_sim_rng_normal(r);
        return v < 0 ? 0 : (uint32_t)(v + 0.5);
    }
    double limit = exp(-mean), product = tt_sim_rng_unit(r);
    uint32_t k = 0;
    while (product > limit) {
        k++;
        product *= tt_sim_rng_unit(r);
    }
    return k;
}

uint32_t tt_sim_rng_pick_cumulative(tt_sim_rng *r, const uint32_t *cum, uint32_t n)
{
    uint32_t x = tt_sim_rng_below(r, cum[n - 1]);
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (x < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
