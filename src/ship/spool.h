/* The sensor's on-disk spool: every batch is written here (fsync'd) before
 * it is sent, and deleted only after the collector acknowledged it. A
 * sensor killed at any moment resumes from its spool; nothing is sent twice
 * under a different identity.
 *
 * Layout of the directory:
 *   state                "teiten-spool 1", epoch, next sequence number and
 *                        the gaps not yet declared in a batch (atomic rewrite)
 *   NNNNNNNNNNNNNNNNNNNN.batch   one batch per file, named by sequence number
 *   NNNNNNNNNNNNNNNNNNNN.piece   a batch not yet sealed: never sent, it may
 *                        still be merged with the pieces after it (a sensor
 *                        that ships less often than it spools, ship/merge.h)
 * Sealed batches are numbered below every piece; only they are sent.
 * The spool has a cap: a batch that does not fit is not written, and its
 * packets become a declared gap (reason spool-full) carried by the next
 * batch that fits. */
#ifndef TT_SHIP_SPOOL_H
#define TT_SHIP_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/status.h"

typedef struct tt_spool tt_spool;

#define TT_SPOOL_MAX_GAPS 1024

/* Opens (creating) the spool at dir. max_bytes = 0: no cap. */
TT_MUST_CHECK tt_status tt_spool_open(const char *dir, uint64_t max_bytes, tt_spool **out, char *err,
                                      size_t errlen);
void tt_spool_close(tt_spool *spool); /* accepts NULL */
void tt_spool_set_cap(tt_spool *spool, uint64_t max_bytes);

uint64_t tt_spool_epoch(const tt_spool *spool);
/* The sequence number the next batch must carry. */
uint64_t tt_spool_next_seq(tt_spool *spool);

/* Records a loss to declare in the next batch (durably). */
TT_MUST_CHECK tt_status tt_spool_add_gap(tt_spool *spool, const tt_gap *gap, char *err, size_t errlen);
/* Copies the gaps to declare in the next batch (at most TT_SPOOL_MAX_GAPS). */
size_t tt_spool_pending_gaps(tt_spool *spool, tt_gap *out, size_t max);

/* Stores batch `seq` (== next_seq) durably, sealed or as a piece; it carried
 * the pending gaps, which are cleared. TT_ERR_NOMEM when it would exceed the
 * cap: nothing is written, the batch's packets are recorded as a pending gap
 * instead, and next_seq does not move. */
TT_MUST_CHECK tt_status tt_spool_put(tt_spool *spool, uint64_t seq, const uint8_t *data, size_t len,
                                     const tt_gap *lost, bool sealed, char *err, size_t errlen);

/* A piece as its header describes it. alone: the header does not decode;
 * seal it by itself. */
typedef struct tt_spool_piece {
    uint64_t seq, bytes, packets;
    int64_t opened, closed;
    size_t ngaps, nvictims;
    bool alone;
} tt_spool_piece;

/* The pieces, oldest first (at most max). */
size_t tt_spool_pieces(tt_spool *spool, tt_spool_piece *out, size_t max);
TT_MUST_CHECK tt_status tt_spool_read_piece(tt_spool *spool, uint64_t seq, tt_buf *data, char *err, size_t errlen);
/* Replaces the oldest pieces, first..last, with one sealed batch numbered
 * last: data (their merge), or the piece itself when data is NULL and
 * first == last. The batch is renamed into place (the commit point) before
 * the pieces are removed; pieces a crash or a failed unlink leaves behind are
 * removed at the next open, as the batch's header says it stands for them
 * (first_seq..seq). Refuses to replace a sealed batch of that number. */
TT_MUST_CHECK tt_status tt_spool_seal(tt_spool *spool, uint64_t first, uint64_t last, const uint8_t *data,
                                      size_t len, char *err, size_t errlen);

/* Reads the oldest sealed batch; TT_ERR_NOTFOUND when there is none. */
TT_MUST_CHECK tt_status tt_spool_oldest(tt_spool *spool, uint64_t *seq, tt_buf *data, char *err, size_t errlen);
/* Deletes an acknowledged batch. */
TT_MUST_CHECK tt_status tt_spool_remove(tt_spool *spool, uint64_t seq, char *err, size_t errlen);
/* Moves a batch the collector refused as malformed aside (rejected/). */
TT_MUST_CHECK tt_status tt_spool_reject(tt_spool *spool, uint64_t seq, char *err, size_t errlen);

typedef struct tt_spool_usage {
    uint64_t batches, bytes;
    uint64_t dropped_packets; /* packets given up because the spool was full (since open) */
} tt_spool_usage;
void tt_spool_get_usage(tt_spool *spool, tt_spool_usage *usage);

#endif
