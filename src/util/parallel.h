/* Independent items on two threads: the caller's and one more. */
#ifndef TT_UTIL_PARALLEL_H
#define TT_UTIL_PARALLEL_H

#include <stddef.h>

#include "util/status.h"

typedef tt_status (*tt_parallel_fn)(void *ctx, size_t item);

/* Calls fn(ctx, i) once for every i in [0, n), items taken in order by
 * whichever thread is free (so one large item does not hold the rest back).
 * fn must only touch what belongs to item i. Returns the first failure (the
 * other thread stops taking items); with one item, or if no thread can be
 * started, everything runs on the caller's thread. */
TT_MUST_CHECK tt_status tt_parallel_for(size_t n, tt_parallel_fn fn, void *ctx);

#endif
