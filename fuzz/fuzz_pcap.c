/* libFuzzer target for the capture source: arbitrary bytes go through the
 * same path as a file on disk (compression sniffing, gzip/zstd decoding,
 * libpcap's pcap and pcapng readers, teiten's checks) by way of an
 * fmemopen'd stream, and every frame returned is checked against the
 * promises of capture.h. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* fmemopen needs a writable pointer type but "r" never writes. */
    FILE *raw = fmemopen((void *)(uintptr_t)data, size, "r");
    if (raw == NULL)
        return 0;
    tt_capture *cap;
    char err[512];
    if (tt_capture_open_stream(raw, "fuzz", &cap, err, sizeof err) != TT_OK) {
        if (strncmp(err, "fuzz: ", 6) != 0)
            abort(); /* open errors must name the input */
        return 0;
    }
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
        if (frames >= FUZZ_MAX_FRAMES)
            break;
    }
    if (status != TT_OK && status != TT_ERR_NOTFOUND && strncmp(err, "fuzz: ", 6) != 0)
        abort(); /* damage messages must name the input */
    uint8_t hash[16];
    tt_capture_get_stream_hash(cap, hash);
    sum += hash[0];
    fuzz_sink = sum;
    tt_capture_close(cap);
    return 0;
}
