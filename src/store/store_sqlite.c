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

#include "store/segment_pipe.h"
#include "store/sqlite_internal.h"
#include "store/wal_checkpoint.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/parallel.h"

#define SEGMENT_ZSTD_LEVEL 1


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
    /* 2 → 3: packet kind (scanner tool / backscatter) and source flags
     * (known scanner, anycast...) as rollup dimensions */
    "CREATE TABLE rollup3("
    "  hour INTEGER NOT NULL,"
    "  sensor INTEGER NOT NULL,"
    "  proto INTEGER NOT NULL,"
    "  port INTEGER NOT NULL,"
    "  icmp_type INTEGER NOT NULL,"
    "  cc TEXT NOT NULL,"
    "  kind INTEGER NOT NULL,"      /* classify/fingerprint.h tt_kind */
    "  src_flags INTEGER NOT NULL," /* classify/geo.h TT_GEO_* bits */
    "  packets INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  sources INTEGER NOT NULL,"
    "  PRIMARY KEY(hour, sensor, proto, port, icmp_type, cc, kind, src_flags)) WITHOUT ROWID;"
    "INSERT INTO rollup3 SELECT hour, sensor, proto, port, icmp_type, cc, 0, 0, packets, bytes, sources "
    "  FROM rollup;"
    "DROP TABLE rollup;"
    "ALTER TABLE rollup3 RENAME TO rollup;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* backscatter: replies of DoS victims per sensor-hour x victim x attacked port */
    "CREATE TABLE victims("
    "  hour INTEGER NOT NULL,"
    "  sensor INTEGER NOT NULL,"
    "  victim BLOB NOT NULL,"       /* 16 bytes, IPv4-mapped for IPv4 */
    "  proto INTEGER NOT NULL,"
    "  port INTEGER NOT NULL,"
    "  packets INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  first_ts INTEGER NOT NULL,"
    "  last_ts INTEGER NOT NULL,"
    "  minutes BLOB NOT NULL,"      /* 60 x 16-bit big-endian packets per minute of the hour */
    "  PRIMARY KEY(hour, sensor, victim, proto, port)) WITHOUT ROWID;"
    "CREATE INDEX victims_by_victim ON victims(victim, hour);"
    /* which databases attributed the file's sources (country, AS) */
    "ALTER TABLE files ADD COLUMN geo_source TEXT;",
    /* 3 → 4: live sensors — exactly-once batch sequence per sensor epoch,
     * the inbox of accepted batches not yet folded, declared gaps, capture
     * uptime per hour, and health from heartbeats */
    "CREATE TABLE batches("
    "  sensor INTEGER NOT NULL,"
    "  epoch INTEGER NOT NULL,"     /* 64-bit spool epoch, as a signed integer */
    "  last_seq INTEGER NOT NULL,"
    "  PRIMARY KEY(sensor, epoch)) WITHOUT ROWID;"
    "CREATE TABLE inbox("
    "  id INTEGER PRIMARY KEY,"
    "  sensor INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE gaps("
    "  id INTEGER PRIMARY KEY,"
    "  sensor INTEGER NOT NULL,"
    "  start_ts INTEGER NOT NULL,"
    "  end_ts INTEGER NOT NULL,"
    "  packets INTEGER NOT NULL,"
    "  reason INTEGER NOT NULL);"
    "CREATE INDEX gaps_by_time ON gaps(start_ts);"
    "CREATE TABLE uptime("
    "  sensor INTEGER NOT NULL,"
    "  hour INTEGER NOT NULL,"
    "  seconds INTEGER NOT NULL,"
    "  PRIMARY KEY(hour, sensor)) WITHOUT ROWID;"
    "CREATE TABLE health("
    "  sensor INTEGER PRIMARY KEY,"
    "  heartbeat_at INTEGER NOT NULL DEFAULT 0,"
    "  batch_at INTEGER NOT NULL DEFAULT 0,"
    "  skew INTEGER NOT NULL DEFAULT 0,"
    "  interval INTEGER NOT NULL DEFAULT 0,"
    "  epoch INTEGER NOT NULL DEFAULT 0,"
    "  seq INTEGER NOT NULL DEFAULT 0,"
    "  spool_batches INTEGER NOT NULL DEFAULT 0,"
    "  spool_bytes INTEGER NOT NULL DEFAULT 0,"
    "  captured INTEGER NOT NULL DEFAULT 0,"
    "  capture_drops INTEGER NOT NULL DEFAULT 0,"
    "  iface_drops INTEGER NOT NULL DEFAULT 0,"
    "  spool_drops INTEGER NOT NULL DEFAULT 0,"
    "  address TEXT NOT NULL DEFAULT '',"
    "  version TEXT NOT NULL DEFAULT '');",
    /* 4 → 5: the source index and day totals, per sensor and UTC day
     * (store/source_index.h; filled from the segments below) */
    /* A rowid table keyed by day * 4096 + sensor: in a WITHOUT ROWID table
     * SQLite reads a row's whole overflow chain to compare keys, so reading
     * the small totals would cost reading the large sets too. */
    "CREATE TABLE srcidx("
    "  id INTEGER PRIMARY KEY," /* day * 4096 + sensor (TT_LIMIT_SENSORS) */
    "  day INTEGER NOT NULL,"
    "  sensor INTEGER NOT NULL,"
    "  totals BLOB NOT NULL," /* the hours' totals added up (segment.h); before the sets, read alone */
    "  data BLOB NOT NULL);"   /* the sets */
    /* the same per day for all sensors together (TT_SRCIDX_ALL) */
    "CREATE TABLE srcidx_all("
    "  day INTEGER PRIMARY KEY,"
    "  totals BLOB NOT NULL,"
    "  data BLOB NOT NULL);",
    /* 5 → 6: a day's index in up to SRCIDX_MAX_PARTS parts, each commit adding
     * one instead of merging into (re-encoding) the whole stored day: the
     * ids gain a part number (id × 16 + part; srcidx_all: day × 16 + part). */
    "CREATE TABLE srcidx_v6("
    "  id INTEGER PRIMARY KEY," /* (day * 4096 + sensor) * 16 + part */
    "  day INTEGER NOT NULL,"
    "  sensor INTEGER NOT NULL,"
    "  totals BLOB NOT NULL,"
    "  data BLOB NOT NULL);"
    "INSERT INTO srcidx_v6 SELECT id * 16, day, sensor, totals, data FROM srcidx;"
    "DROP TABLE srcidx;"
    "ALTER TABLE srcidx_v6 RENAME TO srcidx;"
    "CREATE TABLE srcidx_all_v6("
    "  id INTEGER PRIMARY KEY," /* day * 16 + part */
    "  day INTEGER NOT NULL,"
    "  totals BLOB NOT NULL,"
    "  data BLOB NOT NULL);"
    "INSERT INTO srcidx_all_v6 SELECT day * 16, day, totals, data FROM srcidx_all;"
    "DROP TABLE srcidx_all;"
    "ALTER TABLE srcidx_all_v6 RENAME TO srcidx_all;",
};
#define SCHEMA_VERSION ((int)(sizeof schema_migrations / sizeof schema_migrations[0]))

