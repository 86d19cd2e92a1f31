/* Backscatter bookkeeping during ingest: replies of DoS victims (SYN-ACK,
 * RST, ICMP errors) to packets that spoofed a telescope address, counted per
 * sensor-hour x victim x attacked protocol/port, with the busiest minute so
 * attacks and their peak rates can be inferred later (analyze/attacks.h). */
#ifndef TT_AGGREGATE_BACKSCATTER_H
#define TT_AGGREGATE_BACKSCATTER_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "util/addr.h"
#include "util/status.h"

typedef struct tt_victim_row {
    int64_t hour;
    int32_t sensor;
    tt_addr victim;
    uint8_t proto;   /* protocol of the attacked service */
    int32_t port;    /* attacked port (the reply's source port; for ICMP the quoted destination port), 0 if none */
    uint64_t packets, bytes;
    uint32_t first, last;
    uint16_t minute[60]; /* packets in each minute of the hour (saturating) */
} tt_victim_row;

typedef struct tt_backscatter_agg tt_backscatter_agg;

tt_backscatter_agg *tt_backscatter_agg_new(size_t max_rows);
void tt_backscatter_agg_free(tt_backscatter_agg *agg); /* accepts NULL */

/* The victim and attacked service of a backscatter packet. */
void tt_backscatter_victim(const tt_packet *pkt, tt_addr *victim, uint8_t *proto, int32_t *port);

/* Counts one backscatter packet. TT_ERR_NOMEM at the bound: take the rows, then add again. */
TT_MUST_CHECK tt_status tt_backscatter_add(tt_backscatter_agg *agg, int64_t ts_sec, int32_t sensor,
                                           const tt_packet *pkt);
size_t tt_backscatter_count(const tt_backscatter_agg *agg);
/* Row i < count (borrowed until tt_backscatter_clear). */
const tt_victim_row *tt_backscatter_get(const tt_backscatter_agg *agg, size_t i);
void tt_backscatter_clear(tt_backscatter_agg *agg);

#endif
