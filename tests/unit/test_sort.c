/* Radix sorts against qsort, on sizes around the insertion-sort and digit-width cut-offs. */
#include "check.h"
#include "test_rng.h"

#include "util/sort.h"

static test_rng rng = {99};
static uint64_t rnd(void) { return test_rng_next(&rng) >> 11; }

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 2, 64, 65, 1000, 65535, 65536, 200000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
        uint32_t *c = malloc((n + 1) * sizeof *c), *d = malloc((n + 1) * sizeof *d);
        tt_kv *kv = malloc((n + 1) * sizeof *kv);
        for (size_t i = 0; i < n; i++) {
            /* Few distinct high digits, so some passes are skipped and others not. */
            a[i] = b[i] = (rnd() % 3) << 48 | rnd() % 100000;
            c[i] = d[i] = (uint32_t)rnd();
            kv[i] = (tt_kv){rnd() % 50, i}; /* many equal keys: checks stability */
        }
        CHECK(tt_sort_u64(a, n) == TT_OK);
        qsort(b, n, sizeof *b, u64_cmp);
        CHECK(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
        CHECK(tt_sort_u32(c, n) == TT_OK);
        qsort(d, n, sizeof *d, u32_cmp);
        CHECK(n == 0 || memcmp(c, d, n * sizeof *c) == 0);
        CHECK(tt_sort_kv(kv, n) == TT_OK);
        size_t ordered = 0;
        for (size_t i = 1; i < n; i++)
            ordered += kv[i - 1].key < kv[i].key || (kv[i - 1].key == kv[i].key && kv[i - 1].value < kv[i].value);
        CHECK_EQ_INT(ordered, n ? n - 1 : 0);
        free(a);
        free(b);
        free(c);
        free(d);
        free(kv);
    }
    return check_report("test_sort");
}
