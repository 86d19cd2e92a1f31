/* Vose's alias method (see alias.h). */
#include "simulate/alias.h"

#include <stdlib.h>

void tt_sim_alias_init(tt_sim_alias *a)
{
    a->n = a->cap = 0;
    a->threshold = a->alias = a->small = a->large = NULL;
    a->scratch = NULL;
}

void tt_sim_alias_free(tt_sim_alias *a)
{
    if (a == NULL)
        return;
    free(a->threshold);
    free(a->alias);
    free(a->scratch);
    free(a->small);
    free(a->large);
    tt_sim_alias_init(a);
}

static tt_status alias_grow(tt_sim_alias *a, uint32_t n)
{
    if (n <= a->cap)
        return TT_OK;
    uint32_t cap = a->cap ? a->cap : 64;
    while (cap < n)
        cap *= 2;
    uint32_t *threshold = realloc(a->threshold, cap * sizeof *threshold);
    if (threshold)
        a->threshold = threshold;
    uint32_t *alias = realloc(a->alias, cap * sizeof *alias);
    if (alias)
        a->alias = alias;
    double *scratch = realloc(a->scratch, cap * sizeof *scratch);
    if (scratch)
        a->scratch = scratch;
    uint32_t *small = realloc(a->small, cap * sizeof *small);
    if (small)
        a->small = small;
    uint32_t *large = realloc(a->large, cap * sizeof *large);
    if (large)
        a->large = large;
    if (!threshold || !alias || !scratch || !small || !large)
        return TT_ERR_NOMEM;
    a->cap = cap;
    return TT_OK;
}

tt_status tt_sim_alias_build(tt_sim_alias *a, const double *weights, uint32_t n)
{
    tt_status st = alias_grow(a, n);
    if (st != TT_OK)
        return st;
    a->n = n;
    if (n == 0)
        return TT_OK;
    double total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += weights[i] > 0 ? weights[i] : 0;
    if (!(total > 0)) {
        for (uint32_t i = 0; i < n; i++) {
            a->threshold[i] = UINT32_MAX;
            a->alias[i] = i;
        }
        return TT_OK;
    }
    uint32_t n_small = 0, n_large = 0;
    for (uint32_t i = 0; i < n; i++) {
        double w = weights[i] > 0 ? weights[i] : 0;
        a->scratch[i] = w * n / total;
        a->alias[i] = i;
        if (a->scratch[i] < 1.0)
            a->small[n_small++] = i;
        else
            a->large[n_large++] = i;
    }
    while (n_small > 0 && n_large > 0) {
        uint32_t s = a->small[--n_small];
        uint32_t l = a->large[n_large - 1];
        double keep = a->scratch[s] > 0 ? a->scratch[s] : 0;
        a->threshold[s] = (uint32_t)(keep * 4294967296.0);
        a->alias[s] = l;
        a->scratch[l] -= 1.0 - a->scratch[s];
        if (a->scratch[l] < 1.0) {
            n_large--;
            a->small[n_small++] = l;
        }
    }
    /* Leftovers are 1 up to rounding: always keep them. */
    while (n_large > 0)
        a->threshold[a->large[--n_large]] = UINT32_MAX;
    while (n_small > 0)
        a->threshold[a->small[--n_small]] = UINT32_MAX;
    return TT_OK;
}
