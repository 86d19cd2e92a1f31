/* SQLite backend: the embedded default store, one file.
 *
 * The rollup is an ordinary table; per-source detail lives in compressed
 * segments (segment.h), one row per sensor-hour. Writes happen inside the
 * caller's transaction (begin/commit), so a batch and the file progress that
 * records it land together or not at all. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/limits.h"

#define SEGMENT_ZSTD_LEVEL 3

typedef struct sqlite_store {
    tt_store base;
    sqlite3 *db;
    char error[512];
    sqlite3_stmt *segment_get, *segment_insert, *segment_update, *rollup_delete, *rollup_insert;
    tt_buf data, bloom, totals;
    tt_detail_row *old_rows, *merged_rows;
    size_t old_cap, merged_cap;
} sqlite_store;

/* Each entry moves the schema from version i to i+1. Never edit a released
 * entry: add a new one. */
static const char *const schema_migrations[] = {
    /* 0 → 1 */
    "CREATE TABLE sensors("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  region TEXT NOT NULL DEFAULT '',"
    "  labels TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE files("
    "  id INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  frames_done INTEGER NOT NULL DEFAULT 0,"
    "  done INTEGER NOT NULL DEFAULT 0,"
    "  first_ts INTEGER, last_ts INTEGER,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER,"
    "  damage TEXT,"
    "  UNIQUE(hash, size));"
    "CREATE TABLE outcomes("
    "  file_id INTEGER NOT NULL REFERENCES files(id),"
    "  outcome TEXT NOT NULL,"
    "  frames INTEGER NOT NULL,"
    "  PRIMARY KEY(file_id, outcome)) WITHOUT ROWID;"
    "CREATE TABLE rollup("
    "  hour INTEGER NOT NULL,"      /* UTC hours since the epoch */
    "  sensor INTEGER NOT NULL,"
    "  proto INTEGER NOT NULL,"     /* IP protocol number */
    "  port INTEGER NOT NULL,"      /* 0 for ICMP, -1 for non-first fragments */
    "  icmp_type INTEGER NOT NULL," /* -1 unless ICMP/ICMPv6 */
    "  cc TEXT NOT NULL,"           /* source country, ZZ = unknown */
    "  packets INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  sources INTEGER NOT NULL,"   /* distinct sources in this hour/sensor/key/cc */
    "  PRIMARY KEY(hour, sensor, proto, port, icmp_type, cc)) WITHOUT ROWID;"
    "CREATE TABLE segments("
    "  id INTEGER PRIMARY KEY,"
    "  hour INTEGER NOT NULL,"
    "  sensor INTEGER NOT NULL,"
    "  nrows INTEGER NOT NULL,"
    "  nsources INTEGER NOT NULL,"
    "  bloom BLOB NOT NULL,"
    "  data BLOB NOT NULL,"
    "  UNIQUE(hour, sensor));",
    /* 1 → 2: per sensor-hour totals by port and by country (filled below) */
    "ALTER TABLE segments ADD COLUMN totals BLOB;",
};
#define SCHEMA_VERSION ((int)(sizeof schema_migrations / sizeof schema_migrations[0]))

static tt_status db_fail(sqlite_store *s, const char *what)
{
    snprintf(s->error, sizeof s->error, "%s: %s", what, sqlite3_errmsg(s->db));
    return TT_ERR_DB;
}

static const char *sqlite_last_error(tt_store *store)
{
    return ((sqlite_store *)store)->error;
}

static tt_status exec_sql(sqlite_store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->error, sizeof s->error, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return TT_ERR_DB;
    }
    return TT_OK;
}

static tt_status prepare(sqlite_store *s, const char *sql, sqlite3_stmt **stmt)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
        return db_fail(s, "prepare");
    return TT_OK;
}

