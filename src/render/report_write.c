/* Writing the quarterly report: HTML (one self-contained file, inline SVG
 * charts, print CSS), Markdown (figures as SVG files beside it) or JSON. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/report_internal.h"
#include "render/svg.h"
#include "render/table.h"
#include "util/limits.h"
#include "util/parse.h"

/* ------------------------------------------------------------- text */

#define VARS(...)                                                                                            \
    (const tt_text_var[]){__VA_ARGS__}, sizeof((const tt_text_var[]){__VA_ARGS__}) / sizeof(tt_text_var)

/* Sentences are built into fixed buffers: long enough for any template
 * filled with the longest names the report uses (cut safely otherwise). */
#define SENTENCE 2048
#define PARAGRAPH 8192

static const char *text(const tt_report *r, tt_text_id id)
{
    return tt_report_text(r->opt.lang, id);
}

static const char *expand(const tt_report *r, tt_text_id id, char *buf, size_t len, const tt_text_var *vars,
                          size_t nvars)
{
    return tt_report_expand(text(r, id), vars, nvars, buf, len);
}

/* Appends s to buf (a sentence to a paragraph), cut on a UTF-8 boundary. */
static void append(char *buf, size_t len, const char *s)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    size_t n = strlen(s), room = len - 1 - used;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
}

/* Between sentences: nothing in Japanese, a space in English. */
static void append_sentence(const tt_report *r, char *buf, size_t len, const char *s)
{
    if (buf[0] && r->opt.lang == TT_LANG_EN)
        append(buf, len, " ");
    append(buf, len, s);
}

/* Joins items: "a、b、c" / "a, b and c". */
static void join(const tt_report *r, const char *const *items, size_t n, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            append(buf, len, r->opt.lang == TT_LANG_JA ? "、" : i + 1 == n ? " and " : ", ");
        append(buf, len, items[i]);
    }
}

/* "the United States" in English prose, where the name needs the article. */
static const char *prose_country(const tt_report *r, const char *cc, const char *name, char *buf, size_t len)
{
    static const char *const with_article[] = {"US", "GB", "NL", "PH", "AE"};
    snprintf(buf, len, "%s", name);
    if (r->opt.lang == TT_LANG_EN)
        for (size_t i = 0; i < sizeof with_article / sizeof with_article[0]; i++)
            if (strcmp(cc, with_article[i]) == 0)
                snprintf(buf, len, "the %s", name);
    return buf;
}

static void capitalize(char *s)
{
    if (s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 'a' + 'A');
}

static const char *count_text(uint64_t v, char *buf, size_t len)
{
    return tt_report_count(v, buf, len);
}

static const char *date_text(const tt_report *r, int32_t day, char *buf, size_t len)
{
    return tt_report_date(r->opt.lang, day, buf, len);
}

static const char *range_text(const tt_report *r, int32_t first, int32_t last, char *buf, size_t len)
{
    return tt_report_date_range(r->opt.lang, first, last, buf, len);
}

static const char *sensors_count_text(const tt_report *r, size_t n, char *buf, size_t len)
{
    char number[32];
    snprintf(number, sizeof number, "%zu", n);
    return expand(r, n == 1 ? TT_TEXT_SENSOR_COUNT_ONE : TT_TEXT_SENSOR_COUNT, buf, len, VARS({"n", number}));
}

static const char *prev_label(const tt_report *r)
{
    return text(r, r->opt.quarter ? TT_TEXT_PREVIOUS_QUARTER : TT_TEXT_PREVIOUS_PERIOD);
}

static const char *this_label(const tt_report *r)
{
    return text(r, r->opt.quarter ? TT_TEXT_THIS_QUARTER : TT_TEXT_THIS_PERIOD);
}

static const char *title_period(const tt_report *r, char *buf, size_t len)
{
    if (r->opt.quarter)
        return tt_report_quarter(r->opt.lang, r->period.first_day, buf, len);
    return range_text(r, r->period.first_day, r->period.last_day, buf, len);
}

static const char *region_name(const tt_report *r, char *buf, size_t len)
{
    char name[128];
    tt_report_country_label(r, r->region, name, sizeof name);
    return prose_country(r, r->region, name, buf, len);
}

/* A reference marker inside text: written as a link by the document. */
static const char *ref_marker(int n, char *buf, size_t len)
{
    snprintf(buf, len, "\x01%d\x02", n);
    return buf;
}

static double share_of(uint64_t part, uint64_t total)
{
    return total ? 100.0 * (double)part / (double)total : 0.0;
}

/* ------------------------------------------------------------- documents */

typedef struct doc {
    FILE *out;
    const tt_report *r;
    bool html;
    int figures, tables;
    tt_status st;
    char *err;
    size_t errlen;
} doc;

static void html_escape(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(s[i], out);
        }
    }
}

static void md_escape(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* '<' only starts markup before a letter, '/', '!' or '?' ("<0.1%" stays as is). */
        bool tag = s[i] == '<' && i + 1 < n && (isalpha((unsigned char)s[i + 1]) || strchr("/!?", s[i + 1]));
        if (tag || (s[i] != '\0' && s[i] != '<' && strchr("\\`*_[]|#", s[i])))
            fputc('\\', out);
        if (s[i] == '\n')
            fputc(' ', out);
        else
            fputc(s[i], out);
    }
}

/* Inline text with reference markers turned into links. */
static void doc_text(doc *d, const char *s)
{
    while (s && *s) {
        const char *mark = strchr(s, '\x01');
        size_t n = mark ? (size_t)(mark - s) : strlen(s);
        if (d->html)
            html_escape(d->out, s, n);
        else
            md_escape(d->out, s, n);
        if (mark == NULL)
            break;
        const char *end = strchr(mark, '\x02');
        if (end == NULL)
            break;
        int ref = (int)strtol(mark + 1, NULL, 10);
        if (d->html)
            fprintf(d->out, "<a class=\"ref\" href=\"#ref-%d\">[%d]</a>", ref, ref);
        else
            fprintf(d->out, "[\\[%d\\]](#ref-%d)", ref, ref);
        s = end + 1;
    }
}

static void doc_heading(doc *d, int level, const char *anchor, const char *number, const char *title)
{
    if (d->html) {
        fprintf(d->out, "<h%d id=\"%s\">", level, anchor);
        if (number && number[0])
            fprintf(d->out, "<span class=\"num\">%s</span> ", number);
        doc_text(d, title);
        fprintf(d->out, "</h%d>\n", level);
    } else {
        for (int i = 0; i < level; i++)
            fputc('#', d->out);
        fputc(' ', d->out);
        if (number && number[0])
            fprintf(d->out, "%s ", number);
        doc_text(d, title);
        fputs("\n\n", d->out);
    }
}

static void doc_para(doc *d, const char *cls, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return;
    if (d->html) {
        if (cls)
            fprintf(d->out, "<p class=\"%s\">", cls);
        else
            fputs("<p>", d->out);
        doc_text(d, s);
        fputs("</p>\n", d->out);
    } else {
        doc_text(d, s);
        fputs("\n\n", d->out);
    }
}

typedef struct table_spec {
    const char *id;      /* anchor, may be NULL */
    const char *caption; /* "表1 ..." */
    const char *const *head;
    const bool *numeric;
    size_t ncols;
    char (*cells)[192]; /* nrows * ncols */
    size_t nrows;
} table_spec;

static void doc_table(doc *d, const table_spec *t)
{
    if (d->html) {
        fputs("<div class=\"table-wrap\">\n<table", d->out);
        if (t->id)
            fprintf(d->out, " id=\"%s\"", t->id);
        fputs(">\n<caption>", d->out);
        doc_text(d, t->caption);
        fputs("</caption>\n<thead><tr>", d->out);
        for (size_t c = 0; c < t->ncols; c++) {
            fprintf(d->out, "<th scope=\"col\"%s>", t->numeric[c] ? " class=\"num\"" : "");
            doc_text(d, t->head[c]);
            fputs("</th>", d->out);
        }
        fputs("</tr></thead>\n<tbody>\n", d->out);
        for (size_t row = 0; row < t->nrows; row++) {
            fputs("<tr>", d->out);
            for (size_t c = 0; c < t->ncols; c++) {
                const char *tag = c == 0 ? "th" : "td";
                fprintf(d->out, "<%s%s%s>", tag, c == 0 ? " scope=\"row\"" : "",
                        t->numeric[c] ? " class=\"num\"" : "");
                doc_text(d, t->cells[row * t->ncols + c]);
                fprintf(d->out, "</%s>", tag);
            }
            fputs("</tr>\n", d->out);
        }
        fputs("</tbody>\n</table>\n</div>\n", d->out);
        return;
    }
    fputs("**", d->out);
    doc_text(d, t->caption);
    fputs("**\n\n|", d->out);
    for (size_t c = 0; c < t->ncols; c++) {
        fputc(' ', d->out);
        doc_text(d, t->head[c]);
        fputs(" |", d->out);
    }
    fputs("\n|", d->out);
    for (size_t c = 0; c < t->ncols; c++)
        fputs(t->numeric[c] ? "---:|" : "---|", d->out);
    fputc('\n', d->out);
    for (size_t row = 0; row < t->nrows; row++) {
        fputc('|', d->out);
        for (size_t c = 0; c < t->ncols; c++) {
            fputc(' ', d->out);
            doc_text(d, t->cells[row * t->ncols + c]);
            fputs(" |", d->out);
        }
        fputc('\n', d->out);
    }
    fputc('\n', d->out);
}

