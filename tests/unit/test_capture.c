/* Unit tests for the capture source: hand-built pcap and pcapng files (both
 * byte orders, micro- and nanosecond), their gzip and zstd versions, every
 * truncation point, corrupt compressed streams, standard input, file
 * identity hashes, the committed malformed corpus (tests/malformed), and
 * classic pcap read in place against libpcap's reader. */
#include "capture/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/dlt.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "util/limits.h"
#include "util/parse.h"

/* ---- building capture bytes ------------------------------------------ */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
    bool big_endian;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *bigger = realloc(b->data, cap);
        if (bigger == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(EXIT_FAILURE);
        }
        b->data = bigger;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_uint(bytes *b, uint64_t v, unsigned size)
{
    uint8_t out[8];
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = b->big_endian ? 8 * (size - 1 - i) : 8 * i;
        out[i] = (uint8_t)(v >> shift);
    }
    put(b, out, size);
}
static void put_u16(bytes *b, uint16_t v) { put_uint(b, v, 2); }
static void put_u32(bytes *b, uint32_t v) { put_uint(b, v, 4); }

static void put_zeros(bytes *b, size_t n)
{
    static const uint8_t zeros[64];
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        put(b, zeros, k);
        n -= k;
    }
}

static void bytes_free(bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

typedef struct sample {
    uint32_t sec, usec, caplen, wirelen;
} sample;

/* Includes an empty frame, a snapped frame and seconds beyond 2^31. */
static const sample samples[] = {
    {1700000000, 0, 60, 60},
    {1700000001, 999999, 1, 1514},
    {1700000001, 123456, 0, 0},
    {4000000000u, 500000, 74, 74},
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static uint8_t sample_byte(size_t frame, size_t i)
{
    return (uint8_t)(frame * 37 + i * 7 + 1);
}

static void put_sample_data(bytes *b, size_t k)
{
    for (size_t i = 0; i < samples[k].caplen; i++) {
        uint8_t v = sample_byte(k, i);
        put(b, &v, 1);
    }
}

/* The 24-byte classic pcap file header, version 2.4. */
static void put_pcap_header(bytes *b, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
    put_u32(b, magic);
    put_u16(b, 2);
    put_u16(b, 4);
    put_u32(b, 0); /* thiszone */
    put_u32(b, 0); /* sigfigs */
    put_u32(b, snaplen);
    put_u32(b, linktype);
}

/* Classic pcap; ends[k] receives the offset after record k. */
static void build_pcap(bytes *b, bool big_endian, bool nano, uint32_t linktype, uint64_t *ends)
{
    b->big_endian = big_endian;
    put_pcap_header(b, nano ? 0xa1b23c4d : 0xa1b2c3d4, 65535, linktype);
    for (size_t k = 0; k < NSAMPLES; k++) {
        put_u32(b, samples[k].sec);
        /* 789 extra nanoseconds check that libpcap truncates. */
        put_u32(b, nano ? samples[k].usec * 1000 + 789 : samples[k].usec);
        put_u32(b, samples[k].caplen);
        put_u32(b, samples[k].wirelen);
        put_sample_data(b, k);
        if (ends != NULL)
            ends[k] = b->len;
    }
}

static void put_block_end(bytes *b, size_t start)
{
    size_t total = b->len - start + 4;
    uint32_t v = (uint32_t)total;
    /* patch the length in the header */
    bytes tmp = {0};
    tmp.big_endian = b->big_endian;
    put_u32(&tmp, v);
    memcpy(b->data + start + 4, tmp.data, 4);
    bytes_free(&tmp);
    put_u32(b, v);
}

/* pcapng: SHB, IDB (time stamps in 10^-tsresol s), then one EPB per sample
 * with an unknown block after the second. ends[k] after EPB k; *header_end
 * after the IDB. */
static void build_pcapng(bytes *b, bool big_endian, unsigned tsresol, uint32_t linktype,
                         uint64_t *ends, uint64_t *header_end)
{
    b->big_endian = big_endian;
    size_t start = b->len;
    put_u32(b, 0x0a0d0d0a);
    put_u32(b, 0);
    put_u32(b, 0x1a2b3c4d);
    put_u16(b, 1);
    put_u16(b, 0);
    put_uint(b, UINT64_MAX, 8);
    put_block_end(b, start);

    start = b->len;
    put_u32(b, 1);
    put_u32(b, 0);
    put_u16(b, (uint16_t)linktype);
    put_u16(b, 0);
    put_u32(b, 0);
    if (tsresol != 6) {
        put_u16(b, 9); /* if_tsresol */
        put_u16(b, 1);
        uint8_t r = (uint8_t)tsresol;
        put(b, &r, 1);
        put_zeros(b, 3);
        put_u16(b, 0); /* opt_endofopt */
        put_u16(b, 0);
    }
    put_block_end(b, start);
    if (header_end != NULL)
        *header_end = b->len;

    uint64_t scale = 1;
    for (unsigned i = 6; i < tsresol; i++)
        scale *= 10;
    for (size_t k = 0; k < NSAMPLES; k++) {
        start = b->len;
        put_u32(b, 6);
        put_u32(b, 0);
        put_u32(b, 0);
        uint64_t t = ((uint64_t)samples[k].sec * 1000000 + samples[k].usec) * scale +
                     (scale > 1 ? 789 : 0);
        put_u32(b, (uint32_t)(t >> 32));
        put_u32(b, (uint32_t)t);
        put_u32(b, samples[k].caplen);
        put_u32(b, samples[k].wirelen);
        put_sample_data(b, k);
        put_zeros(b, (4 - samples[k].caplen % 4) % 4);
        put_block_end(b, start);
        if (ends != NULL)
            ends[k] = b->len;
        if (k == 1) {
            /* A block type libpcap does not know: skipped, not a frame. */
            start = b->len;
            put_u32(b, 0x40000bad);
            put_u32(b, 0);
            put_u32(b, 0xdeadbeef);
            put_block_end(b, start);
        }
    }
}

static void gzip_bytes(const bytes *in, bytes *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK_EQ_INT(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound(&z, (uLong)in->len) + 32;
    uint8_t *buf = malloc(bound);
    z.next_in = in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    CHECK_EQ_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    put(out, buf, bound - z.avail_out);
    deflateEnd(&z);
    free(buf);
}

static void zstd_bytes(const bytes *in, bytes *out)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19)));
    CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
    size_t bound = ZSTD_compressBound(in->len);
    uint8_t *buf = malloc(bound);
    size_t n = ZSTD_compress2(cctx, buf, bound, in->data, in->len);
    CHECK(!ZSTD_isError(n));
    if (!ZSTD_isError(n))
        put(out, buf, n);
    free(buf);
    ZSTD_freeCCtx(cctx);
}

