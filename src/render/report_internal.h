/* What the report's two files share: report.c builds the data,
 * report_write.c writes it (HTML, Markdown, JSON). Not a public interface:
 * render/report.h is. */
#ifndef TT_RENDER_REPORT_INTERNAL_H
#define TT_RENDER_REPORT_INTERNAL_H

#include <stdio.h>

#include "analyze/events.h"
#include "render/report.h"

/* (key, day) cells of daily series kept from one pass over the totals: a
 * port x day grid for a busy telescope can exceed this, then the series
 * needed are read in a second pass restricted to their keys. */
#define REPORT_MAX_CELLS ((size_t)1 << 21)
/* Rankings keys (ports or countries) of one period. */
#define REPORT_MAX_KEYS ((size_t)1 << 20)
/* Days one report may span, previous period included (day index in a cell key). */
#define REPORT_MAX_DAYS ((int32_t)1 << 16)
#define REPORT_MAX_LIMIT 100
#define REPORT_MAX_CHART_SERIES 10
#define REPORT_MAX_SUBJECTS 16
#define REPORT_EVENTS_PER_SUBJECT 8
#define REPORT_KB_PER_PORT 3
#define REPORT_MAX_REFS (2 + REPORT_MAX_SUBJECTS * REPORT_KB_PER_PORT)

#define IANA_URL                                                                                             \
    "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml"

/* ------------------------------------------------------------------ data */

typedef struct ranked {
    uint64_t key; /* port key (proto << 17 | port + 1, ICMP folded) or country code */
    uint64_t packets;
    int prev_rank;    /* 1..limit in the previous period, 0 = outside */
    char id[16];      /* "23/tcp", "CN" */
    char label[192];  /* "23/TCP (telnet)", "中国" */
    char prose[192];  /* in sentences: "23/TCP", "中国" */
    char service[64]; /* ports: IANA name, "" if none */
    uint8_t proto;
    int32_t port;
    const char *color; /* charted rows only */
    double *series;    /* charted rows: packets per day of the period */
} ranked;

typedef struct report_sensor {
    char name[64];
    char region[3];
    char location[128];
    uint64_t packets;
    double coverage;      /* share of the period covered by a live sensor's batches; < 0 = fed from files */
    uint64_t gap_packets; /* declared losses in the period */
    uint32_t gaps;
} report_sensor;

typedef struct reference {
    char title[256];
    char url[512];
} reference;

/* One event section: the events of one port or one country. */
typedef struct subject {
    bool by_country;
    uint64_t key;
    uint8_t proto;
    int32_t port;
    char cc[3];
    char id[16];
    char label[192]; /* "53413/UDP", "中国" */
    char service[64];
    tt_event events[REPORT_EVENTS_PER_SUBJECT];
    size_t nevents;
    uint64_t packets;
    double max_ratio;
    double score; /* order of the sections: ln(1 + packets) x ln(1 + largest ratio) */
    const tt_kb_entry *kb[REPORT_KB_PER_PORT];
    size_t nkb;
    int kb_ref[REPORT_KB_PER_PORT]; /* reference numbers */
    const char *category;           /* knowledge-base category of the port, or NULL */
    const char *history_category;   /* the dominant source's earlier ports' category */
    const char *color;
    double *history; /* packets per day from hist_first */
} subject;

struct tt_report {
    tt_report_options opt;
    char region[3];
    char tz[64];
    char figure_base[1024], figure_link[1024];
    const tt_query *q;
    tt_period period, prev;
    int32_t hist_first;
    int32_t hist_days;
    int64_t hist_hour_from;
    bool utc_days; /* every day of the history starts at a UTC midnight (hour_days) */
    uint64_t packets, bytes, prev_packets;
    size_t distinct_ports, distinct_countries;
    report_sensor *sensors;
    size_t nsensors, all_sensors;
    ranked *ports, *countries;
    size_t nports, ncountries;
    size_t chart_ports, chart_countries;
    subject *subjects;
    size_t nsubjects;
    reference refs[REPORT_MAX_REFS];
    size_t nrefs;
};

/* "CN" → "China" / "中国" in the report's language (report.c). */
const char *tt_report_country_label(const tt_report *r, const char *cc, char *buf, size_t len);
/* "TCP", "UDP", "ICMP" ... or the protocol number (report.c). */
void tt_report_proto_upper(uint8_t proto, char *buf, size_t len);

#endif