/* Schema 2 keeps per sensor-hour totals: derive them for stores written before. */
static tt_status fill_totals(sqlite_store *s)
{
    sqlite3_stmt *select = NULL, *update = NULL;
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    tt_status st = TT_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT id, hour, data FROM segments WHERE totals IS NULL", -1, &select,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE segments SET totals=?2 WHERE id=?1", -1, &update, NULL) != SQLITE_OK) {
        st = db_fail(s, "migration to schema 2");
        goto cleanup;
    }
    while (st == TT_OK && sqlite3_step(select) == SQLITE_ROW) {
        st = tt_segment_decode(sqlite3_column_blob(select, 2), (size_t)sqlite3_column_bytes(select, 2),
                               sqlite3_column_int64(select, 1), &rows, &n, &cap);
        if (st == TT_OK)
            st = tt_totals_from_rows(rows, n, &s->totals);
        if (st != TT_OK) {
            snprintf(s->error, sizeof s->error, "migration to schema 2: segment %lld: %s",
                     (long long)sqlite3_column_int64(select, 0), tt_strerror(st));
            break;
        }
        sqlite3_bind_int64(update, 1, sqlite3_column_int64(select, 0));
        sqlite3_bind_blob(update, 2, s->totals.data, (int)s->totals.len, SQLITE_STATIC);
        if (sqlite3_step(update) != SQLITE_DONE)
            st = db_fail(s, "migration to schema 2");
        sqlite3_reset(update);
    }
cleanup:
    sqlite3_finalize(select);
    sqlite3_finalize(update);
    free(rows);
    return st;
}

static tt_status migrate(sqlite_store *s, bool writable)
{
    sqlite3_stmt *stmt = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "read schema version");
    if (sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (version > SCHEMA_VERSION) {
        snprintf(s->error, sizeof s->error,
                 "store has schema version %d, this teiten knows up to %d: upgrade teiten",
                 version, SCHEMA_VERSION);
        return TT_ERR_UNSUPPORTED;
    }
    if (version == SCHEMA_VERSION)
        return TT_OK;
    if (!writable) {
        if (version == 0) {
            snprintf(s->error, sizeof s->error, "not a teiten store (empty database)");
            return TT_ERR_NOTFOUND;
        }
        snprintf(s->error, sizeof s->error,
                 "store has schema version %d and needs migrating to %d: run an ingest first",
                 version, SCHEMA_VERSION);
        return TT_ERR_UNSUPPORTED;
    }
    tt_status st = exec_sql(s, "BEGIN IMMEDIATE");
    if (st != TT_OK)
        return st;
    for (int v = version; v < SCHEMA_VERSION && st == TT_OK; v++)
        st = exec_sql(s, schema_migrations[v]);
    if (st == TT_OK && version >= 1 && version < 2)
        st = fill_totals(s);
    if (st == TT_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        st = exec_sql(s, sql);
    }
    if (st == TT_OK)
        return exec_sql(s, "COMMIT");
    char keep[sizeof s->error];
    memcpy(keep, s->error, sizeof keep);
    exec_sql(s, "ROLLBACK");
    memcpy(s->error, keep, sizeof keep);
    return st;
}

static void sqlite_close(tt_store *store)
{
    sqlite_store *s = (sqlite_store *)store;
    if (s == NULL)
        return;
    sqlite3_finalize(s->segment_get);
    sqlite3_finalize(s->segment_insert);
    sqlite3_finalize(s->segment_update);
    sqlite3_finalize(s->rollup_delete);
    sqlite3_finalize(s->rollup_insert);
    sqlite3_close(s->db);
    tt_buf_free(&s->data);
    tt_buf_free(&s->bloom);
    tt_buf_free(&s->totals);
    free(s->old_rows);
    free(s->merged_rows);
    free(s);
}

