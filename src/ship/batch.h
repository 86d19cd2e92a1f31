/* Observation batches: what a sensor ships to the collector.
 *
 * A batch is everything one sensor observed during one interval [opened,
 * closed) of its capture: per hour, the per-source detail rows (the same
 * columnar segment codec as the store), the backscatter rows, decode outcome
 * counters, capture statistics and declared gaps (packets the sensor knows it
 * lost, and why). Batches are identified by (sensor, epoch, seq): the epoch is
 * drawn when a spool is created, seq counts from 1 within it. The format is
 * documented in docs/shipping.md.
 *
 *   "TTOB" version(1)
 *   varint meta_len, meta: a zstd frame of varints (header, gaps, victims,
 *                          seq - first_seq)
 *   varint nsections, then per section: varint hour, varint nrows,
 *                                       varint len, segment bytes (compact)
 */
#ifndef TT_SHIP_BATCH_H
#define TT_SHIP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate/backscatter.h"
#include "decode/packet.h"
#include "store/segment.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/status.h"

/* Version 3: the header ends with the first sequence number a merged batch
 * stands for. Version 2: sections are compact (version 3) segments. Versions
 * 1 (version 2 segments) and 2 are still read. */
#define TT_BATCH_VERSION 3

typedef enum tt_gap_reason {
    TT_GAP_SPOOL_FULL = 1,   /* the sensor's spool was at its cap: packets not kept */
    TT_GAP_CAPTURE_DROP = 2, /* the kernel/libpcap dropped packets (pcap_stats ps_drop) */
    TT_GAP_IFACE_DROP = 3,   /* the interface dropped packets (ps_ifdrop) */
    TT_GAP_REASON_MAX = 3
} tt_gap_reason;

const char *tt_gap_reason_name(uint8_t reason); /* "spool-full", "capture-drop", "interface-drop" */

typedef struct tt_batch_header {
    char sensor[64];
    uint64_t epoch, seq;
    uint64_t first_seq;     /* a merged batch stands for first_seq..seq (ship/merge.h); else seq (0 = seq when building) */
    int64_t opened, closed; /* the capture ran over [opened, closed) (sensor clock, seconds) */
    uint64_t frames;        /* frames captured in the interval, whatever their outcome */
    uint64_t packets;       /* sum of the detail rows' packets (a cross-check) */
    uint64_t outcomes[TT_OUTCOME_COUNT];
} tt_batch_header;

/* One hour's detail rows, still encoded (see tt_batch_section_rows). */
typedef struct tt_batch_section {
    int64_t hour;
    uint32_t nrows;
    const uint8_t *data; /* borrowed from the batch bytes */
    size_t len;
    tt_detail_row *rows; /* decoded rows (nrows), kept only by tt_batch_decode_rows; owned */
} tt_batch_section;

/* A decoded batch. Sections borrow from the bytes given to tt_batch_decode. */
typedef struct tt_batch {
    tt_batch_header header;
    tt_gap *gaps;
    size_t ngaps;
    tt_victim_row *victims; /* sensor field is 0 */
    size_t nvictims;
    tt_batch_section *sections;
    size_t nsections;
} tt_batch;

/* Builds a batch: add sections and victims, then finish. */
typedef struct tt_batch_builder {
    tt_buf sections, scratch, bloom;
    size_t nsections;
    tt_victim_row *victims;
    size_t nvictims, victims_cap;
    uint64_t packets;
} tt_batch_builder;

void tt_batch_builder_init(tt_batch_builder *b);
void tt_batch_builder_free(tt_batch_builder *b);
void tt_batch_builder_reset(tt_batch_builder *b);
/* Rows sorted by (src, service, kind), all within the hour; cc/asn/flags are ignored. */
TT_MUST_CHECK tt_status tt_batch_builder_add_hour(tt_batch_builder *b, int64_t hour, const tt_detail_row *rows,
                                                  size_t n);
TT_MUST_CHECK tt_status tt_batch_builder_add_victim(tt_batch_builder *b, const tt_victim_row *row);
uint64_t tt_batch_builder_packets(const tt_batch_builder *b);
/* Writes the batch (header.packets is taken from the rows added) into out. */
TT_MUST_CHECK tt_status tt_batch_builder_finish(tt_batch_builder *b, const tt_batch_header *header,
                                                const tt_gap *gaps, size_t ngaps, tt_buf *out);

/* Parses and fully validates a batch (every section is decoded once);
 * TT_ERR_FORMAT with a message naming the byte offset on malformed input. */
TT_MUST_CHECK tt_status tt_batch_decode(const uint8_t *data, size_t len, tt_batch *out, char *err,
                                        size_t errlen);
/* Decodes only the header, gaps and backscatter rows: sections and nsections
 * stay empty and no section is checked (what a spool lists of a piece). */
TT_MUST_CHECK tt_status tt_batch_decode_header(const uint8_t *data, size_t len, tt_batch *out, char *err,
                                               size_t errlen);
/* Same, keeping every section's decoded rows in sections[i].rows (a caller
 * that needs the rows takes them instead of decoding the sections again). */
TT_MUST_CHECK tt_status tt_batch_decode_rows(const uint8_t *data, size_t len, tt_batch *out, char *err,
                                             size_t errlen);
void tt_batch_free(tt_batch *batch); /* frees what decode allocated */

/* Decodes one section's rows (cc/asn/flags 0). */
TT_MUST_CHECK tt_status tt_batch_section_rows(const tt_batch_section *s, tt_detail_row **rows, size_t *n,
                                              size_t *cap);

/* Most gaps one batch declares. */
#define TT_BATCH_MAX_GAPS 4096

/* Largest batch accepted anywhere (bytes on the wire / in the spool). */
#define TT_BATCH_MAX_BYTES ((size_t)64 << 20)

#endif
