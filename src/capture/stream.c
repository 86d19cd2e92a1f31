/* Decompressing input streams for capture files, exposed to libpcap as
 * glibc cookie FILE*s (see stream.h).
 *
 * Why a cookie even for plain files: libpcap only sees a FILE*, so the
 * cookie is the one place where raw bytes pass by. It hashes them for the
 * ingest identity, counts uncompressed bytes so ftell() gives exact offsets,
 * and remembers decompression errors that libpcap would otherwise mistake
 * for a clean end of file. glibc hands the cookie its own stdio buffer, so
 * plain input is read straight into it: no extra copy. */
#include "capture/stream.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "util/log.h"

/* stdio buffer of the cookie FILE*: each refill is one read() (plain) or one
 * decompression run of this size, so per-frame freads are memcpys. */
#define STREAM_STDIO_BUFFER ((size_t)1 << 20)
/* Compressed input read per refill (and the sniffing read). */
#define STREAM_INPUT_BUFFER ((size_t)1 << 18)
/* Input first given to the zstd decoder for a frame: its largest header. */
#define ZSTD_FRAME_START 18
#define ZSTD_BLOCK_HEADER 3
/* Largest output asked from zlib at once: avail_out is a 32-bit uInt. */
#define STREAM_ZLIB_CHUNK ((size_t)1 << 30)

struct tt_stream {
    /* Raw source: a descriptor, or a stdio stream when raw != NULL. */
    int fd;
    bool close_fd;
    FILE *raw;
    bool raw_eof;
    uint64_t raw_total; /* raw bytes read (and hashed) so far */

    tt_stream_codec codec;
    uint8_t *in; /* raw bytes read but not yet consumed */
    size_t in_pos, in_len;

    z_stream zlib;
    bool zlib_ready;
    bool gzip_member_done;  /* the last gzip member ended cleanly */
    bool gzip_after_member; /* decoding a second or later member */
    uint64_t gzip_member_end; /* compressed offset where the last member ended */
    ZSTD_DCtx *zstd;
    size_t zstd_pending; /* hint of the last productive call: 0 = between frames */
    size_t zstd_hint;    /* input the decoder wants next; 0 = a frame starts */

    FILE *file; /* the cookie stream libpcap reads */
    bool file_taken;
    char *stdio_buffer;
    uint64_t delivered; /* uncompressed bytes handed to stdio */
    uint8_t first[4];
    bool stopped; /* tt_stream_drain ran: no more output */
    bool unhashed; /* tt_stream_stop_hashing ran */

    XXH3_state_t *hash;

    tt_status error; /* first failure, sticky */
    char error_message[256];
};


void *tt_stream_read_buffer(size_t size)
{
    size_t page = 4096;
    return aligned_alloc(page, (size + page - 1) / page * page);
}

static void stream_fail(tt_stream *s, tt_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure only: later ones are consequences of it. */
static void stream_fail(tt_stream *s, tt_status status, const char *fmt, ...)
{
    if (s->error != TT_OK)
        return;
    s->error = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error_message, sizeof s->error_message, fmt, ap);
    va_end(ap);
}

/* Reads up to len raw bytes and hashes them. Returns the count (0 at end of
 * input) or -1 after recording an I/O error. */
static ssize_t raw_read(tt_stream *s, void *buf, size_t len)
{
    ssize_t n;
    if (s->raw != NULL) {
        size_t got = fread(buf, 1, len, s->raw);
        if (got == 0 && ferror(s->raw)) {
            int saved = errno;
            stream_fail(s, TT_ERR_IO, "read error at raw byte offset %llu: %s",
                        (unsigned long long)s->raw_total, strerror(saved));
            errno = saved;
            return -1;
        }
        n = (ssize_t)got;
    } else {
        if (len > (size_t)SSIZE_MAX)
            len = (size_t)SSIZE_MAX;
        do {
            n = read(s->fd, buf, len);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            int saved = errno;
            stream_fail(s, TT_ERR_IO, "read error at raw byte offset %llu: %s",
                        (unsigned long long)s->raw_total, strerror(saved));
            errno = saved;
            return -1;
        }
    }
    if (n > 0) {
        if (!s->unhashed)
            (void)XXH3_128bits_update(s->hash, buf, (size_t)n);
        s->raw_total += (uint64_t)n;
    } else {
        s->raw_eof = true;
    }
    return n;
}

/* Refills the (fully consumed) input buffer. False after an I/O error. */
static bool fill_input(tt_stream *s)
{
    ssize_t n = raw_read(s, s->in, STREAM_INPUT_BUFFER);
    if (n < 0)
        return false;
    s->in_pos = 0;
    s->in_len = (size_t)n;
    return true;
}

