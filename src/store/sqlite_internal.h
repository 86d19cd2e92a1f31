/* Shared by the SQLite backend's files (store_sqlite.c: data and queries,
 * store_sqlite_live.c: live sensors). Not a public interface. */
#ifndef TT_STORE_SQLITE_INTERNAL_H
#define TT_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/source_index.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct sqlite_store {
    tt_store base;
    sqlite3 *db;
    char error[512];
    sqlite3_stmt *segment_get, *segment_insert, *segment_update, *rollup_delete, *rollup_insert, *rollup_insert_many,
        *victim_upsert;
    tt_buf data, bloom, totals;
    tt_detail_row *old_rows, *merged_rows;
    size_t old_cap, merged_cap;
    /* Source sets of the open transaction, written at commit (or sooner when large). */
    tt_srcidx_builder *srcidx;
    sqlite3_stmt *srcidx_last, *srcidx_all_last, *srcidx_get, *srcidx_put, *srcidx_all_get, *srcidx_all_put;
    tt_buf day_totals;
    struct tt_wal_checkpointer *checkpointer; /* writable file stores: checkpoints off the commit path */
} sqlite_store;

/* Records sqlite's message for `what` and returns TT_ERR_DB. */
tt_status tt_sqlite_fail(sqlite_store *s, const char *what);
tt_status tt_sqlite_exec(sqlite_store *s, const char *sql);

tt_status tt_sqlite_batch_accept(tt_store *store, int32_t sensor, uint64_t epoch, uint64_t seq,
                                 const uint8_t *data, size_t len, int64_t now, uint64_t *last_seq);
tt_status tt_sqlite_inbox_scan(tt_store *store, size_t max_batches, tt_inbox_fn fn, void *ctx);
tt_status tt_sqlite_inbox_delete(tt_store *store, int64_t id);
tt_status tt_sqlite_put_gap(tt_store *store, int32_t sensor, const tt_gap *gap);
tt_status tt_sqlite_add_uptime(tt_store *store, int32_t sensor, int64_t from, int64_t to);
tt_status tt_sqlite_health_put(tt_store *store, const tt_sensor_health *health);
tt_status tt_sqlite_health_list(tt_store *store, tt_sensor_health **list, size_t *n);
tt_status tt_sqlite_scan_gaps(tt_store *store, const tt_rollup_filter *filter, tt_gap_fn fn, void *ctx);
tt_status tt_sqlite_scan_uptime(tt_store *store, const tt_rollup_filter *filter, tt_uptime_fn fn, void *ctx);

#endif
