/* Longest-prefix match of destinations onto sensors. A collector serves a
 * few dozen dark prefixes, so a scan of the prefixes ordered longest first is
 * simpler than a trie and as fast at that size. */
#include "classify/sensor_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

typedef struct prefix_entry {
    tt_prefix prefix;
    int sensor;
} prefix_entry;

/* IPv4 prefixes again as masked integers: the common case costs one AND. */
typedef struct v4_entry {
    uint32_t network, mask;
    int sensor;
} v4_entry;

struct tt_sensor_map {
    tt_sensor_def *sensors;
    size_t nsensors, sensors_cap;
    prefix_entry *prefixes;
    size_t nprefixes, prefixes_cap;
    v4_entry *v4; /* longest first, built by tt_sensor_map_finish */
    size_t nv4;
};

tt_sensor_map *tt_sensor_map_new(void) { return calloc(1, sizeof(tt_sensor_map)); }

void tt_sensor_map_free(tt_sensor_map *map)
{
    if (map == NULL)
        return;
    free(map->sensors);
    free(map->prefixes);
    free(map->v4);
    free(map);
}

int tt_sensor_map_find(const tt_sensor_map *map, const char *name)
{
    for (size_t i = 0; i < map->nsensors; i++)
        if (strcmp(map->sensors[i].name, name) == 0)
            return (int)i;
    return -1;
}

