/* Capture sources: pcap and pcapng files (plain, gzip or zstd compressed, or
 * standard input) read through libpcap. */
#ifndef TT_CAPTURE_CAPTURE_H
#define TT_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/status.h"

typedef struct tt_capture tt_capture;

/* A borrowed view of one frame: valid until the next tt_capture_next call. */
typedef struct tt_frame {
    const uint8_t *data;
    uint32_t caplen;  /* <= TT_LIMIT_FRAME, always */
    uint32_t wirelen; /* as recorded; may be smaller than caplen in odd files */
    int64_t ts_sec;   /* classic pcap seconds read as unsigned 32-bit */
    uint32_t ts_usec; /* < 1000000, always (nanosecond files truncated) */
} tt_frame;

/* Opens `path` ("-" is standard input, named "(stdin)" in messages).
 * Compression is detected from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd),
 * not from the name. On failure returns the status (TT_ERR_IO: cannot open or
 * read; TT_ERR_FORMAT: not a capture or a bad header; TT_ERR_TRUNCATED: input
 * ends inside the header) and writes a message naming the file into err,
 * e.g. "x.pcap: not a pcap or pcapng file (first bytes 3c 21 44 4f)". */
TT_MUST_CHECK tt_status tt_capture_open(const char *path, tt_capture **out,
                                        char *err, size_t errlen);

/* Same over an already open stdio stream (memory streams in the fuzzer,
 * tests). The capture owns `raw` from this call on: it is fclosed by
 * tt_capture_close, or before returning when opening fails. `name` is copied
 * and used in messages. */
TT_MUST_CHECK tt_status tt_capture_open_stream(FILE *raw, const char *name,
                                               tt_capture **out, char *err,
                                               size_t errlen);

/* Link type of the capture as pcap_datalink() gives it: a DLT number, so
 * LINKTYPE_RAW (101) in a file reads as DLT_RAW (12 on Linux). For pcapng the
 * first interface's (libpcap rejects files whose interfaces differ). */
int tt_capture_linktype(const tt_capture *cap);

/* Reads the next frame. Returns TT_OK with *frame set; TT_ERR_NOTFOUND at a
 * clean end of input (err set to ""); TT_ERR_TRUNCATED or TT_ERR_FORMAT when
 * the file or its compressed stream is damaged — err then names the file,
 * the byte offset (in the uncompressed stream) where the damage starts, i.e.
 * after the last good frame, and the cause:
 *   "x.pcap: truncated at byte offset 176 after 2 packets: truncated dump
 *    file; tried to read 60 captured bytes, only got 10"
 *   "x.pcap.gz: damaged at byte offset 328 after 4 packets: corrupt gzip data
 *    near compressed byte offset 347: incorrect data check"
 * Rarer: TT_ERR_IO (read error), TT_ERR_NOMEM, TT_ERR_UNSUPPORTED (a zstd
 * window above 128 MiB). Frames returned before the damage are valid and
 * should be kept. The end is sticky: later calls return the same status. */
TT_MUST_CHECK tt_status tt_capture_next(tt_capture *cap, tt_frame *frame,
                                        char *err, size_t errlen);

/* Uncompressed classic pcap (native byte order, version 2.4) is read in
 * place from large reads, with the same frames, checks and messages as
 * libpcap's reader; this makes every frame go through pcap_next_ex instead
 * (tests compare the two). Call it before the first tt_capture_next. One
 * difference: a read error (EIO) within the megabyte read ahead is named in
 * place of a malformed record before it; the capture ends at the same
 * offset either way. */
void tt_capture_use_libpcap(tt_capture *cap);

/* True when frames are read in place (see tt_capture_use_libpcap): a
 * frame then costs a few nanoseconds, less than handing it over to another
 * thread (capture/read_ahead.h). */
bool tt_capture_reads_in_place(const tt_capture *cap);

/* Byte offset in the (uncompressed) capture stream after the last frame read. */
uint64_t tt_capture_offset(const tt_capture *cap);
/* Frames returned so far. */
uint64_t tt_capture_frames(const tt_capture *cap);
/* "pcap", "pcapng", plus " (gzip)" / " (zstd)" when compressed. */
const char *tt_capture_format(const tt_capture *cap);

/* Raw bytes (compressed bytes if compressed) read from the file or standard
 * input so far: the size that goes with tt_capture_get_stream_hash. */
uint64_t tt_capture_raw_bytes(const tt_capture *cap);

/* XXH3-128 of all raw bytes (compressed bytes if compressed) read from the
 * file or standard input so far, in canonical big-endian byte order. After a
 * clean end of input (or tt_capture_drain) it equals
 * tt_capture_file_identity of the same bytes in a file. */
void tt_capture_get_stream_hash(const tt_capture *cap, uint8_t hash[16]);
/* The file's identity is known (tt_capture_file_identity): stop hashing. */
void tt_capture_stop_hashing(tt_capture *cap);

/* Reads the rest of the raw input without decoding it, only to complete the
 * stream hash and raw size: call it before taking the identity of standard
 * input that stopped early (damage, or a stop request), since reading stops
 * at the damage. No frames can be read afterwards. Fails only on a read
 * error. */
TT_MUST_CHECK tt_status tt_capture_drain(tt_capture *cap, char *err, size_t errlen);

/* Identity of a capture file for duplicate detection: XXH3-128 of its raw
 * bytes (canonical big-endian) and its size, without decompressing. */
TT_MUST_CHECK tt_status tt_capture_file_identity(const char *path, uint8_t hash[16],
                                                 uint64_t *size, char *err,
                                                 size_t errlen);

/* Accepts NULL. */
void tt_capture_close(tt_capture *cap);

#endif