static tt_status filter_sql(const tt_rollup_filter *f, tt_buf *sql);
static void sql_add_minutes(sqlite3_context *ctx, int argc, sqlite3_value **argv);

tt_status tt_sqlite_fail(sqlite_store *s, const char *what)
{
    snprintf(s->error, sizeof s->error, "%s: %s", what, sqlite3_errmsg(s->db));
    return TT_ERR_DB;
}

static const char *sqlite_last_error(tt_store *store)
{
    return ((sqlite_store *)store)->error;
}

tt_status tt_sqlite_exec(sqlite_store *s, const char *sql)
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
        return tt_sqlite_fail(s, "prepare");
    return TT_OK;
}

/* Rollup rows go in ROLLUP_ROWS_PER_INSERT at a time: one statement step
 * for many rows saved a quarter of their insert time. */
#define ROLLUP_COLUMNS 11
#define ROLLUP_ROWS_PER_INSERT 64

/* An INSERT of `rows` rollup rows (ROLLUP_COLUMNS parameters each). */
static tt_status prepare_rollup_insert(sqlite_store *s, int rows, sqlite3_stmt **stmt)
{
    tt_buf sql;
    tt_buf_init(&sql, 0);
    tt_status st = tt_buf_printf(&sql, "INSERT INTO rollup(hour, sensor, proto, port, icmp_type, cc, kind, "
                                       "src_flags, packets, bytes, sources) VALUES");
    for (int r = 0; r < rows && st == TT_OK; r++)
        st = tt_buf_printf(&sql, "%s(?,?,?,?,?,?,?,?,?,?,?)", r ? "," : "");
    if (st == TT_OK)
        st = prepare(s, (const char *)sql.data, stmt);
    tt_buf_free(&sql);
    return st;
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
        st = tt_sqlite_fail(s, "migration to schema 2");
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
            st = tt_sqlite_fail(s, "migration to schema 2");
        sqlite3_reset(update);
    }
cleanup:
    sqlite3_finalize(select);
    sqlite3_finalize(update);
    free(rows);
    return st;
}

/* A day's index is stored in parts, whose ids follow each other from the
 * day's first id (spaced SRCIDX_PART_SLOTS apart). A commit adds its sets as
 * a new part, with no need to read and re-encode what is stored; once a day
 * has SRCIDX_MAX_PARTS, later commits merge into its last part. Queries take
 * the union of the parts (and add up their totals). */
#define SRCIDX_PART_SLOTS 16
#define SRCIDX_MAX_PARTS 4

/* The first id of a sensor-day (srcidx) or of a day of all sensors (srcidx_all). */
static int64_t srcidx_id(int64_t day, int32_t sensor)
{
    return (sensor == TT_SRCIDX_ALL ? day : day * TT_LIMIT_SENSORS + sensor) * SRCIDX_PART_SLOTS;
}

/* One sensor-day of the source index being flushed: its stored blobs
 * (copied: SQLite's are valid only until the next step) and the new ones. */
typedef struct flush_part {
    size_t index;
    int64_t day;
    int32_t sensor; /* TT_SRCIDX_ALL: the day of all sensors */
    int64_t id;     /* of the stored part it is written to */
    uint8_t *stored_sets, *stored_totals;
    size_t sets_len, totals_len;
    tt_buf sets, totals;
    tt_status status; /* of its encoding */
} flush_part;

typedef struct flush_job {
    tt_srcidx_builder *builder;
    flush_part *parts;
} flush_job;

/* Item 2k encodes part k's sets, item 2k + 1 its day totals: the day of all
 * sensors, the largest part, then also takes both threads. */
static tt_status flush_part_encode(void *ctx, size_t item)
{
    flush_job *job = ctx;
    flush_part *f = &job->parts[item / 2];
    tt_status st = item % 2 == 0
                       ? tt_srcidx_builder_encode(job->builder, f->index, f->stored_sets, f->sets_len, &f->sets)
                       : tt_srcidx_builder_day_totals(job->builder, f->index, f->stored_totals, f->totals_len,
                                                      &f->totals);
    if (st != TT_OK)
        f->status = st;
    return st;
}

static uint8_t *copy_blob(const void *blob, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy != NULL && len)
        memcpy(copy, blob, len);
    return copy;
}

/* Finds where part f goes: a new stored part after the day's last one, or
 * the last one when the day has SRCIDX_MAX_PARTS (its blobs are read then,
 * to be merged with f). */
static tt_status flush_part_load(sqlite_store *s, flush_part *f)
{
    bool all = f->sensor == TT_SRCIDX_ALL;
    int64_t first = srcidx_id(f->day, f->sensor);
    sqlite3_stmt *last = all ? s->srcidx_all_last : s->srcidx_last;
    sqlite3_bind_int64(last, 1, first);
    sqlite3_bind_int64(last, 2, first + SRCIDX_PART_SLOTS);
    int rc = sqlite3_step(last);
    tt_status st = rc == SQLITE_ROW ? TT_OK : tt_sqlite_fail(s, "source index lookup");
    int64_t last_id = st == TT_OK && sqlite3_column_type(last, 0) != SQLITE_NULL ? sqlite3_column_int64(last, 0)
                                                                                : first - 1;
    sqlite3_reset(last);
    f->id = last_id - first + 1 < SRCIDX_MAX_PARTS ? last_id + 1 : last_id;
    if (st != TT_OK || f->id != last_id)
        return st;
    sqlite3_stmt *get = all ? s->srcidx_all_get : s->srcidx_get;
    sqlite3_bind_int64(get, 1, f->id);
    rc = sqlite3_step(get);
    if (rc == SQLITE_ROW) {
        f->sets_len = (size_t)sqlite3_column_bytes(get, 0);
        f->totals_len = (size_t)sqlite3_column_bytes(get, 1);
        f->stored_sets = copy_blob(sqlite3_column_blob(get, 0), f->sets_len);
        f->stored_totals = copy_blob(sqlite3_column_blob(get, 1), f->totals_len);
        if (f->stored_sets == NULL || f->stored_totals == NULL)
            st = TT_ERR_NOMEM;
    } else if (rc != SQLITE_DONE) {
        st = tt_sqlite_fail(s, "source index lookup");
    }
    sqlite3_reset(get);
    return st;
}

