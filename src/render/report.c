/* The quarterly report (see report.h): building its data from the store's
 * per sensor-hour totals and the event detector. Writing it is in
 * report_write.c. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/health.h"
#include "render/report_internal.h"
#include "render/svg.h"
#include "util/hashmap.h"
#include "util/limits.h"
#include "util/parse.h"

void tt_report_options_default(tt_report_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->lang = TT_LANG_JA;
    opt->format = TT_REPORT_HTML;
    opt->limit = 10;
    opt->chart_series = 5;
    opt->max_events = 5;
}

/* -------------------------------------------------------- cells (key, day) */

typedef struct cell_map {
    uint64_t *keys; /* key + 1; 0 = empty */
    uint64_t *values;
    size_t nslots, n, max;
} cell_map;

static void cell_map_free(cell_map *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

static size_t cell_slot(uint64_t key, size_t nslots)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (nslots - 1);
}

static bool cell_map_grow(cell_map *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 4096;
    uint64_t *keys = calloc(nslots, sizeof *keys), *values = calloc(nslots, sizeof *values);
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return false;
    }
    for (size_t i = 0; i < m->nslots; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t s = cell_slot(m->keys[i], nslots);
        while (keys[s])
            s = (s + 1) & (nslots - 1);
        keys[s] = m->keys[i];
        values[s] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->nslots = nslots;
    return true;
}

/* The counter of key, inserted at 0; NULL at the bound or out of memory. */
static uint64_t *cell_get(cell_map *m, uint64_t key)
{
    if (m->nslots == 0 || (m->n + 1) * 2 > m->nslots) {
        if (m->n >= m->max || !cell_map_grow(m))
            return NULL;
    }
    uint64_t stored = key + 1;
    size_t s = cell_slot(stored, m->nslots);
    while (m->keys[s] && m->keys[s] != stored)
        s = (s + 1) & (m->nslots - 1);
    if (m->keys[s] == 0) {
        if (m->n >= m->max)
            return NULL;
        m->keys[s] = stored;
        m->n++;
    }
    return &m->values[s];
}

static uint64_t cell_find(const cell_map *m, uint64_t key)
{
    if (m->nslots == 0)
        return 0;
    uint64_t stored = key + 1;
    size_t s = cell_slot(stored, m->nslots);
    while (m->keys[s]) {
        if (m->keys[s] == stored)
            return m->values[s];
        s = (s + 1) & (m->nslots - 1);
    }
    return 0;
}

static uint64_t cell_key(uint64_t key, int32_t day_index)
{
    return key << 16 | (uint64_t)day_index;
}

/* ------------------------------------------------------------ the passes */

/* The ranking key of a service: its port, ICMP types folded together (as
 * the top ports query ranks them). */
static uint64_t port_key(tt_service service)
{
    return tt_service_is_icmp(service) ? (uint64_t)tt_service_proto(service) << 17 : service;
}

/* Keys with a dense index — TCP and UDP ports, country codes — make up
 * nearly every row: they are counted in flat arrays (a day at a time for the
 * series) instead of hash tables; other keys go to the hash tables. */
#define DENSE_PORTS ((size_t)2 * 65536)
#define DENSE_COUNTRIES ((size_t)65536)

static int64_t dense_index(bool countries, uint64_t key)
{
    if (countries)
        return key < DENSE_COUNTRIES ? (int64_t)key : -1;
    tt_service service = (tt_service)key;
    uint8_t proto = tt_service_proto(service);
    int32_t port = tt_service_port(service);
    if (port < 0 || port > 65535 || (proto != 6 && proto != 17))
        return -1;
    return proto == 6 ? port : 65536 + port;
}

static uint64_t dense_key(bool countries, size_t index)
{
    if (countries)
        return index;
    return tt_service_make(index < 65536 ? 6 : 17, (int32_t)(index & 0xffff), -1);
}