/* ---- files ------------------------------------------------------------ */

static char temp_dir[64];
static char temp_paths[64][128];
static size_t temp_count;

static const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", temp_dir, name);
    bool known = false;
    for (size_t i = 0; i < temp_count; i++)
        known |= strcmp(temp_paths[i], path) == 0;
    if (!known && temp_count < 64)
        snprintf(temp_paths[temp_count++], sizeof temp_paths[0], "%s", path);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        exit(EXIT_FAILURE);
    }
    return path;
}

static void remove_temp_files(void)
{
    for (size_t i = 0; i < temp_count; i++)
        unlink(temp_paths[i]);
    rmdir(temp_dir);
}

/* ---- reading back ----------------------------------------------------- */

typedef struct outcome {
    tt_status open_status;
    tt_status end_status;
    size_t frames;
    bool frames_ok; /* every frame read matched samples[] */
    uint64_t offsets[NSAMPLES + 1];
    uint64_t end_offset;
    int linktype;
    char format[32];
    char err[512];
    uint8_t stream_hash[16];
    uint64_t raw_bytes;
} outcome;

/* Damaged-data tests expect mismatching frames: do not print them. */
static bool quiet_mismatch;

/* Reads everything, comparing frame k with samples[k]; path "-" reads
 * standard input. */
static void read_capture(const char *path, outcome *o)
{
    memset(o, 0, sizeof *o);
    o->frames_ok = true;
    tt_capture *cap = NULL;
    o->open_status = tt_capture_open(path, &cap, o->err, sizeof o->err);
    if (o->open_status != TT_OK) {
        CHECK(cap == NULL);
        return;
    }
    o->linktype = tt_capture_linktype(cap);
    snprintf(o->format, sizeof o->format, "%s", tt_capture_format(cap));
    o->offsets[0] = tt_capture_offset(cap);
    tt_frame frame;
    tt_status status;
    while ((status = tt_capture_next(cap, &frame, o->err, sizeof o->err)) == TT_OK) {
        size_t k = o->frames++;
        if (k >= NSAMPLES) {
            o->frames_ok = false;
            continue;
        }
        const sample *s = &samples[k];
        bool ok = frame.ts_sec == (int64_t)s->sec && frame.ts_usec == s->usec &&
                  frame.caplen == s->caplen && frame.wirelen == s->wirelen;
        for (size_t i = 0; ok && i < frame.caplen; i++)
            ok = frame.data[i] == sample_byte(k, i);
        if (!ok && !quiet_mismatch) {
            fprintf(stderr, "%s: frame %zu differs: ts %lld.%06u caplen %u wirelen %u\n", path,
                    k, (long long)frame.ts_sec, frame.ts_usec, frame.caplen, frame.wirelen);
            o->frames_ok = false;
        }
        o->offsets[k + 1] = tt_capture_offset(cap);
        CHECK_EQ_INT(tt_capture_frames(cap), k + 1);
    }
    o->end_status = status;
    o->end_offset = tt_capture_offset(cap);
    /* The end is sticky. */
    tt_status again = tt_capture_next(cap, &frame, NULL, 0);
    CHECK_EQ_INT(again, status);
    tt_capture_get_stream_hash(cap, o->stream_hash);
    o->raw_bytes = tt_capture_raw_bytes(cap);
    tt_capture_close(cap);
}

static void check_identity_equals_stream(const char *path, const outcome *o)
{
    uint8_t hash[16];
    uint64_t size = 0;
    char err[256];
    CHECK_EQ_INT(tt_capture_file_identity(path, hash, &size, err, sizeof err), TT_OK);
    CHECK(memcmp(hash, o->stream_hash, 16) == 0);
    CHECK_EQ_INT(size, o->raw_bytes);
}