/* Writes part f's new blobs. */
static tt_status flush_part_store(sqlite_store *s, const flush_part *f)
{
    bool all = f->sensor == TT_SRCIDX_ALL;
    sqlite3_stmt *put = all ? s->srcidx_all_put : s->srcidx_put;
    int at = 1;
    sqlite3_bind_int64(put, at++, f->id);
    sqlite3_bind_int64(put, at++, f->day);
    if (!all)
        sqlite3_bind_int(put, at++, f->sensor);
    sqlite3_bind_blob(put, at++, f->sets.data, (int)f->sets.len, SQLITE_STATIC);
    sqlite3_bind_blob(put, at, f->totals.data, (int)f->totals.len, SQLITE_STATIC);
    tt_status st = sqlite3_step(put) == SQLITE_DONE ? TT_OK : tt_sqlite_fail(s, "source index write");
    sqlite3_reset(put);
    return st;
}

/* Writes the source index parts held by the builder, each as a new stored
 * part or merged into a day's last one. The merging and encoding, most of a
 * final commit's time, run on two threads: first the sensor-days, then the
 * days of all sensors (merged from them). */
static tt_status srcidx_flush(sqlite_store *s)
{
    tt_status st = TT_OK;
    if ((s->srcidx_last == NULL &&
         (st = prepare(s, "SELECT max(id) FROM srcidx WHERE id >= ?1 AND id < ?2", &s->srcidx_last)) != TT_OK) ||
        (s->srcidx_all_last == NULL &&
         (st = prepare(s, "SELECT max(id) FROM srcidx_all WHERE id >= ?1 AND id < ?2", &s->srcidx_all_last)) !=
             TT_OK) ||
        (s->srcidx_get == NULL &&
         (st = prepare(s, "SELECT data, totals FROM srcidx WHERE id=?1", &s->srcidx_get)) != TT_OK) ||
        (s->srcidx_put == NULL &&
         (st = prepare(s, "INSERT OR REPLACE INTO srcidx(id, day, sensor, data, totals) VALUES(?1, ?2, ?3, ?4, ?5)",
                       &s->srcidx_put)) != TT_OK) ||
        (s->srcidx_all_get == NULL &&
         (st = prepare(s, "SELECT data, totals FROM srcidx_all WHERE id=?1", &s->srcidx_all_get)) != TT_OK) ||
        (s->srcidx_all_put == NULL &&
         (st = prepare(s, "INSERT OR REPLACE INTO srcidx_all(id, day, data, totals) VALUES(?1, ?2, ?3, ?4)",
                       &s->srcidx_all_put)) != TT_OK))
        return st;
    size_t n = tt_srcidx_builder_days(s->srcidx);
    flush_part *parts = calloc(n ? n : 1, sizeof *parts);
    if (parts == NULL)
        return TT_ERR_NOMEM;
    /* Sensor-days first, days of all sensors after them. */
    size_t nsensor_days = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0, k = pass ? nsensor_days : 0; i < n; i++) {
            int64_t day;
            int32_t sensor;
            tt_srcidx_builder_day(s->srcidx, i, &day, &sensor);
            if ((sensor == TT_SRCIDX_ALL) == (pass == 1)) {
                parts[k].index = i;
                parts[k].day = day;
                parts[k].sensor = sensor;
                tt_buf_init(&parts[k].sets, 0);
                tt_buf_init(&parts[k].totals, 0);
                k++;
                nsensor_days += pass == 0;
            }
        }
    }
    for (size_t k = 0; k < n && st == TT_OK; k++)
        st = flush_part_load(s, &parts[k]);
    flush_job job = {s->srcidx, parts};
    if (st == TT_OK)
        st = tt_parallel_for(2 * nsensor_days, flush_part_encode, &job);
    if (st == TT_OK) {
        job.parts = parts + nsensor_days;
        st = tt_parallel_for(2 * (n - nsensor_days), flush_part_encode, &job);
    }
    for (size_t k = 0; k < n && st == TT_ERR_FORMAT; k++) {
        if (parts[k].status != TT_ERR_FORMAT)
            continue;
        snprintf(s->error, sizeof s->error, "stored source index or totals of day %lld sensor %d are damaged",
                 (long long)parts[k].day, parts[k].sensor);
        break;
    }
    for (size_t k = 0; k < n && st == TT_OK; k++)
        st = flush_part_store(s, &parts[k]);
    for (size_t k = 0; k < n; k++) {
        free(parts[k].stored_sets);
        free(parts[k].stored_totals);
        tt_buf_free(&parts[k].sets);
        tt_buf_free(&parts[k].totals);
    }
    free(parts);
    tt_srcidx_builder_clear(s->srcidx);
    return st;
}

/* Schema 5 keeps the source index: derive it from the segments of stores written before. */
static tt_status fill_source_index(sqlite_store *s)
{
    sqlite3_stmt *select = NULL;
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    tt_status st = TT_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT id, hour, sensor, data, totals FROM segments ORDER BY hour, sensor", -1,
                           &select, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "migration to schema 5");
    while (st == TT_OK && sqlite3_step(select) == SQLITE_ROW) {
        st = tt_segment_decode_keys(sqlite3_column_blob(select, 3), (size_t)sqlite3_column_bytes(select, 3),
                                    &rows, &n, &cap);
        if (st != TT_OK) {
            snprintf(s->error, sizeof s->error, "migration to schema 5: segment %lld: %s",
                     (long long)sqlite3_column_int64(select, 0), tt_strerror(st));
            break;
        }
        int64_t hour = sqlite3_column_int64(select, 1);
        int32_t sensor = sqlite3_column_int(select, 2);
        st = tt_srcidx_builder_add(s->srcidx, hour, sensor, rows, n);
        if (st == TT_OK)
            st = tt_srcidx_builder_add_totals(s->srcidx, hour, sensor, sqlite3_column_blob(select, 4),
                                              (size_t)sqlite3_column_bytes(select, 4));
        if (st == TT_OK && tt_srcidx_builder_pairs(s->srcidx) >= TT_LIMIT_SRCIDX_PAIRS)
            st = srcidx_flush(s);
    }
    if (st == TT_OK)
        st = srcidx_flush(s);
    sqlite3_finalize(select);
    free(rows);
    return st;
}

