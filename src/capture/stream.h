/* Input streams for capture files: a raw byte source (a file descriptor or a
 * stdio stream) whose compression is sniffed from its first bytes (gzip,
 * zstd or none), presented to libpcap as a glibc cookie FILE* that yields
 * the uncompressed bytes. The stream also keeps what libpcap cannot tell us:
 * how many uncompressed bytes it handed out (so ftell works), a
 * decompression or read error that libpcap only sees as "EOF" or "error
 * reading dump file", and an XXH3-128 hash of every raw byte read. */
#ifndef TT_CAPTURE_STREAM_H
#define TT_CAPTURE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/status.h"

/* A buffer that read() fills with capture bytes. Page-aligned: on these
 * AMD machines the kernel copies a page-cache page 4x slower into a
 * destination 8 or 16 bytes off a 32-byte boundary (where malloc puts large
 * blocks): hashing a 1.6 GB capture took 0.76 s instead of 0.24 s. Free
 * with free(). */
void *tt_stream_read_buffer(size_t size);

typedef struct tt_stream tt_stream;

typedef enum tt_stream_codec {
    TT_STREAM_PLAIN = 0,
    TT_STREAM_GZIP,
    TT_STREAM_ZSTD,
} tt_stream_codec;

/* Wraps an open file descriptor. The stream closes fd in tt_stream_free when
 * close_fd is true (also when this call fails); stdin is passed with
 * close_fd false. `name` is only used in messages (no copy is kept). Reads
 * the first bytes to sniff the compression, so an empty input is not an
 * error here: the FILE* then simply reports EOF. */
TT_MUST_CHECK tt_status tt_stream_open_fd(int fd, bool close_fd, const char *name,
                                          tt_stream **out, char *err, size_t errlen);

/* Same over a stdio stream (for example fmemopen'd bytes in the fuzzer). The
 * stream owns `raw` from this call on: it is fclosed by tt_stream_free, or
 * before returning when this call fails. */
TT_MUST_CHECK tt_status tt_stream_open_file(FILE *raw, const char *name, tt_stream **out,
                                            char *err, size_t errlen);

/* The FILE* that yields the uncompressed bytes. ftell() on it gives the
 * offset in the uncompressed stream; it cannot seek. It stays owned by the
 * stream unless tt_stream_take_file is called. */
FILE *tt_stream_file(const tt_stream *s);
/* Hands the FILE* over to the caller (libpcap's pcap_close fcloses it). The
 * caller must fclose it before calling tt_stream_free, because the FILE*
 * reads through the stream's state. */
FILE *tt_stream_take_file(tt_stream *s);

tt_stream_codec tt_stream_get_codec(const tt_stream *s);
/* "gzip", "zstd" or NULL for plain input. */
const char *tt_stream_codec_name(tt_stream_codec codec);

/* Up to 4 first uncompressed bytes handed out so far; returns how many. */
size_t tt_stream_first_bytes(const tt_stream *s, uint8_t first[4]);

/* TT_OK, or the status of the first read/decompression error; *message (if
 * not NULL) then points at its text, valid until tt_stream_free. Once a
 * stream failed, its FILE* reports a read error, never a clean EOF. */
tt_status tt_stream_error(const tt_stream *s, const char **message);

/* Uncompressed bytes handed out so far. */
uint64_t tt_stream_offset(const tt_stream *s);
/* Raw (possibly compressed) bytes read from the source so far. */
uint64_t tt_stream_raw_offset(const tt_stream *s);

/* XXH3-128 of the raw bytes read so far, in canonical (big-endian) byte
 * order: equals tt_capture_file_identity once the source was read to its
 * end. */
void tt_stream_hash(const tt_stream *s, uint8_t hash[16]);
/* For a caller that took the identity of the file beforehand: raw bytes are
 * no longer hashed (XXH3 costs ~14 ns a packet), tt_stream_hash is
 * meaningless from here on. */
void tt_stream_stop_hashing(tt_stream *s);

/* Reads and hashes the rest of the raw source without decompressing it, and
 * stops the FILE* (it reports EOF, or the earlier error). */
TT_MUST_CHECK tt_status tt_stream_drain(tt_stream *s, char *err, size_t errlen);

/* Accepts NULL. Closes the FILE* if it was not taken, then the source. */
void tt_stream_free(tt_stream *s);

#endif
