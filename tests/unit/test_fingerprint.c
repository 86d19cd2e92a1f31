/* Scanner fingerprints and backscatter (classify/fingerprint.h).
 *
 * The centrepiece is real traffic: tests/scanners/data/{zmap,masscan,nmap}.pcap
 * were recorded by tests/scanners/make-captures.sh with the Debian 12 builds
 * of ZMap 2.1.1, Masscan 1.3.2 and Nmap 7.93 scanning a network namespace;
 * every probe in them must carry its tool's name, and the targets' replies
 * (SYN-ACK, RST-ACK) and the scanner side's RSTs must read as backscatter.
 * Hand-built packets cover Mirai (not packaged), the generic rule, every
 * backscatter kind, near misses of each rule and ordinary traffic. */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "classify/fingerprint.h"
#include "decode/decode.h"
#include "decode/packet.h"
#include "util/addr.h"

/* ---- packet builder (raw IP, decoded with tt_decode_ip) ----------------- */

typedef struct builder {
    uint8_t b[512];
    size_t len;
} builder;

static void put8(builder *f, unsigned v)
{
    f->b[f->len++] = (uint8_t)v;
}
static void put16(builder *f, unsigned v)
{
    put8(f, v >> 8);
    put8(f, v);
}
static void put32(builder *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}
static void put_bytes(builder *f, const void *data, size_t n)
{
    memcpy(f->b + f->len, data, n);
    f->len += n;
}
static void set16(builder *f, size_t at, unsigned v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static tt_addr addr(const char *text)
{
    tt_addr a;
    memset(&a, 0, sizeof a);
    if (!tt_addr_parse(text, &a))
        fprintf(stderr, "bad test address %s\n", text);
    return a;
}

static void put_addr(builder *f, const char *text)
{
    tt_addr a = addr(text);
    if (tt_addr_is_v4(&a))
        put_bytes(f, a.bytes + 12, 4);
    else
        put_bytes(f, a.bytes, 16);
}

static uint32_t v4(const char *text)
{
    tt_addr a = addr(text);
    return tt_addr_v4(&a);
}

typedef struct ip_spec {
    const char *src, *dst; /* IPv4 or IPv6 text: picks the version */
    uint8_t proto, ttl;
    uint16_t id;
    bool df;
} ip_spec;

/* Writes the IP header; returns its offset for end_ip. */
static size_t put_ip(builder *f, const ip_spec *s)
{
    size_t at = f->len;
    if (strchr(s->dst, ':') == NULL) {
        put8(f, 0x45);
        put8(f, 0);
        put16(f, 0); /* total length, patched */
        put16(f, s->id);
        put16(f, s->df ? 0x4000 : 0);
        put8(f, s->ttl);
        put8(f, s->proto);
        put16(f, 0); /* checksum: not checked */
    } else {
        put32(f, 0x60000000u);
        put16(f, 0); /* payload length, patched */
        put8(f, s->proto);
        put8(f, s->ttl);
    }
    put_addr(f, s->src);
    put_addr(f, s->dst);
    return at;
}
static void end_ip(builder *f, size_t at)
{
    if (f->b[at] >> 4 == 4)
        set16(f, at + 2, (unsigned)(f->len - at));
    else
        set16(f, at + 4, (unsigned)(f->len - at - 40));
}

typedef struct tcp_spec {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const uint8_t *options;
    size_t options_len; /* multiple of 4 */
} tcp_spec;

static void put_tcp(builder *f, const tcp_spec *t)
{
    put16(f, t->sport);
    put16(f, t->dport);
    put32(f, t->seq);
    put32(f, t->ack);
    put8(f, (unsigned)((20 + t->options_len) / 4) << 4);
    put8(f, t->flags);
    put16(f, t->window);
    put16(f, 0); /* checksum */
    put16(f, 0); /* urgent */
    if (t->options_len)
        put_bytes(f, t->options, t->options_len);
}

static const uint8_t opt_mss1460[] = {2, 4, 0x05, 0xb4};
static const uint8_t opt_mss1400[] = {2, 4, 0x05, 0x78};
static const uint8_t opt_mss_nops[] = {2, 4, 0x05, 0xb4, 1, 1, 1, 0};
/* A Linux SYN: MSS 1460, SACK permitted, timestamp, NOP, window scale 7. */
static const uint8_t opt_linux[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 1, 0x2c, 0x3d, 0, 0, 0, 0, 1, 3, 3, 7};
/* ZMap 3.x: MSS only, but with a timestamp appended it is no ZMap probe. */
static const uint8_t opt_mss_ts[] = {2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};

static tt_kind classify_tcp(const ip_spec *ip, const tcp_spec *tcp)
{
    builder f = {.len = 0};
    ip_spec spec = *ip;
    spec.proto = TT_IPPROTO_TCP;
    size_t at = put_ip(&f, &spec);
    put_tcp(&f, tcp);
    end_ip(&f, at);
    tt_packet pkt;
    tt_outcome outcome = tt_decode_ip(f.b, (uint32_t)f.len, &pkt);
    CHECK_EQ_INT(outcome, TT_OUTCOME_OK);
    return tt_fingerprint(&pkt);
}

static tt_kind classify_raw(const builder *f)
{
    tt_packet pkt;
    tt_outcome outcome = tt_decode_ip(f->b, (uint32_t)f->len, &pkt);
    CHECK(outcome == TT_OUTCOME_OK || outcome == TT_OUTCOME_FRAGMENT);
    return tt_fingerprint(&pkt);
}

/* ICMP/ICMPv6 error from `router` to the telescope address `telescope`,
 * quoting a TCP SYN from `quoted_src` to `victim` (the first 8 bytes of TCP). */
static tt_kind classify_icmp_error(const char *router, const char *telescope, uint8_t type, uint8_t code,
                                   const char *quoted_src, const char *victim, size_t quote_tcp_bytes)
{
    bool six = strchr(telescope, ':') != NULL;
    builder f = {.len = 0};
    ip_spec outer = {
        .src = router, .dst = telescope, .ttl = 50, .proto = six ? TT_IPPROTO_ICMP6 : TT_IPPROTO_ICMP};
    size_t at = put_ip(&f, &outer);
    put8(&f, type);
    put8(&f, code);
    put16(&f, 0);
    put32(&f, 0);
    ip_spec inner = {.src = quoted_src, .dst = victim, .proto = TT_IPPROTO_TCP, .ttl = 240, .id = 7};
    size_t quoted = put_ip(&f, &inner);
    tcp_spec syn = {.sport = 4444, .dport = 80, .seq = 1, .flags = TT_TCP_SYN, .window = 512};
    builder tcp = {.len = 0};
    put_tcp(&tcp, &syn);
    put_bytes(&f, tcp.b, quote_tcp_bytes);
    /* The quoted header's length says 40, as on the original packet. */
    if (!six)
        set16(&f, quoted + 2, 40);
    else
        set16(&f, quoted + 4, 20);
    end_ip(&f, at);
    return classify_raw(&f);
}

/* ---- names --------------------------------------------------------------- */

static void test_names(void)
{
    static const char *const names[TT_KIND_COUNT] = {
        "other",
        "mirai",
        "masscan",
        "zmap",
        "nmap",
        "unicornscan",
        "generic_syn",
        "backscatter_synack",
        "backscatter_rst",
        "backscatter_icmp",
    };
    for (int k = 0; k < TT_KIND_COUNT; k++) {
        CHECK_EQ_STR(tt_kind_name((tt_kind)k), names[k]);
        tt_kind parsed = TT_KIND_COUNT;
        CHECK(tt_kind_parse(names[k], &parsed));
        CHECK_EQ_INT(parsed, k);
        CHECK_EQ_INT(tt_kind_is_backscatter((tt_kind)k), k >= TT_KIND_BACKSCATTER_SYNACK);
    }
    /* The numbers are stored: they must never move. */
    CHECK_EQ_INT(TT_KIND_OTHER, 0);
    CHECK_EQ_INT(TT_KIND_MIRAI, 1);
    CHECK_EQ_INT(TT_KIND_MASSCAN, 2);
    CHECK_EQ_INT(TT_KIND_ZMAP, 3);
    CHECK_EQ_INT(TT_KIND_NMAP, 4);
    CHECK_EQ_INT(TT_KIND_UNICORNSCAN, 5);
    CHECK_EQ_INT(TT_KIND_GENERIC_SYN, 6);
    CHECK_EQ_INT(TT_KIND_BACKSCATTER_SYNACK, 7);
    CHECK_EQ_INT(TT_KIND_BACKSCATTER_RST, 8);
    CHECK_EQ_INT(TT_KIND_BACKSCATTER_ICMP, 9);
    CHECK_EQ_INT(TT_KIND_COUNT, 10);
    CHECK_EQ_STR(tt_kind_name(TT_KIND_COUNT), "invalid");
    CHECK_EQ_STR(tt_kind_name((tt_kind)-1), "invalid");
    tt_kind untouched = TT_KIND_ZMAP;
    CHECK(!tt_kind_parse("Mirai", &untouched)); /* case-sensitive */
    CHECK(!tt_kind_parse("", &untouched));
    CHECK(!tt_kind_parse("backscatter", &untouched));
    CHECK(!tt_kind_parse("invalid", &untouched));
    CHECK(!tt_kind_parse(NULL, &untouched));
    CHECK_EQ_INT(untouched, TT_KIND_ZMAP);
    CHECK(!tt_kind_is_backscatter(TT_KIND_COUNT));
}

/* ---- real captures --------------------------------------------------------- */

#define SCANNER_IP "198.18.0.1"

typedef struct capture_counts {
    int frames;
    int scanner_syn;        /* SYN-only from the scanner */
    int scanner_syn_tool;   /* ... classified as the tool */
    int scanner_rst;        /* RST from the scanner (kernel or the tool) */
    int scanner_rst_marked; /* ... carrying Masscan's IP ID relation */
    int target_synack;      /* replies from open ports */
    int target_rst;         /* RST-ACK from closed ports */
    int kinds[TT_KIND_COUNT];
} capture_counts;

static pcap_t *open_capture(const char *name)
{
    static const char *const dirs[] = {"scanners/data/", "../scanners/data/", "tests/scanners/data/",
                                       "../tests/scanners/data/"};
    char errbuf[PCAP_ERRBUF_SIZE];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", dirs[i], name);
        pcap_t *p = pcap_open_offline(path, errbuf);
        if (p != NULL)
            return p;
    }
    fprintf(stderr, "cannot open %s under scanners/data/ (run from tests/)\n", name);
    return NULL;
}

