/* The tests' deterministic generator: a 64-bit LCG (Knuth's MMIX
 * constants). Each test keeps its own stream and seed, so its data is the
 * same on every run. */
#ifndef TT_TEST_RNG_H
#define TT_TEST_RNG_H

#include <stdint.h>

typedef struct test_rng {
    uint64_t state;
} test_rng;

static inline uint64_t test_rng_next(test_rng *r)
{
    r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
    return r->state;
}

/* The high bits, the better ones of an LCG. */
static inline uint32_t test_rng_u32(test_rng *r) { return (uint32_t)(test_rng_next(r) >> 33); }

#endif