typedef struct pass_ctx {
    tt_report *r;
    bool countries;
    bool rank;            /* first pass: rankings and totals too */
    const uint64_t *only; /* second pass: cells of these keys only */
    size_t nonly;
    const int32_t *hour_day; /* day index of each hour of the scan */
    int64_t nhours;
    int32_t cur_first, prev_first, prev_last; /* day indices */
    tt_counter_map *cur, *prev;
    cell_map *cells;
    bool overflow;
    /* dense keys (first pass) */
    uint64_t *dense_cur, *dense_prev, *dense_day;
    uint32_t *touched; /* indices with packets on dense_day's day */
    size_t ntouched;
    int32_t day; /* of dense_day, -1 = none */
} pass_ctx;

/* Moves the dense counts of one day into the cells. */
static void flush_day(pass_ctx *c)
{
    for (size_t i = 0; i < c->ntouched; i++) {
        uint32_t index = c->touched[i];
        uint64_t *v =
            c->overflow ? NULL : cell_get(c->cells, cell_key(dense_key(c->countries, index), c->day));
        if (v == NULL)
            c->overflow = true; /* read the series needed in a second pass */
        else
            *v += c->dense_day[index];
        c->dense_day[index] = 0;
    }
    c->ntouched = 0;
}

static tt_status pass_row(void *ctx, const tt_rollup_row *row)
{
    pass_ctx *c = ctx;
    if (row->packets == 0)
        return TT_OK;
    int64_t h = row->hour - c->r->hist_hour_from;
    if (h < 0 || h >= c->nhours)
        return TT_OK;
    int32_t day = c->hour_day[h];
    bool in_cur = day >= c->cur_first, in_prev = day >= c->prev_first && day <= c->prev_last;
    uint64_t key;
    bool rankable = true;
    if (c->countries) {
        key = row->cc;
    } else {
        key = port_key(row->service);
        rankable = tt_service_port(row->service) >= 0; /* non-first fragments have no port */
    }
    int64_t index = c->only ? -1 : dense_index(c->countries, key);
    if (c->rank) {
        if (in_cur && !c->countries) {
            c->r->packets += row->packets;
            c->r->bytes += row->bytes;
        }
        if (in_prev && !c->countries)
            c->r->prev_packets += row->packets;
        if (index >= 0) {
            if (in_cur)
                c->dense_cur[index] += row->packets;
            else if (in_prev)
                c->dense_prev[index] += row->packets;
        } else if ((in_cur || in_prev) && rankable) {
            tt_counter_entry *e = tt_counter_map_get(in_cur ? c->cur : c->prev, key);
            if (e == NULL)
                return TT_ERR_NOMEM;
            e->packets += row->packets;
        }
    }
    if (!rankable || c->overflow)
        return TT_OK;
    if (index >= 0) {
        if (day != c->day) {
            flush_day(c);
            c->day = day;
        }
        if (c->dense_day[index] == 0)
            c->touched[c->ntouched++] = (uint32_t)index;
        c->dense_day[index] += row->packets;
        return TT_OK;
    }
    if (c->only) {
        bool wanted = false;
        for (size_t i = 0; i < c->nonly && !wanted; i++)
            wanted = c->only[i] == key;
        if (!wanted)
            return TT_OK;
    }
    uint64_t *v = cell_get(c->cells, cell_key(key, day));
    if (v == NULL)
        c->overflow = true;
    else
        *v += row->packets;
    return TT_OK;
}

/* Adds the dense counts to the rankings' maps. */
static tt_status merge_dense(pass_ctx *c, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        uint64_t *counts[2] = {c->dense_cur, c->dense_prev};
        tt_counter_map *maps[2] = {c->cur, c->prev};
        for (int k = 0; k < 2; k++) {
            if (counts[k][i] == 0)
                continue;
            tt_counter_entry *e = tt_counter_map_get(maps[k], dense_key(c->countries, i));
            if (e == NULL)
                return TT_ERR_NOMEM;
            e->packets += counts[k][i];
        }
    }
    return TT_OK;
}

void tt_report_proto_upper(uint8_t proto, char *buf, size_t len)
{
    const char *name = tt_proto_name(proto);
    if (name == NULL) {
        snprintf(buf, len, "%u", proto);
        return;
    }
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        buf[i] = (char)toupper((unsigned char)name[i]);
    buf[i] = '\0';
}