static tt_status migrate(sqlite_store *s, bool writable)
{
    sqlite3_stmt *stmt = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "read schema version");
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
    tt_status st = tt_sqlite_exec(s, "BEGIN IMMEDIATE");
    if (st != TT_OK)
        return st;
    for (int v = version; v < SCHEMA_VERSION && st == TT_OK; v++)
        st = tt_sqlite_exec(s, schema_migrations[v]);
    if (st == TT_OK && version >= 1 && version < 2)
        st = fill_totals(s);
    if (st == TT_OK && version >= 1 && version < 5)
        st = fill_source_index(s);
    if (st == TT_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        st = tt_sqlite_exec(s, sql);
    }
    if (st == TT_OK)
        return tt_sqlite_exec(s, "COMMIT");
    char keep[sizeof s->error];
    memcpy(keep, s->error, sizeof keep);
    tt_sqlite_exec(s, "ROLLBACK");
    memcpy(s->error, keep, sizeof keep);
    return st;
}

static tt_status sqlite_open(const char *location, bool writable, tt_store **out, char *err, size_t errlen);

static tt_status sqlite_open_reader(tt_store *store, tt_store **out)
{
    sqlite_store *s = (sqlite_store *)store;
    const char *file = sqlite3_db_filename(s->db, "main");
    if (file == NULL || *file == '\0')
        return TT_ERR_UNSUPPORTED;
    char err[256];
    return sqlite_open(file, false, out, err, sizeof err);
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
    sqlite3_finalize(s->rollup_insert_many);
    sqlite3_finalize(s->victim_upsert);
    sqlite3_finalize(s->srcidx_last);
    sqlite3_finalize(s->srcidx_all_last);
    sqlite3_finalize(s->srcidx_get);
    sqlite3_finalize(s->srcidx_put);
    sqlite3_finalize(s->srcidx_all_get);
    sqlite3_finalize(s->srcidx_all_put);
    tt_wal_checkpointer_stop(s->checkpointer);
    sqlite3_close(s->db);
    tt_srcidx_builder_free(s->srcidx);
    tt_buf_free(&s->day_totals);
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
    tt_buf_init(&s->day_totals, 0);
    if (tt_srcidx_builder_new(&s->srcidx) != TT_OK) {
        free(s);
        return TT_ERR_NOMEM;
    }
    int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    tt_status st = TT_ERR_DB;
    if (sqlite3_open_v2(location, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(s->error, sizeof s->error, "cannot open: %s",
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (sqlite3_create_function(s->db, "teiten_add_minutes", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                sql_add_minutes, NULL, NULL) != SQLITE_OK) {
        st = tt_sqlite_fail(s, "register functions");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    if (writable) {
        /* WAL + NORMAL: a crash loses at most the last commit, never consistency. */
        if ((st = tt_sqlite_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) != TT_OK)
            goto fail;
    }
    if ((st = tt_sqlite_exec(s, "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;")) != TT_OK)
        goto fail;
    /* Queries read hundreds of megabytes of segments: map the file rather than pread it page by page. */
    if (!writable && (st = tt_sqlite_exec(s, "PRAGMA mmap_size=17179869184;")) != TT_OK)
        goto fail;
    if ((st = migrate(s, writable)) != TT_OK)
        goto fail;
    /* A file store being written checkpoints on a thread of its own (an
     * in-memory or temporary database has no WAL to copy; if the thread
     * cannot start, SQLite checkpoints in COMMIT as usual). */
    const char *file = sqlite3_db_filename(s->db, "main");
    if (writable && file && *file && tt_wal_checkpointer_start(file, &s->checkpointer) == TT_OK &&
        (st = tt_sqlite_exec(s, "PRAGMA wal_autocheckpoint=0;")) != TT_OK)
        goto fail;
    if ((st = prepare(s, "SELECT id, data FROM segments WHERE hour=?1 AND sensor=?2", &s->segment_get)))
        goto fail;
    if (writable) {
        if ((st = prepare(s, "INSERT INTO segments(hour, sensor, nrows, nsources, bloom, data, totals) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s->segment_insert)) ||
            (st = prepare(s, "UPDATE segments SET nrows=?2, nsources=?3, bloom=?4, data=?5, totals=?6 WHERE id=?1",
                          &s->segment_update)) ||
            (st = prepare(s, "DELETE FROM rollup WHERE hour=?1 AND sensor=?2", &s->rollup_delete)) ||
            (st = prepare_rollup_insert(s, 1, &s->rollup_insert)) ||
            (st = prepare_rollup_insert(s, ROLLUP_ROWS_PER_INSERT, &s->rollup_insert_many)) ||
            (st = prepare(s, "INSERT INTO victims(hour, sensor, victim, proto, port, packets, bytes, first_ts, "
                             "last_ts, minutes) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                             "ON CONFLICT(hour, sensor, victim, proto, port) DO UPDATE SET "
                             "packets = packets + ?6, bytes = bytes + ?7, first_ts = min(first_ts, ?8), "
                             "last_ts = max(last_ts, ?9), minutes = teiten_add_minutes(minutes, ?10)",
                          &s->victim_upsert)))
            goto fail;
    }
    *out = &s->base;
    return TT_OK;
fail:
    snprintf(err, errlen, "%s: %s", location, s->error);
    sqlite_close(&s->base);
    return st;
}

/* WAL pages (4 KB) past which a new transaction waits for the background
 * checkpoint, so the WAL starts over: 64 MB. */
#define WAL_RESTART_FRAMES 16384

static tt_status sqlite_begin(tt_store *store)
{
    sqlite_store *s = (sqlite_store *)store;
    if (s->checkpointer)
        tt_wal_checkpointer_bound(s->checkpointer, WAL_RESTART_FRAMES);
    return tt_sqlite_exec(s, "BEGIN IMMEDIATE");
}
static tt_status sqlite_commit(tt_store *store)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_status st = srcidx_flush(s);
    if (st == TT_OK && (st = tt_sqlite_exec(s, "COMMIT")) == TT_OK && s->checkpointer)
        tt_wal_checkpointer_poke(s->checkpointer);
    return st;
}
static tt_status sqlite_rollback(tt_store *store)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_srcidx_builder_clear(s->srcidx);
    return tt_sqlite_exec(s, "ROLLBACK");
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
        return tt_sqlite_fail(s, "sensor upsert");
    sqlite3_bind_text(stmt, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, info->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, info->labels, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        st = tt_sqlite_fail(s, "sensor upsert");
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
        return tt_sqlite_fail(s, "file lookup");
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
        return tt_sqlite_fail(s, "file lookup");
    if (name == NULL) /* look-up only */
        return TT_ERR_NOTFOUND;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO files(hash, size, name, started_at) VALUES(?1, ?2, ?3, ?4)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "file insert");
    sqlite3_bind_blob(stmt, 1, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)size);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = tt_sqlite_fail(s, "file insert");
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
                           "damage=coalesce(?7, damage), geo_source=coalesce(?8, geo_source) WHERE id=?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "file update");
    sqlite3_bind_int64(stmt, 1, file_id);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)p->frames_done);
    sqlite3_bind_int(stmt, 3, p->done);
    sqlite3_bind_int64(stmt, 4, p->first_ts);
    sqlite3_bind_int64(stmt, 5, p->last_ts);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)time(NULL));
    if (p->damage)
        sqlite3_bind_text(stmt, 7, p->damage, -1, SQLITE_STATIC);
    if (p->geo_source)
        sqlite3_bind_text(stmt, 8, p->geo_source, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = tt_sqlite_fail(s, "file update");
    sqlite3_finalize(stmt);
    if (st != TT_OK)
        return st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outcomes(file_id, outcome, frames) VALUES(?1, ?2, ?3) "
                           "ON CONFLICT(file_id, outcome) DO UPDATE SET frames = frames + ?3",
                           -1, &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "outcome update");
    for (int o = 0; o < TT_OUTCOME_COUNT && st == TT_OK; o++) {
        if (p->outcomes[o] == 0)
            continue;
        sqlite3_bind_int64(stmt, 1, file_id);
        sqlite3_bind_text(stmt, 2, tt_outcome_name((tt_outcome)o), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64)p->outcomes[o]);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = tt_sqlite_fail(s, "outcome update");
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Rollup of one sensor-hour, derived from its detail rows: one group per
 * (service, kind, source flags, cc); every detail row is a distinct source
 * for its group. */
