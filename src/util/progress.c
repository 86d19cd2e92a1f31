/* Terminal progress line. */
#include "util/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double tt_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tt_progress_start(tt_progress *p, bool enabled, const char *label, uint64_t total)
{
    p->enabled = enabled && isatty(STDERR_FILENO);
    p->label = label;
    p->total = total;
    p->started = tt_progress_now();
    p->last_draw = 0;
}

void tt_progress_update(tt_progress *p, uint64_t done, uint64_t items, const char *unit)
{
    if (!p->enabled)
        return;
    double now = tt_progress_now();
    if (now - p->last_draw < 0.2)
        return;
    p->last_draw = now;
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)items / elapsed : 0;
    if (p->total)
        fprintf(stderr, "\r%s: %5.1f%%  %llu %s  %.2f M/s   ", p->label, 100.0 * (double)done / (double)p->total,
                (unsigned long long)items, unit, rate / 1e6);
    else
        fprintf(stderr, "\r%s: %llu %s  %.2f M/s   ", p->label, (unsigned long long)items, unit, rate / 1e6);
    fflush(stderr);
}

void tt_progress_finish(tt_progress *p)
{
    if (p->enabled && p->last_draw > 0) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