/* Reads a capture, classifies every frame and tallies by direction and role.
 * Any frame that does not decode, or that a rule puts in an unexpected
 * class, is reported with its number. */
static capture_counts read_capture(const char *name, tt_kind tool)
{
    capture_counts c;
    memset(&c, 0, sizeof c);
    pcap_t *p = open_capture(name);
    CHECK(p != NULL);
    if (p == NULL)
        return c;
    int linktype = pcap_datalink(p);
    CHECK_EQ_INT(linktype, TT_DLT_EN10MB);
    tt_addr scanner = addr(SCANNER_IP);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        c.frames++;
        tt_packet pkt;
        tt_outcome outcome = tt_decode_frame(linktype, data, hdr->caplen, hdr->len, hdr->ts.tv_sec,
                                             (uint32_t)hdr->ts.tv_usec, &pkt);
        CHECK_EQ_INT(outcome, TT_OUTCOME_OK);
        CHECK_EQ_INT(pkt.proto, TT_IPPROTO_TCP);
        if (outcome != TT_OUTCOME_OK || pkt.proto != TT_IPPROTO_TCP)
            continue;
        tt_kind kind = tt_fingerprint(&pkt);
        c.kinds[kind]++;
        bool from_scanner = tt_addr_cmp(&pkt.src, &scanner) == 0;
        uint8_t flags = pkt.tcp_flags;
        tt_kind want = TT_KIND_COUNT;
        if (from_scanner && flags == TT_TCP_SYN) {
            c.scanner_syn++;
            c.scanner_syn_tool += kind == tool;
            want = tool;
        } else if (from_scanner && flags == TT_TCP_RST) {
            c.scanner_rst++;
            uint32_t dst = tt_addr_v4(&pkt.dst);
            c.scanner_rst_marked += pkt.ip_id == (uint16_t)(dst ^ pkt.dport ^ pkt.seq);
            want = TT_KIND_BACKSCATTER_RST;
        } else if (!from_scanner && flags == (TT_TCP_SYN | TT_TCP_ACK)) {
            c.target_synack++;
            want = TT_KIND_BACKSCATTER_SYNACK;
        } else if (!from_scanner && flags == (TT_TCP_RST | TT_TCP_ACK)) {
            c.target_rst++;
            want = TT_KIND_BACKSCATTER_RST;
        }
        if (kind != want)
            fprintf(stderr, "%s frame %d (flags 0x%02x, id %u, window %u): %s, expected %s\n", name, c.frames,
                    flags, pkt.ip_id, pkt.window, tt_kind_name(kind), tt_kind_name(want));
        CHECK_EQ_INT(kind, want);
    }
    pcap_close(p);
    return c;
}

