/* Every bound that hostile or huge input could otherwise grow, in one place. */
#ifndef TT_UTIL_LIMITS_H
#define TT_UTIL_LIMITS_H

/* Largest single growable buffer (a segment, an output document). */
#define TT_LIMIT_BUF_MAX ((size_t)1 << 30)
/* Sensors in one configuration / store. */
#define TT_LIMIT_SENSORS 4096
/* Prefixes in one configuration, over all sensors. */
#define TT_LIMIT_PREFIXES 65536
/* Longest configuration line accepted. */
#define TT_LIMIT_CONFIG_LINE 4096
/* Detail entries kept in memory during ingest before a flush to the store (two more such batches may
 * wait for the writer thread);
 * bounds ingest memory whatever the input size (~64 bytes each). */
#define TT_LIMIT_AGG_ENTRIES ((size_t)1 << 21)
/* Backscatter rows (sensor-hour x victim x port) kept in memory during ingest. */
#define TT_LIMIT_VICTIM_ROWS ((size_t)1 << 20)
/* Source → country cache entries during ingest. */
#define TT_LIMIT_GEO_CACHE ((size_t)1 << 20)
/* Packets between two commits of an ingest: bounds the work lost on a crash. */
#define TT_LIMIT_BATCH_PACKETS ((uint64_t)8 << 20)
/* Source-index pairs (source x key, 8 bytes each, plus as much to sort them)
 * held by a write transaction before they are merged into the stored days:
 * large enough that an ingest batch merges once, at its commit (each merge
 * re-encodes the days stored so far). */
#define TT_LIMIT_SRCIDX_PAIRS ((size_t)1 << 24)
/* Rows in one decoded segment (a sensor-hour). */
#define TT_LIMIT_SEGMENT_ROWS ((size_t)1 << 26)
/* Rows any query may return. */
#define TT_LIMIT_RESULT_ROWS ((size_t)1 << 24)
/* Largest frame accepted from a capture (libpcap's own maximum snaplen). */
#define TT_LIMIT_FRAME 262144

#endif
