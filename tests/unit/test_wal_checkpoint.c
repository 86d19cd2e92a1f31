/* Background WAL checkpoints: committed pages reach the database file
 * without the writer checkpointing, and the data stays whole. */
#include "check.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/wal_checkpoint.h"

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A WAL database whose own connection never checkpoints, as a store's writer. */
static sqlite3 *open_writer(const char *path)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; "
                           "CREATE TABLE t(id INTEGER PRIMARY KEY, payload BLOB);", NULL, NULL, NULL) == SQLITE_OK);
    return db;
}

/* One transaction of 100 rows x 1 KB (~105 pages). */
static void write_rows(sqlite3 *db)
{
    CHECK(sqlite3_exec(db, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                           "INSERT INTO t(payload) SELECT randomblob(1024) FROM n; COMMIT;",
                       NULL, NULL, NULL) == SQLITE_OK);
}

int main(void)
{
    char dir[] = "/tmp/teiten-walckpt-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/store.db", dir);
    sqlite3 *db = open_writer(path);
    tt_wal_checkpointer *c;
    CHECK(tt_wal_checkpointer_start(path, &c) == TT_OK);
    long long before = file_size(path);
    /* 40 transactions of 100 rows x 1 KB: ~4 MB of pages, far above one page. */
    for (int tx = 0; tx < 40; tx++) {
        write_rows(db);
        tt_wal_checkpointer_poke(c);
    }
    /* Stopping finishes the requested checkpoint; the writer never ran one,
     * so the database file grew only through the checkpointer. */
    tt_wal_checkpointer_stop(c);
    CHECK(file_size(path) > before + 3 * 1024 * 1024);
    sqlite3_stmt *count;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(payload)) FROM t", -1, &count, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(count) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(count, 0), 4000);
    CHECK_EQ_INT(sqlite3_column_int64(count, 1), 4000 * 1024);
    sqlite3_finalize(count);
    CHECK(sqlite3_close(db) == SQLITE_OK);
    /* A writer that begins right after poking keeps appending to the WAL
     * (SQLite restarts it only in a transaction begun after a complete
     * checkpoint): with the bound before each BEGIN, it stays near the
     * bound (~200 pages here) instead of growing by every transaction. */
    {
        char grow_path[300], wal_path[320];
        snprintf(grow_path, sizeof grow_path, "%s/grow.db", dir);
        snprintf(wal_path, sizeof wal_path, "%s-wal", grow_path);
        sqlite3 *w = open_writer(grow_path);
        tt_wal_checkpointer *g;
        CHECK(tt_wal_checkpointer_start(grow_path, &g) == TT_OK);
        long long largest = 0;
        for (int tx = 0; tx < 60; tx++) {
            tt_wal_checkpointer_bound(g, 200);
            write_rows(w);
            tt_wal_checkpointer_poke(g);
            if (file_size(wal_path) > largest)
                largest = file_size(wal_path);
        }
        tt_wal_checkpointer_stop(g);
        CHECK(largest < 3 * 1024 * 1024); /* 60 transactions of ~105 pages: ~6 MB unbounded */
        CHECK(sqlite3_close(w) == SQLITE_OK);
        unlink(grow_path);
        unlink(wal_path);
    }

    /* A store that cannot be opened is refused (the writer then checkpoints itself). */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing/store.db", dir);
    CHECK(tt_wal_checkpointer_start(missing, &c) == TT_ERR_DB);
    tt_wal_checkpointer_stop(NULL);
    char wal[300], shm[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(wal);
    unlink(shm);
    unlink(path);
    rmdir(dir);
    return check_report("test_wal_checkpoint");
}