/* Full read of a well-formed capture. */
static void check_complete(const char *path, int linktype, const char *format,
                           const uint64_t *ends)
{
    outcome o;
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_OK);
    CHECK_EQ_INT(o.end_status, TT_ERR_NOTFOUND);
    CHECK_EQ_INT(o.frames, NSAMPLES);
    CHECK(o.frames_ok);
    CHECK_EQ_INT(o.linktype, linktype);
    CHECK_EQ_STR(o.format, format);
    CHECK_EQ_STR(o.err, "");
    for (size_t k = 0; k < NSAMPLES; k++)
        CHECK_EQ_INT(o.offsets[k + 1], ends[k]);
    CHECK_EQ_INT(o.end_offset, ends[NSAMPLES - 1]);
    check_identity_equals_stream(path, &o);
}

/* ---- tests ------------------------------------------------------------ */

static void test_classic_pcap(void)
{
    for (int big = 0; big <= 1; big++) {
        for (int nano = 0; nano <= 1; nano++) {
            bytes b = {0};
            uint64_t ends[NSAMPLES];
            build_pcap(&b, big, nano, 1, ends);
            const char *path = write_file("classic.pcap", b.data, b.len);
            check_complete(path, 1, "pcap", ends);
            outcome o;
            read_capture(path, &o);
            CHECK_EQ_INT(o.offsets[0], 24);
            bytes_free(&b);
        }
    }
    /* Raw IP: LINKTYPE_RAW (101) in the file, DLT_RAW from libpcap. */
    bytes b = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&b, false, false, 101, ends);
    check_complete(write_file("raw.pcap", b.data, b.len), DLT_RAW, "pcap", ends);
    bytes_free(&b);
}

static void test_pcapng(void)
{
    for (int big = 0; big <= 1; big++) {
        for (unsigned tsresol = 6; tsresol <= 9; tsresol += 3) {
            bytes b = {0};
            uint64_t ends[NSAMPLES], header_end;
            build_pcapng(&b, big, tsresol, 1, ends, &header_end);
            const char *path = write_file("test.pcapng", b.data, b.len);
            check_complete(path, 1, "pcapng", ends);
            outcome o;
            read_capture(path, &o);
            CHECK_EQ_INT(o.offsets[0], header_end);
            bytes_free(&b);
        }
    }
}

static void test_compressed(void)
{
    bytes plain = {0}, gz = {0}, zst = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&plain, false, false, 1, ends);
    gzip_bytes(&plain, &gz);
    zstd_bytes(&plain, &zst);
    check_complete(write_file("c.pcap.gz", gz.data, gz.len), 1, "pcap (gzip)", ends);
    check_complete(write_file("c.pcap.zst", zst.data, zst.len), 1, "pcap (zstd)", ends);

    /* Concatenated gzip members and zstd frames are one stream. */
    bytes first = {0}, second = {0}, multi = {0};
    size_t cut = plain.len / 2;
    put(&first, plain.data, cut);
    put(&second, plain.data + cut, plain.len - cut);
    gzip_bytes(&first, &multi);
    gzip_bytes(&second, &multi);
    check_complete(write_file("m.pcap.gz", multi.data, multi.len), 1, "pcap (gzip)", ends);
    multi.len = 0;
    zstd_bytes(&first, &multi);
    zstd_bytes(&second, &multi);
    check_complete(write_file("m.pcap.zst", multi.data, multi.len), 1, "pcap (zstd)", ends);

    bytes ng = {0}, nggz = {0}, ngzst = {0};
    uint64_t ng_ends[NSAMPLES];
    build_pcapng(&ng, true, 9, 1, ng_ends, NULL);
    gzip_bytes(&ng, &nggz);
    zstd_bytes(&ng, &ngzst);
    check_complete(write_file("c.pcapng.gz", nggz.data, nggz.len), 1, "pcapng (gzip)", ng_ends);
    check_complete(write_file("c.pcapng.zst", ngzst.data, ngzst.len), 1, "pcapng (zstd)",
                   ng_ends);

    bytes_free(&plain);
    bytes_free(&gz);
    bytes_free(&zst);
    bytes_free(&first);
    bytes_free(&second);
    bytes_free(&multi);
    bytes_free(&ng);
    bytes_free(&nggz);
    bytes_free(&ngzst);
}

/* Frames whose record ends at or before `cut`. */
static size_t frames_before(const uint64_t *ends, uint64_t cut)
{
    size_t k = 0;
    while (k < NSAMPLES && ends[k] <= cut)
        k++;
    return k;
}

static bool err_names_offset(const char *err, uint64_t offset, size_t frames)
{
    char want[96];
    snprintf(want, sizeof want, "at byte offset %llu after %zu packet%s: ",
             (unsigned long long)offset, frames, frames == 1 ? "" : "s");
    return strstr(err, want) != NULL;
}

static void test_truncated_plain(void)
{
    bytes b = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&b, false, false, 1, ends);
    for (size_t cut = 0; cut < b.len; cut++) {
        const char *path = write_file("cut.pcap", b.data, cut);
        outcome o;
        read_capture(path, &o);
        if (cut < 24) {
            CHECK_EQ_INT(o.open_status, TT_ERR_TRUNCATED);
            CHECK(strstr(o.err, path) == o.err);
            if (cut == 0)
                CHECK(strstr(o.err, "empty input") != NULL);
            continue;
        }
        size_t k = frames_before(ends, cut);
        uint64_t boundary = k ? ends[k - 1] : 24;
        CHECK_EQ_INT(o.open_status, TT_OK);
        CHECK_EQ_INT(o.frames, k);
        CHECK(o.frames_ok);
        CHECK_EQ_INT(o.end_offset, boundary);
        if (cut == boundary) {
            CHECK_EQ_INT(o.end_status, TT_ERR_NOTFOUND);
        } else {
            CHECK_EQ_INT(o.end_status, TT_ERR_TRUNCATED);
            CHECK(strstr(o.err, path) == o.err);
            CHECK(strstr(o.err, ": truncated at byte offset") != NULL);
            CHECK(err_names_offset(o.err, boundary, k));
            CHECK(strstr(o.err, "truncated dump file") != NULL);
        }
        check_identity_equals_stream(path, &o);
    }
    bytes_free(&b);
}

