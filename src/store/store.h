/* The store: where observations live between ingest and analysis.
 *
 * Two kinds of data, both keyed by UTC hour and sensor:
 *   rollup  — per hour x sensor x proto/port x ICMP type x country:
 *             packets, bytes, unique sources (ordinary rows)
 *   detail  — per hour x sensor: a segment of per-source rows (segment.h)
 * plus the catalogue: sensors, ingested files (by content hash) and decode
 * outcome counters. A backend implements tt_store_ops; SQLite is the embedded
 * default, and other engines (ClickHouse) plug in through the same table. */
#ifndef TT_STORE_STORE_H
#define TT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate/backscatter.h"
#include "decode/packet.h"
#include "store/segment.h"
#include "util/status.h"

typedef struct tt_store tt_store;

typedef struct tt_sensor_info {
    int32_t id;
    char name[64];
    char region[3];   /* country code of the sensor's location, "" if unset */
    char labels[256]; /* free "k=v,k=v" labels */
} tt_sensor_info;

typedef enum tt_file_state {
    TT_FILE_NEW = 0,  /* never seen */
    TT_FILE_PARTIAL,  /* an earlier ingest stopped after packets_done frames */
    TT_FILE_DONE,     /* fully ingested: skip */
} tt_file_state;

typedef struct tt_file_record {
    int64_t id;
    tt_file_state state;
    uint64_t frames_done; /* frames of the capture already committed */
} tt_file_record;

/* Progress of one file committed together with its data. */
typedef struct tt_file_progress {
    uint64_t frames_done;
    uint64_t outcomes[TT_OUTCOME_COUNT]; /* added to what is stored */
    int64_t first_ts, last_ts;           /* seen in this batch; 0 = none */
    bool done;
    const char *damage;     /* text of the damage report, or NULL */
    const char *geo_source; /* databases used for country/AS (classify/geo.h tt_geo_source) */
} tt_file_progress;

/* Which rows a query reads. Hours are UTC hour numbers (epoch/3600), the
 * range is half-open. sensor_set: NULL = all, else a bitmap by sensor id. */
typedef struct tt_rollup_filter {
    int64_t hour_from, hour_to;
    const uint8_t *sensor_set; /* bit i set = sensor id i included */
    int32_t sensor_set_size;   /* bits */
    bool has_port;             /* only proto/port (port -1 = non-first fragments) */
    uint8_t proto;
    int32_t port;
    tt_cc cc; /* only this source country; 0 = any */
    bool has_asn; /* only sources in this AS (answered from the segments) */
    uint32_t asn;
    bool has_kind; /* only packets of this kind (tool) */
    uint8_t kind;
    uint16_t exclude_kinds; /* bit k set: leave out packets of kind k (e.g. backscatter) */
    uint8_t exclude_flags;  /* leave out sources with any of these TT_GEO_* flags (known scanners) */
    /* scan_segments only: the rows the caller wants (NULL = all); others
     * may be left out without being decoded. */
    const tt_row_match *rows_wanted;
} tt_rollup_filter;

/* True when a row with these attributes passes the filter's kind/flag/asn/
 * country/port conditions (the hour and sensor are the scan's business). */
bool tt_filter_row(const tt_rollup_filter *f, tt_service service, uint8_t kind, uint8_t src_flags,
                   tt_cc cc, uint32_t asn, bool asn_known);

/* Rollup dimensions a scan keeps; the others are summed over (and reported
 * as 0 / -1 / 0). Unique sources cannot be summed across hours or sensors:
 * the sum is only exact when hour, sensor and service are all kept. */
enum {
    TT_GROUP_HOUR = 1 << 0,
    TT_GROUP_SENSOR = 1 << 1,
    TT_GROUP_PORT = 1 << 2,      /* proto + port */
    TT_GROUP_ICMP_TYPE = 1 << 3, /* with TT_GROUP_PORT */
    TT_GROUP_CC = 1 << 4,
    TT_GROUP_KIND = 1 << 5,
    TT_GROUP_ASN = 1 << 6, /* scan_totals only */
};

typedef struct tt_rollup_row {
    int64_t hour;
    int32_t sensor;
    tt_service service;
    tt_cc cc;
    uint8_t kind;
    uint8_t src_flags;
    uint32_t asn;
    uint64_t packets, bytes, sources;
} tt_rollup_row;

