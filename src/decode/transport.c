/* Transport layer: TCP (with the options fingerprinting needs), UDP, ICMP and
 * ICMPv6 (with the IP header quoted in error messages). */
#include <stddef.h>

#include "decode/decode.h"
#include "decode/decode_internal.h"

enum {
    TCP_MIN_HEADER_LEN = 20,
    UDP_HEADER_LEN = 8,
    ICMP_HEADER_LEN = 8,

    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,
    TCP_OPT_WSCALE = 3,
    TCP_OPT_SACK_PERMITTED = 4,
    TCP_OPT_TIMESTAMP = 8,
};

/* ICMPv4 errors that quote the offending datagram: destination unreachable
 * (3), source quench (4), redirect (5), time exceeded (11), parameter
 * problem (12). */
#define ICMP4_ERROR_TYPES (1u << 3 | 1u << 4 | 1u << 5 | 1u << 11 | 1u << 12)
/* ICMPv6 errors: destination unreachable (1), packet too big (2), time
 * exceeded (3), parameter problem (4). */
#define ICMP6_ERROR_TYPES (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4)

/* Walks the captured options; stops at EOL, at a length that is < 2 or runs
 * past the captured bytes. Options with a wrong length for their kind are
 * skipped, not trusted. */
static void parse_tcp_options(const uint8_t *opt, uint32_t len, tt_packet *pkt)
{
    uint32_t i = 0;
    while (i < len) {
        uint8_t kind = opt[i];
        if (kind == TCP_OPT_EOL)
            return;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2)
            return;
        uint8_t opt_len = opt[i + 1];
        if (opt_len < 2 || opt_len > len - i)
            return;
        switch (kind) {
        case TCP_OPT_MSS:
            if (opt_len == 4)
                pkt->mss = decode_be16(opt + i + 2);
            break;
        case TCP_OPT_WSCALE:
            /* Kept as sent (RFC 7323 caps the use at 14, but odd values are
             * a fingerprint); saturates at the field's maximum. */
            if (opt_len == 3)
                pkt->wscale = (int8_t)(opt[i + 2] < INT8_MAX ? opt[i + 2] : INT8_MAX);
            break;
        case TCP_OPT_SACK_PERMITTED:
            if (opt_len == 2)
                pkt->sack_permitted = true;
            break;
        case TCP_OPT_TIMESTAMP:
            if (opt_len == 10)
                pkt->has_timestamp = true;
            break;
        default:
            break;
        }
        i += opt_len;
    }
}

static tt_outcome decode_tcp(const uint8_t *data, uint32_t avail, uint32_t declared,
                             tt_packet *pkt)
{
    if (avail < TCP_MIN_HEADER_LEN)
        return decode_short(TCP_MIN_HEADER_LEN, declared);
    uint32_t header_len = (uint32_t)(data[12] >> 4) * 4;
    pkt->has_ports = true;
    pkt->sport = decode_be16(data);
    pkt->dport = decode_be16(data + 2);
    pkt->seq = decode_be32(data + 4);
    pkt->ack = decode_be32(data + 8);
    pkt->tcp_header_len = (uint8_t)header_len;
    pkt->tcp_flags = data[13];
    pkt->window = decode_be16(data + 14);
    pkt->urgent = decode_be16(data + 18);
    if (header_len < TCP_MIN_HEADER_LEN || header_len > declared)
        return TT_OUTCOME_MALFORMED;

    uint32_t captured = header_len <= avail ? header_len : avail;
    uint32_t options_len = captured - TCP_MIN_HEADER_LEN; /* at most 40 */
    if (options_len != 0) {
        pkt->tcp_options = data + TCP_MIN_HEADER_LEN;
        pkt->tcp_options_len = (uint8_t)options_len;
        parse_tcp_options(pkt->tcp_options, options_len, pkt);
    }
    if (header_len > avail)
        return TT_OUTCOME_TRUNCATED;
    pkt->payload = data + header_len;
    pkt->payload_len = avail - header_len;
    return TT_OUTCOME_OK;
}

static tt_outcome decode_udp(const uint8_t *data, uint32_t avail, uint32_t declared,
                             tt_packet *pkt)
{
    if (avail < UDP_HEADER_LEN)
        return decode_short(UDP_HEADER_LEN, declared);
    pkt->has_ports = true;
    pkt->sport = decode_be16(data);
    pkt->dport = decode_be16(data + 2);
    pkt->udp_len = decode_be16(data + 4);
    uint32_t udp_len = pkt->udp_len;
    uint32_t payload_len = avail - UDP_HEADER_LEN;
    /* A UDP length outside [8, IP payload] is ignored (0 appears in IPv6
     * jumbograms, anything is possible in crafted packets). */
    if (udp_len >= UDP_HEADER_LEN && udp_len <= declared &&
        payload_len > udp_len - UDP_HEADER_LEN)
        payload_len = udp_len - UDP_HEADER_LEN;
    pkt->payload = data + UDP_HEADER_LEN;
    pkt->payload_len = payload_len;
    return TT_OUTCOME_OK;
}

static tt_outcome decode_icmp(const uint8_t *data, uint32_t avail, uint32_t declared,
                              uint32_t error_types, tt_packet *pkt)
{
    if (avail < ICMP_HEADER_LEN)
        return decode_short(ICMP_HEADER_LEN, declared);
    pkt->has_icmp = true;
    pkt->icmp_type = data[0];
    pkt->icmp_code = data[1];
    pkt->payload = data + ICMP_HEADER_LEN;
    pkt->payload_len = avail - ICMP_HEADER_LEN;
    if (pkt->icmp_type < 32 && (error_types >> pkt->icmp_type & 1u) != 0)
        tt_decode_quoted(pkt->payload, pkt->payload_len, pkt->ip_version, &pkt->quoted);
    return TT_OUTCOME_OK;
}

tt_outcome tt_decode_transport(const uint8_t *data, uint32_t avail, uint32_t declared,
                               tt_packet *pkt)
{
    switch (pkt->proto) {
    case TT_IPPROTO_TCP:
        return decode_tcp(data, avail, declared, pkt);
    case TT_IPPROTO_UDP:
        return decode_udp(data, avail, declared, pkt);
    case TT_IPPROTO_ICMP:
        if (pkt->ip_version == 4)
            return decode_icmp(data, avail, declared, ICMP4_ERROR_TYPES, pkt);
        return TT_OUTCOME_OK;
    case TT_IPPROTO_ICMP6:
        if (pkt->ip_version == 6)
            return decode_icmp(data, avail, declared, ICMP6_ERROR_TYPES, pkt);
        return TT_OUTCOME_OK;
    default:
        /* GRE, ESP, SCTP, ...: the protocol number is what a telescope counts. */
        return TT_OUTCOME_OK;
    }
}