static void test_truncated_pcapng(void)
{
    bytes b = {0};
    uint64_t ends[NSAMPLES], header_end;
    build_pcapng(&b, false, 6, 1, ends, &header_end);
    for (size_t cut = 0; cut < b.len; cut++) {
        const char *path = write_file("cut.pcapng", b.data, cut);
        outcome o;
        read_capture(path, &o);
        if (cut < header_end) {
            /* Only the SHB, complete: libpcap wants an IDB. */
            CHECK_EQ_INT(o.open_status, cut == 28 ? TT_ERR_FORMAT : TT_ERR_TRUNCATED);
            CHECK(strstr(o.err, path) == o.err);
            continue;
        }
        size_t k = frames_before(ends, cut);
        uint64_t boundary = k ? ends[k - 1] : header_end;
        CHECK_EQ_INT(o.open_status, TT_OK);
        CHECK_EQ_INT(o.frames, k);
        CHECK(o.frames_ok);
        CHECK_EQ_INT(o.end_offset, boundary);
        bool at_block_end = cut == boundary || (k == 2 && cut == ends[1] + 16);
        if (at_block_end) {
            CHECK_EQ_INT(o.end_status, TT_ERR_NOTFOUND);
        } else {
            CHECK_EQ_INT(o.end_status, TT_ERR_TRUNCATED);
            CHECK(err_names_offset(o.err, boundary, k));
            CHECK(strstr(o.err, "truncated pcapng dump file") != NULL);
        }
    }
    bytes_free(&b);
}

/* Every cut of a compressed file gives a prefix of the frames and then a
 * truncation error, never a clean end. */
static void check_compressed_cuts(const bytes *compressed, const uint64_t *ends,
                                  const char *name, const char *codec, size_t magic_len)
{
    for (size_t cut = magic_len; cut < compressed->len; cut++) {
        const char *path = write_file(name, compressed->data, cut);
        outcome o;
        read_capture(path, &o);
        CHECK(o.frames_ok);
        if (o.open_status != TT_OK) {
            CHECK_EQ_INT(o.open_status, TT_ERR_TRUNCATED);
            if (strstr(o.err, "stream ends early") == NULL)
                fprintf(stderr, "cut %zu: %s\n", cut, o.err);
            CHECK(strstr(o.err, "stream ends early") != NULL);
            continue;
        }
        CHECK_EQ_INT(o.end_status, TT_ERR_TRUNCATED);
        CHECK(strstr(o.err, codec) != NULL);
        CHECK(strstr(o.err, "stream ends early") != NULL);
        CHECK_EQ_INT(o.end_offset, o.frames ? ends[o.frames - 1] : 24);
        CHECK(err_names_offset(o.err, o.end_offset, o.frames));
        check_identity_equals_stream(path, &o);
    }
}

static void test_truncated_compressed(void)
{
    bytes plain = {0}, gz = {0}, zst = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&plain, false, false, 1, ends);
    gzip_bytes(&plain, &gz);
    zstd_bytes(&plain, &zst);
    check_compressed_cuts(&gz, ends, "cut.pcap.gz", "gzip", 2);
    check_compressed_cuts(&zst, ends, "cut.pcap.zst", "zstd", 4);
    bytes_free(&plain);
    bytes_free(&gz);
    bytes_free(&zst);
}