/* Fills id, label, service of a port row. */
static void port_names(const tt_query *q, uint64_t key, char *id, size_t idlen, char *label, size_t labellen,
                       char *service, size_t servicelen, uint8_t *proto_out, int32_t *port_out)
{
    tt_service service_key = (tt_service)key;
    uint8_t proto = tt_service_proto(service_key);
    int32_t port = tt_service_port(service_key);
    tt_query_port_text(proto, port, id, idlen);
    char upper[16];
    tt_report_proto_upper(proto, upper, sizeof upper);
    const char *name = tt_service_is_icmp(service_key) ? NULL : tt_services_name(q->services, proto, port);
    snprintf(service, servicelen, "%s", name ? name : "");
    if (name)
        snprintf(label, labellen, "%d/%s (%s)", port, upper, name);
    else
        snprintf(label, labellen, "%d/%s", port, upper);
    *proto_out = proto;
    *port_out = port;
}

const char *tt_report_country_label(const tt_report *r, const char *cc, char *buf, size_t len)
{
    char fallback[128] = "";
    tt_cc code = tt_cc_make(cc);
    if (r->q->geo)
        tt_geo_country_name(r->q->geo, code, fallback, sizeof fallback);
    snprintf(buf, len, "%s", tt_report_country_name(r->opt.lang, cc, fallback));
    return buf;
}

/* Rankings of one list (ports or countries) from the pass's maps. */
static tt_status make_ranking(tt_report *r, bool countries, const tt_counter_map *cur,
                              const tt_counter_map *prev, ranked **out, size_t *n)
{
    tt_counter_entry *now = NULL, *before = NULL;
    tt_status st = (now = tt_counter_map_ranked(cur)) == NULL ? TT_ERR_NOMEM : TT_OK;
    if (st == TT_OK)
        st = (before = tt_counter_map_ranked(prev)) == NULL ? TT_ERR_NOMEM : TT_OK;
    *out = NULL;
    *n = 0;
    size_t rows = cur->n < r->opt.limit ? cur->n : r->opt.limit;
    if (st == TT_OK && (*out = calloc(rows ? rows : 1, sizeof **out)) == NULL)
        st = TT_ERR_NOMEM;
    for (size_t i = 0; st == TT_OK && i < rows; i++) {
        ranked *row = &(*out)[i];
        row->key = now[i].key;
        row->packets = now[i].packets;
        for (size_t p = 0; p < prev->n && p < r->opt.limit; p++)
            if (before[p].key == row->key)
                row->prev_rank = (int)p + 1;
        if (countries) {
            tt_cc_text((tt_cc)row->key, row->id);
            tt_report_country_label(r, row->id, row->label, sizeof row->label);
            snprintf(row->prose, sizeof row->prose, "%s", row->label);
        } else {
            port_names(r->q, row->key, row->id, sizeof row->id, row->label, sizeof row->label, row->service,
                       sizeof row->service, &row->proto, &row->port);
            char upper[16];
            tt_report_proto_upper(row->proto, upper, sizeof upper);
            snprintf(row->prose, sizeof row->prose, "%d/%s", row->port, upper);
        }
        *n = i + 1;
    }
    free(now);
    free(before);
    return st;
}

/* Day index of each hour from hist_hour_from to the period's end. */
static tt_status hour_days(tt_report *r, int32_t **out, int64_t *nhours, char *err, size_t errlen)
{
    *nhours = r->period.hour_to - r->hist_hour_from;
    *out = NULL;
    if (*nhours <= 0 || *nhours > (int64_t)REPORT_MAX_DAYS * 25)
        return TT_ERR_USAGE;
    int32_t *days = malloc((size_t)*nhours * sizeof *days);
    if (days == NULL)
        return TT_ERR_NOMEM;
    int64_t h = 0;
    r->utc_days = r->hist_hour_from % 24 == 0;
    for (int32_t d = 0; d < r->hist_days; d++) {
        int64_t to;
        tt_status st = tt_period_day_start(r->hist_first + d + 1, &to, err, errlen);
        if (st != TT_OK) {
            free(days);
            return st;
        }
        r->utc_days = r->utc_days && to % 24 == 0;
        for (; r->hist_hour_from + h < to && h < *nhours; h++)
            days[h] = d;
    }
    for (; h < *nhours; h++)
        days[h] = r->hist_days - 1;
    *out = days;
    return TT_OK;
}