static const char *axis_day(int32_t day, bool month_start, char *buf, size_t len, tt_report_lang lang)
{
    (void)month_start;
    return tt_report_axis_day(lang, day, buf, len);
}

static const char *axis_day_ja(int32_t day, bool month_start, char *buf, size_t len)
{
    return axis_day(day, month_start, buf, len, TT_LANG_JA);
}

static const char *axis_day_en(int32_t day, bool month_start, char *buf, size_t len)
{
    return axis_day(day, month_start, buf, len, TT_LANG_EN);
}

/* Writes a figure: inline SVG in HTML, a file beside the Markdown. */
static void doc_figure(doc *d, tt_svg_chart *chart, const char *caption)
{
    if (d->st != TT_OK)
        return;
    int n = ++d->figures;
    char id[16], number[64], full[SENTENCE];
    snprintf(id, sizeof id, "fig%d", n);
    snprintf(number, sizeof number, "%d", n);
    expand(d->r, TT_TEXT_FIGURE, full, sizeof full, VARS({"n", number}));
    append(full, sizeof full, d->r->opt.lang == TT_LANG_JA ? "　" : ". ");
    append(full, sizeof full, caption);
    chart->id = id;
    chart->title = full;
    chart->day_label = d->r->opt.lang == TT_LANG_JA ? axis_day_ja : axis_day_en;
    chart->y_label = text(d->r, TT_TEXT_Y_LABEL);
    if (d->html) {
        fprintf(d->out, "<figure id=\"%s\">\n", id);
        d->st = tt_svg_line_chart(chart, d->out);
        fputs("<figcaption>", d->out);
        doc_text(d, full);
        fputs("</figcaption>\n</figure>\n", d->out);
        return;
    }
    char path[1100], link[1100];
    snprintf(path, sizeof path, "%s-fig%d.svg", d->r->opt.figure_base, n);
    snprintf(link, sizeof link, "%s-fig%d.svg", d->r->opt.figure_link, n);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(d->err, d->errlen, "cannot write %s", path);
        d->st = TT_ERR_IO;
        return;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    d->st = tt_svg_line_chart(chart, f);
    if (fclose(f) != 0 && d->st == TT_OK)
        d->st = TT_ERR_IO;
    if (d->st != TT_OK) {
        snprintf(d->err, d->errlen, "cannot write %s", path);
        return;
    }
    fputs("![", d->out);
    doc_text(d, full);
    fputs("](", d->out);
    for (const char *p = link; *p; p++) {
        if (*p == ' ')
            fputs("%20", d->out);
        else if (*p == '(' || *p == ')')
            fprintf(d->out, "%%%02X", (unsigned char)*p);
        else
            fputc(*p, d->out);
    }
    fputs(")\n\n*", d->out);
    doc_text(d, full);
    fputs("*\n\n", d->out);
}

static const char report_css[] =
    ":root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--accent:#0b4f8a;--alt:#f4f7fa}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%}\n"
    "body{margin:0;background:#e9eef3;color:var(--ink);font-family:system-ui,-apple-system,\"Segoe UI\","
    "\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\",\"Yu Gothic\",\"Noto Sans CJK JP\",\"Noto Sans JP\","
    "\"Noto Sans\",sans-serif;font-size:16px;line-height:1.75}\n"
    "main{max-width:960px;margin:32px auto;background:#fff;padding:44px 56px 40px;"
    "box-shadow:0 1px 4px rgba(16,42,67,.12);border-radius:6px}\n"
    "header.head{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:20px}\n"
    ".kicker{margin:0;color:var(--accent);font-size:.78rem;font-weight:700;letter-spacing:.14em;"
    "text-transform:uppercase}\n"
    "h1{font-size:1.65rem;line-height:1.4;margin:.25em 0 .35em}\n"
    ".subtitle{margin:0;color:var(--muted);font-size:.95rem}\n"
    "h2{font-size:1.3rem;line-height:1.4;margin:2.2em 0 .8em;padding:.15em 0 .15em .6em;"
    "border-left:5px solid var(--accent)}\n"
    "h3{font-size:1.08rem;line-height:1.5;margin:1.9em 0 .6em;color:#102a43}\n"
    "h2 .num,h3 .num{color:var(--accent)}\n"
    "p{margin:.7em 0}\n"
    "nav.toc{background:var(--alt);border-radius:4px;padding:12px 22px;font-size:.92rem}\n"
    "nav.toc h2{all:unset;display:block;font-weight:700;margin-bottom:.2em}\n"
    "nav.toc ol{margin:0;padding-left:1.3em}nav.toc ol ol{padding-left:1.2em}\n"
    "dl.keyfacts{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;"
    "margin:1.2em 0 1.4em}\n"
    "dl.keyfacts div{background:var(--alt);border-top:3px solid var(--accent);padding:8px 14px 10px}\n"
    "dl.keyfacts dt{font-size:.8rem;color:var(--muted)}\n"
    "dl.keyfacts dd{margin:0;font-size:1.12rem;font-weight:700;font-variant-numeric:tabular-nums}\n"
    ".table-wrap{overflow-x:auto;margin:1em 0 1.4em}\n"
    "table{border-collapse:collapse;width:100%;font-size:.93rem;font-variant-numeric:tabular-nums}\n"
    "caption{caption-side:top;text-align:left;font-weight:700;padding:0 0 .45em}\n"
    "th,td{padding:.42em .8em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "thead th{background:var(--accent);color:#fff;font-weight:600;border-bottom:0;white-space:nowrap}\n"
    "tbody th{font-weight:400}\n"
    "tbody tr:nth-child(even){background:var(--alt)}\n"
    ".num{text-align:right;white-space:nowrap}\n"
    "figure{margin:1.3em 0 1.9em}\n"
    "figure svg{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:4px}\n"
    "figcaption{margin-top:.5em;text-align:center;color:var(--muted);font-size:.9rem}\n"
    ".note{color:var(--muted);font-size:.88rem}\n"
    "ul.kb{padding-left:1.3em}ul.kb li{margin:.45em 0}\n"
    "ul.kb .meta{display:block;color:var(--muted);font-size:.88rem}\n"
    "a{color:var(--accent)}a.ref{text-decoration:none;font-size:.85em;vertical-align:.1em}\n"
    "ol.refs{list-style:none;padding-left:0}\n"
    "ol.refs li{margin:.55em 0;padding-left:2.4em;text-indent:-2.4em}\n"
    "ol.refs .url{overflow-wrap:anywhere;color:var(--muted);font-size:.9rem}\n"
    "footer{margin-top:3em;padding-top:1em;border-top:1px solid "
    "var(--line);color:var(--muted);font-size:.85rem}\n"
    "@media (max-width:720px){main{margin:0;padding:22px 16px;border-radius:0}"
    "h1{font-size:1.35rem}}\n"
    "@media print{@page{size:A4;margin:15mm 14mm}\n"
    "body{background:#fff;font-size:10.5pt}\n"
    "main{max-width:none;margin:0;padding:0;box-shadow:none}\n"
    "nav.toc{display:none}\n"
    "h2,h3{break-after:avoid}\n"
    "figure,.table-wrap,dl.keyfacts,tr{break-inside:avoid}\n"
    ".table-wrap{overflow:visible}\n"
    "thead th,tbody tr:nth-child(even),dl.keyfacts "
    "div{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "a{color:inherit;text-decoration:none}}\n";

/* ------------------------------------------------------------ sections */

static const char *prev_rank_text(const tt_report *r, const ranked *row, bool has_prev, char *buf, size_t len)
{
    if (!has_prev) {
        snprintf(buf, len, "-");
    } else if (row->prev_rank) {
        snprintf(buf, len, "%d", row->prev_rank);
    } else {
        char n[16];
        snprintf(n, sizeof n, "%zu", r->opt.limit);
        expand(r, TT_TEXT_OUT_OF_TOP, buf, len, VARS({"n", n}));
    }
    return buf;
}

