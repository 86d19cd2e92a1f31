/* DoS attacks inferred from backscatter, the way the telescope literature
 * does it (Moore et al., "Inferring Internet Denial-of-Service Activity",
 * 2001/2006; CAIDA corsaro's dos plugin): replies from one victim are one
 * attack while they keep coming with gaps shorter than a timeout; an attack
 * is reported when it is large, long and intense enough. */
#ifndef TT_ANALYZE_ATTACKS_H
#define TT_ANALYZE_ATTACKS_H

#include <stdint.h>

#include "analyze/query.h"

typedef struct tt_attack_thresholds {
    uint32_t timeout;     /* seconds of silence that end an attack (default 300) */
    uint64_t min_packets; /* default 25 */
    uint32_t min_seconds; /* default 60 */
    uint32_t min_ppm;     /* busiest minute, packets (default 30) */
} tt_attack_thresholds;

void tt_attack_thresholds_default(tt_attack_thresholds *t);

/* Columns: victim, cc, asn, start, end, duration, packets, bytes, peak_ppm,
 * ports (most hit first, "80/tcp:1234,..."), sensors. */
TT_MUST_CHECK tt_status tt_query_attacks(tt_query *q, const tt_attack_thresholds *t, tt_table *out, char *err,
                                         size_t errlen);

#endif
