/* The quarterly report: what a TSUBAME-style report says about a period —
 * overview, top destination ports and source regions with the previous
 * period's rank and their daily charts, notable events explained with the
 * knowledge base, references — in Japanese or English, as one self-contained
 * HTML file, Markdown with SVG figures beside it, or JSON (the data only;
 * keys in docs/report.md).
 *
 * Building reads the store through the per sensor-hour totals (rankings,
 * daily series and sensor totals of the period and the previous one come
 * from one pass per list) plus tt_detect_events; it never decodes the
 * per-source segments itself. report.c builds and writes; report_text.c
 * holds the two languages: sentences, country names, dates and numbers. */
#ifndef TT_RENDER_REPORT_H
#define TT_RENDER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/query.h"
#include "util/status.h"

typedef enum tt_report_lang { TT_LANG_JA = 0, TT_LANG_EN, TT_LANG_COUNT } tt_report_lang;

typedef enum tt_report_format {
    TT_REPORT_HTML = 0,
    TT_REPORT_MD,
    TT_REPORT_JSON,
} tt_report_format;

TT_MUST_CHECK bool tt_report_lang_parse(const char *text, tt_report_lang *out);
TT_MUST_CHECK bool tt_report_format_parse(const char *text, tt_report_format *out);

typedef struct tt_report_options {
    tt_report_lang lang;
    tt_report_format format;
    /* The period is a calendar quarter (q->period): compare with the previous
     * calendar quarter and call it one ("前四半期"). Otherwise the previous
     * period of equal length. */
    bool quarter;
    const char *region;  /* sensors' region the report is restricted to ("JP"), or NULL */
    const char *tz;      /* the zone days are counted in, for the text ("UTC" if NULL) */
    size_t limit;        /* rows of the ranking tables (default 10) */
    size_t chart_series; /* series in the ranking charts (default 5) */
    size_t max_events;   /* event subsections (default 5) */
    /* Markdown only: figures are written to figure_base + "-figN.svg" and
     * linked as figure_link + "-figN.svg" (figure_link: the base name). */
    const char *figure_base;
    const char *figure_link;
} tt_report_options;

void tt_report_options_default(tt_report_options *opt);

typedef struct tt_report tt_report;

/* Computes the report's data for q->period with q's sensor filter (the
 * filter's other conditions are not applied: a report is about all packets).
 * q->kb, q->services and q->geo (all may be NULL) name ports and countries.
 * The report borrows q and its knowledge base: both must outlive it. The
 * caller frees *out with tt_report_free. */
TT_MUST_CHECK tt_status tt_report_build(tt_query *q, const tt_report_options *opt, tt_report **out, char *err,
                                        size_t errlen);
/* Writes the report in opt->format; Markdown figures go to their own files
 * (TT_ERR_IO with the file's name in err when one cannot be written). */
TT_MUST_CHECK tt_status tt_report_write(const tt_report *report, FILE *out, char *err, size_t errlen);
void tt_report_free(tt_report *report); /* accepts NULL */

/* ---- Language (report_text.c) ---------------------------------------- */

/* Sentences and labels: each is a template whose {name} placeholders
 * tt_report_expand fills. */
