/* Live capture with libpcap on one or more interfaces: immediate delivery,
 * (or block-wise with a short timeout), a large kernel ring buffer, BPF filter, snaplen; optional raw retention
 * (rotating pcap files with a size and age cap). */
#ifndef TT_CAPTURE_LIVE_H
#define TT_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "util/status.h"

#define TT_LIVE_MAX_INTERFACES 16

typedef struct tt_live_options {
    const char *interfaces[TT_LIVE_MAX_INTERFACES];
    size_t ninterfaces;
    const char *filter; /* BPF expression, NULL/"" = everything */
    int snaplen;        /* 0 = 256 (headers and the first payload bytes) */
    int buffer_mb;      /* kernel ring buffer per interface, 0 = 256 */
    /* Immediate mode wakes the reader for every frame (TPACKET_V2): lowest
     * latency, but ~2.3 us of CPU per frame here. Off (default), libpcap
     * hands over whole ring blocks (TPACKET_V3), at the latest after
     * timeout_ms: ~10x less CPU per frame. */
    bool immediate;
    int timeout_ms; /* block timeout when not immediate, 0 = 100 */
    /* Raw retention: retain_dir NULL/"" = off. */
    const char *retain_dir;
    uint64_t retain_file_bytes;  /* rotate after this many bytes (0 = 64 MiB) */
    int64_t retain_file_seconds; /* ... or this age (0 = 3600) */
    uint64_t retain_max_bytes;   /* delete the oldest files beyond this total (0 = 1 GiB) */
    int64_t retain_max_age;      /* ... or older than this (0 = no age limit) */
} tt_live_options;

typedef struct tt_live tt_live;

typedef void (*tt_live_fn)(void *ctx, int linktype, const tt_frame *frame);

/* Opens and activates every interface (needs the capture privilege). */
TT_MUST_CHECK tt_status tt_live_open(const tt_live_options *opt, tt_live **out, char *err, size_t errlen);
void tt_live_close(tt_live *live); /* accepts NULL */

/* Replaces the BPF filter on every interface (SIGHUP). */
TT_MUST_CHECK tt_status tt_live_set_filter(tt_live *live, const char *filter, char *err, size_t errlen);

/* Waits up to timeout_ms for packets and hands each to fn; *handled = count. */
TT_MUST_CHECK tt_status tt_live_dispatch(tt_live *live, int timeout_ms, tt_live_fn fn, void *ctx,
                                         uint64_t *handled, char *err, size_t errlen);

/* Packets received and dropped, summed over interfaces, as 64-bit totals
 * since open (libpcap's counters are 32-bit and wrap). */
typedef struct tt_live_stats {
    uint64_t received, dropped, if_dropped;
} tt_live_stats;
void tt_live_get_stats(tt_live *live, tt_live_stats *stats);

#endif
