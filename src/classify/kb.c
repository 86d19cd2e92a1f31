/* The knowledge base: entries read from INI-style text (data/kb.conf, built
 * in, plus user files), indexed by proto/port, with payload-prefix
 * signatures. The format is documented in docs/knowledge-base.md.
 *
 * Loading a file is all-or-nothing: entries are parsed into a staging list
 * and only added when the whole file is valid, so a rejected user file leaves
 * the base as it was. Each entry is allocated on its own, so the pointers
 * handed out stay valid until tt_kb_free, whatever is added later. */
#include "classify/kb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/parse.h"

/* data/kb.conf, embedded by cmake/embed.cmake. */
extern const unsigned char tt_data_kb[];
extern const size_t tt_data_kb_size;

/* The name built-in entries carry in error messages. */
#define KB_BUILTIN_NAME "data/kb.conf"
/* Entries over all loaded files: bounds what user files can make us hold. */
#define KB_MAX_ENTRIES 65536
/* Longest payload signature: a prefix, so a few dozen bytes are plenty. */
#define KB_MAX_PAYLOAD 256
/* Longest title; other free-text values are bounded by the config line. */
#define KB_MAX_TITLE 200

/* The keys of an [entry ID] section: one table drives parsing, the
 * "known keys" list in error messages and the required-key check. */
enum kb_key {
    KEY_PORT,
    KEY_PROTO,
    KEY_CATEGORY,
    KEY_TITLE,
    KEY_PRODUCTS,
    KEY_CVE,
    KEY_MALWARE,
    KEY_TOOL,
    KEY_REFERENCE,
    KEY_DATE,
    KEY_PAYLOAD,
    KEY_DESCRIPTION,
    KEY_COUNT
};

static const char *const kb_key_names[KEY_COUNT] = {
    [KEY_PORT] = "port",       [KEY_PROTO] = "proto",       [KEY_CATEGORY] = "category",
    [KEY_TITLE] = "title",     [KEY_PRODUCTS] = "products", [KEY_CVE] = "cve",
    [KEY_MALWARE] = "malware", [KEY_TOOL] = "tool",         [KEY_REFERENCE] = "reference",
    [KEY_DATE] = "date",       [KEY_PAYLOAD] = "payload",   [KEY_DESCRIPTION] = "description",
};

/* Keys every entry needs (besides port or payload). */
static const enum kb_key kb_required[] = {KEY_CATEGORY, KEY_TITLE, KEY_REFERENCE, KEY_DATE};

typedef struct kb_item {
    tt_kb_entry entry;     /* what callers see; its strings point into text[] */
    char *text[KEY_COUNT]; /* owned values by key (NULL if absent) */
    char *id;              /* owned */
    uint8_t *payload;      /* owned */
    const char *file;      /* a name owned by the tt_kb */
    unsigned line;         /* of the [entry ID] header */
    size_t seq;            /* load order over all files */
} kb_item;

struct tt_kb {
    kb_item **items; /* load order */
    size_t n, cap;
    kb_item **by_port; /* sorted by (proto, port, seq); payload-only entries excluded */
    size_t nports;
    char **names; /* file names entries point to */
    size_t nnames;
};

static void item_free(kb_item *item)
{
    if (item == NULL)
        return;
    for (int k = 0; k < KEY_COUNT; k++)
        free(item->text[k]);
    free(item->id);
    free(item->payload);
    free(item);
}

/* ---- value checks: each returns false and writes the reason into why */

static bool is_blank(int c)
{
    return c == ' ' || c == '\t';
}

static bool check_port(const char *value, kb_item *item, char *why, size_t whylen)
{
    int32_t port;
    uint8_t proto;
    if (!tt_parse_port_key(value, &port, &proto) ||
        (proto != 6 && proto != 17 && proto != 1 && proto != 58)) {
        snprintf(why, whylen, "bad port '%s' (expected PORT/tcp, PORT/udp, TYPE/icmp or TYPE/icmp6)", value);
        return false;
    }
    if ((proto == 1 || proto == 58) && port > 255) {
        snprintf(why, whylen, "bad port '%s' (an ICMP type is 0..255)", value);
        return false;
    }
    item->entry.port = port;
    item->entry.proto = proto;
    return true;
}