/* Hours and sensors only: a report is about all the packets its sensors received. */
static tt_rollup_filter report_filter(const tt_query *q, int64_t hour_from, int64_t hour_to)
{
    tt_rollup_filter filter;
    memset(&filter, 0, sizeof filter);
    filter.sensor_set = q->filter.sensor_set;
    filter.sensor_set_size = q->filter.sensor_set_size;
    filter.hour_from = hour_from;
    filter.hour_to = hour_to;
    return filter;
}

static tt_status scan_pass(tt_report *r, tt_query *q, pass_ctx *c)
{
    tt_rollup_filter filter = report_filter(q, r->hist_hour_from, r->period.hour_to);
    /* A pass that only ranks needs the two periods, not the older history. */
    if (c->rank && c->overflow && r->prev.hour_from > filter.hour_from)
        filter.hour_from = r->prev.hour_from;
    unsigned group = c->countries ? TT_GROUP_CC : TT_GROUP_PORT;
    /* Days in the zone that are UTC days can be read whole (their rows carry the day's first hour). */
    return r->utc_days ? tt_query_scan_totals(q, &filter, false, group, pass_row, c)
                       : q->store->ops->scan_totals(q->store, &filter, group, pass_row, c);
}

static tt_status add_sensor_packets(void *ctx, const tt_rollup_row *row)
{
    uint64_t *sensor_packets = ctx;
    if (row->sensor >= 0 && row->sensor < TT_LIMIT_SENSORS)
        sensor_packets[row->sensor] += row->packets;
    return TT_OK;
}

/* Packets of the period per sensor (from the country totals: short lists). */
static tt_status period_sensor_packets(const tt_report *r, tt_query *q, uint64_t *sensor_packets)
{
    tt_rollup_filter filter = report_filter(q, r->period.hour_from, r->period.hour_to);
    return tt_query_scan_totals(q, &filter, true, TT_GROUP_CC, add_sensor_packets, sensor_packets);
}

static tt_status fill_series(const cell_map *cells, uint64_t key, int32_t first_index, int32_t ndays,
                             double **out)
{
    *out = calloc((size_t)(ndays > 0 ? ndays : 1), sizeof **out);
    if (*out == NULL)
        return TT_ERR_NOMEM;
    for (int32_t d = 0; d < ndays; d++)
        (*out)[d] = (double)cell_find(cells, cell_key(key, first_index + d));
    return TT_OK;
}

static const char *store_error(const tt_query *q, tt_status st, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s",
             st == TT_ERR_DB || st == TT_ERR_FORMAT ? q->store->ops->last_error(q->store) : tt_strerror(st));
    return err;
}

