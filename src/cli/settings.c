/* Configuration file → settings. */
#include "cli/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"

tt_status tt_settings_init(tt_settings *s)
{
    memset(s, 0, sizeof *s);
    const char *env = getenv("TEITEN_DB");
    snprintf(s->db, sizeof s->db, "%s", env && *env ? env : "teiten.db");
    s->sensors = tt_sensor_map_new();
    return s->sensors ? TT_OK : TT_ERR_NOMEM;
}

void tt_settings_free(tt_settings *s)
{
    tt_sensor_map_free(s->sensors);
    s->sensors = NULL;
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
            strcmp(e->section, "p0f") && strcmp(e->section, "kb")) {
            snprintf(err, errlen, "%s:%u: unknown section [%s] (known: store, geo, p0f, kb, services, sensor NAME)",
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
