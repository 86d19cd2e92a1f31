/* libFuzzer target for the capture source: arbitrary bytes go through the
 * same path as a file on disk (compression sniffing, gzip/zstd decoding,
 * libpcap's pcap and pcapng readers, teiten's checks) by way of an
 * fmemopen'd stream, and every frame returned is checked against the
 * promises of capture.h. Everything is read twice, the second time through
 * libpcap's pcap_next_ex only: where the first read classic pcap in place,
 * frames, offsets and the end (status and message) must be identical. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "util/limits.h"

/* A few hundred input bytes of zstd can expand to millions of empty
 * records; past this many frames an input teaches the fuzzer nothing new. */
#define FUZZ_MAX_FRAMES 50000

/* Keeps the frame reads from being optimised away. */
static volatile unsigned fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tt_capture *open_memory(const uint8_t *data, size_t size, char *err, size_t errlen)
{
    /* fmemopen needs a writable pointer type but "r" never writes. */
    FILE *raw = fmemopen((void *)(uintptr_t)data, size, "r");
    if (raw == NULL)
        return NULL;
    tt_capture *cap;
    if (tt_capture_open_stream(raw, "fuzz", &cap, err, errlen) != TT_OK) {
        if (strncmp(err, "fuzz: ", 6) != 0)
            abort(); /* open errors must name the input */
        return NULL;
    }
    return cap;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char err[512], libpcap_err[512];
    tt_capture *cap = open_memory(data, size, err, sizeof err);
    if (cap == NULL)
        return 0;
    tt_capture *libpcap = open_memory(data, size, libpcap_err, sizeof libpcap_err);
    if (libpcap == NULL)
        abort(); /* the same bytes opened once */
    tt_capture_use_libpcap(libpcap);
    const char *format = tt_capture_format(cap);
    if (strncmp(format, "pcap", 4) != 0)
        abort();

    tt_frame frame;
    tt_status status;
    uint64_t frames = 0, offset = tt_capture_offset(cap);
    unsigned sum = 0;
    while ((status = tt_capture_next(cap, &frame, err, sizeof err)) == TT_OK) {
        if (frame.caplen > TT_LIMIT_FRAME || frame.ts_usec >= 1000000)
            abort();
        /* Touch both ends of the frame so ASan checks the whole span. */
        if (frame.caplen > 0)
            sum += frame.data[0] + frame.data[frame.caplen - 1];
        if (tt_capture_offset(cap) <= offset)
            abort(); /* every record takes at least its header */
        offset = tt_capture_offset(cap);
        if (++frames != tt_capture_frames(cap))
            abort();
        tt_frame expected;
        if (tt_capture_next(libpcap, &expected, libpcap_err, sizeof libpcap_err) != TT_OK ||
            expected.caplen != frame.caplen || expected.wirelen != frame.wirelen ||
            expected.ts_sec != frame.ts_sec || expected.ts_usec != frame.ts_usec ||
            memcmp(expected.data, frame.data, frame.caplen) != 0 ||
            tt_capture_offset(libpcap) != tt_capture_offset(cap))
            abort(); /* the two readers disagree on a frame */
        if (frames >= FUZZ_MAX_FRAMES)
            break;
    }
    if (status != TT_OK && status != TT_ERR_NOTFOUND && strncmp(err, "fuzz: ", 6) != 0)
        abort(); /* damage messages must name the input */
    if (status != TT_OK) {
        tt_frame ignored;
        if (tt_capture_next(libpcap, &ignored, libpcap_err, sizeof libpcap_err) != status ||
            strcmp(err, libpcap_err) != 0 || tt_capture_offset(libpcap) != tt_capture_offset(cap))
            abort(); /* the two readers disagree on the end */
    }
    tt_capture_close(libpcap);
    uint8_t hash[16];
    tt_capture_get_stream_hash(cap, hash);
    sum += hash[0];
    fuzz_sink = sum;
    tt_capture_close(cap);
    return 0;
}
