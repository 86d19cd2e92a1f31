/* Configuration file → settings. */
#include "cli/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship/auth.h"
#include "util/config.h"
#include "util/limits.h"

tt_status tt_settings_init(tt_settings *s)
{
    memset(s, 0, sizeof *s);
    const char *env = getenv("TEITEN_DB");
    snprintf(s->db, sizeof s->db, "%s", env && *env ? env : "teiten.db");
    s->live.fold_seconds = -1;
    s->live.ship_seconds = -1;
    s->sensors = tt_sensor_map_new();
    return s->sensors ? TT_OK : TT_ERR_NOMEM;
}

void tt_settings_free(tt_settings *s)
{
    tt_sensor_map_free(s->sensors);
    s->sensors = NULL;
    free(s->live.keys);
    s->live.keys = NULL;
    s->live.nkeys = 0;
}

static tt_status set_path(char *dst, size_t len, const tt_config_entry *e, char *err, size_t errlen);

static tt_status set_text(char *dst, size_t len, const tt_config_entry *e, char *err, size_t errlen)
{
    if (strlen(e->value) >= len) {
        snprintf(err, errlen, "%s:%u: %s is too long (at most %zu bytes)", e->file, e->line, e->key, len - 1);
        return TT_ERR_FORMAT;
    }
    snprintf(dst, len, "%s", e->value);
    return TT_OK;
}

static tt_status set_number(long *dst, long min, long max, const tt_config_entry *e, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end || v < min || v > max) {
        snprintf(err, errlen, "%s:%u: %s must be a whole number from %ld to %ld, not '%s'", e->file, e->line, e->key,
                 min, max, e->value);
        return TT_ERR_FORMAT;
    }
    *dst = v;
    return TT_OK;
}

