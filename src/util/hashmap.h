/* Two small open-addressing tables used by the analysis code:
 *   tt_counter_map: 64-bit key → packets/bytes/extra counters
 *   tt_addr_set:    (address, 32-bit tag) set, for exact distinct sources
 * Both grow by doubling and are bounded by a maximum entry count. */
#ifndef TT_UTIL_HASHMAP_H
#define TT_UTIL_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/status.h"

typedef struct tt_counter_entry {
    uint64_t key;
    uint64_t packets, bytes, extra;
    bool used;
} tt_counter_entry;

typedef struct tt_counter_map {
    tt_counter_entry *slots;
    size_t nslots, n, max;
} tt_counter_map;

void tt_counter_map_init(tt_counter_map *m, size_t max_entries);
void tt_counter_map_free(tt_counter_map *m);
/* Empties the map, keeping its memory. */
void tt_counter_map_clear(tt_counter_map *m);
/* Finds or inserts key; NULL when out of memory or at the bound. */
tt_counter_entry *tt_counter_map_get(tt_counter_map *m, uint64_t key);
tt_counter_entry *tt_counter_map_find(const tt_counter_map *m, uint64_t key);
/* Copies used entries into a new array (caller frees) of m->n entries. */
tt_counter_entry *tt_counter_map_entries(const tt_counter_map *m);
/* The same, ordered as a ranking: most packets first, ties by key. */
tt_counter_entry *tt_counter_map_ranked(const tt_counter_map *m);

typedef struct tt_addr_set_entry {
    tt_addr addr;
    uint32_t tag;
    uint32_t value; /* free for the caller (e.g. a position in its own array) */
    bool used;
} tt_addr_set_entry;

typedef struct tt_addr_set {
    tt_addr_set_entry *slots;
    size_t nslots, n, max;
} tt_addr_set;

void tt_addr_set_init(tt_addr_set *s, size_t max_entries);
void tt_addr_set_free(tt_addr_set *s);
/* Inserts; *added tells whether it was new. */
TT_MUST_CHECK tt_status tt_addr_set_add(tt_addr_set *s, const tt_addr *addr, uint32_t tag, bool *added);
/* Finds or inserts and returns the entry (valid until the next insert). */
TT_MUST_CHECK tt_status tt_addr_set_get(tt_addr_set *s, const tt_addr *addr, uint32_t tag,
                                        tt_addr_set_entry **entry, bool *added);

/* Set of 64-bit values (any value, including 0). */
typedef struct tt_u64_set {
    uint64_t *slots; /* value + 1 with overflow into has_max; 0 = empty */
    size_t nslots, n, max;
    bool has_max; /* UINT64_MAX is in the set (its +1 would be 0) */
} tt_u64_set;

void tt_u64_set_init(tt_u64_set *s, size_t max_entries);
void tt_u64_set_free(tt_u64_set *s);
TT_MUST_CHECK tt_status tt_u64_set_add(tt_u64_set *s, uint64_t value, bool *added);

#endif