typedef enum tt_text_id {
    TT_TEXT_TITLE,
    TT_TEXT_SUBTITLE,
    TT_TEXT_SCOPE_ALL,
    TT_TEXT_SCOPE_REGION,
    TT_TEXT_TOC,
    TT_TEXT_SEC_OVERVIEW,
    TT_TEXT_SEC_EVENTS,
    TT_TEXT_SEC_REFERENCES,
    TT_TEXT_OVERVIEW_METHOD,
    TT_TEXT_OVERVIEW_SCOPE_ALL,
    TT_TEXT_OVERVIEW_SCOPE_UNPLACED,
    TT_TEXT_OVERVIEW_SCOPE_REGION,
    TT_TEXT_OVERVIEW_TOTALS,
    TT_TEXT_OVERVIEW_CHANGE_UP,
    TT_TEXT_OVERVIEW_CHANGE_DOWN,
    TT_TEXT_OVERVIEW_NO_PREVIOUS,
    TT_TEXT_OVERVIEW_NO_DATA,
    TT_TEXT_KEY_PERIOD,
    TT_TEXT_KEY_SENSORS,
    TT_TEXT_KEY_PACKETS,
    TT_TEXT_KEY_PER_DAY,
    TT_TEXT_KEY_CHANGE,
    TT_TEXT_KEY_PORTS_COUNTRIES,
    TT_TEXT_PORTS_COUNTRIES_VALUE,
    TT_TEXT_SENSORS_CAPTION,
    TT_TEXT_COL_SENSOR,
    TT_TEXT_COL_LOCATION,
    TT_TEXT_COL_PACKETS,
    TT_TEXT_COL_SHARE,
    TT_TEXT_COL_COVERAGE,
    TT_TEXT_SENSORS_OUTAGE,
    TT_TEXT_COL_RANK,
    TT_TEXT_COL_PORT,
    TT_TEXT_COL_REGION,
    TT_TEXT_COL_PREV_RANK_QUARTER,
    TT_TEXT_COL_PREV_RANK_PERIOD,
    TT_TEXT_OUT_OF_TOP,
    TT_TEXT_PORTS_INTRO,
    TT_TEXT_PORTS_CAPTION,
    TT_TEXT_SERVICE_NOTE,
    TT_TEXT_PORTS_FIGURE_INTRO,
    TT_TEXT_PORTS_FIGURE_CAPTION,
    TT_TEXT_COUNTRIES_INTRO,
    TT_TEXT_COUNTRIES_CAPTION,
    TT_TEXT_COUNTRIES_FIGURE_INTRO,
    TT_TEXT_COUNTRIES_FIGURE_CAPTION,
    TT_TEXT_Y_LABEL,
    TT_TEXT_SUMMARY_TOP_SAME,
    TT_TEXT_SUMMARY_TOP_CHANGED,
    TT_TEXT_SUMMARY_TOP_NEW,
    TT_TEXT_SUMMARY_NEW_ENTRIES,
    TT_TEXT_SUMMARY_EVENTS,
    TT_TEXT_SUMMARY_OTHERWISE,
    TT_TEXT_SUMMARY_NO_EVENTS,
    TT_TEXT_PREVIOUS_QUARTER,
    TT_TEXT_PREVIOUS_PERIOD,
    TT_TEXT_THIS_QUARTER,
    TT_TEXT_THIS_PERIOD,
    TT_TEXT_EVENTS_INTRO,
    TT_TEXT_EVENTS_NONE,
    TT_TEXT_EVENT_HEADING,
    TT_TEXT_EVENT_HEADING_COUNTRY,
    TT_TEXT_CATEGORY_SUFFIX,
    TT_TEXT_KIND_BURST,
    TT_TEXT_KIND_RISE,
    TT_TEXT_KIND_RANK_JUMP,
    TT_TEXT_SUBJECT_PORT,
    TT_TEXT_SUBJECT_COUNTRY,
    TT_TEXT_EVENT_BURST,
    TT_TEXT_EVENT_BURST_FROM_NOTHING,
    TT_TEXT_EVENT_RISE,
    TT_TEXT_EVENT_RISE_FROM_NOTHING,
    TT_TEXT_EVENT_RANK_JUMP,
    TT_TEXT_EVENT_RANK_JUMP_OUT,
    TT_TEXT_EVENT_COUNTRIES,
    TT_TEXT_EVENT_COUNTRIES_MAIN,
    TT_TEXT_EVENT_COUNTRIES_ONLY,
    TT_TEXT_EVENT_TOP_PORTS,
    TT_TEXT_EVENT_SINGLE_SOURCE,
    TT_TEXT_EVENT_TOP_SOURCES,
    TT_TEXT_EVENT_HISTORY,
    TT_TEXT_EVENT_HISTORY_LATER,
    TT_TEXT_EVENT_HISTORY_ALSO,
    TT_TEXT_EVENT_HISTORY_CATEGORY,
    TT_TEXT_EVENT_SOURCES_GROWTH,
    TT_TEXT_EVENT_SOURCES_SAME,
    TT_TEXT_EVENT_SENSORS_ALL,
    TT_TEXT_EVENT_SENSORS_SOME,
    TT_TEXT_EVENT_TOOLS,
    TT_TEXT_EVENT_TOOLS_SOME,
    TT_TEXT_EVENT_IANA_NAME,
    TT_TEXT_EVENT_IANA_NONE,
    TT_TEXT_EVENT_KB_INTRO,
    TT_TEXT_EVENT_KB_NONE,
    TT_TEXT_EVENT_KB_LATER,
    TT_TEXT_KB_PRODUCTS,
    TT_TEXT_KB_CVES,
    TT_TEXT_KB_TOOLS,
    TT_TEXT_KB_MALWARE,
    TT_TEXT_EVENT_FIGURE_INTRO,
    TT_TEXT_EVENT_FIGURE_CAPTION,
    TT_TEXT_FIGURE,
    TT_TEXT_TABLE,
    TT_TEXT_SENSOR_COUNT,
    TT_TEXT_SENSOR_COUNT_ONE,
    TT_TEXT_REF_IANA,
    TT_TEXT_UNKNOWN_COUNTRY,
    TT_TEXT_FOOTER,
    TT_TEXT_COUNT
} tt_text_id;

