/* Attack inference over the store's backscatter rows. */
#include "analyze/attacks.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/hashmap.h"
#include "util/parse.h"

#define ATTACK_MAX_PORTS 64 /* distinct ports remembered per attack */
#define ATTACK_SHOWN_PORTS 5

void tt_attack_thresholds_default(tt_attack_thresholds *t)
{
    t->timeout = 300;
    t->min_packets = 25;
    t->min_seconds = 60;
    t->min_ppm = 30;
}

typedef struct attacked_port {
    uint8_t proto;
    int32_t port;
    uint64_t packets;
} attacked_port;

typedef struct attack {
    tt_addr victim;
    uint32_t start, end;
    uint64_t packets, bytes;
    uint32_t peak_ppm;
    attacked_port ports[ATTACK_MAX_PORTS];
    size_t nports;
    uint64_t sensors; /* bit per sensor id mod 64: enough to count a handful */
    bool open;
    tt_counter_map minutes; /* minute since the epoch → packets, over all sensors and ports */
} attack;

typedef struct attacks_ctx {
    tt_query *q;
    const tt_attack_thresholds *t;
    tt_table *out;
    attack current;
    uint64_t reported;
} attacks_ctx;

static int port_cmp(const void *a, const void *b)
{
    const attacked_port *pa = a, *pb = b;
    return (pa->packets < pb->packets) - (pa->packets > pb->packets);
}


static tt_status report(attacks_ctx *c)
{
    attack *a = &c->current;
    if (!a->open)
        return TT_OK;
    a->open = false;
    a->peak_ppm = 0;
    for (size_t i = 0; i < a->minutes.nslots; i++)
        if (a->minutes.slots[i].used && a->minutes.slots[i].packets > a->peak_ppm)
            a->peak_ppm = (uint32_t)a->minutes.slots[i].packets;
    if (a->packets < c->t->min_packets || a->end - a->start < c->t->min_seconds || a->peak_ppm < c->t->min_ppm)
        return TT_OK;
    tt_cell *row = tt_table_add_row(c->out);
    if (row == NULL)
        return TT_ERR_NOMEM;
    char text[TT_ADDR_STRLEN], cc[3], t1[40], t2[40], ports[256] = "";
    tt_geo_info info = {TT_CC_UNKNOWN, 0, 0};
    if (c->q->geo)
        tt_geo_lookup(c->q->geo, &a->victim, &info);
    tt_cc_text(info.cc, cc);
    qsort(a->ports, a->nports, sizeof a->ports[0], port_cmp);
    size_t used = 0;
    for (size_t i = 0; i < a->nports && i < ATTACK_SHOWN_PORTS; i++) {
        const char *name = tt_proto_name(a->ports[i].proto);
        int n = snprintf(ports + used, sizeof ports - used, "%s%d/%s:%llu", i ? "," : "", a->ports[i].port,
                         name ? name : "?", (unsigned long long)a->ports[i].packets);
        if (n < 0 || (size_t)n >= sizeof ports - used)
            break;
        used += (size_t)n;
    }
    tt_status st;
    if ((st = tt_cell_text(&row[0], tt_addr_format(&a->victim, text))) || (st = tt_cell_text(&row[1], cc)))
        return st;
    tt_cell_int(&row[2], info.asn);
    if ((st = tt_cell_text(&row[3], tt_period_format_time(a->start, t1, sizeof t1))) ||
        (st = tt_cell_text(&row[4], tt_period_format_time(a->end, t2, sizeof t2))))
        return st;
    tt_cell_int(&row[5], (int64_t)(a->end - a->start));
    tt_cell_int(&row[6], (int64_t)a->packets);
    tt_cell_int(&row[7], (int64_t)a->bytes);
    tt_cell_int(&row[8], a->peak_ppm);
    if ((st = tt_cell_text(&row[9], ports)))
        return st;
    tt_cell_int(&row[10], __builtin_popcountll(a->sensors));
    c->reported++;
    return TT_OK;
}

static tt_status add_row(void *ctx, const tt_victim_row *r)
{
    attacks_ctx *c = ctx;
    attack *a = &c->current;
    if (!tt_sensor_set_has(&c->q->filter, r->sensor))
        return TT_OK;
    if (c->q->filter.has_port && (r->proto != c->q->filter.proto || r->port != c->q->filter.port))
        return TT_OK;
    bool same = a->open && tt_addr_cmp(&a->victim, &r->victim) == 0 && r->first <= a->end + c->t->timeout;
    if (!same) {
        tt_status st = report(c);
        if (st != TT_OK)
            return st;
        tt_counter_map minutes = a->minutes;
        memset(a, 0, sizeof *a);
        a->minutes = minutes;
        tt_counter_map_clear(&a->minutes);
        a->open = true;
        a->victim = r->victim;
        a->start = r->first;
        a->end = r->last;
    }
    if (r->first < a->start)
        a->start = r->first;
    if (r->last > a->end)
        a->end = r->last;
    a->packets += r->packets;
    a->bytes += r->bytes;
    for (int m = 0; m < 60; m++) {
        if (r->minute[m] == 0)
            continue;
        tt_counter_entry *e = tt_counter_map_get(&a->minutes, (uint64_t)(r->hour * 60 + m));
        if (e == NULL)
            return TT_ERR_NOMEM;
        e->packets += r->minute[m];
    }
    a->sensors |= 1ull << (r->sensor & 63);
    size_t i = 0;
    while (i < a->nports && !(a->ports[i].proto == r->proto && a->ports[i].port == r->port))
        i++;
    if (i == a->nports && a->nports < ATTACK_MAX_PORTS) {
        a->ports[i].proto = r->proto;
        a->ports[i].port = r->port;
        a->ports[i].packets = 0;
        a->nports++;
    }
    if (i < a->nports)
        a->ports[i].packets += r->packets;
    return TT_OK;
}

tt_status tt_query_attacks(tt_query *q, const tt_attack_thresholds *t, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"victim", "cc", "asn", "start", "end", "duration", "packets", "bytes",
                                    "peak_ppm", "ports", "sensors"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    attacks_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.q = q;
    ctx.t = t;
    ctx.out = out;
    tt_counter_map_init(&ctx.current.minutes, 0);
    tt_status st = q->store->ops->scan_victims(q->store, &q->filter, add_row, &ctx);
    if (st == TT_OK)
        st = report(&ctx);
    tt_counter_map_free(&ctx.current.minutes);
    if (st != TT_OK) {
        snprintf(err, errlen, "%s",
                 st == TT_ERR_DB || st == TT_ERR_FORMAT ? q->store->ops->last_error(q->store) : tt_strerror(st));
        return st;
    }
    /* Largest attacks first (column 6: packets), then the limit. */
    tt_table_sort_int_desc(out, 6);
    tt_table_truncate(out, q->limit);
    return TT_OK;
}