/* One list (ports or countries): rankings, then the series the report draws. */
static tt_status build_list(tt_report *r, tt_query *q, bool countries, const int32_t *hour_day,
                            int64_t nhours, cell_map *cells, bool *overflow,
                            char *err, size_t errlen)
{
    tt_counter_map cur, prev;
    tt_counter_map_init(&cur, REPORT_MAX_KEYS);
    tt_counter_map_init(&prev, REPORT_MAX_KEYS);
    pass_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.countries = countries;
    c.rank = true;
    c.hour_day = hour_day;
    c.nhours = nhours;
    c.cur_first = r->period.first_day - r->hist_first;
    c.prev_first = r->prev.first_day - r->hist_first;
    c.prev_last = r->prev.last_day - r->hist_first;
    c.cur = &cur;
    c.prev = &prev;
    c.cells = cells;
    c.day = -1;
    /* Ports: tens of thousands a day; keeping every (port, day) of the
     * history costs more than reading the drawn ports' series again once
     * they are known (rescan_list), so this pass only ranks. */
    c.overflow = !countries;
    size_t dense = countries ? DENSE_COUNTRIES : DENSE_PORTS;
    c.dense_cur = calloc(dense, sizeof *c.dense_cur);
    c.dense_prev = calloc(dense, sizeof *c.dense_prev);
    c.dense_day = calloc(dense, sizeof *c.dense_day);
    c.touched = malloc(dense * sizeof *c.touched);
    tt_status st = TT_OK;
    if (c.dense_cur == NULL || c.dense_prev == NULL || c.dense_day == NULL || c.touched == NULL)
        st = TT_ERR_NOMEM;
    if (st == TT_OK && (st = scan_pass(r, q, &c)) != TT_OK)
        store_error(q, st, err, errlen);
    if (st == TT_OK) {
        flush_day(&c);
        st = merge_dense(&c, dense);
    }
    free(c.dense_cur);
    free(c.dense_prev);
    free(c.dense_day);
    free(c.touched);
    if (st != TT_OK) {
        if (err[0] == '\0')
            snprintf(err, errlen, "%s", tt_strerror(st));
    } else if (countries) {
        r->distinct_countries = cur.n;
        st = make_ranking(r, true, &cur, &prev, &r->countries, &r->ncountries);
    } else {
        r->distinct_ports = cur.n;
        st = make_ranking(r, false, &cur, &prev, &r->ports, &r->nports);
    }
    *overflow = c.overflow;
    tt_counter_map_free(&cur);
    tt_counter_map_free(&prev);
    return st;
}

/* Second pass for one list when the first one could not keep every cell. */
static tt_status rescan_list(tt_report *r, tt_query *q, bool countries, const int32_t *hour_day,
                             int64_t nhours, cell_map *cells, char *err, size_t errlen)
{
    uint64_t keys[REPORT_MAX_CHART_SERIES + REPORT_MAX_SUBJECTS];
    size_t n = 0;
    const ranked *rows = countries ? r->countries : r->ports;
    size_t charted = countries ? r->chart_countries : r->chart_ports;
    for (size_t i = 0; i < charted; i++)
        keys[n++] = rows[i].key;
    for (size_t s = 0; s < r->nsubjects; s++)
        if (r->subjects[s].by_country == countries)
            keys[n++] = r->subjects[s].key;
    cell_map_free(cells);
    cells->max = REPORT_MAX_CELLS;
    pass_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.countries = countries;
    c.only = keys;
    c.nonly = n;
    c.hour_day = hour_day;
    c.nhours = nhours;
    c.cells = cells;
    tt_status st = scan_pass(r, q, &c);
    if (st != TT_OK)
        store_error(q, st, err, errlen);
    return st;
}

/* ------------------------------------------------------------- events */

static int subject_cmp(const void *a, const void *b)
{
    const subject *sa = a, *sb = b;
    if (sa->score != sb->score)
        return sa->score > sb->score ? -1 : 1;
    return (sa->key > sb->key) - (sa->key < sb->key);
}

static int event_start_cmp(const void *a, const void *b)
{
    const tt_event *ea = a, *eb = b;
    if (ea->start != eb->start)
        return ea->start < eb->start ? -1 : 1;
    return (int)ea->kind - (int)eb->kind;
}

static int add_reference(tt_report *r, const char *title, const char *url)
{
    for (size_t i = 0; i < r->nrefs; i++)
        if (strcmp(r->refs[i].url, url) == 0)
            return (int)i + 1;
    if (r->nrefs == REPORT_MAX_REFS)
        return 0;
    reference *ref = &r->refs[r->nrefs++];
    snprintf(ref->title, sizeof ref->title, "%s", title);
    snprintf(ref->url, sizeof ref->url, "%s", url);
    return (int)r->nrefs;
}

