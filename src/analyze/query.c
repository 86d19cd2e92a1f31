/* Rankings, series, per-address history and ingest statistics. */
#include "analyze/query.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/fingerprint.h"
#include "classify/p0f.h"
#include "store/source_index.h"
#include "util/limits.h"
#include "util/parallel.h"
#include "util/hashmap.h"
#include "util/parse.h"
#include "util/sort.h"

#define QUERY_MAX_KEYS ((size_t)1 << 24)
#define QUERY_MAX_SOURCES ((size_t)1 << 27)

const char *tt_query_port_text(uint8_t proto, int32_t port, char *buf, size_t len)
{
    const char *name = tt_proto_name(proto);
    char number[8];
    if (name == NULL) {
        snprintf(number, sizeof number, "%u", proto);
        name = number;
    }
    if (port < 0)
        snprintf(buf, len, "frag/%s", name);
    else
        snprintf(buf, len, "%d/%s", port, name);
    return buf;
}

/* The ranking key of a service: its port, with ICMP types folded together. */
static uint64_t port_key(tt_service service)
{
    return tt_service_is_icmp(service) ? (uint64_t)tt_service_proto(service) << 17 : service;
}

/* The ranking key of a row for a ranking by `group`. */
static uint64_t rank_key(unsigned group, tt_service service, tt_cc cc, uint8_t kind, uint32_t asn)
{
    switch (group) {
    case TT_GROUP_PORT: return port_key(service);
    case TT_GROUP_CC: return cc;
    case TT_GROUP_KIND: return kind;
    default: return asn;
    }
}

/* One ranked key: its packets, and the kind of packet (tool) seen most on it. */
typedef struct rank_entry {
    uint64_t key, packets;
    uint64_t kind_packets;
    uint8_t kind;
} rank_entry;

/* Rankings gather (key << 4 | kind, packets) items, hundreds of thousands
 * over a quarter, and sum them after a radix sort: cheaper than hash-map
 * updates, and the runs of a key give its kinds too. */
typedef struct collect_ctx {
    const tt_rollup_filter *filter;
    unsigned group;
    uint64_t total;
    tt_kv *items;
    size_t nitems, capitems;
} collect_ctx;

/* Sorts the items and sums those of equal key and kind. */
static tt_status merge_items(collect_ctx *c)
{
    tt_status st = tt_sort_kv(c->items, c->nitems);
    size_t k = 0;
    for (size_t i = 0; i < c->nitems && st == TT_OK; i++) {
        if (k > 0 && c->items[k - 1].key == c->items[i].key)
            c->items[k - 1].value += c->items[i].value;
        else
            c->items[k++] = c->items[i];
    }
    if (st == TT_OK)
        c->nitems = k;
    return st;
}