/* ZMap 2.1.1, ports 23 and 80, two probes per address, 198.18.0.4/30: 16 SYNs
 * (IP ID 54321, window 65535, no options); 8 SYN-ACKs and 8 RST-ACKs back;
 * the scanner's kernel resets the 8 SYN-ACKs. */
static void test_zmap_capture(void)
{
    capture_counts c = read_capture("zmap.pcap", TT_KIND_ZMAP);
    CHECK_EQ_INT(c.frames, 40);
    CHECK_EQ_INT(c.scanner_syn, 16);
    CHECK_EQ_INT(c.scanner_syn_tool, 16);
    CHECK_EQ_INT(c.target_synack, 8);
    CHECK_EQ_INT(c.target_rst, 8);
    CHECK_EQ_INT(c.scanner_rst, 8);
    CHECK_EQ_INT(c.kinds[TT_KIND_ZMAP], 16);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_SYNACK], 8);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_RST], 16);
}

/* Masscan 1.3.2, 5 ports x 4 addresses: 20 SYNs (window 1024, no options, IP
 * ID = dst ^ dport ^ seq); 8 SYN-ACKs and 12 RST-ACKs back; Masscan resets
 * every connection itself (20 RSTs, window 1200, with the same IP ID
 * relation on seq + 1) and the kernel resets the 8 SYN-ACKs too. */
