/* Capture sources: pcap and pcapng files read through libpcap, from a path,
 * standard input or a stdio stream, plain or compressed (stream.c does the
 * decompression). This file turns libpcap's results into teiten statuses
 * and messages that say where a damaged file stops being readable.
 *
 * tt_capture_next is the per-packet hot path: one pcap_next_ex, a few range
 * checks and one offset update; everything unusual goes to a slow path. */
#include "capture/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <xxhash.h>

#include "capture/stream.h"
#include "util/log.h"
#include "util/limits.h"

#define PCAPNG_MAGIC 0x0a0d0d0aU
/* Chunk read by tt_capture_file_identity. */
#define IDENTITY_CHUNK ((size_t)4 << 20)

/* Classic pcap read in place (see direct_next). */
#define PCAP_MAGIC_MICRO 0xa1b2c3d4U /* in our byte order */
#define PCAP_MAGIC_NANO 0xa1b23c4dU
#define PCAP_RECORD_HEADER 16
#define PCAP_MAX_SNAPLEN 262144 /* libpcap's MAXIMUM_SNAPLEN, its limit for every link type we decode */
/* Bytes asked per refill: glibc passes a request of at least its buffer
 * (the stream's 1 MB, STREAM_STDIO_BUFFER) straight to the stream once that
 * buffer is empty, so plain input is read() into ours with no stdio copy. */
#define DIRECT_READ ((size_t)1 << 20)
/* Room before the read area for the unread start of a record, so every
 * read() lands on a page boundary (see tt_stream_read_buffer). */
#define DIRECT_MARGIN ((size_t)(PCAP_RECORD_HEADER + PCAP_MAX_SNAPLEN + 4095) / 4096 * 4096)

_Static_assert(PCAP_MAX_SNAPLEN <= TT_LIMIT_FRAME, "a frame read in place never exceeds the limit");

/* Reading classic pcap records in place from large reads: libpcap's
 * pcap_next_ex costs two freads and a copy per frame, a fifth of an ingest's
 * reading. Used only for files whose records libpcap reads verbatim (see
 * direct_eligible); libpcap still reads and checks the file header. */
typedef struct direct_reader {
    uint8_t *buffer; /* DIRECT_MARGIN + DIRECT_READ bytes */
    const uint8_t *pos, *end; /* bytes read but not yet taken */
    bool eof;        /* a read came back short: no more input */
    bool nanosecond;
    size_t first_read; /* bytes stdio buffered beyond the header: the first read takes only these */
    uint32_t snapshot; /* pcap_snapshot: the file's snaplen, up to INT_MAX (0 reads as the maximum) */
} direct_reader;

struct tt_capture {
    pcap_t *pcap;
    FILE *file; /* the stream libpcap reads; pcap_close fcloses it */
    tt_stream *stream;
    int linktype;
    bool classic;    /* classic pcap: 32-bit seconds that libpcap sign-extends */
    uint32_t magic;  /* the first 4 bytes, in our byte order */
    uint64_t offset; /* uncompressed offset after the last good frame */
    uint64_t frames;
    tt_status end;   /* TT_OK while reading; then the sticky final status */
    bool direct_ok;  /* records may be read in place (until the first frame) */
    direct_reader *direct;
    char *name;
    char format[24];
    char end_message[512];
};


/* Offset in the uncompressed stream: bytes the stream handed to stdio minus
 * what stdio still buffers. ftell() computes the same (through the cookie's
 * seek function) but costs a lock and four calls per frame, a tenth of the
 * whole per-packet budget; glibc's FILE read pointers are public fields.
 * libpcap never uses ungetc, so there is no pushback area to account for. */
static inline uint64_t stream_position(const tt_capture *cap)
{
#ifdef __GLIBC__
    return tt_stream_offset(cap->stream) -
           (uint64_t)(cap->file->_IO_read_end - cap->file->_IO_read_ptr);
#else
    off_t position = ftello(cap->file);
    return position < 0 ? cap->offset : (uint64_t)position;
#endif
}

