/* Effective settings of one teiten run: configuration file, then command-line
 * options on top. Keys of the configuration file:
 *   [store]        db = PATH
 *   [geo]          database = PATH, mmdb_country = PATH, mmdb_asn = PATH,
 *                  scanners = PATH (repeatable: known-scanner prefix lists)
 *   [p0f]          file = PATH | none
 *   [kb]           file = PATH (repeatable: knowledge-base entries added to the built-in ones)
 *   [services]     file = PATH
 *   [sensor NAME]  prefix = CIDR (repeatable), region = CC, label = k=v (repeatable),
 *                  key = 64 hex digits (shipping credential), revoked = yes|no
 *   [capture]      sensor = NAME, interface = IF (repeatable), filter = BPF, snaplen = N,
 *                  buffer_mb = N, immediate = yes|no, timeout_ms = N, user = NAME, retain_dir = PATH, retain_file_mb = N,
 *                  retain_max_mb = N, retain_max_age = SECONDS
 *   [spool]        dir = PATH, max_mb = N, batch_packets = N, batch_seconds = N
 *   [ship]         url = https://HOST:PORT, ca = PATH, ship_seconds = N, heartbeat_seconds = N
 *   [collector]    listen = ADDR:PORT, cert = PATH, key = PATH, fold_seconds = N,
 *                  max_body_mb = N, timeout_seconds = N, max_connections = N,
 *                  per_ip_connections = N, requests_per_second = N */
#ifndef TT_CLI_SETTINGS_H
#define TT_CLI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/geo.h"
#include "classify/kb.h"
#include "classify/p0f.h"
#include "classify/prefix_list.h"
#include "classify/sensor_map.h"
#include "util/status.h"

#define TT_SETTINGS_MAX_LISTS 16
#define TT_SETTINGS_MAX_INTERFACES 16

/* Per-sensor shipping credentials. */
typedef struct tt_settings_key {
    char sensor[64];
    char hex[65];
    bool revoked;
} tt_settings_key;

/* Sensor daemon and collector settings (0 / "" = default). */
typedef struct tt_live_settings {
    char sensor[64];
    char interfaces[TT_SETTINGS_MAX_INTERFACES][64];
    size_t ninterfaces;
    char filter[1024];
    long snaplen, buffer_mb, timeout_ms;
    bool immediate;
    char user[64];
    char retain_dir[1024];
    long retain_file_mb, retain_max_mb, retain_max_age;
    char spool_dir[1024];
    long spool_max_kb, batch_packets, batch_seconds; /* spool cap kept in KiB ([spool] max_mb) */
    char url[1024], ca[1024];
    long heartbeat_seconds;
    long ship_seconds; /* -1: the sensor's default */
    char listen[128], cert[1024], tls_key[1024];
    double fold_seconds; /* < 0 = unset */
    long max_body_mb, timeout_seconds, max_connections, per_ip_connections, requests_per_second;
    tt_settings_key *keys;
    size_t nkeys;
} tt_live_settings;

typedef struct tt_settings {
    char db[1024];
    char geo[1024];          /* "" = libloc's default path */
    char mmdb_country[1024]; /* "" = none */
    char mmdb_asn[1024];
    char scanners[TT_SETTINGS_MAX_LISTS][1024]; /* known-scanner prefix lists */
    size_t nscanners;
    char p0f[1024];      /* "" = /etc/p0f/p0f.fp if present; "none" = no OS hints */
    char services[1024]; /* "" = the built-in IANA registry */
    char kb_files[TT_SETTINGS_MAX_LISTS][1024];
    size_t nkb_files;
    tt_sensor_map *sensors;
    tt_live_settings live;
} tt_settings;

/* Opens the source-attribution databases the settings name, with the
 * known-scanner lists (*list, owned by the caller, may be NULL). */
TT_MUST_CHECK tt_status tt_settings_open_geo(const tt_settings *s, tt_geo **geo, tt_prefix_list **list,
                                             char *err, size_t errlen);
/* The built-in knowledge base plus the configured user files. */
TT_MUST_CHECK tt_status tt_settings_open_kb(const tt_settings *s, tt_kb **kb, char *err, size_t errlen);
/* Loads p0f's signatures unless "none"; a missing default file is not an error (*db NULL). */
TT_MUST_CHECK tt_status tt_settings_open_p0f(const tt_settings *s, tt_p0f **db, char *err, size_t errlen);

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
