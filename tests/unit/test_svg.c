/* SVG charts (render/svg.h): nice ticks, scaling, escaping, stable colours,
 * a whole chart; and the report's text helpers the charts and captions use
 * (render/report.h: templates, dates, numbers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/report.h"
#include "render/svg.h"
#include "util/parse.h"

static void check_ticks(double lo, double hi, int target, bool integer_steps, double min, double max,
                        double step, size_t n)
{
    tt_svg_ticks t;
    tt_svg_nice_ticks(lo, hi, target, integer_steps, &t);
    CHECK(fabs(t.min - min) < 1e-9);
    CHECK(fabs(t.max - max) < 1e-9);
    CHECK(fabs(t.step - step) < 1e-9);
    CHECK_EQ_INT(t.n, n);
    if (fabs(t.max - max) >= 1e-9 || fabs(t.step - step) >= 1e-9)
        fprintf(stderr, "  ticks(%g, %g): min %g max %g step %g n %zu\n", lo, hi, t.min, t.max, t.step, t.n);
}

static void test_nice_ticks(void)
{
    check_ticks(0, 1234, 5, true, 0, 1500, 500, 4);
    check_ticks(0, 97, 5, true, 0, 100, 20, 6);
    check_ticks(0, 1000000, 5, true, 0, 1000000, 200000, 6);
    check_ticks(0, 1436, 5, true, 0, 1500, 500, 4);
    check_ticks(0, 523, 5, true, 0, 600, 200, 4);
    check_ticks(3, 8, 5, false, 3, 8, 1, 6);
    check_ticks(0, 0.5, 5, false, 0, 0.5, 0.1, 6);
    /* Counts never get fractional steps. */
    check_ticks(0, 3, 5, true, 0, 3, 1, 4);
    /* Flat or empty ranges still give an axis. */
    check_ticks(0, 0, 5, true, 0, 1, 1, 2);
    check_ticks(7, 7, 5, true, 7, 8, 1, 2);
    check_ticks(0, NAN, 5, true, 0, 1, 1, 2);
    /* Every value is covered and the tick count stays near the target. */
    for (double hi = 1; hi < 1e9; hi *= 1.37) {
        tt_svg_ticks t;
        tt_svg_nice_ticks(0, hi, 5, true, &t);
        CHECK(t.min <= 0 && t.max >= hi);
        CHECK(t.n >= 2 && t.n <= 11);
        double mantissa = t.step / pow(10, floor(log10(t.step)));
        CHECK(fabs(mantissa - 1) < 1e-9 || fabs(mantissa - 2) < 1e-9 || fabs(mantissa - 5) < 1e-9);
    }
}

static void test_scale(void)
{
    CHECK(fabs(tt_svg_scale(5, 0, 10, 100, 0) - 50) < 1e-9);
    CHECK(fabs(tt_svg_scale(0, 0, 10, 100, 0) - 100) < 1e-9);
    CHECK(fabs(tt_svg_scale(10, 0, 10, 100, 0) - 0) < 1e-9);
    CHECK(fabs(tt_svg_scale(2, 1, 3, 10, 20) - 15) < 1e-9);
    CHECK(fabs(tt_svg_scale(42, 3, 3, 10, 20) - 10) < 1e-9); /* empty domain */
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    fn(f, arg);
    fclose(f);
    return text;
}

static void escape_into(FILE *f, const void *arg)
{
    tt_svg_escape(f, arg);
}

