/* Calendar periods in a time zone, mapped onto the store's UTC hours. Only
 * zones whose offset is a whole number of hours at the period's boundaries
 * can be answered exactly from hourly bins. */
#ifndef TT_ANALYZE_PERIOD_H
#define TT_ANALYZE_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct tt_period {
    int32_t first_day, last_day; /* inclusive, days since 1970-01-01 in the zone */
    int64_t hour_from, hour_to;  /* UTC hours, half-open */
} tt_period;

/* Selects the zone ("UTC", "Asia/Tokyo", ...) for the functions below. */
TT_MUST_CHECK tt_status tt_period_set_zone(const char *zone, char *err, size_t errlen);

/* UTC hour at which a local day starts; fails for non-whole-hour offsets. */
TT_MUST_CHECK tt_status tt_period_day_start(int32_t day, int64_t *hour, char *err, size_t errlen);
/* Local day containing a UTC hour. */
int32_t tt_period_day_of_hour(int64_t hour);
/* Local hour of day (0-23) of a UTC hour. */
int tt_period_local_hour(int64_t hour);

/* ISO 8601 local time with offset ("2015-10-01T09:00:00+0900") in the zone. */
const char *tt_period_format_time(int64_t t, char *buf, size_t len);

/* Fills hour range for [first_day, last_day]. */
TT_MUST_CHECK tt_status tt_period_make(int32_t first_day, int32_t last_day, tt_period *out, char *err,
                                       size_t errlen);
/* The period of equal length just before p. */
TT_MUST_CHECK tt_status tt_period_previous(const tt_period *p, tt_period *out, char *err, size_t errlen);
/* "2015Q4" → that calendar quarter. */
TT_MUST_CHECK tt_status tt_period_quarter(const char *text, tt_period *out, char *err, size_t errlen);
/* The calendar quarter before the one containing p's first day. */
TT_MUST_CHECK tt_status tt_period_previous_quarter(const tt_period *p, tt_period *out, char *err,
                                                   size_t errlen);

#endif
