/* Effective settings of one teiten run: configuration file, then command-line
 * options on top. Keys of the configuration file:
 *   [store]        db = PATH
 *   [geo]          database = PATH
 *   [services]     file = PATH
 *   [sensor NAME]  prefix = CIDR (repeatable), region = CC, label = k=v (repeatable) */
#ifndef TT_CLI_SETTINGS_H
#define TT_CLI_SETTINGS_H

#include <stddef.h>

#include "classify/sensor_map.h"
#include "util/status.h"

typedef struct tt_settings {
    char db[1024];
    char geo[1024];      /* "" = libloc's default path */
    char services[1024]; /* "" = /etc/services */
    tt_sensor_map *sensors;
} tt_settings;

/* Defaults: db from $TEITEN_DB or "teiten.db". */
TT_MUST_CHECK tt_status tt_settings_init(tt_settings *s);
void tt_settings_free(tt_settings *s);
/* Reads a configuration file on top of the current settings. */
TT_MUST_CHECK tt_status tt_settings_load(tt_settings *s, const char *path, char *err, size_t errlen);
/* Parses configuration text (for tests and the fuzzer). */
TT_MUST_CHECK tt_status tt_settings_parse(tt_settings *s, const char *text, size_t len, const char *name,
                                          char *err, size_t errlen);
/* Call after loading: validates the sensor map. */
TT_MUST_CHECK tt_status tt_settings_finish(tt_settings *s, char *err, size_t errlen);

#endif
