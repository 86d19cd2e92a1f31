/* libFuzzer harness for the frame decoder. Input: 2 bytes of link type (big
 * endian DLT number, e.g. 00 01 = Ethernet, 00 71 = Linux cooked) followed by
 * the frame. Besides the sanitizers, checks the decoder's promises: borrowed
 * pointers stay inside the frame, the outcome is one tt_decode_frame may
 * return, and its fields agree with it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

static int inside(const uint8_t *p, size_t len, const uint8_t *frame, size_t size)
{
    if (len == 0)
        return 1;
    return p != NULL && p >= frame && len <= size && (size_t)(p - frame) <= size - len;
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
    tt_outcome outcome = tt_decode_frame(linktype, frame, (uint32_t)frame_len,
                                         (uint32_t)frame_len, 1, 2, &pkt);
    require((unsigned)outcome < TT_OUTCOME_COUNT && outcome != TT_OUTCOME_UNASSIGNED);
    require(tt_outcome_name(outcome) != NULL);
    require((outcome == TT_OUTCOME_UNSUPPORTED_LINK) == !tt_decode_link_supported(linktype));
    require(inside(pkt.payload, pkt.payload_len, frame, frame_len));
    require(inside(pkt.tcp_options, pkt.tcp_options_len, frame, frame_len));
    require(pkt.tcp_options_len <= 40);
    require(pkt.caplen == frame_len);
    if (outcome == TT_OUTCOME_OK || outcome == TT_OUTCOME_FRAGMENT)
        require(pkt.ip_version == 4 || pkt.ip_version == 6);
    if (outcome == TT_OUTCOME_FRAGMENT)
        require(pkt.fragment && pkt.fragment_nonfirst && !pkt.has_ports && !pkt.has_icmp);
    if (pkt.has_icmp)
        require(!pkt.has_ports && pkt.sport == 0 && pkt.dport == 0);
    if (pkt.ip_version == 4)
        require(tt_addr_is_v4(&pkt.src) && tt_addr_is_v4(&pkt.dst));
    if (pkt.has_ports && pkt.proto == TT_IPPROTO_TCP && outcome == TT_OUTCOME_OK)
        require(pkt.tcp_header_len >= 20 &&
                pkt.tcp_options_len == pkt.tcp_header_len - 20);
    if (!pkt.has_icmp)
        require(!pkt.quoted.present);

    /* The same bytes as a bare IP packet exercise the nibble dispatch. */
    tt_outcome direct = tt_decode_ip(frame, (uint32_t)frame_len, &pkt);
    require(direct == TT_OUTCOME_OK || direct == TT_OUTCOME_FRAGMENT ||
            direct == TT_OUTCOME_TRUNCATED || direct == TT_OUTCOME_MALFORMED);
    require(inside(pkt.payload, pkt.payload_len, frame, frame_len));
    require(inside(pkt.tcp_options, pkt.tcp_options_len, frame, frame_len));
    return 0;
}