/* Groups the detected events into one subject per port or country. */
static tt_status build_subjects(tt_report *r, tt_query *q, char *err, size_t errlen)
{
    if (r->opt.max_events == 0)
        return TT_OK;
    tt_event_options eopt;
    tt_event_options_default(&eopt);
    tt_event_list list;
    memset(&list, 0, sizeof list);
    tt_status st = tt_detect_events(q, &eopt, &list, err, errlen);
    if (st != TT_OK) {
        tt_event_list_free(&list);
        return st;
    }
    subject *all = calloc(list.n ? list.n : 1, sizeof *all);
    size_t n = 0;
    if (all == NULL) {
        tt_event_list_free(&list);
        return TT_ERR_NOMEM;
    }
    for (size_t i = 0; i < list.n; i++) {
        const tt_event *e = &list.events[i];
        uint64_t key = e->by_country ? tt_cc_make(e->cc) : port_key(tt_service_make(e->proto, e->port, 0));
        if ((e->by_country && (e->cc[0] == '\0' || e->cc[1] == '\0')) || e->region[0])
            continue;
        size_t s = 0;
        while (s < n && !(all[s].by_country == e->by_country && all[s].key == key))
            s++;
        if (s == n) {
            n++;
            all[s].by_country = e->by_country;
            all[s].key = key;
        }
        if (all[s].nevents < REPORT_EVENTS_PER_SUBJECT)
            all[s].events[all[s].nevents++] = *e;
        all[s].packets += e->packets;
        if (e->ratio > all[s].max_ratio)
            all[s].max_ratio = e->ratio;
    }
    /* Notable = large and far above its usual level: a big but ordinary
     * rise and a small but sudden burst both rank below a big sudden one. */
    for (size_t s = 0; s < n; s++)
        all[s].score = log1p((double)all[s].packets) * log1p(all[s].max_ratio);
    tt_event_list_free(&list);
    if (n > 1)
        qsort(all, n, sizeof *all, subject_cmp);
    size_t keep = n < r->opt.max_events ? n : r->opt.max_events;
    for (size_t s = 0; s < keep; s++) {
        subject *sub = &all[s];
        if (sub->nevents > 1)
            qsort(sub->events, sub->nevents, sizeof sub->events[0], event_start_cmp);
        if (sub->by_country) {
            tt_cc_text((tt_cc)sub->key, sub->cc);
            snprintf(sub->id, sizeof sub->id, "%s", sub->cc);
            tt_report_country_label(r, sub->cc, sub->label, sizeof sub->label);
            continue;
        }
        char label[192];
        port_names(q, sub->key, sub->id, sizeof sub->id, label, sizeof label, sub->service,
                   sizeof sub->service, &sub->proto, &sub->port);
        char upper[16];
        tt_report_proto_upper(sub->proto, upper, sizeof upper);
        snprintf(sub->label, sizeof sub->label, "%d/%s", sub->port, upper);
        if (q->kb) {
            sub->nkb = tt_kb_lookup(q->kb, sub->proto, sub->port, sub->kb, REPORT_KB_PER_PORT);
            sub->category = tt_kb_category(q->kb, sub->proto, sub->port);
        }
        for (size_t k = 0; k < sub->nkb; k++)
            sub->kb_ref[k] = add_reference(r, sub->kb[k]->title, sub->kb[k]->reference);
    }
    r->subjects = all;
    r->nsubjects = keep;
    return TT_OK;
}

/* ------------------------------------------------------------- build */

static tt_status build_sensors(tt_report *r, const tt_query *q, const uint64_t *sensor_packets)
{
    r->sensors = calloc(q->nsensors ? q->nsensors : 1, sizeof *r->sensors);
    /* Live sensors: how much of the period their capture covered. */
    tt_sensor_coverage *cov = calloc(TT_LIMIT_SENSORS, sizeof *cov);
    tt_status st = r->sensors && cov ? tt_sensor_coverage_scan(q, cov, TT_LIMIT_SENSORS) : TT_ERR_NOMEM;
    r->all_sensors = q->nsensors;
    for (size_t i = 0; st == TT_OK && i < q->nsensors; i++) {
        const tt_sensor_info *s = &q->sensors[i];
        if (!tt_sensor_set_has(&q->filter, s->id))
            continue;
        report_sensor *out = &r->sensors[r->nsensors++];
        snprintf(out->name, sizeof out->name, "%s", s->name);
        snprintf(out->region, sizeof out->region, "%s", s->region);
        if (s->region[0])
            tt_report_country_label(r, s->region, out->location, sizeof out->location);
        out->coverage = -1;
        if (s->id < 0 || s->id >= TT_LIMIT_SENSORS)
            continue;
        out->packets = sensor_packets[s->id];
        out->coverage = tt_sensor_coverage_share(q, &cov[s->id]);
        out->gap_packets = cov[s->id].gap_packets;
        out->gaps = (uint32_t)cov[s->id].gaps;
    }
    free(cov);
    return st;
}