static tt_status sqlite_open(const char *location, bool writable, tt_store **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    sqlite_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return TT_ERR_NOMEM;
    s->base.ops = &tt_store_sqlite_ops;
    tt_buf_init(&s->data, 0);
    tt_buf_init(&s->bloom, 0);
    tt_buf_init(&s->totals, 0);
    int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    tt_status st = TT_ERR_DB;
    if (sqlite3_open_v2(location, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(s->error, sizeof s->error, "cannot open: %s",
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    if (writable) {
        /* WAL + NORMAL: a crash loses at most the last commit, never consistency. */
        if ((st = exec_sql(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) != TT_OK)
            goto fail;
    }
    if ((st = exec_sql(s, "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;")) != TT_OK)
        goto fail;
    if ((st = migrate(s, writable)) != TT_OK)
        goto fail;
    if ((st = prepare(s, "SELECT id, data FROM segments WHERE hour=?1 AND sensor=?2", &s->segment_get)))
        goto fail;
    if (writable) {
        if ((st = prepare(s, "INSERT INTO segments(hour, sensor, nrows, nsources, bloom, data, totals) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s->segment_insert)) ||
            (st = prepare(s, "UPDATE segments SET nrows=?2, nsources=?3, bloom=?4, data=?5, totals=?6 WHERE id=?1",
                          &s->segment_update)) ||
            (st = prepare(s, "DELETE FROM rollup WHERE hour=?1 AND sensor=?2", &s->rollup_delete)) ||
            (st = prepare(s, "INSERT INTO rollup(hour, sensor, proto, port, icmp_type, cc, packets, "
                             "bytes, sources) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          &s->rollup_insert)))
            goto fail;
    }
    *out = &s->base;
    return TT_OK;
fail:
    snprintf(err, errlen, "%s: %s", location, s->error);
    sqlite_close(&s->base);
    return st;
}

static tt_status sqlite_begin(tt_store *store)
{
    return exec_sql((sqlite_store *)store, "BEGIN IMMEDIATE");
}
static tt_status sqlite_commit(tt_store *store) { return exec_sql((sqlite_store *)store, "COMMIT"); }
static tt_status sqlite_rollback(tt_store *store)
{
    return exec_sql((sqlite_store *)store, "ROLLBACK");
}

static tt_status sqlite_sensor_upsert(tt_store *store, const tt_sensor_info *info, int32_t *id)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    tt_status st = TT_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO sensors(name, region, labels) VALUES(?1, ?2, ?3) "
                           "ON CONFLICT(name) DO UPDATE SET "
                           "region = CASE WHEN ?2 = '' THEN region ELSE ?2 END, "
                           "labels = CASE WHEN ?3 = '' THEN labels ELSE ?3 END "
                           "RETURNING id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "sensor upsert");
    sqlite3_bind_text(stmt, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, info->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, info->labels, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        st = db_fail(s, "sensor upsert");
    else
        *id = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (st == TT_OK && *id >= TT_LIMIT_SENSORS) {
        snprintf(s->error, sizeof s->error, "more than %d sensors", TT_LIMIT_SENSORS);
        st = TT_ERR_NOMEM;
    }
    return st;
}

static tt_status sqlite_file_lookup(tt_store *store, const uint8_t hash[16], uint64_t size,
                                    const char *name, tt_file_record *out)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    tt_status st = TT_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(s->db, "SELECT id, frames_done, done FROM files WHERE hash=?1 AND size=?2",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "file lookup");
    sqlite3_bind_blob(stmt, 1, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)size);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(stmt, 0);
        out->frames_done = (uint64_t)sqlite3_column_int64(stmt, 1);
        out->state = sqlite3_column_int(stmt, 2) ? TT_FILE_DONE : TT_FILE_PARTIAL;
        sqlite3_finalize(stmt);
        return TT_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return db_fail(s, "file lookup");
    if (name == NULL) /* look-up only */
        return TT_ERR_NOTFOUND;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO files(hash, size, name, started_at) VALUES(?1, ?2, ?3, ?4)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "file insert");
    sqlite3_bind_blob(stmt, 1, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)size);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = db_fail(s, "file insert");
    sqlite3_finalize(stmt);
    out->id = sqlite3_last_insert_rowid(s->db);
    out->state = TT_FILE_NEW;
    return st;
}

static tt_status sqlite_file_update(tt_store *store, int64_t file_id, const tt_file_progress *p)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    tt_status st = TT_OK;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE files SET frames_done=?2, done=?3, "
                           "first_ts=CASE WHEN ?4 = 0 THEN first_ts ELSE min(coalesce(first_ts, ?4), ?4) END, "
                           "last_ts=CASE WHEN ?5 = 0 THEN last_ts ELSE max(coalesce(last_ts, ?5), ?5) END, "
                           "finished_at=CASE WHEN ?3 THEN ?6 ELSE finished_at END, "
                           "damage=coalesce(?7, damage) WHERE id=?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "file update");
    sqlite3_bind_int64(stmt, 1, file_id);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)p->frames_done);
    sqlite3_bind_int(stmt, 3, p->done);
    sqlite3_bind_int64(stmt, 4, p->first_ts);
    sqlite3_bind_int64(stmt, 5, p->last_ts);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)time(NULL));
    if (p->damage)
        sqlite3_bind_text(stmt, 7, p->damage, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = db_fail(s, "file update");
    sqlite3_finalize(stmt);
    if (st != TT_OK)
        return st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outcomes(file_id, outcome, frames) VALUES(?1, ?2, ?3) "
                           "ON CONFLICT(file_id, outcome) DO UPDATE SET frames = frames + ?3",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "outcome update");
    for (int o = 0; o < TT_OUTCOME_COUNT && st == TT_OK; o++) {
        if (p->outcomes[o] == 0)
            continue;
        sqlite3_bind_int64(stmt, 1, file_id);
        sqlite3_bind_text(stmt, 2, tt_outcome_name((tt_outcome)o), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64)p->outcomes[o]);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = db_fail(s, "outcome update");
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Rollup of one sensor-hour, derived from its detail rows: one group per
 * (service, cc); every detail row is a distinct source for its group. */
typedef struct rollup_group {
    uint64_t key; /* service << 16 | cc, 0 = empty slot (service is never 0) */
    uint64_t packets, bytes, sources;
} rollup_group;

static tt_status write_rollup(sqlite_store *s, int64_t hour, int32_t sensor,
                              const tt_detail_row *rows, size_t n)
{
    size_t slots = 64;
    while (slots < n * 2)
        slots *= 2;
    rollup_group *groups = calloc(slots, sizeof *groups);
    if (groups == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = (uint64_t)rows[i].service << 16 | rows[i].cc;
        size_t slot = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (slots - 1);
        while (groups[slot].key != 0 && groups[slot].key != key)
            slot = (slot + 1) & (slots - 1);
        groups[slot].key = key;
        groups[slot].packets += rows[i].packets;
        groups[slot].bytes += rows[i].bytes;
        groups[slot].sources++;
    }
    tt_status st = TT_OK;
    sqlite3_stmt *stmt = s->rollup_insert;
    for (size_t i = 0; i < slots && st == TT_OK; i++) {
        if (groups[i].key == 0)
            continue;
        tt_service service = (tt_service)(groups[i].key >> 16);
        char cc[3];
        tt_cc_text((tt_cc)(groups[i].key & 0xffff), cc);
        sqlite3_bind_int64(stmt, 1, hour);
        sqlite3_bind_int(stmt, 2, sensor);
        sqlite3_bind_int(stmt, 3, tt_service_proto(service));
        sqlite3_bind_int(stmt, 4, tt_service_port(service));
        sqlite3_bind_int(stmt, 5, tt_service_icmp_type(service));
        sqlite3_bind_text(stmt, 6, cc, 2, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 7, (sqlite3_int64)groups[i].packets);
        sqlite3_bind_int64(stmt, 8, (sqlite3_int64)groups[i].bytes);
        sqlite3_bind_int64(stmt, 9, (sqlite3_int64)groups[i].sources);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = db_fail(s, "rollup insert");
        sqlite3_reset(stmt);
    }
    free(groups);
    return st;
}

static size_t count_sources(const tt_detail_row *rows, size_t n)
{
    size_t sources = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || tt_addr_cmp(&rows[i - 1].src, &rows[i].src) != 0)
            sources++;
    return sources;
}