static void test_corrupt_compressed(void)
{
    bytes plain = {0}, gz = {0}, zst = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&plain, false, false, 1, ends);
    gzip_bytes(&plain, &gz);
    zstd_bytes(&plain, &zst);

    /* A bad check value: every frame decodes, then the error. */
    gz.data[gz.len - 8] ^= 0x01;
    outcome o;
    read_capture(write_file("crc.pcap.gz", gz.data, gz.len), &o);
    CHECK_EQ_INT(o.frames, NSAMPLES);
    CHECK_EQ_INT(o.end_status, TT_ERR_FORMAT);
    CHECK(strstr(o.err, "corrupt gzip data") != NULL);
    CHECK(err_names_offset(o.err, ends[NSAMPLES - 1], NSAMPLES));
    gz.data[gz.len - 8] ^= 0x01;

    zst.data[zst.len - 1] ^= 0x01;
    read_capture(write_file("crc.pcap.zst", zst.data, zst.len), &o);
    CHECK_EQ_INT(o.frames, NSAMPLES);
    CHECK_EQ_INT(o.end_status, TT_ERR_FORMAT);
    CHECK(strstr(o.err, "corrupt zstd data") != NULL);
    zst.data[zst.len - 1] ^= 0x01;

    /* Any flipped byte after the gzip header / zstd frame header is
     * noticed (gzip: CRC-32; zstd: content checksum). */
    quiet_mismatch = true;
    for (size_t i = 10; i < gz.len; i++) {
        gz.data[i] ^= 0x20;
        read_capture(write_file("flip.pcap.gz", gz.data, gz.len), &o);
        CHECK(o.frames_ok || o.open_status != TT_OK || o.end_status != TT_ERR_NOTFOUND);
        CHECK(o.open_status != TT_OK || o.end_status != TT_ERR_NOTFOUND);
        gz.data[i] ^= 0x20;
    }
    /* Frame header: magic, descriptor, window byte, dictionary id, content
     * size (RFC 8878 section 3.1.1.1). */
    uint8_t descriptor = zst.data[4];
    bool single_segment = descriptor & 0x20;
    static const size_t dict_sizes[4] = {0, 1, 2, 4}, size_sizes[4] = {0, 2, 4, 8};
    size_t header = 5 + !single_segment + dict_sizes[descriptor & 3] +
                    ((descriptor >> 6) == 0 ? single_segment : size_sizes[descriptor >> 6]);
    for (size_t i = header; i < zst.len; i++) {
        zst.data[i] ^= 0x20;
        read_capture(write_file("flip.pcap.zst", zst.data, zst.len), &o);
        CHECK(o.open_status != TT_OK || o.end_status != TT_ERR_NOTFOUND);
        zst.data[i] ^= 0x20;
    }
    quiet_mismatch = false;
    bytes_free(&plain);
    bytes_free(&gz);
    bytes_free(&zst);
}

static void test_bad_files(void)
{
    outcome o;
    const char *html = "<!DOCTYPE html><html><body>not a capture</body></html>\n";
    const char *path = write_file("page.pcap", html, strlen(html));
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_FORMAT);
    char want[256];
    snprintf(want, sizeof want, "%s: not a pcap or pcapng file (first bytes 3c 21 44 4f)", path);
    CHECK_EQ_STR(o.err, want);

    bytes in = {0}, gz = {0};
    put(&in, html, strlen(html));
    gzip_bytes(&in, &gz);
    path = write_file("page.gz", gz.data, gz.len);
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_FORMAT);
    CHECK(strstr(o.err, "(first bytes 3c 21 44 4f after gzip decompression)") != NULL);
    bytes_free(&in);
    bytes_free(&gz);

    path = write_file("empty.pcap", "", 0);
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_TRUNCATED);
    snprintf(want, sizeof want, "%s: empty input, no capture file header", path);
    CHECK_EQ_STR(o.err, want);

    /* Just the pcapng magic. */
    path = write_file("short.pcapng", "\x0a\x0d\x0d\x0a\x1c\x00", 6);
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_TRUNCATED);
    CHECK(strstr(o.err, "truncated pcapng section header") != NULL);

    /* Unsupported pcap version: libpcap's own words. */
    bytes b = {0};
    build_pcap(&b, false, false, 1, NULL);
    b.data[4] = 9;
    path = write_file("version.pcap", b.data, b.len);
    read_capture(path, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_FORMAT);
    CHECK(strstr(o.err, "bad capture file header: ") != NULL);
    bytes_free(&b);

    read_capture("/nonexistent/teiten/x.pcap", &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_IO);
    CHECK(strstr(o.err, "/nonexistent/teiten/x.pcap: cannot open: ") == o.err);
    read_capture(temp_dir, &o);
    CHECK_EQ_INT(o.open_status, TT_ERR_IO);
    CHECK(strstr(o.err, "is a directory") != NULL);
}

/* Records libpcap accepts but teiten must still police or adjust. */
static void test_odd_records(void)
{
    /* A D-Bus capture allows 128 MiB frames; teiten's limit is lower. */
    bytes b = {0};
    b.big_endian = false;
    /* DLT_DBUS; snaplen 0: libpcap uses the link type's maximum */
    put_pcap_header(&b, 0xa1b2c3d4, 0, 231);
    put_u32(&b, 1);
    put_u32(&b, 0);
    put_u32(&b, 4);
    put_u32(&b, 4);
    put_zeros(&b, 4);
    uint32_t big = TT_LIMIT_FRAME + 1;
    put_u32(&b, 2);
    put_u32(&b, 0);
    put_u32(&b, big);
    put_u32(&b, big);
    put_zeros(&b, big);
    const char *path = write_file("dbus.pcap", b.data, b.len);
    tt_capture *cap;
    char err[512];
    tt_frame frame;
    CHECK_EQ_INT(tt_capture_open(path, &cap, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_ERR_FORMAT);
    CHECK(strstr(err, "exceeds the limit") != NULL);
    CHECK(err_names_offset(err, 24 + 16 + 4, 1));
    CHECK_EQ_INT(tt_capture_offset(cap), 24 + 16 + 4);
    tt_capture_close(cap);
    bytes_free(&b);

    /* caplen above the file's snaplen: libpcap cuts the frame to the
     * snaplen and skips the rest; the offset must still be exact. Also
     * seconds >= 2^31 and microseconds >= 10^6. */
    b.big_endian = true;
    put_pcap_header(&b, 0xa1b2c3d4, 64, 1);
    put_u32(&b, 0xf0000000u);
    put_u32(&b, 2500000);
    put_u32(&b, 100);
    put_u32(&b, 100);
    put_zeros(&b, 100);
    put_u32(&b, 7);
    put_u32(&b, 8);
    put_u32(&b, 10);
    put_u32(&b, 10);
    put_zeros(&b, 10);
    path = write_file("snap.pcap", b.data, b.len);
    CHECK_EQ_INT(tt_capture_open(path, &cap, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_OK);
    CHECK_EQ_INT(frame.caplen, 64);
    CHECK_EQ_INT(frame.wirelen, 100);
    CHECK_EQ_INT(frame.ts_sec, 0xf0000000LL + 2);
    CHECK_EQ_INT(frame.ts_usec, 500000);
    CHECK_EQ_INT(tt_capture_offset(cap), 24 + 16 + 100);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_OK);
    CHECK_EQ_INT(frame.ts_sec, 7);
    CHECK_EQ_INT(frame.ts_usec, 8);
    CHECK_EQ_INT(tt_capture_offset(cap), b.len);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_ERR_NOTFOUND);
    tt_capture_close(cap);
    bytes_free(&b);
}

