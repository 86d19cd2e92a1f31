/* Diagnostics to stderr, prefixed "teiten: ". */
#ifndef TT_UTIL_LOG_H
#define TT_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

void tt_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes a message into a caller's error buffer; err may be NULL or errlen 0. */
void tt_format_message(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* --quiet silences info lines. */
void tt_log_set_quiet(bool quiet);

#endif
