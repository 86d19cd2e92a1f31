/* Per-source detail of one sensor-hour, stored as a compressed columnar
 * segment with a Bloom filter over its source addresses. This is the compact
 * form of "per source x proto/port x sensor x hour: packets, bytes, first and
 * last seen": ~4-6 bytes per row instead of ~31 as a SQLite row. */
#ifndef TT_STORE_SEGMENT_H
#define TT_STORE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/buf.h"
#include "util/status.h"

/* A destination key packed in 25 bits so rows sort and hash as integers:
 * proto << 17 | (port + 1) for TCP/UDP/other (port -1 = non-first fragment,
 * no port), proto << 17 | (icmp_type + 1) for ICMP/ICMPv6 (port 0). */
typedef uint32_t tt_service;

static inline tt_service tt_service_make(uint8_t proto, int32_t port, int32_t icmp_type)
{
    uint32_t low = (proto == 1 || proto == 58) ? (uint32_t)(icmp_type + 1) : (uint32_t)(port + 1);
    return (uint32_t)proto << 17 | low;
}
static inline uint8_t tt_service_proto(tt_service s) { return (uint8_t)(s >> 17); }
static inline bool tt_service_is_icmp(tt_service s)
{
    return tt_service_proto(s) == 1 || tt_service_proto(s) == 58;
}
static inline int32_t tt_service_port(tt_service s)
{
    return tt_service_is_icmp(s) ? 0 : (int32_t)(s & 0x1ffff) - 1;
}
static inline int32_t tt_service_icmp_type(tt_service s)
{
    return tt_service_is_icmp(s) ? (int32_t)(s & 0x1ffff) - 1 : -1;
}

/* Country code packed as two ASCII letters ('C' << 8 | 'N'); "ZZ" = unknown. */
typedef uint16_t tt_cc;
#define TT_CC_UNKNOWN ((tt_cc)('Z' << 8 | 'Z'))
static inline tt_cc tt_cc_make(const char *two) { return (tt_cc)((uint8_t)two[0] << 8 | (uint8_t)two[1]); }
static inline void tt_cc_text(tt_cc cc, char out[3])
{
    out[0] = (char)(cc >> 8);
    out[1] = (char)(cc & 0xff);
    out[2] = '\0';
}

/* One row of per-source detail: a source x destination key x packet kind
 * within a sensor-hour. Per source: cc, asn, flags (fixed at observation
 * time). Per row: kind (classify/fingerprint.h tt_kind, part of the key) and
 * os (classify/p0f.h tt_os_class of the first SYN that had a match). */
typedef struct tt_detail_row {
    tt_addr src;
    tt_service service;
    tt_cc cc;
    uint8_t kind;      /* < 16 */
    uint8_t os;
    uint8_t ttl;       /* TTL / hop limit of the row's first packet (hop estimates) */
    uint8_t src_flags; /* classify/geo.h TT_GEO_* bits */
    uint32_t asn;
    uint32_t packets;
    uint64_t bytes;
    uint32_t first, last; /* seconds since the epoch */
} tt_detail_row;

/* The part of the row key after the source: service and kind in one integer. */
static inline uint32_t tt_detail_key(const tt_detail_row *r) { return r->service << 4 | r->kind; }

/* Encodes rows, which must be sorted by (src, service, kind) without duplicates
 * and all lie in [hour*3600, hour*3600+3600). Replaces out's content with
 * the compressed segment and bloom's with the filter. */
TT_MUST_CHECK tt_status tt_segment_encode(const tt_detail_row *rows, size_t n, int64_t hour,
                                          int zstd_level, tt_buf *out, tt_buf *bloom);

/* The same rows in the compact form a sensor ships (version 3): per-row
 * values split into more columns, each compressed apart, so a batch of a few
 * hundred rows takes ~20 % fewer bytes; slower to encode and decode than
 * version 2, which the store keeps. The decoders below read every version. */