/* Reads path with both readers (in place and libpcap's pcap_next_ex):
 * frames, offsets and the end must be identical. Returns the frames. */
static size_t check_readers_agree(const char *path)
{
    tt_capture *direct = NULL, *libpcap = NULL;
    char err_direct[512] = "", err_libpcap[512] = "";
    tt_status open_direct = tt_capture_open(path, &direct, err_direct, sizeof err_direct);
    tt_status open_libpcap = tt_capture_open(path, &libpcap, err_libpcap, sizeof err_libpcap);
    CHECK_EQ_INT(open_direct, open_libpcap);
    CHECK_EQ_STR(err_direct, err_libpcap);
    if (open_direct != TT_OK || open_libpcap != TT_OK) {
        tt_capture_close(direct);
        tt_capture_close(libpcap);
        return 0;
    }
    tt_capture_use_libpcap(libpcap);
    size_t frames = 0;
    for (;;) {
        tt_frame a, b;
        tt_status sa = tt_capture_next(direct, &a, err_direct, sizeof err_direct);
        tt_status sb = tt_capture_next(libpcap, &b, err_libpcap, sizeof err_libpcap);
        CHECK_EQ_INT(sa, sb);
        CHECK_EQ_INT(tt_capture_offset(direct), tt_capture_offset(libpcap));
        if (sa != TT_OK || sb != TT_OK) {
            CHECK_EQ_STR(err_direct, err_libpcap);
            break;
        }
        frames++;
        CHECK_EQ_INT(a.caplen, b.caplen);
        CHECK_EQ_INT(a.wirelen, b.wirelen);
        CHECK_EQ_INT(a.ts_sec, b.ts_sec);
        CHECK_EQ_INT(a.ts_usec, b.ts_usec);
        CHECK(a.caplen != b.caplen || memcmp(a.data, b.data, a.caplen) == 0);
    }
    CHECK_EQ_INT(tt_capture_frames(direct), frames);
    tt_capture_close(direct);
    tt_capture_close(libpcap);
    return frames;
}

/* Little-endian records libpcap treats specially: a frame above the file's
 * snaplen (cut to it), seconds >= 2^31, fractions >= 10^6 and negative,
 * an empty frame, then a length above libpcap's maximum. */
static void build_odd_pcap(bytes *b, bool nano)
{
    b->big_endian = false;
    put_pcap_header(b, nano ? 0xa1b23c4d : 0xa1b2c3d4, 64, 1);
    const uint32_t records[][3] = {
        {0xf0000000u, 2500000, 100}, {7, 0xffffffffu, 10}, {8, 999999999, 0}, {9, 0x80000000u, 64},
    };
    for (size_t k = 0; k < sizeof records / sizeof records[0]; k++) {
        put_u32(b, records[k][0]);
        put_u32(b, records[k][1]);
        put_u32(b, records[k][2]);
        put_u32(b, records[k][2] + 3);
        for (uint32_t i = 0; i < records[k][2]; i++) {
            uint8_t v = (uint8_t)(k * 31 + i);
            put(b, &v, 1);
        }
    }
    put_u32(b, 10);
    put_u32(b, 0);
    put_u32(b, 262145);
    put_u32(b, 262145);
    put_zeros(b, 32);
}

