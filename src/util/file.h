/* Whole-file reading for the configuration-like inputs (configuration, p0f
 * signatures, prefix lists, services): one bounded reader, one set of messages. */
#ifndef TT_UTIL_FILE_H
#define TT_UTIL_FILE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/status.h"

/* Replaces out's content with the file's bytes (NUL-terminated, the NUL not
 * counted). Fails with TT_ERR_IO (cannot open/read; errno kept) or
 * TT_ERR_FORMAT (larger than max bytes); err names the file. */
TT_MUST_CHECK tt_status tt_file_read_all(const char *path, size_t max, tt_buf *out, char *err, size_t errlen);

#endif