static tt_status ranking_table(doc *d, const ranked *rows, size_t n, bool countries)
{
    const tt_report *r = d->r;
    const char *head[5] = {
        text(r, TT_TEXT_COL_RANK), text(r, countries ? TT_TEXT_COL_REGION : TT_TEXT_COL_PORT),
        text(r, TT_TEXT_COL_PACKETS), text(r, TT_TEXT_COL_SHARE),
        text(r, r->opt.quarter ? TT_TEXT_COL_PREV_RANK_QUARTER : TT_TEXT_COL_PREV_RANK_PERIOD)};
    static const bool numeric[5] = {true, false, true, true, false};
    char(*cells)[192] = calloc(n * 5 + 1, sizeof *cells);
    if (cells == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        snprintf(cells[i * 5], sizeof cells[0], "%zu", i + 1);
        snprintf(cells[i * 5 + 1], sizeof cells[0], "%s", rows[i].label);
        count_text(rows[i].packets, cells[i * 5 + 2], sizeof cells[0]);
        tt_report_percent(share_of(rows[i].packets, r->packets), cells[i * 5 + 3], sizeof cells[0]);
        prev_rank_text(r, &rows[i], r->prev_packets > 0, cells[i * 5 + 4], sizeof cells[0]);
    }
    char number[16], caption[SENTENCE], title[SENTENCE], limit[16];
    snprintf(number, sizeof number, "%d", ++d->tables);
    snprintf(limit, sizeof limit, "%zu", n);
    expand(r, TT_TEXT_TABLE, caption, sizeof caption, VARS({"n", number}));
    append(caption, sizeof caption, r->opt.lang == TT_LANG_JA ? "　" : ". ");
    append(caption, sizeof caption,
           expand(r, countries ? TT_TEXT_COUNTRIES_CAPTION : TT_TEXT_PORTS_CAPTION, title, sizeof title,
                  VARS({"n", limit})));
    char id[16];
    snprintf(id, sizeof id, "table%d", d->tables);
    table_spec t = {id, caption, head, numeric, 5, cells, n};
    doc_table(d, &t);
    free(cells);
    return TT_OK;
}

static void ranking_chart(doc *d, const ranked *rows, size_t n, const char *caption)
{
    const tt_report *r = d->r;
    tt_svg_series series[REPORT_MAX_CHART_SERIES];
    for (size_t i = 0; i < n; i++)
        series[i] = (tt_svg_series){rows[i].id, rows[i].label, rows[i].series, rows[i].color};
    tt_svg_chart chart;
    memset(&chart, 0, sizeof chart);
    chart.first_day = r->period.first_day;
    chart.ndays = (size_t)(r->period.last_day - r->period.first_day + 1);
    chart.series = series;
    chart.nseries = n;
    doc_figure(d, &chart, caption);
}

static void key_facts(doc *d)
{
    const tt_report *r = d->r;
    char period[256], sensors[64], packets[32], per_day[32], change[48], ports[32], countries[32], pc[128],
        change_label[128];
    int32_t days = r->period.last_day - r->period.first_day + 1;
    range_text(r, r->period.first_day, r->period.last_day, period, sizeof period);
    if (r->opt.lang == TT_LANG_JA)
        sensors_count_text(r, r->nsensors, sensors, sizeof sensors);
    else
        snprintf(sensors, sizeof sensors, "%zu", r->nsensors);
    count_text(r->packets, packets, sizeof packets);
    count_text(days > 0 ? (r->packets + (uint64_t)days / 2) / (uint64_t)days : 0, per_day, sizeof per_day);
    if (r->prev_packets) {
        double pct = 100.0 * ((double)r->packets - (double)r->prev_packets) / (double)r->prev_packets;
        snprintf(change, sizeof change, "%+.1f%%", pct);
    } else {
        snprintf(change, sizeof change, "-");
    }
    count_text(r->distinct_ports, ports, sizeof ports);
    count_text(r->distinct_countries, countries, sizeof countries);
    expand(r, TT_TEXT_PORTS_COUNTRIES_VALUE, pc, sizeof pc, VARS({"ports", ports}, {"countries", countries}));
    expand(r, TT_TEXT_KEY_CHANGE, change_label, sizeof change_label, VARS({"prev_label", prev_label(r)}));
    const char *labels[6] = {text(r, TT_TEXT_KEY_PERIOD),
                             text(r, TT_TEXT_KEY_SENSORS),
                             text(r, TT_TEXT_KEY_PACKETS),
                             text(r, TT_TEXT_KEY_PER_DAY),
                             change_label,
                             text(r, TT_TEXT_KEY_PORTS_COUNTRIES)};
    const char *values[6] = {period, sensors, packets, per_day, change, pc};
    if (d->html) {
        fputs("<dl class=\"keyfacts\">\n", d->out);
        for (int i = 0; i < 6; i++) {
            fputs("<div><dt>", d->out);
            doc_text(d, labels[i]);
            fputs("</dt><dd>", d->out);
            doc_text(d, values[i]);
            fputs("</dd></div>\n", d->out);
        }
        fputs("</dl>\n", d->out);
    } else {
        for (int i = 0; i < 6; i++) {
            fputs("- **", d->out);
            doc_text(d, labels[i]);
            fputs("**: ", d->out);
            doc_text(d, values[i]);
            fputc('\n', d->out);
        }
        fputc('\n', d->out);
    }
}

static tt_status sensors_table(doc *d)
{
    const tt_report *r = d->r;
    const char *head[5] = {text(r, TT_TEXT_COL_SENSOR), text(r, TT_TEXT_COL_LOCATION),
                           text(r, TT_TEXT_COL_PACKETS), text(r, TT_TEXT_COL_SHARE),
                           text(r, TT_TEXT_COL_COVERAGE)};
    static const bool numeric[5] = {false, false, true, true, true};
    /* The coverage column only when live sensors report their uptime. */
    size_t ncol = 4, outages = 0;
    uint64_t lost = 0;
    const char *down[64];
    for (size_t i = 0; i < r->nsensors; i++) {
        const report_sensor *s = &r->sensors[i];
        if (s->coverage >= 0)
            ncol = 5;
        if ((s->coverage >= 0 && s->coverage < 0.9995) || s->gap_packets > 0) {
            if (outages < 64)
                down[outages++] = s->name;
            lost += s->gap_packets;
        }
    }
    char(*cells)[192] = calloc(r->nsensors * ncol + 1, sizeof *cells);
    if (cells == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < r->nsensors; i++) {
        char(*row)[192] = &cells[i * ncol];
        snprintf(row[0], sizeof cells[0], "%s", r->sensors[i].name);
        snprintf(row[1], sizeof cells[0], "%s", r->sensors[i].location[0] ? r->sensors[i].location : "-");
        count_text(r->sensors[i].packets, row[2], sizeof cells[0]);
        tt_report_percent(share_of(r->sensors[i].packets, r->packets), row[3], sizeof cells[0]);
        if (ncol == 5) {
            if (r->sensors[i].coverage >= 0)
                tt_report_percent(100.0 * r->sensors[i].coverage, row[4], sizeof cells[0]);
            else
                snprintf(row[4], sizeof cells[0], "-");
        }
    }
    table_spec t = {"sensors", text(r, TT_TEXT_SENSORS_CAPTION), head, numeric, ncol, cells, r->nsensors};
    doc_table(d, &t);
    free(cells);
    if (outages) {
        char list[SENTENCE], packets[32], sentence[SENTENCE];
        join(r, down, outages, list, sizeof list);
        count_text(lost, packets, sizeof packets);
        doc_para(d, "note",
                 expand(r, TT_TEXT_SENSORS_OUTAGE, sentence, sizeof sentence,
                        VARS({"sensors", list}, {"packets", packets})));
    }
    return TT_OK;
}

/* "日本、米国、ドイツ" / "Japan, the United States and Germany": the
 * sensors' locations, each once. */
static void sensor_regions(const tt_report *r, char *buf, size_t len)
{
    const char *items[64];
    char names[64][160];
    size_t n = 0;
    for (size_t i = 0; i < r->nsensors && n < 64; i++) {
        const report_sensor *s = &r->sensors[i];
        if (!s->region[0])
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(r->sensors[k].region, s->region) == 0;
        if (seen)
            continue;
        prose_country(r, s->region, s->location, names[n], sizeof names[n]);
        items[n] = names[n];
        n++;
    }
    join(r, items, n, buf, len);
}

