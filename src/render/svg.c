/* SVG line charts (see svg.h): axes with nice ticks, date ticks, legend. */
#include "render/svg.h"

#include <math.h>
#include <string.h>

#include "util/parse.h"

static const char *const palette[TT_SVG_PALETTE_SIZE] = {
    "#1f77b4", /* blue */
    "#d62728", /* red */
    "#2ca02c", /* green */
    "#ff7f0e", /* orange */
    "#9467bd", /* purple */
    "#8c564b", /* brown */
    "#e377c2", /* pink */
    "#0f9fb0", /* teal */
    "#333333", /* near black */
    "#7f8c1d", /* olive */
};

/* Fonts present on the platforms reports are read on, Japanese ones included. */
#define FONT_FAMILY                                                                                          \
    "system-ui, -apple-system, 'Segoe UI', 'Hiragino Sans', 'Yu Gothic', 'Noto Sans CJK JP', "               \
    "'Noto Sans JP', 'Noto Sans', 'DejaVu Sans', sans-serif"

#define FONT_SIZE 12
#define TICK_TARGET 5

static double nice_number(double x, bool round_it)
{
    double exponent = floor(log10(x));
    double power = pow(10.0, exponent);
    double fraction = x / power;
    double nice;
    if (round_it)
        nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
    else
        nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return nice * power;
}

void tt_svg_nice_ticks(double lo, double hi, int target, bool integer_steps, tt_svg_ticks *out)
{
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) {
        if (!isfinite(lo))
            lo = 0;
        hi = lo + 1;
    }
    if (target < 1)
        target = 1;
    double range = nice_number(hi - lo, false);
    double step = nice_number(range / target, true);
    if (integer_steps && step < 1)
        step = 1;
    out->step = step;
    out->min = floor(lo / step) * step;
    out->max = ceil(hi / step) * step;
    if (out->max <= out->min)
        out->max = out->min + step;
    out->n = (size_t)llround((out->max - out->min) / step) + 1;
}

double tt_svg_scale(double v, double d0, double d1, double r0, double r1)
{
    if (d1 == d0)
        return r0;
    return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
}

size_t tt_svg_color_index(const char *key)
{
    /* FNV-1a: tiny, and stable across platforms and releases. */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h % TT_SVG_PALETTE_SIZE;
}

const char *tt_svg_color(const char *key)
{
    return palette[tt_svg_color_index(key)];
}

void tt_svg_palette_init(tt_svg_palette *p)
{
    memset(p, 0, sizeof *p);
}

const char *tt_svg_palette_color(tt_svg_palette *p, const char *key)
{
    key = key ? key : "";
    for (size_t i = 0; i < TT_SVG_PALETTE_SIZE; i++)
        if (p->used[i] && strncmp(p->keys[i], key, sizeof p->keys[i] - 1) == 0)
            return palette[i];
    size_t first = tt_svg_color_index(key);
    for (size_t k = 0; k < TT_SVG_PALETTE_SIZE; k++) {
        size_t i = (first + k) % TT_SVG_PALETTE_SIZE;
        if (!p->used[i]) {
            p->used[i] = true;
            snprintf(p->keys[i], sizeof p->keys[i], "%s", key);
            return palette[i];
        }
    }
    return palette[first]; /* more keys than colours: share */
}

void tt_svg_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

const char *tt_svg_format_count(double v, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    long long n = isfinite(v) ? llround(v) : 0;
    unsigned long long magnitude = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%llu", magnitude);
    char text[48];
    size_t k = 0;
    if (n < 0)
        text[k++] = '-';
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            text[k++] = ',';
        text[k++] = digits[i];
    }
    text[k] = '\0';
    snprintf(buf, len, "%s", text);
    return buf;
}

/* Approximate rendered width of UTF-8 text at FONT_SIZE: Latin glyphs about
 * 0.6 em, CJK and other wide glyphs 1 em. Good enough to lay out labels. */