static tt_status collect_add(collect_ctx *c, uint64_t key, uint8_t kind, uint64_t packets)
{
    c->total += packets;
    if (c->nitems == c->capitems) {
        /* Memory follows the distinct (key, kind) pairs, not the rows read. */
        tt_status st;
        if (c->nitems >= ((size_t)1 << 22) && (st = merge_items(c)) != TT_OK)
            return st;
    }
    if (c->nitems == c->capitems) {
        size_t cap = c->capitems ? c->capitems * 2 : 4096;
        if (cap > QUERY_MAX_KEYS * 2)
            return TT_ERR_NOMEM;
        tt_kv *p = realloc(c->items, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        c->items = p;
        c->capitems = cap;
    }
    c->items[c->nitems++] = (tt_kv){key << 4 | (kind & 0xf), packets};
    return TT_OK;
}

/* A per sensor-hour total (rows carry only their list's dimensions). */
static tt_status collect_total(void *ctx, const tt_rollup_row *row)
{
    collect_ctx *c = ctx;
    if (!tt_filter_row(c->filter, row->service, row->kind, row->src_flags, 0, 0, false))
        return TT_OK;
    return collect_add(c, rank_key(c->group, row->service, row->cc, row->kind, row->asn), row->kind, row->packets);
}

/* Detail rows, for filters the totals cannot answer (AS, country, port, kind x country). */
static tt_status collect_detail(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    (void)hour;
    (void)sensor;
    collect_ctx *c = ctx;
    for (size_t i = 0; i < n; i++) {
        const tt_detail_row *r = &rows[i];
        if (!tt_filter_row(c->filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true))
            continue;
        tt_status st = collect_add(c, rank_key(c->group, r->service, r->cc, r->kind, r->asn), r->kind, r->packets);
        if (st != TT_OK)
            return st;
    }
    return TT_OK;
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Splits the filter's hours into the whole UTC days [*day_from, *day_to) they
 * hold, read from the per-day stores, and the hours left at either end (a
 * --tz day is not a UTC day), read hour by hour: *nedges filters in edges[].
 * With no whole day the days are empty and the one edge is the filter. */
static void split_days(const tt_rollup_filter *f, int64_t *day_from, int64_t *day_to, tt_rollup_filter edges[2],
                       size_t *nedges)
{
    *day_from = floor_div(f->hour_from + 23, 24);
    *day_to = floor_div(f->hour_to, 24);
    *nedges = 0;
    if (*day_from >= *day_to) {
        *day_to = *day_from;
        edges[(*nedges)++] = *f;
        return;
    }
    tt_rollup_filter before = *f, after = *f;
    before.hour_to = *day_from * 24;
    after.hour_from = *day_to * 24;
    if (before.hour_from < before.hour_to)
        edges[(*nedges)++] = before;
    if (after.hour_from < after.hour_to)
        edges[(*nedges)++] = after;
}

tt_status tt_query_scan_totals(tt_query *q, const tt_rollup_filter *filter, bool by_sensor, unsigned group,
                               tt_rollup_fn fn, void *ctx)
{
    int64_t day_from, day_to;
    tt_rollup_filter edges[2];
    size_t nedges;
    split_days(filter, &day_from, &day_to, edges, &nedges);
    tt_status st = TT_OK;
    if (day_from < day_to)
        st = q->store->ops->scan_day_totals(q->store, filter, day_from, day_to, by_sensor, group, fn, ctx);
    for (size_t i = 0; i < nedges && st == TT_OK; i++)
        st = q->store->ops->scan_totals(q->store, &edges[i], group, fn, ctx);
    return st;
}

/* Whether the per sensor-hour totals hold what a ranking with this filter needs. */
static bool totals_answer(const tt_rollup_filter *f, unsigned group)
{
    if (f->has_asn || f->has_port || f->cc)
        return false;
    bool kind_filter = f->has_kind || f->exclude_kinds;
    return !(kind_filter && (group == TT_GROUP_CC || group == TT_GROUP_ASN));
}

static bool rankable(unsigned group, uint64_t key)
{
    /* Non-first fragments have no port: they count in the total, not the ranking. */
    return group != TT_GROUP_PORT || tt_service_port((tt_service)key) >= 0;
}

/* Sums sorted items into ranked entries: most packets first, ties by key. */
static tt_status rank_items(collect_ctx *c, unsigned group, rank_entry **ranked, size_t *n)
{
    tt_status st = merge_items(c);
    size_t keys = 0;
    for (size_t i = 0; i < c->nitems; i++)
        keys += i == 0 || c->items[i].key >> 4 != c->items[i - 1].key >> 4;
    rank_entry *out = calloc(keys ? keys : 1, sizeof *out);
    if (st != TT_OK || out == NULL) {
        free(out);
        return st != TT_OK ? st : TT_ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->nitems;) {
        uint64_t key = c->items[i].key >> 4;
        rank_entry e = {key, 0, 0, 0};
        for (; i < c->nitems && c->items[i].key >> 4 == key; i++) {
            uint64_t key_kind = c->items[i].key, packets = c->items[i].value;
            e.packets += packets;
            if (packets > e.kind_packets) { /* ties: the lower kind */
                e.kind_packets = packets;
                e.kind = (uint8_t)(key_kind & 0xf);
            }
        }
        if (rankable(group, key))
            out[k++] = e;
    }
    /* Most packets first, ties by key (entries are in key order: a stable
     * radix sort on the complemented packets keeps it). */
    tt_kv *order = malloc((k ? k : 1) * sizeof *order);
    rank_entry *sorted = malloc((k ? k : 1) * sizeof *sorted);
    if (order == NULL || sorted == NULL) {
        free(order);
        free(sorted);
        free(out);
        return TT_ERR_NOMEM;
    }
    for (size_t i = 0; i < k; i++)
        order[i] = (tt_kv){UINT64_MAX - out[i].packets, i};
    if ((st = tt_sort_kv(order, k)) == TT_OK)
        for (size_t i = 0; i < k; i++)
            sorted[i] = out[order[i].value];
    free(order);
    free(out);
    if (st != TT_OK) {
        free(sorted);
        return st;
    }
    *ranked = sorted;
    *n = k;
    return TT_OK;
}

/* Ranked entries of one period (caller frees *ranked). */
static tt_status rank_period(tt_query *q, const tt_period *period, unsigned group, rank_entry **ranked, size_t *n,
                             uint64_t *total)
{
    tt_rollup_filter filter = q->filter;
    filter.hour_from = period->hour_from;
    filter.hour_to = period->hour_to;
    collect_ctx ctx = {&filter, group, 0, NULL, 0, 0};
    tt_status st;
    if (totals_answer(&filter, group))
        st = tt_query_scan_totals(q, &filter, false, group == TT_GROUP_KIND ? TT_GROUP_PORT : group, collect_total,
                                  &ctx);
    else
        st = q->store->ops->scan_segments(q->store, &filter, NULL, false, collect_detail, &ctx);
    *ranked = NULL;
    *n = 0;
    if (st == TT_OK)
        st = rank_items(&ctx, group, ranked, n);
    free(ctx.items);
    *total = ctx.total;
    return st;
}

typedef struct sources_ctx {
    const tt_rollup_filter *filter;
    unsigned group;
    tt_counter_map *index; /* key → position in the top list (in .extra) */
    tt_u64_set seen_v4;    /* IPv4 source << 24 | position: one word per entry */
    tt_addr_set seen_v6;   /* other sources, tagged with the position */
    uint64_t *counts;
    uint64_t (*devices)[TT_OS_COUNT]; /* per position: new sources by OS class (may be NULL) */
    uint64_t last_key;     /* one-entry cache: consecutive rows mostly share a key */
    tt_counter_entry *last_entry;
} sources_ctx;

static tt_status count_source(sources_ctx *c, const tt_addr *src, uint8_t os, uint64_t position)
{
    bool added;
    tt_status st;
    if (tt_addr_is_v4(src))
        st = tt_u64_set_add(&c->seen_v4, (uint64_t)tt_addr_v4(src) << 24 | position, &added);
    else
        st = tt_addr_set_add(&c->seen_v6, src, (uint32_t)position, &added);
    if (st == TT_OK && added) {
        c->counts[position]++;
        if (c->devices && os < TT_OS_COUNT)
            c->devices[position][os]++;
    }
    return st;
}

static tt_status count_sources(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                               size_t n)
{
    (void)hour;
    (void)sensor;
    sources_ctx *c = ctx;
    for (size_t i = 0; i < n; i++) {
        const tt_detail_row *r = &rows[i];
        if (!tt_filter_row(c->filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true))
            continue;
        uint64_t key = rank_key(c->group, r->service, r->cc, r->kind, r->asn);
        if (key != c->last_key || c->last_entry == NULL) {
            c->last_key = key;
            c->last_entry = tt_counter_map_find(c->index, key);
            if (c->last_entry == NULL) {
                c->last_key = UINT64_MAX;
                continue;
            }
        }
        tt_status st = count_source(c, &rows[i].src, rows[i].os, c->last_entry->extra);
        if (st != TT_OK)
            return st;
    }
    return TT_OK;
}

/* Whether the source index (sets by port and by country, over all packets)
 * can answer distinct sources for a ranking with this filter. */
bool tt_query_index_answers(const tt_rollup_filter *f)
{
    return !f->has_port && !f->cc && !f->has_asn && !f->has_kind && f->exclude_kinds == 0 && f->exclude_flags == 0;
}

typedef struct union_ctx {
    unsigned group;           /* TT_GROUP_PORT or TT_GROUP_CC */
    const rank_entry *top;
    size_t n;
    bool scans_only;          /* ports: leave out backscatter */
    unsigned nos;             /* 1, or TT_OS_COUNT to split sources by OS class too */
    tt_counter_map *index;    /* key → position (in .extra) */
    tt_source_union *sources; /* per position x OS class: [i * nos + os]; os 0 = all sources */
} union_ctx;

static uint32_t index_key(unsigned group, unsigned os, uint64_t key)
{
    if (group == TT_GROUP_PORT)
        return tt_srckey(os ? TT_SRCKEY_PORT_OS : TT_SRCKEY_PORT, os, (uint32_t)key);
    return tt_srckey(os ? TT_SRCKEY_CC_OS : TT_SRCKEY_CC, os, (uint32_t)key);
}

typedef struct union_day_job {
    union_ctx *c;
    const tt_srcidx_blob *blob;
} union_day_job;

/* One day's sets of position i (its sources, and per OS class). */
static tt_status union_position(void *ctx, size_t i)
{
    const union_day_job *job = ctx;
    const union_ctx *c = job->c;
    tt_source_union *u = &c->sources[i * c->nos];
    tt_status st = TT_OK;
    if (c->group == TT_GROUP_PORT && !c->scans_only)
        st = tt_source_union_add_key(u, job->blob, tt_srckey(TT_SRCKEY_PORT_BS, 0, (uint32_t)c->top[i].key));
    for (unsigned os = 0; os < c->nos && st == TT_OK; os++)
        st = tt_source_union_add_key(&u[os], job->blob, index_key(c->group, os, c->top[i].key));
    return st;
}

/* Positions are independent: two threads share them (the unions of the
 * busiest ports were 60 % of a quarter's top ports). */
static tt_status union_day(void *ctx, int64_t day, int32_t sensor, const uint8_t *data, size_t len)
{
    (void)day;
    (void)sensor;
    tt_srcidx_blob blob;
    tt_status st = tt_srcidx_open(data, len, &blob);
    union_day_job job = {ctx, &blob};
    return st == TT_OK ? tt_parallel_for(((union_ctx *)ctx)->n, union_position, &job) : st;
}

typedef struct union_count_job {
    union_ctx *c;
    uint64_t *counts;
    uint64_t (*devices)[TT_OS_COUNT];
} union_count_job;

static tt_status count_position(void *ctx, size_t i)
{
    const union_count_job *job = ctx;
    const union_ctx *c = job->c;
    tt_status st = tt_source_union_count(&c->sources[i * c->nos], &job->counts[i]);
    for (unsigned os = 1; job->devices && os < c->nos && st == TT_OK; os++)
        st = tt_source_union_count(&c->sources[i * c->nos + os], &job->devices[i][os]);
    return st;
}

static tt_status union_segment(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    (void)hour;
    (void)sensor;
    union_ctx *c = ctx;
    tt_status st = TT_OK;
    for (size_t i = 0; i < n && st == TT_OK; i++) {
        const tt_detail_row *r = &rows[i];
        if (c->group == TT_GROUP_PORT &&
            (tt_service_port(r->service) < 0 || (c->scans_only && tt_kind_is_backscatter((tt_kind)r->kind))))
            continue;
        tt_counter_entry *e = tt_counter_map_find(c->index, rank_key(c->group, r->service, r->cc, r->kind, r->asn));
        if (e == NULL)
            continue;
        tt_source_union *u = &c->sources[e->extra * c->nos];
        st = tt_source_union_add(u, &r->src);
        if (st == TT_OK && r->os > 0 && r->os < c->nos)
            st = tt_source_union_add(&u[r->os], &r->src);
    }
    return st;
}

/* Exact distinct sources of c->top's keys over f's hours and sensors (the
 * rest of f must be unset: tt_query_index_answers): the source index for
 * its whole UTC days, the segments for the hours at its ends (split_days).
 * counts[i]; devices[i][os] when c->nos > 1. */
static tt_status union_counts(tt_query *q, const tt_rollup_filter *f, union_ctx *c, uint64_t *counts,
                              uint64_t (*devices)[TT_OS_COUNT])
{
    tt_counter_map index;
    tt_counter_map_init(&index, 0);
    c->index = &index;
    c->sources = calloc(c->n * c->nos + 1, sizeof *c->sources);
    tt_status st = c->sources ? TT_OK : TT_ERR_NOMEM;
    size_t ready = 0;
    for (; ready < c->n * c->nos && st == TT_OK; ready++)
        st = tt_source_union_init(&c->sources[ready]);
    for (size_t i = 0; i < c->n && st == TT_OK; i++) {
        tt_counter_entry *e = tt_counter_map_get(&index, c->top[i].key);
        if (e == NULL)
            st = TT_ERR_NOMEM;
        else
            e->extra = i;
    }
    int64_t day_from, day_to;
    tt_rollup_filter edges[2];
    size_t nedges;
    split_days(f, &day_from, &day_to, edges, &nedges);
    if (st == TT_OK && day_from < day_to)
        st = q->store->ops->scan_source_index(q->store, f, day_from, day_to, union_day, c);
    for (size_t e = 0; e < nedges && st == TT_OK; e++)
        st = q->store->ops->scan_segments(q->store, &edges[e], NULL, true, union_segment, c);
    union_count_job counting = {c, counts, devices};
    if (st == TT_OK)
        st = tt_parallel_for(c->n, count_position, &counting);
    for (size_t i = 0; i < ready; i++)
        tt_source_union_free(&c->sources[i]);
    free(c->sources);
    tt_counter_map_free(&index);
    return st;
}

tt_status tt_query_port_sources(tt_query *q, const tt_rollup_filter *f, uint32_t port_key, bool scans_only,
                                uint64_t *count)
{
    rank_entry top = {port_key, 0, 0, 0};
    union_ctx c = {TT_GROUP_PORT, &top, 1, scans_only, 1, NULL, NULL};
    return union_counts(q, f, &c, count, NULL);
}

/* Exact distinct sources of the listed keys over the period (hourly counts
 * cannot be added up across hours): from the source index when the filter
 * allows, else from the per-source segments. */
static tt_status distinct_sources(tt_query *q, unsigned group, const rank_entry *top, size_t n,
                                  uint64_t *counts, uint64_t (*devices)[TT_OS_COUNT])
{
    for (size_t i = 0; i < n; i++)
        counts[i] = 0;
    if (n > 0 && (group == TT_GROUP_PORT || group == TT_GROUP_CC) && tt_query_index_answers(&q->filter)) {
        union_ctx c = {group, top, n, false, TT_OS_COUNT, NULL, NULL};
        return union_counts(q, &q->filter, &c, counts, devices);
    }
    tt_counter_map index;
    tt_counter_map_init(&index, 0);
    tt_status st = TT_OK;
    for (size_t i = 0; i < n && st == TT_OK; i++) {
        tt_counter_entry *e = tt_counter_map_get(&index, top[i].key);
        if (e == NULL)
            st = TT_ERR_NOMEM;
        else
            e->extra = i;
    }
    sources_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.filter = &q->filter;
    ctx.group = group;
    ctx.index = &index;
    ctx.counts = counts;
    ctx.devices = devices;
    ctx.last_key = UINT64_MAX;
    tt_u64_set_init(&ctx.seen_v4, QUERY_MAX_SOURCES);
    tt_addr_set_init(&ctx.seen_v6, QUERY_MAX_SOURCES);
    if (st == TT_OK && n > 0)
        st = q->store->ops->scan_segments(q->store, &q->filter, NULL, true, count_sources, &ctx);
    tt_u64_set_free(&ctx.seen_v4);
    tt_addr_set_free(&ctx.seen_v6);
    tt_counter_map_free(&index);
    return st;
}

static const char *store_error(tt_query *q, tt_status st, char *err, size_t errlen)
{
    const char *detail = st == TT_ERR_DB || st == TT_ERR_FORMAT ? q->store->ops->last_error(q->store)
                                                                : tt_strerror(st);
    snprintf(err, errlen, "%s", detail);
    return err;
}

/* Keeps the ranked ports whose knowledge-base category is q->category. */
static size_t keep_category(const tt_query *q, rank_entry *ranked, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tt_service service = (tt_service)ranked[i].key;
        const char *category = tt_kb_category(q->kb, tt_service_proto(service), tt_service_port(service));
        if (category && strcmp(category, q->category) == 0)
            ranked[k++] = ranked[i];
    }
    return k;
}

/* "embedded/iot 60%, pc/server 40%": device classes of the sources that had an
 * OS hint (p0f matched one of their SYNs); false when none had. */
static bool device_shares(const uint64_t by_os[TT_OS_COUNT], char *out, size_t len)
{
    static const char *const devices[] = {"embedded/iot", "pc/server", "tool", "unknown"};
    uint64_t count[4] = {0, 0, 0, 0}, known = 0;
    for (int os = 1; os < TT_OS_COUNT; os++) {
        const char *name = tt_os_device_name((tt_os_class)os);
        for (int d = 0; d < 4; d++) {
            if (strcmp(name, devices[d]) == 0) {
                count[d] += by_os[os];
                known += by_os[os];
            }
        }
    }
    if (known == 0)
        return false;
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < 4; d++) {
        if (count[d] == 0)
            continue;
        int w = snprintf(out + used, len - used, "%s%s %.0f%%", used ? ", " : "", devices[d],
                         100.0 * (double)count[d] / (double)known);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return true;
}

/* The previous period's ranking, on a thread and a store connection of its
 * own while this thread ranks the period and counts its sources. */
typedef struct previous_rank {
    tt_query q; /* the caller's, with its own store connection */
    tt_period period;
    unsigned group;
    rank_entry *ranked;
    size_t n;
    uint64_t total;
    tt_status st;
    pthread_t thread;
    bool started;
} previous_rank;

static void *previous_rank_main(void *arg)
{
    previous_rank *p = arg;
    p->st = rank_period(&p->q, &p->period, p->group, &p->ranked, &p->n, &p->total);
    return NULL;
}

/* Starts the ranking of the previous period; if there is no second
 * connection or thread to be had, it runs at once on this thread. */
static void previous_rank_start(tt_query *q, const tt_period *period, unsigned group, previous_rank *p)
{
    memset(p, 0, sizeof *p);
    p->q = *q;
    p->period = *period;
    p->group = group;
    tt_store *reader = NULL;
    if (q->store->ops->open_reader && q->store->ops->open_reader(q->store, &reader) == TT_OK) {
        p->q.store = reader;
        if (pthread_create(&p->thread, NULL, previous_rank_main, p) == 0) {
            p->started = true;
            return;
        }
        tt_store_close(reader);
        p->q.store = q->store;
    }
    previous_rank_main(p);
}

/* Waits for the ranking (its failure in err, from the connection it used)
 * and closes its connection. Safe to call again. */
static tt_status previous_rank_finish(previous_rank *p, char *err, size_t errlen)
{
    if (p->started)
        pthread_join(p->thread, NULL);
    if (p->st != TT_OK && err != NULL)
        store_error(&p->q, p->st, err, errlen);
    if (p->started)
        tt_store_close(p->q.store);
    p->started = false;
    return p->st;
}

static tt_status top_ranking(tt_query *q, unsigned group, tt_table *out, char *err, size_t errlen)
{
    rank_entry *ranked = NULL, *prev = NULL;
    size_t n = 0, nprev = 0;
    uint64_t total = 0;
    uint64_t *sources = NULL;
    uint64_t (*devices)[TT_OS_COUNT] = NULL;
    tt_period previous;
    tt_status st = tt_period_previous(&q->period, &previous, err, errlen);
    if (st != TT_OK)
        return st;
    previous_rank earlier;
    previous_rank_start(q, &previous, group, &earlier);
    if ((st = rank_period(q, &q->period, group, &ranked, &n, &total)) != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if (group == TT_GROUP_PORT && q->category)
        n = keep_category(q, ranked, n);
    if (n > q->limit)
        n = q->limit;
    sources = calloc(n ? n : 1, sizeof *sources);
    devices = calloc(n ? n : 1, sizeof *devices);
    if (sources == NULL || devices == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    if ((st = distinct_sources(q, group, ranked, n, sources, devices)) != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if ((st = previous_rank_finish(&earlier, err, errlen)) != TT_OK)
        goto cleanup;
    prev = earlier.ranked;
    nprev = earlier.n;
    earlier.ranked = NULL;
    if (group == TT_GROUP_PORT && q->category)
        nprev = keep_category(q, prev, nprev);
    for (size_t i = 0; i < n; i++) {
        tt_cell *row = tt_table_add_row(out);
        if (row == NULL) {
            st = TT_ERR_NOMEM;
            goto cleanup;
        }
        size_t c = 0;
        tt_cell_int(&row[c++], (int64_t)i + 1);
        if (group == TT_GROUP_PORT) {
            tt_service service = (tt_service)ranked[i].key;
            uint8_t proto = tt_service_proto(service);
            int32_t port = tt_service_port(service);
            const char *proto_name = tt_proto_name(proto);
            char number[8];
            snprintf(number, sizeof number, "%u", proto);
            if ((st = tt_cell_text(&row[c++], proto_name ? proto_name : number)) != TT_OK)
                goto cleanup;
            tt_cell_int(&row[c++], port);
            const char *name = tt_services_name(q->services, proto, port);
            if (name)
                st = tt_cell_text(&row[c++], name);
            else
                tt_cell_null(&row[c++], "-");
        } else if (group == TT_GROUP_CC) {
            char cc[3], name[128];
            tt_cc_text((tt_cc)ranked[i].key, cc);
            st = tt_cell_text(&row[c++], cc);
            if (st == TT_OK)
                st = tt_cell_text(&row[c++], tt_geo_country_name(q->geo, (tt_cc)ranked[i].key, name,
                                                                 sizeof name));
        } else if (group == TT_GROUP_ASN) {
            char name[256];
            tt_cell_int(&row[c++], (int64_t)ranked[i].key);
            st = tt_cell_text(&row[c++], tt_geo_as_name(q->geo, (uint32_t)ranked[i].key, name, sizeof name));
        } else {
            st = tt_cell_text(&row[c++], tt_kind_name((tt_kind)ranked[i].key));
        }
        if (st != TT_OK)
            goto cleanup;
        tt_cell_int(&row[c++], (int64_t)ranked[i].packets);
        tt_cell_real(&row[c++], total ? 100.0 * (double)ranked[i].packets / (double)total : 0.0);
        tt_cell_int(&row[c++], (int64_t)sources[i]);
        tt_cell_null(&row[c], "out of top 10");
        for (size_t p = 0; p < nprev && p < TT_PREV_RANK_TOP; p++)
            if (prev[p].key == ranked[i].key)
                tt_cell_int(&row[c], (int64_t)p + 1);
        c++;
        if (group == TT_GROUP_PORT) {
            /* The kind of packet (scanner tool, backscatter) most seen on the port. */
            if (ranked[i].kind_packets > 0 &&
                (st = tt_cell_text(&row[c++], tt_kind_name((tt_kind)ranked[i].kind))) != TT_OK)
                goto cleanup;
            tt_cell_real(&row[c++],
                         ranked[i].packets ? 100.0 * (double)ranked[i].kind_packets / (double)ranked[i].packets : 0);
            /* What the knowledge base says about the port, in one line. */
            const tt_kb_entry *entries[1];
            tt_service service = (tt_service)ranked[i].key;
            if (q->kb && tt_kb_lookup(q->kb, tt_service_proto(service), tt_service_port(service), entries, 1) == 1) {
                char line[320];
                snprintf(line, sizeof line, "%s: %s", entries[0]->category, entries[0]->title);
                if ((st = tt_cell_text(&row[c++], line)) != TT_OK)
                    goto cleanup;
            } else {
                tt_cell_null(&row[c++], "-");
            }
        }
        if (group == TT_GROUP_PORT || group == TT_GROUP_CC) {
            char text[128];
            if (device_shares(devices[i], text, sizeof text))
                st = tt_cell_text(&row[c++], text);
            else
                tt_cell_null(&row[c++], "-");
            if (st != TT_OK)
                goto cleanup;
        }
    }
cleanup:
    (void)previous_rank_finish(&earlier, NULL, 0); /* after a failure here: only wait */
    free(earlier.ranked);
    free(devices);
    free(ranked);
    free(prev);
    free(sources);
    return st;
}

tt_status tt_query_top_ports(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"rank", "proto", "port", "service", "packets", "share", "sources",
                                    "prev_rank", "tool", "tool_share", "kb", "devices"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 2;
    return top_ranking(q, TT_GROUP_PORT, out, err, errlen);
}

tt_status tt_query_top_asns(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"rank", "asn", "as_name", "packets", "share", "sources", "prev_rank"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 2;
    return top_ranking(q, TT_GROUP_ASN, out, err, errlen);
}

tt_status tt_query_top_tools(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"rank", "tool", "packets", "share", "sources", "prev_rank"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 2;
    return top_ranking(q, TT_GROUP_KIND, out, err, errlen);
}

tt_status tt_query_top_countries(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"rank", "cc", "name", "packets", "share", "sources", "prev_rank",
                                    "devices"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 2;
    return top_ranking(q, TT_GROUP_CC, out, err, errlen);
}

typedef struct source_total {
    tt_addr addr;
    tt_cc cc;
    uint64_t packets;
} source_total;

typedef struct top_sources_ctx {
    const tt_rollup_filter *filter;
    tt_addr_set positions; /* address → position in totals (entry value) */
    source_total *totals;
    size_t n, cap;
    uint64_t total;
} top_sources_ctx;

static bool row_matches(const tt_rollup_filter *f, const tt_detail_row *r)
{
    return tt_filter_row(f, r->service, r->kind, r->src_flags, r->cc, r->asn, true);
}

static tt_status add_source_packets(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                                    size_t n)
{
    (void)hour;
    (void)sensor;
    top_sources_ctx *c = ctx;
    for (size_t i = 0; i < n; i++) {
        if (!row_matches(c->filter, &rows[i]))
            continue;
        c->total += rows[i].packets;
        tt_addr_set_entry *e;
        bool added;
        tt_status st = tt_addr_set_get(&c->positions, &rows[i].src, 0, &e, &added);
        if (st != TT_OK)
            return st;
        if (added) {
            if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 1024;
                source_total *p = realloc(c->totals, cap * sizeof *p);
                if (p == NULL)
                    return TT_ERR_NOMEM;
                c->totals = p;
                c->cap = cap;
            }
            c->totals[c->n] = (source_total){rows[i].src, rows[i].cc, 0};
            e->value = (uint32_t)c->n++;
        }
        c->totals[e->value].packets += rows[i].packets;
    }
    return TT_OK;
}

static int source_total_cmp(const void *a, const void *b)
{
    const source_total *sa = a, *sb = b;
    if (sa->packets != sb->packets)
        return sa->packets > sb->packets ? -1 : 1;
    return tt_addr_cmp(&sa->addr, &sb->addr);
}

tt_status tt_query_top_sources(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"rank", "ip", "cc", "packets", "share"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 2;
    top_sources_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.filter = &q->filter;
    tt_addr_set_init(&ctx.positions, QUERY_MAX_SOURCES);
    tt_status st = q->store->ops->scan_segments(q->store, &q->filter, NULL, false, add_source_packets, &ctx);
    if (st != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if (ctx.n > 1)
        qsort(ctx.totals, ctx.n, sizeof *ctx.totals, source_total_cmp);
    for (size_t i = 0; i < ctx.n && i < q->limit; i++) {
        tt_cell *row = tt_table_add_row(out);
        char text[TT_ADDR_STRLEN], cc[3];
        if (row == NULL) {
            st = TT_ERR_NOMEM;
            goto cleanup;
        }
        tt_cell_int(&row[0], (int64_t)i + 1);
        tt_cc_text(ctx.totals[i].cc, cc);
        if ((st = tt_cell_text(&row[1], tt_addr_format(&ctx.totals[i].addr, text))) != TT_OK ||
            (st = tt_cell_text(&row[2], cc)) != TT_OK)
            goto cleanup;
        tt_cell_int(&row[3], (int64_t)ctx.totals[i].packets);
        tt_cell_real(&row[4], 100.0 * (double)ctx.totals[i].packets / (double)ctx.total);
    }
cleanup:
    free(ctx.totals);
    tt_addr_set_free(&ctx.positions);
    return st;
}

typedef struct series_ctx {
    const tt_rollup_filter *filter;
    tt_counter_map *by_hour;
} series_ctx;

/* Series with an AS filter: from the detail rows. */
static tt_status series_detail(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    (void)sensor;
    series_ctx *c = ctx;
    tt_counter_entry *e = NULL;
    for (size_t i = 0; i < n; i++) {
        const tt_detail_row *r = &rows[i];
        if (!tt_filter_row(c->filter, r->service, r->kind, r->src_flags, r->cc, r->asn, true))
            continue;
        if (e == NULL && (e = tt_counter_map_get(c->by_hour, (uint64_t)hour)) == NULL)
            return TT_ERR_NOMEM;
        e->packets += r->packets;
        e->bytes += r->bytes;
    }
    return TT_OK;
}

static tt_status series_row(void *ctx, const tt_rollup_row *row)
{
    series_ctx *c = ctx;
    tt_counter_entry *e = tt_counter_map_get(c->by_hour, (uint64_t)row->hour);
    if (e == NULL)
        return TT_ERR_NOMEM;
    e->packets += row->packets;
    e->bytes += row->bytes;
    return TT_OK;
}

/* A per-key total (day or edge hour) that passes the series' filter. */
static tt_status series_total(void *ctx, const tt_rollup_row *row)
{
    series_ctx *c = ctx;
    if (!tt_filter_row(c->filter, row->service, row->kind, row->src_flags, row->cc, 0, false))
        return TT_OK;
    return series_row(ctx, row);
}

/* Whether a daily series can be summed from the stored per-key totals (a
 * day's total lands on its first hour): days must be UTC days, and the
 * filter one the port or country lists answer. */
static bool series_from_totals(const tt_query *q, bool by_hour, unsigned *group)
{
    const tt_rollup_filter *f = &q->filter;
    if (by_hour || q->period.hour_from % 24 != 0 || f->has_asn || (f->has_port && f->cc))
        return false;
    *group = f->cc ? TT_GROUP_CC : TT_GROUP_PORT;
    return !(f->cc && (f->has_kind || f->exclude_kinds));
}

/* Capture uptime of live sensors per hour (analyze/health.h has the per-sensor view). */
typedef struct uptime_ctx {
    tt_counter_map *by_hour; /* packets = seconds covered, summed over sensors */
    uint8_t seen[TT_LIMIT_SENSORS / 8];
    size_t nsensors;
} uptime_ctx;

static tt_status uptime_row(void *ctx, int32_t sensor, int64_t hour, uint32_t seconds)
{
    uptime_ctx *u = ctx;
    if (sensor >= 0 && sensor < TT_LIMIT_SENSORS && !(u->seen[sensor / 8] & (1u << (sensor % 8)))) {
        u->seen[sensor / 8] |= (uint8_t)(1u << (sensor % 8));
        u->nsensors++;
    }
    tt_counter_entry *e = tt_counter_map_get(u->by_hour, (uint64_t)hour);
    if (e == NULL)
        return TT_ERR_NOMEM;
    e->packets += seconds;
    return TT_OK;
}

/* Share of the live sensors' capture time covered in hours [from, to). */
static double coverage_of(const uptime_ctx *u, int64_t from, int64_t to)
{
    uint64_t seconds = 0;
    for (int64_t h = from; h < to; h++) {
        tt_counter_entry *e = tt_counter_map_find(u->by_hour, (uint64_t)h);
        if (e)
            seconds += e->packets;
    }
    return (double)seconds / ((double)u->nsensors * 3600.0 * (double)(to - from));
}

tt_status tt_query_series(tt_query *q, bool by_hour, tt_table *out, char *err, size_t errlen)
{
    /* With live sensors, a coverage column shows outages as gaps, not as drops in scanning. */
    static const char *day_columns[] = {"day", "packets", "bytes", "coverage"};
    static const char *hour_columns[] = {"hour", "packets", "bytes", "coverage"};
    tt_counter_map by_hour_map, uptime_map;
    tt_counter_map_init(&by_hour_map, QUERY_MAX_KEYS);
    tt_counter_map_init(&uptime_map, QUERY_MAX_KEYS);
    uptime_ctx up;
    memset(&up, 0, sizeof up);
    up.by_hour = &uptime_map;
    tt_status st = TT_OK;
    if (!q->no_data && (st = q->store->ops->scan_uptime(q->store, &q->filter, uptime_row, &up)) != TT_OK) {
        tt_table_init(out, by_hour ? hour_columns : day_columns, 3);
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    bool coverage = up.nsensors > 0;
    tt_table_init(out, by_hour ? hour_columns : day_columns, coverage ? 4 : 3);
    out->real_digits = 3;
    if (q->no_data)
        goto cleanup;
    series_ctx ctx = {&q->filter, &by_hour_map};
    unsigned totals_group;
    if (series_from_totals(q, by_hour, &totals_group))
        st = tt_query_scan_totals(q, &q->filter, false, totals_group, series_total, &ctx);
    else if (q->filter.has_asn)
        st = q->store->ops->scan_segments(q->store, &q->filter, NULL, false, series_detail, &ctx);
    else
        st = q->store->ops->scan_rollup(q->store, &q->filter, TT_GROUP_HOUR, series_row, &ctx);
    if (st != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if (by_hour) {
        for (int64_t h = q->period.hour_from; h < q->period.hour_to; h++) {
            tt_counter_entry *e = tt_counter_map_find(&by_hour_map, (uint64_t)h);
            tt_cell *row = tt_table_add_row(out);
            if (row == NULL) {
                st = TT_ERR_NOMEM;
                goto cleanup;
            }
            char text[40], date[16];
            snprintf(text, sizeof text, "%s %02d:00",
                     tt_format_date(tt_period_day_of_hour(h), date, sizeof date), tt_period_local_hour(h));
            if ((st = tt_cell_text(&row[0], text)) != TT_OK)
                goto cleanup;
            tt_cell_int(&row[1], e ? (int64_t)e->packets : 0);
            tt_cell_int(&row[2], e ? (int64_t)e->bytes : 0);
            if (coverage)
                tt_cell_real(&row[3], coverage_of(&up, h, h + 1));
        }
    } else {
        for (int32_t day = q->period.first_day; day <= q->period.last_day; day++) {
            int64_t from, to;
            if ((st = tt_period_day_start(day, &from, err, errlen)) != TT_OK ||
                (st = tt_period_day_start(day + 1, &to, err, errlen)) != TT_OK)
                goto cleanup;
            uint64_t packets = 0, bytes = 0;
            for (int64_t h = from; h < to; h++) {
                tt_counter_entry *e = tt_counter_map_find(&by_hour_map, (uint64_t)h);
                if (e) {
                    packets += e->packets;
                    bytes += e->bytes;
                }
            }
            tt_cell *row = tt_table_add_row(out);
            char date[16];
            if (row == NULL) {
                st = TT_ERR_NOMEM;
                goto cleanup;
            }
            if ((st = tt_cell_text(&row[0], tt_format_date(day, date, sizeof date))) != TT_OK)
                goto cleanup;
            tt_cell_int(&row[1], (int64_t)packets);
            tt_cell_int(&row[2], (int64_t)bytes);
            if (coverage)
                tt_cell_real(&row[3], coverage_of(&up, from, to));
        }
    }
cleanup:
    tt_counter_map_free(&by_hour_map);
    tt_counter_map_free(&uptime_map);
    return st;
}

/* One line of a source's history: local day x service x kind x sensor. */
typedef struct ip_line {
    int32_t day;
    tt_service service;
    uint8_t kind, os, ttl;
    int32_t sensor;
    uint64_t packets, bytes;
    uint32_t first, last;
} ip_line;

typedef struct ip_ctx {
    const tt_addr *addr;
    ip_line *lines;
    size_t n, cap;
    tt_cc cc;
    uint32_t asn;
    uint8_t src_flags;
    uint64_t os_packets[TT_OS_COUNT];
} ip_ctx;

static tt_status collect_ip(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    ip_ctx *c = ctx;
    int32_t day = tt_period_day_of_hour(hour);
    /* Rows are sorted by source: binary search to the address's first row. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tt_addr_cmp(&rows[mid].src, c->addr) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && tt_addr_cmp(&rows[i].src, c->addr) == 0; i++) {
        c->cc = rows[i].cc;
        c->asn = rows[i].asn;
        c->src_flags = rows[i].src_flags;
        if (rows[i].os < TT_OS_COUNT)
            c->os_packets[rows[i].os] += rows[i].packets;
        ip_line *line = NULL;
        for (size_t k = c->n; k > 0; k--) {
            ip_line *l = &c->lines[k - 1];
            if (l->day != day)
                break;
            if (l->service == rows[i].service && l->kind == rows[i].kind && l->sensor == sensor) {
                line = l;
                break;
            }
        }
        if (line == NULL) {
            if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 64;
                ip_line *p = realloc(c->lines, cap * sizeof *p);
                if (p == NULL)
                    return TT_ERR_NOMEM;
                c->lines = p;
                c->cap = cap;
            }
            line = &c->lines[c->n++];
            *line = (ip_line){day,    rows[i].service, rows[i].kind, rows[i].os, rows[i].ttl,
                              sensor, 0,               0,             rows[i].first, rows[i].last};
        }
        if (line->os == TT_OS_UNKNOWN)
            line->os = rows[i].os;
        line->packets += rows[i].packets;
        line->bytes += rows[i].bytes;
        if (rows[i].first < line->first)
            line->first = rows[i].first;
        if (rows[i].last > line->last)
            line->last = rows[i].last;
    }
    return TT_OK;
}

static int ip_line_cmp(const void *a, const void *b)
{
    const ip_line *la = a, *lb = b;
    if (la->day != lb->day)
        return la->day < lb->day ? -1 : 1;
    if (la->service != lb->service)
        return la->service < lb->service ? -1 : 1;
    if (la->kind != lb->kind)
        return la->kind < lb->kind ? -1 : 1;
    return (la->sensor > lb->sensor) - (la->sensor < lb->sensor);
}

static const char *sensor_name(const tt_query *q, int32_t id)
{
    for (size_t i = 0; i < q->nsensors; i++)
        if (q->sensors[i].id == id)
            return q->sensors[i].name;
    return "?";
}


tt_status tt_query_ip(tt_query *q, const tt_addr *addr, tt_format format, FILE *out, char *err,
                      size_t errlen)
{
    static const char *columns[] = {"day",   "proto", "port",       "service",  "sensor", "tool", "os",
                                    "ttl",   "hops",  "packets",    "bytes",    "first_seen", "last_seen"};
    ip_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.addr = addr;
    ctx.cc = TT_CC_UNKNOWN;
    tt_table table;
    tt_table_init(&table, columns, sizeof columns / sizeof columns[0]);
    tt_status st = q->store->ops->scan_segments(q->store, &q->filter, addr, false, collect_ip, &ctx);
    if (st != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    if (ctx.n > 1)
        qsort(ctx.lines, ctx.n, sizeof *ctx.lines, ip_line_cmp);
    uint64_t packets = 0, bytes = 0;
    uint32_t first = UINT32_MAX, last = 0;
    for (size_t i = 0; i < ctx.n; i++) {
        const ip_line *l = &ctx.lines[i];
        packets += l->packets;
        bytes += l->bytes;
        if (l->first < first)
            first = l->first;
        if (l->last > last)
            last = l->last;
        tt_cell *row = tt_table_add_row(&table);
        if (row == NULL) {
            st = TT_ERR_NOMEM;
            goto cleanup;
        }
        char date[16], t1[40], t2[40];
        uint8_t proto = tt_service_proto(l->service);
        const char *proto_name = tt_proto_name(proto);
        const char *service = tt_services_name(q->services, proto, tt_service_port(l->service));
        char number[8];
        snprintf(number, sizeof number, "%u", proto);
        if ((st = tt_cell_text(&row[0], tt_format_date(l->day, date, sizeof date))) ||
            (st = tt_cell_text(&row[1], proto_name ? proto_name : number)))
            goto cleanup;
        tt_cell_int(&row[2], tt_service_port(l->service));
        if (service)
            st = tt_cell_text(&row[3], service);
        else
            tt_cell_null(&row[3], "-");
        if (st || (st = tt_cell_text(&row[4], sensor_name(q, l->sensor))) ||
            (st = tt_cell_text(&row[5], tt_kind_name((tt_kind)l->kind))))
            goto cleanup;
        if (l->os != TT_OS_UNKNOWN && (st = tt_cell_text(&row[6], tt_os_class_name((tt_os_class)l->os))))
            goto cleanup;
        if (l->os == TT_OS_UNKNOWN)
            tt_cell_null(&row[6], "-");
        /* Hops from the usual initial TTL the observed one decayed from. */
        tt_cell_int(&row[7], l->ttl);
        tt_cell_int(&row[8], tt_initial_ttl(l->ttl) - l->ttl);
        tt_cell_int(&row[9], (int64_t)l->packets);
        tt_cell_int(&row[10], (int64_t)l->bytes);
        if ((st = tt_cell_text(&row[11], tt_period_format_time(l->first, t1, sizeof t1))) ||
            (st = tt_cell_text(&row[12], tt_period_format_time(l->last, t2, sizeof t2))))
            goto cleanup;
    }
    /* The sender's OS class: the one seen on most packets among those with a hint. */
    tt_os_class os = TT_OS_UNKNOWN;
    uint64_t os_best = 0;
    for (int k = 1; k < TT_OS_COUNT; k++) {
        if (ctx.os_packets[k] > os_best) {
            os_best = ctx.os_packets[k];
            os = (tt_os_class)k;
        }
    }
    /* Distance of the sender: the first line's TTL against its usual initial value. */
    uint8_t ttl = ctx.n ? ctx.lines[0].ttl : 0;
    int initial_ttl = tt_initial_ttl(ttl), hops = initial_ttl - ttl;
    char as_name[256] = "";
    if (ctx.asn)
        tt_geo_as_name(q->geo, ctx.asn, as_name, sizeof as_name);
    char text[TT_ADDR_STRLEN], cc[3], t1[40], t2[40];
    tt_addr_format(addr, text);
    tt_cc_text(ctx.cc, cc);
    if (ctx.n > 0 && ctx.cc == TT_CC_UNKNOWN && q->geo)
        tt_cc_text(tt_geo_country(q->geo, addr), cc);
    if (format == TT_FORMAT_JSON) {
        fputs("{\"ip\": ", out);
        tt_json_string(out, text);
        fputs(", \"cc\": ", out);
        if (ctx.n)
            tt_json_string(out, cc);
        else
            fputs("null", out);
        if (ctx.n) {
            fprintf(out, ", \"first_seen\": \"%s\", \"last_seen\": \"%s\"",
                    tt_period_format_time(first, t1, sizeof t1), tt_period_format_time(last, t2, sizeof t2));
        } else {
            fputs(", \"first_seen\": null, \"last_seen\": null", out);
        }
        fprintf(out, ", \"asn\": %lu, \"as_name\": ", (unsigned long)ctx.asn);
        tt_json_string(out, as_name);
        if (ctx.n)
            fprintf(out, ", \"initial_ttl\": %d, \"hops\": %d", initial_ttl, hops);
        fprintf(out, ", \"known_scanner\": %s, \"os\": \"%s\", \"device\": \"%s\"",
                ctx.src_flags & TT_GEO_KNOWN_SCANNER ? "true" : "false", tt_os_class_name(os),
                tt_os_device_name(os));
        fprintf(out, ", \"packets\": %llu, \"bytes\": %llu, \"rows\": ", (unsigned long long)packets,
                (unsigned long long)bytes);
        st = tt_table_print_json_array(&table, out, 0);
        fputs("}\n", out);
    } else if (format == TT_FORMAT_CSV) {
        st = tt_table_print(&table, format, out);
    } else {
        if (ctx.n == 0) {
            fprintf(out, "%s: not seen in this period\n", text);
        } else {
            char as_text[300] = "unknown";
            if (ctx.asn)
                snprintf(as_text, sizeof as_text, "AS%lu%s%s", (unsigned long)ctx.asn, as_name[0] ? " " : "",
                         as_name);
            fprintf(out, "ip:         %s\ncc:         %s\nas:         %s\nos:         %s (%s)%s\n"
                         "distance:   ~%d hops (initial TTL %d)\n"
                         "first seen: %s\nlast seen:  %s\npackets:    %llu\nbytes:      %llu\n\n",
                    text, cc, as_text, tt_os_class_name(os), tt_os_device_name(os),
                    ctx.src_flags & TT_GEO_KNOWN_SCANNER ? "\nknown scanner" : "", hops, initial_ttl,
                    tt_period_format_time(first, t1, sizeof t1), tt_period_format_time(last, t2, sizeof t2),
                    (unsigned long long)packets, (unsigned long long)bytes);
            st = tt_table_print(&table, format, out);
        }
    }
cleanup:
    free(ctx.lines);
    tt_table_free(&table);
    return st;
}

typedef struct stats_ctx {
    tt_table *files;
    tt_status st;
    uint64_t frames;
    size_t nfiles;
} stats_ctx;

static tt_status stats_file(void *ctx, const tt_file_info *f)
{
    stats_ctx *c = ctx;
    tt_cell *row = tt_table_add_row(c->files);
    if (row == NULL)
        return TT_ERR_NOMEM;
    char t1[40], t2[40];
    tt_status st;
    if ((st = tt_cell_text(&row[0], f->name)) || (st = tt_cell_text(&row[1], f->hash)))
        return st;
    tt_cell_int(&row[2], (int64_t)f->size);
    tt_cell_int(&row[3], (int64_t)f->frames);
    if ((st = tt_cell_text(&row[4], f->done ? (f->damage[0] ? "damaged" : "done") : "partial")))
        return st;
    if (f->first_ts) {
        if ((st = tt_cell_text(&row[5], tt_period_format_time((uint32_t)f->first_ts, t1, sizeof t1))) ||
            (st = tt_cell_text(&row[6], tt_period_format_time((uint32_t)f->last_ts, t2, sizeof t2))))
            return st;
    }
    if (f->damage[0] && (st = tt_cell_text(&row[7], f->damage)))
        return st;
    c->frames += f->frames;
    c->nfiles++;
    return TT_OK;
}

typedef struct sensor_totals_ctx {
    tt_counter_map *map;
} sensor_totals_ctx;

static tt_status sensor_total(void *ctx, const tt_rollup_row *row)
{
    sensor_totals_ctx *c = ctx;
    tt_counter_entry *e = tt_counter_map_get(c->map, (uint64_t)row->sensor);
    if (e == NULL)
        return TT_ERR_NOMEM;
    e->packets += row->packets;
    e->bytes += row->bytes;
    return TT_OK;
}

tt_status tt_query_stats(tt_query *q, tt_format format, FILE *out, char *err, size_t errlen)
{
    static const char *file_columns[] = {"file", "hash", "size", "frames", "state", "first_seen",
                                         "last_seen", "damage"};
    static const char *outcome_columns[] = {"outcome", "frames"};
    static const char *sensor_columns[] = {"sensor", "region", "labels", "packets", "bytes"};
    tt_table files, outcomes, sensors;
    tt_table_init(&files, file_columns, 8);
    tt_table_init(&outcomes, outcome_columns, 2);
    tt_table_init(&sensors, sensor_columns, 5);
    tt_counter_map per_sensor;
    tt_counter_map_init(&per_sensor, 0);
    stats_ctx ctx = {&files, TT_OK, 0, 0};
    uint64_t totals[TT_OUTCOME_COUNT];
    int64_t first_hour = 0, last_hour = -1;
    tt_status st = q->store->ops->files(q->store, stats_file, &ctx);
    if (st == TT_OK)
        st = q->store->ops->outcome_totals(q->store, totals);
    if (st == TT_OK) {
        st = q->store->ops->hour_range(q->store, &first_hour, &last_hour);
        if (st == TT_ERR_NOTFOUND) {
            st = TT_OK;
            last_hour = first_hour - 1;
        }
    }
    /* Per sensor from the country totals (short lists, one a sensor-day),
     * not from the rollup's every row. */
    tt_rollup_filter all = {.hour_from = first_hour, .hour_to = last_hour + 1};
    sensor_totals_ctx sctx = {&per_sensor};
    if (st == TT_OK && first_hour <= last_hour)
        st = tt_query_scan_totals(q, &all, true, TT_GROUP_CC, sensor_total, &sctx);
    if (st != TT_OK) {
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    uint64_t packets = 0, bytes = 0;
    for (int o = 0; o < TT_OUTCOME_COUNT; o++) {
        tt_cell *row = tt_table_add_row(&outcomes);
        if (row == NULL || (st = tt_cell_text(&row[0], tt_outcome_name((tt_outcome)o)))) {
            st = st ? st : TT_ERR_NOMEM;
            goto cleanup;
        }
        tt_cell_int(&row[1], (int64_t)totals[o]);
    }
    for (size_t i = 0; i < q->nsensors; i++) {
        tt_counter_entry *e = tt_counter_map_find(&per_sensor, (uint64_t)q->sensors[i].id);
        tt_cell *row = tt_table_add_row(&sensors);
        if (row == NULL || (st = tt_cell_text(&row[0], q->sensors[i].name)) ||
            (st = tt_cell_text(&row[1], q->sensors[i].region)) ||
            (st = tt_cell_text(&row[2], q->sensors[i].labels))) {
            st = st ? st : TT_ERR_NOMEM;
            goto cleanup;
        }
        tt_cell_int(&row[3], e ? (int64_t)e->packets : 0);
        tt_cell_int(&row[4], e ? (int64_t)e->bytes : 0);
        packets += e ? e->packets : 0;
        bytes += e ? e->bytes : 0;
    }
    char from[40] = "", to[40] = "";
    if (last_hour >= first_hour) {
        tt_period_format_time((uint32_t)(first_hour * 3600), from, sizeof from);
        tt_period_format_time((uint32_t)(last_hour * 3600 + 3599), to, sizeof to);
    }
    if (format == TT_FORMAT_JSON) {
        fprintf(out, "{\"files\": %zu, \"frames\": %llu, \"packets\": %llu, \"bytes\": %llu, ",
                ctx.nfiles, (unsigned long long)ctx.frames, (unsigned long long)packets,
                (unsigned long long)bytes);
        if (from[0])
            fprintf(out, "\"first_seen\": \"%s\", \"last_seen\": \"%s\", ", from, to);
        else
            fputs("\"first_seen\": null, \"last_seen\": null, ", out);
        fputs("\"outcomes\": {", out);
        for (int o = 0; o < TT_OUTCOME_COUNT; o++)
            fprintf(out, "%s\"%s\": %llu", o ? ", " : "", tt_outcome_name((tt_outcome)o),
                    (unsigned long long)totals[o]);
        fputs("},\n\"sensors\": ", out);
        st = tt_table_print_json_array(&sensors, out, 0);
        fputs(",\n\"file_list\": ", out);
        if (st == TT_OK)
            st = tt_table_print_json_array(&files, out, 0);
        fputs("}\n", out);
    } else if (format == TT_FORMAT_CSV) {
        st = tt_table_print(&outcomes, format, out);
    } else {
        fprintf(out, "files:   %zu\nframes:  %llu\npackets: %llu (in sensors' rollups)\nbytes:   %llu\n",
                ctx.nfiles, (unsigned long long)ctx.frames, (unsigned long long)packets,
                (unsigned long long)bytes);
        if (from[0])
            fprintf(out, "period:  %s .. %s\n", from, to);
        fputs("\n", out);
        if ((st = tt_table_print(&outcomes, format, out)) == TT_OK) {
            fputs("\n", out);
            if ((st = tt_table_print(&sensors, format, out)) == TT_OK) {
                fputs("\n", out);
                st = tt_table_print(&files, format, out);
            }
        }
    }
cleanup:
    tt_table_free(&files);
    tt_table_free(&outcomes);
    tt_table_free(&sensors);
    tt_counter_map_free(&per_sensor);
    return st;
}