typedef struct rollup_group {
    uint64_t key; /* service << 28 | kind << 24 | flags << 16 | cc; 0 = empty (cc is never 0) */
    uint64_t packets, bytes, sources;
} rollup_group;

/* A group's place in the rollup's primary key: service (proto, then port or
 * ICMP type, as the columns), cc, kind, src_flags. */
static uint64_t rollup_order(uint64_t key)
{
    return (key >> 28) << 32 | (key & 0xffff) << 16 | (key >> 24 & 0xf) << 8 | (key >> 16 & 0xff);
}

static int rollup_group_cmp(const void *a, const void *b)
{
    uint64_t x = rollup_order(((const rollup_group *)a)->key), y = rollup_order(((const rollup_group *)b)->key);
    return (x > y) - (x < y);
}

/* Finds or makes key's group in a table of `slots` places (a power of two). */
static rollup_group *rollup_slot(rollup_group *groups, size_t slots, uint64_t key)
{
    size_t slot = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (slots - 1);
    while (groups[slot].key != 0 && groups[slot].key != key)
        slot = (slot + 1) & (slots - 1);
    groups[slot].key = key;
    return &groups[slot];
}

/* The rollup rows of a sensor-hour, inserted in primary-key order: in hash
 * order every insert landed somewhere else in the b-tree (a tenth of the
 * writer's time went to finding the place). */