static tt_settings_key *key_entry(tt_settings *s, const char *sensor)
{
    for (size_t i = 0; i < s->live.nkeys; i++)
        if (strcmp(s->live.keys[i].sensor, sensor) == 0)
            return &s->live.keys[i];
    if (s->live.nkeys >= TT_LIMIT_SENSORS)
        return NULL;
    tt_settings_key *p = realloc(s->live.keys, (s->live.nkeys + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    s->live.keys = p;
    tt_settings_key *k = &p[s->live.nkeys++];
    memset(k, 0, sizeof *k);
    snprintf(k->sensor, sizeof k->sensor, "%s", sensor);
    return k;
}

/* [capture], [spool], [ship], [collector]; TT_ERR_NOTFOUND when the key is not one of them. */
static tt_status live_entry(tt_live_settings *l, const tt_config_entry *e, char *err, size_t errlen)
{
    const char *sec = e->section, *k = e->key;
#define IS(S, K) (strcmp(sec, S) == 0 && strcmp(k, K) == 0)
    if (IS("capture", "sensor"))
        return set_text(l->sensor, sizeof l->sensor, e, err, errlen);
    if (IS("capture", "interface")) {
        if (l->ninterfaces == TT_SETTINGS_MAX_INTERFACES) {
            snprintf(err, errlen, "%s:%u: at most %d interfaces", e->file, e->line, TT_SETTINGS_MAX_INTERFACES);
            return TT_ERR_FORMAT;
        }
        return set_text(l->interfaces[l->ninterfaces++], sizeof l->interfaces[0], e, err, errlen);
    }
    if (IS("capture", "filter"))
        return set_text(l->filter, sizeof l->filter, e, err, errlen);
    if (IS("capture", "snaplen"))
        return set_number(&l->snaplen, 64, 262144, e, err, errlen);
    if (IS("capture", "buffer_mb"))
        return set_number(&l->buffer_mb, 1, 16384, e, err, errlen);
    if (IS("capture", "timeout_ms"))
        return set_number(&l->timeout_ms, 1, 10000, e, err, errlen);
    if (IS("capture", "immediate")) {
        if (strcmp(e->value, "yes") && strcmp(e->value, "no")) {
            snprintf(err, errlen, "%s:%u: immediate must be yes or no", e->file, e->line);
            return TT_ERR_FORMAT;
        }
        l->immediate = strcmp(e->value, "yes") == 0;
        return TT_OK;
    }
    if (IS("capture", "user"))
        return set_text(l->user, sizeof l->user, e, err, errlen);
    if (IS("capture", "retain_dir"))
        return set_path(l->retain_dir, sizeof l->retain_dir, e, err, errlen);
    if (IS("capture", "retain_file_mb"))
        return set_number(&l->retain_file_mb, 1, 1 << 20, e, err, errlen);
    if (IS("capture", "retain_max_mb"))
        return set_number(&l->retain_max_mb, 1, 1L << 30, e, err, errlen);
    if (IS("capture", "retain_max_age"))
        return set_number(&l->retain_max_age, 1, 1L << 40, e, err, errlen);
    if (IS("spool", "dir"))
        return set_path(l->spool_dir, sizeof l->spool_dir, e, err, errlen);
    if (IS("spool", "max_mb")) {
        tt_status st = set_number(&l->spool_max_kb, 1, 1L << 30, e, err, errlen);
        l->spool_max_kb <<= 10;
        return st;
    }
    if (IS("spool", "batch_packets"))
        return set_number(&l->batch_packets, 1, 1L << 26, e, err, errlen);
    if (IS("spool", "batch_seconds"))
        return set_number(&l->batch_seconds, 1, 3600, e, err, errlen);
    if (IS("ship", "url"))
        return set_text(l->url, sizeof l->url, e, err, errlen);
    if (IS("ship", "ca"))
        return set_path(l->ca, sizeof l->ca, e, err, errlen);
    if (IS("ship", "ship_seconds"))
        return set_number(&l->ship_seconds, 0, 86400, e, err, errlen);
    if (IS("ship", "heartbeat_seconds"))
        return set_number(&l->heartbeat_seconds, 1, 3600, e, err, errlen);
    if (IS("collector", "listen"))
        return set_text(l->listen, sizeof l->listen, e, err, errlen);
    if (IS("collector", "cert"))
        return set_path(l->cert, sizeof l->cert, e, err, errlen);
    if (IS("collector", "key"))
        return set_path(l->tls_key, sizeof l->tls_key, e, err, errlen);
    if (IS("collector", "fold_seconds")) {
        long v;
        tt_status st = set_number(&v, 0, 86400, e, err, errlen);
        l->fold_seconds = (double)v;
        return st;
    }
    if (IS("collector", "max_body_mb"))
        return set_number(&l->max_body_mb, 1, 64, e, err, errlen);
    if (IS("collector", "timeout_seconds"))
        return set_number(&l->timeout_seconds, 1, 3600, e, err, errlen);
    if (IS("collector", "max_connections"))
        return set_number(&l->max_connections, 1, 65536, e, err, errlen);
    if (IS("collector", "per_ip_connections"))
        return set_number(&l->per_ip_connections, 1, 65536, e, err, errlen);
    if (IS("collector", "requests_per_second"))
        return set_number(&l->requests_per_second, 1, 1000000, e, err, errlen);
#undef IS
    return TT_ERR_NOTFOUND;
}

static tt_status set_path(char *dst, size_t len, const tt_config_entry *e, char *err, size_t errlen)
{
    if (strlen(e->value) == 0 || strlen(e->value) >= len) {
        snprintf(err, errlen, "%s:%u: %s needs a path (at most %zu bytes)", e->file, e->line, e->key, len - 1);
        return TT_ERR_FORMAT;
    }
    snprintf(dst, len, "%s", e->value);
    return TT_OK;
}

static tt_status settings_entry(void *ctx, const tt_config_entry *e, char *err, size_t errlen)
{
    tt_settings *s = ctx;
    bool is_sensor = strcmp(e->section, "sensor") == 0;
    if (e->key == NULL) { /* a section header */
        if (is_sensor) {
            int index;
            if (e->section_name[0] == '\0') {
                snprintf(err, errlen, "%s:%u: a sensor section needs a name: [sensor NAME]", e->file, e->line);
                return TT_ERR_FORMAT;
            }
            if (tt_sensor_map_add(s->sensors, e->section_name, &index) != TT_OK) {
                snprintf(err, errlen, "%s:%u: bad or too many sensors ('%s')", e->file, e->line, e->section_name);
                return TT_ERR_FORMAT;
            }
            return TT_OK;
        }
        if (strcmp(e->section, "store") && strcmp(e->section, "geo") && strcmp(e->section, "services") &&
            strcmp(e->section, "p0f") && strcmp(e->section, "kb") && strcmp(e->section, "capture") &&
            strcmp(e->section, "spool") && strcmp(e->section, "ship") && strcmp(e->section, "collector")) {
            snprintf(err, errlen, "%s:%u: unknown section [%s] (known: store, geo, p0f, kb, services, sensor NAME, "
                     "capture, spool, ship, collector)",
                     e->file, e->line, e->section);
            return TT_ERR_FORMAT;
        }
        return TT_OK;
    }
    if (strcmp(e->section, "store") == 0 && strcmp(e->key, "db") == 0)
        return set_path(s->db, sizeof s->db, e, err, errlen);
    if (strcmp(e->section, "geo") == 0 && strcmp(e->key, "database") == 0)
        return set_path(s->geo, sizeof s->geo, e, err, errlen);
    if (strcmp(e->section, "geo") == 0 && strcmp(e->key, "mmdb_country") == 0)
        return set_path(s->mmdb_country, sizeof s->mmdb_country, e, err, errlen);
    if (strcmp(e->section, "geo") == 0 && strcmp(e->key, "mmdb_asn") == 0)
        return set_path(s->mmdb_asn, sizeof s->mmdb_asn, e, err, errlen);
    if (strcmp(e->section, "geo") == 0 && strcmp(e->key, "scanners") == 0) {
        if (s->nscanners == TT_SETTINGS_MAX_LISTS) {
            snprintf(err, errlen, "%s:%u: at most %d scanner lists", e->file, e->line, TT_SETTINGS_MAX_LISTS);
            return TT_ERR_FORMAT;
        }
        return set_path(s->scanners[s->nscanners++], sizeof s->scanners[0], e, err, errlen);
    }
    if (strcmp(e->section, "kb") == 0 && strcmp(e->key, "file") == 0) {
        if (s->nkb_files == TT_SETTINGS_MAX_LISTS) {
            snprintf(err, errlen, "%s:%u: at most %d knowledge-base files", e->file, e->line,
                     TT_SETTINGS_MAX_LISTS);
            return TT_ERR_FORMAT;
        }
        return set_path(s->kb_files[s->nkb_files++], sizeof s->kb_files[0], e, err, errlen);
    }
    if (strcmp(e->section, "p0f") == 0 && strcmp(e->key, "file") == 0)
        return set_path(s->p0f, sizeof s->p0f, e, err, errlen);
    if (strcmp(e->section, "services") == 0 && strcmp(e->key, "file") == 0)
        return set_path(s->services, sizeof s->services, e, err, errlen);
    tt_status live = live_entry(&s->live, e, err, errlen);
    if (live != TT_ERR_NOTFOUND)
        return live;
    if (is_sensor && (strcmp(e->key, "key") == 0 || strcmp(e->key, "revoked") == 0)) {
        tt_settings_key *k = key_entry(s, e->section_name);
        if (k == NULL) {
            snprintf(err, errlen, "%s:%u: too many sensor keys", e->file, e->line);
            return TT_ERR_FORMAT;
        }
        if (strcmp(e->key, "revoked") == 0) {
            if (strcmp(e->value, "yes") && strcmp(e->value, "no")) {
                snprintf(err, errlen, "%s:%u: revoked must be yes or no", e->file, e->line);
                return TT_ERR_FORMAT;
            }
            k->revoked = strcmp(e->value, "yes") == 0;
            return TT_OK;
        }
        tt_key parsed;
        if (!tt_key_parse(e->value, &parsed)) {
            snprintf(err, errlen, "%s:%u: key must be 64 hex digits (e.g. from 'openssl rand -hex 32')", e->file,
                     e->line);
            return TT_ERR_FORMAT;
        }
        snprintf(k->hex, sizeof k->hex, "%s", e->value);
        return TT_OK;
    }
    if (is_sensor) {
        int index = tt_sensor_map_find(s->sensors, e->section_name);
        if (strcmp(e->key, "prefix") == 0) {
            tt_prefix prefix;
            if (!tt_prefix_parse(e->value, &prefix)) {
                snprintf(err, errlen, "%s:%u: bad prefix '%s' (expected e.g. 192.0.2.0/24 or 2001:db8::/32)",
                         e->file, e->line, e->value);
                return TT_ERR_FORMAT;
            }
            int owner = tt_sensor_map_prefix_owner(s->sensors, &prefix);
            if (owner >= 0) {
                snprintf(err, errlen, "%s:%u: prefix %s is already claimed by sensor '%s'", e->file, e->line,
                         e->value, tt_sensor_map_get(s->sensors, owner)->name);
                return TT_ERR_FORMAT;
            }
            if (tt_sensor_map_add_prefix(s->sensors, index, &prefix) != TT_OK) {
                snprintf(err, errlen, "%s:%u: too many prefixes", e->file, e->line);
                return TT_ERR_FORMAT;
            }
            return TT_OK;
        }
        if (strcmp(e->key, "region") == 0) {
            if (tt_sensor_map_set_region(s->sensors, index, e->value) != TT_OK) {
                snprintf(err, errlen, "%s:%u: region must be a two-letter country code, not '%s'", e->file,
                         e->line, e->value);
                return TT_ERR_FORMAT;
            }
            return TT_OK;
        }
        if (strcmp(e->key, "label") == 0) {
            if (strchr(e->value, '=') == NULL || tt_sensor_map_add_label(s->sensors, index, e->value) != TT_OK) {
                snprintf(err, errlen, "%s:%u: label must be key=value without commas, and labels short", e->file,
                         e->line);
                return TT_ERR_FORMAT;
            }
            return TT_OK;
        }
    }
    snprintf(err, errlen, "%s:%u: unknown key '%s' in [%s%s%s]", e->file, e->line, e->key,
             e->section[0] ? e->section : "(no section)", e->section_name[0] ? " " : "", e->section_name);
    return TT_ERR_FORMAT;
}

tt_status tt_settings_parse(tt_settings *s, const char *text, size_t len, const char *name, char *err,
                            size_t errlen)
{
    return tt_config_parse_text(text, len, name, settings_entry, s, err, errlen);
}

tt_status tt_settings_load(tt_settings *s, const char *path, char *err, size_t errlen)
{
    return tt_config_parse_file(path, settings_entry, s, err, errlen);
}

tt_status tt_settings_finish(tt_settings *s, char *err, size_t errlen)
{
    return tt_sensor_map_finish(s->sensors, err, errlen);
}

tt_status tt_settings_open_geo(const tt_settings *s, tt_geo **geo, tt_prefix_list **list, char *err,
                               size_t errlen)
{
    *geo = NULL;
    *list = NULL;
    tt_geo_config config = {
        s->geo[0] ? s->geo : NULL,
        s->mmdb_country[0] ? s->mmdb_country : NULL,
        s->mmdb_asn[0] ? s->mmdb_asn : NULL,
    };
    tt_status st = tt_geo_open_config(&config, geo, err, errlen);
    if (st != TT_OK || s->nscanners == 0)
        return st;
    if ((*list = tt_prefix_list_new()) == NULL)
        st = TT_ERR_NOMEM;
    for (size_t i = 0; i < s->nscanners && st == TT_OK; i++)
        st = tt_prefix_list_add_file(*list, s->scanners[i], err, errlen);
    if (st == TT_OK)
        st = tt_prefix_list_finish(*list, err, errlen);
    if (st != TT_OK) {
        tt_prefix_list_free(*list);
        *list = NULL;
        tt_geo_close(*geo);
        *geo = NULL;
        return st;
    }
    tt_geo_set_scanner_list(*geo, *list);
    return TT_OK;
}

tt_status tt_settings_open_p0f(const tt_settings *s, tt_p0f **db, char *err, size_t errlen)
{
    *db = NULL;
    if (strcmp(s->p0f, "none") == 0)
        return TT_OK;
    if (s->p0f[0] == '\0') {
        FILE *f = fopen(TT_P0F_DEFAULT_PATH, "rb");
        if (f == NULL)
            return TT_OK; /* p0f not installed: no OS hints */
        fclose(f);
    }
    return tt_p0f_load(s->p0f[0] ? s->p0f : NULL, db, err, errlen);
}

tt_status tt_settings_open_kb(const tt_settings *s, tt_kb **kb, char *err, size_t errlen)
{
    tt_status st = tt_kb_builtin(kb, err, errlen);
    for (size_t i = 0; i < s->nkb_files && st == TT_OK; i++)
        st = tt_kb_add_file(*kb, s->kb_files[i], err, errlen);
    if (st != TT_OK) {
        tt_kb_free(*kb);
        *kb = NULL;
    }
    return st;
}