static bool check_proto(const char *value, kb_item *item, char *why, size_t whylen)
{
    uint8_t proto;
    if (!tt_parse_proto(value, &proto) || (proto != 6 && proto != 17 && proto != 1 && proto != 58)) {
        snprintf(why, whylen, "bad proto '%s' (expected tcp, udp, icmp or icmp6)", value);
        return false;
    }
    item->entry.proto = proto;
    return true;
}

static bool check_category(const char *value, char *why, size_t whylen)
{
    bool ok = *value != '\0' && strlen(value) <= 32;
    for (const char *p = value; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-';
    if (!ok)
        snprintf(why, whylen, "bad category '%s' (lower-case letters, digits and '-', at most 32)", value);
    return ok;
}

static bool check_title(const char *value, char *why, size_t whylen)
{
    if (*value == '\0' || strlen(value) > KB_MAX_TITLE) {
        snprintf(why, whylen, "title must be 1..%d characters", KB_MAX_TITLE);
        return false;
    }
    return true;
}

static bool check_reference(const char *value, char *why, size_t whylen)
{
    size_t scheme = strncmp(value, "https://", 8) == 0 ? 8 : strncmp(value, "http://", 7) == 0 ? 7 : 0;
    bool ok = scheme != 0 && value[scheme] != '\0' && value[scheme] != '/';
    for (const char *p = value; ok && *p; p++)
        ok = (unsigned char)*p > ' ' && *p != 0x7f;
    if (!ok)
        snprintf(why, whylen, "bad reference '%s' (expected one http:// or https:// URL)", value);
    return ok;
}

static bool check_date(const char *value, char *why, size_t whylen)
{
    int32_t days;
    if (!tt_parse_date(value, &days)) {
        snprintf(why, whylen, "bad date '%s' (expected YYYY-MM-DD)", value);
        return false;
    }
    return true;
}

/* "CVE-2017-0144, CVE-2017-0145": normalised to ", " between ids. */
static bool check_cves(const char *value, char **out, char *why, size_t whylen)
{
    if (*value == '\0')
        return true; /* "cve =" says "none", like leaving the key out */
    size_t len = strlen(value);
    char *norm = malloc(len + 1);
    if (norm == NULL) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    size_t n = 0;
    const char *p = value;
    for (;;) {
        while (is_blank(*p))
            p++;
        const char *start = p;
        while (*p && *p != ',' && !is_blank(*p))
            p++;
        size_t idlen = (size_t)(p - start);
        bool ok = idlen >= 13 && idlen <= 24 && strncmp(start, "CVE-", 4) == 0 && start[8] == '-';
        for (size_t i = 4; ok && i < idlen; i++)
            ok = i == 8 || isdigit((unsigned char)start[i]);
        while (is_blank(*p))
            p++;
        if (!ok || (*p != ',' && *p != '\0')) {
            snprintf(why, whylen, "bad cve '%s' (expected CVE-YYYY-NNNN, comma-separated)", value);
            free(norm);
            return false;
        }
        if (n > 0) {
            norm[n++] = ',';
            norm[n++] = ' ';
        }
        memcpy(norm + n, start, idlen);
        n += idlen;
        if (*p == '\0')
            break;
        p++;
    }
    norm[n] = '\0';
    *out = norm;
    return true;
}

/* Hex bytes ("41 41 00 00", "41410000") or a quoted string with \xHH, \0,
 * \n, \r, \t, \\ and \" escapes. */
static bool check_payload(const char *value, kb_item *item, char *why, size_t whylen)
{
    uint8_t buf[KB_MAX_PAYLOAD];
    size_t n = 0, len = strlen(value);
    const char *problem = NULL;
    if (value[0] == '"') {
        if (len < 2 || value[len - 1] != '"')
            problem = "a quoted payload must end with '\"'";
        for (size_t i = 1; problem == NULL && i + 1 < len; i++) {
            int c = (unsigned char)value[i];
            if (c == '"') {
                problem = "unescaped '\"' inside a quoted payload";
                break;
            }
            if (c == '\\') {
                if (i + 2 >= len) {
                    problem = "'\\' at the end of a quoted payload";
                    break;
                }
                c = (unsigned char)value[++i];
                switch (c) {
                case '\\':
                case '"': break;
                case '0': c = 0; break;
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'x':
                    if (i + 3 >= len || tt_hex_digit(value[i + 1]) < 0 || tt_hex_digit(value[i + 2]) < 0) {
                        problem = "\\x needs two hex digits";
                        break;
                    }
                    c = tt_hex_digit(value[i + 1]) * 16 + tt_hex_digit(value[i + 2]);
                    i += 2;
                    break;
                default: problem = "unknown escape (use \\xHH, \\0, \\n, \\r, \\t, \\\\ or \\\")"; break;
                }
                if (problem)
                    break;
            }
            if (n == sizeof buf) {
                problem = "payload longer than 256 bytes";
                break;
            }
            buf[n++] = (uint8_t)c;
        }
    } else {
        for (size_t i = 0; problem == NULL && i < len;) {
            if (is_blank(value[i])) {
                i++;
                continue;
            }
            if (tt_hex_digit(value[i]) < 0 || i + 1 >= len || tt_hex_digit(value[i + 1]) < 0) {
                problem = "expected hex bytes like '41 41 00 00' or a quoted string";
                break;
            }
            if (n == sizeof buf) {
                problem = "payload longer than 256 bytes";
                break;
            }
            buf[n++] = (uint8_t)(tt_hex_digit(value[i]) * 16 + tt_hex_digit(value[i + 1]));
            i += 2;
        }
    }
    if (problem == NULL && n == 0)
        problem = "empty payload";
    if (problem != NULL) {
        snprintf(why, whylen, "bad payload: %s", problem);
        return false;
    }
    item->payload = malloc(n);
    if (item->payload == NULL) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    memcpy(item->payload, buf, n);
    item->entry.payload = item->payload;
    item->entry.payload_len = n;
    return true;
}

/* ---- parsing */

typedef struct kb_parse {
    tt_kb *kb;
    const char *file; /* owned by kb->names */
    kb_item **pending;
    size_t npending, cap;
    kb_item *cur; /* the entry being read, not yet in pending */
} kb_parse;

/* Closes the entry being read: required keys, port/payload/proto rules. */
static tt_status finish_item(kb_parse *p, char *err, size_t errlen)
{
    kb_item *item = p->cur;
    if (item == NULL)
        return TT_OK;
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof kb_required / sizeof kb_required[0] && missing == NULL; i++)
        if (item->text[kb_required[i]] == NULL)
            missing = kb_key_names[kb_required[i]];
    if (missing != NULL) {
        snprintf(err, errlen, "%s:%u: entry '%s' has no '%s'", p->file, item->line, item->id, missing);
        return TT_ERR_FORMAT;
    }
    if (item->text[KEY_PORT] == NULL && item->text[KEY_PAYLOAD] == NULL) {
        snprintf(err, errlen, "%s:%u: entry '%s' needs a 'port' or a 'payload'", p->file, item->line,
                 item->id);
        return TT_ERR_FORMAT;
    }
    if (item->text[KEY_PORT] != NULL && item->text[KEY_PROTO] != NULL) {
        snprintf(err, errlen, "%s:%u: entry '%s' has both 'port' and 'proto' (the port names its protocol)",
                 p->file, item->line, item->id);
        return TT_ERR_FORMAT;
    }
    if (item->text[KEY_PORT] == NULL && item->text[KEY_PROTO] == NULL) {
        snprintf(err, errlen, "%s:%u: payload-only entry '%s' needs a 'proto'", p->file, item->line,
                 item->id);
        return TT_ERR_FORMAT;
    }
    static const char empty[] = "";
    tt_kb_entry *e = &item->entry;
    e->id = item->id;
    e->category = item->text[KEY_CATEGORY];
    e->title = item->text[KEY_TITLE];
    e->products = item->text[KEY_PRODUCTS] ? item->text[KEY_PRODUCTS] : empty;
    e->cves = item->text[KEY_CVE] ? item->text[KEY_CVE] : empty;
    e->malware = item->text[KEY_MALWARE] ? item->text[KEY_MALWARE] : empty;
    e->tools = item->text[KEY_TOOL] ? item->text[KEY_TOOL] : empty;
    e->reference = item->text[KEY_REFERENCE];
    e->date = item->text[KEY_DATE];
    item->seq = p->kb->n + p->npending;
    if (p->npending == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        kb_item **grown = realloc(p->pending, cap * sizeof *grown);
        if (grown == NULL) {
            snprintf(err, errlen, "%s: out of memory", p->file);
            return TT_ERR_NOMEM;
        }
        p->pending = grown;
        p->cap = cap;
    }
    p->pending[p->npending++] = item;
    p->cur = NULL;
    return TT_OK;
}

