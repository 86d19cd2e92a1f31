/* Reading a capture ahead on a thread of its own.
 *
 * libpcap hands out one frame per call, through stdio: the calls, copies and
 * read()s cost about a fifth of an ingest's reading thread. A read-ahead
 * thread makes those calls and copies the frames into a few 1 MB blocks,
 * which the caller takes in order, so reading overlaps decoding and
 * counting (and fills a core the writer leaves idle while the first hours
 * are still open). Frames, their order, offsets and the end status with its
 * message are exactly what tt_capture_next gives. */
#ifndef TT_CAPTURE_READ_AHEAD_H
#define TT_CAPTURE_READ_AHEAD_H

#include <stdint.h>

#include "capture/capture.h"
#include "util/status.h"

typedef struct tt_read_ahead tt_read_ahead;

/* Starts reading cap on a new thread. cap must not be used by the caller
 * until tt_read_ahead_stop. */
TT_MUST_CHECK tt_status tt_read_ahead_start(tt_capture *cap, tt_read_ahead **out);
/* As tt_capture_next: the frame stays valid until the next call. */
TT_MUST_CHECK tt_status tt_read_ahead_next(tt_read_ahead *ra, tt_frame *frame, char *err, size_t errlen);
/* As tt_capture_offset, for the frames taken so far. */
uint64_t tt_read_ahead_offset(const tt_read_ahead *ra);
/* Stops the thread (frames read ahead but not taken are dropped) and frees
 * everything; cap is the caller's again. Accepts NULL. */
void tt_read_ahead_stop(tt_read_ahead *ra);

#endif