static tt_status sqlite_put_hour(tt_store *store, int64_t hour, int32_t sensor,
                                 const tt_detail_row *rows, size_t n)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_status st;
    sqlite3_stmt *get = s->segment_get;
    sqlite3_bind_int64(get, 1, hour);
    sqlite3_bind_int(get, 2, sensor);
    int rc = sqlite3_step(get);
    int64_t existing_id = 0;
    if (rc == SQLITE_ROW) {
        /* Late data for a stored sensor-hour (a capture split mid-hour, or
         * packets out of order): merge so sources stay exact. */
        existing_id = sqlite3_column_int64(get, 0);
        size_t old_n = 0, merged_n = 0;
        st = tt_segment_decode(sqlite3_column_blob(get, 1), (size_t)sqlite3_column_bytes(get, 1),
                               hour, &s->old_rows, &old_n, &s->old_cap);
        sqlite3_reset(get);
        if (st != TT_OK) {
            snprintf(s->error, sizeof s->error, "stored segment hour %lld sensor %d is damaged",
                     (long long)hour, sensor);
            return st;
        }
        if ((st = tt_segment_merge(s->old_rows, old_n, rows, n, &s->merged_rows, &merged_n,
                                   &s->merged_cap)) != TT_OK)
            return st;
        rows = s->merged_rows;
        n = merged_n;
    } else {
        sqlite3_reset(get);
        if (rc != SQLITE_DONE)
            return db_fail(s, "segment lookup");
    }
    if ((st = tt_segment_encode(rows, n, hour, SEGMENT_ZSTD_LEVEL, &s->data, &s->bloom)) != TT_OK) {
        snprintf(s->error, sizeof s->error, "segment encoding failed: %s", tt_strerror(st));
        return st;
    }
    if ((st = tt_totals_from_rows(rows, n, &s->totals)) != TT_OK)
        return st;
    size_t sources = count_sources(rows, n);
    sqlite3_stmt *stmt;
    if (existing_id) {
        stmt = s->segment_update;
        sqlite3_bind_int64(stmt, 1, existing_id);
        sqlite3_bind_int64(stmt, 2, (sqlite3_int64)n);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64)sources);
        sqlite3_bind_blob(stmt, 4, s->bloom.data, (int)s->bloom.len, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 5, s->data.data, (int)s->data.len, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 6, s->totals.data, (int)s->totals.len, SQLITE_STATIC);
    } else {
        stmt = s->segment_insert;
        sqlite3_bind_int64(stmt, 1, hour);
        sqlite3_bind_int(stmt, 2, sensor);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64)n);
        sqlite3_bind_int64(stmt, 4, (sqlite3_int64)sources);
        sqlite3_bind_blob(stmt, 5, s->bloom.data, (int)s->bloom.len, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 6, s->data.data, (int)s->data.len, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 7, s->totals.data, (int)s->totals.len, SQLITE_STATIC);
    }
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return db_fail(s, "segment write");
    if (existing_id) {
        sqlite3_bind_int64(s->rollup_delete, 1, hour);
        sqlite3_bind_int(s->rollup_delete, 2, sensor);
        rc = sqlite3_step(s->rollup_delete);
        sqlite3_reset(s->rollup_delete);
        if (rc != SQLITE_DONE)
            return db_fail(s, "rollup delete");
    }
    return write_rollup(s, hour, sensor, rows, n);
}

