/* libFuzzer harness for the scanner/backscatter fingerprint. Input as for
 * fuzz_decode.c: 2 bytes of link type (big-endian DLT number, e.g. 00 01 =
 * Ethernet, 00 0c = raw IP) followed by the frame. Whatever the decoder
 * made of the frame (any outcome, so half-filled packets too), the
 * classification must not crash, must be a valid kind, and must agree with
 * each rule's conditions (tool kinds only on SYN-only TCP with their marks,
 * backscatter only on replies). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify/fingerprint.h"
#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

static void check_kind(const tt_packet *pkt)
{
    tt_kind kind = tt_fingerprint(pkt);
    require((unsigned)kind < TT_KIND_COUNT);
    require(kind != TT_KIND_UNICORNSCAN); /* no single-packet rule exists */
    require(tt_fingerprint(pkt) == kind); /* pure function */

    tt_kind parsed;
    require(tt_kind_parse(tt_kind_name(kind), &parsed) && parsed == kind);

    uint8_t flags = pkt->tcp_flags;
    bool tcp = pkt->proto == TT_IPPROTO_TCP && pkt->has_ports && !pkt->has_icmp;
    bool syn_only = tcp && (flags & (TT_TCP_SYN | TT_TCP_ACK | TT_TCP_RST | TT_TCP_FIN)) == TT_TCP_SYN;
    bool no_df = !pkt->dont_fragment;
    switch (kind) {
    case TT_KIND_MIRAI: require(syn_only && pkt->ip_version == 4 && pkt->seq == tt_addr_v4(&pkt->dst)); break;
    case TT_KIND_MASSCAN:
        require(syn_only && pkt->ip_version == 4 && no_df &&
                pkt->ip_id == (uint16_t)(tt_addr_v4(&pkt->dst) ^ pkt->dport ^ pkt->seq));
        break;
    case TT_KIND_ZMAP:
        require(syn_only && pkt->ip_version == 4 && no_df && pkt->ip_id == 54321 && pkt->window == 65535 &&
                pkt->tcp_header_len <= 24);
        break;
    case TT_KIND_NMAP: require(syn_only && no_df && pkt->tcp_header_len == 24 && pkt->mss == 1460); break;
    case TT_KIND_GENERIC_SYN: require(syn_only && pkt->tcp_header_len == 20); break;
    case TT_KIND_BACKSCATTER_SYNACK:
        require(tcp && (flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK));
        break;
    case TT_KIND_BACKSCATTER_RST: require(tcp && (flags & TT_TCP_RST) && !(flags & TT_TCP_SYN)); break;
    case TT_KIND_BACKSCATTER_ICMP:
        require(pkt->has_icmp && pkt->quoted.present && tt_addr_cmp(&pkt->quoted.src, &pkt->dst) == 0);
        break;
    default: break;
    }
    require(tt_kind_is_backscatter(kind) == (kind >= TT_KIND_BACKSCATTER_SYNACK));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int linktype = data[0] << 8 | data[1];
    const uint8_t *frame = data + 2;
    size_t frame_len = size - 2;
    if (frame_len > 262144)
        return 0;

    tt_packet pkt;
    (void)tt_decode_frame(linktype, frame, (uint32_t)frame_len, (uint32_t)frame_len, 1, 2, &pkt);
    check_kind(&pkt);
    /* The same bytes as a bare IP packet. */
    (void)tt_decode_ip(frame, (uint32_t)frame_len, &pkt);
    check_kind(&pkt);
    return 0;
}
