/* Event detection: what a telescope analyst looks for in a period's daily
 * series — bursts (days far above a robust baseline), sustained rises and
 * level shifts (change points), and rank jumps into the top 10 — per port,
 * per source country (and per sensor region), each explained by a
 * drill-down: which countries sent it, whether one source dominates (and
 * that source's history), unique sources before vs during, which sensors saw
 * it, tool fingerprints, OS hints and the knowledge base's entries. */
#ifndef TT_ANALYZE_EVENTS_H
#define TT_ANALYZE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/query.h"

typedef enum tt_event_kind {
    TT_EVENT_BURST = 0, /* short spike above the baseline */
    TT_EVENT_RISE,      /* sustained rise / level shift (change point) */
    TT_EVENT_RANK_JUMP, /* entered the top 10 from outside it */
} tt_event_kind;

const char *tt_event_kind_name(tt_event_kind kind); /* "burst", "rise", "rank_jump" */

#define TT_EVENT_TOP 5 /* countries, sources, tools, history items kept per event */

typedef struct tt_event_share {
    char key[48]; /* cc, ip, tool name or "102/tcp" */
    double share; /* fraction 0..1 of the event's packets */
    uint64_t packets;
} tt_event_share;

typedef struct tt_event {
    tt_event_kind kind;
    bool by_country;     /* subject is a country (cc) rather than a port */
    char region[3];      /* sensor region whose sensors saw it ("" = all sensors of the query) */
    uint8_t proto;       /* port events */
    int32_t port;
    char cc[3];          /* country events (and the dominant country of port events) */
    int32_t start, end, peak; /* local days */
    uint64_t packets;         /* during start..end */
    double baseline;          /* packets per day expected from the trailing window */
    double ratio;             /* peak day / baseline (rank jumps: packets per day / previous period's) */
    int32_t rank, prev_rank;  /* rank jumps: rank in the period and in the previous one (0 = below the top 10) */
    tt_event_share top_countries[TT_EVENT_TOP];
    size_t ntop_countries;
    tt_event_share top_ports[TT_EVENT_TOP]; /* "23/tcp"; what a country event's packets went to */
    size_t ntop_ports;
    tt_event_share top_sources[TT_EVENT_TOP];
    size_t ntop_sources;
    bool single_source; /* one source sent most (>= 50 %) of the event's packets */
    uint64_t sources_before, sources_during;
    char sensors[256];  /* sensors that saw it, "all" when every sensor did */
    tt_event_share tools[TT_EVENT_TOP];
    size_t ntools;
    tt_event_share os[TT_EVENT_TOP];
    size_t nos;
    /* history of the dominant source (when single_source): other ports it
     * scanned in the store, most first, and their knowledge-base categories;
     * share = fraction of the source's packets to ports other than the event's */
    tt_event_share history[TT_EVENT_TOP];
    size_t nhistory;
    char history_summary[256]; /* e.g. "earlier scanned 102/tcp, 502/tcp, 20000/tcp: ICS ports" */
    char kb[256];              /* knowledge-base line for the port, "" if none */
} tt_event;

typedef struct tt_event_list {
    tt_event *events;
    size_t n, cap;
} tt_event_list;

void tt_event_list_free(tt_event_list *list);

typedef struct tt_event_options {
    bool by_region;      /* also detect per sensor region */
    uint32_t window;     /* trailing baseline window in days (default 28) */
    double min_packets;  /* ignore series whose peak day is below this (default 100) */
    double burst_k;      /* a burst day is above median + burst_k * scaled MAD (default 5) */
    double min_ratio;    /* bursts, rises and rank jumps at least this times the baseline (default 2) */
    double min_share;    /* the peak day adds at least this fraction of a typical day's packets (default 0.03) */
} tt_event_options;

void tt_event_options_default(tt_event_options *opt);

/* One detection in a single daily series (tt_event_series_detect). */
typedef struct tt_series_event {
    tt_event_kind kind;       /* TT_EVENT_BURST or TT_EVENT_RISE */
    int32_t start, end, peak; /* indices into the series */
    double packets;           /* sum over start..end */
    double baseline;          /* median of the trailing window before start */
    double ratio;             /* peak / max(baseline, 1) */
} tt_series_event;

/* The statistics behind tt_detect_events for one series (docs/events.md):
 * x[0..n) are daily packets, the period is x[first..n) and the days before
 * it are the trailing baseline; NAN marks a day without data. day_total is a
 * typical day's packets of the whole telescope (for opt->min_share; 0 = no
 * such condition). Writes up to max events, ordered by start, and sets
 * *count to how many there are (may exceed max). TT_ERR_USAGE when n is
 * beyond the supported number of days, TT_ERR_NOMEM. */
TT_MUST_CHECK tt_status tt_event_series_detect(const double *x, size_t n, size_t first, double day_total,
                                               const tt_event_options *opt, tt_series_event *out, size_t max,
                                               size_t *count);

/* Detects events over q->period (using history before it as baseline). */
TT_MUST_CHECK tt_status tt_detect_events(tt_query *q, const tt_event_options *opt, tt_event_list *out,
                                         char *err, size_t errlen);

/* Prints events: table (one line each), csv, or json (array of objects with
 * keys kind, subject ("port" or "country"), region, proto, port, cc, start,
 * end, peak, days, packets, baseline, ratio, rank, prev_rank,
 * top_countries [{cc, share, packets}], top_ports [{port, share, packets}],
 * top_sources [{ip, share, packets}], single_source, sources_before,
 * sources_during, sensors, tools [{tool, share, packets}],
 * os [{os, share, packets}], history [{port, share, packets}],
 * history_summary, kb). */
TT_MUST_CHECK tt_status tt_events_print(const tt_event_list *list, tt_format format, FILE *out);

#endif