static void test_masscan_capture(void)
{
    capture_counts c = read_capture("masscan.pcap", TT_KIND_MASSCAN);
    CHECK_EQ_INT(c.frames, 68);
    CHECK_EQ_INT(c.scanner_syn, 20);
    CHECK_EQ_INT(c.scanner_syn_tool, 20);
    CHECK_EQ_INT(c.target_synack, 8);
    CHECK_EQ_INT(c.target_rst, 12);
    CHECK_EQ_INT(c.scanner_rst, 28);
    CHECK_EQ_INT(c.scanner_rst_marked, 20);
    CHECK_EQ_INT(c.kinds[TT_KIND_MASSCAN], 20);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_SYNACK], 8);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_RST], 40);
}

/* Nmap 7.93 -sS --max-retries 0, 5 ports x 4 addresses: 20 SYNs (window
 * 1024, MSS 1460 only, TTL 37..59, random IP ID); 8 SYN-ACKs, 12 RST-ACKs;
 * the kernel resets the 8 SYN-ACKs. */
static void test_nmap_capture(void)
{
    capture_counts c = read_capture("nmap.pcap", TT_KIND_NMAP);
    CHECK_EQ_INT(c.frames, 48);
    CHECK_EQ_INT(c.scanner_syn, 20);
    CHECK_EQ_INT(c.scanner_syn_tool, 20);
    CHECK_EQ_INT(c.target_synack, 8);
    CHECK_EQ_INT(c.target_rst, 12);
    CHECK_EQ_INT(c.scanner_rst, 8);
    CHECK_EQ_INT(c.kinds[TT_KIND_NMAP], 20);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_SYNACK], 8);
    CHECK_EQ_INT(c.kinds[TT_KIND_BACKSCATTER_RST], 20);
}

/* A real probe with one field changed: the first SYN of a capture is
 * decoded, its IP header edited in place (IP ID and DF sit before the
 * checksum, which the decoder does not check), and classified again. */
static tt_kind classify_edited_first_syn(const char *name, int new_id, bool set_df)
{
    pcap_t *p = open_capture(name);
    CHECK(p != NULL);
    if (p == NULL)
        return TT_KIND_COUNT;
    int linktype = pcap_datalink(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    tt_kind kind = TT_KIND_COUNT;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        uint8_t frame[256];
        uint32_t len = hdr->caplen < sizeof frame ? hdr->caplen : (uint32_t)sizeof frame;
        memcpy(frame, data, len);
        tt_packet pkt;
        if (tt_decode_frame(linktype, frame, len, hdr->len, 0, 0, &pkt) != TT_OUTCOME_OK ||
            pkt.tcp_flags != TT_TCP_SYN || len < 14 + 20)
            continue;
        uint8_t *ip = frame + 14; /* Ethernet, no VLAN tag in these captures */
        if (new_id >= 0) {
            ip[4] = (uint8_t)(new_id >> 8);
            ip[5] = (uint8_t)new_id;
        }
        if (set_df)
            ip[6] |= 0x40;
        CHECK_EQ_INT(tt_decode_frame(linktype, frame, len, hdr->len, 0, 0, &pkt), TT_OUTCOME_OK);
        kind = tt_fingerprint(&pkt);
        break;
    }
    pcap_close(p);
    return kind;
}

static void test_real_probes_edited(void)
{
    /* Unchanged, for reference. */
    CHECK_EQ_INT(classify_edited_first_syn("masscan.pcap", -1, false), TT_KIND_MASSCAN);
    CHECK_EQ_INT(classify_edited_first_syn("zmap.pcap", -1, false), TT_KIND_ZMAP);
    CHECK_EQ_INT(classify_edited_first_syn("nmap.pcap", -1, false), TT_KIND_NMAP);
    /* Masscan's SYN without its IP ID relation is just an option-less SYN
     * with window 1024. Its first SYN has ID 0x8111 in the capture. */
    CHECK_EQ_INT(classify_edited_first_syn("masscan.pcap", 0x8112, false), TT_KIND_GENERIC_SYN);
    CHECK_EQ_INT(classify_edited_first_syn("masscan.pcap", 54321, false), TT_KIND_GENERIC_SYN);
    CHECK_EQ_INT(classify_edited_first_syn("masscan.pcap", -1, true), TT_KIND_GENERIC_SYN);
    /* ZMap with another ID (as ZMap >= 4.1 sends) or DF: window 65535, no options. */
    CHECK_EQ_INT(classify_edited_first_syn("zmap.pcap", 54320, false), TT_KIND_GENERIC_SYN);
    CHECK_EQ_INT(classify_edited_first_syn("zmap.pcap", -1, true), TT_KIND_GENERIC_SYN);
    /* Nmap's IP ID is random: changing it changes nothing; DF does. */
    CHECK_EQ_INT(classify_edited_first_syn("nmap.pcap", 54321, false), TT_KIND_NMAP);
    CHECK_EQ_INT(classify_edited_first_syn("nmap.pcap", -1, true), TT_KIND_OTHER);
}

