/* Bounded whole-file reader. */
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

tt_status tt_file_read_all(const char *path, size_t max, tt_buf *out, char *err, size_t errlen)
{
    tt_buf_reset(out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int saved = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        errno = saved;
        return TT_ERR_IO;
    }
    tt_status st = TT_OK;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > max) {
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
            st = TT_ERR_FORMAT;
            break;
        }
        if ((st = tt_buf_append(out, chunk, n)) != TT_OK) {
            snprintf(err, errlen, "%s: out of memory", path);
            break;
        }
    }
    if (st == TT_OK && ferror(f)) {
        int saved = errno;
        snprintf(err, errlen, "%s: read error: %s", path, strerror(saved));
        st = TT_ERR_IO;
    }
    fclose(f);
    if (st == TT_OK && out->len == 0 && tt_buf_append(out, "", 0) != TT_OK)
        st = TT_ERR_NOMEM; /* keep data non-NULL and NUL-terminated */
    return st;
}
