/* SQLite backend, live sensors: batch sequence bookkeeping, the inbox,
 * gaps, uptime and health (see store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

/* Runs one statement with integer/blob bindings given by the caller. */
static tt_status step_done(sqlite_store *s, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    tt_status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? TT_OK : tt_sqlite_fail(s, what);
    sqlite3_finalize(stmt);
    return st;
}

static tt_status prep(sqlite_store *s, const char *sql, sqlite3_stmt **stmt, const char *what)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return tt_sqlite_fail(s, what);
    return TT_OK;
}

tt_status tt_sqlite_batch_accept(tt_store *store, int32_t sensor, uint64_t epoch, uint64_t seq,
                                 const uint8_t *data, size_t len, int64_t now, uint64_t *last_seq)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    *last_seq = 0;
    if ((st = prep(s, "SELECT last_seq FROM batches WHERE sensor=?1 AND epoch=?2", &stmt, "batch lookup")))
        return st;
    sqlite3_bind_int(stmt, 1, sensor);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)epoch);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *last_seq = (uint64_t)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return tt_sqlite_fail(s, "batch lookup");
    if (seq <= *last_seq)
        return TT_ERR_DUPLICATE;
    if ((st = prep(s, "INSERT INTO batches(sensor, epoch, last_seq) VALUES(?1, ?2, ?3) "
                      "ON CONFLICT(sensor, epoch) DO UPDATE SET last_seq = ?3",
                   &stmt, "batch record")))
        return st;
    sqlite3_bind_int(stmt, 1, sensor);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)seq);
    if ((st = step_done(s, stmt, "batch record")))
        return st;
    if ((st = prep(s, "INSERT INTO inbox(sensor, received_at, data) VALUES(?1, ?2, ?3)", &stmt, "inbox")))
        return st;
    sqlite3_bind_int(stmt, 1, sensor);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_blob(stmt, 3, data, (int)len, SQLITE_STATIC);
    if ((st = step_done(s, stmt, "inbox")))
        return st;
    if ((st = prep(s, "INSERT INTO health(sensor, batch_at, epoch, seq) VALUES(?1, ?2, ?3, ?4) "
                      "ON CONFLICT(sensor) DO UPDATE SET batch_at=?2, epoch=?3, seq=?4",
                   &stmt, "health")))
        return st;
    sqlite3_bind_int(stmt, 1, sensor);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)epoch);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)seq);
    return step_done(s, stmt, "health");
}

tt_status tt_sqlite_inbox_scan(tt_store *store, size_t max_batches, tt_inbox_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "SELECT id, sensor, data FROM inbox ORDER BY id LIMIT ?1", &stmt, "inbox scan")))
        return st;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)max_batches);
    int rc;
    while (st == TT_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        st = fn(ctx, sqlite3_column_int64(stmt, 0), sqlite3_column_int(stmt, 1), sqlite3_column_blob(stmt, 2),
                (size_t)sqlite3_column_bytes(stmt, 2));
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "inbox scan");
    sqlite3_finalize(stmt);
    return st;
}

tt_status tt_sqlite_inbox_delete(tt_store *store, int64_t id)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "DELETE FROM inbox WHERE id=?1", &stmt, "inbox delete")))
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    return step_done(s, stmt, "inbox delete");
}

tt_status tt_sqlite_put_gap(tt_store *store, int32_t sensor, const tt_gap *gap)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "INSERT INTO gaps(sensor, start_ts, end_ts, packets, reason) VALUES(?1, ?2, ?3, ?4, ?5)",
                   &stmt, "gap")))
        return st;
    sqlite3_bind_int(stmt, 1, sensor);
    sqlite3_bind_int64(stmt, 2, gap->start);
    sqlite3_bind_int64(stmt, 3, gap->end);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)gap->packets);
    sqlite3_bind_int(stmt, 5, gap->reason);
    return step_done(s, stmt, "gap");
}

tt_status tt_sqlite_add_uptime(tt_store *store, int32_t sensor, int64_t from, int64_t to)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "INSERT INTO uptime(sensor, hour, seconds) VALUES(?1, ?2, ?3) "
                      "ON CONFLICT(hour, sensor) DO UPDATE SET seconds = min(3600, seconds + ?3)",
                   &stmt, "uptime")))
        return st;
    for (int64_t t = from; t < to && st == TT_OK;) {
        int64_t hour = t / 3600, end = (hour + 1) * 3600 < to ? (hour + 1) * 3600 : to;
        sqlite3_reset(stmt);
        sqlite3_bind_int(stmt, 1, sensor);
        sqlite3_bind_int64(stmt, 2, hour);
        sqlite3_bind_int64(stmt, 3, end - t);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = tt_sqlite_fail(s, "uptime");
        t = end;
    }
    sqlite3_finalize(stmt);
    return st;
}