/* Why pcap_fopen_offline failed, in words naming the file. */
static tt_status open_failure(const tt_stream *stream, const char *name, const char *pcap_msg,
                              char *err, size_t errlen)
{
    const char *stream_msg;
    tt_status status = tt_stream_error(stream, &stream_msg);
    if (status != TT_OK) {
        tt_format_message(err, errlen, "%s: cannot read the capture header: %s", name, stream_msg);
        return status;
    }
    const char *codec = tt_stream_codec_name(tt_stream_get_codec(stream));
    char after[40] = "";
    if (codec != NULL)
        snprintf(after, sizeof after, " after %s decompression", codec);
    uint8_t first[4];
    size_t have = tt_stream_first_bytes(stream, first);
    if (have == 0) {
        tt_format_message(err, errlen, "%s: empty input%s, no capture file header", name, after);
        return TT_ERR_TRUNCATED;
    }
    static const uint8_t pcapng_magic[4] = {0x0a, 0x0d, 0x0d, 0x0a};
    if (strstr(pcap_msg, "unknown file format") != NULL && have == 4 &&
        memcmp(first, pcapng_magic, 4) == 0) {
        /* libpcap says "unknown" when the SHB's first 12 bytes are short or
         * lack the byte-order magic: name the real problem. */
        if (tt_stream_offset(stream) < 12) {
            tt_format_message(err, errlen, "%s: truncated pcapng section header block%s (%llu bytes)",
                        name, after, (unsigned long long)tt_stream_offset(stream));
            return TT_ERR_TRUNCATED;
        }
        tt_format_message(err, errlen, "%s: pcapng section header block without byte-order magic%s",
                    name, after);
        return TT_ERR_FORMAT;
    }
    if (strstr(pcap_msg, "unknown file format") != NULL) {
        tt_format_message(err, errlen,
                    "%s: not a pcap or pcapng file (first bytes %02x %02x %02x %02x%s)", name,
                    first[0], first[1], first[2], first[3], after);
        return TT_ERR_FORMAT;
    }
    if (strstr(pcap_msg, "truncated") != NULL) {
        tt_format_message(err, errlen, "%s: truncated capture file header%s: %s", name, after,
                    pcap_msg);
        return TT_ERR_TRUNCATED;
    }
    if (strstr(pcap_msg, "out of memory") != NULL) {
        tt_format_message(err, errlen, "%s: %s", name, pcap_msg);
        return TT_ERR_NOMEM;
    }
    tt_format_message(err, errlen, "%s: bad capture file header%s: %s", name, after, pcap_msg);
    return TT_ERR_FORMAT;
}

/* Whether libpcap would hand out this file's records exactly as written: a
 * pcap 2.4 file in our byte order with the standard record header (not the
 * Kuznetzov or Navtel variants), and a link type whose size limit is
 * PCAP_MAX_SNAPLEN. Anything else keeps going through pcap_next_ex. */
static bool direct_eligible(pcap_t *pcap, uint32_t magic)
{
    if (magic != PCAP_MAGIC_MICRO && magic != PCAP_MAGIC_NANO)
        return false;
    if (pcap_is_swapped(pcap) || pcap_major_version(pcap) != 2 || pcap_minor_version(pcap) != 4)
        return false;
    switch (pcap_datalink(pcap)) {
    case DLT_DBUS:
    case DLT_EBHSCR:
    case DLT_USBPCAP:
        return false; /* libpcap allows larger frames there */
    case DLT_USB_LINUX:
    case DLT_USB_LINUX_MMAPPED:
        return false; /* libpcap rewrites lengths of some records (pcap_post_process) */
    default:
        return true;
    }
}

