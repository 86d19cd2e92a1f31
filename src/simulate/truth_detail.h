/* truth-detail.tsv: the ground truth per (hour, sensor, source, protocol,
 * port, ICMP type), aggregated in a hash table and written hour by hour so
 * memory follows one hour of traffic. Columns:
 *   hour sensor src cc proto port icmp_type packets bytes first last
 * hour = UTC epoch seconds / 3600; port -1 for non-first fragments, 0 for
 * ICMP/ICMPv6; icmp_type -1 for non-ICMP; bytes = IP datagram lengths from
 * the IP headers; first/last = epoch seconds. Sorted by hour, sensor name,
 * source address (16-byte IPv4-mapped order), proto, port, icmp_type. */
#ifndef TT_SIMULATE_TRUTH_DETAIL_H
#define TT_SIMULATE_TRUTH_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/status.h"

typedef struct tt_sim_detail tt_sim_detail;

TT_MUST_CHECK tt_status tt_sim_detail_open(const char *path, tt_sim_detail **out, char *err, size_t errlen);

/* Counts one packet. cc: two letters; asn: the source's AS (0 = none). */
TT_MUST_CHECK tt_status tt_sim_detail_add(tt_sim_detail *d, uint32_t hour, uint8_t sensor, const tt_addr *src,
                                          const char *cc, uint32_t asn, uint8_t proto, int32_t port,
                                          int16_t icmp_type, uint32_t bytes, int64_t ts_sec);

/* Writes and forgets the rows held (call after each hour). */
TT_MUST_CHECK tt_status tt_sim_detail_flush(tt_sim_detail *d, char *err, size_t errlen);

/* Flushes, closes and frees (also on error). Accepts NULL. */
TT_MUST_CHECK tt_status tt_sim_detail_close(tt_sim_detail *d, char *err, size_t errlen);

#endif