static void overview_text(doc *d)
{
    const tt_report *r = d->r;
    char para[PARAGRAPH] = "", sentence[SENTENCE], range[256], span[256], sensors[64], all[64], regions[1024],
         region[160];
    range_text(r, r->period.first_day, r->period.last_day, range, sizeof range);
    tt_report_date_span(r->opt.lang, r->period.first_day, r->period.last_day, span, sizeof span);
    sensors_count_text(r, r->nsensors, sensors, sizeof sensors);
    sensors_count_text(r, r->all_sensors, all, sizeof all);
    sensor_regions(r, regions, sizeof regions);
    append_sentence(r, para, sizeof para, text(r, TT_TEXT_OVERVIEW_METHOD));
    if (r->region[0]) {
        region_name(r, region, sizeof region);
        expand(r, TT_TEXT_OVERVIEW_SCOPE_REGION, sentence, sizeof sentence,
               VARS({"range", range}, {"span", span}, {"region", region}, {"sensors", sensors},
                    {"all_sensors", all}));
    } else {
        expand(r, regions[0] ? TT_TEXT_OVERVIEW_SCOPE_ALL : TT_TEXT_OVERVIEW_SCOPE_UNPLACED, sentence,
               sizeof sentence,
               VARS({"range", range}, {"span", span}, {"regions", regions}, {"sensors", sensors}));
    }
    append_sentence(r, para, sizeof para, sentence);
    doc_para(d, NULL, para);

    para[0] = '\0';
    if (r->packets == 0) {
        doc_para(d, NULL, text(r, TT_TEXT_OVERVIEW_NO_DATA));
        return;
    }
    int32_t days = r->period.last_day - r->period.first_day + 1;
    char packets[32], per_day[32], ports[32], countries[32], prev_packets[32], change[32];
    count_text(r->packets, packets, sizeof packets);
    count_text((r->packets + (uint64_t)days / 2) / (uint64_t)days, per_day, sizeof per_day);
    count_text(r->distinct_ports, ports, sizeof ports);
    count_text(r->distinct_countries, countries, sizeof countries);
    append_sentence(
        r, para, sizeof para,
        expand(r, TT_TEXT_OVERVIEW_TOTALS, sentence, sizeof sentence,
               VARS({"packets", packets}, {"per_day", per_day}, {"ports", ports}, {"countries", countries})));
    if (r->prev_packets) {
        count_text(r->prev_packets, prev_packets, sizeof prev_packets);
        double pct = 100.0 * ((double)r->packets - (double)r->prev_packets) / (double)r->prev_packets;
        tt_report_percent(fabs(pct), change, sizeof change);
        append_sentence(
            r, para, sizeof para,
            expand(r, pct >= 0 ? TT_TEXT_OVERVIEW_CHANGE_UP : TT_TEXT_OVERVIEW_CHANGE_DOWN, sentence,
                   sizeof sentence,
                   VARS({"prev_label", prev_label(r)}, {"prev_packets", prev_packets}, {"change", change})));
    } else {
        append_sentence(r, para, sizeof para,
                        expand(r, TT_TEXT_OVERVIEW_NO_PREVIOUS, sentence, sizeof sentence,
                               VARS({"prev_label", prev_label(r)})));
    }
    doc_para(d, NULL, para);
}

/* The closing paragraph of the overview: the top port against the previous
 * period, new entries, and what section 2 covers. */
static void overview_summary(doc *d)
{
    const tt_report *r = d->r;
    if (r->nports == 0)
        return;
    char para[PARAGRAPH] = "", sentence[SENTENCE], rank[16], n[16];
    snprintf(n, sizeof n, "%zu", r->opt.limit);
    const ranked *top = &r->ports[0];
    bool has_prev = r->prev_packets > 0;
    if (has_prev) {
        tt_text_id id = top->prev_rank == 1 ? TT_TEXT_SUMMARY_TOP_SAME
                        : top->prev_rank    ? TT_TEXT_SUMMARY_TOP_CHANGED
                                            : TT_TEXT_SUMMARY_TOP_NEW;
        tt_report_ordinal(r->opt.lang, top->prev_rank, rank, sizeof rank);
        expand(r, id, sentence, sizeof sentence,
               VARS({"this_period", this_label(r)}, {"prev_label", prev_label(r)}, {"port", top->prose},
                    {"prev_rank", rank}, {"n", n}));
        capitalize(sentence);
        append_sentence(r, para, sizeof para, sentence);
        const char *items[REPORT_MAX_LIMIT];
        size_t k = 0;
        for (size_t i = 1; i < r->nports; i++)
            if (r->ports[i].prev_rank == 0)
                items[k++] = r->ports[i].prose;
        if (k) {
            char list[SENTENCE];
            join(r, items, k, list, sizeof list);
            expand(r, TT_TEXT_SUMMARY_NEW_ENTRIES, sentence, sizeof sentence,
                   VARS({"prev_label", prev_label(r)}, {"ports", list}, {"n", n},
                        {"this_period", this_label(r)}));
            capitalize(sentence);
            append_sentence(r, para, sizeof para, sentence);
        }
    }
    if (r->nsubjects) {
        const char *items[REPORT_MAX_SUBJECTS];
        for (size_t s = 0; s < r->nsubjects; s++)
            items[s] = r->subjects[s].label;
        char list[SENTENCE];
        join(r, items, r->nsubjects, list, sizeof list);
        append_sentence(
            r, para, sizeof para,
            expand(r, TT_TEXT_SUMMARY_EVENTS, sentence, sizeof sentence, VARS({"subjects", list})));
        append_sentence(r, para, sizeof para, text(r, TT_TEXT_SUMMARY_OTHERWISE));
    } else {
        append_sentence(r, para, sizeof para, text(r, TT_TEXT_SUMMARY_NO_EVENTS));
    }
    doc_para(d, NULL, para);
}

static tt_status write_overview(doc *d)
{
    const tt_report *r = d->r;
    char sentence[SENTENCE], fig[16], table[16], n[16], k[16], caption[SENTENCE];
    doc_heading(d, 2, "overview", "1", text(r, TT_TEXT_SEC_OVERVIEW));
    overview_text(d);
    key_facts(d);
    tt_status st = sensors_table(d);
    if (st != TT_OK || r->packets == 0)
        return st;

    snprintf(table, sizeof table, "%d", d->tables + 1);
    snprintf(n, sizeof n, "%zu", r->nports);
    doc_para(d, NULL,
             expand(r, TT_TEXT_PORTS_INTRO, sentence, sizeof sentence, VARS({"n", n}, {"table", table})));
    if ((st = ranking_table(d, r->ports, r->nports, false)) != TT_OK)
        return st;
    doc_para(d, "note", text(r, TT_TEXT_SERVICE_NOTE));
    if (r->chart_ports) {
        snprintf(fig, sizeof fig, "%d", d->figures + 1);
        snprintf(k, sizeof k, "%zu", r->chart_ports);
        doc_para(
            d, NULL,
            expand(r, TT_TEXT_PORTS_FIGURE_INTRO, sentence, sizeof sentence, VARS({"fig", fig}, {"k", k})));
        ranking_chart(d, r->ports, r->chart_ports,
                      expand(r, TT_TEXT_PORTS_FIGURE_CAPTION, caption, sizeof caption, VARS({"k", k})));
    }

    snprintf(table, sizeof table, "%d", d->tables + 1);
    snprintf(n, sizeof n, "%zu", r->ncountries);
    doc_para(d, NULL,
             expand(r, TT_TEXT_COUNTRIES_INTRO, sentence, sizeof sentence, VARS({"n", n}, {"table", table})));
    if ((st = ranking_table(d, r->countries, r->ncountries, true)) != TT_OK)
        return st;
    if (r->chart_countries) {
        snprintf(fig, sizeof fig, "%d", d->figures + 1);
        snprintf(k, sizeof k, "%zu", r->chart_countries);
        doc_para(d, NULL,
                 expand(r, TT_TEXT_COUNTRIES_FIGURE_INTRO, sentence, sizeof sentence,
                        VARS({"fig", fig}, {"k", k})));
        ranking_chart(d, r->countries, r->chart_countries,
                      expand(r, TT_TEXT_COUNTRIES_FIGURE_CAPTION, caption, sizeof caption, VARS({"k", k})));
    }
    overview_summary(d);
    return d->st;
}

static tt_text_id kind_text(tt_event_kind kind)
{
    switch (kind) {
    case TT_EVENT_BURST: return TT_TEXT_KIND_BURST;
    case TT_EVENT_RISE: return TT_TEXT_KIND_RISE;
    default: return TT_TEXT_KIND_RANK_JUMP;
    }
}

static void subject_heading(const tt_report *r, const subject *s, char *buf, size_t len)
{
    const char *kinds[3];
    size_t n = 0;
    for (int k = TT_EVENT_BURST; k <= TT_EVENT_RANK_JUMP; k++)
        for (size_t e = 0; e < s->nevents; e++)
            if ((int)s->events[e].kind == k) {
                kinds[n++] = text(r, kind_text((tt_event_kind)k));
                break;
            }
    char list[512], category[256] = "";
    join(r, kinds, n, list, sizeof list);
    if (s->by_country) {
        expand(r, TT_TEXT_EVENT_HEADING_COUNTRY, buf, len, VARS({"country", s->label}, {"kinds", list}));
        return;
    }
    if (s->category)
        expand(r, TT_TEXT_CATEGORY_SUFFIX, category, sizeof category,
               VARS({"category", tt_report_category_name(r->opt.lang, s->category)}));
    expand(r, TT_TEXT_EVENT_HEADING, buf, len,
           VARS({"port", s->label}, {"kinds", list}, {"category", category}));
}

static const char *subject_phrase(const tt_report *r, const subject *s, char *buf, size_t len)
{
    if (s->by_country) {
        char name[192];
        prose_country(r, s->cc, s->label, name, sizeof name);
        return expand(r, TT_TEXT_SUBJECT_COUNTRY, buf, len, VARS({"country", name}));
    }
    return expand(r, TT_TEXT_SUBJECT_PORT, buf, len, VARS({"port", s->label}));
}

