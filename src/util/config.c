/* INI-style configuration parser (bounded lines, file:line errors). */
#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/limits.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int valid_word(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

tt_status tt_config_parse_text(const char *text, size_t len, const char *file, tt_config_fn fn,
                               void *ctx, char *err, size_t errlen)
{
    char line[TT_LIMIT_CONFIG_LINE + 1];
    char section[TT_LIMIT_CONFIG_LINE + 1] = "", section_name[TT_LIMIT_CONFIG_LINE + 1] = "";
    size_t pos = 0;
    unsigned line_no = 0;
    while (pos < len) {
        line_no++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (line_len > TT_LIMIT_CONFIG_LINE) {
            snprintf(err, errlen, "%s:%u: line longer than %d bytes", file, line_no, TT_LIMIT_CONFIG_LINE);
            return TT_ERR_FORMAT;
        }
        if (memchr(text + pos, '\0', line_len) != NULL) {
            snprintf(err, errlen, "%s:%u: NUL byte in configuration", file, line_no);
            return TT_ERR_FORMAT;
        }
        memcpy(line, text + pos, line_len);
        line[line_len] = '\0';
        pos += line_len + (nl ? 1 : 0);

        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        tt_config_entry entry = {file, line_no, section, section_name, NULL, NULL};
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close == NULL || *trim(close + 1) != '\0') {
                snprintf(err, errlen, "%s:%u: section header must look like [section] or [section NAME]",
                         file, line_no);
                return TT_ERR_FORMAT;
            }
            *close = '\0';
            char *inner = trim(s + 1);
            char *space = strpbrk(inner, " \t");
            char *name = (char *)"";
            if (space) {
                *space = '\0';
                name = trim(space + 1);
            }
            if (!valid_word(inner) || (space && !valid_word(name))) {
                snprintf(err, errlen, "%s:%u: bad section header (use letters, digits, '-', '_', '.')",
                         file, line_no);
                return TT_ERR_FORMAT;
            }
            snprintf(section, sizeof section, "%s", inner);
            snprintf(section_name, sizeof section_name, "%s", name);
            tt_status st = fn(ctx, &entry, err, errlen);
            if (st != TT_OK)
                return st;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%u: expected 'key = value'", file, line_no);
            return TT_ERR_FORMAT;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!valid_word(key)) {
            snprintf(err, errlen, "%s:%u: bad key '%s'", file, line_no, key);
            return TT_ERR_FORMAT;
        }
        entry.key = key;
        entry.value = value;
        tt_status st = fn(ctx, &entry, err, errlen);
        if (st != TT_OK)
            return st;
    }
    return TT_OK;
}

tt_status tt_config_parse_file(const char *path, tt_config_fn fn, void *ctx, char *err, size_t errlen)
{
    tt_buf text;
    tt_buf_init(&text, 0);
    tt_status st = tt_file_read_all(path, (size_t)16 << 20, &text, err, errlen);
    if (st == TT_OK)
        st = tt_config_parse_text((const char *)text.data, text.len, path, fn, ctx, err, errlen);
    tt_buf_free(&text);
    return st;
}
