/* A synthetic telescope: several sensors on dark prefixes, a realistic
 * population of scanning bots, backscatter, odd frames, and scripted events,
 * written as one capture per sensor plus the ground truth. Deterministic per
 * seed, so tests can compare every query with what was generated. */
#ifndef TT_SIMULATE_SIMULATE_H
#define TT_SIMULATE_SIMULATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "util/status.h"

typedef struct tt_sim_options {
    const char *out_dir;  /* created if missing */
    int32_t start_day;    /* days since 1970-01-01 (UTC); default 2015-10-01 */
    uint32_t days;        /* default 7 */
    uint64_t rate;        /* packets per day over all sensors; default 200000 */
    uint64_t seed;        /* default 1 */
    const char *geo_path; /* libloc database; NULL = Debian's default path */
    bool one_file;        /* write every sensor into one Ethernet pcap, "telescope.pcap" */
    bool truth_detail;    /* also write truth-detail.tsv (per hour x sensor x source x key) */
    bool progress;        /* show progress on stderr */
} tt_sim_options;

void tt_sim_options_default(tt_sim_options *opt);

/* Writes DIR/<sensor>.pcap|.pcapng, DIR/sensors.conf, DIR/truth.json
 * (and DIR/truth-detail.tsv). On failure err says what and where. */
TT_MUST_CHECK tt_status tt_simulate_run(const tt_sim_options *opt, char *err, size_t errlen);

#endif