tt_status tt_sensor_map_add(tt_sensor_map *map, const char *name, int *index)
{
    int found = tt_sensor_map_find(map, name);
    if (found >= 0) {
        *index = found;
        return TT_OK;
    }
    if (strlen(name) == 0 || strlen(name) >= sizeof map->sensors[0].name)
        return TT_ERR_USAGE;
    if (map->nsensors >= TT_LIMIT_SENSORS)
        return TT_ERR_NOMEM;
    if (map->nsensors == map->sensors_cap) {
        size_t cap = map->sensors_cap ? map->sensors_cap * 2 : 8;
        tt_sensor_def *p = realloc(map->sensors, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        map->sensors = p;
        map->sensors_cap = cap;
    }
    tt_sensor_def *def = &map->sensors[map->nsensors];
    memset(def, 0, sizeof *def);
    snprintf(def->name, sizeof def->name, "%s", name);
    *index = (int)map->nsensors++;
    return TT_OK;
}

tt_status tt_sensor_map_add_prefix(tt_sensor_map *map, int index, const tt_prefix *prefix)
{
    if (index < 0 || (size_t)index >= map->nsensors)
        return TT_ERR_USAGE;
    if (map->nprefixes >= TT_LIMIT_PREFIXES)
        return TT_ERR_NOMEM;
    if (map->nprefixes == map->prefixes_cap) {
        size_t cap = map->prefixes_cap ? map->prefixes_cap * 2 : 16;
        prefix_entry *p = realloc(map->prefixes, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        map->prefixes = p;
        map->prefixes_cap = cap;
    }
    map->prefixes[map->nprefixes].prefix = *prefix;
    map->prefixes[map->nprefixes].sensor = index;
    map->nprefixes++;
    return TT_OK;
}

tt_status tt_sensor_map_set_region(tt_sensor_map *map, int index, const char *cc)
{
    if (index < 0 || (size_t)index >= map->nsensors || strlen(cc) != 2 ||
        !isalpha((unsigned char)cc[0]) || !isalpha((unsigned char)cc[1]))
        return TT_ERR_USAGE;
    map->sensors[index].region[0] = (char)toupper((unsigned char)cc[0]);
    map->sensors[index].region[1] = (char)toupper((unsigned char)cc[1]);
    map->sensors[index].region[2] = '\0';
    return TT_OK;
}

tt_status tt_sensor_map_add_label(tt_sensor_map *map, int index, const char *label)
{
    if (index < 0 || (size_t)index >= map->nsensors || strchr(label, ',') != NULL)
        return TT_ERR_USAGE;
    tt_sensor_def *def = &map->sensors[index];
    size_t used = strlen(def->labels);
    int n = snprintf(def->labels + used, sizeof def->labels - used, "%s%s", used ? "," : "", label);
    if (n < 0 || (size_t)n >= sizeof def->labels - used) {
        def->labels[used] = '\0';
        return TT_ERR_NOMEM;
    }
    return TT_OK;
}

int tt_sensor_map_prefix_owner(const tt_sensor_map *map, const tt_prefix *prefix)
{
    for (size_t i = 0; i < map->nprefixes; i++)
        if (map->prefixes[i].prefix.bits == prefix->bits &&
            tt_addr_cmp(&map->prefixes[i].prefix.addr, &prefix->addr) == 0)
            return map->prefixes[i].sensor;
    return -1;
}

static int prefix_longer_first(const void *a, const void *b)
{
    const prefix_entry *pa = a, *pb = b;
    if (pa->prefix.bits != pb->prefix.bits)
        return pa->prefix.bits > pb->prefix.bits ? -1 : 1;
    return tt_addr_cmp(&pa->prefix.addr, &pb->prefix.addr);
}

tt_status tt_sensor_map_finish(tt_sensor_map *map, char *err, size_t errlen)
{
    if (map->nprefixes > 1)
        qsort(map->prefixes, map->nprefixes, sizeof *map->prefixes, prefix_longer_first);
    for (size_t i = 1; i < map->nprefixes; i++) {
        const prefix_entry *a = &map->prefixes[i - 1], *b = &map->prefixes[i];
        if (a->prefix.bits == b->prefix.bits && tt_addr_cmp(&a->prefix.addr, &b->prefix.addr) == 0) {
            char text[80];
            tt_prefix_format(&a->prefix, text, sizeof text);
            snprintf(err, errlen, "prefix %s is claimed by sensors '%s' and '%s'", text,
                     map->sensors[a->sensor].name, map->sensors[b->sensor].name);
            return TT_ERR_USAGE;
        }
    }
    free(map->v4);
    map->nv4 = 0;
    map->v4 = malloc((map->nprefixes ? map->nprefixes : 1) * sizeof *map->v4);
    if (map->v4 == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < map->nprefixes; i++) {
        const tt_prefix *p = &map->prefixes[i].prefix;
        if (p->bits < 96 || !tt_addr_is_v4(&p->addr))
            continue;
        unsigned bits = p->bits - 96u;
        v4_entry *e = &map->v4[map->nv4++];
        e->mask = bits == 0 ? 0 : ~0u << (32 - bits);
        e->network = tt_addr_v4(&p->addr) & e->mask;
        e->sensor = map->prefixes[i].sensor;
    }
    return TT_OK;
}

size_t tt_sensor_map_count(const tt_sensor_map *map) { return map->nsensors; }
size_t tt_sensor_map_prefix_count(const tt_sensor_map *map) { return map->nprefixes; }

size_t tt_sensor_map_prefixes_of(const tt_sensor_map *map, int index)
{
    size_t n = 0;
    for (size_t i = 0; i < map->nprefixes; i++)
        n += map->prefixes[i].sensor == index;
    return n;
}

const tt_sensor_def *tt_sensor_map_get(const tt_sensor_map *map, int index)
{
    if (index < 0 || (size_t)index >= map->nsensors)
        return NULL;
    return &map->sensors[index];
}

int tt_sensor_map_lookup(const tt_sensor_map *map, const tt_addr *dst)
{
    if (tt_addr_is_v4(dst)) {
        uint32_t a = tt_addr_v4(dst);
        for (size_t i = 0; i < map->nv4; i++)
            if ((a & map->v4[i].mask) == map->v4[i].network)
                return map->v4[i].sensor;
        /* Prefixes shorter than /96 in the 16-byte space also hold IPv4-mapped
         * addresses (::/0, ::/8...): the general loop below handles them. */
    }
    for (size_t i = 0; i < map->nprefixes; i++)
        if (tt_prefix_contains(&map->prefixes[i].prefix, dst))
            return map->prefixes[i].sensor;
    return -1;
}
