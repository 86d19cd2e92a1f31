/* Merging spooled pieces into one batch.
 *
 * A sensor spools what it captured every batch_seconds (what a kill -9 can
 * lose is bounded by that) but ships every ship_seconds: before a batch is
 * sent for the first time, the pieces spooled since the last one are joined
 * into one batch. A source seen in several pieces becomes one row, and one
 * request and one compression context carry them all, so a quiet sensor
 * sends fewer bytes per packet (docs/shipping.md). Pieces are never merged
 * once sent: a merged batch takes the sequence number of its last piece, and
 * the collector's exactly-once check sees one batch. */
#ifndef TT_SHIP_MERGE_H
#define TT_SHIP_MERGE_H

#include <stddef.h>

#include "ship/batch.h"
#include "util/buf.h"
#include "util/status.h"

/* Joins pieces[0..n) — decoded with their rows (tt_batch_decode_rows), one
 * sensor and epoch, ascending sequence numbers — into one batch written to
 * out: seq and closed of the last piece, opened of the first, frames,
 * outcomes, gaps and backscatter rows of all, and per hour the union of the
 * detail rows, a key present in several pieces summed into one row (TTL of
 * its first piece, OS hint the first one given: what the aggregator keeps
 * for packets in the order they came).
 * TT_ERR_USAGE when the pieces do not belong together or exceed a batch's
 * bounds; the caller then sends them apart. */
TT_MUST_CHECK tt_status tt_batch_merge(const tt_batch *pieces, size_t n, tt_batch_builder *builder, tt_buf *out,
                                       char *err, size_t errlen);

#endif
