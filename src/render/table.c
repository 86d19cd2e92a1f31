/* Table, JSON and CSV rendering of query results. */
#include "render/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

bool tt_format_parse(const char *text, tt_format *out)
{
    if (strcmp(text, "table") == 0)
        *out = TT_FORMAT_TABLE;
    else if (strcmp(text, "json") == 0)
        *out = TT_FORMAT_JSON;
    else if (strcmp(text, "csv") == 0)
        *out = TT_FORMAT_CSV;
    else
        return false;
    return true;
}

void tt_table_init(tt_table *t, const char **columns, size_t ncolumns)
{
    memset(t, 0, sizeof *t);
    t->columns = columns;
    t->ncolumns = ncolumns;
    t->real_digits = 4;
}

void tt_table_free(tt_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncolumns; i++)
        if (t->cells[i].type == TT_CELL_TEXT)
            free(t->cells[i].v.s);
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap_rows = 0;
}

tt_cell *tt_table_add_row(tt_table *t)
{
    if (t->nrows >= TT_LIMIT_RESULT_ROWS)
        return NULL;
    if (t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        tt_cell *p = realloc(t->cells, cap * t->ncolumns * sizeof *p);
        if (p == NULL)
            return NULL;
        t->cells = p;
        t->cap_rows = cap;
    }
    tt_cell *row = &t->cells[t->nrows * t->ncolumns];
    memset(row, 0, t->ncolumns * sizeof *row);
    t->nrows++;
    return row;
}

void tt_cell_int(tt_cell *c, int64_t v)
{
    c->type = TT_CELL_INT;
    c->v.i = v;
}

void tt_cell_real(tt_cell *c, double v)
{
    c->type = TT_CELL_REAL;
    c->v.r = v;
}

tt_status tt_cell_text(tt_cell *c, const char *s)
{
    char *copy = strdup(s ? s : "");
    if (copy == NULL)
        return TT_ERR_NOMEM;
    c->type = TT_CELL_TEXT;
    c->v.s = copy;
    return TT_OK;
}

void tt_cell_null(tt_cell *c, const char *display)
{
    c->type = TT_CELL_NULL;
    c->display = display;
}

void tt_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void cell_text(const tt_table *t, const tt_cell *c, char *buf, size_t len, bool for_table)
{
    switch (c->type) {
    case TT_CELL_NULL:
        snprintf(buf, len, "%s", for_table && c->display ? c->display : "");
        break;
    case TT_CELL_INT: snprintf(buf, len, "%lld", (long long)c->v.i); break;
    case TT_CELL_REAL: snprintf(buf, len, "%.*f", t->real_digits, c->v.r); break;
    case TT_CELL_TEXT: snprintf(buf, len, "%s", c->v.s); break;
    }
}

static void json_cell(FILE *out, const tt_cell *c)
{
    switch (c->type) {
    case TT_CELL_NULL: fputs("null", out); break;
    case TT_CELL_INT: fprintf(out, "%lld", (long long)c->v.i); break;
    case TT_CELL_REAL:
        if (isfinite(c->v.r))
            fprintf(out, "%.6g", c->v.r);
        else
            fputs("null", out);
        break;
    case TT_CELL_TEXT: tt_json_string(out, c->v.s); break;
    }
}

tt_status tt_table_print_json_array(const tt_table *t, FILE *out, int indent)
{
    if (t->nrows == 0) {
        fputs("[]", out);
        return TT_OK;
    }
    fputs("[\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
        fprintf(out, "%*s{", indent + 2, "");
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (c)
                fputs(", ", out);
            tt_json_string(out, t->columns[c]);
            fputs(": ", out);
            json_cell(out, &t->cells[r * t->ncolumns + c]);
        }
        fprintf(out, "}%s\n", r + 1 < t->nrows ? "," : "");
    }
    fprintf(out, "%*s]", indent, "");
    return TT_OK;
}

typedef struct sort_ref {
    int64_t value;
    size_t row;
} sort_ref;

static int sort_ref_desc(const void *a, const void *b)
{
    const sort_ref *ra = a, *rb = b;
    if (ra->value != rb->value)
        return ra->value < rb->value ? 1 : -1;
    return (ra->row > rb->row) - (ra->row < rb->row); /* stable */
}