static void test_escape(void)
{
    char *s = capture(escape_into, "<a href=\"x\">Tom & 'Jerry'</a>");
    CHECK_EQ_STR(s, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    free(s);
    s = capture(escape_into, "中国 23/TCP (telnet)");
    CHECK_EQ_STR(s, "中国 23/TCP (telnet)"); /* UTF-8 passes through */
    free(s);
    s = capture(escape_into, NULL);
    CHECK_EQ_STR(s, "");
    free(s);
}

static void test_format_count(void)
{
    char buf[32];
    CHECK_EQ_STR(tt_svg_format_count(0, buf, sizeof buf), "0");
    CHECK_EQ_STR(tt_svg_format_count(999, buf, sizeof buf), "999");
    CHECK_EQ_STR(tt_svg_format_count(1000, buf, sizeof buf), "1,000");
    CHECK_EQ_STR(tt_svg_format_count(1234567, buf, sizeof buf), "1,234,567");
    CHECK_EQ_STR(tt_svg_format_count(-1234, buf, sizeof buf), "-1,234");
    CHECK_EQ_STR(tt_svg_format_count(2.6, buf, sizeof buf), "3");
    char small[4];
    CHECK_EQ_STR(tt_svg_format_count(123456, small, sizeof small), "123"); /* cut, terminated */
}

static void test_colors(void)
{
    /* The hash is FNV-1a: these are pinned so a series keeps its colour
     * from one release to the next. */
    CHECK_EQ_INT(tt_svg_color_index("23/tcp"), 8);
    CHECK_EQ_INT(tt_svg_color_index("53413/udp"), 7);
    CHECK_EQ_INT(tt_svg_color_index("CN"), 4);
    CHECK_EQ_STR(tt_svg_color("23/tcp"), tt_svg_color("23/tcp"));
    CHECK(strlen(tt_svg_color("x")) == 7 && tt_svg_color("x")[0] == '#');

    /* A palette gives a key its hashed colour when free, and distinct
     * colours to up to TT_SVG_PALETTE_SIZE keys. */
    tt_svg_palette p;
    tt_svg_palette_init(&p);
    CHECK_EQ_STR(tt_svg_palette_color(&p, "23/tcp"), tt_svg_color("23/tcp"));
    const char *keys[TT_SVG_PALETTE_SIZE] = {"23/tcp", "0/icmp", "53413/udp", "445/tcp",  "1433/tcp",
                                             "22/tcp", "80/tcp", "3389/tcp",  "8080/tcp", "9600/tcp"};
    const char *colors[TT_SVG_PALETTE_SIZE];
    for (size_t i = 0; i < TT_SVG_PALETTE_SIZE; i++)
        colors[i] = tt_svg_palette_color(&p, keys[i]);
    for (size_t i = 0; i < TT_SVG_PALETTE_SIZE; i++)
        for (size_t k = i + 1; k < TT_SVG_PALETTE_SIZE; k++)
            CHECK(strcmp(colors[i], colors[k]) != 0);
    /* Asking again gives the same colour; an eleventh key shares one. */
    for (size_t i = 0; i < TT_SVG_PALETTE_SIZE; i++)
        CHECK_EQ_STR(tt_svg_palette_color(&p, keys[i]), colors[i]);
    CHECK(tt_svg_palette_color(&p, "5555/tcp") != NULL);
    /* A second document assigns the same colours in the same order. */
    tt_svg_palette q;
    tt_svg_palette_init(&q);
    for (size_t i = 0; i < TT_SVG_PALETTE_SIZE; i++)
        CHECK_EQ_STR(tt_svg_palette_color(&q, keys[i]), colors[i]);
}

static const char *day_label(int32_t day, bool month_start, char *buf, size_t len)
{
    (void)month_start;
    return tt_report_axis_day(TT_LANG_EN, day, buf, len);
}

static size_t count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void chart_into(FILE *f, const void *arg)
{
    CHECK(tt_svg_line_chart(arg, f) == TT_OK);
}

static void test_chart(void)
{
    enum { DAYS = 92 };
    static double a[DAYS], b[DAYS];
    for (int i = 0; i < DAYS; i++) {
        a[i] = 500 + 100 * sin(i / 5.0);
        b[i] = i == 57 ? 1436 : 20;
    }
    int32_t first;
    CHECK(tt_parse_date("2015-10-01", &first));
    tt_svg_series series[2] = {{"23/tcp", "23/TCP (telnet)", a, NULL},
                               {"53413/udp", "A&B <x>", b, "#123456"}};
    tt_svg_band band = {57, 58, "burst"};
    tt_svg_chart chart = {.id = "fig1",
                          .title = "Figure 1. Daily packets",
                          .desc = "two series",
                          .y_label = "packets per day",
                          .first_day = first,
                          .ndays = DAYS,
                          .series = series,
                          .nseries = 2,
                          .bands = &band,
                          .nbands = 1,
                          .day_label = day_label};
    char *svg = capture(chart_into, &chart);
    CHECK(svg != NULL);
    if (svg == NULL)
        return;
    CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    CHECK(strcmp(svg + strlen(svg) - 7, "</svg>\n") == 0);
    CHECK(strstr(svg, "viewBox=\"0 0 760 320\"") != NULL);
    CHECK(strstr(svg, "<title id=\"fig1-title\">Figure 1. Daily packets</title>") != NULL);
    CHECK(strstr(svg, "aria-labelledby=\"fig1-title fig1-desc\"") != NULL);
    CHECK_EQ_INT(count(svg, "<polyline"), 2);
    CHECK_EQ_INT(count(svg, "<text"), count(svg, "</text>"));
    CHECK(strstr(svg, "stroke=\"#123456\"") != NULL);        /* explicit colour */
    CHECK(strstr(svg, tt_svg_color("23/tcp")) != NULL);      /* hashed colour */
    CHECK(strstr(svg, ">A&amp;B &lt;x&gt;</text>") != NULL); /* legend escaped */
    CHECK(strstr(svg, ">1,500</text>") != NULL);             /* y ticks, grouped */
    CHECK(strstr(svg, ">1 Oct</text>") != NULL && strstr(svg, ">15 Dec</text>") != NULL); /* 1st/15th */
    CHECK(strstr(svg, ">burst</text>") != NULL);
    CHECK(strstr(svg, "fill-opacity") != NULL);
    CHECK(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL && strstr(svg, "(null)") == NULL);
    CHECK(strstr(svg, "<script") == NULL &&
          strstr(svg, "http://") == strstr(svg, "http://www.w3.org/2000/svg"));
    /* Every coordinate lies inside the view box. */
    for (const char *p = strstr(svg, "points=\""); p; p = strstr(p + 1, "points=\"")) {
        const char *q = p + 8;
        while (*q && *q != '"') {
            char *end;
            double x = strtod(q, &end);
            CHECK(end != q && *end == ',');
            double y = strtod(end + 1, &end);
            CHECK(x >= 0 && x <= 760 && y >= 0 && y <= 320);
            q = *end == ' ' ? end + 1 : end;
            if (q == end && *q != '"')
                break;
        }
    }
    free(svg);

    /* Nothing to draw still gives a valid element. */
    tt_svg_chart empty = {.id = "e", .title = "empty"};
    svg = capture(chart_into, &empty);
    CHECK(svg && strstr(svg, "</svg>") != NULL);
    free(svg);

    /* Bounds. */
    tt_svg_series many[TT_SVG_MAX_SERIES + 1];
    for (size_t i = 0; i <= TT_SVG_MAX_SERIES; i++)
        many[i] = (tt_svg_series){"k", "k", a, NULL};
    tt_svg_chart too_many = {.ndays = 1, .series = many, .nseries = TT_SVG_MAX_SERIES + 1};
    FILE *sink = fopen("/dev/null", "w");
    CHECK(sink != NULL);
    if (sink) {
        CHECK(tt_svg_line_chart(&too_many, sink) == TT_ERR_USAGE);
        fclose(sink);
    }
}

/* ---- report text helpers ---------------------------------------------- */

static void test_expand(void)
{
    char buf[128];
    const tt_text_var vars[] = {{"port", "53413/UDP"}, {"n", "10"}, {"empty", NULL}};
    CHECK_EQ_STR(tt_report_expand("{port}宛のパケット（トップ{n}）", vars, 3, buf, sizeof buf),
                 "53413/UDP宛のパケット（トップ10）");
    CHECK_EQ_STR(tt_report_expand("{unknown} {n}{empty}", vars, 3, buf, sizeof buf), "{unknown} 10");
    CHECK_EQ_STR(tt_report_expand("open { brace", vars, 3, buf, sizeof buf), "open { brace");
    /* Cut on a UTF-8 boundary: "中国" is 6 bytes, 5 fit in 6 bytes of buffer. */
    char small[6];
    CHECK_EQ_STR(tt_report_expand("中国", vars, 0, small, sizeof small), "中");
    const tt_text_var cc[] = {{"c", "中国"}};
    CHECK_EQ_STR(tt_report_expand("ab{c}", cc, 1, small, sizeof small), "ab中");
    /* Every template exists in both languages. */
    for (int id = 0; id < TT_TEXT_COUNT; id++) {
        CHECK(tt_report_text(TT_LANG_JA, (tt_text_id)id)[0] != '\0');
        CHECK(tt_report_text(TT_LANG_EN, (tt_text_id)id)[0] != '\0');
    }
}

static void test_dates_numbers(void)
{
    char buf[96];
    int32_t d1 = 0, d2 = 0, d3 = 0, d4 = 0;
    CHECK(tt_parse_date("2015-11-27", &d1) && tt_parse_date("2015-11-28", &d2) &&
          tt_parse_date("2015-12-03", &d3) && tt_parse_date("2016-01-02", &d4));
    CHECK_EQ_STR(tt_report_date(TT_LANG_JA, d1, buf, sizeof buf), "2015年11月27日");
    CHECK_EQ_STR(tt_report_date(TT_LANG_EN, d1, buf, sizeof buf), "27 Nov 2015");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_JA, d1, d2, buf, sizeof buf), "2015年11月27日～28日");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_EN, d1, d2, buf, sizeof buf), "27–28 Nov 2015");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_JA, d1, d3, buf, sizeof buf), "2015年11月27日～12月3日");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_EN, d1, d3, buf, sizeof buf), "27 Nov – 3 Dec 2015");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_EN, d1, d4, buf, sizeof buf), "27 Nov 2015 – 2 Jan 2016");
    CHECK_EQ_STR(tt_report_date_range(TT_LANG_JA, d1, d1, buf, sizeof buf), "2015年11月27日");
    CHECK_EQ_STR(tt_report_date_span(TT_LANG_EN, d1, d2, buf, sizeof buf), "from 27 to 28 Nov 2015");
    CHECK_EQ_STR(tt_report_date_span(TT_LANG_EN, d1, d1, buf, sizeof buf), "on 27 Nov 2015");
    int32_t q4;
    CHECK(tt_parse_date("2015-10-01", &q4));
    CHECK_EQ_STR(tt_report_quarter(TT_LANG_JA, q4, buf, sizeof buf), "2015年10～12月");
    CHECK_EQ_STR(tt_report_quarter(TT_LANG_EN, q4, buf, sizeof buf), "October–December 2015");
    CHECK_EQ_STR(tt_report_axis_day(TT_LANG_JA, d1, buf, sizeof buf), "11/27");
    CHECK_EQ_STR(tt_report_axis_day(TT_LANG_EN, d1, buf, sizeof buf), "27 Nov");
    CHECK_EQ_STR(tt_report_count(0, buf, sizeof buf), "0");
    CHECK_EQ_STR(tt_report_count(18446744073709551615ULL, buf, sizeof buf), "18,446,744,073,709,551,615");
    CHECK_EQ_STR(tt_report_percent(12.34, buf, sizeof buf), "12.3%");
    CHECK_EQ_STR(tt_report_percent(0.01, buf, sizeof buf), "<0.1%");
    CHECK_EQ_STR(tt_report_ordinal(TT_LANG_EN, 1, buf, sizeof buf), "1st");
    CHECK_EQ_STR(tt_report_ordinal(TT_LANG_EN, 12, buf, sizeof buf), "12th");
    CHECK_EQ_STR(tt_report_ordinal(TT_LANG_EN, 23, buf, sizeof buf), "23rd");
    CHECK_EQ_STR(tt_report_ordinal(TT_LANG_JA, 2, buf, sizeof buf), "2");
}