/* ---- hand-built probes ------------------------------------------------------ */

static void test_mirai(void)
{
    /* Mirai's scanner (scanner.c): TTL 64, random IP ID and window, no
     * options, port 23 (one in ten 2323), seq = the target address. */
    static const char *const targets[] = {"203.0.113.7", "198.51.100.200", "192.0.2.1", "100.64.255.254",
                                          "1.2.3.4"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        ip_spec ip = {.src = "192.0.2.77", .dst = targets[i], .ttl = 51, .id = (uint16_t)(0x3a5f + 977 * i)};
        tcp_spec tcp = {.sport = (uint16_t)(40000 + i),
                        .dport = i == 2 ? 2323 : 23,
                        .seq = v4(targets[i]),
                        .flags = TT_TCP_SYN,
                        .window = (uint16_t)(0x9c41 + 4099 * i)};
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_MIRAI);
        /* With DF or a fixed window it is still Mirai: the 32-bit relation decides. */
        ip.df = true;
        tcp.window = 14600;
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_MIRAI);
    }
    /* The sequence number is the address's wire bytes: the byte-swapped
     * value (a little-endian misreading) is no match. */
    ip_spec ip = {.src = "192.0.2.77", .dst = "203.0.113.7", .ttl = 51, .id = 999};
    tcp_spec tcp = {.sport = 40000, .dport = 23, .seq = 0x077100cb, .flags = TT_TCP_SYN, .window = 0x9c41};
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    tcp.seq = v4("203.0.113.7") + 1;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    /* Not a SYN-only packet: an ACK whose seq happens to equal the address. */
    tcp.seq = v4("203.0.113.7");
    tcp.flags = TT_TCP_ACK;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);

    /* IPv6: no Mirai rule, even when seq equals the low 32 bits of the
     * destination (what tt_addr_v4 would read from it). */
    ip_spec ip6 = {.src = "2001:db8::77", .dst = "2001:db8::cb00:7107", .ttl = 51};
    tt_addr dst6 = addr("2001:db8::cb00:7107");
    tcp_spec tcp6 = {
        .sport = 40000, .dport = 23, .seq = tt_addr_v4(&dst6), .flags = TT_TCP_SYN, .window = 0x9c41};
    CHECK_EQ_INT(tcp6.seq, 0xcb007107u);
    CHECK_EQ_INT(classify_tcp(&ip6, &tcp6), TT_KIND_OTHER);
    /* ... and no Masscan or ZMap rule either (no IPv4 ID). */
    tcp6.window = 1024;
    CHECK_EQ_INT(classify_tcp(&ip6, &tcp6), TT_KIND_GENERIC_SYN);
}

static void test_masscan_zmap_hand_built(void)
{
    const char *dst = "192.0.2.200";
    uint32_t seq = 0x1a2b3c4d;
    uint16_t id = (uint16_t)((v4(dst) ^ 8080u ^ seq) & 0xffff);
    ip_spec ip = {.src = "198.51.100.9", .dst = dst, .ttl = 244, .id = id};
    tcp_spec tcp = {.sport = 61000, .dport = 8080, .seq = seq, .flags = TT_TCP_SYN, .window = 1024};
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_MASSCAN);
    /* Masscan since late 2023: window 1025 and MSS 1460; still its IP ID. */
    tcp.window = 1025;
    tcp.options = opt_mss1460;
    tcp.options_len = sizeof opt_mss1460;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_MASSCAN);
    /* Window 1024 + MSS 1460 is Nmap's probe, which Masscan never sent:
     * Nmap's random ID satisfying the relation (1 in 65536) stays Nmap. */
    tcp.window = 1024;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_NMAP);
    ip.id = (uint16_t)(id ^ 0x0100);
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_NMAP);
    /* Other windows with the relation: not Masscan's template. */
    tcp.options = NULL;
    tcp.options_len = 0;
    ip.id = id;
    tcp.window = 65535;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
    tcp.window = 4096;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
    tcp.window = 1024;
    ip.ttl = 60; /* a lower TTL (masscan --ttl) does not matter */
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_MASSCAN);
    /* Wrong IP ID (the port left out, the high half used, off by one). */
    ip.id = (uint16_t)((v4(dst) ^ seq) & 0xffff);
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
    ip.id = (uint16_t)((v4(dst) ^ 8080u ^ seq) >> 16);
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
    ip.id = (uint16_t)(id + 1);
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
    /* The right ID on an ordinary DF SYN with Linux options: a coincidence. */
    ip.id = id;
    ip.df = true;
    tcp.window = 64240;
    tcp.options = opt_linux;
    tcp.options_len = sizeof opt_linux;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);

    /* ZMap 3.x: IP ID 54321, window 65535, MSS only. */
    ip_spec zip = {.src = "198.51.100.10", .dst = dst, .ttl = 250, .id = 54321};
    tcp_spec ztcp = {.sport = 45000,
                     .dport = 443,
                     .seq = 0x01020304,
                     .flags = TT_TCP_SYN,
                     .window = 65535,
                     .options = opt_mss1460,
                     .options_len = sizeof opt_mss1460};
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_ZMAP);
    ztcp.options_len = 0;
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_ZMAP);
    /* ID 54321 on another window (a random ID that happens to be 54321). */
    ztcp.window = 1024;
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_GENERIC_SYN);
    ztcp.window = 65534;
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_OTHER);
    ztcp.window = 65535;
    /* ID 54321 with OS-style options or DF: not ZMap. */
    ztcp.options = opt_mss_ts;
    ztcp.options_len = sizeof opt_mss_ts;
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_OTHER);
    ztcp.options = opt_linux;
    ztcp.options_len = sizeof opt_linux;
    zip.df = true;
    CHECK_EQ_INT(classify_tcp(&zip, &ztcp), TT_KIND_OTHER);
}

