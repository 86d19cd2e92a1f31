/* Reader for teiten's INI-style configuration files:
 *   # comment
 *   [section]            or   [section NAME]
 *   key = value
 * Every key/value is handed to a callback with its section, section name and
 * line number; errors name file:line. */
#ifndef TT_UTIL_CONFIG_H
#define TT_UTIL_CONFIG_H

#include <stddef.h>

#include "util/status.h"

typedef struct tt_config_entry {
    const char *file;
    unsigned line;
    const char *section;      /* "" before any section header */
    const char *section_name; /* text after the section word, "" if none */
    const char *key;
    const char *value;
} tt_config_entry;

/* Return TT_OK to go on; anything else stops parsing. The callback writes its
 * own message into err (it gets file:line from the entry). Called with key
 * NULL once for each section header, so empty sections are seen too. */
typedef tt_status (*tt_config_fn)(void *ctx, const tt_config_entry *entry, char *err, size_t errlen);

TT_MUST_CHECK tt_status tt_config_parse_text(const char *text, size_t len, const char *file,
                                             tt_config_fn fn, void *ctx, char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_config_parse_file(const char *path, tt_config_fn fn, void *ctx, char *err,
                                             size_t errlen);

#endif