static tt_status start_item(kb_parse *p, const tt_config_entry *c, char *err, size_t errlen)
{
    tt_status st = finish_item(p, err, errlen);
    if (st != TT_OK)
        return st;
    if (strcmp(c->section, "entry") != 0) {
        snprintf(err, errlen, "%s:%u: unknown section [%s] (expected [entry ID])", c->file, c->line,
                 c->section);
        return TT_ERR_FORMAT;
    }
    if (c->section_name[0] == '\0') {
        snprintf(err, errlen, "%s:%u: [entry] needs an ID: [entry ID]", c->file, c->line);
        return TT_ERR_FORMAT;
    }
    if (p->kb->n + p->npending >= KB_MAX_ENTRIES) {
        snprintf(err, errlen, "%s:%u: more than %d knowledge-base entries", c->file, c->line, KB_MAX_ENTRIES);
        return TT_ERR_NOMEM;
    }
    kb_item *item = calloc(1, sizeof *item);
    if (item == NULL || (item->id = strdup(c->section_name)) == NULL) {
        free(item);
        snprintf(err, errlen, "%s: out of memory", p->file);
        return TT_ERR_NOMEM;
    }
    item->entry.port = -1;
    item->file = p->file;
    item->line = c->line;
    p->cur = item;
    return TT_OK;
}