static void test_readers_agree(void)
{
    for (int nano = 0; nano <= 1; nano++) {
        bytes b = {0};
        build_pcap(&b, false, nano, 1, NULL);
        for (size_t cut = 0; cut <= b.len; cut++)
            check_readers_agree(write_file("agree.pcap", b.data, cut));
        CHECK_EQ_INT(check_readers_agree(write_file("agree.pcap", b.data, b.len)), NSAMPLES);
        bytes_free(&b);

        build_odd_pcap(&b, nano);
        for (size_t cut = 0; cut <= b.len; cut++)
            check_readers_agree(write_file("odd.pcap", b.data, cut));
        CHECK_EQ_INT(check_readers_agree(write_file("odd.pcap", b.data, b.len)), 4);
        bytes_free(&b);
    }
    /* Snaplens libpcap keeps, replaces by its maximum, or names in the
     * message about a length above the maximum. */
    const uint32_t snaplens[] = {0, 1, 300000, 0x7fffffff, 0x80000000u};
    for (size_t i = 0; i < sizeof snaplens / sizeof snaplens[0]; i++) {
        bytes b = {0};
        put_pcap_header(&b, 0xa1b2c3d4, snaplens[i], 1);
        put_u32(&b, 1);
        put_u32(&b, 0);
        put_u32(&b, 2);
        put_u32(&b, 2);
        put_zeros(&b, 2);
        put_u32(&b, 2);
        put_u32(&b, 0);
        put_u32(&b, 262145);
        put_u32(&b, 262145);
        CHECK_EQ_INT(check_readers_agree(write_file("snaplen.pcap", b.data, b.len)), 1);
        bytes_free(&b);
    }
    /* Records across the reader's 1 MB refills, a frame cut to the snaplen
     * straddling one. */
    bytes b = {0};
    put_pcap_header(&b, 0xa1b2c3d4, 1500, 1);
    size_t records = 0;
    while (b.len < ((size_t)3 << 20)) {
        uint32_t len = (uint32_t)(records * 7919 % 2000);
        put_u32(&b, (uint32_t)records);
        put_u32(&b, 0);
        put_u32(&b, len);
        put_u32(&b, len);
        for (uint32_t i = 0; i < len; i++) {
            uint8_t v = (uint8_t)(records + i);
            put(&b, &v, 1);
        }
        records++;
    }
    CHECK_EQ_INT(check_readers_agree(write_file("big.pcap", b.data, b.len)), records);
    const size_t cuts[] = {1 << 20, (1 << 20) + 24, (2 << 20) + 5, b.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        check_readers_agree(write_file("big.pcap", b.data, cuts[i]));
    bytes_free(&b);
}

static void test_open_stream(void)
{
    bytes b = {0}, zst = {0};
    build_pcapng(&b, false, 6, 1, NULL, NULL);
    zstd_bytes(&b, &zst);
    FILE *raw = fmemopen(zst.data, zst.len, "rb");
    CHECK(raw != NULL);
    tt_capture *cap;
    char err[256];
    CHECK_EQ_INT(tt_capture_open_stream(raw, "memory", &cap, err, sizeof err), TT_OK);
    CHECK_EQ_STR(tt_capture_format(cap), "pcapng (zstd)");
    tt_frame frame;
    size_t n = 0;
    while (tt_capture_next(cap, &frame, err, sizeof err) == TT_OK)
        n++;
    CHECK_EQ_INT(n, NSAMPLES);
    tt_capture_close(cap);

    /* Failure closes the stream too (checked by the leak sanitizer). */
    raw = fmemopen((void *)"garbage!", 8, "rb");
    CHECK_EQ_INT(tt_capture_open_stream(raw, "memory", &cap, err, sizeof err), TT_ERR_FORMAT);
    CHECK_EQ_STR(err, "memory: not a pcap or pcapng file (first bytes 67 61 72 62)");
    bytes_free(&b);
    bytes_free(&zst);
}

/* Reads `path` as standard input, as "teiten ingest - < path" would. */
static void read_as_stdin(const char *path, outcome *o)
{
    fflush(stdout);
    int saved = dup(STDIN_FILENO);
    int fd = open(path, O_RDONLY);
    CHECK(saved >= 0 && fd >= 0);
    CHECK(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    close(fd);
    read_capture("-", o);
    CHECK(dup2(saved, STDIN_FILENO) == STDIN_FILENO);
    close(saved);
}

static void test_stdin(void)
{
    bytes plain = {0}, gz = {0};
    uint64_t ends[NSAMPLES];
    build_pcap(&plain, true, true, 1, ends);
    gzip_bytes(&plain, &gz);
    const char *path = write_file("stdin.pcap.gz", gz.data, gz.len);
    outcome o;
    read_as_stdin(path, &o);
    CHECK_EQ_INT(o.open_status, TT_OK);
    CHECK_EQ_INT(o.end_status, TT_ERR_NOTFOUND);
    CHECK_EQ_INT(o.frames, NSAMPLES);
    CHECK(o.frames_ok);
    CHECK_EQ_STR(o.format, "pcap (gzip)");
    check_identity_equals_stream(path, &o);

    path = write_file("stdin.pcap", plain.data, plain.len - 3);
    read_as_stdin(path, &o);
    CHECK_EQ_INT(o.end_status, TT_ERR_TRUNCATED);
    CHECK_EQ_INT(o.frames, NSAMPLES - 1);
    CHECK(strstr(o.err, "(stdin): truncated at byte offset ") == o.err);
    check_identity_equals_stream(path, &o);
    bytes_free(&plain);
    bytes_free(&gz);
}

static void test_identity(void)
{
    bytes b = {0};
    build_pcap(&b, false, false, 1, NULL);
    uint8_t h1[16], h2[16], h3[16];
    uint64_t s1 = 0, s2 = 0, s3 = 0;
    char err[256];
    CHECK_EQ_INT(tt_capture_file_identity(write_file("id1", b.data, b.len), h1, &s1, err,
                                          sizeof err),
                 TT_OK);
    CHECK_EQ_INT(tt_capture_file_identity(write_file("id2", b.data, b.len), h2, &s2, err,
                                          sizeof err),
                 TT_OK);
    b.data[b.len - 1] ^= 1;
    CHECK_EQ_INT(tt_capture_file_identity(write_file("id3", b.data, b.len), h3, &s3, err,
                                          sizeof err),
                 TT_OK);
    CHECK_EQ_INT(s1, b.len);
    CHECK_EQ_INT(s2, b.len);
    CHECK_EQ_INT(s3, b.len);
    CHECK(memcmp(h1, h2, 16) == 0);
    CHECK(memcmp(h1, h3, 16) != 0);
    CHECK_EQ_INT(tt_capture_file_identity("/nonexistent/teiten", h1, &s1, err, sizeof err),
                 TT_ERR_IO);
    bytes_free(&b);

    /* Damage early in a large file stops reading early; draining completes
     * the stream hash. */
    build_pcap(&b, false, false, 1, NULL);
    size_t good = b.len;
    put_u32(&b, 0);
    put_u32(&b, 0);
    put_u32(&b, 0x7fffffff); /* caplen: damaged */
    put_u32(&b, 0x7fffffff);
    put_zeros(&b, (size_t)3 << 20);
    const char *path = write_file("damaged-big.pcap", b.data, b.len);
    tt_capture *cap;
    tt_frame frame;
    CHECK_EQ_INT(tt_capture_open(path, &cap, err, sizeof err), TT_OK);
    tt_status status;
    while ((status = tt_capture_next(cap, &frame, err, sizeof err)) == TT_OK)
        ;
    CHECK_EQ_INT(status, TT_ERR_FORMAT);
    CHECK(err_names_offset(err, good, NSAMPLES));
    CHECK_EQ_INT(tt_capture_file_identity(path, h1, &s1, err, sizeof err), TT_OK);
    tt_capture_get_stream_hash(cap, h2);
    CHECK(memcmp(h1, h2, 16) != 0);
    CHECK(tt_capture_raw_bytes(cap) < s1);
    CHECK_EQ_INT(tt_capture_drain(cap, err, sizeof err), TT_OK);
    tt_capture_get_stream_hash(cap, h2);
    CHECK(memcmp(h1, h2, 16) == 0);
    CHECK_EQ_INT(tt_capture_raw_bytes(cap), s1);
    CHECK_EQ_INT(tt_capture_next(cap, &frame, err, sizeof err), TT_ERR_FORMAT);
    tt_capture_close(cap);
    bytes_free(&b);
}

/* ---- the committed malformed corpus ----------------------------------- */

static const char *corpus_dir(void)
{
    /* ctest runs unit tests from tests/ or tests/unit. */
    static const char *candidates[] = {"../malformed", "malformed", "tests/malformed"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/EXPECTED", candidates[i]);
        if (access(path, R_OK) == 0)
            return candidates[i];
    }
    return NULL;
}

static void test_malformed_corpus(void)
{
    const char *dir = corpus_dir();
    CHECK(dir != NULL);
    if (dir == NULL)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/EXPECTED", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    char line[512];
    int entries = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        /* FILE \t frames \t kind \t offset */
        line[strcspn(line, "\r\n")] = '\0';
        char *fields[4] = {line, NULL, NULL, NULL};
        size_t nfields = 1;
        for (char *p = line; *p != '\0' && nfields <= 4; p++) {
            if (*p == '\t') {
                *p = '\0';
                if (nfields < 4)
                    fields[nfields] = p + 1;
                nfields++;
            }
        }
        uint64_t want_frames, want_offset;
        if (nfields != 4 || !tt_parse_u64(fields[1], UINT32_MAX, &want_frames) ||
            !tt_parse_u64(fields[3], UINT64_MAX, &want_offset)) {
            fprintf(stderr, "EXPECTED: bad line: %s\n", line);
            CHECK(false);
            continue;
        }
        const char *name = fields[0], *kind = fields[2];
        entries++;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat st;
        CHECK(stat(path, &st) == 0 && st.st_size < 4096);

        tt_capture *cap = NULL;
        char err[512] = "";
        tt_status status = tt_capture_open(path, &cap, err, sizeof err);
        uint64_t frames = 0;
        const char *got = "open";
        if (status == TT_OK) {
            tt_frame frame;
            while ((status = tt_capture_next(cap, &frame, err, sizeof err)) == TT_OK)
                frames++;
            got = status == TT_ERR_TRUNCATED ? "truncated"
                  : status == TT_ERR_FORMAT  ? "format"
                  : status == TT_ERR_NOTFOUND ? "clean"
                                              : "other";
            CHECK_EQ_INT(tt_capture_offset(cap), want_offset);
            if (status != TT_ERR_NOTFOUND)
                CHECK(err_names_offset(err, want_offset, (size_t)want_frames));
        }
        if (strcmp(got, kind) != 0 || frames != want_frames)
            fprintf(stderr, "%s: got %s after %llu frames (%s), expected %s after %llu\n", name,
                    got, (unsigned long long)frames, err, kind,
                    (unsigned long long)want_frames);
        CHECK_EQ_STR(got, kind);
        CHECK_EQ_INT(frames, want_frames);
        CHECK(strstr(err, path) == err);
        tt_capture_close(cap);
    }
    fclose(f);
    CHECK(entries >= 8);
}

int main(void)
{
    snprintf(temp_dir, sizeof temp_dir, "/tmp/teiten-test-capture-XXXXXX");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    test_classic_pcap();
    test_pcapng();
    test_compressed();
    test_truncated_plain();
    test_truncated_pcapng();
    test_truncated_compressed();
    test_corrupt_compressed();
    test_bad_files();
    test_odd_records();
    test_readers_agree();
    test_open_stream();
    test_stdin();
    test_identity();
    test_malformed_corpus();
    remove_temp_files();
    return check_report("test_capture");
}
