/* Background checkpoints of a WAL-mode SQLite store.
 *
 * SQLite normally checkpoints inside the COMMIT that makes the WAL pass 1000
 * pages: the committing writer copies the pages into the database file and
 * waits for two fdatasyncs (0.2-0.35 s per 8 M-packet batch here). With a
 * checkpointer the writer's connection never checkpoints
 * (wal_autocheckpoint=0); after each commit it pokes this thread, which runs
 * a PASSIVE checkpoint on a connection of its own. Passive checkpoints never
 * block the writer; one that cannot run now is simply retried at the next
 * poke, and closing the last connection checkpoints whatever is left.
 *
 * SQLite starts the WAL over only in a write transaction that began when
 * everything in it had been copied. A writer that begins its next
 * transaction right after poking never sees that, so it calls
 * tt_wal_checkpointer_bound before beginning: past a size, it waits for the
 * checkpoint it asked for, and the WAL restarts instead of growing with
 * every batch of a long ingest. */
#ifndef TT_STORE_WAL_CHECKPOINT_H
#define TT_STORE_WAL_CHECKPOINT_H

#include "util/status.h"

typedef struct tt_wal_checkpointer tt_wal_checkpointer;

/* Opens its own connection to the database file at path and starts the thread. */
TT_MUST_CHECK tt_status tt_wal_checkpointer_start(const char *path, tt_wal_checkpointer **out);
/* Asks for a checkpoint of what is committed (returns at once). */
void tt_wal_checkpointer_poke(tt_wal_checkpointer *c);
/* When the last checkpoint found max_frames pages or more in the WAL, waits
 * until the requested checkpoint is done (call before BEGIN). */
void tt_wal_checkpointer_bound(tt_wal_checkpointer *c, int max_frames);
/* Finishes a requested checkpoint, stops the thread, closes its connection. Accepts NULL. */
void tt_wal_checkpointer_stop(tt_wal_checkpointer *c);

#endif
