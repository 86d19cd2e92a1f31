/* The source index: per sensor and UTC day, the set of source addresses seen
 * for each key (a port, a country, and the same split by the senders' OS
 * class). Distinct sources over any run of days are unions of these sets, so
 * a quarter's "unique sources" per port reads a few kilobytes per sensor-day
 * instead of every per-source row of the quarter.
 *
 * Sets are exact: IPv4 sources as sorted delta varints or Roaring bitmaps
 * (CRoaring, whichever is smaller), IPv6 sources (rare on telescopes) as
 * sorted 16-byte addresses. Adding a source twice changes nothing, so data
 * merged into a stored day again (late packets, a re-fold) stays exact.
 *
 * Beside each sensor-day's sets the store keeps its totals (the hours'
 * totals of segment.h added up), so rankings over whole days read one
 * blob per sensor-day instead of 24. */
#ifndef TT_STORE_SOURCE_INDEX_H
#define TT_STORE_SOURCE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/segment.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/hashmap.h"
#include "util/status.h"

/* Index keys: dimension << 29 | os class << 25 | value (25 bits). */
typedef enum tt_srckey_dim {
    TT_SRCKEY_PORT = 1,    /* value: port key (proto << 17 | port + 1; ICMP: proto << 17);
                            * packets of any kind but backscatter: the port's scanners */
    TT_SRCKEY_CC = 2,      /* value: tt_cc */
    TT_SRCKEY_PORT_OS = 3, /* port key, sources whose SYNs matched this OS class (1..8) */
    TT_SRCKEY_CC_OS = 4,   /* country, same */
    TT_SRCKEY_PORT_BS = 5, /* port key, backscatter packets (DoS victims replying): with
                            * TT_SRCKEY_PORT, every source of the port */
} tt_srckey_dim;

static inline uint32_t tt_srckey(tt_srckey_dim dim, unsigned os, uint32_t value)
{
    return (uint32_t)dim << 29 | (uint32_t)(os & 0xf) << 25 | (value & 0x1ffffff);
}

/* The port key of a service: its port, with ICMP types folded together. */
static inline uint32_t tt_srckey_port_value(tt_service service)
{
    return tt_service_is_icmp(service) ? (uint32_t)tt_service_proto(service) << 17 : service;
}

/* The "sensor" of the sets and totals of all sensors together: most
 * queries ask about every sensor, and the union of a day's sensors is much
 * smaller than the sum when scanners hit them all. */
#define TT_SRCIDX_ALL (-1)

/* Collects the sets of a write transaction's rows, per sensor-day and per
 * day for all sensors (TT_SRCIDX_ALL). */
typedef struct tt_srcidx_builder tt_srcidx_builder;

TT_MUST_CHECK tt_status tt_srcidx_builder_new(tt_srcidx_builder **out);
void tt_srcidx_builder_free(tt_srcidx_builder *b);
/* Adds a sensor-hour's detail rows (sorted by source, as put_hour gets them). */
TT_MUST_CHECK tt_status tt_srcidx_builder_add(tt_srcidx_builder *b, int64_t hour, int32_t sensor,
                                              const tt_detail_row *rows, size_t n);
/* Source-key pairs held (callers flush above a bound to keep memory small). */
size_t tt_srcidx_builder_pairs(const tt_srcidx_builder *b);
/* Sensor-days held, 0..count-1. */
size_t tt_srcidx_builder_days(const tt_srcidx_builder *b);
void tt_srcidx_builder_day(const tt_srcidx_builder *b, size_t i, int64_t *day, int32_t *sensor);
/* Writes into out the union of sensor-day i's sets and `stored` (that
 * sensor-day's stored blob, NULL/0 if none). Fails with TT_ERR_FORMAT
 * when the stored blob is damaged. Parts may be encoded on several threads
 * at once (and with tt_srcidx_builder_day_totals), except that a day of all
 * sensors (TT_SRCIDX_ALL) reads that day's sensor parts: encode it only
 * after them. */
TT_MUST_CHECK tt_status tt_srcidx_builder_encode(tt_srcidx_builder *b, size_t i, const uint8_t *stored,
                                                 size_t stored_len, tt_buf *out);
/* Day totals ride along: a sensor-hour's totals (segment.h format, of rows
 * not added before: sums are not idempotent like sets) ... */
TT_MUST_CHECK tt_status tt_srcidx_builder_add_totals(tt_srcidx_builder *b, int64_t hour, int32_t sensor,
                                                     const uint8_t *totals, size_t len);
/* ... summed with the stored day's totals (NULL/0 if none) into out. */
TT_MUST_CHECK tt_status tt_srcidx_builder_day_totals(tt_srcidx_builder *b, size_t i, const uint8_t *stored,
                                                     size_t stored_len, tt_buf *out);
/* Forgets everything (after a flush or a rollback), keeping memory. */
void tt_srcidx_builder_clear(tt_srcidx_builder *b);

/* Reading a stored sensor-day. */
typedef struct tt_srcidx_blob {
    const uint8_t *data;
    size_t len;
    uint32_t nkeys;
    const uint8_t *dir, *payload;
    size_t payload_len;
} tt_srcidx_blob;

/* Checks the header and directory bounds; TT_ERR_FORMAT if malformed. */
TT_MUST_CHECK tt_status tt_srcidx_open(const uint8_t *data, size_t len, tt_srcidx_blob *out);

/* A union of source sets, for exact distinct counts. IPv4 sources are
 * appended to an array that is sorted and deduplicated whenever it has
 * doubled (cheaper than inserting into a bitmap one by one). */
typedef struct tt_source_union {
    uint32_t *v4;
    size_t n, cap;
    size_t sorted; /* v4[0..sorted) is sorted and unique */
    tt_addr_set v6;
} tt_source_union;

TT_MUST_CHECK tt_status tt_source_union_init(tt_source_union *u);
void tt_source_union_free(tt_source_union *u);
TT_MUST_CHECK tt_status tt_source_union_add(tt_source_union *u, const tt_addr *src);
/* Adds the set of `key` in the blob (nothing if the key is absent);
 * TT_ERR_FORMAT if that set is damaged. */
TT_MUST_CHECK tt_status tt_source_union_add_key(tt_source_union *u, const tt_srcidx_blob *blob, uint32_t key);
TT_MUST_CHECK tt_status tt_source_union_count(tt_source_union *u, uint64_t *count);

/* Every source of every key, decoded (for tests and the fuzzer): calls fn
 * per (key, source) in key order. */
typedef tt_status (*tt_srcidx_fn)(void *ctx, uint32_t key, const tt_addr *src);
TT_MUST_CHECK tt_status tt_srcidx_walk(const tt_srcidx_blob *blob, tt_srcidx_fn fn, void *ctx);

#endif
