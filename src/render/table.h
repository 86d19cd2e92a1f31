/* Query results as a table of typed cells, printed as an aligned text
 * table, JSON (an array of row objects) or CSV. Queries fill a tt_table;
 * renderers never know which query produced it. */
#ifndef TT_RENDER_TABLE_H
#define TT_RENDER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/status.h"

typedef enum tt_cell_type {
    TT_CELL_NULL = 0,
    TT_CELL_INT,
    TT_CELL_REAL,
    TT_CELL_TEXT,
} tt_cell_type;

typedef struct tt_cell {
    tt_cell_type type;
    union {
        int64_t i;
        double r;
        char *s; /* owned by the table */
    } v;
    const char *display; /* text shown in table format for NULL (e.g. "out of top 10") */
} tt_cell;

typedef struct tt_table {
    const char **columns; /* names = JSON keys = CSV header; borrowed static strings */
    size_t ncolumns;
    tt_cell *cells; /* nrows * ncolumns */
    size_t nrows, cap_rows;
    int real_digits; /* decimals for REAL cells in table/CSV format */
} tt_table;

typedef enum tt_format {
    TT_FORMAT_TABLE = 0,
    TT_FORMAT_JSON,
    TT_FORMAT_CSV,
} tt_format;

TT_MUST_CHECK bool tt_format_parse(const char *text, tt_format *out);

void tt_table_init(tt_table *t, const char **columns, size_t ncolumns);
void tt_table_free(tt_table *t);
/* Appends an all-NULL row and returns a pointer to its cells, or NULL. */
tt_cell *tt_table_add_row(tt_table *t);
void tt_cell_int(tt_cell *c, int64_t v);
void tt_cell_real(tt_cell *c, double v);
TT_MUST_CHECK tt_status tt_cell_text(tt_cell *c, const char *s);
void tt_cell_null(tt_cell *c, const char *display);

/* Orders rows by an integer column, largest first (stable). */
void tt_table_sort_int_desc(tt_table *t, size_t column);
/* Keeps at most n rows. */
void tt_table_truncate(tt_table *t, size_t n);

/* Writes the table. For JSON, an array of objects. */
TT_MUST_CHECK tt_status tt_table_print(const tt_table *t, tt_format format, FILE *out);
/* JSON text for one row (an object), used to nest tables inside objects. */
TT_MUST_CHECK tt_status tt_table_print_json_array(const tt_table *t, FILE *out, int indent);

/* JSON string escaping. */
void tt_json_string(FILE *out, const char *s);

#endif
