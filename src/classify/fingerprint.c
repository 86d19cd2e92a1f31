/* Scanner tool fingerprints and backscatter, from one packet's header fields.
 *
 * Called for every packet: straight-line comparisons on fields the decoder
 * already parsed, no allocation, no state. The rules are tried in a fixed
 * order and the first match wins:
 *
 *  1. Backscatter, whatever else the packet carries: a telescope sends
 *     nothing, so a SYN-ACK, a RST or an ICMP error reaching it answers a
 *     packet someone else sent with a spoofed telescope source address.
 *  2. Tool marks on SYN-only probes (SYN set; ACK, RST, FIN clear), most
 *     specific first: Mirai (32-bit relation), Masscan (16-bit relation),
 *     ZMap (16-bit constant), Nmap (window + exact option bytes), then the
 *     catch-all generic_syn.
 *
 * Each rule names the source file that produces the mark; the sources were
 * read at the commits named in docs/classification.md ("Scanner fingerprints
 * and backscatter"), and the ZMap, Masscan and Nmap rules are checked against
 * real captures of those tools (tests/scanners/, tests/unit/test_fingerprint.c).
 *
 * TT_KIND_UNICORNSCAN is never returned: Unicornscan's SYN sequence number is
 * a per-scan random key XOR the target address and ports
 * (src/scan_progs/tcphash.h, TCPHASHTRACK), its IP ID is random and its
 * window/options copy a real OS (init_packet.c, -W 0..5), so one packet
 * carries no mark; spotting it would need the key to repeat across a
 * source's probes. */
#include "classify/fingerprint.h"

#include <string.h>

static const char *const kind_names[TT_KIND_COUNT] = {
    [TT_KIND_OTHER] = "other",
    [TT_KIND_MIRAI] = "mirai",
    [TT_KIND_MASSCAN] = "masscan",
    [TT_KIND_ZMAP] = "zmap",
    [TT_KIND_NMAP] = "nmap",
    [TT_KIND_UNICORNSCAN] = "unicornscan",
    [TT_KIND_GENERIC_SYN] = "generic_syn",
    [TT_KIND_BACKSCATTER_SYNACK] = "backscatter_synack",
    [TT_KIND_BACKSCATTER_RST] = "backscatter_rst",
    [TT_KIND_BACKSCATTER_ICMP] = "backscatter_icmp",
};

const char *tt_kind_name(tt_kind kind)
{
    return (unsigned)kind < TT_KIND_COUNT ? kind_names[kind] : "invalid";
}

bool tt_kind_parse(const char *name, tt_kind *out)
{
    if (name == NULL)
        return false;
    for (unsigned k = 0; k < TT_KIND_COUNT; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (tt_kind)k;
            return true;
        }
    }
    return false;
}

bool tt_kind_is_backscatter(tt_kind kind)
{
    return kind == TT_KIND_BACKSCATTER_SYNACK || kind == TT_KIND_BACKSCATTER_RST ||
           kind == TT_KIND_BACKSCATTER_ICMP;
}

/* ICMP error messages, the ones that quote the offending packet: IPv4
 * destination unreachable (3), source quench (4), redirect (5), time exceeded
 * (11), parameter problem (12) (RFC 792); ICMPv6 destination unreachable (1),
 * packet too big (2), time exceeded (3), parameter problem (4) (RFC 4443). */
#define ICMP4_ERRORS (1u << 3 | 1u << 4 | 1u << 5 | 1u << 11 | 1u << 12)
#define ICMP6_ERRORS (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4)

static tt_kind classify_icmp(const tt_packet *pkt)
{
    uint32_t errors = pkt->proto == TT_IPPROTO_ICMP ? ICMP4_ERRORS : ICMP6_ERRORS;
    if (pkt->icmp_type >= 32 || (errors >> pkt->icmp_type & 1u) == 0 || !pkt->quoted.present)
        return TT_KIND_OTHER;
    /* Backscatter quotes the spoofed packet, whose source is the telescope
     * address the error is sent to; a quote of someone else's packet is a
     * misdirected or crafted error, not a victim's reply. */
    if (tt_addr_cmp(&pkt->quoted.src, &pkt->dst) != 0)
        return TT_KIND_OTHER;
    return TT_KIND_BACKSCATTER_ICMP;
}

/* Option checks go by the header's own length (data offset), not by the
 * option bytes captured, so a header cut short by the snap length does not
 * pass for one without options. */
static bool no_options(const tt_packet *pkt)
{
    return pkt->tcp_header_len == 20;
}

/* At most 4 option bytes and none of window scale, SACK permitted or
 * timestamp (which every current OS stack sends): nothing, or MSS alone. */
static bool options_at_most_mss(const tt_packet *pkt)
{
    return pkt->tcp_header_len <= 24 && pkt->wscale < 0 && !pkt->sack_permitted && !pkt->has_timestamp;
}

/* Nmap's probe options, byte for byte: MSS 1460 and nothing else. */
static bool options_nmap(const tt_packet *pkt)
{
    const uint8_t *o = pkt->tcp_options;
    return pkt->tcp_header_len == 24 && pkt->tcp_options_len == 4 && o != NULL && o[0] == 2 && o[1] == 4 &&
           o[2] == 0x05 && o[3] == 0xb4;
}

