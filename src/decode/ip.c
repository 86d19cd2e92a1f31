/* IP layer: IPv4 header, IPv6 fixed header and extension-header chain,
 * fragments, and the IP header quoted inside ICMP errors. */
#include <stddef.h>

#include "decode/decode.h"
#include "decode/decode_internal.h"

enum {
    IPV4_MIN_HEADER_LEN = 20,
    IPV4_FLAG_DF = 0x4000,
    IPV4_FLAG_MF = 0x2000,
    IPV4_OFFSET_MASK = 0x1fff,
    IPV6_HEADER_LEN = 40,
    IPV6_FRAGMENT_HEADER_LEN = 8,
    IPV6_FRAGMENT_MF = 0x0001,

    /* IPv6 next-header values walked as extension headers. ESP (50) and
     * no-next-header (59) end the chain like any upper-layer protocol. */
    IPV6_EXT_HOP_BY_HOP = 0,
    IPV6_EXT_ROUTING = 43,
    IPV6_EXT_FRAGMENT = 44,
    IPV6_EXT_AH = 51,
    IPV6_EXT_DEST_OPTIONS = 60,
};

/* State of a walk along an IPv6 extension-header chain. */
typedef struct ext_walk {
    const uint8_t *p;  /* current header */
    uint32_t avail;    /* captured bytes from p */
    uint32_t declared; /* bytes from p by the payload length (>= avail) */
    uint8_t next;      /* protocol of the header at p */
    bool has_fragment_header;
    bool fragment;         /* offset != 0 or more-fragments set */
    bool fragment_nonfirst;
    uint32_t fragment_id;
} ext_walk;

/* Advances w past extension headers until an upper-layer protocol (w->next).
 * Returns TT_OUTCOME_OK there, TT_OUTCOME_FRAGMENT at a fragment header with
 * a non-zero offset (w->next is then the fragment's next header), or
 * TT_OUTCOME_TRUNCATED / TT_OUTCOME_MALFORMED. */
static tt_outcome walk_ipv6_extensions(ext_walk *w)
{
    for (unsigned count = 0;; count++) {
        uint32_t header_len;
        switch (w->next) {
        case IPV6_EXT_HOP_BY_HOP:
        case IPV6_EXT_ROUTING:
        case IPV6_EXT_DEST_OPTIONS:
            if (w->avail < 2)
                return decode_short(2, w->declared);
            header_len = ((uint32_t)w->p[1] + 1) * 8;
            break;
        case IPV6_EXT_AH:
            if (w->avail < 2)
                return decode_short(2, w->declared);
            header_len = ((uint32_t)w->p[1] + 2) * 4;
            break;
        case IPV6_EXT_FRAGMENT: {
            header_len = IPV6_FRAGMENT_HEADER_LEN;
            if (w->avail < header_len)
                return decode_short(header_len, w->declared);
            uint16_t offset_flags = decode_be16(w->p + 2);
            w->has_fragment_header = true;
            w->fragment_id = decode_be32(w->p + 4);
            /* An atomic fragment (offset 0, no MF) is a whole datagram. */
            w->fragment = (offset_flags & 0xfff8) != 0 || (offset_flags & IPV6_FRAGMENT_MF) != 0;
            if (offset_flags >> 3 != 0) {
                w->fragment_nonfirst = true;
                w->next = w->p[0];
                return TT_OUTCOME_FRAGMENT;
            }
            break;
        }
        default:
            return TT_OUTCOME_OK;
        }
        if (count == TT_DECODE_MAX_IPV6_EXT)
            return TT_OUTCOME_MALFORMED;
        if (w->avail < header_len)
            return decode_short(header_len, w->declared);
        w->next = w->p[0];
        w->p += header_len;
        w->avail -= header_len;
        w->declared -= header_len;
    }
}

tt_outcome tt_decode_ipv4(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    if (len == 0)
        return TT_OUTCOME_TRUNCATED;
    if (data[0] >> 4 != 4)
        return TT_OUTCOME_MALFORMED;
    if (len < IPV4_MIN_HEADER_LEN)
        return TT_OUTCOME_TRUNCATED;
    uint32_t header_len = (data[0] & 0x0fu) * 4;
    uint32_t total_len = decode_be16(data + 2);
    if (header_len < IPV4_MIN_HEADER_LEN || total_len < header_len)
        return TT_OUTCOME_MALFORMED;
    if (header_len > len)
        return TT_OUTCOME_TRUNCATED;

    uint16_t flags_offset = decode_be16(data + 6);
    pkt->ip_version = 4;
    pkt->tos = data[1];
    pkt->ip_len = total_len;
    pkt->ip_id = decode_be16(data + 4);
    pkt->dont_fragment = (flags_offset & IPV4_FLAG_DF) != 0;
    pkt->fragment = (flags_offset & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) != 0;
    pkt->ttl = data[8];
    pkt->proto = data[9];
    decode_addr_v4(&pkt->src, data + 12);
    decode_addr_v4(&pkt->dst, data + 16);
    if ((flags_offset & IPV4_OFFSET_MASK) != 0) {
        pkt->fragment_nonfirst = true;
        return TT_OUTCOME_FRAGMENT;
    }
    /* Captured bytes beyond total_len are link padding; a total_len beyond
     * the capture is the snap length at work, not an error. */
    uint32_t end = total_len < len ? total_len : len;
    return tt_decode_transport(data + header_len, end - header_len, total_len - header_len,
                               pkt);
}

