/* A thread that checkpoints a WAL store when poked (see wal_checkpoint.h). */
#include "store/wal_checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

struct tt_wal_checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t poked; /* signalled both ways: a poke, a checkpoint done */
    bool pending, busy, quit;
    int log_frames; /* frames in the WAL at the last checkpoint */
};

static void *checkpointer_main(void *arg)
{
    tt_wal_checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->pending && !c->quit)
            pthread_cond_wait(&c->poked, &c->lock);
        if (!c->pending)
            break;
        c->pending = false;
        c->busy = true;
        pthread_mutex_unlock(&c->lock);
        /* SQLITE_BUSY (another checkpoint or a reader in the way) is not an
         * error: the pages stay in the WAL until the next poke. */
        int log = 0, copied = 0;
        if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) != SQLITE_OK)
            log = 0;
        pthread_mutex_lock(&c->lock);
        c->busy = false;
        c->log_frames = log;
        pthread_cond_broadcast(&c->poked);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

tt_status tt_wal_checkpointer_start(const char *path, tt_wal_checkpointer **out)
{
    *out = NULL;
    tt_wal_checkpointer *c = calloc(1, sizeof *c);
    if (c == NULL)
        return TT_ERR_NOMEM;
    /* The connection learns that the database is in WAL mode only when it
     * reads it: until then checkpoints do nothing. */
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return TT_ERR_DB;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        sqlite3_close(c->db);
        free(c);
        return TT_ERR_NOMEM;
    }
    if (pthread_cond_init(&c->poked, NULL) != 0 || pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        pthread_cond_destroy(&c->poked);
        pthread_mutex_destroy(&c->lock);
        sqlite3_close(c->db);
        free(c);
        return TT_ERR_NOMEM;
    }
    *out = c;
    return TT_OK;
}

void tt_wal_checkpointer_poke(tt_wal_checkpointer *c)
{
    pthread_mutex_lock(&c->lock);
    c->pending = true;
    pthread_cond_broadcast(&c->poked);
    pthread_mutex_unlock(&c->lock);
}

void tt_wal_checkpointer_bound(tt_wal_checkpointer *c, int max_frames)
{
    pthread_mutex_lock(&c->lock);
    if (c->log_frames >= max_frames)
        while ((c->pending || c->busy) && !c->quit)
            pthread_cond_wait(&c->poked, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

void tt_wal_checkpointer_stop(tt_wal_checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->quit = true;
    pthread_cond_broadcast(&c->poked);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->poked);
    pthread_mutex_destroy(&c->lock);
    sqlite3_close(c->db);
    free(c);
}