static size_t plain_read(tt_stream *s, uint8_t *buf, size_t size)
{
    if (s->in_pos < s->in_len) {
        /* The bytes read while sniffing come first. */
        size_t n = s->in_len - s->in_pos;
        if (n > size)
            n = size;
        memcpy(buf, s->in + s->in_pos, n);
        s->in_pos += n;
        return n;
    }
    if (s->raw_eof)
        return 0;
    ssize_t n = raw_read(s, buf, size);
    return n > 0 ? (size_t)n : 0;
}

static size_t gzip_read(tt_stream *s, uint8_t *buf, size_t size)
{
    z_stream *z = &s->zlib;
    if (size > STREAM_ZLIB_CHUNK)
        size = STREAM_ZLIB_CHUNK;
    z->next_out = buf;
    z->avail_out = (uInt)size;
    while (z->avail_out > 0) {
        if (z->avail_in == 0 && !s->raw_eof) {
            if (!fill_input(s))
                break;
            z->next_in = s->in;
            z->avail_in = (uInt)s->in_len;
        }
        if (s->gzip_member_done) {
            if (z->avail_in == 0)
                break; /* clean end after a complete member */
            /* Concatenated members (gzip a >> f, pigz) form one stream. */
            (void)inflateReset(z);
            s->gzip_member_done = false;
            s->gzip_after_member = true;
        }
        uInt out_before = z->avail_out, in_before = z->avail_in;
        int ret = inflate(z, Z_NO_FLUSH);
        if (ret == Z_STREAM_END) {
            s->gzip_member_done = true;
            s->gzip_member_end = s->raw_total - z->avail_in;
            continue;
        }
        if (ret == Z_OK || ret == Z_BUF_ERROR) {
            if (z->avail_out != out_before || z->avail_in != in_before)
                continue;
            if (z->avail_in == 0 && !s->raw_eof)
                continue;
            if (z->avail_in == 0)
                stream_fail(s, TT_ERR_TRUNCATED,
                            "gzip stream ends early (input ends at compressed byte offset %llu)",
                            (unsigned long long)s->raw_total);
            else
                stream_fail(s, TT_ERR_FORMAT,
                            "gzip decoder stuck near compressed byte offset %llu",
                            (unsigned long long)(s->raw_total - z->avail_in));
            break;
        }
        if (s->gzip_after_member && z->total_out == 0 && ret == Z_DATA_ERROR)
            stream_fail(s, TT_ERR_FORMAT,
                        "trailing data after the gzip stream (from compressed byte offset %llu): %s",
                        (unsigned long long)s->gzip_member_end,
                        z->msg != NULL ? z->msg : zError(ret));
        else
            stream_fail(s, ret == Z_MEM_ERROR ? TT_ERR_NOMEM : TT_ERR_FORMAT,
                        "corrupt gzip data near compressed byte offset %llu: %s",
                        (unsigned long long)(s->raw_total - z->avail_in),
                        z->msg != NULL ? z->msg : zError(ret));
        break;
    }
    return size - z->avail_out;
}

/* Input handed to the zstd decoder per call is cut at its own hint (the
 * rest of the current block plus the next block header), so each call
 * decodes at most one block. That matters on damage: when
 * ZSTD_decompressStream fails it does not report the output it already
 * wrote in that call, so a call spanning many blocks would lose the good
 * frames before the bad block. */
