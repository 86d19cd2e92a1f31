/* Two-thread loop: every item exactly once, the first failure returned. */
#include "check.h"

#include <stdatomic.h>

#include "util/parallel.h"

typedef struct loop_ctx {
    atomic_int calls[1000];
    atomic_ullong work;
    size_t fail_at; /* item that fails, or SIZE_MAX */
} loop_ctx;

static tt_status visit(void *ctx, size_t i)
{
    loop_ctx *c = ctx;
    atomic_fetch_add(&c->calls[i], 1);
    uint64_t spin = 0; /* some work, so both threads take items */
    for (int k = 0; k < 2000; k++)
        spin = spin * 31 + (uint64_t)k * i;
    atomic_fetch_add(&c->work, spin);
    return i == c->fail_at ? TT_ERR_FORMAT : TT_OK;
}

int main(void)
{
    static loop_ctx c;
    static const size_t sizes[] = {0, 1, 2, 7, 1000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t i = 0; i < 1000; i++)
            atomic_init(&c.calls[i], 0);
        c.fail_at = SIZE_MAX;
        CHECK_EQ_INT(tt_parallel_for(sizes[s], visit, &c), TT_OK);
        size_t once = 0, extra = 0;
        for (size_t i = 0; i < 1000; i++) {
            once += i < sizes[s] && atomic_load(&c.calls[i]) == 1;
            extra += i >= sizes[s] && atomic_load(&c.calls[i]) != 0;
        }
        CHECK_EQ_INT(once, sizes[s]);
        CHECK_EQ_INT(extra, 0);
    }
    /* A failure is returned and no item runs twice; items after it may be skipped. */
    for (size_t i = 0; i < 1000; i++)
        atomic_init(&c.calls[i], 0);
    c.fail_at = 10;
    CHECK_EQ_INT(tt_parallel_for(1000, visit, &c), TT_ERR_FORMAT);
    size_t twice = 0, ran = 0;
    for (size_t i = 0; i < 1000; i++) {
        twice += atomic_load(&c.calls[i]) > 1;
        ran += atomic_load(&c.calls[i]) == 1;
    }
    CHECK_EQ_INT(twice, 0);
    CHECK_EQ_INT(atomic_load(&c.calls[10]), 1);
    CHECK(ran < 1000);
    return check_report("test_parallel");
}