/* Rank of a subject in this period's table, 0 if not in it. */
static int subject_rank(const tt_report *r, const subject *s)
{
    const ranked *rows = s->by_country ? r->countries : r->ports;
    size_t n = s->by_country ? r->ncountries : r->nports;
    for (size_t i = 0; i < n; i++)
        if (rows[i].key == s->key)
            return (int)i + 1;
    return 0;
}

/* "中国（85.2%）、米国（5.1%）" / "China 85.2%, the United States 5.1%". */
static void country_shares(const tt_report *r, const tt_event_share *shares, size_t n, size_t from, char *buf,
                           size_t len)
{
    const char *items[TT_EVENT_TOP];
    char texts[TT_EVENT_TOP][256];
    size_t k = 0;
    for (size_t i = from; i < n && k < TT_EVENT_TOP; i++) {
        char name[160], prose[192], pct[16];
        tt_report_country_label(r, shares[i].key, name, sizeof name);
        prose_country(r, shares[i].key, name, prose, sizeof prose);
        tt_report_percent(100.0 * shares[i].share, pct, sizeof pct);
        snprintf(texts[k], sizeof texts[k], r->opt.lang == TT_LANG_JA ? "%s（%s）" : "%s (%s)", prose, pct);
        items[k] = texts[k];
        k++;
    }
    join(r, items, k, buf, len);
}

/* What a subject's section has said already, so later episodes do not repeat it. */
typedef struct said_state {
    char sources[REPORT_EVENTS_PER_SUBJECT][48]; /* dominant sources whose history was told */
    size_t nsources;
    bool all_sensors;
} said_state;

static void port_list(const tt_report *r, const tt_event_share *shares, size_t n, bool with_share, char *buf,
                      size_t len)
{
    const char *items[TT_EVENT_TOP];
    char texts[TT_EVENT_TOP][96];
    for (size_t i = 0; i < n && i < TT_EVENT_TOP; i++) {
        int32_t port;
        uint8_t proto;
        char upper[16], pct[16], name[48];
        if (tt_parse_port_key(shares[i].key, &port, &proto)) {
            tt_report_proto_upper(proto, upper, sizeof upper);
            snprintf(name, sizeof name, "%d/%s", port, upper);
        } else {
            snprintf(name, sizeof name, "%s", shares[i].key);
        }
        tt_report_percent(100.0 * shares[i].share, pct, sizeof pct);
        if (with_share)
            snprintf(texts[i], sizeof texts[i], r->opt.lang == TT_LANG_JA ? "%s（%s）" : "%s (%s)", name,
                     pct);
        else
            snprintf(texts[i], sizeof texts[i], "%s", name);
        items[i] = texts[i];
    }
    join(r, items, n < TT_EVENT_TOP ? n : TT_EVENT_TOP, buf, len);
}

/* What happened and when. */
static void event_what(const tt_report *r, const subject *s, const tt_event *e, char *para, size_t len)
{
    char sentence[SENTENCE], phrase[256], Phrase[256], range[256], span[256], start[64], peak[64],
        peak_packets[48], baseline[32], ratio[32], packets[32], rank[16];
    subject_phrase(r, s, phrase, sizeof phrase);
    snprintf(Phrase, sizeof Phrase, "%s", phrase);
    capitalize(Phrase);
    range_text(r, e->start, e->end, range, sizeof range);
    tt_report_date_span(r->opt.lang, e->start, e->end, span, sizeof span);
    date_text(r, e->start, start, sizeof start);
    date_text(r, e->peak, peak, sizeof peak);
    int32_t peak_index = e->peak - r->hist_first;
    double peak_value =
        peak_index >= 0 && peak_index < r->hist_days ? s->history[peak_index] : e->baseline * e->ratio;
    count_text((uint64_t)llround(peak_value), peak_packets, sizeof peak_packets);
    if (r->opt.lang == TT_LANG_EN)
        append(peak_packets, sizeof peak_packets, " packets");
    count_text((uint64_t)llround(e->baseline), baseline, sizeof baseline);
    snprintf(ratio, sizeof ratio, e->ratio >= 10 ? "%.0f" : "%.1f", e->ratio);
    count_text(e->packets, packets, sizeof packets);
    /* Below one packet a day the ratio says nothing: "from almost nothing". */
    bool from_nothing = e->baseline < 1;
    tt_text_id id;
    switch (e->kind) {
    case TT_EVENT_BURST: id = from_nothing ? TT_TEXT_EVENT_BURST_FROM_NOTHING : TT_TEXT_EVENT_BURST; break;
    case TT_EVENT_RISE: id = from_nothing ? TT_TEXT_EVENT_RISE_FROM_NOTHING : TT_TEXT_EVENT_RISE; break;
    default: {
        int current = subject_rank(r, s);
        if (current == 0)
            current = e->rank;
        snprintf(rank, sizeof rank, "%d", current);
        id = current ? TT_TEXT_EVENT_RANK_JUMP : TT_TEXT_EVENT_RANK_JUMP_OUT;
        break;
    }
    }
    expand(r, id, sentence, sizeof sentence,
           VARS({"range", range}, {"span", span}, {"start", start}, {"subject", phrase}, {"Subject", Phrase},
                {"peak", peak}, {"peak_packets", peak_packets}, {"baseline", baseline}, {"ratio", ratio},
                {"packets", packets}, {"prev_label", prev_label(r)}, {"rank", rank}));
    capitalize(sentence);
    append_sentence(r, para, len, sentence);
}

/* From where and by whom. */
static void event_who(const tt_report *r, const subject *s, const tt_event *e, said_state *said, char *para,
                      size_t len)
{
    char sentence[SENTENCE], list[SENTENCE], name[160], prose[192], pct[16];
    if (!s->by_country && e->ntop_countries) {
        const tt_event_share *top = &e->top_countries[0];
        tt_report_country_label(r, top->key, name, sizeof name);
        prose_country(r, top->key, name, prose, sizeof prose);
        if (e->ntop_countries == 1 || top->share >= 0.995) {
            expand(r, TT_TEXT_EVENT_COUNTRIES_ONLY, sentence, sizeof sentence, VARS({"country", prose}));
        } else if (top->share >= 0.5) {
            country_shares(r, e->top_countries, e->ntop_countries, 1, list, sizeof list);
            tt_report_percent(100.0 * top->share, pct, sizeof pct);
            expand(r, TT_TEXT_EVENT_COUNTRIES_MAIN, sentence, sizeof sentence,
                   VARS({"country", prose}, {"share", pct}, {"list", list}));
        } else {
            country_shares(r, e->top_countries, e->ntop_countries, 0, list, sizeof list);
            expand(r, TT_TEXT_EVENT_COUNTRIES, sentence, sizeof sentence, VARS({"list", list}));
        }
        append_sentence(r, para, len, sentence);
    }
    if (s->by_country && e->ntop_ports) {
        port_list(r, e->top_ports, e->ntop_ports, true, list, sizeof list);
        append_sentence(r, para, len,
                        expand(r, TT_TEXT_EVENT_TOP_PORTS, sentence, sizeof sentence, VARS({"list", list})));
    }
    if (e->ntop_sources == 0)
        return;
    if (!e->single_source) {
        const char *items[3];
        char texts[3][96];
        size_t k = 0;
        for (; k < e->ntop_sources && k < 3; k++) {
            tt_report_percent(100.0 * e->top_sources[k].share, pct, sizeof pct);
            snprintf(texts[k], sizeof texts[k], r->opt.lang == TT_LANG_JA ? "%s（%s）" : "%s (%s)",
                     e->top_sources[k].key, pct);
            items[k] = texts[k];
        }
        join(r, items, k, list, sizeof list);
        append_sentence(
            r, para, len,
            expand(r, TT_TEXT_EVENT_TOP_SOURCES, sentence, sizeof sentence, VARS({"list", list})));
        return;
    }
    /* One dominant source: its share, and once per section its history. */
    const char *cc = e->cc[0] ? e->cc : "ZZ";
    tt_report_country_label(r, cc, name, sizeof name);
    tt_report_percent(100.0 * e->top_sources[0].share, pct, sizeof pct);
    append_sentence(
        r, para, len,
        expand(r, TT_TEXT_EVENT_SINGLE_SOURCE, sentence, sizeof sentence,
               VARS({"ip", e->top_sources[0].key},
                    {"country", prose_country(r, cc, name, prose, sizeof prose)}, {"share", pct})));
    for (size_t i = 0; i < said->nsources; i++)
        if (strcmp(said->sources[i], e->top_sources[0].key) == 0)
            return;
    if (said->nsources < REPORT_EVENTS_PER_SUBJECT)
        snprintf(said->sources[said->nsources++], sizeof said->sources[0], "%s", e->top_sources[0].key);
    if (e->nhistory == 0)
        return;
    port_list(r, e->history, e->nhistory, false, list, sizeof list);
    /* The detector says whether the other ports came before, after or around the event. */
    tt_text_id history = strncmp(e->history_summary, "later", 5) == 0  ? TT_TEXT_EVENT_HISTORY_LATER
                         : strncmp(e->history_summary, "also", 4) == 0 ? TT_TEXT_EVENT_HISTORY_ALSO
                                                                       : TT_TEXT_EVENT_HISTORY;
    append_sentence(r, para, len, expand(r, history, sentence, sizeof sentence, VARS({"ports", list})));
    if (s->history_category)
        append_sentence(
            r, para, len,
            expand(r, TT_TEXT_EVENT_HISTORY_CATEGORY, sentence, sizeof sentence,
                   VARS({"category", tt_report_category_name(r->opt.lang, s->history_category)})));
}

