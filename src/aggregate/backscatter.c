/* Per sensor-hour victim counters with per-minute peaks. */
#include "aggregate/backscatter.h"

#include <stdlib.h>
#include <string.h>

typedef struct victim_entry {
    tt_victim_row row;
} victim_entry;

struct tt_backscatter_agg {
    victim_entry *entries;
    size_t n, cap, max;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;
};

tt_backscatter_agg *tt_backscatter_agg_new(size_t max_rows)
{
    tt_backscatter_agg *agg = calloc(1, sizeof *agg);
    if (agg)
        agg->max = max_rows;
    return agg;
}

void tt_backscatter_agg_free(tt_backscatter_agg *agg)
{
    if (agg == NULL)
        return;
    free(agg->entries);
    free(agg->slots);
    free(agg);
}

void tt_backscatter_victim(const tt_packet *pkt, tt_addr *victim, uint8_t *proto, int32_t *port)
{
    if (pkt->has_icmp) {
        /* An ICMP error quotes the spoofed packet: its destination is the
         * host that was attacked (the error may come from a router on the way). */
        if (pkt->quoted.present) {
            *victim = pkt->quoted.dst;
            *proto = pkt->quoted.proto;
            *port = pkt->quoted.dport;
        } else {
            *victim = pkt->src;
            *proto = pkt->proto;
            *port = 0;
        }
        return;
    }
    *victim = pkt->src;
    *proto = pkt->proto;
    *port = pkt->has_ports ? pkt->sport : 0;
}

static uint64_t entry_hash(int64_t hour, int32_t sensor, const tt_addr *victim, uint8_t proto, int32_t port)
{
    uint64_t hi, lo;
    memcpy(&hi, victim->bytes, 8);
    memcpy(&lo, victim->bytes + 8, 8);
    uint64_t h = (uint64_t)hour * 0x9e3779b97f4a7c15ull ^ (uint64_t)sensor << 40 ^ hi * 0xc2b2ae3d27d4eb4full ^ lo ^
                 (uint64_t)proto << 17 ^ (uint64_t)(uint32_t)port;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

static tt_status rehash(tt_backscatter_agg *agg, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < agg->n; i++) {
        const tt_victim_row *r = &agg->entries[i].row;
        size_t s = (size_t)entry_hash(r->hour, r->sensor, &r->victim, r->proto, r->port) & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)(i + 1);
    }
    free(agg->slots);
    agg->slots = slots;
    agg->nslots = nslots;
    return TT_OK;
}

tt_status tt_backscatter_add(tt_backscatter_agg *agg, int64_t ts_sec, int32_t sensor, const tt_packet *pkt)
{
    tt_addr victim;
    uint8_t proto;
    int32_t port;
    tt_backscatter_victim(pkt, &victim, &proto, &port);
    int64_t hour = ts_sec / 3600;
    if (agg->n * 2 >= agg->nslots) {
        tt_status st = rehash(agg, agg->nslots ? agg->nslots * 2 : 256);
        if (st != TT_OK)
            return st;
    }
    size_t mask = agg->nslots - 1;
    size_t s = (size_t)entry_hash(hour, sensor, &victim, proto, port) & mask;
    victim_entry *e = NULL;
    while (agg->slots[s]) {
        victim_entry *c = &agg->entries[agg->slots[s] - 1];
        if (c->row.hour == hour && c->row.sensor == sensor && c->row.proto == proto && c->row.port == port &&
            memcmp(c->row.victim.bytes, victim.bytes, 16) == 0) {
            e = c;
            break;
        }
        s = (s + 1) & mask;
    }
    if (e == NULL) {
        if (agg->n >= agg->max)
            return TT_ERR_NOMEM;
        if (agg->n == agg->cap) {
            size_t cap = agg->cap ? agg->cap * 2 : 256;
            victim_entry *p = realloc(agg->entries, cap * sizeof *p);
            if (p == NULL)
                return TT_ERR_NOMEM;
            agg->entries = p;
            agg->cap = cap;
        }
        e = &agg->entries[agg->n];
        memset(e, 0, sizeof *e);
        e->row.hour = hour;
        e->row.sensor = sensor;
        e->row.victim = victim;
        e->row.proto = proto;
        e->row.port = port;
        e->row.first = e->row.last = (uint32_t)ts_sec;
        agg->slots[s] = (uint32_t)(++agg->n);
    }
    e->row.packets++;
    e->row.bytes += pkt->ip_len;
    if ((uint32_t)ts_sec < e->row.first)
        e->row.first = (uint32_t)ts_sec;
    if ((uint32_t)ts_sec > e->row.last)
        e->row.last = (uint32_t)ts_sec;
    uint16_t *m = &e->row.minute[(ts_sec % 3600) / 60];
    if (*m < UINT16_MAX)
        (*m)++;
    return TT_OK;
}

size_t tt_backscatter_count(const tt_backscatter_agg *agg) { return agg->n; }

const tt_victim_row *tt_backscatter_get(const tt_backscatter_agg *agg, size_t i)
{
    return i < agg->n ? &agg->entries[i].row : NULL;
}

void tt_backscatter_clear(tt_backscatter_agg *agg)
{
    agg->n = 0;
    if (agg->slots)
        memset(agg->slots, 0, agg->nslots * sizeof *agg->slots);
}