static void test_names(void)
{
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_JA, "CN", "China"), "中国");
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_JA, "US", "United States of America"), "米国");
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_EN, "KR", "Korea, Republic of"), "South Korea");
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_JA, "IS", "Iceland"), "Iceland"); /* not in the table */
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_EN, "QQ", ""), "QQ");
    CHECK_EQ_STR(tt_report_country_name(TT_LANG_JA, "ZZ", NULL), "不明");
    CHECK_EQ_STR(tt_report_category_name(TT_LANG_JA, "ics"), "制御システム");
    CHECK_EQ_STR(tt_report_category_name(TT_LANG_EN, "new-category"), "new-category");
    CHECK(tt_report_tool_name(TT_LANG_EN, "other") == NULL);
    CHECK_EQ_STR(tt_report_tool_name(TT_LANG_EN, "zmap"), "ZMap");
    tt_report_lang lang;
    tt_report_format format;
    CHECK(tt_report_lang_parse("en", &lang) && lang == TT_LANG_EN);
    CHECK(!tt_report_lang_parse("fr", &lang));
    CHECK(tt_report_format_parse("md", &format) && format == TT_REPORT_MD);
    CHECK(!tt_report_format_parse("pdf", &format));
}

int main(void)
{
    test_nice_ticks();
    test_scale();
    test_escape();
    test_format_count();
    test_colors();
    test_chart();
    test_expand();
    test_dates_numbers();
    test_names();
    return check_report("test_svg");
}