/* Unique sources, sensors and tools. */
static void event_how(const tt_report *r, const tt_event *e, said_state *said, char *para, size_t len)
{
    char sentence[SENTENCE];
    if (e->sources_before || e->sources_during) {
        char before[32], during[32];
        count_text(e->sources_before, before, sizeof before);
        count_text(e->sources_during, during, sizeof during);
        bool grew = (double)e->sources_during > 1.5 * (double)e->sources_before && e->sources_during >= 10;
        append_sentence(r, para, len,
                        expand(r, grew ? TT_TEXT_EVENT_SOURCES_GROWTH : TT_TEXT_EVENT_SOURCES_SAME, sentence,
                               sizeof sentence, VARS({"before", before}, {"during", during})));
    }
    if (strcmp(e->sensors, "all") == 0) {
        if (!said->all_sensors)
            append_sentence(r, para, len, text(r, TT_TEXT_EVENT_SENSORS_ALL));
        said->all_sensors = true;
    } else if (e->sensors[0]) {
        char list[512] = "";
        for (const char *p = e->sensors; *p;) {
            size_t n = strcspn(p, ", ");
            if (n) {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1), p);
                if (list[0])
                    append(list, sizeof list, r->opt.lang == TT_LANG_JA ? "、" : ", ");
                append(list, sizeof list, name);
            }
            p += n;
            while (*p == ',' || *p == ' ')
                p++;
        }
        append_sentence(
            r, para, len,
            expand(r, TT_TEXT_EVENT_SENSORS_SOME, sentence, sizeof sentence, VARS({"sensors", list})));
    }
    /* Tools: "mostly" when they explain most packets, "some" for a tenth or more. */
    const char *items[TT_EVENT_TOP];
    char texts[TT_EVENT_TOP][160];
    size_t k = 0;
    double total = 0;
    for (size_t i = 0; i < e->ntools; i++) {
        const char *name = tt_report_tool_name(r->opt.lang, e->tools[i].key);
        if (name == NULL || e->tools[i].share < 0.1)
            continue;
        char pct[16];
        tt_report_percent(100.0 * e->tools[i].share, pct, sizeof pct);
        snprintf(texts[k], sizeof texts[k], r->opt.lang == TT_LANG_JA ? "%s（%s）" : "%s (%s)", name, pct);
        items[k] = texts[k];
        k++;
        total += e->tools[i].share;
    }
    if (k) {
        char list[SENTENCE];
        join(r, items, k, list, sizeof list);
        append_sentence(r, para, len,
                        expand(r, total >= 0.5 ? TT_TEXT_EVENT_TOOLS : TT_TEXT_EVENT_TOOLS_SOME, sentence,
                               sizeof sentence, VARS({"tools", list})));
    }
}

static void event_paragraphs(doc *d, const subject *s, const tt_event *e, said_state *said)
{
    const tt_report *r = d->r;
    char para[PARAGRAPH] = "";
    event_what(r, s, e, para, sizeof para);
    /* A rank jump spans the period: its other episodes tell who and how. */
    if (e->kind == TT_EVENT_RANK_JUMP && s->nevents > 1) {
        doc_para(d, NULL, para);
        return;
    }
    event_who(r, s, e, said, para, sizeof para);
    doc_para(d, NULL, para);
    para[0] = '\0';
    event_how(r, e, said, para, sizeof para);
    doc_para(d, NULL, para);
}

static void kb_list(doc *d, const subject *s)
{
    const tt_report *r = d->r;
    char sentence[SENTENCE];
    if (s->service[0])
        doc_para(
            d, NULL,
            expand(r, TT_TEXT_EVENT_IANA_NAME, sentence, sizeof sentence, VARS({"service", s->service})));
    else
        doc_para(d, NULL, text(r, TT_TEXT_EVENT_IANA_NONE));
    if (s->nkb == 0) {
        doc_para(d, NULL, text(r, TT_TEXT_EVENT_KB_NONE));
        return;
    }
    doc_para(d, NULL, text(r, TT_TEXT_EVENT_KB_INTRO));
    fputs(d->html ? "<ul class=\"kb\">\n" : "", d->out);
    char period_end[16];
    tt_format_date(r->period.last_day, period_end, sizeof period_end);
    for (size_t k = 0; k < s->nkb; k++) {
        const tt_kb_entry *e = s->kb[k];
        char line[PARAGRAPH] = "", meta[PARAGRAPH] = "", marker[16];
        append(line, sizeof line, e->title);
        if (s->kb_ref[k])
            append(line, sizeof line, ref_marker(s->kb_ref[k], marker, sizeof marker));
        if (e->date && strcmp(e->date, period_end) > 0) {
            char date[64];
            int32_t day;
            if (tt_parse_date(e->date, &day))
                date_text(r, day, date, sizeof date);
            else
                snprintf(date, sizeof date, "%s", e->date);
            if (r->opt.lang == TT_LANG_EN)
                append(line, sizeof line, " ");
            append(line, sizeof line,
                   expand(r, TT_TEXT_EVENT_KB_LATER, sentence, sizeof sentence, VARS({"date", date})));
        }
        const struct {
            tt_text_id id;
            const char *value;
        } fields[] = {{TT_TEXT_KB_PRODUCTS, e->products},
                      {TT_TEXT_KB_CVES, e->cves},
                      {TT_TEXT_KB_TOOLS, e->tools},
                      {TT_TEXT_KB_MALWARE, e->malware}};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            if (fields[f].value == NULL || fields[f].value[0] == '\0')
                continue;
            if (meta[0])
                append(meta, sizeof meta, r->opt.lang == TT_LANG_JA ? "　" : "; ");
            append(meta, sizeof meta,
                   expand(r, fields[f].id, sentence, sizeof sentence, VARS({"value", fields[f].value})));
        }
        if (d->html) {
            fputs("<li>", d->out);
            doc_text(d, line);
            if (meta[0]) {
                fputs("<span class=\"meta\">", d->out);
                doc_text(d, meta);
                fputs("</span>", d->out);
            }
            fputs("</li>\n", d->out);
        } else {
            fputs("- ", d->out);
            doc_text(d, line);
            if (meta[0]) {
                fputs("  \n  ", d->out);
                doc_text(d, meta);
            }
            fputc('\n', d->out);
        }
    }
    fputs(d->html ? "</ul>\n" : "\n", d->out);
}

static void subject_figure(doc *d, const subject *s)
{
    const tt_report *r = d->r;
    char sentence[SENTENCE], phrase[256], from[64], fig[16], range[256], caption[SENTENCE];
    subject_phrase(r, s, phrase, sizeof phrase);
    date_text(r, r->hist_first, from, sizeof from);
    snprintf(fig, sizeof fig, "%d", d->figures + 1);
    range_text(r, r->hist_first, r->period.last_day, range, sizeof range);
    doc_para(d, NULL,
             expand(r, TT_TEXT_EVENT_FIGURE_INTRO, sentence, sizeof sentence,
                    VARS({"from", from}, {"subject", phrase}, {"fig", fig})));
    expand(r, TT_TEXT_EVENT_FIGURE_CAPTION, caption, sizeof caption,
           VARS({"subject", phrase}, {"range", range}));
    tt_svg_band bands[REPORT_EVENTS_PER_SUBJECT];
    size_t nbands = 0;
    for (size_t e = 0; e < s->nevents; e++) {
        const tt_event *ev = &s->events[e];
        if (ev->kind == TT_EVENT_RANK_JUMP || ev->end < r->hist_first)
            continue;
        bands[nbands++] = (tt_svg_band){(size_t)(ev->start > r->hist_first ? ev->start - r->hist_first : 0),
                                        (size_t)(ev->end - r->hist_first), text(r, kind_text(ev->kind))};
    }
    tt_svg_series series = {s->id, s->label, s->history, s->color};
    tt_svg_chart chart;
    memset(&chart, 0, sizeof chart);
    chart.first_day = r->hist_first;
    chart.ndays = (size_t)r->hist_days;
    chart.series = &series;
    chart.nseries = 1;
    chart.bands = bands;
    chart.nbands = nbands;
    doc_figure(d, &chart, caption);
}

