/* The query commands' analysis: rankings with the previous period's rank,
 * zero-filled series, a source's history, and ingest statistics. Each fills
 * a tt_table (render/table.h); column names are the documented JSON keys. */
#ifndef TT_ANALYZE_QUERY_H
#define TT_ANALYZE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/period.h"
#include "classify/geo.h"
#include "classify/kb.h"
#include "classify/services.h"
#include "render/table.h"
#include "store/store.h"

/* Ranks at or below this count as "in the top" for prev_rank. */
#define TT_PREV_RANK_TOP 10

typedef struct tt_query {
    tt_store *store;
    tt_period period;
    tt_rollup_filter filter; /* hour range = period; sensors from --sensor/--region */
    size_t limit;
    const tt_services *services; /* may be NULL */
    tt_geo *geo;                 /* for country names; may be NULL */
    const tt_kb *kb;             /* knowledge shown next to ports; may be NULL */
    const char *category;        /* rank only ports of this knowledge-base category; NULL = all */
    tt_sensor_info *sensors;     /* all sensors of the store, by position */
    size_t nsensors;
    bool no_data; /* the store is empty and no period was given: nothing to list */
} tt_query;

/* The store's per-key totals (scan_totals) over the filter's hours, read
 * from the day totals for its whole UTC days and from the hourly totals at
 * its ends. Rows of a whole day carry the day's first hour: callers that
 * bin rows by hour must use the store's scan_totals instead. Unless
 * by_sensor, whole days may come as rows of all sensors (sensor -1). */
TT_MUST_CHECK tt_status tt_query_scan_totals(tt_query *q, const tt_rollup_filter *filter, bool by_sensor,
                                             unsigned group, tt_rollup_fn fn, void *ctx);

/* Whether a filter restricts only hours and sensors: what the source index answers. */
bool tt_query_index_answers(const tt_rollup_filter *filter);
/* Exact distinct sources of one port (key: proto << 17 | port + 1, ICMP
 * proto << 17) over the filter's hours and sensors (tt_query_index_answers
 * must hold); scans_only leaves out backscatter. */
TT_MUST_CHECK tt_status tt_query_port_sources(tt_query *q, const tt_rollup_filter *filter, uint32_t port_key,
                                              bool scans_only, uint64_t *count);

TT_MUST_CHECK tt_status tt_query_top_ports(tt_query *q, tt_table *out, char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_query_top_countries(tt_query *q, tt_table *out, char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_query_top_asns(tt_query *q, tt_table *out, char *err, size_t errlen);
/* Packets by kind: scanner tool fingerprints and backscatter. */
TT_MUST_CHECK tt_status tt_query_top_tools(tt_query *q, tt_table *out, char *err, size_t errlen);
/* q->filter.has_port restricts to one port. */
TT_MUST_CHECK tt_status tt_query_top_sources(tt_query *q, tt_table *out, char *err, size_t errlen);
/* Packets per local day (by_hour false) or per UTC-aligned hour, zero-filled;
 * q->filter.has_port / .cc select the series. */
TT_MUST_CHECK tt_status tt_query_series(tt_query *q, bool by_hour, tt_table *out, char *err,
                                        size_t errlen);
/* Writes the JSON object / table for one address. */
TT_MUST_CHECK tt_status tt_query_ip(tt_query *q, const tt_addr *addr, tt_format format, FILE *out,
                                    char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_query_stats(tt_query *q, tt_format format, FILE *out, char *err,
                                       size_t errlen);

/* "23/tcp" style text for a proto/port ("frag/udp" for port -1). */
const char *tt_query_port_text(uint8_t proto, int32_t port, char *buf, size_t len);

#endif