static size_t zstd_read(tt_stream *s, uint8_t *buf, size_t size)
{
    ZSTD_outBuffer out = {buf, size, 0};
    while (out.pos < out.size) {
        if (s->in_pos == s->in_len && !s->raw_eof) {
            if (!fill_input(s))
                break;
        }
        size_t available = s->in_len - s->in_pos;
        /* The hint counts the following block header too: leave it for
         * the next call, so a bad header cannot take this block down. */
        size_t feed = s->zstd_hint == 0 ? ZSTD_FRAME_START
                      : s->zstd_hint > ZSTD_BLOCK_HEADER ? s->zstd_hint - ZSTD_BLOCK_HEADER
                                                         : s->zstd_hint;
        if (feed > available)
            feed = available;
        ZSTD_inBuffer in = {s->in, s->in_pos + feed, s->in_pos};
        size_t out_before = out.pos;
        size_t ret = ZSTD_decompressStream(s->zstd, &out, &in);
        if (ZSTD_isError(ret)) {
            ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);
            tt_status status = TT_ERR_FORMAT;
            if (code == ZSTD_error_memory_allocation)
                status = TT_ERR_NOMEM;
            else if (code == ZSTD_error_frameParameter_windowTooLarge)
                status = TT_ERR_UNSUPPORTED;
            stream_fail(s, status, "corrupt zstd data near compressed byte offset %llu: %s",
                        (unsigned long long)(s->raw_total - available), ZSTD_getErrorName(ret));
            break;
        }
        bool progress = out.pos != out_before || in.pos != s->in_pos;
        s->in_pos = in.pos;
        s->zstd_hint = ret;
        if (progress) {
            /* Only a call that did something tells whether a frame is
             * open: an idle call between frames returns a header hint. */
            s->zstd_pending = ret;
            continue;
        }
        if (s->in_pos == s->in_len && !s->raw_eof)
            continue;
        if (s->in_pos < s->in_len && feed < available) {
            s->zstd_hint = SIZE_MAX; /* the hint was too small: give all */
            continue;
        }
        if (s->in_pos < s->in_len) {
            stream_fail(s, TT_ERR_FORMAT, "zstd decoder stuck near compressed byte offset %llu",
                        (unsigned long long)(s->raw_total - available));
            break;
        }
        /* No progress and no more input: a clean end only between frames. */
        if (s->zstd_pending != 0)
            stream_fail(s, TT_ERR_TRUNCATED,
                        "zstd stream ends early (input ends at compressed byte offset %llu)",
                        (unsigned long long)s->raw_total);
        break;
    }
    return out.pos;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    tt_stream *s = cookie;
    if (s->error == TT_OK && !s->stopped && size > 0) {
        size_t n = 0;
        switch (s->codec) {
        case TT_STREAM_PLAIN: n = plain_read(s, (uint8_t *)buf, size); break;
        case TT_STREAM_GZIP: n = gzip_read(s, (uint8_t *)buf, size); break;
        case TT_STREAM_ZSTD: n = zstd_read(s, (uint8_t *)buf, size); break;
        }
        if (n > 0) {
            /* Bytes decoded before a failure are good: hand them out now,
             * report the failure on the next call. */
            for (uint64_t i = s->delivered; i < sizeof s->first && i - s->delivered < n; i++)
                s->first[i] = (uint8_t)buf[i - s->delivered];
            s->delivered += n;
            return (ssize_t)n;
        }
    }
    if (s->error != TT_OK) {
        /* libpcap must see an error here, not EOF: a short stream at a
         * record boundary would otherwise look like a complete file. */
        errno = EIO;
        return -1;
    }
    return 0;
}

/* Only ftell's question is answered: where are we? */
static int cookie_seek(void *cookie, off64_t *offset, int whence)
{
    const tt_stream *s = cookie;
    if ((whence == SEEK_CUR && *offset == 0) ||
        (whence == SEEK_SET && *offset >= 0 && (uint64_t)*offset == s->delivered)) {
        *offset = (off64_t)s->delivered;
        return 0;
    }
    errno = ESPIPE;
    return -1;
}

/* The stream's state outlives the FILE*: tt_stream_free releases it. */
static int cookie_close(void *cookie)
{
    (void)cookie;
    return 0;
}

static tt_status stream_start(tt_stream *s, const char *name, tt_stream **out, char *err,
                              size_t errlen)
{
    tt_status status = TT_ERR_NOMEM;
    s->error = TT_OK;
    s->in = tt_stream_read_buffer(STREAM_INPUT_BUFFER);
    s->hash = XXH3_createState();
    s->stdio_buffer = tt_stream_read_buffer(STREAM_STDIO_BUFFER);
    if (s->in == NULL || s->hash == NULL || s->stdio_buffer == NULL) {
        tt_format_message(err, errlen, "%s: out of memory", name);
        goto fail;
    }
    (void)XXH3_128bits_reset(s->hash);

    /* A pipe may deliver the magic in pieces. */
    while (s->in_len < 4 && !s->raw_eof) {
        ssize_t n = raw_read(s, s->in + s->in_len, STREAM_INPUT_BUFFER - s->in_len);
        if (n < 0) {
            status = s->error;
            tt_format_message(err, errlen, "%s: %s", name, s->error_message);
            goto fail;
        }
        s->in_len += (size_t)n;
    }

    static const uint8_t gzip_magic[2] = {0x1f, 0x8b};
    static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    if (s->in_len >= 2 && memcmp(s->in, gzip_magic, 2) == 0) {
        s->codec = TT_STREAM_GZIP;
        /* 16 + 15: gzip wrapper only, largest window. */
        int ret = inflateInit2(&s->zlib, 16 + MAX_WBITS);
        if (ret != Z_OK) {
            tt_format_message(err, errlen, "%s: cannot start gzip decoder: %s", name, zError(ret));
            goto fail;
        }
        s->zlib_ready = true;
        s->zlib.next_in = s->in;
        s->zlib.avail_in = (uInt)s->in_len;
    } else if (s->in_len >= 4 && memcmp(s->in, zstd_magic, 4) == 0) {
        s->codec = TT_STREAM_ZSTD;
        s->zstd = ZSTD_createDCtx();
        if (s->zstd == NULL) {
            tt_format_message(err, errlen, "%s: cannot start zstd decoder", name);
            goto fail;
        }
        /* The default window bound (2^27, what plain `zstd --long` uses)
         * also bounds what a hostile frame header can make us allocate. */
    } else {
        s->codec = TT_STREAM_PLAIN;
    }

    cookie_io_functions_t functions = {
        .read = cookie_read,
        .write = NULL,
        .seek = cookie_seek,
        .close = cookie_close,
    };
    s->file = fopencookie(s, "rb", functions);
    if (s->file == NULL) {
        tt_format_message(err, errlen, "%s: cannot create stream: %s", name, strerror(errno));
        goto fail;
    }
    /* glibc ignores the size when given no buffer, so pass our own. */
    if (setvbuf(s->file, s->stdio_buffer, _IOFBF, STREAM_STDIO_BUFFER) != 0) {
        tt_format_message(err, errlen, "%s: cannot set stream buffer", name);
        goto fail;
    }
    *out = s;
    return TT_OK;

fail:
    tt_stream_free(s);
    return status;
}