/* Takes ownership of stream whatever happens. */
static tt_status capture_start(tt_stream *stream, const char *name, tt_capture **out,
                               char *err, size_t errlen)
{
    tt_status status = TT_ERR_NOMEM;
    tt_capture *cap = calloc(1, sizeof *cap);
    if (cap == NULL || (cap->name = strdup(name)) == NULL) {
        tt_format_message(err, errlen, "%s: out of memory", name);
        goto fail;
    }
    cap->stream = stream;
    cap->end = TT_OK;

    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    cap->pcap = pcap_fopen_offline_with_tstamp_precision(
        tt_stream_file(stream), PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
    if (cap->pcap == NULL) {
        status = open_failure(stream, name, pcap_err, err, errlen);
        goto fail;
    }
    /* From here pcap_close closes the FILE*; the stream must outlive it. */
    cap->file = tt_stream_take_file(stream);
    cap->linktype = pcap_datalink(cap->pcap);

    uint8_t first[4];
    uint32_t magic = 0;
    if (tt_stream_first_bytes(stream, first) == 4)
        memcpy(&magic, first, 4); /* 0x0a0d0d0a is the same in both byte orders */
    cap->classic = magic != PCAPNG_MAGIC;
    cap->magic = magic;
    /* Compressed input keeps libpcap's reader: a decompression error found
     * while reading ahead would take the place of what the records say. */
    cap->direct_ok = tt_stream_get_codec(stream) == TT_STREAM_PLAIN && direct_eligible(cap->pcap, magic);
    const char *codec = tt_stream_codec_name(tt_stream_get_codec(stream));
    snprintf(cap->format, sizeof cap->format, "%s%s%s%s", cap->classic ? "pcap" : "pcapng",
             codec != NULL ? " (" : "", codec != NULL ? codec : "", codec != NULL ? ")" : "");
    cap->offset = stream_position(cap);
    *out = cap;
    return TT_OK;

fail:
    if (cap != NULL)
        free(cap->name);
    free(cap);
    tt_stream_free(stream);
    return status;
}

tt_status tt_capture_open(const char *path, tt_capture **out, char *err, size_t errlen)
{
    *out = NULL;
    tt_stream *stream;
    tt_status status;
    if (strcmp(path, "-") == 0) {
        const char *name = "(stdin)";
        status = tt_stream_open_fd(STDIN_FILENO, false, name, &stream, err, errlen);
        if (status != TT_OK)
            return status;
        return capture_start(stream, name, out, err, errlen);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tt_format_message(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TT_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        tt_format_message(err, errlen, "%s: is a directory, not a capture file", path);
        close(fd);
        return TT_ERR_IO;
    }
    status = tt_stream_open_fd(fd, true, path, &stream, err, errlen);
    if (status != TT_OK)
        return status;
    return capture_start(stream, path, out, err, errlen);
}

tt_status tt_capture_open_stream(FILE *raw, const char *name, tt_capture **out, char *err,
                                 size_t errlen)
{
    *out = NULL;
    tt_stream *stream;
    tt_status status = tt_stream_open_file(raw, name, &stream, err, errlen);
    if (status != TT_OK)
        return status;
    return capture_start(stream, name, out, err, errlen);
}

int tt_capture_linktype(const tt_capture *cap)
{
    return cap->linktype;
}

/* Ends reading with `status`; the message names the file and where the
 * damage starts (the end of the last good frame). */
static tt_status capture_stop(tt_capture *cap, tt_status status, const char *detail)
{
    cap->end = status;
    if (status == TT_ERR_NOTFOUND) {
        cap->end_message[0] = '\0';
        return status;
    }
    const char *what = "damaged";
    switch (status) {
    case TT_ERR_TRUNCATED: what = "truncated"; break;
    case TT_ERR_IO: what = "read error"; break;
    case TT_ERR_NOMEM: what = "out of memory"; break;
    case TT_ERR_UNSUPPORTED: what = "unsupported data"; break;
    default: break;
    }
    snprintf(cap->end_message, sizeof cap->end_message,
             "%s: %s at byte offset %llu after %llu packet%s: %s", cap->name, what,
             (unsigned long long)cap->offset, (unsigned long long)cap->frames, cap->frames == 1 ? "" : "s",
             detail);
    return status;
}

/* Hands out a frame; keeps 0 <= usec < 1e6 whatever a damaged record says. */
static inline void set_frame(tt_frame *frame, const uint8_t *data, uint32_t caplen, uint32_t wirelen, int64_t sec,
                             int64_t usec)
{
    if (usec < 0 || usec >= 1000000) {
        int64_t carry = usec / 1000000 - (usec % 1000000 < 0);
        sec += carry;
        usec -= carry * 1000000;
    }
    frame->data = data;
    frame->caplen = caplen;
    frame->wirelen = wirelen;
    frame->ts_sec = sec;
    frame->ts_usec = (uint32_t)usec;
}

/* Everything tt_capture_next does not expect on the fast path. */
static tt_status next_slow(tt_capture *cap, int rc, const struct pcap_pkthdr *header,
                           const u_char *data, tt_frame *frame)
{
    if (rc == 1) {
        if (header->caplen > TT_LIMIT_FRAME) {
            char detail[96];
            snprintf(detail, sizeof detail, "frame of %u captured bytes exceeds the limit of %u",
                     header->caplen, (unsigned)TT_LIMIT_FRAME);
            return capture_stop(cap, TT_ERR_FORMAT, detail);
        }
        int64_t sec = header->ts.tv_sec;
        /* Classic pcap seconds are unsigned 32-bit (good until 2106). */
        if (cap->classic && sec < 0)
            sec = (int64_t)(uint32_t)sec;
        set_frame(frame, data, header->caplen, header->len, sec, header->ts.tv_usec);
        cap->frames++;
        cap->offset = stream_position(cap);
        return TT_OK;
    }

    /* A stream failure explains whatever libpcap made of it. */
    const char *stream_msg;
    tt_status stream_status = tt_stream_error(cap->stream, &stream_msg);
    if (stream_status != TT_OK)
        return capture_stop(cap, stream_status, stream_msg);
    if (rc == PCAP_ERROR_BREAK)
        return capture_stop(cap, TT_ERR_NOTFOUND, "");
    if (rc != PCAP_ERROR) {
        char detail[64];
        snprintf(detail, sizeof detail, "unexpected pcap_next_ex result %d", rc);
        return capture_stop(cap, TT_ERR_FORMAT, detail);
    }
    const char *pcap_msg = pcap_geterr(cap->pcap);
    tt_status status = TT_ERR_FORMAT;
    if (strstr(pcap_msg, "truncated") != NULL)
        status = TT_ERR_TRUNCATED;
    else if (strstr(pcap_msg, "error reading dump file") != NULL)
        status = TT_ERR_IO;
    else if (strstr(pcap_msg, "out of memory") != NULL)
        status = TT_ERR_NOMEM;
    return capture_stop(cap, status, pcap_msg);
}

/* Sets up reading in place; false (libpcap reads on) if memory is short. */
static bool direct_start(tt_capture *cap)
{
    direct_reader *d = calloc(1, sizeof *d);
    if (d == NULL || (d->buffer = tt_stream_read_buffer(DIRECT_MARGIN + DIRECT_READ)) == NULL) {
        free(d);
        return false;
    }
    d->pos = d->end = d->buffer + DIRECT_MARGIN;
    /* What stdio still holds from libpcap's header read is taken first, on
     * its own: from then on every read asks for whole stdio buffers, which
     * glibc passes straight to the stream. */
#ifdef __GLIBC__
    d->first_read = (size_t)(cap->file->_IO_read_end - cap->file->_IO_read_ptr);
#endif
    d->nanosecond = cap->magic == PCAP_MAGIC_NANO;
    d->snapshot = (uint32_t)pcap_snapshot(cap->pcap);
    cap->direct = d;
    return true;
}

static void direct_free(direct_reader *d)
{
    if (d != NULL)
        free(d->buffer);
    free(d);
}

/* Moves the unread bytes (the start of a record, shorter than the margin)
 * just before the read area and reads on behind them. */
static void direct_refill(tt_capture *cap)
{
    direct_reader *d = cap->direct;
    size_t left = (size_t)(d->end - d->pos);
    uint8_t *area = d->buffer + DIRECT_MARGIN;
    memmove(area - left, d->pos, left);
    d->pos = area - left;
    size_t want = d->first_read ? d->first_read : DIRECT_READ;
    d->first_read = 0;
    size_t got = d->eof ? 0 : fread(area, 1, want, cap->file);
    if (got < want)
        d->eof = true;
    d->end = area + got;
}

/* Ends reading in place as next_slow ends libpcap's: a stream failure met
 * while reading ahead explains whatever the records look like. */
static tt_status direct_stop(tt_capture *cap, tt_status status, const char *detail)
{
    const char *stream_msg;
    tt_status stream_status = tt_stream_error(cap->stream, &stream_msg);
    if (stream_status != TT_OK)
        return capture_stop(cap, stream_status, stream_msg);
    return capture_stop(cap, status, detail);
}

/* The input ended inside a record (or cleanly, before one): the end says
 * what libpcap's reader would have said at this point. */
static tt_status direct_short(tt_capture *cap, size_t have, uint32_t wanted, size_t got)
{
    char detail[128];
    tt_status status = TT_ERR_TRUNCATED;
    if (ferror(cap->file)) {
        status = TT_ERR_IO;
        snprintf(detail, sizeof detail, "error reading dump file");
    } else if (have == 0) {
        status = TT_ERR_NOTFOUND;
        detail[0] = '\0';
    } else if (have < PCAP_RECORD_HEADER) {
        snprintf(detail, sizeof detail, "truncated dump file; tried to read %d header bytes, only got %zu",
                 PCAP_RECORD_HEADER, have);
    } else {
        snprintf(detail, sizeof detail, "truncated dump file; tried to read %u captured bytes, only got %zu",
                 wanted, got);
    }
    return direct_stop(cap, status, detail);
}

/* tt_capture_next for a classic pcap file read in place: the checks and
 * results of libpcap's record reader (sf-pcap.c), without its calls. */
static tt_status direct_next(tt_capture *cap, tt_frame *frame)
{
    direct_reader *d = cap->direct;
    if ((size_t)(d->end - d->pos) < PCAP_RECORD_HEADER) {
        direct_refill(cap);
        size_t have = (size_t)(d->end - d->pos);
        if (have < PCAP_RECORD_HEADER)
            return direct_short(cap, have, 0, 0);
    }
    uint32_t header[4]; /* seconds, fraction, captured length, length on the wire */
    memcpy(header, d->pos, sizeof header);
    uint32_t caplen = header[2];
    if (caplen > PCAP_MAX_SNAPLEN) {
        char detail[96];
        if (caplen > d->snapshot)
            snprintf(detail, sizeof detail, "invalid packet capture length %u, bigger than snaplen of %u",
                     caplen, d->snapshot);
        else
            snprintf(detail, sizeof detail, "invalid packet capture length %u, bigger than maximum of %u",
                     caplen, (unsigned)PCAP_MAX_SNAPLEN);
        return direct_stop(cap, TT_ERR_FORMAT, detail);
    }
    size_t record = PCAP_RECORD_HEADER + (size_t)caplen;
    if ((size_t)(d->end - d->pos) < record) {
        direct_refill(cap);
        size_t got = (size_t)(d->end - d->pos) - PCAP_RECORD_HEADER;
        if (got < caplen) {
            /* A frame longer than the file's snapshot is cut to it: libpcap
             * first reads the snapshot, then the rest. */
            if (caplen > d->snapshot && got < d->snapshot)
                return direct_short(cap, PCAP_RECORD_HEADER, d->snapshot, got);
            return direct_short(cap, PCAP_RECORD_HEADER, caplen, got);
        }
    }
    int64_t usec = (int32_t)header[1];
    if (d->nanosecond)
        usec /= 1000;
    /* Seconds: unsigned 32-bit, good until 2106. */
    set_frame(frame, d->pos + PCAP_RECORD_HEADER, caplen > d->snapshot ? d->snapshot : caplen, header[3], header[0],
              usec);
    d->pos += record;
    cap->frames++;
    cap->offset += record;
    return TT_OK;
}

tt_status tt_capture_next(tt_capture *cap, tt_frame *frame, char *err, size_t errlen)
{
    tt_status status;
    if (cap->direct_ok) {
        cap->direct_ok = false;
        (void)direct_start(cap);
    }
    if (cap->end == TT_OK && cap->direct != NULL) {
        status = direct_next(cap, frame);
        if (status == TT_OK)
            return TT_OK;
    } else if (cap->end == TT_OK) {
        struct pcap_pkthdr *header = NULL;
        const u_char *data = NULL;
        int rc = pcap_next_ex(cap->pcap, &header, &data);
        if (rc == 1 && header->caplen <= TT_LIMIT_FRAME && header->ts.tv_sec >= 0 &&
            (uint64_t)header->ts.tv_usec < 1000000) {
            frame->data = data;
            frame->caplen = header->caplen;
            frame->wirelen = header->len;
            frame->ts_sec = header->ts.tv_sec;
            frame->ts_usec = (uint32_t)header->ts.tv_usec;
            cap->frames++;
            cap->offset = stream_position(cap);
            return TT_OK;
        }
        status = next_slow(cap, rc, header, data, frame);
        if (status == TT_OK)
            return TT_OK;
    } else {
        status = cap->end;
    }
    if (status == TT_ERR_NOTFOUND) {
        if (err != NULL && errlen > 0)
            err[0] = '\0';
    } else {
        tt_format_message(err, errlen, "%s", cap->end_message);
    }
    return status;
}

uint64_t tt_capture_offset(const tt_capture *cap)
{
    return cap->offset;
}

uint64_t tt_capture_frames(const tt_capture *cap)
{
    return cap->frames;
}

const char *tt_capture_format(const tt_capture *cap)
{
    return cap->format;
}

uint64_t tt_capture_raw_bytes(const tt_capture *cap)
{
    return tt_stream_raw_offset(cap->stream);
}

void tt_capture_get_stream_hash(const tt_capture *cap, uint8_t hash[16])
{
    tt_stream_hash(cap->stream, hash);
}

void tt_capture_stop_hashing(tt_capture *cap) { tt_stream_stop_hashing(cap->stream); }

void tt_capture_use_libpcap(tt_capture *cap) { cap->direct_ok = false; }

bool tt_capture_reads_in_place(const tt_capture *cap) { return cap->direct_ok || cap->direct != NULL; }

tt_status tt_capture_drain(tt_capture *cap, char *err, size_t errlen)
{
    char detail[256];
    tt_status status = tt_stream_drain(cap->stream, detail, sizeof detail);
    if (status != TT_OK) {
        tt_format_message(err, errlen, "%s: %s", cap->name, detail);
        return status;
    }
    if (cap->end == TT_OK)
        cap->end = TT_ERR_NOTFOUND;
    return TT_OK;
}

tt_status tt_capture_file_identity(const char *path, uint8_t hash[16], uint64_t *size,
                                   char *err, size_t errlen)
{
    tt_status status = TT_ERR_IO;
    uint8_t *chunk = NULL;
    XXH3_state_t *state = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tt_format_message(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TT_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        tt_format_message(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto cleanup;
    }
    if (S_ISDIR(st.st_mode)) {
        tt_format_message(err, errlen, "%s: is a directory, not a capture file", path);
        goto cleanup;
    }
    if (S_ISREG(st.st_mode))
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    chunk = tt_stream_read_buffer(IDENTITY_CHUNK);
    state = XXH3_createState();
    if (chunk == NULL || state == NULL) {
        tt_format_message(err, errlen, "%s: out of memory", path);
        status = TT_ERR_NOMEM;
        goto cleanup;
    }
    (void)XXH3_128bits_reset(state);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, IDENTITY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            tt_format_message(err, errlen, "%s: read error at byte offset %llu: %s", path,
                        (unsigned long long)total, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        (void)XXH3_128bits_update(state, chunk, (size_t)n);
        total += (uint64_t)n;
    }
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state));
    memcpy(hash, canonical.digest, 16);
    *size = total;
    status = TT_OK;

cleanup:
    XXH3_freeState(state);
    free(chunk);
    close(fd);
    return status;
}

void tt_capture_close(tt_capture *cap)
{
    if (cap == NULL)
        return;
    if (cap->pcap != NULL)
        pcap_close(cap->pcap); /* also fcloses cap->file */
    direct_free(cap->direct);
    tt_stream_free(cap->stream);
    free(cap->name);
    free(cap);
}