static tt_status on_config(void *ctx, const tt_config_entry *c, char *err, size_t errlen)
{
    kb_parse *p = ctx;
    if (c->key == NULL)
        return start_item(p, c, err, errlen);
    if (p->cur == NULL) {
        snprintf(err, errlen, "%s:%u: key '%s' outside an [entry ID] section", c->file, c->line, c->key);
        return TT_ERR_FORMAT;
    }
    int key = -1;
    for (int k = 0; k < KEY_COUNT && key < 0; k++)
        if (strcmp(c->key, kb_key_names[k]) == 0)
            key = k;
    if (key < 0) {
        char known[256];
        size_t used = 0;
        known[0] = '\0';
        for (int k = 0; k < KEY_COUNT && used < sizeof known; k++)
            used +=
                (size_t)snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", kb_key_names[k]);
        snprintf(err, errlen, "%s:%u: unknown key '%s' (known: %s)", c->file, c->line, c->key, known);
        return TT_ERR_FORMAT;
    }
    kb_item *item = p->cur;
    if (item->text[key] != NULL) {
        snprintf(err, errlen, "%s:%u: '%s' given twice in entry '%s'", c->file, c->line, c->key, item->id);
        return TT_ERR_FORMAT;
    }
    char why[160];
    bool ok = true;
    char *owned = NULL;
    switch ((enum kb_key)key) {
    case KEY_PORT: ok = check_port(c->value, item, why, sizeof why); break;
    case KEY_PROTO: ok = check_proto(c->value, item, why, sizeof why); break;
    case KEY_CATEGORY: ok = check_category(c->value, why, sizeof why); break;
    case KEY_TITLE: ok = check_title(c->value, why, sizeof why); break;
    case KEY_REFERENCE: ok = check_reference(c->value, why, sizeof why); break;
    case KEY_DATE: ok = check_date(c->value, why, sizeof why); break;
    case KEY_PAYLOAD: ok = check_payload(c->value, item, why, sizeof why); break;
    case KEY_CVE: ok = check_cves(c->value, &owned, why, sizeof why); break;
    case KEY_PRODUCTS:
    case KEY_MALWARE:
    case KEY_TOOL:
    case KEY_DESCRIPTION: break;
    case KEY_COUNT: break;
    }
    if (!ok) {
        snprintf(err, errlen, "%s:%u: %s", c->file, c->line, why);
        return TT_ERR_FORMAT;
    }
    if (owned == NULL && (owned = strdup(c->value)) == NULL) {
        snprintf(err, errlen, "%s: out of memory", p->file);
        return TT_ERR_NOMEM;
    }
    item->text[key] = owned;
    return TT_OK;
}

