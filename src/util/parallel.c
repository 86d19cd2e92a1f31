/* Two-thread loop over independent items (see parallel.h). */
#include "util/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct shared_loop {
    size_t n;
    tt_parallel_fn fn;
    void *ctx;
    atomic_size_t next;
    atomic_int failed; /* tt_status of the first failure, TT_OK while none */
} shared_loop;

static void run_items(shared_loop *loop)
{
    for (;;) {
        if (atomic_load(&loop->failed) != TT_OK)
            return;
        size_t i = atomic_fetch_add(&loop->next, 1);
        if (i >= loop->n)
            return;
        tt_status st = loop->fn(loop->ctx, i);
        if (st != TT_OK) {
            int expected = TT_OK;
            atomic_compare_exchange_strong(&loop->failed, &expected, (int)st);
            return;
        }
    }
}

static void *helper_main(void *arg)
{
    run_items(arg);
    return NULL;
}

tt_status tt_parallel_for(size_t n, tt_parallel_fn fn, void *ctx)
{
    shared_loop loop = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&loop.next, 0);
    atomic_init(&loop.failed, TT_OK);
    pthread_t helper;
    bool helped = n > 1 && pthread_create(&helper, NULL, helper_main, &loop) == 0;
    run_items(&loop);
    if (helped)
        pthread_join(helper, NULL);
    return (tt_status)atomic_load(&loop.failed);
}