static void test_nmap_hand_built(void)
{
    static const uint16_t windows[] = {1024, 2048, 3072, 4096};
    for (size_t i = 0; i < 4; i++) {
        ip_spec ip = {.src = "198.51.100.11", .dst = "192.0.2.5", .ttl = 45, .id = (uint16_t)(1234 + i)};
        tcp_spec tcp = {.sport = 53211,
                        .dport = 22,
                        .seq = 0x55667788,
                        .flags = TT_TCP_SYN,
                        .window = windows[i],
                        .options = opt_mss1460,
                        .options_len = sizeof opt_mss1460};
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_NMAP);
        ip_spec ip6 = {.src = "2001:db8::11", .dst = "2001:db8::5", .ttl = 45};
        CHECK_EQ_INT(classify_tcp(&ip6, &tcp), TT_KIND_NMAP);
    }
    ip_spec ip = {.src = "198.51.100.11", .dst = "192.0.2.5", .ttl = 45, .id = 1};
    tcp_spec tcp = {.sport = 53211,
                    .dport = 22,
                    .seq = 0x55667788,
                    .flags = TT_TCP_SYN,
                    .window = 5120,
                    .options = opt_mss1460,
                    .options_len = sizeof opt_mss1460};
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER); /* window not Nmap's */
    tcp.window = 1024;
    tcp.options = opt_mss1400;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER); /* MSS not 1460 */
    tcp.options = opt_mss_nops;
    tcp.options_len = sizeof opt_mss_nops;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER); /* more than MSS */
}