/* The template of a text in a language (never NULL). */
const char *tt_report_text(tt_report_lang lang, tt_text_id id);

typedef struct tt_text_var {
    const char *name;  /* placeholder without braces */
    const char *value; /* UTF-8 */
} tt_text_var;

/* Fills template's {name} placeholders from vars into buf (cut at len - 1
 * bytes on a UTF-8 boundary); an unknown placeholder is kept as written.
 * Returns buf. */
const char *tt_report_expand(const char *template_text, const tt_text_var *vars, size_t nvars, char *buf,
                             size_t len);

/* "2015年11月27日" / "27 Nov 2015". */
const char *tt_report_date(tt_report_lang lang, int32_t day, char *buf, size_t len);
/* A span of days, shortened when they share year or month:
 * "2015年11月27日～28日" / "27–28 Nov 2015"; one day when first == last. */
const char *tt_report_date_range(tt_report_lang lang, int32_t first, int32_t last, char *buf, size_t len);
/* Calendar quarter from its first day: "2015年10～12月" / "October–December 2015". */
const char *tt_report_quarter(tt_report_lang lang, int32_t first_day, char *buf, size_t len);
/* Axis label of a day: "11/27" / "27 Nov" (month starts "11/1", "1 Nov"). */
const char *tt_report_axis_day(tt_report_lang lang, int32_t day, char *buf, size_t len);
/* A span in running text: "2015年11月27日～28日" / "from 27 to 28 Nov 2015". */
const char *tt_report_date_span(tt_report_lang lang, int32_t first, int32_t last, char *buf, size_t len);
/* 1234567 -> "1,234,567" (both languages group by thousands with commas). */
const char *tt_report_count(uint64_t v, char *buf, size_t len);
/* A percentage with one decimal: "12.3%". */
const char *tt_report_percent(double percent, char *buf, size_t len);
/* A rank in prose: "2" (the template says 第{n}位) / "2nd". */
const char *tt_report_ordinal(tt_report_lang lang, int rank, char *buf, size_t len);

/* Country name in the language from a small built-in table of common
 * countries, else `fallback` (libloc's English name), else the code. */
const char *tt_report_country_name(tt_report_lang lang, const char *cc, const char *fallback);
/* A scanner tool or packet kind in words ("masscan" -> "Masscan"), NULL for "other". */
const char *tt_report_tool_name(tt_report_lang lang, const char *kind);
/* Knowledge-base category in words ("ics" -> "制御システム" / "industrial control systems"). */
const char *tt_report_category_name(tt_report_lang lang, const char *category);

#endif
