/* Open-addressing counter map and address set. */
#include "util/hashmap.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void tt_counter_map_init(tt_counter_map *m, size_t max_entries)
{
    memset(m, 0, sizeof *m);
    m->max = max_entries;
}

void tt_counter_map_free(tt_counter_map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void tt_counter_map_clear(tt_counter_map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->n = 0;
}

static tt_counter_entry *counter_probe(tt_counter_entry *slots, size_t nslots, uint64_t key)
{
    size_t mask = nslots - 1, i = (size_t)mix64(key) & mask;
    while (slots[i].used && slots[i].key != key)
        i = (i + 1) & mask;
    return &slots[i];
}

tt_counter_entry *tt_counter_map_find(const tt_counter_map *m, uint64_t key)
{
    if (m->nslots == 0)
        return NULL;
    tt_counter_entry *e = counter_probe(m->slots, m->nslots, key);
    return e->used ? e : NULL;
}

tt_counter_entry *tt_counter_map_get(tt_counter_map *m, uint64_t key)
{
    if (m->n * 2 >= m->nslots) {
        size_t nslots = m->nslots ? m->nslots * 2 : 64;
        tt_counter_entry *slots = calloc(nslots, sizeof *slots);
        if (slots == NULL)
            return NULL;
        for (size_t i = 0; i < m->nslots; i++)
            if (m->slots[i].used)
                *counter_probe(slots, nslots, m->slots[i].key) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->nslots = nslots;
    }
    tt_counter_entry *e = counter_probe(m->slots, m->nslots, key);
    if (!e->used) {
        if (m->max && m->n >= m->max)
            return NULL;
        memset(e, 0, sizeof *e);
        e->used = true;
        e->key = key;
        m->n++;
    }
    return e;
}

tt_counter_entry *tt_counter_map_entries(const tt_counter_map *m)
{
    tt_counter_entry *out = malloc((m->n ? m->n : 1) * sizeof *out);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].used)
            out[k++] = m->slots[i];
    return out;
}

static int ranked_cmp(const void *a, const void *b)
{
    const tt_counter_entry *ea = a, *eb = b;
    if (ea->packets != eb->packets)
        return ea->packets > eb->packets ? -1 : 1;
    return (ea->key > eb->key) - (ea->key < eb->key);
}

tt_counter_entry *tt_counter_map_ranked(const tt_counter_map *m)
{
    tt_counter_entry *out = tt_counter_map_entries(m);
    if (out && m->n > 1)
        qsort(out, m->n, sizeof *out, ranked_cmp);
    return out;
}

void tt_addr_set_init(tt_addr_set *s, size_t max_entries)
{
    memset(s, 0, sizeof *s);
    s->max = max_entries;
}

void tt_addr_set_free(tt_addr_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static size_t addr_set_slot(const tt_addr_set_entry *slots, size_t nslots, const tt_addr *a, uint32_t tag)
{
    uint64_t hi, lo;
    memcpy(&hi, a->bytes, 8);
    memcpy(&lo, a->bytes + 8, 8);
    size_t mask = nslots - 1, i = (size_t)mix64(hi ^ mix64(lo ^ tag)) & mask;
    /* Two word compares, not memcmp: this loop is the hot spot of drill-downs. */
    for (; slots[i].used; i = (i + 1) & mask) {
        uint64_t shi, slo;
        memcpy(&shi, slots[i].addr.bytes, 8);
        memcpy(&slo, slots[i].addr.bytes + 8, 8);
        if (slots[i].tag == tag && ((shi ^ hi) | (slo ^ lo)) == 0)
            break;
    }
    return i;
}

tt_status tt_addr_set_get(tt_addr_set *s, const tt_addr *addr, uint32_t tag, tt_addr_set_entry **entry,
                          bool *added)
{
    if (s->n * 2 >= s->nslots) {
        size_t nslots = s->nslots ? s->nslots * 2 : 1024;
        tt_addr_set_entry *slots = calloc(nslots, sizeof *slots);
        if (slots == NULL)
            return TT_ERR_NOMEM;
        for (size_t i = 0; i < s->nslots; i++)
            if (s->slots[i].used)
                slots[addr_set_slot(slots, nslots, &s->slots[i].addr, s->slots[i].tag)] = s->slots[i];
        free(s->slots);
        s->slots = slots;
        s->nslots = nslots;
    }
    size_t i = addr_set_slot(s->slots, s->nslots, addr, tag);
    *entry = &s->slots[i];
    if (s->slots[i].used) {
        *added = false;
        return TT_OK;
    }
    if (s->max && s->n >= s->max)
        return TT_ERR_NOMEM;
    s->slots[i].used = true;
    s->slots[i].addr = *addr;
    s->slots[i].tag = tag;
    s->slots[i].value = 0;
    s->n++;
    *added = true;
    return TT_OK;
}

tt_status tt_addr_set_add(tt_addr_set *s, const tt_addr *addr, uint32_t tag, bool *added)
{
    tt_addr_set_entry *entry;
    return tt_addr_set_get(s, addr, tag, &entry, added);
}

void tt_u64_set_init(tt_u64_set *s, size_t max_entries)
{
    memset(s, 0, sizeof *s);
    s->max = max_entries;
}

void tt_u64_set_free(tt_u64_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

tt_status tt_u64_set_add(tt_u64_set *s, uint64_t value, bool *added)
{
    if (value == UINT64_MAX) {
        *added = !s->has_max;
        s->has_max = true;
        return TT_OK;
    }
    if (s->n * 2 >= s->nslots) {
        size_t nslots = s->nslots ? s->nslots * 2 : 4096;
        uint64_t *slots = calloc(nslots, sizeof *slots);
        if (slots == NULL)
            return TT_ERR_NOMEM;
        for (size_t i = 0; i < s->nslots; i++) {
            if (s->slots[i] == 0)
                continue;
            size_t j = (size_t)mix64(s->slots[i]) & (nslots - 1);
            while (slots[j])
                j = (j + 1) & (nslots - 1);
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->nslots = nslots;
    }
    uint64_t stored = value + 1;
    size_t mask = s->nslots - 1, i = (size_t)mix64(stored) & mask;
    while (s->slots[i] != 0) {
        if (s->slots[i] == stored) {
            *added = false;
            return TT_OK;
        }
        i = (i + 1) & mask;
    }
    if (s->max && s->n >= s->max)
        return TT_ERR_NOMEM;
    s->slots[i] = stored;
    s->n++;
    *added = true;
    return TT_OK;
}
