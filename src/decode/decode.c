/* Link layer: finds the IP header behind each supported link type (Ethernet
 * with VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback) and hands it to
 * the IP layer. Also the outcome names. */
#include "decode/decode.h"

#include <stddef.h>

#include "decode/decode_internal.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,      /* 802.1Q customer tag */
    ETHERTYPE_QINQ = 0x88a8,      /* 802.1ad service tag */
    ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-standard QinQ */
    ETHER_HEADER_LEN = 14,
    VLAN_TAG_LEN = 4,
    SLL_HEADER_LEN = 16,  /* protocol at offset 14 */
    SLL2_HEADER_LEN = 20, /* protocol at offset 0 */
    LOOPBACK_HEADER_LEN = 4,
};

/* Address family values in DLT_NULL / DLT_LOOP headers. AF_INET is 2
 * everywhere; AF_INET6 differs between the systems that wrote the capture. */
enum {
    FAMILY_INET = 2,
    FAMILY_INET6_LINUX = 10,
    FAMILY_INET6_NETBSD_OPENBSD = 24,
    FAMILY_INET6_FREEBSD = 28,
    FAMILY_INET6_DARWIN = 30,
};

static const char *const outcome_names[TT_OUTCOME_COUNT] = {
    [TT_OUTCOME_OK] = "ok",
    [TT_OUTCOME_FRAGMENT] = "fragment",
    [TT_OUTCOME_TRUNCATED] = "truncated",
    [TT_OUTCOME_MALFORMED] = "malformed",
    [TT_OUTCOME_UNSUPPORTED_LINK] = "unsupported_link",
    [TT_OUTCOME_NOT_IP] = "not_ip",
    [TT_OUTCOME_UNASSIGNED] = "unassigned",
};

const char *tt_outcome_name(tt_outcome outcome)
{
    if ((unsigned)outcome >= TT_OUTCOME_COUNT)
        return "invalid";
    return outcome_names[outcome];
}

bool tt_decode_link_supported(int linktype)
{
    switch (linktype) {
    case TT_DLT_NULL:
    case TT_DLT_EN10MB:
    case TT_DLT_RAW:
    case TT_DLT_RAW_ALT:
    case TT_DLT_LOOP:
    case TT_DLT_LINUX_SLL:
    case TT_LINKTYPE_RAW:
    case TT_DLT_IPV4:
    case TT_DLT_IPV6:
    case TT_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* `data` starts right after an EtherType field holding `type`: peels VLAN
 * tags (each is a 2-byte TCI followed by the next EtherType), then IP. */
static tt_outcome decode_ethertype(uint16_t type, const uint8_t *data, uint32_t len,
                                   tt_packet *pkt)
{
    unsigned tags = 0;
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        if (tags++ == TT_DECODE_MAX_VLAN_TAGS)
            return TT_OUTCOME_MALFORMED;
        if (len < VLAN_TAG_LEN)
            return TT_OUTCOME_TRUNCATED;
        type = decode_be16(data + 2);
        data += VLAN_TAG_LEN;
        len -= VLAN_TAG_LEN;
    }
    if (type == ETHERTYPE_IPV4)
        return tt_decode_ipv4(data, len, pkt);
    if (type == ETHERTYPE_IPV6)
        return tt_decode_ipv6(data, len, pkt);
    return TT_OUTCOME_NOT_IP;
}

static tt_outcome decode_family(uint32_t family, const uint8_t *data, uint32_t len,
                                tt_packet *pkt)
{
    switch (family) {
    case FAMILY_INET:
        return tt_decode_ipv4(data, len, pkt);
    case FAMILY_INET6_LINUX:
    case FAMILY_INET6_NETBSD_OPENBSD:
    case FAMILY_INET6_FREEBSD:
    case FAMILY_INET6_DARWIN:
        return tt_decode_ipv6(data, len, pkt);
    default:
        return TT_OUTCOME_NOT_IP;
    }
}

tt_outcome tt_decode_frame(int linktype, const uint8_t *frame, uint32_t caplen,
                           uint32_t wirelen, int64_t ts_sec, uint32_t ts_usec,
                           tt_packet *pkt)
{
    decode_reset(pkt);
    pkt->ts_sec = ts_sec;
    pkt->ts_usec = ts_usec;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    /* Every path below checks len before doing arithmetic on the pointer,
     * so a NULL frame is simply an empty one. */
    uint32_t len = frame != NULL ? caplen : 0;

    switch (linktype) {
    case TT_DLT_EN10MB:
        if (len < ETHER_HEADER_LEN)
            return TT_OUTCOME_TRUNCATED;
        return decode_ethertype(decode_be16(frame + 12), frame + ETHER_HEADER_LEN,
                                len - ETHER_HEADER_LEN, pkt);
    case TT_DLT_LINUX_SLL:
        if (len < SLL_HEADER_LEN)
            return TT_OUTCOME_TRUNCATED;
        return decode_ethertype(decode_be16(frame + 14), frame + SLL_HEADER_LEN,
                                len - SLL_HEADER_LEN, pkt);
    case TT_DLT_LINUX_SLL2:
        if (len < SLL2_HEADER_LEN)
            return TT_OUTCOME_TRUNCATED;
        return decode_ethertype(decode_be16(frame), frame + SLL2_HEADER_LEN,
                                len - SLL2_HEADER_LEN, pkt);
    case TT_DLT_RAW:
    case TT_DLT_RAW_ALT:
    case TT_LINKTYPE_RAW:
        return tt_decode_ip_any(frame, len, pkt);
    case TT_DLT_IPV4:
        return tt_decode_ipv4(frame, len, pkt);
    case TT_DLT_IPV6:
        return tt_decode_ipv6(frame, len, pkt);
    case TT_DLT_NULL: {
        /* Host byte order of the machine that captured: families are small,
         * so whichever reading fits in 16 bits is the right one. */
        if (len < LOOPBACK_HEADER_LEN)
            return TT_OUTCOME_TRUNCATED;
        uint32_t family = decode_be32(frame);
        if (family > 0xffff)
            family = decode_le32(frame);
        return decode_family(family, frame + LOOPBACK_HEADER_LEN, len - LOOPBACK_HEADER_LEN,
                             pkt);
    }
    case TT_DLT_LOOP:
        if (len < LOOPBACK_HEADER_LEN)
            return TT_OUTCOME_TRUNCATED;
        return decode_family(decode_be32(frame), frame + LOOPBACK_HEADER_LEN,
                             len - LOOPBACK_HEADER_LEN, pkt);
    default:
        return TT_OUTCOME_UNSUPPORTED_LINK;
    }
}
