/* What the decoder extracts from one captured frame. Pointers into the frame
 * (options, payload) are borrowed: valid only while the capture buffer is. */
#ifndef TT_DECODE_PACKET_H
#define TT_DECODE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

enum {
    TT_IPPROTO_ICMP = 1,
    TT_IPPROTO_TCP = 6,
    TT_IPPROTO_UDP = 17,
    TT_IPPROTO_ICMP6 = 58,
};

/* TCP flag bits as on the wire. */
enum {
    TT_TCP_FIN = 0x01,
    TT_TCP_SYN = 0x02,
    TT_TCP_RST = 0x04,
    TT_TCP_PSH = 0x08,
    TT_TCP_ACK = 0x10,
    TT_TCP_URG = 0x20,
    TT_TCP_ECE = 0x40,
    TT_TCP_CWR = 0x80,
};

/* Per-frame outcome; each has a counter in the store. A telescope sees odd
 * packets all the time: they are data, not errors. */
typedef enum tt_outcome {
    TT_OUTCOME_OK = 0,           /* IP packet decoded with its transport header */
    TT_OUTCOME_FRAGMENT,         /* non-first IP fragment: protocol known, no ports */
    TT_OUTCOME_TRUNCATED,        /* frame ends inside a header we need */
    TT_OUTCOME_MALFORMED,        /* a header field is impossible (bad version, length, IHL...) */
    TT_OUTCOME_UNSUPPORTED_LINK, /* link type teiten does not decode */
    TT_OUTCOME_NOT_IP,           /* link layer fine, payload not IPv4/IPv6 (ARP, LLDP...) */
    TT_OUTCOME_UNASSIGNED,       /* decoded, but the destination belongs to no sensor */
    TT_OUTCOME_COUNT
} tt_outcome;

const char *tt_outcome_name(tt_outcome outcome); /* "ok", "fragment", "truncated", ... */

/* The transport header quoted inside an ICMP/ICMPv6 error message. */
typedef struct tt_quoted {
    bool present;
    uint8_t proto;
    tt_addr src, dst;
    uint16_t sport, dport; /* 0 when the quote is too short or not TCP/UDP */
} tt_quoted;

typedef struct tt_packet {
    int64_t ts_sec;
    uint32_t ts_usec;
    uint32_t caplen;  /* bytes captured of the frame */
    uint32_t wirelen; /* frame length on the wire */

    uint8_t ip_version; /* 4 or 6 */
    tt_addr src, dst;
    uint8_t proto;     /* final upper-layer protocol (after IPv6 extension headers) */
    uint8_t ttl;       /* TTL or hop limit */
    uint16_t ip_id;    /* IPv4 ID; IPv6: low 16 bits of the fragment ID, else 0 */
    uint32_t ip_len;   /* IP datagram length from the header (total length / 40 + payload length) */
    uint8_t tos;       /* TOS / traffic class */
    bool dont_fragment;
    bool fragment;          /* part of a fragmented datagram (first or not) */
    bool fragment_nonfirst; /* offset != 0: no transport header */

    bool has_ports; /* TCP or UDP header present */
    uint16_t sport, dport;

    /* TCP (proto 6, has_ports) */
    uint32_t seq, ack;
    uint8_t tcp_flags;
    uint16_t window;
    uint16_t urgent;
    uint8_t tcp_header_len;        /* data offset * 4 */
    const uint8_t *tcp_options;    /* borrowed */
    uint8_t tcp_options_len;
    uint16_t mss;                  /* 0 when absent */
    int8_t wscale;                 /* -1 when absent */
    bool sack_permitted, has_timestamp;

    /* UDP (proto 17, has_ports) */
    uint16_t udp_len;

    /* ICMP / ICMPv6 */
    bool has_icmp;
    uint8_t icmp_type, icmp_code;
    tt_quoted quoted; /* for error messages (unreachable, time exceeded, ...) */

    /* Transport payload (UDP data, TCP data, ICMP body after the 8-byte header). */
    const uint8_t *payload; /* borrowed */
    uint32_t payload_len;   /* bytes available in the capture */
} tt_packet;

#endif
