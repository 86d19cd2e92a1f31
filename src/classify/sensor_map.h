/* Which sensor a packet belongs to: sensors own dark prefixes; a destination
 * address is matched to the longest prefix that contains it. */
#ifndef TT_CLASSIFY_SENSOR_MAP_H
#define TT_CLASSIFY_SENSOR_MAP_H

#include <stddef.h>

#include "util/addr.h"
#include "util/status.h"

typedef struct tt_sensor_def {
    char name[64];
    char region[3]; /* ISO country code, "" if not set */
    char labels[256];
} tt_sensor_def;

typedef struct tt_sensor_map tt_sensor_map;

tt_sensor_map *tt_sensor_map_new(void);
void tt_sensor_map_free(tt_sensor_map *map); /* accepts NULL */

/* Adds a sensor (or finds it by name); returns its index. */
TT_MUST_CHECK tt_status tt_sensor_map_add(tt_sensor_map *map, const char *name, int *index);
TT_MUST_CHECK tt_status tt_sensor_map_add_prefix(tt_sensor_map *map, int index, const tt_prefix *prefix);
TT_MUST_CHECK tt_status tt_sensor_map_set_region(tt_sensor_map *map, int index, const char *cc);
TT_MUST_CHECK tt_status tt_sensor_map_add_label(tt_sensor_map *map, int index, const char *label);
/* Index of the sensor that already claims exactly this prefix, or -1. */
int tt_sensor_map_prefix_owner(const tt_sensor_map *map, const tt_prefix *prefix);
/* Call once after the last add: sorts prefixes for lookup. Fails when two
 * sensors claim the same prefix. */
TT_MUST_CHECK tt_status tt_sensor_map_finish(tt_sensor_map *map, char *err, size_t errlen);

size_t tt_sensor_map_count(const tt_sensor_map *map);
size_t tt_sensor_map_prefix_count(const tt_sensor_map *map);
size_t tt_sensor_map_prefixes_of(const tt_sensor_map *map, int index); /* prefixes of one sensor */
const tt_sensor_def *tt_sensor_map_get(const tt_sensor_map *map, int index);
int tt_sensor_map_find(const tt_sensor_map *map, const char *name); /* -1 if absent */

/* Sensor index for a destination, or -1 when no prefix contains it. */
int tt_sensor_map_lookup(const tt_sensor_map *map, const tt_addr *dst);

#endif