tt_status tt_stream_open_fd(int fd, bool close_fd, const char *name, tt_stream **out,
                            char *err, size_t errlen)
{
    *out = NULL;
    tt_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        tt_format_message(err, errlen, "%s: out of memory", name);
        if (close_fd)
            close(fd);
        return TT_ERR_NOMEM;
    }
    s->fd = fd;
    s->close_fd = close_fd;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return stream_start(s, name, out, err, errlen);
}

tt_status tt_stream_open_file(FILE *raw, const char *name, tt_stream **out, char *err,
                              size_t errlen)
{
    *out = NULL;
    tt_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        tt_format_message(err, errlen, "%s: out of memory", name);
        fclose(raw);
        return TT_ERR_NOMEM;
    }
    s->fd = -1;
    s->raw = raw;
    return stream_start(s, name, out, err, errlen);
}

FILE *tt_stream_file(const tt_stream *s)
{
    return s->file;
}

FILE *tt_stream_take_file(tt_stream *s)
{
    s->file_taken = true;
    return s->file;
}

tt_stream_codec tt_stream_get_codec(const tt_stream *s)
{
    return s->codec;
}

const char *tt_stream_codec_name(tt_stream_codec codec)
{
    switch (codec) {
    case TT_STREAM_PLAIN: return NULL;
    case TT_STREAM_GZIP: return "gzip";
    case TT_STREAM_ZSTD: return "zstd";
    }
    return NULL;
}

size_t tt_stream_first_bytes(const tt_stream *s, uint8_t first[4])
{
    size_t n = s->delivered < 4 ? (size_t)s->delivered : 4;
    memcpy(first, s->first, n);
    return n;
}

tt_status tt_stream_error(const tt_stream *s, const char **message)
{
    if (message != NULL)
        *message = s->error_message;
    return s->error;
}

uint64_t tt_stream_offset(const tt_stream *s)
{
    return s->delivered;
}

uint64_t tt_stream_raw_offset(const tt_stream *s)
{
    return s->raw_total;
}

void tt_stream_stop_hashing(tt_stream *s) { s->unhashed = true; }

void tt_stream_hash(const tt_stream *s, uint8_t hash[16])
{
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(s->hash));
    memcpy(hash, canonical.digest, 16);
}

tt_status tt_stream_drain(tt_stream *s, char *err, size_t errlen)
{
    s->stopped = true;
    s->in_pos = s->in_len = 0;
    while (!s->raw_eof) {
        /* An earlier decoding failure does not stop the hashing; only a
         * read error does. */
        uint64_t at = s->raw_total;
        if (raw_read(s, s->in, STREAM_INPUT_BUFFER) < 0) {
            tt_format_message(err, errlen, "read error at raw byte offset %llu: %s",
                        (unsigned long long)at, strerror(errno));
            return TT_ERR_IO;
        }
    }
    return TT_OK;
}

void tt_stream_free(tt_stream *s)
{
    if (s == NULL)
        return;
    if (s->file != NULL && !s->file_taken)
        fclose(s->file);
    free(s->stdio_buffer);
    if (s->zlib_ready)
        inflateEnd(&s->zlib);
    ZSTD_freeDCtx(s->zstd);
    XXH3_freeState(s->hash);
    free(s->in);
    if (s->raw != NULL)
        fclose(s->raw);
    if (s->close_fd && s->fd >= 0)
        close(s->fd);
    free(s);
}
