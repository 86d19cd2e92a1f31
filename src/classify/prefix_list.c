/* Labelled prefix lists. Prefixes are collected as (network, length, label),
 * then tt_prefix_list_finish sorts them and flattens the nesting into a step
 * function: sorted range starts, each with the label that holds from there
 * to the next start (-1 for a gap). A lookup is then a binary search over
 * one array whatever the number of nested prefixes, and IPv4 (the common
 * case) searches 32-bit starts only. */
#include "classify/prefix_list.h"

#include "util/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 128-bit arithmetic keeps the flattening short (GCC and Clang both have it). */
__extension__ typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)
/* ::ffff:0.0.0.0 and ::ffff:255.255.255.255, where IPv4 lives. */
#define V4_BASE ((u128)0xffff << 32)
#define V4_END (V4_BASE + 0xffffffffu)
#define NO_SOURCE UINT32_MAX
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

typedef struct entry {
    u128 network; /* host bits cleared */
    uint32_t label;
    uint32_t source, line; /* where it came from, for messages */
    uint8_t bits;          /* 0..128 in the 16-byte space */
} entry;

struct tt_prefix_list {
    /* Building: */
    entry *entries;
    size_t nentries, entries_cap;
    char **sources; /* names given to add_file / add_text that added entries */
    size_t nsources, sources_cap;
    char **labels;
    size_t nlabels, labels_cap;
    int32_t *label_index; /* open addressing over labels; -1 = empty */
    size_t label_slots;
    bool finished;
    bool broken; /* a finish failed half-way: only free is left */
    /* Finished: */
    size_t nprefixes;
    uint32_t *v4_starts;
    int32_t *v4_labels;
    size_t nv4;
    u128 *v6_starts;
    int32_t *v6_labels;
    size_t nv6;
};

static u128 addr_to_u128(const tt_addr *a)
{
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | a->bytes[i];
    return v;
}

static void u128_to_addr(u128 v, tt_addr *a)
{
    for (int i = 15; i >= 0; i--) {
        a->bytes[i] = (uint8_t)v;
        v >>= 8;
    }
}

static u128 host_mask(unsigned bits)
{
    return bits >= 128 ? 0 : U128_MAX >> bits;
}

tt_prefix_list *tt_prefix_list_new(void)
{
    return calloc(1, sizeof(tt_prefix_list));
}

static void free_building(tt_prefix_list *list)
{
    free(list->entries);
    list->entries = NULL;
    list->nentries = list->entries_cap = 0;
    for (size_t i = 0; i < list->nsources; i++)
        free(list->sources[i]);
    free(list->sources);
    list->sources = NULL;
    list->nsources = list->sources_cap = 0;
    free(list->label_index);
    list->label_index = NULL;
    list->label_slots = 0;
}

void tt_prefix_list_free(tt_prefix_list *list)
{
    if (list == NULL)
        return;
    free_building(list);
    for (size_t i = 0; i < list->nlabels; i++)
        free(list->labels[i]);
    free(list->labels);
    free(list->v4_starts);
    free(list->v4_labels);
    free(list->v6_starts);
    free(list->v6_labels);
    free(list);
}

/* ---- labels ---- */

static size_t label_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return (size_t)(h ^ h >> 32);
}

static tt_status label_index_rebuild(tt_prefix_list *list, size_t slots)
{
    int32_t *index = malloc(slots * sizeof *index);
    if (index == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < slots; i++)
        index[i] = -1;
    for (size_t i = 0; i < list->nlabels; i++) {
        size_t slot = label_hash(list->labels[i]) & (slots - 1);
        while (index[slot] >= 0)
            slot = (slot + 1) & (slots - 1);
        index[slot] = (int32_t)i;
    }
    free(list->label_index);
    list->label_index = index;
    list->label_slots = slots;
    return TT_OK;
}

/* Why a label is unacceptable, or NULL. */
static const char *label_problem(const char *label)
{
    size_t len = strlen(label);
    if (len == 0)
        return "is empty";
    if (len > TT_PREFIX_LIST_MAX_LABEL)
        return "is longer than " STRINGIFY(TT_PREFIX_LIST_MAX_LABEL) " bytes";
    for (size_t i = 0; i < len; i++)
        if ((uint8_t)label[i] <= 0x20 || (uint8_t)label[i] >= 0x7f || label[i] == '#')
            return "may only hold printable ASCII without spaces or '#'";
    return NULL;
}