TT_MUST_CHECK tt_status tt_segment_encode_compact(const tt_detail_row *rows, size_t n, int64_t hour,
                                                  int zstd_level, tt_buf *out, tt_buf *bloom);

/* Decodes a segment into rows (grown as needed; *rows is realloc'd and owned
 * by the caller, *cap its capacity). Rejects malformed data with TT_ERR_FORMAT. */
TT_MUST_CHECK tt_status tt_segment_decode(const uint8_t *data, size_t len, int64_t hour,
                                          tt_detail_row **rows, size_t *n, size_t *cap);

/* Same, but fills only src, service, kind, os, cc, asn and src_flags (the
 * rest is left 0): what distinct-source counting needs, at a fraction of the cost. */
TT_MUST_CHECK tt_status tt_segment_decode_keys(const uint8_t *data, size_t len, tt_detail_row **rows,
                                               size_t *n, size_t *cap);

/* Rows a decode must deliver; the others are skipped without being built:
 * rows whose port key (proto << 17 | port + 1, ICMP types folded to proto
 * << 17) is in ports[] or whose source country is in ccs[] (both sorted). */
typedef struct tt_row_match {
    const uint32_t *ports;
    size_t nports;
    const tt_cc *ccs;
    size_t nccs;
} tt_row_match;

/* tt_segment_decode that keeps only the rows `match` wants. The values of
 * the others are stepped over, not range-checked: only a segment's framing
 * is checked for them. */
TT_MUST_CHECK tt_status tt_segment_decode_matching(const uint8_t *data, size_t len, int64_t hour,
                                                   const tt_row_match *match, tt_detail_row **rows, size_t *n,
                                                   size_t *cap);

/* Frees this thread's compression contexts (call before a thread that
 * encoded or decoded segments exits; they are re-created on next use). */
void tt_segment_thread_cleanup(void);

/* True if the source may be in the segment (false positives ~2 %). */
bool tt_bloom_may_contain(const uint8_t *bloom, size_t len, const tt_addr *src);

/* Merges two sorted row sets (same hour) into out (sorted, summed). */
TT_MUST_CHECK tt_status tt_segment_merge(const tt_detail_row *a, size_t na, const tt_detail_row *b,
                                         size_t nb, tt_detail_row **out, size_t *n, size_t *cap);

int tt_detail_row_cmp(const tt_detail_row *a, const tt_detail_row *b);


/* Totals of one sensor-hour, kept beside its segment: rankings read these
 * few kilobytes per sensor-hour instead of thousands of rollup rows. Every
 * key carries the sources' flags (TT_GEO_*) so counts can include or exclude
 * e.g. known scanners:
 *   TT_TOTALS_KEYS:      src_flags << 32 | service << 4 | kind
 *   TT_TOTALS_COUNTRIES: src_flags << 16 | cc
 *   TT_TOTALS_ASNS:      src_flags << 32 | asn */
typedef enum tt_totals_list {
    TT_TOTALS_KEYS = 0,
    TT_TOTALS_COUNTRIES = 1,
    TT_TOTALS_ASNS = 2,
    TT_TOTALS_LISTS
} tt_totals_list;

typedef struct tt_total {
    uint64_t key;
    uint64_t packets, bytes;
} tt_total;

typedef tt_status (*tt_total_fn)(void *ctx, const tt_total *total);
/* Calls fn for each total of one list. */
TT_MUST_CHECK tt_status tt_totals_walk(const uint8_t *data, size_t len, tt_totals_list list, tt_total_fn fn,
                                       void *ctx);
/* Computes the totals of sorted detail rows into out. */
TT_MUST_CHECK tt_status tt_totals_from_rows(const tt_detail_row *rows, size_t n, tt_buf *out);
/* Adds up totals (e.g. the hours of a day) into out, in the same format;
 * TT_ERR_FORMAT if one is malformed. */
TT_MUST_CHECK tt_status tt_totals_sum(const uint8_t *const *blobs, const size_t *lens, size_t nblobs,
                                      tt_buf *out);

#endif