static tt_status write_events(doc *d)
{
    const tt_report *r = d->r;
    doc_heading(d, 2, "events", "2", text(r, TT_TEXT_SEC_EVENTS));
    if (r->nsubjects == 0) {
        doc_para(d, NULL, text(r, TT_TEXT_EVENTS_NONE));
        return TT_OK;
    }
    doc_para(d, NULL, text(r, TT_TEXT_EVENTS_INTRO));
    for (size_t i = 0; i < r->nsubjects && d->st == TT_OK; i++) {
        const subject *s = &r->subjects[i];
        char heading[SENTENCE], number[32], anchor[32];
        subject_heading(r, s, heading, sizeof heading);
        snprintf(number, sizeof number, "2.%zu", i + 1);
        snprintf(anchor, sizeof anchor, "event-%zu", i + 1);
        doc_heading(d, 3, anchor, number, heading);
        said_state said;
        memset(&said, 0, sizeof said);
        for (size_t e = 0; e < s->nevents; e++)
            event_paragraphs(d, s, &s->events[e], &said);
        if (!s->by_country)
            kb_list(d, s);
        subject_figure(d, s);
    }
    return d->st;
}

static void write_references(doc *d)
{
    const tt_report *r = d->r;
    doc_heading(d, 2, "references", "3", text(r, TT_TEXT_SEC_REFERENCES));
    fputs(d->html ? "<ol class=\"refs\">\n" : "", d->out);
    for (size_t i = 0; i < r->nrefs; i++) {
        if (d->html) {
            fprintf(d->out, "<li id=\"ref-%zu\">[%zu] ", i + 1, i + 1);
            doc_text(d, r->refs[i].title);
            fputs("<br><a class=\"url\" href=\"", d->out);
            html_escape(d->out, r->refs[i].url, strlen(r->refs[i].url));
            fputs("\">", d->out);
            doc_text(d, r->refs[i].url);
            fputs("</a></li>\n", d->out);
        } else {
            fprintf(d->out, "<a id=\"ref-%zu\"></a>\\[%zu\\] ", i + 1, i + 1);
            doc_text(d, r->refs[i].title);
            fputs("  \n<", d->out);
            fputs(r->refs[i].url, d->out);
            fputs(">\n\n", d->out);
        }
    }
    fputs(d->html ? "</ol>\n" : "", d->out);
}

static void write_toc(doc *d)
{
    const tt_report *r = d->r;
    if (!d->html)
        return;
    fputs("<nav class=\"toc\" aria-labelledby=\"toc-title\"><h2 id=\"toc-title\">", d->out);
    doc_text(d, text(r, TT_TEXT_TOC));
    fputs("</h2>\n<ol>\n<li><a href=\"#overview\">", d->out);
    doc_text(d, text(r, TT_TEXT_SEC_OVERVIEW));
    fputs("</a></li>\n<li><a href=\"#events\">", d->out);
    doc_text(d, text(r, TT_TEXT_SEC_EVENTS));
    fputs("</a>", d->out);
    if (r->nsubjects) {
        fputs("\n<ol>\n", d->out);
        for (size_t i = 0; i < r->nsubjects; i++) {
            char heading[SENTENCE];
            subject_heading(r, &r->subjects[i], heading, sizeof heading);
            fprintf(d->out, "<li><a href=\"#event-%zu\">", i + 1);
            doc_text(d, heading);
            fputs("</a></li>\n", d->out);
        }
        fputs("</ol>\n", d->out);
    }
    fputs("</li>\n<li><a href=\"#references\">", d->out);
    doc_text(d, text(r, TT_TEXT_SEC_REFERENCES));
    fputs("</a></li>\n</ol>\n</nav>\n", d->out);
}

static void report_title(const tt_report *r, char *title, size_t len, char *subtitle, size_t sublen)
{
    char period[256], range[256], scope[256], region[160];
    title_period(r, period, sizeof period);
    expand(r, TT_TEXT_TITLE, title, len, VARS({"period", period}));
    range_text(r, r->period.first_day, r->period.last_day, range, sizeof range);
    if (r->region[0])
        expand(r, TT_TEXT_SCOPE_REGION, scope, sizeof scope,
               VARS({"region", region_name(r, region, sizeof region)}));
    else
        snprintf(scope, sizeof scope, "%s", text(r, TT_TEXT_SCOPE_ALL));
    expand(r, TT_TEXT_SUBTITLE, subtitle, sublen, VARS({"range", range}, {"tz", r->tz}, {"scope", scope}));
}

static tt_status write_document(const tt_report *r, FILE *out, bool html, char *err, size_t errlen)
{
    doc d = {out, r, html, 0, 0, TT_OK, err, errlen};
    char title[SENTENCE], subtitle[SENTENCE], footer[SENTENCE];
    report_title(r, title, sizeof title, subtitle, sizeof subtitle);
    expand(r, TT_TEXT_FOOTER, footer, sizeof footer, VARS({"version", TEITEN_VERSION}));
    if (html) {
        fprintf(out,
                "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"generator\" content=\"teiten %s\">\n<title>",
                r->opt.lang == TT_LANG_JA ? "ja" : "en", TEITEN_VERSION);
        doc_text(&d, title);
        fprintf(out,
                "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header class=\"head\">\n"
                "<p class=\"kicker\">teiten · Internet telescope</p>\n<h1>",
                report_css);
        doc_text(&d, title);
        fputs("</h1>\n<p class=\"subtitle\">", out);
        doc_text(&d, subtitle);
        fputs("</p>\n</header>\n", out);
        write_toc(&d);
    } else {
        fputs("# ", out);
        doc_text(&d, title);
        fputs("\n\n", out);
        doc_text(&d, subtitle);
        fputs("\n\n", out);
    }
    tt_status st = write_overview(&d);
    if (st == TT_OK)
        st = write_events(&d);
    if (st == TT_OK) {
        write_references(&d);
        if (html) {
            fputs("<footer>", out);
            doc_text(&d, footer);
            fputs("</footer>\n</main>\n</body>\n</html>\n", out);
        } else {
            fputs("---\n\n", out);
            doc_text(&d, footer);
            fputc('\n', out);
        }
    }
    if (st != TT_OK && err[0] == '\0')
        snprintf(err, errlen, "%s", tt_strerror(st));
    return st;
}

/* ------------------------------------------------------------- JSON */

static void json_date(FILE *out, int32_t day)
{
    char date[16];
    fprintf(out, "\"%s\"", tt_format_date(day, date, sizeof date));
}

static void json_values(FILE *out, const double *values, int32_t n)
{
    fputc('[', out);
    for (int32_t i = 0; i < n; i++)
        fprintf(out, "%s%.0f", i ? ", " : "", values[i]);
    fputc(']', out);
}

static void json_ranking(const tt_report *r, FILE *out, const ranked *rows, size_t n, size_t charted,
                         bool countries)
{
    fputs("[", out);
    for (size_t i = 0; i < n; i++) {
        const ranked *row = &rows[i];
        fprintf(out, "%s\n    {\"rank\": %zu, ", i ? "," : "", i + 1);
        if (countries) {
            fputs("\"cc\": ", out);
            tt_json_string(out, row->id);
            fputs(", \"name\": ", out);
            tt_json_string(out, row->label);
        } else {
            fputs("\"key\": ", out);
            tt_json_string(out, row->id);
            const char *proto = tt_proto_name(row->proto);
            if (proto) {
                fputs(", \"proto\": ", out);
                tt_json_string(out, proto);
            } else {
                fprintf(out, ", \"proto\": %u", row->proto);
            }
            fprintf(out, ", \"port\": %d, \"service\": ", row->port);
            if (row->service[0])
                tt_json_string(out, row->service);
            else
                fputs("null", out);
            fputs(", \"label\": ", out);
            tt_json_string(out, row->label);
        }
        fprintf(out,
                ", \"packets\": %llu, \"share\": %.4f, \"prev_rank\": ", (unsigned long long)row->packets,
                share_of(row->packets, r->packets) / 100.0);
        if (row->prev_rank && r->prev_packets)
            fprintf(out, "%d", row->prev_rank);
        else
            fputs("null", out);
        if (i < charted) {
            fputs(", \"color\": ", out);
            tt_json_string(out, row->color);
        }
        fputc('}', out);
    }
    fputs(n ? "\n  ]" : "]", out);
}

static void json_chart(const tt_report *r, FILE *out, const ranked *rows, size_t n)
{
    fputs("{\"from\": ", out);
    json_date(out, r->period.first_day);
    fputs(", \"series\": [", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s\n    {\"key\": ", i ? "," : "");
        tt_json_string(out, rows[i].id);
        fputs(", \"label\": ", out);
        tt_json_string(out, rows[i].label);
        fputs(", \"color\": ", out);
        tt_json_string(out, rows[i].color);
        fputs(", \"packets\": ", out);
        json_values(out, rows[i].series, r->period.last_day - r->period.first_day + 1);
        fputc('}', out);
    }
    fputs(n ? "\n  ]}" : "]}", out);
}