/* ---- the base */

static int item_cmp_port(const void *a, const void *b)
{
    const kb_item *x = *(kb_item *const *)a, *y = *(kb_item *const *)b;
    if (x->entry.proto != y->entry.proto)
        return x->entry.proto < y->entry.proto ? -1 : 1;
    if (x->entry.port != y->entry.port)
        return x->entry.port < y->entry.port ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int item_cmp_id(const void *a, const void *b)
{
    const kb_item *x = *(kb_item *const *)a, *y = *(kb_item *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* IDs are unique over the whole base; a sort finds repeats in O(n log n). */
static tt_status check_ids(const tt_kb *kb, kb_item **pending, size_t npending, char *err, size_t errlen)
{
    size_t n = kb->n + npending;
    if (n < 2)
        return TT_OK;
    kb_item **all = malloc(n * sizeof *all);
    if (all == NULL) {
        snprintf(err, errlen, "out of memory");
        return TT_ERR_NOMEM;
    }
    if (kb->n > 0)
        memcpy(all, kb->items, kb->n * sizeof *all);
    if (npending > 0)
        memcpy(all + kb->n, pending, npending * sizeof *all);
    qsort(all, n, sizeof *all, item_cmp_id);
    tt_status st = TT_OK;
    for (size_t i = 1; i < n && st == TT_OK; i++) {
        if (strcmp(all[i - 1]->id, all[i]->id) == 0) {
            snprintf(err, errlen, "%s:%u: duplicate entry ID '%s' (first at %s:%u)", all[i]->file,
                     all[i]->line, all[i]->id, all[i - 1]->file, all[i - 1]->line);
            st = TT_ERR_FORMAT;
        }
    }
    free(all);
    return st;
}

static tt_status commit(tt_kb *kb, kb_parse *p, char *err, size_t errlen)
{
    tt_status st = check_ids(kb, p->pending, p->npending, err, errlen);
    if (st != TT_OK)
        return st;
    size_t n = kb->n + p->npending;
    if (n > kb->cap) {
        size_t cap = kb->cap ? kb->cap : 64;
        while (cap < n)
            cap *= 2;
        kb_item **grown = realloc(kb->items, cap * sizeof *grown);
        if (grown == NULL) {
            snprintf(err, errlen, "%s: out of memory", p->file);
            return TT_ERR_NOMEM;
        }
        kb->items = grown;
        kb->cap = cap;
    }
    kb_item **by_port = realloc(kb->by_port, n * sizeof *by_port);
    if (by_port == NULL) {
        snprintf(err, errlen, "%s: out of memory", p->file);
        return TT_ERR_NOMEM;
    }
    kb->by_port = by_port;
    for (size_t i = 0; i < p->npending; i++) {
        kb->items[kb->n++] = p->pending[i];
        if (p->pending[i]->entry.port >= 0)
            kb->by_port[kb->nports++] = p->pending[i];
    }
    p->npending = 0;
    if (kb->nports > 1)
        qsort(kb->by_port, kb->nports, sizeof *kb->by_port, item_cmp_port);
    return TT_OK;
}

/* Parses text (or the file at path, when text is NULL) into the base. */
static tt_status kb_load(tt_kb *kb, const char *text, size_t len, const char *name, const char *path,
                         char *err, size_t errlen)
{
    if (kb == NULL) {
        snprintf(err, errlen, "%s: no knowledge base to add to", name);
        return TT_ERR_USAGE;
    }
    char **names = realloc(kb->names, (kb->nnames + 1) * sizeof *names);
    if (names == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        return TT_ERR_NOMEM;
    }
    kb->names = names;
    if ((names[kb->nnames] = strdup(name)) == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        return TT_ERR_NOMEM;
    }
    kb_parse p = {.kb = kb, .file = names[kb->nnames++]};
    tt_status st = path ? tt_config_parse_file(path, on_config, &p, err, errlen)
                        : tt_config_parse_text(text, len, name, on_config, &p, err, errlen);
    if (st == TT_OK)
        st = finish_item(&p, err, errlen);
    if (st == TT_OK)
        st = commit(kb, &p, err, errlen);
    item_free(p.cur);
    for (size_t i = 0; i < p.npending; i++)
        item_free(p.pending[i]);
    free(p.pending);
    return st;
}

tt_status tt_kb_builtin(tt_kb **out, char *err, size_t errlen)
{
    *out = NULL;
    tt_kb *kb = calloc(1, sizeof *kb);
    if (kb == NULL) {
        snprintf(err, errlen, "out of memory");
        return TT_ERR_NOMEM;
    }
    tt_status st = kb_load(kb, (const char *)tt_data_kb, tt_data_kb_size, KB_BUILTIN_NAME, NULL, err, errlen);
    if (st != TT_OK) {
        tt_kb_free(kb);
        return st;
    }
    *out = kb;
    return TT_OK;
}

tt_status tt_kb_add_file(tt_kb *kb, const char *path, char *err, size_t errlen)
{
    return kb_load(kb, NULL, 0, path, path, err, errlen);
}

tt_status tt_kb_add_text(tt_kb *kb, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    return kb_load(kb, text, len, name ? name : "(text)", NULL, err, errlen);
}

void tt_kb_free(tt_kb *kb)
{
    if (kb == NULL)
        return;
    for (size_t i = 0; i < kb->n; i++)
        item_free(kb->items[i]);
    for (size_t i = 0; i < kb->nnames; i++)
        free(kb->names[i]);
    free(kb->items);
    free(kb->by_port);
    free(kb->names);
    free(kb);
}

size_t tt_kb_count(const tt_kb *kb)
{
    return kb ? kb->n : 0;
}

const tt_kb_entry *tt_kb_get(const tt_kb *kb, size_t index)
{
    if (kb == NULL || index >= kb->n)
        return NULL;
    return &kb->items[index]->entry;
}

/* Index of the first by_port item at or after (proto, port). */
static size_t lower_bound(const tt_kb *kb, uint8_t proto, int32_t port)
{
    size_t lo = 0, hi = kb->nports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tt_kb_entry *e = &kb->by_port[mid]->entry;
        if (e->proto < proto || (e->proto == proto && e->port < port))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t tt_kb_lookup(const tt_kb *kb, uint8_t proto, int32_t port, const tt_kb_entry **out, size_t max)
{
    if (kb == NULL || port < 0)
        return 0;
    size_t found = 0;
    for (size_t i = lower_bound(kb, proto, port); i < kb->nports && found < max; i++) {
        const tt_kb_entry *e = &kb->by_port[i]->entry;
        if (e->proto != proto || e->port != port)
            break;
        out[found++] = e;
    }
    return found;
}

static bool payload_matches(const tt_kb_entry *e, const uint8_t *payload, size_t len)
{
    return e->payload != NULL && e->payload_len <= len && memcmp(e->payload, payload, e->payload_len) == 0;
}

const tt_kb_entry *tt_kb_match_payload(const tt_kb *kb, uint8_t proto, int32_t port, const uint8_t *payload,
                                       size_t len)
{
    if (kb == NULL || (payload == NULL && len > 0))
        return NULL;
    /* Signatures tied to this port first, then those valid on any port. */
    if (port >= 0) {
        for (size_t i = lower_bound(kb, proto, port); i < kb->nports; i++) {
            const tt_kb_entry *e = &kb->by_port[i]->entry;
            if (e->proto != proto || e->port != port)
                break;
            if (payload_matches(e, payload, len))
                return e;
        }
    }
    for (size_t i = 0; i < kb->n; i++) {
        const tt_kb_entry *e = &kb->items[i]->entry;
        if (e->port < 0 && e->proto == proto && payload_matches(e, payload, len))
            return e;
    }
    return NULL;
}

const char *tt_kb_category(const tt_kb *kb, uint8_t proto, int32_t port)
{
    const tt_kb_entry *e;
    return tt_kb_lookup(kb, proto, port, &e, 1) == 1 ? e->category : NULL;
}