tt_status tt_sqlite_health_put(tt_store *store, const tt_sensor_health *h)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s,
                   "INSERT INTO health(sensor, heartbeat_at, skew, interval, spool_batches, spool_bytes, captured, "
                   "capture_drops, iface_drops, spool_drops, address, version) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(sensor) DO UPDATE SET "
                   "heartbeat_at=?2, skew=?3, interval=?4, spool_batches=?5, spool_bytes=?6, captured=?7, "
                   "capture_drops=?8, iface_drops=?9, spool_drops=?10, address=?11, version=?12",
                   &stmt, "health")))
        return st;
    sqlite3_bind_int(stmt, 1, h->sensor);
    sqlite3_bind_int64(stmt, 2, h->heartbeat_at);
    sqlite3_bind_int64(stmt, 3, h->skew);
    sqlite3_bind_int64(stmt, 4, h->interval);
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64)h->spool_batches);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)h->spool_bytes);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)h->captured);
    sqlite3_bind_int64(stmt, 8, (sqlite3_int64)h->capture_drops);
    sqlite3_bind_int64(stmt, 9, (sqlite3_int64)h->iface_drops);
    sqlite3_bind_int64(stmt, 10, (sqlite3_int64)h->spool_drops);
    sqlite3_bind_text(stmt, 11, h->address, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 12, h->version, -1, SQLITE_STATIC);
    return step_done(s, stmt, "health");
}

tt_status tt_sqlite_health_list(tt_store *store, tt_sensor_health **list, size_t *n)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    *list = NULL;
    *n = 0;
    tt_status st;
    if ((st = prep(s,
                   "SELECT h.sensor, heartbeat_at, batch_at, skew, interval, epoch, seq, spool_batches, "
                   "spool_bytes, captured, capture_drops, iface_drops, spool_drops, address, version, "
                   "(SELECT count(*) FROM inbox i WHERE i.sensor = h.sensor) FROM health h ORDER BY h.sensor",
                   &stmt, "health list")))
        return st;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            tt_sensor_health *p = realloc(*list, cap * sizeof *p);
            if (p == NULL) {
                st = TT_ERR_NOMEM;
                break;
            }
            *list = p;
        }
        tt_sensor_health *h = &(*list)[(*n)++];
        memset(h, 0, sizeof *h);
        h->sensor = sqlite3_column_int(stmt, 0);
        h->heartbeat_at = sqlite3_column_int64(stmt, 1);
        h->batch_at = sqlite3_column_int64(stmt, 2);
        h->skew = sqlite3_column_int64(stmt, 3);
        h->interval = sqlite3_column_int64(stmt, 4);
        h->epoch = (uint64_t)sqlite3_column_int64(stmt, 5);
        h->seq = (uint64_t)sqlite3_column_int64(stmt, 6);
        h->spool_batches = (uint64_t)sqlite3_column_int64(stmt, 7);
        h->spool_bytes = (uint64_t)sqlite3_column_int64(stmt, 8);
        h->captured = (uint64_t)sqlite3_column_int64(stmt, 9);
        h->capture_drops = (uint64_t)sqlite3_column_int64(stmt, 10);
        h->iface_drops = (uint64_t)sqlite3_column_int64(stmt, 11);
        h->spool_drops = (uint64_t)sqlite3_column_int64(stmt, 12);
        snprintf(h->address, sizeof h->address, "%s", (const char *)sqlite3_column_text(stmt, 13));
        snprintf(h->version, sizeof h->version, "%s", (const char *)sqlite3_column_text(stmt, 14));
        h->pending = (uint64_t)sqlite3_column_int64(stmt, 15);
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "health list");
    sqlite3_finalize(stmt);
    if (st != TT_OK) {
        free(*list);
        *list = NULL;
        *n = 0;
    }
    return st;
}

static bool sensor_wanted(const tt_rollup_filter *f, int32_t sensor) { return tt_sensor_set_has(f, sensor); }

tt_status tt_sqlite_scan_gaps(tt_store *store, const tt_rollup_filter *f, tt_gap_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "SELECT sensor, start_ts, end_ts, packets, reason FROM gaps "
                      "WHERE end_ts >= ?1 AND start_ts < ?2 ORDER BY start_ts, sensor, id",
                   &stmt, "gap scan")))
        return st;
    sqlite3_bind_int64(stmt, 1, f->hour_from * 3600);
    sqlite3_bind_int64(stmt, 2, f->hour_to * 3600);
    int rc;
    while (st == TT_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int32_t sensor = sqlite3_column_int(stmt, 0);
        if (!sensor_wanted(f, sensor))
            continue;
        tt_gap g = {sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2),
                    (uint64_t)sqlite3_column_int64(stmt, 3), (uint8_t)sqlite3_column_int(stmt, 4)};
        st = fn(ctx, sensor, &g);
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "gap scan");
    sqlite3_finalize(stmt);
    return st;
}

tt_status tt_sqlite_scan_uptime(tt_store *store, const tt_rollup_filter *f, tt_uptime_fn fn, void *ctx)
{
    sqlite_store *s = (sqlite_store *)store;
    sqlite3_stmt *stmt;
    tt_status st;
    if ((st = prep(s, "SELECT sensor, hour, seconds FROM uptime WHERE hour >= ?1 AND hour < ?2 ORDER BY hour, sensor",
                   &stmt, "uptime scan")))
        return st;
    sqlite3_bind_int64(stmt, 1, f->hour_from);
    sqlite3_bind_int64(stmt, 2, f->hour_to);
    int rc;
    while (st == TT_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int32_t sensor = sqlite3_column_int(stmt, 0);
        if (sensor_wanted(f, sensor))
            st = fn(ctx, sensor, sqlite3_column_int64(stmt, 1), (uint32_t)sqlite3_column_int(stmt, 2));
    }
    if (st == TT_OK && rc != SQLITE_DONE)
        st = tt_sqlite_fail(s, "uptime scan");
    sqlite3_finalize(stmt);
    return st;
}