static void test_generic_syn(void)
{
    static const uint16_t fixed[] = {1024, 2048, 3072, 4096, 5840, 8192, 14600, 29200, 65535};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        ip_spec ip = {.src = "198.51.100.12", .dst = "192.0.2.6", .ttl = 110, .id = 4321};
        tcp_spec tcp = {
            .sport = 1111, .dport = 445, .seq = 0x0badcafe, .flags = TT_TCP_SYN, .window = fixed[i]};
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
        ip.df = true;
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
        /* ECN bits on the SYN do not matter. */
        tcp.flags = TT_TCP_SYN | TT_TCP_ECE | TT_TCP_CWR;
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_GENERIC_SYN);
        /* The same window with MSS is not "no options". */
        tcp.options = opt_mss1400;
        tcp.options_len = sizeof opt_mss1400;
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    }
    static const uint16_t random_windows[] = {0, 1, 512, 1023, 12345, 40000, 65534};
    for (size_t i = 0; i < sizeof random_windows / sizeof random_windows[0]; i++) {
        ip_spec ip = {.src = "198.51.100.12", .dst = "192.0.2.6", .ttl = 110, .id = 4321};
        tcp_spec tcp = {
            .sport = 1111, .dport = 445, .seq = 0x0badcafe, .flags = TT_TCP_SYN, .window = random_windows[i]};
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    }
    /* A SYN whose options the snap length cut off is not option-less. */
    {
        builder f = {.len = 0};
        ip_spec ip = {
            .src = "198.51.100.12", .dst = "192.0.2.6", .ttl = 110, .id = 4321, .proto = TT_IPPROTO_TCP};
        size_t at = put_ip(&f, &ip);
        tcp_spec tcp = {.sport = 1111,
                        .dport = 445,
                        .seq = 0x0badcafe,
                        .flags = TT_TCP_SYN,
                        .window = 1024,
                        .options = opt_mss1460,
                        .options_len = sizeof opt_mss1460};
        put_tcp(&f, &tcp);
        end_ip(&f, at);
        tt_packet pkt;
        CHECK_EQ_INT(tt_decode_ip(f.b, (uint32_t)f.len, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(tt_fingerprint(&pkt), TT_KIND_NMAP);
        CHECK_EQ_INT(tt_decode_ip(f.b, (uint32_t)f.len - 4, &pkt), TT_OUTCOME_TRUNCATED);
        CHECK_EQ_INT(pkt.tcp_options_len, 0);
        CHECK_EQ_INT(tt_fingerprint(&pkt), TT_KIND_OTHER);
        CHECK_EQ_INT(tt_decode_ip(f.b, (uint32_t)f.len - 2, &pkt), TT_OUTCOME_TRUNCATED);
        CHECK_EQ_INT(tt_fingerprint(&pkt), TT_KIND_OTHER);
    }
    /* Non-SYN probes are no SYN scan: FIN, NULL, Xmas, SYN-FIN, ACK. */
    static const uint8_t odd_flags[] = {TT_TCP_FIN,
                                        0,
                                        TT_TCP_FIN | TT_TCP_PSH | TT_TCP_URG,
                                        TT_TCP_SYN | TT_TCP_FIN,
                                        TT_TCP_ACK,
                                        TT_TCP_PSH | TT_TCP_ACK};
    for (size_t i = 0; i < sizeof odd_flags; i++) {
        ip_spec ip = {.src = "198.51.100.12", .dst = "192.0.2.6", .ttl = 110, .id = 54321};
        tcp_spec tcp = {
            .sport = 1111, .dport = 445, .seq = v4("192.0.2.6"), .flags = odd_flags[i], .window = 1024};
        CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    }
}

static void test_ordinary_syns(void)
{
    /* Linux connect(): DF, window 64240, MSS/SACK/TS/NOP/WS. */
    ip_spec ip = {.src = "198.51.100.13", .dst = "192.0.2.7", .ttl = 64, .id = 0x1c2d, .df = true};
    tcp_spec tcp = {.sport = 51000,
                    .dport = 443,
                    .seq = 0x9e3779b9,
                    .flags = TT_TCP_SYN | TT_TCP_ECE | TT_TCP_CWR,
                    .window = 64240,
                    .options = opt_linux,
                    .options_len = sizeof opt_linux};
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    tcp.flags = TT_TCP_SYN;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    /* Even with ID 54321 and a window from the generic list. */
    ip.id = 54321;
    tcp.window = 29200;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    ip_spec ip6 = {.src = "2001:db8::13", .dst = "2001:db8::7", .ttl = 64};
    CHECK_EQ_INT(classify_tcp(&ip6, &tcp), TT_KIND_OTHER);
}

/* ---- backscatter -------------------------------------------------------------- */

static void test_backscatter_tcp(void)
{
    /* A victim's SYN-ACK to a spoofed telescope source, IPv4 and IPv6. */
    ip_spec ip = {.src = "203.0.113.50", .dst = "192.0.2.8", .ttl = 52, .id = 0, .df = true};
    tcp_spec tcp = {.sport = 80,
                    .dport = 31337,
                    .seq = 0x11111111,
                    .ack = 0x22222222,
                    .flags = TT_TCP_SYN | TT_TCP_ACK,
                    .window = 64240,
                    .options = opt_mss1460,
                    .options_len = sizeof opt_mss1460};
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_SYNACK);
    tcp.flags |= TT_TCP_ECE;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_SYNACK);
    /* SYN-ACK rules come first: even a Mirai/masscan-looking SYN-ACK. */
    tcp.seq = v4("192.0.2.8");
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_SYNACK);
    ip_spec ip6 = {.src = "2001:db8:1::50", .dst = "2001:db8::8", .ttl = 52};
    CHECK_EQ_INT(classify_tcp(&ip6, &tcp), TT_KIND_BACKSCATTER_SYNACK);

    /* RST-ACK from a closed port, bare RST. */
    tcp.flags = TT_TCP_RST | TT_TCP_ACK;
    tcp.window = 0;
    tcp.options = NULL;
    tcp.options_len = 0;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_RST);
    CHECK_EQ_INT(classify_tcp(&ip6, &tcp), TT_KIND_BACKSCATTER_RST);
    tcp.flags = TT_TCP_RST;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_RST);
    tcp.flags = TT_TCP_RST | TT_TCP_PSH | TT_TCP_ACK;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_RST);
    /* SYN-RST (no ACK) is a crafted oddity: neither reply nor SYN probe. */
    tcp.flags = TT_TCP_SYN | TT_TCP_RST;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_OTHER);
    /* SYN-ACK-RST still has SYN and ACK. */
    tcp.flags = TT_TCP_SYN | TT_TCP_ACK | TT_TCP_RST;
    CHECK_EQ_INT(classify_tcp(&ip, &tcp), TT_KIND_BACKSCATTER_SYNACK);
}