static void json_shares(FILE *out, const char *key_name, const tt_event_share *shares, size_t n)
{
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s{\"%s\": ", i ? ", " : "", key_name);
        tt_json_string(out, shares[i].key);
        fprintf(out, ", \"share\": %.4f, \"packets\": %llu}", shares[i].share,
                (unsigned long long)shares[i].packets);
    }
    fputc(']', out);
}

static void json_event(const tt_report *r, FILE *out, const subject *s, const tt_event *e)
{
    fputs("\n        {\"kind\": ", out);
    tt_json_string(out, tt_event_kind_name(e->kind));
    fputs(", \"start\": ", out);
    json_date(out, e->start);
    fputs(", \"end\": ", out);
    json_date(out, e->end);
    fputs(", \"peak\": ", out);
    json_date(out, e->peak);
    int32_t peak_index = e->peak - r->hist_first;
    double peak_value = peak_index >= 0 && peak_index < r->hist_days ? s->history[peak_index] : 0;
    fprintf(out, ", \"peak_packets\": %.0f, \"packets\": %llu, \"baseline\": %.2f, \"ratio\": %.2f",
            peak_value, (unsigned long long)e->packets, e->baseline, e->ratio);
    fputs(",\n         \"top_countries\": ", out);
    json_shares(out, "cc", e->top_countries, e->ntop_countries);
    if (e->kind == TT_EVENT_RANK_JUMP)
        fprintf(out, ", \"rank\": %d, \"prev_rank\": %d", e->rank, e->prev_rank);
    if (e->ntop_ports) {
        fputs(",\n         \"top_ports\": ", out);
        json_shares(out, "port", e->top_ports, e->ntop_ports);
    }
    fputs(",\n         \"top_sources\": ", out);
    json_shares(out, "ip", e->top_sources, e->ntop_sources);
    fprintf(out,
            ",\n         \"single_source\": %s, \"sources_before\": %llu, \"sources_during\": %llu, "
            "\"sensors\": ",
            e->single_source ? "true" : "false", (unsigned long long)e->sources_before,
            (unsigned long long)e->sources_during);
    tt_json_string(out, e->sensors);
    fputs(",\n         \"tools\": ", out);
    json_shares(out, "tool", e->tools, e->ntools);
    fputs(", \"os\": ", out);
    json_shares(out, "os", e->os, e->nos);
    fputs(",\n         \"history\": ", out);
    json_shares(out, "port", e->history, e->nhistory);
    fputs(", \"history_summary\": ", out);
    tt_json_string(out, e->history_summary);
    fputc('}', out);
}

static tt_status write_json(const tt_report *r, FILE *out)
{
    char title[SENTENCE], subtitle[SENTENCE], quarter[16] = "";
    report_title(r, title, sizeof title, subtitle, sizeof subtitle);
    if (r->opt.quarter) {
        int y;
        unsigned m, d;
        tt_civil_from_days(r->period.first_day, &y, &m, &d);
        snprintf(quarter, sizeof quarter, "%dQ%u", y, (m - 1) / 3 + 1);
    }
    fputs("{\"lang\": ", out);
    tt_json_string(out, r->opt.lang == TT_LANG_JA ? "ja" : "en");
    fputs(", \"title\": ", out);
    tt_json_string(out, title);
    fputs(",\n \"period\": {\"from\": ", out);
    json_date(out, r->period.first_day);
    fputs(", \"to\": ", out);
    json_date(out, r->period.last_day);
    fprintf(out, ", \"days\": %d, \"quarter\": ", r->period.last_day - r->period.first_day + 1);
    if (quarter[0])
        tt_json_string(out, quarter);
    else
        fputs("null", out);
    fputs(", \"tz\": ", out);
    tt_json_string(out, r->tz);
    fputs("},\n \"previous_period\": {\"from\": ", out);
    json_date(out, r->prev.first_day);
    fputs(", \"to\": ", out);
    json_date(out, r->prev.last_day);
    fprintf(out,
            ", \"days\": %d, \"packets\": %llu},\n \"region\": ", r->prev.last_day - r->prev.first_day + 1,
            (unsigned long long)r->prev_packets);
    if (r->region[0])
        tt_json_string(out, r->region);
    else
        fputs("null", out);
    fputs(",\n \"sensors\": [", out);
    for (size_t i = 0; i < r->nsensors; i++) {
        fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
        tt_json_string(out, r->sensors[i].name);
        fputs(", \"region\": ", out);
        tt_json_string(out, r->sensors[i].region);
        fputs(", \"location\": ", out);
        tt_json_string(out, r->sensors[i].location);
        fprintf(out, ", \"packets\": %llu, \"coverage\": ", (unsigned long long)r->sensors[i].packets);
        if (r->sensors[i].coverage >= 0)
            fprintf(out, "%.4f", r->sensors[i].coverage);
        else
            fputs("null", out);
        fprintf(out, ", \"gaps\": %u, \"gap_packets\": %llu}", r->sensors[i].gaps,
                (unsigned long long)r->sensors[i].gap_packets);
    }
    fprintf(out, "%s],\n \"sensors_in_store\": %zu,\n", r->nsensors ? "\n  " : "", r->all_sensors);
    int32_t days = r->period.last_day - r->period.first_day + 1;
    fprintf(out,
            " \"totals\": {\"packets\": %llu, \"bytes\": %llu, \"per_day\": %.1f, \"ports\": %zu, "
            "\"countries\": %zu, \"previous_packets\": %llu, \"change\": ",
            (unsigned long long)r->packets, (unsigned long long)r->bytes,
            days > 0 ? (double)r->packets / days : 0.0, r->distinct_ports, r->distinct_countries,
            (unsigned long long)r->prev_packets);
    if (r->prev_packets)
        fprintf(out, "%.4f", ((double)r->packets - (double)r->prev_packets) / (double)r->prev_packets);
    else
        fputs("null", out);
    fputs("},\n \"top_ports\": ", out);
    json_ranking(r, out, r->ports, r->nports, r->chart_ports, false);
    fputs(",\n \"top_countries\": ", out);
    json_ranking(r, out, r->countries, r->ncountries, r->chart_countries, true);
    fputs(",\n \"port_series\": ", out);
    json_chart(r, out, r->ports, r->chart_ports);
    fputs(",\n \"country_series\": ", out);
    json_chart(r, out, r->countries, r->chart_countries);
    fputs(",\n \"events\": [", out);
    for (size_t i = 0; i < r->nsubjects; i++) {
        const subject *s = &r->subjects[i];
        char heading[SENTENCE];
        subject_heading(r, s, heading, sizeof heading);
        fprintf(out, "%s\n    {\"section\": \"2.%zu\", \"subject\": ", i ? "," : "", i + 1);
        tt_json_string(out, s->id);
        fprintf(out, ", \"by_country\": %s, \"label\": ", s->by_country ? "true" : "false");
        tt_json_string(out, s->label);
        fputs(", \"heading\": ", out);
        tt_json_string(out, heading);
        fprintf(out, ", \"packets\": %llu, \"color\": ", (unsigned long long)s->packets);
        tt_json_string(out, s->color);
        fputs(",\n     \"category\": ", out);
        if (s->category)
            tt_json_string(out, s->category);
        else
            fputs("null", out);
        fputs(", \"kb\": [", out);
        for (size_t k = 0; k < s->nkb; k++) {
            const tt_kb_entry *e = s->kb[k];
            fprintf(out, "%s{\"id\": ", k ? ", " : "");
            tt_json_string(out, e->id);
            fputs(", \"title\": ", out);
            tt_json_string(out, e->title);
            fputs(", \"date\": ", out);
            tt_json_string(out, e->date);
            fprintf(out, ", \"ref\": %d}", s->kb_ref[k]);
        }
        fputs("],\n     \"history\": {\"from\": ", out);
        json_date(out, r->hist_first);
        fputs(", \"packets\": ", out);
        json_values(out, s->history, r->hist_days);
        fputs("},\n     \"episodes\": [", out);
        for (size_t e = 0; e < s->nevents; e++) {
            if (e)
                fputc(',', out);
            json_event(r, out, s, &s->events[e]);
        }
        fputs("]}", out);
    }
    fputs(r->nsubjects ? "\n  ],\n" : "],\n", out);
    fputs(" \"references\": [", out);
    for (size_t i = 0; i < r->nrefs; i++) {
        fprintf(out, "%s\n    {\"n\": %zu, \"title\": ", i ? "," : "", i + 1);
        tt_json_string(out, r->refs[i].title);
        fputs(", \"url\": ", out);
        tt_json_string(out, r->refs[i].url);
        fputc('}', out);
    }
    fputs(r->nrefs ? "\n  ]}\n" : "]}\n", out);
    return TT_OK;
}


tt_status tt_report_write(const tt_report *r, FILE *out, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    tt_status st = r->opt.format == TT_REPORT_JSON
                       ? write_json(r, out)
                       : write_document(r, out, r->opt.format == TT_REPORT_HTML, err, errlen);
    if (st == TT_OK && ferror(out)) {
        snprintf(err, errlen, "cannot write the report");
        st = TT_ERR_IO;
    }
    return st;
}
