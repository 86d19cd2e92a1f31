/* A one-line progress display on stderr, shown only when stderr is a
 * terminal and redrawn at most a few times a second. */
#ifndef TT_UTIL_PROGRESS_H
#define TT_UTIL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tt_progress {
    bool enabled;
    const char *label;
    uint64_t total; /* bytes expected, 0 = unknown */
    double started, last_draw;
} tt_progress;

/* enabled is forced off when stderr is not a TTY. */
void tt_progress_start(tt_progress *p, bool enabled, const char *label, uint64_t total);
void tt_progress_update(tt_progress *p, uint64_t done, uint64_t items, const char *unit);
void tt_progress_finish(tt_progress *p);
double tt_progress_now(void); /* monotonic seconds */

#endif