static void test_backscatter_icmp(void)
{
    const char *router = "203.0.113.1", *telescope = "192.0.2.9", *victim = "198.51.100.99";
    /* ICMP errors quoting a packet "from" the telescope. */
    static const uint8_t errors4[] = {3, 4, 5, 11, 12};
    for (size_t i = 0; i < sizeof errors4; i++)
        CHECK_EQ_INT(classify_icmp_error(router, telescope, errors4[i], 1, telescope, victim, 8),
                     TT_KIND_BACKSCATTER_ICMP);
    /* The quote may stop at the IP header. */
    CHECK_EQ_INT(classify_icmp_error(router, telescope, 3, 3, telescope, victim, 0),
                 TT_KIND_BACKSCATTER_ICMP);
    /* A quote of a packet someone else sent is not our backscatter. */
    CHECK_EQ_INT(classify_icmp_error(router, telescope, 3, 3, "192.0.2.10", victim, 8), TT_KIND_OTHER);
    /* Informational types never are (even with a body that looks like a quote). */
    static const uint8_t info4[] = {0, 8, 13, 14, 9, 10, 30, 42};
    for (size_t i = 0; i < sizeof info4; i++)
        CHECK_EQ_INT(classify_icmp_error(router, telescope, info4[i], 0, telescope, victim, 8),
                     TT_KIND_OTHER);

    const char *router6 = "2001:db8:ff::1", *telescope6 = "2001:db8::9", *victim6 = "2001:db8:1::99";
    static const uint8_t errors6[] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof errors6; i++)
        CHECK_EQ_INT(classify_icmp_error(router6, telescope6, errors6[i], 0, telescope6, victim6, 8),
                     TT_KIND_BACKSCATTER_ICMP);
    static const uint8_t info6[] = {128, 129, 133, 134, 135, 136, 0, 5, 100};
    for (size_t i = 0; i < sizeof info6; i++)
        CHECK_EQ_INT(classify_icmp_error(router6, telescope6, info6[i], 0, telescope6, victim6, 8),
                     TT_KIND_OTHER);
    CHECK_EQ_INT(classify_icmp_error(router6, telescope6, 1, 4, "2001:db8::10", victim6, 8), TT_KIND_OTHER);

    /* An error too short to hold a quoted IP header. */
    builder f = {.len = 0};
    ip_spec outer = {.src = router, .dst = telescope, .ttl = 50, .proto = TT_IPPROTO_ICMP};
    size_t at = put_ip(&f, &outer);
    put32(&f, 0x03030000);
    put32(&f, 0);
    put32(&f, 0x45000028);
    end_ip(&f, at);
    CHECK_EQ_INT(classify_raw(&f), TT_KIND_OTHER);
}

static void test_other_protocols(void)
{
    /* UDP, even to port 23 from a "masscan" ID. */
    builder f = {.len = 0};
    ip_spec ip = {
        .src = "198.51.100.14", .dst = "192.0.2.10", .ttl = 250, .id = 54321, .proto = TT_IPPROTO_UDP};
    size_t at = put_ip(&f, &ip);
    put16(&f, 1900);
    put16(&f, 1900);
    put16(&f, 12);
    put16(&f, 0);
    put32(&f, 0x4d2d5345); /* "M-SE" */
    end_ip(&f, at);
    CHECK_EQ_INT(classify_raw(&f), TT_KIND_OTHER);

    /* GRE (no ports). */
    f.len = 0;
    ip.proto = 47;
    at = put_ip(&f, &ip);
    put32(&f, 0x00000800);
    end_ip(&f, at);
    CHECK_EQ_INT(classify_raw(&f), TT_KIND_OTHER);

    /* A non-first fragment of a TCP datagram: no header to judge. */
    f.len = 0;
    ip.proto = TT_IPPROTO_TCP;
    at = put_ip(&f, &ip);
    set16(&f, at + 6, 0x0010); /* offset 16 x 8 bytes */
    put32(&f, 0x00170017);
    put32(&f, 0x02000000);
    end_ip(&f, at);
    tt_packet pkt;
    CHECK_EQ_INT(tt_decode_ip(f.b, (uint32_t)f.len, &pkt), TT_OUTCOME_FRAGMENT);
    CHECK_EQ_INT(tt_fingerprint(&pkt), TT_KIND_OTHER);

    /* ICMP echo request and a zeroed packet. */
    f.len = 0;
    ip.proto = TT_IPPROTO_ICMP;
    at = put_ip(&f, &ip);
    put32(&f, 0x08000000);
    put32(&f, 0x12340001);
    end_ip(&f, at);
    CHECK_EQ_INT(classify_raw(&f), TT_KIND_OTHER);
    memset(&pkt, 0, sizeof pkt);
    CHECK_EQ_INT(tt_fingerprint(&pkt), TT_KIND_OTHER);
}

int main(void)
{
    test_names();
    test_zmap_capture();
    test_masscan_capture();
    test_nmap_capture();
    test_real_probes_edited();
    test_mirai();
    test_masscan_zmap_hand_built();
    test_nmap_hand_built();
    test_generic_syn();
    test_ordinary_syns();
    test_backscatter_tcp();
    test_backscatter_icmp();
    test_other_protocols();
    return check_report("test_fingerprint");
}