tt_outcome tt_decode_ipv6(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    if (len == 0)
        return TT_OUTCOME_TRUNCATED;
    if (data[0] >> 4 != 6)
        return TT_OUTCOME_MALFORMED;
    if (len < IPV6_HEADER_LEN)
        return TT_OUTCOME_TRUNCATED;

    uint32_t payload_len = decode_be16(data + 4);
    pkt->ip_version = 6;
    pkt->tos = (uint8_t)(decode_be16(data) >> 4);
    pkt->ip_len = IPV6_HEADER_LEN + payload_len;
    pkt->ttl = data[7];
    memcpy(pkt->src.bytes, data + 8, 16);
    memcpy(pkt->dst.bytes, data + 24, 16);

    ext_walk w = {.p = data + IPV6_HEADER_LEN, .avail = len - IPV6_HEADER_LEN, .next = data[6]};
    /* Payload length 0 is a jumbogram (or garbage): its length is not in
     * this header, so the capture is all there is to go by. */
    w.declared = payload_len != 0 ? payload_len : w.avail;
    if (w.avail > w.declared)
        w.avail = w.declared;
    tt_outcome outcome = walk_ipv6_extensions(&w);
    pkt->proto = w.next;
    if (w.has_fragment_header) {
        pkt->ip_id = (uint16_t)w.fragment_id;
        pkt->fragment = w.fragment;
        pkt->fragment_nonfirst = w.fragment_nonfirst;
    }
    if (outcome != TT_OUTCOME_OK)
        return outcome;
    return tt_decode_transport(w.p, w.avail, w.declared, pkt);
}

tt_outcome tt_decode_ip_any(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    if (len == 0)
        return TT_OUTCOME_TRUNCATED;
    switch (data[0] >> 4) {
    case 4:
        return tt_decode_ipv4(data, len, pkt);
    case 6:
        return tt_decode_ipv6(data, len, pkt);
    default:
        return TT_OUTCOME_MALFORMED;
    }
}

tt_outcome tt_decode_ip(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    decode_reset(pkt);
    pkt->caplen = len;
    pkt->wirelen = len;
    /* tt_decode_ip_any tests len before touching data: NULL is an empty packet. */
    return tt_decode_ip_any(data, data != NULL ? len : 0, pkt);
}

/* Ports are the first 4 bytes of both TCP and UDP headers. */
static void quoted_ports(const uint8_t *transport, uint32_t avail, tt_quoted *quoted)
{
    if ((quoted->proto == TT_IPPROTO_TCP || quoted->proto == TT_IPPROTO_UDP) && avail >= 4) {
        quoted->sport = decode_be16(transport);
        quoted->dport = decode_be16(transport + 2);
    }
}

void tt_decode_quoted(const uint8_t *data, uint32_t len, uint8_t version, tt_quoted *quoted)
{
    if (version == 4) {
        if (len < IPV4_MIN_HEADER_LEN || data[0] >> 4 != 4)
            return;
        uint32_t header_len = (data[0] & 0x0fu) * 4;
        if (header_len < IPV4_MIN_HEADER_LEN)
            return;
        quoted->present = true;
        quoted->proto = data[9];
        decode_addr_v4(&quoted->src, data + 12);
        decode_addr_v4(&quoted->dst, data + 16);
        /* The quote is cut short by the ICMP sender, so its total length
         * says nothing about how much of it is here. */
        if (header_len <= len && (decode_be16(data + 6) & IPV4_OFFSET_MASK) == 0)
            quoted_ports(data + header_len, len - header_len, quoted);
        return;
    }
    if (len < IPV6_HEADER_LEN || data[0] >> 4 != 6)
        return;
    quoted->present = true;
    memcpy(quoted->src.bytes, data + 8, 16);
    memcpy(quoted->dst.bytes, data + 24, 16);
    ext_walk w = {.p = data + IPV6_HEADER_LEN,
                  .avail = len - IPV6_HEADER_LEN,
                  .declared = len - IPV6_HEADER_LEN,
                  .next = data[6]};
    tt_outcome outcome = walk_ipv6_extensions(&w);
    quoted->proto = w.next;
    if (outcome == TT_OUTCOME_OK)
        quoted_ports(w.p, w.avail, quoted);
}
