/* Frame decoder: link layer → IPv4/IPv6 (+extension headers) → TCP/UDP/ICMP.
 * Every read is bounds-checked against the captured length (a whole header is
 * shown to be present, then its fields are read big-endian at fixed offsets);
 * nothing is cast onto the frame. No allocation, no copy of the frame:
 * pointers in tt_packet borrow from `frame`. Thread-safe (no global state). */
#ifndef TT_DECODE_DECODE_H
#define TT_DECODE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

/* Link types by their DLT_/LINKTYPE_ numbers (as pcap_datalink() returns). */
enum {
    TT_DLT_NULL = 0,         /* BSD loopback, host-order 4-byte family */
    TT_DLT_EN10MB = 1,       /* Ethernet, with 802.1Q / QinQ tags */
    TT_DLT_RAW = 12,         /* raw IP (DLT_RAW on most platforms) */
    TT_DLT_RAW_ALT = 14,     /* raw IP on OpenBSD numbering */
    TT_DLT_LOOP = 108,       /* OpenBSD loopback, network-order family */
    TT_DLT_LINUX_SLL = 113,  /* Linux cooked v1 */
    TT_LINKTYPE_RAW = 101,   /* LINKTYPE_RAW as stored in files */
    TT_DLT_IPV4 = 228,
    TT_DLT_IPV6 = 229,
    TT_DLT_LINUX_SLL2 = 276, /* Linux cooked v2 */
};

/* True when tt_decode_frame understands this link type. */
bool tt_decode_link_supported(int linktype);

/* Decodes one frame. `pkt` is fully reset first; ts/caplen/wirelen are filled
 * from the arguments. Returns the outcome (never TT_OUTCOME_UNASSIGNED); on
 * TT_OUTCOME_OK and TT_OUTCOME_FRAGMENT src/dst/proto/ttl/ip_len are valid.
 *
 * Outcome details:
 * - TT_OUTCOME_TRUNCATED: the capture ends inside a header. When that is the
 *   transport header, the IP fields (ip_version, src, dst, proto, ttl, ip_len,
 *   ...) are filled as on TT_OUTCOME_OK; a TCP header cut inside its options
 *   still has has_ports, ports, seq/ack/flags and the captured options parsed.
 *   A payload cut by the snap length is not truncation: payload_len counts
 *   the captured bytes.
 * - TT_OUTCOME_MALFORMED: a field is impossible (version, IHL < 5, total length
 *   < IHL, TCP data offset < 5, a header longer than the IP length says, more
 *   than 8 VLAN tags or IPv6 extension headers).
 * - TT_OUTCOME_FRAGMENT: IPv4 offset != 0 or IPv6 fragment header with offset
 *   != 0; proto is the fragment's protocol, has_ports is false.
 * - Other IP protocols (GRE, ESP, SCTP, ...) are TT_OUTCOME_OK with proto set,
 *   has_ports false and no payload.
 * - DLT_NULL families are read in either byte order; DLT_IPV4 / DLT_IPV6
 *   frames whose version nibble disagrees are malformed, DLT_RAW ones pick the
 *   version from the nibble. */
tt_outcome tt_decode_frame(int linktype, const uint8_t *frame, uint32_t caplen,
                           uint32_t wirelen, int64_t ts_sec, uint32_t ts_usec,
                           tt_packet *pkt);

/* Decodes from the IP header on, choosing IPv4/IPv6 from the version nibble.
 * Resets `pkt` like tt_decode_frame, with caplen = wirelen = len and a zero
 * timestamp. */
tt_outcome tt_decode_ip(const uint8_t *data, uint32_t len, tt_packet *pkt);

#endif