static double text_width(const char *s)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        if (*p < 0x80) {
            w += (*p >= 'A' && *p <= 'Z') || *p == 'm' || *p == 'w' ? 0.68 : *p == ' ' ? 0.3 : 0.56;
            p++;
        } else {
            size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 1;
            w += n >= 3 ? 1.0 : 0.6; /* 2-byte: accented Latin, Greek, Cyrillic */
            for (size_t i = 0; i < n && *p; i++)
                p++;
        }
    }
    return w * FONT_SIZE;
}

static const char *default_day_label(int32_t day, bool month_start, char *buf, size_t len)
{
    (void)month_start;
    char date[16];
    tt_format_date(day, date, sizeof date);
    snprintf(buf, len, "%s", date + 5);
    return buf;
}

/* Days with an x tick: every day, every week, the 1st and 15th, month starts
 * or quarter starts, whichever gives readable spacing. */
static bool is_tick_day(int32_t day, int32_t first_day, size_t ndays, int level)
{
    int year;
    unsigned month, mday;
    tt_civil_from_days(day, &year, &month, &mday);
    switch (level) {
    case 0: return true;
    case 1: return ndays <= 62 && (day - first_day) % 7 == 0;
    case 2: return mday == 1 || mday == 15;
    case 3: return mday == 1;
    case 4: return mday == 1 && (month - 1) % 3 == 0;
    default: return mday == 1 && month == 1;
    }
}

typedef struct layout {
    double left, right, top, bottom; /* plot area */
    double width, height;
    double legend_top;
} layout;

static double x_of(const layout *l, size_t i, size_t n)
{
    if (n <= 1)
        return (l->left + l->right) / 2;
    return tt_svg_scale((double)i, 0, (double)(n - 1), l->left, l->right);
}

static void print_number(FILE *out, double v)
{
    /* One decimal is enough at this size and keeps the file small. */
    double r = round(v * 10) / 10;
    if (r == floor(r))
        fprintf(out, "%.0f", r);
    else
        fprintf(out, "%.1f", r);
}

typedef struct legend_item {
    double x, y;
} legend_item;