static tt_status sqlite_sensors(tt_store *store, tt_sensor_info **list, size_t *n)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    *list = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id, name, region, labels FROM sensors ORDER BY id", -1,
                           &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "sensor list");
    size_t cap = 0;
    tt_status st = TT_OK;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            tt_sensor_info *p = realloc(*list, cap * sizeof *p);
            if (p == NULL) {
                st = TT_ERR_NOMEM;
                break;
            }
            *list = p;
        }
        tt_sensor_info *info = &(*list)[(*n)++];
        memset(info, 0, sizeof *info);
        info->id = sqlite3_column_int(stmt, 0);
        snprintf(info->name, sizeof info->name, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(info->region, sizeof info->region, "%s", (const char *)sqlite3_column_text(stmt, 2));
        snprintf(info->labels, sizeof info->labels, "%s", (const char *)sqlite3_column_text(stmt, 3));
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = db_fail(s, "sensor list");
    sqlite3_finalize(stmt);
    if (st != TT_OK) {
        free(*list);
        *list = NULL;
        *n = 0;
    }
    return st;
}

/* Appends " AND sensor IN (...)" etc. for a filter; binds come after ?1 ?2. */
static tt_status filter_sql(const tt_rollup_filter *f, tt_buf *sql)
{
    tt_status st = tt_buf_printf(sql, " WHERE hour >= ?1 AND hour < ?2");
    if (st == TT_OK && f->sensor_set) {
        st = tt_buf_printf(sql, " AND sensor IN (-1");
        for (int32_t i = 0; i < f->sensor_set_size && st == TT_OK; i++)
            if (tt_sensor_set_has(f, i))
                st = tt_buf_printf(sql, ",%d", i);
        if (st == TT_OK)
            st = tt_buf_printf(sql, ")");
    }
    return st;
}

