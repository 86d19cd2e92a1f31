/* Scanner tool fingerprints and backscatter, from header fields alone. */
#include "classify/fingerprint.h"

#include <string.h>

static const char *const kind_names[TT_KIND_COUNT] = {
    "other", "mirai", "masscan", "zmap", "nmap", "unicornscan", "generic_syn",
    "backscatter_synack", "backscatter_rst", "backscatter_icmp",
};

const char *tt_kind_name(tt_kind kind)
{
    return (unsigned)kind < TT_KIND_COUNT ? kind_names[kind] : "invalid";
}

bool tt_kind_parse(const char *name, tt_kind *out)
{
    for (int k = 0; k < TT_KIND_COUNT; k++) {
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

static bool icmp_error(const tt_packet *pkt)
{
    if (pkt->proto == TT_IPPROTO_ICMP)
        return pkt->icmp_type == 3 || pkt->icmp_type == 4 || pkt->icmp_type == 5 || pkt->icmp_type == 11 ||
               pkt->icmp_type == 12;
    return pkt->icmp_type >= 1 && pkt->icmp_type <= 4; /* ICMPv6 errors */
}

tt_kind tt_fingerprint(const tt_packet *pkt)
{
    if (pkt->has_icmp)
        return icmp_error(pkt) && pkt->quoted.present ? TT_KIND_BACKSCATTER_ICMP : TT_KIND_OTHER;
    if (pkt->proto != TT_IPPROTO_TCP || !pkt->has_ports)
        return TT_KIND_OTHER;
    uint8_t flags = pkt->tcp_flags;
    if ((flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK))
        return TT_KIND_BACKSCATTER_SYNACK;
    if ((flags & TT_TCP_RST) && !(flags & TT_TCP_SYN))
        return TT_KIND_BACKSCATTER_RST;
    if ((flags & (TT_TCP_SYN | TT_TCP_ACK | TT_TCP_RST | TT_TCP_FIN)) != TT_TCP_SYN)
        return TT_KIND_OTHER;
    bool v4 = pkt->ip_version == 4;
    uint32_t dst = v4 ? tt_addr_v4(&pkt->dst) : 0;
    /* Mirai's scanner sets the sequence number to the target address (scanner.c). */
    if (v4 && pkt->seq == dst)
        return TT_KIND_MIRAI;
    /* Masscan's SYN cookie: IP ID = (dst ^ dport ^ seq) & 0xffff (templ-pkt.c),
     * from its template: window 1024, TTL 255, no DF. The extra conditions keep
     * an ordinary SYN whose ID happens to match (1 in 65536) out. */
    if (v4 && !pkt->dont_fragment && pkt->window == 1024 && pkt->ttl > 128 &&
        pkt->ip_id == (uint16_t)((dst ^ pkt->dport ^ pkt->seq) & 0xffff))
        return TT_KIND_MASSCAN;
    /* ZMap before 2.x randomisation: fixed IP ID 54321, window 65535 (probe_modules). */
    if (v4 && pkt->ip_id == 54321 && pkt->window == 65535 && !pkt->dont_fragment)
        return TT_KIND_ZMAP;
    /* Nmap's raw SYN: window 1024/2048/3072/4096, options exactly MSS (tcpip.cc). */
    if ((pkt->window == 1024 || pkt->window == 2048 || pkt->window == 3072 || pkt->window == 4096) &&
        pkt->tcp_options_len == 4 && pkt->mss != 0 && !pkt->dont_fragment)
        return TT_KIND_NMAP;
    /* No options at all and a window from a short list seen from crafted-SYN scanners. */
    if (pkt->tcp_options_len == 0 &&
        (pkt->window == 1024 || pkt->window == 65535 || pkt->window == 14600 || pkt->window == 29200 ||
         pkt->window == 5840 || pkt->window == 8192))
        return TT_KIND_GENERIC_SYN;
    return TT_KIND_OTHER;
}