static tt_kind classify_syn(const tt_packet *pkt)
{
    uint16_t window = pkt->window;

    if (pkt->ip_version == 4) {
        /* tt_addr_v4 and pkt->seq both read the wire's big-endian bytes, so a
         * sequence number whose 4 bytes are the destination address's bytes
         * compares equal with no byte swapping. */
        uint32_t dst = tt_addr_v4(&pkt->dst);

        /* Mirai: the scanner copies the target address into the sequence
         * number (mirai/bot/scanner.c: tcph->seq = iph->daddr) to recognise
         * the SYN-ACK (ack - 1 == its address) without keeping state. A
         * 32-bit coincidence otherwise: no further condition needed. */
        if (pkt->seq == dst)
            return TT_KIND_MIRAI;

        /* Masscan: IP ID = low 16 bits of target address ^ target port ^
         * sequence number, all as host-order integers (src/templ-pkt.c,
         * template_set_target and tcp_create_packet: ip_id = ip_them ^
         * port_them ^ seqno); exact on all 20 SYNs of Masscan 1.3.2 in
         * tests/scanners/data/masscan.pcap. The relation alone holds by
         * chance for 1 SYN in 65536, so the template must fit too: never DF;
         * window 1024 without options in every release up to 1.3.2 (2021),
         * or window 1025 (with MSS by default, more options on request) in
         * its git tree since 2023-11 (commit 4f89257). Every OS sets DF on
         * SYNs, and Nmap's window-1024 probe carries MSS, so neither is
         * taken for Masscan when its random ID happens to fit. */
        if (!pkt->dont_fragment && ((window == 1024 && no_options(pkt)) || window == 1025) &&
            pkt->ip_id == (uint16_t)((dst ^ pkt->dport ^ pkt->seq) & 0xffffu))
            return TT_KIND_MASSCAN;

        /* ZMap before 4.1: fixed IP ID 54321 (src/probe_modules/packet.c,
         * make_ip_header: htons(54321)), window 65535 in every release
         * (make_tcp_header: "largest possible window"), no DF, and at most
         * an MSS option (none up to 2.1.1, MSS from 3.0). The window keeps
         * a Masscan or Nmap SYN whose random ID happens to be 54321 out.
         * ZMap 4.1 (2024, "Prevent fingerprinting ZMap by randomizing the IP
         * ID", #798) randomises the ID and copies OS option layouts: it is
         * not recognisable from one packet. */
        if (pkt->ip_id == 54321 && window == 65535 && !pkt->dont_fragment && options_at_most_mss(pkt))
            return TT_KIND_ZMAP;
    }

    /* Nmap SYN scan: options exactly MSS 1460 (nmap.h TCP_SYN_PROBE_OPTIONS,
     * since Nmap 4.01, 2006) and window 1024 (tcpip.cc build_tcp_raw: "Who
     * cares"); before the 2011 IPv6 merge the window was 1024 * (ttl % 4 + 1),
     * hence 2048/3072/4096. No DF (build_tcp_raw is called with df false). */
    if ((window == 1024 || window == 2048 || window == 3072 || window == 4096) && !pkt->dont_fragment &&
        options_nmap(pkt))
        return TT_KIND_NMAP;

    /* Some other crafted SYN: no options at all — every OS stack sends at
     * least MSS — and a window that such tools hard-code: 1024 (Masscan and
     * Nmap defaults), 2048/3072/4096 (old Nmap), 65535 (ZMap's "largest
     * possible window"), or a common OS value copied into the template:
     * 5840, 14600, 29200 (Linux: 4, 10 and 20 x 1460) and 8192 (Windows).
     * Random windows (Mirai-style bots) stay "other". */
    if (no_options(pkt) &&
        (window == 1024 || window == 2048 || window == 3072 || window == 4096 || window == 5840 ||
         window == 8192 || window == 14600 || window == 29200 || window == 65535))
        return TT_KIND_GENERIC_SYN;

    return TT_KIND_OTHER;
}

tt_kind tt_fingerprint(const tt_packet *pkt)
{
    if (pkt->has_icmp)
        return classify_icmp(pkt);
    if (pkt->proto != TT_IPPROTO_TCP || !pkt->has_ports)
        return TT_KIND_OTHER;

    uint8_t flags = pkt->tcp_flags;
    if ((flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK))
        return TT_KIND_BACKSCATTER_SYNACK;
    /* RST or RST-ACK (SYN-RST is a crafted oddity, not a reply). Masscan's own
     * RSTs to SYN-ACKs carry its IP ID mark too, but a telescope never
     * answers, so a RST reaching it is a victim's reply. */
    if ((flags & (TT_TCP_RST | TT_TCP_SYN)) == TT_TCP_RST)
        return TT_KIND_BACKSCATTER_RST;
    if ((flags & (TT_TCP_SYN | TT_TCP_ACK | TT_TCP_RST | TT_TCP_FIN)) == TT_TCP_SYN)
        return classify_syn(pkt);
    return TT_KIND_OTHER;
}