tt_status tt_report_build(tt_query *q, const tt_report_options *opt, tt_report **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    tt_report *r = calloc(1, sizeof *r);
    int32_t *hour_day = NULL;
    uint64_t *sensor_packets = calloc(TT_LIMIT_SENSORS, sizeof *sensor_packets);
    cell_map port_cells = {.max = REPORT_MAX_CELLS}, country_cells = {.max = REPORT_MAX_CELLS};
    tt_status st = TT_OK;
    if (r == NULL || sensor_packets == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    r->opt = *opt;
    r->q = q;
    if (r->opt.limit == 0 || r->opt.limit > REPORT_MAX_LIMIT)
        r->opt.limit = 10;
    if (r->opt.chart_series > REPORT_MAX_CHART_SERIES)
        r->opt.chart_series = REPORT_MAX_CHART_SERIES;
    if (r->opt.max_events > REPORT_MAX_SUBJECTS)
        r->opt.max_events = REPORT_MAX_SUBJECTS;
    snprintf(r->region, sizeof r->region, "%s", opt->region ? opt->region : "");
    for (char *p = r->region; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(r->tz, sizeof r->tz, "%s", opt->tz && opt->tz[0] ? opt->tz : "UTC");
    snprintf(r->figure_base, sizeof r->figure_base, "%s", opt->figure_base ? opt->figure_base : "report");
    snprintf(r->figure_link, sizeof r->figure_link, "%s", opt->figure_link ? opt->figure_link : "report");
    r->opt.region = r->region[0] ? r->region : NULL;
    r->opt.tz = r->tz;
    r->opt.figure_base = r->figure_base;
    r->opt.figure_link = r->figure_link;
    r->period = q->period;

    st = opt->quarter ? tt_period_previous_quarter(&q->period, &r->prev, err, errlen)
                      : tt_period_previous(&q->period, &r->prev, err, errlen);
    if (st != TT_OK)
        goto cleanup;
    /* Event figures show the previous period too (a longer history of the
     * port), from the first day the store has data. */
    r->hist_first = r->prev.first_day;
    int64_t first_hour, last_hour;
    tt_status range = q->store->ops->hour_range(q->store, &first_hour, &last_hour);
    if (range == TT_OK) {
        int32_t first_data_day = tt_period_day_of_hour(first_hour);
        if (first_data_day > r->hist_first)
            r->hist_first = first_data_day < r->period.first_day ? first_data_day : r->period.first_day;
    } else if (range != TT_ERR_NOTFOUND) {
        st = range;
        store_error(q, st, err, errlen);
        goto cleanup;
    }
    r->hist_days = r->period.last_day - r->hist_first + 1;
    if (r->hist_days > REPORT_MAX_DAYS) {
        snprintf(err, errlen, "a report and its previous period span at most %d days", REPORT_MAX_DAYS);
        st = TT_ERR_USAGE;
        goto cleanup;
    }
    if ((st = tt_period_day_start(r->hist_first, &r->hist_hour_from, err, errlen)) != TT_OK)
        goto cleanup;
    int64_t nhours;
    if ((st = hour_days(r, &hour_day, &nhours, err, errlen)) != TT_OK) {
        if (st == TT_ERR_NOMEM || st == TT_ERR_USAGE)
            snprintf(err, errlen, "%s", tt_strerror(st));
        goto cleanup;
    }

    bool port_overflow = false, country_overflow = false;
    if ((st = build_list(r, q, false, hour_day, nhours, &port_cells, &port_overflow, err, errlen)) != TT_OK ||
        (st = build_list(r, q, true, hour_day, nhours, &country_cells, &country_overflow, err, errlen)) != TT_OK)
        goto cleanup;
    if ((st = period_sensor_packets(r, q, sensor_packets)) != TT_OK ||
        (st = build_sensors(r, q, sensor_packets)) != TT_OK)
        goto cleanup;
    add_reference(r, tt_report_text(r->opt.lang, TT_TEXT_REF_IANA), IANA_URL);
    if ((st = build_subjects(r, q, err, errlen)) != TT_OK)
        goto cleanup;

    r->chart_ports = r->nports < r->opt.chart_series ? r->nports : r->opt.chart_series;
    r->chart_countries = r->ncountries < r->opt.chart_series ? r->ncountries : r->opt.chart_series;
    if (port_overflow && (st = rescan_list(r, q, false, hour_day, nhours, &port_cells, err, errlen)) != TT_OK)
        goto cleanup;
    if (country_overflow &&
        (st = rescan_list(r, q, true, hour_day, nhours, &country_cells, err, errlen)) != TT_OK)
        goto cleanup;

    /* Colours: one palette for ports and one for countries, shared by every
     * chart of the report, in rank order so the top rows keep their hashed
     * colour. */
    tt_svg_palette port_palette, country_palette;
    tt_svg_palette_init(&port_palette);
    tt_svg_palette_init(&country_palette);
    int32_t period_index = r->period.first_day - r->hist_first;
    int32_t period_days = r->period.last_day - r->period.first_day + 1;
    for (size_t i = 0; i < r->chart_ports; i++) {
        r->ports[i].color = tt_svg_palette_color(&port_palette, r->ports[i].id);
        if ((st = fill_series(&port_cells, r->ports[i].key, period_index, period_days, &r->ports[i].series)))
            goto cleanup;
    }
    for (size_t i = 0; i < r->chart_countries; i++) {
        r->countries[i].color = tt_svg_palette_color(&country_palette, r->countries[i].id);
        if ((st = fill_series(&country_cells, r->countries[i].key, period_index, period_days,
                              &r->countries[i].series)))
            goto cleanup;
    }
    for (size_t s = 0; s < r->nsubjects; s++) {
        subject *sub = &r->subjects[s];
        sub->color = tt_svg_palette_color(sub->by_country ? &country_palette : &port_palette, sub->id);
        if ((st = fill_series(sub->by_country ? &country_cells : &port_cells, sub->key, 0, r->hist_days,
                              &sub->history)))
            goto cleanup;
        /* The category of the ports the dominant source scanned before. */
        for (size_t e = 0; e < sub->nevents && !sub->history_category && q->kb; e++) {
            const tt_event *ev = &sub->events[e];
            const char *cats[TT_EVENT_TOP];
            size_t ncats = 0;
            for (size_t h = 0; h < ev->nhistory; h++) {
                int32_t port;
                uint8_t proto;
                if (tt_parse_port_key(ev->history[h].key, &port, &proto)) {
                    const char *cat = tt_kb_category(q->kb, proto, port);
                    if (cat)
                        cats[ncats++] = cat;
                }
            }
            for (size_t a = 0; a < ncats && !sub->history_category; a++) {
                size_t same = 0;
                for (size_t b = 0; b < ncats; b++)
                    same += strcmp(cats[a], cats[b]) == 0;
                if (same * 2 > ev->nhistory)
                    sub->history_category = cats[a];
            }
        }
    }
    *out = r;
    r = NULL;
cleanup:
    if (st == TT_ERR_NOMEM && err[0] == '\0')
        snprintf(err, errlen, "%s", tt_strerror(st));
    cell_map_free(&port_cells);
    cell_map_free(&country_cells);
    free(hour_day);
    free(sensor_packets);
    tt_report_free(r);
    return st;
}

void tt_report_free(tt_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nports; i++)
        free(r->ports[i].series);
    for (size_t i = 0; i < r->ncountries; i++)
        free(r->countries[i].series);
    for (size_t s = 0; s < r->nsubjects; s++)
        free(r->subjects[s].history);
    free(r->ports);
    free(r->countries);
    free(r->subjects);
    free(r->sensors);
    free(r);
}