static tt_status write_rollup(sqlite_store *s, int64_t hour, int32_t sensor,
                              const tt_detail_row *rows, size_t n)
{
    size_t slots = 1024, ngroups = 0;
    rollup_group *groups = calloc(slots, sizeof *groups);
    if (groups == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((ngroups + 1) * 2 > slots) {
            rollup_group *bigger = calloc(slots * 2, sizeof *bigger);
            if (bigger == NULL) {
                free(groups);
                return TT_ERR_NOMEM;
            }
            for (size_t g = 0; g < slots; g++)
                if (groups[g].key != 0)
                    *rollup_slot(bigger, slots * 2, groups[g].key) = groups[g];
            free(groups);
            groups = bigger;
            slots *= 2;
        }
        uint64_t key = (uint64_t)rows[i].service << 28 | (uint64_t)rows[i].kind << 24 |
                       (uint64_t)rows[i].src_flags << 16 | rows[i].cc;
        rollup_group *g = rollup_slot(groups, slots, key);
        ngroups += g->sources == 0;
        g->packets += rows[i].packets;
        g->bytes += rows[i].bytes;
        g->sources++;
    }
    size_t m = 0;
    for (size_t g = 0; g < slots; g++)
        if (groups[g].key != 0)
            groups[m++] = groups[g];
    qsort(groups, m, sizeof *groups, rollup_group_cmp);
    tt_status st = TT_OK;
    for (size_t i = 0; i < m && st == TT_OK;) {
        /* ROLLUP_ROWS_PER_INSERT rows a statement while there are that many. */
        bool many = m - i >= ROLLUP_ROWS_PER_INSERT;
        sqlite3_stmt *stmt = many ? s->rollup_insert_many : s->rollup_insert;
        size_t rows_here = many ? ROLLUP_ROWS_PER_INSERT : 1;
        for (size_t k = 0; k < rows_here; k++, i++) {
            tt_service service = (tt_service)(groups[i].key >> 28);
            char cc[3];
            tt_cc_text((tt_cc)(groups[i].key & 0xffff), cc);
            int at = (int)k * ROLLUP_COLUMNS;
            sqlite3_bind_int64(stmt, at + 1, hour);
            sqlite3_bind_int(stmt, at + 2, sensor);
            sqlite3_bind_int(stmt, at + 3, tt_service_proto(service));
            sqlite3_bind_int(stmt, at + 4, tt_service_port(service));
            sqlite3_bind_int(stmt, at + 5, tt_service_icmp_type(service));
            sqlite3_bind_text(stmt, at + 6, cc, 2, SQLITE_TRANSIENT);
            sqlite3_bind_int(stmt, at + 7, (int)(groups[i].key >> 24 & 0xf));
            sqlite3_bind_int(stmt, at + 8, (int)(groups[i].key >> 16 & 0xff));
            sqlite3_bind_int64(stmt, at + 9, (sqlite3_int64)groups[i].packets);
            sqlite3_bind_int64(stmt, at + 10, (sqlite3_int64)groups[i].bytes);
            sqlite3_bind_int64(stmt, at + 11, (sqlite3_int64)groups[i].sources);
        }
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = tt_sqlite_fail(s, "rollup insert");
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
    const tt_detail_row *new_rows = rows; /* the day totals add only these */
    size_t new_n = n;
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
            return tt_sqlite_fail(s, "segment lookup");
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
        return tt_sqlite_fail(s, "segment write");
    if (existing_id) {
        sqlite3_bind_int64(s->rollup_delete, 1, hour);
        sqlite3_bind_int(s->rollup_delete, 2, sensor);
        rc = sqlite3_step(s->rollup_delete);
        sqlite3_reset(s->rollup_delete);
        if (rc != SQLITE_DONE)
            return tt_sqlite_fail(s, "rollup delete");
    }
    if ((st = write_rollup(s, hour, sensor, rows, n)) != TT_OK ||
        (st = tt_srcidx_builder_add(s->srcidx, hour, sensor, new_rows, new_n)) != TT_OK)
        return st;
    if (existing_id && (st = tt_totals_from_rows(new_rows, new_n, &s->day_totals)) != TT_OK)
        return st;
    const tt_buf *added = existing_id ? &s->day_totals : &s->totals;
    if ((st = tt_srcidx_builder_add_totals(s->srcidx, hour, sensor, added->data, added->len)) != TT_OK)
        return st;
    return tt_srcidx_builder_pairs(s->srcidx) >= TT_LIMIT_SRCIDX_PAIRS ? srcidx_flush(s) : TT_OK;
}

static void minutes_encode(const uint16_t minute[60], uint8_t out[120])
{
    for (int m = 0; m < 60; m++) {
        out[2 * m] = (uint8_t)(minute[m] >> 8);
        out[2 * m + 1] = (uint8_t)minute[m];
    }
}

/* SQL function teiten_add_minutes(a, b): minute-wise saturating sum of two
 * 120-byte minute blobs, so a sensor-hour split over batches adds up. */
static void sql_add_minutes(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint8_t out[120];
    const uint8_t *a = sqlite3_value_blob(argv[0]), *b = sqlite3_value_blob(argv[1]);
    if (sqlite3_value_bytes(argv[0]) != 120 || sqlite3_value_bytes(argv[1]) != 120 || !a || !b) {
        sqlite3_result_error(ctx, "teiten_add_minutes: minute blobs must be 120 bytes", -1);
        return;
    }
    for (int m = 0; m < 60; m++) {
        unsigned sum = (unsigned)(a[2 * m] << 8 | a[2 * m + 1]) + (unsigned)(b[2 * m] << 8 | b[2 * m + 1]);
        if (sum > 0xffff)
            sum = 0xffff;
        out[2 * m] = (uint8_t)(sum >> 8);
        out[2 * m + 1] = (uint8_t)sum;
    }
    sqlite3_result_blob(ctx, out, sizeof out, SQLITE_TRANSIENT);
}

static tt_status sqlite_put_victim(tt_store *store, const tt_victim_row *r)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = s->victim_upsert;
    uint8_t minutes[120];
    minutes_encode(r->minute, minutes);
    sqlite3_bind_int64(stmt, 1, r->hour);
    sqlite3_bind_int(stmt, 2, r->sensor);
    sqlite3_bind_blob(stmt, 3, r->victim.bytes, 16, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, r->proto);
    sqlite3_bind_int(stmt, 5, r->port);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)r->packets);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)r->bytes);
    sqlite3_bind_int64(stmt, 8, r->first);
    sqlite3_bind_int64(stmt, 9, r->last);
    sqlite3_bind_blob(stmt, 10, minutes, sizeof minutes, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? TT_OK : tt_sqlite_fail(s, "backscatter insert");
}