void tt_table_sort_int_desc(tt_table *t, size_t column)
{
    if (t->nrows < 2 || column >= t->ncolumns)
        return;
    size_t width = t->ncolumns;
    sort_ref *refs = malloc(t->nrows * sizeof *refs);
    tt_cell *sorted = malloc(t->nrows * width * sizeof *sorted);
    if (refs && sorted) {
        for (size_t i = 0; i < t->nrows; i++)
            refs[i] = (sort_ref){t->cells[i * width + column].v.i, i};
        qsort(refs, t->nrows, sizeof *refs, sort_ref_desc);
        for (size_t i = 0; i < t->nrows; i++)
            memcpy(&sorted[i * width], &t->cells[refs[i].row * width], width * sizeof *sorted);
        memcpy(t->cells, sorted, t->nrows * width * sizeof *sorted);
    }
    free(refs);
    free(sorted);
}

void tt_table_truncate(tt_table *t, size_t n)
{
    while (t->nrows > n) {
        t->nrows--;
        for (size_t c = 0; c < t->ncolumns; c++)
            if (t->cells[t->nrows * t->ncolumns + c].type == TT_CELL_TEXT)
                free(t->cells[t->nrows * t->ncolumns + c].v.s);
    }
}

static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static bool column_is_numeric(const tt_table *t, size_t c)
{
    for (size_t r = 0; r < t->nrows; r++) {
        tt_cell_type type = t->cells[r * t->ncolumns + c].type;
        if (type == TT_CELL_TEXT)
            return false;
    }
    return true;
}

/* Display width of UTF-8 text: counts code points, wide for CJK ranges. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp;
        int n;
        if (*p < 0x80) { cp = *p; n = 1; }
        else if ((*p & 0xe0) == 0xc0) { cp = *p & 0x1f; n = 2; }
        else if ((*p & 0xf0) == 0xe0) { cp = *p & 0x0f; n = 3; }
        else { cp = *p & 0x07; n = 4; }
        int k = 1;
        for (; k < n && (p[k] & 0xc0) == 0x80; k++)
            cp = cp << 6 | (p[k] & 0x3f);
        p += k;
        w += (cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                               (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                               (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6)))
                 ? 2 : 1;
    }
    return w;
}

static void print_padded(FILE *out, const char *s, size_t width, bool right, bool last)
{
    size_t w = text_width(s);
    size_t pad = width > w ? width - w : 0;
    if (right)
        fprintf(out, "%*s%s", (int)pad, "", s);
    else if (last)
        fputs(s, out); /* no trailing blanks */
    else
        fprintf(out, "%s%*s", s, (int)pad, "");
}

tt_status tt_table_print(const tt_table *t, tt_format format, FILE *out)
{
    char buf[1024];
    if (format == TT_FORMAT_JSON) {
        tt_status st = tt_table_print_json_array(t, out, 0);
        fputc('\n', out);
        return st;
    }
    if (format == TT_FORMAT_CSV) {
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, t->columns[c]);
        }
        fputc('\n', out);
        for (size_t r = 0; r < t->nrows; r++) {
            for (size_t c = 0; c < t->ncolumns; c++) {
                if (c)
                    fputc(',', out);
                cell_text(t, &t->cells[r * t->ncolumns + c], buf, sizeof buf, false);
                csv_field(out, buf);
            }
            fputc('\n', out);
        }
        return TT_OK;
    }
    size_t *width = calloc(t->ncolumns, sizeof *width);
    bool *numeric = calloc(t->ncolumns, sizeof *numeric);
    if (width == NULL || numeric == NULL) {
        free(width);
        free(numeric);
        return TT_ERR_NOMEM;
    }
    for (size_t c = 0; c < t->ncolumns; c++) {
        width[c] = text_width(t->columns[c]);
        numeric[c] = column_is_numeric(t, c);
        for (size_t r = 0; r < t->nrows; r++) {
            cell_text(t, &t->cells[r * t->ncolumns + c], buf, sizeof buf, true);
            size_t w = text_width(buf);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (c)
            fputs("  ", out);
        print_padded(out, t->columns[c], width[c], numeric[c], c + 1 == t->ncolumns);
    }
    fputc('\n', out);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (c)
                fputs("  ", out);
            cell_text(t, &t->cells[r * t->ncolumns + c], buf, sizeof buf, true);
            print_padded(out, buf, width[c], numeric[c], c + 1 == t->ncolumns);
        }
        fputc('\n', out);
    }
    free(width);
    free(numeric);
    return TT_OK;
}