tt_status tt_svg_line_chart(const tt_svg_chart *c, FILE *out)
{
    if (c->nseries > TT_SVG_MAX_SERIES || c->ndays > TT_SVG_MAX_POINTS || c->nbands > TT_SVG_MAX_SERIES)
        return TT_ERR_USAGE;
    tt_svg_day_label_fn day_label = c->day_label ? c->day_label : default_day_label;
    const char *id = c->id ? c->id : "chart";
    layout l;
    l.width = c->width > 0 ? c->width : 760;
    l.height = c->height > 0 ? c->height : 320;

    /* Y range from the data; counts start at zero. */
    double ymax = 0;
    for (size_t s = 0; s < c->nseries; s++)
        for (size_t i = 0; i < c->ndays; i++)
            if (isfinite(c->series[s].values[i]) && c->series[s].values[i] > ymax)
                ymax = c->series[s].values[i];
    tt_svg_ticks yt;
    tt_svg_nice_ticks(0, ymax, TICK_TARGET, true, &yt);
    char label[64];
    double label_w = 0;
    for (size_t i = 0; i < yt.n; i++) {
        double w = text_width(tt_svg_format_count(yt.min + (double)i * yt.step, label, sizeof label));
        if (w > label_w)
            label_w = w;
    }

    /* Legend rows below the x labels: lay items out left to right. */
    legend_item items[TT_SVG_MAX_SERIES];
    double legend_left = label_w + 14, legend_right = l.width - 16;
    double lx = legend_left;
    int rows = c->nseries ? 1 : 0;
    for (size_t s = 0; s < c->nseries; s++) {
        double w = 22 + text_width(c->series[s].label) + 18;
        if (lx + w > legend_right && lx > legend_left) {
            rows++;
            lx = legend_left;
        }
        items[s].x = lx;
        items[s].y = rows - 1;
        lx += w;
    }
    l.left = label_w + 14;
    l.right = l.width - 16;
    l.top = 26;
    l.bottom = l.height - 38 - rows * 20;
    if (l.bottom < l.top + 60) /* many legend rows: grow the chart rather than squash the plot */
    {
        l.height += l.top + 60 - l.bottom;
        l.bottom = l.top + 60;
    }
    l.legend_top = l.bottom + 42;

    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tt-chart\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-labelledby=\"%s-title%s%s%s\" "
            "font-family=\"" FONT_FAMILY "\" font-size=\"%d\">\n",
            l.width, l.height, l.width, l.height, id, c->desc ? " " : "", c->desc ? id : "",
            c->desc ? "-desc" : "", FONT_SIZE);
    fprintf(out, "<title id=\"%s-title\">", id);
    tt_svg_escape(out, c->title ? c->title : "");
    fputs("</title>\n", out);
    if (c->desc) {
        fprintf(out, "<desc id=\"%s-desc\">", id);
        tt_svg_escape(out, c->desc);
        fputs("</desc>\n", out);
    }
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", l.width,
            l.height);

    /* Shaded bands behind everything else; their labels in up to three rows
     * so neighbouring bands do not write over each other. */
    double half = c->ndays > 1 ? (l.right - l.left) / (double)(c->ndays - 1) / 2 : (l.right - l.left) / 2;
    double row_end[3] = {-1e9, -1e9, -1e9};
    for (size_t b = 0; b < c->nbands; b++) {
        const tt_svg_band *band = &c->bands[b];
        if (band->from >= c->ndays || band->to < band->from)
            continue;
        size_t to = band->to < c->ndays ? band->to : c->ndays - 1;
        double x0 = fmax(l.left, x_of(&l, band->from, c->ndays) - half);
        double x1 = fmin(l.right, x_of(&l, to, c->ndays) + half);
        fputs("<rect x=\"", out);
        print_number(out, x0);
        fprintf(out, "\" y=\"%.0f\" width=\"", l.top);
        print_number(out, fmax(x1 - x0, 1));
        fprintf(out, "\" height=\"%.0f\" fill=\"#f2b705\" fill-opacity=\"0.2\"/>\n", l.bottom - l.top);
        if (band->label == NULL || band->label[0] == '\0')
            continue;
        double tw = text_width(band->label);
        double tx = x0 + 3;
        if (tx + tw > l.right)
            tx = fmax(l.left, x1 - 3 - tw);
        int row = 0;
        while (row < 3 && tx < row_end[row] + 6)
            row++;
        if (row == 3)
            continue; /* no room: the shading still shows the span */
        row_end[row] = tx + tw;
        fputs("<text x=\"", out);
        print_number(out, tx);
        fprintf(out, "\" y=\"%.0f\" fill=\"#7a5c00\">", l.top + 13 + 15 * row);
        tt_svg_escape(out, band->label);
        fputs("</text>\n", out);
    }

    /* Y grid and labels. */
    fputs("<g stroke=\"#e3e6ea\" stroke-width=\"1\">\n", out);
    for (size_t i = 0; i < yt.n; i++) {
        double y = tt_svg_scale(yt.min + (double)i * yt.step, yt.min, yt.max, l.bottom, l.top);
        fprintf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"", l.left, l.right);
        print_number(out, y);
        fputs("\" y2=\"", out);
        print_number(out, y);
        fputs("\"/>\n", out);
    }
    fputs("</g>\n<g fill=\"#4b5563\" text-anchor=\"end\">\n", out);
    for (size_t i = 0; i < yt.n; i++) {
        double y = tt_svg_scale(yt.min + (double)i * yt.step, yt.min, yt.max, l.bottom, l.top);
        fprintf(out, "<text x=\"%.0f\" y=\"", l.left - 6);
        print_number(out, y + 4);
        fprintf(out, "\">%s</text>\n",
                tt_svg_format_count(yt.min + (double)i * yt.step, label, sizeof label));
    }
    fputs("</g>\n", out);
    if (c->y_label) {
        fprintf(out, "<text x=\"%.0f\" y=\"14\" fill=\"#4b5563\">", l.left);
        tt_svg_escape(out, c->y_label);
        fputs("</text>\n", out);
    }

    /* X ticks: the finest level whose labels do not collide. */
    if (c->ndays > 0) {
        double per_day = c->ndays > 1 ? (l.right - l.left) / (double)(c->ndays - 1) : l.right - l.left;
        int level = 0;
        for (; level < 5; level++) {
            double last_end = -1e9;
            bool fits = true;
            size_t count = 0;
            for (size_t i = 0; i < c->ndays && fits; i++) {
                int32_t day = c->first_day + (int32_t)i;
                if (!is_tick_day(day, c->first_day, c->ndays, level))
                    continue;
                int year;
                unsigned month, mday;
                tt_civil_from_days(day, &year, &month, &mday);
                double w = text_width(day_label(day, mday == 1, label, sizeof label));
                double x = l.left + (double)i * per_day;
                if (x - w / 2 < last_end + 10)
                    fits = false;
                last_end = x + w / 2;
                count++;
            }
            if (fits && count <= 12 && (count >= 2 || c->ndays < 2))
                break;
        }
        fprintf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#6b7280\"/>\n", l.left,
                l.right, l.bottom, l.bottom);
        fputs("<g fill=\"#4b5563\" text-anchor=\"middle\">\n", out);
        for (size_t i = 0; i < c->ndays; i++) {
            int32_t day = c->first_day + (int32_t)i;
            if (!is_tick_day(day, c->first_day, c->ndays, level))
                continue;
            int year;
            unsigned month, mday;
            tt_civil_from_days(day, &year, &month, &mday);
            double x = x_of(&l, i, c->ndays);
            fputs("<line x1=\"", out);
            print_number(out, x);
            fputs("\" x2=\"", out);
            print_number(out, x);
            fprintf(out, "\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#6b7280\"/>\n", l.bottom, l.bottom + 4);
            fputs("<text x=\"", out);
            print_number(out, x);
            fprintf(out, "\" y=\"%.0f\">", l.bottom + 18);
            tt_svg_escape(out, day_label(day, mday == 1, label, sizeof label));
            fputs("</text>\n", out);
        }
        fputs("</g>\n", out);
    }

    /* Lines, last series first so the first (largest) is drawn on top. */
    fputs("<g fill=\"none\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n", out);
    for (size_t s = c->nseries; s-- > 0;) {
        const tt_svg_series *series = &c->series[s];
        const char *color = series->color ? series->color : tt_svg_color(series->key);
        fprintf(out, "<polyline stroke=\"%s\" points=\"", color);
        for (size_t i = 0; i < c->ndays; i++) {
            double v = isfinite(series->values[i]) ? series->values[i] : 0;
            if (i)
                fputc(' ', out);
            print_number(out, x_of(&l, i, c->ndays));
            fputc(',', out);
            print_number(out, tt_svg_scale(v, yt.min, yt.max, l.bottom, l.top));
        }
        fputs("\"/>\n", out);
        if (c->ndays <= 31) { /* few points: mark them */
            fprintf(out, "<g fill=\"%s\" stroke=\"none\">", color);
            for (size_t i = 0; i < c->ndays; i++) {
                double v = isfinite(series->values[i]) ? series->values[i] : 0;
                fputs("<circle cx=\"", out);
                print_number(out, x_of(&l, i, c->ndays));
                fputs("\" cy=\"", out);
                print_number(out, tt_svg_scale(v, yt.min, yt.max, l.bottom, l.top));
                fputs("\" r=\"2.5\"/>", out);
            }
            fputs("</g>\n", out);
        }
    }
    fputs("</g>\n", out);

    /* Legend. */
    if (c->nseries) {
        fputs("<g fill=\"#1f2937\">\n", out);
        for (size_t s = 0; s < c->nseries; s++) {
            const tt_svg_series *series = &c->series[s];
            const char *color = series->color ? series->color : tt_svg_color(series->key);
            double y = l.legend_top + items[s].y * 20;
            fputs("<line x1=\"", out);
            print_number(out, items[s].x);
            fputs("\" x2=\"", out);
            print_number(out, items[s].x + 16);
            fprintf(out,
                    "\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"3\" stroke-linecap=\"round\"/>",
                    y - 4, y - 4, color);
            fputs("<text x=\"", out);
            print_number(out, items[s].x + 22);
            fprintf(out, "\" y=\"%.0f\">", y);
            tt_svg_escape(out, series->label ? series->label : series->key);
            fputs("</text>\n", out);
        }
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
    return ferror(out) ? TT_ERR_IO : TT_OK;
}