static tt_status sqlite_scan_victims(tt_store *store, const tt_rollup_filter *f,
                                     tt_status (*fn)(void *ctx, const tt_victim_row *row), void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    tt_status st = tt_buf_printf(&sql, "SELECT hour, sensor, victim, proto, port, packets, bytes, first_ts, "
                                       "last_ts, minutes FROM victims");
    if (st == TT_OK)
        st = filter_sql(f, &sql);
    if (st == TT_OK)
        st = tt_buf_printf(&sql, " ORDER BY victim, hour, first_ts");
    sqlite3_stmt *stmt = NULL;
    if (st != TT_OK || sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return st != TT_OK ? st : tt_sqlite_fail(s, "backscatter query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        tt_victim_row r;
        memset(&r, 0, sizeof r);
        r.hour = sqlite3_column_int64(stmt, 0);
        r.sensor = sqlite3_column_int(stmt, 1);
        if (sqlite3_column_bytes(stmt, 2) != 16 || sqlite3_column_bytes(stmt, 9) != 120) {
            snprintf(s->error, sizeof s->error, "damaged backscatter row (victim address or minutes)");
            st = TT_ERR_FORMAT;
            break;
        }
        memcpy(r.victim.bytes, sqlite3_column_blob(stmt, 2), 16);
        r.proto = (uint8_t)sqlite3_column_int(stmt, 3);
        r.port = sqlite3_column_int(stmt, 4);
        r.packets = (uint64_t)sqlite3_column_int64(stmt, 5);
        r.bytes = (uint64_t)sqlite3_column_int64(stmt, 6);
        r.first = (uint32_t)sqlite3_column_int64(stmt, 7);
        r.last = (uint32_t)sqlite3_column_int64(stmt, 8);
        const uint8_t *m = sqlite3_column_blob(stmt, 9);
        for (int k = 0; k < 60; k++)
            r.minute[k] = (uint16_t)(m[2 * k] << 8 | m[2 * k + 1]);
        if ((st = fn(ctx, &r)) != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "backscatter query");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_sensors(tt_store *store, tt_sensor_info **list, size_t *n)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    *list = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id, name, region, labels FROM sensors ORDER BY id", -1,
                           &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "sensor list");
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
        st = tt_sqlite_fail(s, "sensor list");
    sqlite3_finalize(stmt);
    if (st != TT_OK) {
        free(*list);
        *list = NULL;
        *n = 0;
    }
    return st;
}

/* Appends " AND sensor IN (...)" etc. for a filter; binds come after ?1 ?2. */
/* " WHERE <column> >= ?1 AND <column> < ?2" and the filter's sensors. */
static tt_status range_sql(const tt_rollup_filter *f, const char *column, tt_buf *sql)
{
    tt_status st = tt_buf_printf(sql, " WHERE %s >= ?1 AND %s < ?2", column, column);
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

static tt_status filter_sql(const tt_rollup_filter *f, tt_buf *sql) { return range_sql(f, "hour", sql); }

/* Where a read of whole days goes: the days of all sensors (srcidx_all, only
 * when the filter takes every sensor), else the sensor-days; both by id
 * range, every part of each day. */
typedef struct day_rows {
    const char *table, *sensor, *range; /* table, sensor column (or -1), column of the range */
    int64_t from, to;                   /* bounds of the range */
} day_rows;

static day_rows day_rows_of(bool all_sensors, int64_t day_from, int64_t day_to)
{
    if (all_sensors)
        return (day_rows){"srcidx_all", "-1", "id", srcidx_id(day_from, TT_SRCIDX_ALL),
                          srcidx_id(day_to, TT_SRCIDX_ALL)};
    return (day_rows){"srcidx", "sensor", "id", srcidx_id(day_from, 0), srcidx_id(day_to, 0)};
}

static tt_status sqlite_scan_source_index(tt_store *store, const tt_rollup_filter *f, int64_t day_from,
                                          int64_t day_to, tt_srcidx_blob_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    day_rows rows = day_rows_of(f->sensor_set == NULL, day_from, day_to);
    tt_status st = tt_buf_printf(&sql, "SELECT day, %s, data FROM %s", rows.sensor, rows.table);
    if (st == TT_OK)
        st = range_sql(f, rows.range, &sql);
    sqlite3_stmt *stmt = NULL;
    if (st != TT_OK || sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return st != TT_OK ? st : tt_sqlite_fail(s, "source index query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, rows.from);
    sqlite3_bind_int64(stmt, 2, rows.to);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t day = sqlite3_column_int64(stmt, 0);
        int32_t sensor = sqlite3_column_int(stmt, 1);
        st = fn(ctx, day, sensor, sqlite3_column_blob(stmt, 2), (size_t)sqlite3_column_bytes(stmt, 2));
        if (st == TT_ERR_FORMAT)
            snprintf(s->error, sizeof s->error, "stored source index of day %lld sensor %d is damaged",
                     (long long)day, sensor);
        if (st != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "source index query");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_scan_rollup(tt_store *store, const tt_rollup_filter *f, unsigned group,
                                    tt_rollup_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    bool by_icmp = (group & TT_GROUP_ICMP_TYPE) && (group & TT_GROUP_PORT);
    tt_status st = tt_buf_printf(&sql, "SELECT %s, %s, %s, %s, %s, %s, %s, sum(packets), sum(bytes), "
                                       "sum(sources) FROM rollup",
                                 group & TT_GROUP_HOUR ? "hour" : "0",
                                 group & TT_GROUP_SENSOR ? "sensor" : "0",
                                 group & TT_GROUP_PORT ? "proto" : "0",
                                 group & TT_GROUP_PORT ? "port" : "0",
                                 by_icmp ? "icmp_type" : "-1", group & TT_GROUP_CC ? "cc" : "''",
                                 group & TT_GROUP_KIND ? "kind" : "0");
    if (st == TT_OK)
        st = filter_sql(f, &sql);
    if (st == TT_OK && f->has_port)
        st = tt_buf_printf(&sql, " AND proto = %u AND port = %d", f->proto, f->port);
    if (st == TT_OK && f->cc)
        st = tt_buf_printf(&sql, " AND cc = '%c%c'", (char)(f->cc >> 8), (char)(f->cc & 0xff));
    if (st == TT_OK && f->has_kind)
        st = tt_buf_printf(&sql, " AND kind = %u", f->kind);
    if (st == TT_OK && f->exclude_kinds)
        st = tt_buf_printf(&sql, " AND ((1 << kind) & %u) = 0", f->exclude_kinds);
    if (st == TT_OK && f->exclude_flags)
        st = tt_buf_printf(&sql, " AND (src_flags & %u) = 0", f->exclude_flags);
    if (st == TT_OK)
        st = tt_buf_printf(&sql, " GROUP BY 1, 2, 3, 4, 5, 6, 7");
    if (st != TT_OK) {
        tt_buf_free(&sql);
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return tt_sqlite_fail(s, "rollup query");
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
        row.kind = (uint8_t)sqlite3_column_int(stmt, 6);
        row.src_flags = 0;
        row.asn = 0;
        row.packets = (uint64_t)sqlite3_column_int64(stmt, 7);
        row.bytes = (uint64_t)sqlite3_column_int64(stmt, 8);
        row.sources = (uint64_t)sqlite3_column_int64(stmt, 9);
        if ((st = fn(ctx, &row)) != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "rollup query");
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
        return st != TT_OK ? st : tt_sqlite_fail(s, "segment query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    tt_segment_pipe *pipe = NULL;
    if ((st = tt_segment_pipe_start(keys_only, f->rows_wanted, fn, ctx, &pipe)) != TT_OK) {
        sqlite3_finalize(stmt);
        sqlite3_finalize(data_stmt);
        return st;
    }
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
                st = tt_sqlite_fail(s, "segment read");
                break;
            }
            blob = sqlite3_column_blob(data_stmt, 0);
            blob_len = sqlite3_column_bytes(data_stmt, 0);
        } else {
            blob = sqlite3_column_blob(stmt, 3);
            blob_len = sqlite3_column_bytes(stmt, 3);
        }
        st = tt_segment_pipe_push(pipe, hour, sensor, blob, (size_t)blob_len);
        sqlite3_reset(data_stmt);
        if (st != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "segment query");
    int64_t bad_hour;
    int32_t bad_sensor;
    tt_status piped = tt_segment_pipe_finish(pipe, st != TT_OK, &bad_hour, &bad_sensor);
    if (st == TT_OK)
        st = piped;
    if (st == TT_ERR_FORMAT)
        snprintf(s->error, sizeof s->error, "stored segment hour %lld sensor %d is damaged", (long long)bad_hour,
                 bad_sensor);
    sqlite3_finalize(stmt);
    sqlite3_finalize(data_stmt);
    return st;
}

typedef struct totals_ctx {
    tt_rollup_row row;
    tt_totals_list list;
    tt_rollup_fn fn;
    void *ctx;
} totals_ctx;

static tt_status emit_total(void *ctx, const tt_total *t)
{
    totals_ctx *c = ctx;
    switch (c->list) {
    case TT_TOTALS_KEYS:
        c->row.service = (tt_service)(t->key >> 4 & 0x1ffffff);
        c->row.kind = (uint8_t)(t->key & 0xf);
        c->row.src_flags = (uint8_t)(t->key >> 32);
        break;
    case TT_TOTALS_COUNTRIES:
        c->row.cc = (tt_cc)t->key;
        c->row.src_flags = (uint8_t)(t->key >> 16);
        break;
    default:
        c->row.asn = (uint32_t)t->key;
        c->row.src_flags = (uint8_t)(t->key >> 32);
        break;
    }
    c->row.packets = t->packets;
    c->row.bytes = t->bytes;
    return c->fn(c->ctx, &c->row);
}

/* Totals rows from "SELECT <column>, sensor, totals FROM <table>" over
 * [from, to) of range_column; hours are `scale` times the column. */
static tt_status scan_totals_of(sqlite_store *s, const tt_rollup_filter *f, const char *table,
                                const char *column, const char *sensor_column, const char *range_column,
                                int64_t scale, int64_t from, int64_t to, unsigned group, tt_rollup_fn fn, void *ctx)
{
    tt_buf sql;
    tt_buf_init(&sql, 1 << 20);
    tt_status st = tt_buf_printf(&sql, "SELECT %s, %s, totals FROM %s", column, sensor_column, table);
    if (st == TT_OK)
        st = range_sql(f, range_column, &sql);
    sqlite3_stmt *stmt = NULL;
    if (st != TT_OK || sqlite3_prepare_v2(s->db, (const char *)sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        tt_buf_free(&sql);
        return st != TT_OK ? st : tt_sqlite_fail(s, "totals query");
    }
    tt_buf_free(&sql);
    sqlite3_bind_int64(stmt, 1, from);
    sqlite3_bind_int64(stmt, 2, to);
    totals_ctx c;
    memset(&c, 0, sizeof c);
    c.list = group == TT_GROUP_CC ? TT_TOTALS_COUNTRIES : group == TT_GROUP_ASN ? TT_TOTALS_ASNS : TT_TOTALS_KEYS;
    c.fn = fn;
    c.ctx = ctx;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        c.row.hour = sqlite3_column_int64(stmt, 0) * scale;
        c.row.sensor = sqlite3_column_int(stmt, 1);
        st = tt_totals_walk(sqlite3_column_blob(stmt, 2), (size_t)sqlite3_column_bytes(stmt, 2), c.list,
                            emit_total, &c);
        if (st == TT_ERR_FORMAT)
            snprintf(s->error, sizeof s->error, "stored totals of %s %lld sensor %d are damaged", column,
                     (long long)(c.row.hour / scale), c.row.sensor);
        if (st != TT_OK)
            break;
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "totals query");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_scan_totals(tt_store *store, const tt_rollup_filter *f, unsigned group,
                                    tt_rollup_fn fn, void *ctx)
{
    return scan_totals_of((sqlite_store *)store, f, "segments", "hour", "sensor", "hour", 1, f->hour_from,
                          f->hour_to, group, fn, ctx);
}

static tt_status sqlite_scan_day_totals(tt_store *store, const tt_rollup_filter *f, int64_t day_from,
                                        int64_t day_to, bool by_sensor, unsigned group, tt_rollup_fn fn, void *ctx)
{
    day_rows rows = day_rows_of(!by_sensor && f->sensor_set == NULL, day_from, day_to);
    return scan_totals_of((sqlite_store *)store, f, rows.table, "day", rows.sensor, rows.range, 24, rows.from,
                          rows.to, group, fn, ctx);
}

static tt_status sqlite_files(tt_store *store, tt_file_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, hex(hash), size, frames_done, done, coalesce(first_ts, 0), "
                           "coalesce(last_ts, 0), started_at, coalesce(damage, '') FROM files ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, "file list");
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
        st = tt_sqlite_fail(s, "file list");
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
        return tt_sqlite_fail(s, "outcome totals");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        for (int o = 0; o < TT_OUTCOME_COUNT; o++)
            if (name && strcmp(name, tt_outcome_name((tt_outcome)o)) == 0)
                totals[o] = (uint64_t)sqlite3_column_int64(stmt, 1);
    }
    tt_status st = rc == SQLITE_DONE ? TT_OK : tt_sqlite_fail(s, "outcome totals");
    sqlite3_finalize(stmt);
    return st;
}

static tt_status sqlite_hour_range(tt_store *store, int64_t *first, int64_t *last)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT min(hour), max(hour) FROM segments", -1, &stmt, NULL) !=
        SQLITE_OK)
        return tt_sqlite_fail(s, "hour range");
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
    .open_reader = sqlite_open_reader,
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
    .scan_source_index = sqlite_scan_source_index,
    .scan_day_totals = sqlite_scan_day_totals,
    .put_victim = sqlite_put_victim,
    .scan_victims = sqlite_scan_victims,
    .files = sqlite_files,
    .outcome_totals = sqlite_outcome_totals,
    .hour_range = sqlite_hour_range,
    .batch_accept = tt_sqlite_batch_accept,
    .inbox_scan = tt_sqlite_inbox_scan,
    .inbox_delete = tt_sqlite_inbox_delete,
    .put_gap = tt_sqlite_put_gap,
    .add_uptime = tt_sqlite_add_uptime,
    .health_put = tt_sqlite_health_put,
    .health_list = tt_sqlite_health_list,
    .scan_gaps = tt_sqlite_scan_gaps,
    .scan_uptime = tt_sqlite_scan_uptime,
};
