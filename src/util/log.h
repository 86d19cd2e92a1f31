/* Diagnostics to stderr, prefixed "teiten: ". */
#ifndef TT_UTIL_LOG_H
#define TT_UTIL_LOG_H

#include <stdbool.h>

void tt_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --quiet silences info lines. */
void tt_log_set_quiet(bool quiet);

#endif