static tt_status sqlite_scan_rollup(tt_store *store, const tt_rollup_filter *f, unsigned group,
                                    tt_rollup_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    bool by_icmp = (group & TT_GROUP_ICMP_TYPE) && (group & TT_GROUP_PORT);
    tt_status st = tt_buf_printf(&sql, "SELECT %s, %s, %s, %s, %s, %s, sum(packets), sum(bytes), "
                                       "sum(sources) FROM rollup",
                                 group & TT_GROUP_HOUR ? "hour" : "0",
                                 group & TT_GROUP_SENSOR ? "sensor" : "0",
                                 group & TT_GROUP_PORT ? "proto" : "0",
                                 group & TT_GROUP_PORT ? "port" : "0",
                                 by_icmp ? "icmp_type" : "-1", group & TT_GROUP_CC ? "cc" : "''");
    if (st == TT_OK)
        st = filter_sql(f, &sql);
    if (st == TT_OK && f->has_port)
        st = tt_buf_printf(&sql, " AND proto = %u AND port = %d", f->proto, f->port);
    if (st == TT_OK && f->cc)
        st = tt_buf_printf(&sql, " AND cc = '%c%c'", (char)(f->cc >> 8), (char)(f->cc & 0xff));
    if (st == TT_OK)
        st = tt_buf_printf(&sql, " GROUP BY 1, 2, 3, 4, 5, 6");
    if (st != TT_OK) {
        tt_buf_free(&sql);
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return db_fail(s, "rollup query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        tt_rollup_row row;
        row.hour = sqlite3_column_int64(stmt, 0);
        row.sensor = sqlite3_column_int(stmt, 1);
        uint8_t proto = (uint8_t)sqlite3_column_int(stmt, 2);
        row.service = tt_service_make(proto, sqlite3_column_int(stmt, 3), sqlite3_column_int(stmt, 4));
        const unsigned char *cc = sqlite3_column_text(stmt, 5);
        row.cc = cc && cc[0] && cc[1] ? (tt_cc)(cc[0] << 8 | cc[1]) : 0;
        row.packets = (uint64_t)sqlite3_column_int64(stmt, 6);
        row.bytes = (uint64_t)sqlite3_column_int64(stmt, 7);
        row.sources = (uint64_t)sqlite3_column_int64(stmt, 8);
        if ((st = fn(ctx, &row)) != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = db_fail(s, "rollup query");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_scan_segments(tt_store *store, const tt_rollup_filter *f,
                                      const tt_addr *only_src, bool keys_only, tt_segment_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    tt_status st = tt_buf_printf(&sql, "SELECT hour, sensor, bloom, %s FROM segments",
                                 only_src ? "id" : "data");
    if (st == TT_OK)
        st = filter_sql(f, &sql);
    if (st == TT_OK)
        st = tt_buf_printf(&sql, " ORDER BY hour, sensor");
    sqlite3_stmt *stmt = NULL, *data_stmt = NULL;
    if (st != TT_OK || sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT data FROM segments WHERE id=?1", -1, &data_stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        sqlite3_finalize(stmt);
        return st != TT_OK ? st : db_fail(s, "segment query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    tt_detail_row *rows = NULL;
    size_t cap = 0, n = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t hour = sqlite3_column_int64(stmt, 0);
        int32_t sensor = sqlite3_column_int(stmt, 1);
        const void *blob;
        int blob_len;
        if (only_src) {
            if (!tt_bloom_may_contain(sqlite3_column_blob(stmt, 2), (size_t)sqlite3_column_bytes(stmt, 2),
                                      only_src))
                continue;
            sqlite3_bind_int64(data_stmt, 1, sqlite3_column_int64(stmt, 3));
            if (sqlite3_step(data_stmt) != SQLITE_ROW) {
                st = db_fail(s, "segment read");
                break;
            }
            blob = sqlite3_column_blob(data_stmt, 0);
            blob_len = sqlite3_column_bytes(data_stmt, 0);
        } else {
            blob = sqlite3_column_blob(stmt, 3);
            blob_len = sqlite3_column_bytes(stmt, 3);
        }
        st = keys_only ? tt_segment_decode_keys(blob, (size_t)blob_len, &rows, &n, &cap)
                       : tt_segment_decode(blob, (size_t)blob_len, hour, &rows, &n, &cap);
        sqlite3_reset(data_stmt);
        if (st != TT_OK) {
            snprintf(s->error, sizeof s->error, "stored segment hour %lld sensor %d is damaged",
                     (long long)hour, sensor);
            break;
        }
        if ((st = fn(ctx, hour, sensor, rows, n)) != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = db_fail(s, "segment query");
    free(rows);
    sqlite3_finalize(stmt);
    sqlite3_finalize(data_stmt);
    return st;
}

typedef struct totals_ctx {
    tt_rollup_row row;
    bool countries;
    tt_rollup_fn fn;
    void *ctx;
} totals_ctx;

static tt_status emit_total(void *ctx, const tt_total *t)
{
    totals_ctx *c = ctx;
    if (c->countries)
        c->row.cc = (tt_cc)t->key;
    else
        c->row.service = t->key;
    c->row.packets = t->packets;
    c->row.bytes = t->bytes;
    return c->fn(c->ctx, &c->row);
}

static tt_status sqlite_scan_totals(tt_store *store, const tt_rollup_filter *f, unsigned group,
                                    tt_rollup_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    tt_status st = tt_buf_printf(&sql, "SELECT hour, sensor, totals FROM segments");
    if (st == TT_OK)
        st = filter_sql(f, &sql);
    sqlite3_stmt *stmt = NULL;
    if (st != TT_OK || sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return st != TT_OK ? st : db_fail(s, "totals query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    totals_ctx c;
    memset(&c, 0, sizeof c);
    c.countries = group == TT_GROUP_CC;
    c.fn = fn;
    c.ctx = ctx;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        c.row.hour = sqlite3_column_int64(stmt, 0);
        c.row.sensor = sqlite3_column_int(stmt, 1);
        st = tt_totals_walk(sqlite3_column_blob(stmt, 2), (size_t)sqlite3_column_bytes(stmt, 2), c.countries,
                            emit_total, &c);
        if (st == TT_ERR_FORMAT)
            snprintf(s->error, sizeof s->error, "stored totals of hour %lld sensor %d are damaged",
                     (long long)c.row.hour, c.row.sensor);
        if (st != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = db_fail(s, "totals query");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_files(tt_store *store, tt_file_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, hex(hash), size, frames_done, done, coalesce(first_ts, 0), "
                           "coalesce(last_ts, 0), started_at, coalesce(damage, '') FROM files ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "file list");
    tt_status st = TT_OK;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        tt_file_info info;
        memset(&info, 0, sizeof info);
        info.id = sqlite3_column_int64(stmt, 0);
        snprintf(info.name, sizeof info.name, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(info.hash, sizeof info.hash, "%s", (const char *)sqlite3_column_text(stmt, 2));
        info.size = (uint64_t)sqlite3_column_int64(stmt, 3);
        info.frames = (uint64_t)sqlite3_column_int64(stmt, 4);
        info.done = sqlite3_column_int(stmt, 5) != 0;
        info.first_ts = sqlite3_column_int64(stmt, 6);
        info.last_ts = sqlite3_column_int64(stmt, 7);
        info.ingested_at = sqlite3_column_int64(stmt, 8);
        snprintf(info.damage, sizeof info.damage, "%s", (const char *)sqlite3_column_text(stmt, 9));
        if ((st = fn(ctx, &info)) != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = db_fail(s, "file list");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_outcome_totals(tt_store *store, uint64_t totals[TT_OUTCOME_COUNT])
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    memset(totals, 0, sizeof(uint64_t) * TT_OUTCOME_COUNT);
    if (sqlite3_prepare_v2(s->db, "SELECT outcome, sum(frames) FROM outcomes GROUP BY outcome", -1,
                           &stmt, NULL) != SQLITE_OK)
        return db_fail(s, "outcome totals");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        for (int o = 0; o < TT_OUTCOME_COUNT; o++)
            if (name && strcmp(name, tt_outcome_name((tt_outcome)o)) == 0)
                totals[o] = (uint64_t)sqlite3_column_int64(stmt, 1);
    }
    tt_status st = rc == SQLITE_DONE ? TT_OK : db_fail(s, "outcome totals");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_hour_range(tt_store *store, int64_t *first, int64_t *last)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT min(hour), max(hour) FROM segments", -1, &stmt, NULL) !=
        SQLITE_OK)
        return db_fail(s, "hour range");
    tt_status st = TT_ERR_NOTFOUND;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        *first = sqlite3_column_int64(stmt, 0);
        *last = sqlite3_column_int64(stmt, 1);
        st = TT_OK;
    }
    sqlite3_finalize(stmt);
    return st;
}

const tt_store_ops tt_store_sqlite_ops = {
    .name = "sqlite",
    .help = "embedded SQLite file (default): rollup table + compressed per-source segments",
    .open = sqlite_open,
    .close = sqlite_close,
    .last_error = sqlite_last_error,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .sensor_upsert = sqlite_sensor_upsert,
    .file_lookup = sqlite_file_lookup,
    .file_update = sqlite_file_update,
    .put_hour = sqlite_put_hour,
    .sensors = sqlite_sensors,
    .scan_rollup = sqlite_scan_rollup,
    .scan_segments = sqlite_scan_segments,
    .scan_totals = sqlite_scan_totals,
    .files = sqlite_files,
    .outcome_totals = sqlite_outcome_totals,
    .hour_range = sqlite_hour_range,
};