static tt_status label_intern(tt_prefix_list *list, const char *label, uint32_t *out)
{
    if (list->label_slots == 0 || (list->nlabels + 1) * 2 > list->label_slots) {
        tt_status st = label_index_rebuild(list, list->label_slots ? list->label_slots * 2 : 64);
        if (st != TT_OK)
            return st;
    }
    size_t mask = list->label_slots - 1, slot = label_hash(label) & mask;
    for (; list->label_index[slot] >= 0; slot = (slot + 1) & mask) {
        if (strcmp(list->labels[list->label_index[slot]], label) == 0) {
            *out = (uint32_t)list->label_index[slot];
            return TT_OK;
        }
    }
    if (list->nlabels >= TT_PREFIX_LIST_MAX_LABELS)
        return TT_ERR_NOMEM;
    if (list->nlabels == list->labels_cap) {
        size_t cap = list->labels_cap ? list->labels_cap * 2 : 16;
        char **labels = realloc(list->labels, cap * sizeof *labels);
        if (labels == NULL)
            return TT_ERR_NOMEM;
        list->labels = labels;
        list->labels_cap = cap;
    }
    char *copy = strdup(label);
    if (copy == NULL)
        return TT_ERR_NOMEM;
    list->labels[list->nlabels] = copy;
    list->label_index[slot] = (int32_t)list->nlabels;
    *out = (uint32_t)list->nlabels++;
    return TT_OK;
}

/* ---- adding ---- */

static tt_status add_entry(tt_prefix_list *list, const tt_prefix *prefix, const char *label, uint32_t source,
                           uint32_t line)
{
    if (list->finished || list->broken)
        return TT_ERR_USAGE;
    if (label_problem(label) != NULL || prefix->bits > 128)
        return TT_ERR_USAGE;
    if (list->nentries >= TT_PREFIX_LIST_MAX_PREFIXES)
        return TT_ERR_NOMEM;
    if (list->nentries == list->entries_cap) {
        size_t cap = list->entries_cap ? list->entries_cap * 2 : 256;
        entry *entries = realloc(list->entries, cap * sizeof *entries);
        if (entries == NULL)
            return TT_ERR_NOMEM;
        list->entries = entries;
        list->entries_cap = cap;
    }
    entry *e = &list->entries[list->nentries];
    tt_status st = label_intern(list, label, &e->label);
    if (st != TT_OK)
        return st;
    e->network = addr_to_u128(&prefix->addr) & ~host_mask(prefix->bits);
    e->bits = prefix->bits;
    e->source = source;
    e->line = line;
    list->nentries++;
    return TT_OK;
}

tt_status tt_prefix_list_add(tt_prefix_list *list, const tt_prefix *prefix, const char *label)
{
    return add_entry(list, prefix, label, NO_SOURCE, 0);
}

/* Forgets what a failed add_text added, so that a rejected file leaves no trace. */
static void roll_back(tt_prefix_list *list, size_t nentries, size_t nlabels, size_t nsources)
{
    list->nentries = nentries;
    if (list->nlabels != nlabels) {
        for (size_t i = nlabels; i < list->nlabels; i++)
            free(list->labels[i]);
        list->nlabels = nlabels;
        if (label_index_rebuild(list, list->label_slots) != TT_OK) {
            /* Out of memory: an empty index is rebuilt on the next add. */
            free(list->label_index);
            list->label_index = NULL;
            list->label_slots = 0;
        }
    }
    for (size_t i = nsources; i < list->nsources; i++)
        free(list->sources[i]);
    list->nsources = nsources;
}