typedef tt_status (*tt_rollup_fn)(void *ctx, const tt_rollup_row *row);
/* Called once per segment with its decoded rows (borrowed for the call). */
typedef tt_status (*tt_segment_fn)(void *ctx, int64_t hour, int32_t sensor,
                                   const tt_detail_row *rows, size_t n);

typedef struct tt_file_info {
    int64_t id;
    char name[512];
    char hash[33];
    uint64_t size, frames;
    bool done;
    int64_t first_ts, last_ts, ingested_at;
    char damage[512];
} tt_file_info;
typedef tt_status (*tt_file_fn)(void *ctx, const tt_file_info *file);

/* Live sensors (collector side, see ship/batch.h and collect/). */

/* An interval in which a sensor lost `packets` packets it knows of. */
typedef struct tt_gap {
    int64_t start, end; /* seconds since the epoch, inclusive */
    uint64_t packets;
    uint8_t reason; /* ship/batch.h tt_gap_reason */
} tt_gap;

/* What the collector knows of a live sensor's health. Counters are the
 * sensor's own since it started; times are the collector's clock (0 = never). */
typedef struct tt_sensor_health {
    int32_t sensor;
    int64_t heartbeat_at, batch_at;
    int64_t skew; /* sensor clock minus collector clock at the last heartbeat, seconds */
    int64_t interval; /* heartbeat interval the sensor announced, seconds */
    uint64_t epoch, seq; /* last batch accepted */
    uint64_t spool_batches, spool_bytes;
    uint64_t captured, capture_drops, iface_drops, spool_drops;
    uint64_t pending; /* batches accepted but not yet folded (health_list only) */
    char address[64];
    char version[32];
} tt_sensor_health;

/* One stored sensor-day of the source index (store/source_index.h). */
typedef tt_status (*tt_srcidx_blob_fn)(void *ctx, int64_t day, int32_t sensor, const uint8_t *data, size_t len);

typedef tt_status (*tt_inbox_fn)(void *ctx, int64_t id, int32_t sensor, const uint8_t *data, size_t len);
typedef tt_status (*tt_gap_fn)(void *ctx, int32_t sensor, const tt_gap *gap);
typedef tt_status (*tt_uptime_fn)(void *ctx, int32_t sensor, int64_t hour, uint32_t seconds);

