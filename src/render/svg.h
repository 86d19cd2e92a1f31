/* SVG line charts of daily series, written by teiten itself: no script, no
 * external font or stylesheet, so a chart can be inlined in an HTML report or
 * saved next to a Markdown one and look the same offline and on paper.
 *
 * A series' colour comes from a hash of its key ("23/tcp", "CN") into a
 * fixed palette, so the same port has the same colour in every chart and in
 * every report; a tt_svg_palette resolves the rare collisions within one
 * report by probing to the next free colour. */
#ifndef TT_RENDER_SVG_H
#define TT_RENDER_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/status.h"

/* Colours in the palette (a colour-blind-friendly set, dark enough for thin
 * lines on white and for black-and-white printing). */
#define TT_SVG_PALETTE_SIZE 10
/* Points per series and series per chart a chart accepts. */
#define TT_SVG_MAX_POINTS 100000
#define TT_SVG_MAX_SERIES 16

/* Axis ticks: min, min + step, ..., max (n values). */
typedef struct tt_svg_ticks {
    double min, max, step;
    size_t n;
} tt_svg_ticks;

/* "Nice" ticks covering [lo, hi] with about `target` intervals, steps of
 * 1, 2 or 5 times a power of ten (Heckbert's labelling). With integer_steps
 * the step is at least 1 (counts). A flat or empty range gets [lo, lo + 1]. */
void tt_svg_nice_ticks(double lo, double hi, int target, bool integer_steps, tt_svg_ticks *out);

/* Maps v from [d0, d1] linearly onto [r0, r1] (r0 when the domain is empty). */
double tt_svg_scale(double v, double d0, double d1, double r0, double r1);

/* "#rrggbb" of palette[hash(key) % size]: the same key, the same colour. */
const char *tt_svg_color(const char *key);
/* Palette position of a key (what tt_svg_color uses). */
size_t tt_svg_color_index(const char *key);

/* Colour assignment for one document: a key keeps its hashed colour unless
 * another key of the document already took it; then the next free one. */
typedef struct tt_svg_palette {
    char keys[TT_SVG_PALETTE_SIZE][48];
    bool used[TT_SVG_PALETTE_SIZE];
} tt_svg_palette;

void tt_svg_palette_init(tt_svg_palette *p);
/* The colour of key in this document (stable for the document's life). */
const char *tt_svg_palette_color(tt_svg_palette *p, const char *key);

/* Writes s with &, <, >, " and ' escaped (XML and HTML text and attributes). */
void tt_svg_escape(FILE *out, const char *s);

/* Formats a count with a thousands separator: 1234567 -> "1,234,567". */
const char *tt_svg_format_count(double v, char *buf, size_t len);

/* Label of a day on the x axis (e.g. "11/27" or "27 Nov"). */
typedef const char *(*tt_svg_day_label_fn)(int32_t day, bool month_start, char *buf, size_t len);

typedef struct tt_svg_series {
    const char *key;      /* for the colour */
    const char *label;    /* legend text, UTF-8 */
    const double *values; /* one per day, chart.ndays of them */
    const char *color;    /* "#rrggbb", or NULL for tt_svg_color(key) */
} tt_svg_series;

/* A shaded span of days (e.g. an event), indices into the series, inclusive. */
typedef struct tt_svg_band {
    size_t from, to;
    const char *label; /* short text drawn at the top of the band, may be NULL */
} tt_svg_band;

typedef struct tt_svg_chart {
    const char *id;      /* unique within the document: prefixes element ids */
    const char *title;   /* accessible name (<title>) */
    const char *desc;    /* longer accessible description, may be NULL */
    const char *y_label; /* e.g. "packets/day" */
    int32_t first_day;   /* day (since the epoch) of values[0] */
    size_t ndays;
    const tt_svg_series *series;
    size_t nseries;
    const tt_svg_band *bands;
    size_t nbands;
    tt_svg_day_label_fn day_label; /* NULL: ISO "MM-DD" */
    int width, height;             /* viewBox; 0 = 760 x 320 */
} tt_svg_chart;

/* Writes one <svg> element (no XML prolog: add one for a standalone file).
 * Fails with TT_ERR_USAGE for more series or points than the limits, and
 * TT_ERR_IO when the stream has an error. */
TT_MUST_CHECK tt_status tt_svg_line_chart(const tt_svg_chart *chart, FILE *out);

#endif