static tt_status add_source(tt_prefix_list *list, const char *name, uint32_t *out)
{
    if (list->nsources == list->sources_cap) {
        size_t cap = list->sources_cap ? list->sources_cap * 2 : 4;
        char **sources = realloc(list->sources, cap * sizeof *sources);
        if (sources == NULL)
            return TT_ERR_NOMEM;
        list->sources = sources;
        list->sources_cap = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL)
        return TT_ERR_NOMEM;
    list->sources[list->nsources] = copy;
    *out = (uint32_t)list->nsources++;
    return TT_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parses one line (NUL-terminated, comment included) into the list. */
static tt_status parse_line(tt_prefix_list *list, char *text, const char *name, uint32_t *source,
                            uint32_t line, char *err, size_t errlen)
{
    char *hash = strchr(text, '#');
    if (hash)
        *hash = '\0';
    char *fields[3];
    int nfields = 0;
    for (char *p = text; *p;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            break;
        if (nfields == 3)
            break;
        fields[nfields++] = p;
        while (*p && !is_blank(*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    if (nfields == 0)
        return TT_OK;
    if (nfields == 1) {
        snprintf(err, errlen, "%s:%u: '%.64s' has no label (expected 'PREFIX LABEL')", name, line, fields[0]);
        return TT_ERR_FORMAT;
    }
    if (nfields == 3) {
        snprintf(err, errlen, "%s:%u: unexpected '%.64s' after the label (expected 'PREFIX LABEL')", name,
                 line, fields[2]);
        return TT_ERR_FORMAT;
    }
    tt_prefix prefix;
    if (!tt_prefix_parse(fields[0], &prefix)) {
        snprintf(err, errlen, "%s:%u: bad prefix '%.64s'", name, line, fields[0]);
        return TT_ERR_FORMAT;
    }
    /* A prefix with host bits set is most often a typo for a longer or a
     * shorter prefix: refuse to guess. */
    char *slash = strchr(fields[0], '/');
    if (slash) {
        tt_addr given;
        *slash = '\0';
        bool parsed = tt_addr_parse(fields[0], &given);
        *slash = '/';
        if (parsed && tt_addr_cmp(&given, &prefix.addr) != 0) {
            char network[TT_ADDR_STRLEN + 8];
            snprintf(err, errlen, "%s:%u: '%.64s' has host bits set (the network is %s)", name, line,
                     fields[0], tt_prefix_format(&prefix, network, sizeof network));
            return TT_ERR_FORMAT;
        }
    }
    const char *problem = label_problem(fields[1]);
    if (problem) {
        snprintf(err, errlen, "%s:%u: label '%.64s' %s", name, line, fields[1], problem);
        return TT_ERR_FORMAT;
    }
    if (*source == NO_SOURCE) {
        tt_status st = add_source(list, name, source);
        if (st != TT_OK) {
            snprintf(err, errlen, "%s:%u: out of memory", name, line);
            return st;
        }
    }
    tt_status st = add_entry(list, &prefix, fields[1], *source, line);
    if (st == TT_ERR_NOMEM) {
        if (list->nentries >= TT_PREFIX_LIST_MAX_PREFIXES)
            snprintf(err, errlen, "%s:%u: more than %zu prefixes", name, line, TT_PREFIX_LIST_MAX_PREFIXES);
        else if (list->nlabels >= TT_PREFIX_LIST_MAX_LABELS)
            snprintf(err, errlen, "%s:%u: more than %d distinct labels", name, line,
                     TT_PREFIX_LIST_MAX_LABELS);
        else
            snprintf(err, errlen, "%s:%u: out of memory", name, line);
    }
    return st;
}

tt_status tt_prefix_list_add_text(tt_prefix_list *list, const char *text, size_t len, const char *name,
                                  char *err, size_t errlen)
{
    if (list->finished || list->broken) {
        snprintf(err, errlen, "%s: the prefix list is already finished", name);
        return TT_ERR_USAGE;
    }
    size_t nentries = list->nentries, nlabels = list->nlabels, nsources = list->nsources;
    uint32_t source = NO_SOURCE;
    char buf[TT_PREFIX_LIST_MAX_LINE + 1];
    uint32_t line = 0;
    tt_status st = TT_OK;
    for (size_t pos = 0; pos < len && st == TT_OK;) {
        if (line == UINT32_MAX) {
            snprintf(err, errlen, "%s: too many lines", name);
            st = TT_ERR_FORMAT;
            break;
        }
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n > TT_PREFIX_LIST_MAX_LINE) {
            snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, line, TT_PREFIX_LIST_MAX_LINE);
            st = TT_ERR_FORMAT;
            break;
        }
        if (memchr(text + pos, '\0', n) != NULL) {
            snprintf(err, errlen, "%s:%u: NUL byte (not a text file?)", name, line);
            st = TT_ERR_FORMAT;
            break;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        st = parse_line(list, buf, name, &source, line, err, errlen);
        pos = end + 1;
    }
    if (st != TT_OK)
        roll_back(list, nentries, nlabels, nsources);
    return st;
}

tt_status tt_prefix_list_add_file(tt_prefix_list *list, const char *path, char *err, size_t errlen)
{
    tt_buf data;
    tt_buf_init(&data, 0);
    tt_status st = tt_file_read_all(path, TT_PREFIX_LIST_MAX_FILE, &data, err, errlen);
    if (st == TT_OK)
        st = tt_prefix_list_add_text(list, (const char *)data.data, data.len, path, err, errlen);
    tt_buf_free(&data);
    return st;
}

/* ---- finishing: sort, check duplicates, flatten ---- */

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->network != b->network)
        return a->network < b->network ? -1 : 1;
    if (a->bits != b->bits)
        return a->bits < b->bits ? -1 : 1; /* containers before what they contain */
    if (a->source != b->source)
        return a->source < b->source ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

typedef struct span {
    u128 lo, hi;
    int32_t label;
} span;

typedef struct span_vec {
    span *items;
    size_t n, cap;
} span_vec;

static tt_status span_emit(span_vec *v, u128 lo, u128 hi, int32_t label)
{
    if (v->n > 0 && v->items[v->n - 1].label == label && v->items[v->n - 1].hi + 1 == lo) {
        v->items[v->n - 1].hi = hi;
        return TT_OK;
    }
    if (v->n == v->cap)
        return TT_ERR_NOMEM; /* sized in advance: cannot happen */
    v->items[v->n++] = (span){lo, hi, label};
    return TT_OK;
}

/* Nested prefixes → disjoint spans labelled by the innermost prefix. Entries
 * are sorted by (network, length) and duplicate-free, so any two are either
 * nested or disjoint, and a prefix's container precedes it. */
static tt_status flatten(const entry *entries, size_t n, span_vec *out)
{
    struct {
        u128 hi;
        int32_t label;
    } stack[130];
    size_t depth = 0;
    u128 cursor = 0; /* first address not yet covered by an emitted span */
    tt_status st = TT_OK;
    for (size_t i = 0; i < n && st == TT_OK; i++) {
        u128 lo = entries[i].network, hi = lo | host_mask(entries[i].bits);
        while (depth > 0 && stack[depth - 1].hi < lo && st == TT_OK) {
            depth--;
            if (cursor <= stack[depth].hi)
                st = span_emit(out, cursor, stack[depth].hi, stack[depth].label);
            cursor = stack[depth].hi + 1; /* < lo: cannot wrap */
        }
        if (depth > 0 && cursor < lo && st == TT_OK)
            st = span_emit(out, cursor, lo - 1, stack[depth - 1].label);
        cursor = lo;
        stack[depth].hi = hi;
        stack[depth].label = (int32_t)entries[i].label;
        depth++; /* at most 129 deep: each level is strictly longer */
    }
    bool wrapped = false;
    while (depth > 0 && st == TT_OK) {
        depth--;
        if (!wrapped && cursor <= stack[depth].hi)
            st = span_emit(out, cursor, stack[depth].hi, stack[depth].label);
        if (stack[depth].hi == U128_MAX)
            wrapped = true;
        else
            cursor = stack[depth].hi + 1;
    }
    return st;
}

/* Spans clipped to [base, end] → step function of starts relative to base. */
static size_t build_steps(const span_vec *spans, u128 base, u128 end, u128 *starts, int32_t *labels)
{
    size_t n = 0;
    bool have_prev = false;
    u128 prev_hi = 0;
    for (size_t i = 0; i < spans->n; i++) {
        const span *s = &spans->items[i];
        if (s->hi < base || s->lo > end)
            continue;
        u128 lo = s->lo < base ? base : s->lo, hi = s->hi > end ? end : s->hi;
        if (have_prev && prev_hi + 1 < lo) {
            starts[n] = prev_hi + 1 - base;
            labels[n++] = -1;
        }
        starts[n] = lo - base;
        labels[n++] = s->label;
        prev_hi = hi;
        have_prev = true;
    }
    if (have_prev && prev_hi != end) {
        starts[n] = prev_hi + 1 - base;
        labels[n++] = -1;
    }
    return n;
}

/* "FILE:LINE" of an entry, for messages. */
static const char *where(const tt_prefix_list *list, const entry *e, char *buf, size_t len)
{
    if (e->source == NO_SOURCE)
        snprintf(buf, len, "(added by the program)");
    else
        snprintf(buf, len, "%s:%u", list->sources[e->source], e->line);
    return buf;
}

tt_status tt_prefix_list_finish(tt_prefix_list *list, char *err, size_t errlen)
{
    if (list->finished || list->broken) {
        snprintf(err, errlen, "the prefix list is already finished");
        return TT_ERR_USAGE;
    }
    tt_status st = TT_ERR_NOMEM;
    span_vec spans = {NULL, 0, 0};
    u128 *starts = NULL;
    int32_t *labels = NULL;
    size_t n = list->nentries;
    if (n > 0)
        qsort(list->entries, n, sizeof *list->entries, entry_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        entry *e = &list->entries[i];
        if (kept > 0 && list->entries[kept - 1].network == e->network &&
            list->entries[kept - 1].bits == e->bits) {
            const entry *first = &list->entries[kept - 1];
            if (first->label == e->label)
                continue;
            tt_prefix prefix;
            char text[TT_ADDR_STRLEN + 8];
            u128_to_addr(e->network, &prefix.addr);
            prefix.bits = e->bits;
            char here[512], there[512];
            snprintf(err, errlen, "%s: %s is labelled '%s' here but '%s' at %s",
                     where(list, e, here, sizeof here), tt_prefix_format(&prefix, text, sizeof text),
                     list->labels[e->label], list->labels[first->label],
                     where(list, first, there, sizeof there));
            st = TT_ERR_FORMAT;
            goto cleanup;
        }
        list->entries[kept++] = *e;
    }
    /* Each prefix adds at most two span boundaries. */
    spans.cap = 2 * kept + 1;
    spans.items = malloc(spans.cap * sizeof *spans.items);
    if (spans.items == NULL || flatten(list->entries, kept, &spans) != TT_OK) {
        snprintf(err, errlen, "prefix list: out of memory");
        goto cleanup;
    }
    size_t max_steps = 2 * spans.n + 1;
    starts = malloc(max_steps * sizeof *starts);
    labels = malloc(max_steps * sizeof *labels);
    list->v4_starts = malloc(max_steps * sizeof *list->v4_starts);
    list->v4_labels = malloc(max_steps * sizeof *list->v4_labels);
    if (starts == NULL || labels == NULL || list->v4_starts == NULL || list->v4_labels == NULL) {
        snprintf(err, errlen, "prefix list: out of memory");
        goto cleanup;
    }
    list->nv4 = build_steps(&spans, V4_BASE, V4_END, starts, list->v4_labels);
    for (size_t i = 0; i < list->nv4; i++)
        list->v4_starts[i] = (uint32_t)starts[i];
    list->nv6 = build_steps(&spans, 0, U128_MAX, starts, labels);
    list->v6_starts = starts;
    list->v6_labels = labels;
    starts = NULL;
    labels = NULL;
    list->nprefixes = kept;
    list->finished = true;
    free_building(list);
    st = TT_OK;
cleanup:
    if (st != TT_OK) {
        list->broken = true; /* entries were compacted in place */
        free(list->v4_starts);
        free(list->v4_labels);
        list->v4_starts = NULL;
        list->v4_labels = NULL;
        list->nv4 = list->nv6 = 0;
    }
    free(spans.items);
    free(starts);
    free(labels);
    return st;
}

/* ---- lookup ---- */

/* Branch-free search for the last start <= x: with random sources a
 * branchy binary search spends most of its time in mispredictions. */
int tt_prefix_list_lookup(const tt_prefix_list *list, const tt_addr *addr)
{
    if (!list->finished)
        return -1;
    if (tt_addr_is_v4(addr)) {
        uint32_t x = tt_addr_v4(addr);
        size_t n = list->nv4;
        if (n == 0 || list->v4_starts[0] > x)
            return -1;
        const uint32_t *base = list->v4_starts;
        while (n > 1) {
            size_t half = n / 2;
            base = base[half] <= x ? base + half : base;
            n -= half;
        }
        return list->v4_labels[base - list->v4_starts];
    }
    u128 x = addr_to_u128(addr);
    size_t n = list->nv6;
    if (n == 0 || list->v6_starts[0] > x)
        return -1;
    const u128 *base = list->v6_starts;
    while (n > 1) {
        size_t half = n / 2;
        base = base[half] <= x ? base + half : base;
        n -= half;
    }
    return list->v6_labels[base - list->v6_starts];
}

const char *tt_prefix_list_label(const tt_prefix_list *list, int index)
{
    if (index < 0 || (size_t)index >= list->nlabels)
        return NULL;
    return list->labels[index];
}

size_t tt_prefix_list_label_count(const tt_prefix_list *list)
{
    return list->nlabels;
}

size_t tt_prefix_list_count(const tt_prefix_list *list)
{
    return list->finished ? list->nprefixes : list->nentries;
}