typedef struct tt_store_ops {
    const char *name;
    const char *help;
    /* Lifecycle */
    tt_status (*open)(const char *location, bool writable, tt_store **out, char *err, size_t errlen);
    void (*close)(tt_store *store);
    const char *(*last_error)(tt_store *store);
    /* Another read-only connection to the same store, for a second thread
     * (a connection serves one thread at a time). TT_ERR_UNSUPPORTED when
     * there is none to have (an in-memory store). */
    tt_status (*open_reader)(tt_store *store, tt_store **out);
    /* Writing */
    tt_status (*begin)(tt_store *store);
    tt_status (*commit)(tt_store *store);
    tt_status (*rollback)(tt_store *store);
    tt_status (*sensor_upsert)(tt_store *store, const tt_sensor_info *info, int32_t *id);
    tt_status (*file_lookup)(tt_store *store, const uint8_t hash[16], uint64_t size,
                             const char *name, tt_file_record *out);
    tt_status (*file_update)(tt_store *store, int64_t file_id, const tt_file_progress *progress);
    /* Adds a sensor-hour's detail rows (sorted by src, service), merging with
     * rows already stored for that sensor-hour, and keeps the rollup in step. */
    tt_status (*put_hour)(tt_store *store, int64_t hour, int32_t sensor, const tt_detail_row *rows,
                          size_t n);
    /* Adds a backscatter row (rows of the same sensor-hour/victim/port add up,
     * minute by minute). */
    tt_status (*put_victim)(tt_store *store, const tt_victim_row *row);
    /* Reading */
    tt_status (*sensors)(tt_store *store, tt_sensor_info **list, size_t *n); /* caller frees */
    tt_status (*scan_rollup)(tt_store *store, const tt_rollup_filter *filter, unsigned group,
                             tt_rollup_fn fn, void *ctx);
    /* Segments in the filter's range; with `only_src`, only those whose Bloom
     * filter may hold it. keys_only: rows carry only src, service and cc. */
    tt_status (*scan_segments)(tt_store *store, const tt_rollup_filter *filter,
                               const tt_addr *only_src, bool keys_only, tt_segment_fn fn, void *ctx);
    /* Per sensor-hour totals by port and kind (group TT_GROUP_PORT, with ICMP
     * type), by country (TT_GROUP_CC) or by AS (TT_GROUP_ASN), as rows with
     * hour, sensor and src_flags set; only the hour/sensor filter is applied. */
    tt_status (*scan_totals)(tt_store *store, const tt_rollup_filter *filter, unsigned group,
                             tt_rollup_fn fn, void *ctx);
    /* scan_totals for whole UTC days [day_from, day_to): one row per key and
     * sensor-day, with hour = the day's first hour. Unless by_sensor, rows
     * of all sensors together may come instead, with sensor -1, when the
     * filter takes every sensor. */
    tt_status (*scan_day_totals)(tt_store *store, const tt_rollup_filter *filter, int64_t day_from, int64_t day_to,
                                 bool by_sensor, unsigned group, tt_rollup_fn fn, void *ctx);
    /* The source index (store/source_index.h) of the filter's sensors for
     * UTC days [day_from, day_to): one blob per sensor-day with data, or,
     * when the filter takes every sensor, per day for all (sensor -1). */
    tt_status (*scan_source_index)(tt_store *store, const tt_rollup_filter *filter, int64_t day_from,
                                   int64_t day_to, tt_srcidx_blob_fn fn, void *ctx);
    /* Backscatter rows of the filter's hours and sensors, ordered by victim then hour. */
    tt_status (*scan_victims)(tt_store *store, const tt_rollup_filter *filter,
                              tt_status (*fn)(void *ctx, const tt_victim_row *row), void *ctx);
    tt_status (*files)(tt_store *store, tt_file_fn fn, void *ctx);
    tt_status (*outcome_totals)(tt_store *store, uint64_t totals[TT_OUTCOME_COUNT]);
    /* Smallest and largest hour with data; TT_ERR_NOTFOUND when empty. */
    tt_status (*hour_range)(tt_store *store, int64_t *first, int64_t *last);
    /* Live sensors. Exactly-once: batch_accept records (sensor, epoch, seq)
     * and keeps the batch in the inbox, in the caller's transaction; it
     * returns TT_ERR_DUPLICATE (storing nothing) when that batch or a later
     * one of the epoch was accepted before. Inbox batches are folded into the
     * data later (collect/apply.h) and deleted in the folding transaction. */
    tt_status (*batch_accept)(tt_store *store, int32_t sensor, uint64_t epoch, uint64_t seq, const uint8_t *data,
                              size_t len, int64_t now, uint64_t *last_seq);
    tt_status (*inbox_scan)(tt_store *store, size_t max_batches, tt_inbox_fn fn, void *ctx);
    tt_status (*inbox_delete)(tt_store *store, int64_t id);
    tt_status (*put_gap)(tt_store *store, int32_t sensor, const tt_gap *gap);
    /* Adds the capture interval [from, to) to the sensor's uptime, per hour. */
    tt_status (*add_uptime)(tt_store *store, int32_t sensor, int64_t from, int64_t to);
    /* Heartbeat fields (everything but epoch, seq, batch_at). */
    tt_status (*health_put)(tt_store *store, const tt_sensor_health *health);
    tt_status (*health_list)(tt_store *store, tt_sensor_health **list, size_t *n); /* caller frees */
    /* Gaps overlapping the filter's hours and sensors, and uptime per sensor-hour. */
    tt_status (*scan_gaps)(tt_store *store, const tt_rollup_filter *filter, tt_gap_fn fn, void *ctx);
    tt_status (*scan_uptime)(tt_store *store, const tt_rollup_filter *filter, tt_uptime_fn fn, void *ctx);
} tt_store_ops;

/* The store handle starts with its ops so generic code can dispatch. */
struct tt_store {
    const tt_store_ops *ops;
};

extern const tt_store_ops tt_store_sqlite_ops;

/* Opens a store from a location: a file path (SQLite). */
TT_MUST_CHECK tt_status tt_store_open(const char *location, bool writable, tt_store **out, char *err,
                                      size_t errlen);
void tt_store_close(tt_store *store); /* accepts NULL */
/* Text for a failed store call: the backend's message for TT_ERR_DB,
 * TT_ERR_FORMAT and TT_ERR_USAGE, else the status's own text. */
const char *tt_store_error_text(tt_store *store, tt_status st);

static inline bool tt_sensor_set_has(const tt_rollup_filter *f, int32_t sensor)
{
    if (f->sensor_set == NULL)
        return true;
    return sensor >= 0 && sensor < f->sensor_set_size &&
           (f->sensor_set[sensor / 8] & (1u << (sensor % 8)));
}

#endif
