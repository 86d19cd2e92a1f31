/* Frame decoder: hand-built frames for every link type and protocol path,
 * with exact field values; every prefix of valid frames; malformed headers. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "decode/decode.h"
#include "decode/packet.h"
#include "util/addr.h"

/* ---- frame builder ---------------------------------------------------- */

typedef struct builder {
    uint8_t b[1024];
    size_t len;
} builder;

static void put8(builder *f, unsigned v) { f->b[f->len++] = (uint8_t)v; }
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
static void put_zeros(builder *f, size_t n)
{
    memset(f->b + f->len, 0, n);
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

static bool addr_is(const tt_addr *a, const char *text)
{
    tt_addr want = addr(text);
    return tt_addr_cmp(a, &want) == 0;
}

static void put_addr(builder *f, const char *text)
{
    tt_addr a = addr(text);
    if (tt_addr_is_v4(&a))
        put_bytes(f, a.bytes + 12, 4);
    else
        put_bytes(f, a.bytes, 16);
}

static void put_eth(builder *f, unsigned ethertype)
{
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    put_bytes(f, macs, sizeof macs);
    put16(f, ethertype);
}

typedef struct ipv4_spec {
    uint8_t tos, ttl, proto, ihl_words;
    uint16_t id, flags_offset;
    const char *src, *dst;
} ipv4_spec;

/* Returns the header's offset; finish with end_ipv4 to set the total length. */
static size_t put_ipv4(builder *f, const ipv4_spec *s)
{
    size_t at = f->len;
    unsigned ihl = s->ihl_words ? s->ihl_words : 5;
    put8(f, 0x40 | ihl);
    put8(f, s->tos);
    put16(f, 0); /* total length, patched */
    put16(f, s->id);
    put16(f, s->flags_offset);
    put8(f, s->ttl);
    put8(f, s->proto);
    put16(f, 0); /* checksum: not checked */
    put_addr(f, s->src);
    put_addr(f, s->dst);
    for (unsigned i = 5; i < ihl; i++)
        put32(f, 0x01010101); /* NOP options */
    return at;
}
static void end_ipv4(builder *f, size_t at) { set16(f, at + 2, (unsigned)(f->len - at)); }

static size_t put_ipv6(builder *f, uint8_t traffic_class, uint8_t next, uint8_t hop_limit,
                       const char *src, const char *dst)
{
    size_t at = f->len;
    put32(f, 0x60000000u | (uint32_t)traffic_class << 20 | 0x12345);
    put16(f, 0); /* payload length, patched */
    put8(f, next);
    put8(f, hop_limit);
    put_addr(f, src);
    put_addr(f, dst);
    return at;
}
static void end_ipv6(builder *f, size_t at) { set16(f, at + 4, (unsigned)(f->len - at - 40)); }

/* TCP header with the options a Linux SYN carries:
 * MSS 1460, SACK permitted, timestamp, NOP, window scale 7 (20 bytes). */
static void put_tcp_syn(builder *f, unsigned sport, unsigned dport)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, 0xdeadbeef);
    put32(f, 0);
    put8(f, (40 / 4) << 4);
    put8(f, TT_TCP_SYN | TT_TCP_ECE | TT_TCP_CWR);
    put16(f, 64240);
    put16(f, 0); /* checksum */
    put16(f, 0); /* urgent */
    static const uint8_t options[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                                        0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    put_bytes(f, options, sizeof options);
}

static void put_tcp_plain(builder *f, unsigned sport, unsigned dport, unsigned flags)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, 1000);
    put32(f, 2000);
    put8(f, 5 << 4);
    put8(f, flags);
    put16(f, 1024);
    put16(f, 0);
    put16(f, 7);
}

/* Returns the UDP header's offset; end_udp sets its length. */
static size_t put_udp(builder *f, unsigned sport, unsigned dport)
{
    size_t at = f->len;
    put16(f, sport);
    put16(f, dport);
    put16(f, 0);
    put16(f, 0);
    return at;
}
static void end_udp(builder *f, size_t at) { set16(f, at + 4, (unsigned)(f->len - at)); }

static tt_outcome decode(int linktype, const builder *f, tt_packet *pkt)
{
    return tt_decode_frame(linktype, f->b, (uint32_t)f->len, (uint32_t)f->len, 1700000000,
                           123456, pkt);
}

/* Ethernet / IPv4 / TCP SYN with options, no payload: 74 bytes. */
static void build_eth_tcp_syn(builder *f)
{
    f->len = 0;
    put_eth(f, 0x0800);
    ipv4_spec ip = {.tos = 0x28, .ttl = 241, .proto = 6, .id = 54321, .flags_offset = 0x4000,
                    .src = "198.51.100.7", .dst = "192.0.2.33"};
    size_t at = put_ipv4(f, &ip);
    put_tcp_syn(f, 40000, 23);
    end_ipv4(f, at);
}

/* ---- tests ------------------------------------------------------------ */

static void test_outcome_names(void)
{
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_OK), "ok");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_FRAGMENT), "fragment");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_TRUNCATED), "truncated");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_MALFORMED), "malformed");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_UNSUPPORTED_LINK), "unsupported_link");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_NOT_IP), "not_ip");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_UNASSIGNED), "unassigned");
    CHECK_EQ_STR(tt_outcome_name(TT_OUTCOME_COUNT), "invalid");
}

static void test_link_supported(void)
{
    static const int supported[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++)
        CHECK(tt_decode_link_supported(supported[i]));
    CHECK(!tt_decode_link_supported(105)); /* 802.11 */
    CHECK(!tt_decode_link_supported(127)); /* radiotap */
    CHECK(!tt_decode_link_supported(-1));
    CHECK(!tt_decode_link_supported(9999));
}

static void test_unknown_link(void)
{
    builder f;
    tt_packet pkt;
    build_eth_tcp_syn(&f);
    CHECK_EQ_INT(decode(105, &f, &pkt), TT_OUTCOME_UNSUPPORTED_LINK);
    CHECK_EQ_INT(decode(9999, &f, &pkt), TT_OUTCOME_UNSUPPORTED_LINK);
    CHECK_EQ_INT(decode(-1, &f, &pkt), TT_OUTCOME_UNSUPPORTED_LINK);
    CHECK_EQ_INT(pkt.ip_version, 0);
    CHECK_EQ_INT(pkt.caplen, 74);
}

static void test_eth_tcp_syn(void)
{
    builder f;
    tt_packet pkt;
    build_eth_tcp_syn(&f);
    CHECK_EQ_INT(f.len, 74);
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 74, 1514, -5, 999999, &pkt),
                 TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ts_sec, -5);
    CHECK_EQ_INT(pkt.ts_usec, 999999);
    CHECK_EQ_INT(pkt.caplen, 74);
    CHECK_EQ_INT(pkt.wirelen, 1514);
    CHECK_EQ_INT(pkt.ip_version, 4);
    CHECK(addr_is(&pkt.src, "198.51.100.7"));
    CHECK(addr_is(&pkt.dst, "192.0.2.33"));
    CHECK(tt_addr_is_v4(&pkt.src));
    CHECK_EQ_INT(tt_addr_v4(&pkt.dst), 0xc0000221);
    CHECK_EQ_INT(pkt.proto, TT_IPPROTO_TCP);
    CHECK_EQ_INT(pkt.ttl, 241);
    CHECK_EQ_INT(pkt.ip_id, 54321);
    CHECK_EQ_INT(pkt.ip_len, 60);
    CHECK_EQ_INT(pkt.tos, 0x28);
    CHECK(pkt.dont_fragment);
    CHECK(!pkt.fragment);
    CHECK(!pkt.fragment_nonfirst);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 40000);
    CHECK_EQ_INT(pkt.dport, 23);
    CHECK_EQ_INT(pkt.seq, 0xdeadbeefu);
    CHECK_EQ_INT(pkt.ack, 0);
    CHECK_EQ_INT(pkt.tcp_flags, TT_TCP_SYN | TT_TCP_ECE | TT_TCP_CWR);
    CHECK_EQ_INT(pkt.window, 64240);
    CHECK_EQ_INT(pkt.urgent, 0);
    CHECK_EQ_INT(pkt.tcp_header_len, 40);
    CHECK(pkt.tcp_options == f.b + 14 + 20 + 20);
    CHECK_EQ_INT(pkt.tcp_options_len, 20);
    CHECK_EQ_INT(pkt.mss, 1460);
    CHECK_EQ_INT(pkt.wscale, 7);
    CHECK(pkt.sack_permitted);
    CHECK(pkt.has_timestamp);
    CHECK_EQ_INT(pkt.udp_len, 0);
    CHECK(!pkt.has_icmp);
    CHECK(!pkt.quoted.present);
    CHECK_EQ_INT(pkt.payload_len, 0);
}

/* Every prefix of a valid frame that ends inside its headers (the first
 * `headers_len` bytes; 0: the whole frame) must be truncated; from there on,
 * a cut payload is only the snap length at work, so ok. */
static void check_every_prefix(int linktype, const builder *f, size_t headers_len,
                               const char *what)
{
    if (headers_len == 0)
        headers_len = f->len;
    for (size_t n = 0; n <= f->len; n++) {
        tt_packet pkt;
        tt_outcome want = n >= headers_len ? TT_OUTCOME_OK : TT_OUTCOME_TRUNCATED;
        tt_outcome got = tt_decode_frame(linktype, f->b, (uint32_t)n, (uint32_t)f->len, 0, 0, &pkt);
        check_count++;
        if (got != want) {
            check_failures++;
            fprintf(stderr, "%s: prefix %zu of %zu: %s, expected %s\n", what, n, f->len,
                    tt_outcome_name(got), tt_outcome_name(want));
        }
    }
}

static void test_truncation(void)
{
    builder f;
    tt_packet pkt;
    build_eth_tcp_syn(&f);
    check_every_prefix(TT_DLT_EN10MB, &f, 0, "eth/ipv4/tcp");
    /* Copy each prefix to an exact-size heap buffer so ASan sees any overread. */
    for (size_t n = 0; n < f.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        if (copy == NULL)
            return;
        memcpy(copy, f.b, n);
        CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, copy, (uint32_t)n, 74, 0, 0, &pkt),
                     TT_OUTCOME_TRUNCATED);
        free(copy);
    }

    /* Cut inside the TCP options: IP and base TCP fields are there. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 20 + 26, 74, 0, 0, &pkt),
                 TT_OUTCOME_TRUNCATED);
    CHECK(addr_is(&pkt.src, "198.51.100.7"));
    CHECK(addr_is(&pkt.dst, "192.0.2.33"));
    CHECK_EQ_INT(pkt.proto, 6);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.dport, 23);
    CHECK_EQ_INT(pkt.tcp_options_len, 6);
    CHECK_EQ_INT(pkt.mss, 1460);
    CHECK(pkt.sack_permitted);
    CHECK(!pkt.has_timestamp); /* cut: option runs past the capture */
    CHECK_EQ_INT(pkt.wscale, -1);
    CHECK_EQ_INT(pkt.payload_len, 0);

    /* Cut inside the fixed TCP header: IP fields, no ports. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 20 + 10, 74, 0, 0, &pkt),
                 TT_OUTCOME_TRUNCATED);
    CHECK_EQ_INT(pkt.ip_version, 4);
    CHECK(addr_is(&pkt.dst, "192.0.2.33"));
    CHECK_EQ_INT(pkt.proto, 6);
    CHECK_EQ_INT(pkt.ttl, 241);
    CHECK(!pkt.has_ports);
    CHECK_EQ_INT(pkt.dport, 0);

    /* NULL frame is an empty one. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, NULL, 0, 0, 0, 0, &pkt), TT_OUTCOME_TRUNCATED);
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_RAW, NULL, 0, 0, 0, 0, &pkt), TT_OUTCOME_TRUNCATED);
    CHECK_EQ_INT(tt_decode_ip(NULL, 0, &pkt), TT_OUTCOME_TRUNCATED);
}

static void test_tcp_payload_and_padding(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put_eth(&f, 0x0800);
    ipv4_spec ip = {.ttl = 64, .proto = 6, .id = 7, .src = "203.0.113.5", .dst = "192.0.2.1"};
    size_t at = put_ipv4(&f, &ip);
    put_tcp_plain(&f, 443, 51000, TT_TCP_ACK | TT_TCP_PSH | TT_TCP_URG);
    put_bytes(&f, "hello", 5);
    end_ipv4(&f, at);
    put_zeros(&f, 4); /* Ethernet padding to 63 bytes */
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.dont_fragment);
    CHECK_EQ_INT(pkt.ip_len, 45);
    CHECK_EQ_INT(pkt.seq, 1000);
    CHECK_EQ_INT(pkt.ack, 2000);
    CHECK_EQ_INT(pkt.tcp_flags, TT_TCP_ACK | TT_TCP_PSH | TT_TCP_URG);
    CHECK_EQ_INT(pkt.window, 1024);
    CHECK_EQ_INT(pkt.urgent, 7);
    CHECK_EQ_INT(pkt.tcp_header_len, 20);
    CHECK(pkt.tcp_options == NULL);
    CHECK_EQ_INT(pkt.tcp_options_len, 0);
    CHECK_EQ_INT(pkt.mss, 0);
    CHECK_EQ_INT(pkt.wscale, -1);
    CHECK(!pkt.sack_permitted);
    CHECK(!pkt.has_timestamp);
    CHECK_EQ_INT(pkt.payload_len, 5); /* padding excluded */
    CHECK(pkt.payload != NULL && memcmp(pkt.payload, "hello", 5) == 0);

    /* Snap length cuts the payload: ok, with the captured bytes only. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 20 + 20 + 2, 63, 0, 0, &pkt),
                 TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ip_len, 45);
    CHECK_EQ_INT(pkt.payload_len, 2);
}

static void test_tcp_options_edge_cases(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    ipv4_spec ip = {.ttl = 64, .proto = 6, .src = "203.0.113.5", .dst = "192.0.2.1"};
    /* wscale 200 (saturates), unknown kind 30 len 4, then a bad length 1
     * that must stop the walk before the MSS behind it. */
    static const uint8_t options[] = {3, 3, 200, 30, 4, 0xaa, 0xbb, 4, 1, 2, 4, 1, 0};
    size_t at = put_ipv4(&f, &ip);
    put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
    f.b[at + 20 + 12] = (20 + 16) / 4 << 4;
    put_bytes(&f, options, sizeof options);
    put_zeros(&f, 16 - sizeof options);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.wscale, 127);
    CHECK(!pkt.sack_permitted);
    CHECK_EQ_INT(pkt.mss, 0);
    CHECK_EQ_INT(pkt.tcp_options_len, 16);

    /* EOL ends the walk; wrong-length MSS is ignored, not trusted. */
    static const uint8_t options2[] = {2, 3, 1, 1, 4, 2, 0, 2, 4, 5, 0xb4, 0, 0, 0, 0, 0};
    memcpy(f.b + at + 40, options2, sizeof options2);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.mss, 0);
    CHECK(pkt.sack_permitted);
    CHECK_EQ_INT(pkt.wscale, -1);

    /* Option length running past the header. */
    static const uint8_t options3[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 10};
    memcpy(f.b + at + 40, options3, sizeof options3);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.has_timestamp);

    /* Data offset < 5. */
    f.b[at + 20 + 12] = 4 << 4;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    f.b[at + 20 + 12] = 0;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    /* Data offset beyond the IP total length (36 bytes of TCP here). */
    f.b[at + 20 + 12] = 15 << 4;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    /* IP total length too short for the fixed TCP header. */
    f.b[at + 20 + 12] = 5 << 4;
    set16(&f, at + 2, 20 + 12);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
}

static void test_sll_udp(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put16(&f, 0);      /* packet type: to us */
    put16(&f, 1);      /* ARPHRD_ETHER */
    put16(&f, 6);      /* address length */
    put_zeros(&f, 8);  /* address */
    put16(&f, 0x0800); /* protocol */
    ipv4_spec ip = {.ttl = 50, .proto = 17, .id = 0xbeef, .src = "100.64.1.2", .dst = "192.0.2.200"};
    size_t at = put_ipv4(&f, &ip);
    size_t udp = put_udp(&f, 5353, 1900);
    put_bytes(&f, "M-SEARCH", 8);
    end_udp(&f, udp);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL, &f, &pkt), TT_OUTCOME_OK);
    CHECK(addr_is(&pkt.src, "100.64.1.2"));
    CHECK(addr_is(&pkt.dst, "192.0.2.200"));
    CHECK_EQ_INT(pkt.proto, 17);
    CHECK_EQ_INT(pkt.ip_id, 0xbeef);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 5353);
    CHECK_EQ_INT(pkt.dport, 1900);
    CHECK_EQ_INT(pkt.udp_len, 16);
    CHECK_EQ_INT(pkt.payload_len, 8);
    CHECK(pkt.payload == f.b + 16 + 20 + 8);
    CHECK(memcmp(pkt.payload, "M-SEARCH", 8) == 0);
    CHECK_EQ_INT(pkt.tcp_header_len, 0);
    CHECK_EQ_INT(pkt.wscale, -1);
    check_every_prefix(TT_DLT_LINUX_SLL, &f, 16 + 28, "sll/ipv4/udp");

    /* UDP length shorter than the IP payload caps the payload. */
    set16(&f, udp + 4, 8 + 3);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.udp_len, 11);
    CHECK_EQ_INT(pkt.payload_len, 3);
    /* Insane UDP lengths are ignored: the IP length rules. */
    set16(&f, udp + 4, 0);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.payload_len, 8);
    set16(&f, udp + 4, 9999);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.payload_len, 8);
    /* Snap length cuts the payload. */
    set16(&f, udp + 4, 16);
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_LINUX_SLL, f.b, 16 + 28 + 5, 100, 0, 0, &pkt),
                 TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.payload_len, 5);

    /* SLL carrying ARP. */
    set16(&f, 14, 0x0806);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL, &f, &pkt), TT_OUTCOME_NOT_IP);
}

static void test_sll2_ipv6_udp(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put16(&f, 0x86dd); /* protocol */
    put16(&f, 0);      /* reserved */
    put32(&f, 3);      /* interface index */
    put16(&f, 1);      /* ARPHRD_ETHER */
    put8(&f, 0);       /* packet type */
    put8(&f, 6);       /* address length */
    put_zeros(&f, 8);
    size_t at = put_ipv6(&f, 0xb8, 17, 57, "2001:db8::1", "2001:db8:ffff::42");
    size_t udp = put_udp(&f, 123, 123);
    put_bytes(&f, "\x1b\0\0\0", 4);
    end_udp(&f, udp);
    end_ipv6(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL2, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ip_version, 6);
    CHECK(addr_is(&pkt.src, "2001:db8::1"));
    CHECK(addr_is(&pkt.dst, "2001:db8:ffff::42"));
    CHECK(!tt_addr_is_v4(&pkt.dst));
    CHECK_EQ_INT(pkt.tos, 0xb8);
    CHECK_EQ_INT(pkt.ttl, 57);
    CHECK_EQ_INT(pkt.proto, 17);
    CHECK_EQ_INT(pkt.ip_len, 40 + 12);
    CHECK_EQ_INT(pkt.ip_id, 0);
    CHECK(!pkt.fragment);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 123);
    CHECK_EQ_INT(pkt.dport, 123);
    CHECK_EQ_INT(pkt.udp_len, 12);
    CHECK_EQ_INT(pkt.payload_len, 4);
    check_every_prefix(TT_DLT_LINUX_SLL2, &f, 20 + 48, "sll2/ipv6/udp");

    /* Version nibble 4 behind an IPv6 protocol field. */
    f.b[20] = 0x45;
    CHECK_EQ_INT(decode(TT_DLT_LINUX_SLL2, &f, &pkt), TT_OUTCOME_MALFORMED);
}

static void test_raw_links(void)
{
    builder v4 = {.len = 0}, v6 = {.len = 0};
    tt_packet pkt;
    ipv4_spec ip = {.ttl = 1, .proto = 6, .src = "192.0.2.9", .dst = "192.0.2.10"};
    size_t at = put_ipv4(&v4, &ip);
    put_tcp_plain(&v4, 1234, 80, TT_TCP_SYN);
    end_ipv4(&v4, at);
    at = put_ipv6(&v6, 0, 6, 255, "fe80::1", "2001:db8::80");
    put_tcp_plain(&v6, 1234, 8080, TT_TCP_RST);
    end_ipv6(&v6, at);

    static const int raw_links[] = {TT_DLT_RAW, TT_DLT_RAW_ALT, TT_LINKTYPE_RAW};
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ_INT(decode(raw_links[i], &v4, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(pkt.ip_version, 4);
        CHECK_EQ_INT(pkt.dport, 80);
        CHECK_EQ_INT(pkt.ttl, 1);
        CHECK_EQ_INT(decode(raw_links[i], &v6, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(pkt.ip_version, 6);
        CHECK_EQ_INT(pkt.dport, 8080);
        CHECK_EQ_INT(pkt.tcp_flags, TT_TCP_RST);
        CHECK(addr_is(&pkt.src, "fe80::1"));
    }
    CHECK_EQ_INT(decode(TT_DLT_IPV4, &v4, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(decode(TT_DLT_IPV6, &v6, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ip_len, 60);
    CHECK_EQ_INT(decode(TT_DLT_IPV4, &v6, &pkt), TT_OUTCOME_MALFORMED);
    CHECK_EQ_INT(decode(TT_DLT_IPV6, &v4, &pkt), TT_OUTCOME_MALFORMED);
    check_every_prefix(TT_DLT_RAW, &v6, 0, "raw/ipv6/tcp");
    check_every_prefix(TT_DLT_IPV4, &v4, 0, "ipv4/tcp");

    CHECK_EQ_INT(tt_decode_ip(v4.b, (uint32_t)v4.len, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.caplen, 40);
    CHECK_EQ_INT(pkt.wirelen, 40);
    CHECK_EQ_INT(pkt.ts_sec, 0);
    CHECK_EQ_INT(pkt.sport, 1234);

    /* Bad version nibbles. */
    v4.b[0] = 0x55;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &v4, &pkt), TT_OUTCOME_MALFORMED);
    CHECK_EQ_INT(decode(TT_DLT_IPV4, &v4, &pkt), TT_OUTCOME_MALFORMED);
    v4.b[0] = 0x05;
    CHECK_EQ_INT(tt_decode_ip(v4.b, (uint32_t)v4.len, &pkt), TT_OUTCOME_MALFORMED);
    CHECK_EQ_INT(tt_decode_ip(v4.b, 1, &pkt), TT_OUTCOME_MALFORMED);
}

static void test_loopback_links(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put32(&f, 0); /* family, patched */
    ipv4_spec ip = {.ttl = 64, .proto = 17, .src = "127.0.0.1", .dst = "127.0.0.2"};
    size_t at = put_ipv4(&f, &ip);
    size_t udp = put_udp(&f, 1, 53);
    end_udp(&f, udp);
    end_ipv4(&f, at);

    static const uint8_t inet_le[4] = {2, 0, 0, 0}, inet_be[4] = {0, 0, 0, 2};
    memcpy(f.b, inet_le, 4);
    CHECK_EQ_INT(decode(TT_DLT_NULL, &f, &pkt), TT_OUTCOME_OK);
    CHECK(addr_is(&pkt.dst, "127.0.0.2"));
    CHECK_EQ_INT(pkt.dport, 53);
    memcpy(f.b, inet_be, 4);
    CHECK_EQ_INT(decode(TT_DLT_NULL, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(decode(TT_DLT_LOOP, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.dport, 53);
    memcpy(f.b, inet_le, 4);
    CHECK_EQ_INT(decode(TT_DLT_LOOP, &f, &pkt), TT_OUTCOME_NOT_IP); /* network order only */
    check_every_prefix(TT_DLT_NULL, &f, 0, "null/ipv4/udp");
    /* AF_INET says IPv4 but the header is not. */
    f.b[4] = 0x65;
    CHECK_EQ_INT(decode(TT_DLT_NULL, &f, &pkt), TT_OUTCOME_MALFORMED);

    builder g = {.len = 0};
    put32(&g, 0);
    at = put_ipv6(&g, 0, 17, 64, "::1", "::1");
    udp = put_udp(&g, 2, 3);
    end_udp(&g, udp);
    end_ipv6(&g, at);
    static const uint32_t inet6[] = {10, 24, 28, 30};
    for (size_t i = 0; i < 4; i++) {
        uint32_t family = inet6[i];
        uint8_t le[4] = {(uint8_t)family, 0, 0, 0};
        memcpy(g.b, le, 4);
        CHECK_EQ_INT(decode(TT_DLT_NULL, &g, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(pkt.ip_version, 6);
        CHECK_EQ_INT(pkt.dport, 3);
        set16(&g, 0, 0);
        set16(&g, 2, family);
        CHECK_EQ_INT(decode(TT_DLT_NULL, &g, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(decode(TT_DLT_LOOP, &g, &pkt), TT_OUTCOME_OK);
        CHECK(addr_is(&pkt.src, "::1"));
    }
    /* Unknown families: not IP (AF_UNIX 1, AF_APPLETALK 16; a big value). */
    static const uint8_t other[3][4] = {{1, 0, 0, 0}, {0, 0, 0, 16}, {0xff, 0xff, 0xff, 0xff}};
    for (size_t i = 0; i < 3; i++) {
        memcpy(g.b, other[i], 4);
        CHECK_EQ_INT(decode(TT_DLT_NULL, &g, &pkt), TT_OUTCOME_NOT_IP);
    }
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_NULL, g.b, 3, 3, 0, 0, &pkt), TT_OUTCOME_TRUNCATED);
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_LOOP, g.b, 3, 3, 0, 0, &pkt), TT_OUTCOME_TRUNCATED);
}

static void test_vlan(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    ipv4_spec ip = {.ttl = 64, .proto = 6, .src = "203.0.113.77", .dst = "192.0.2.4"};

    /* 802.1Q */
    put_eth(&f, 0x8100);
    put16(&f, 0x0064);
    put16(&f, 0x0800);
    size_t at = put_ipv4(&f, &ip);
    put_tcp_plain(&f, 5555, 3389, TT_TCP_SYN);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(addr_is(&pkt.src, "203.0.113.77"));
    CHECK_EQ_INT(pkt.dport, 3389);
    check_every_prefix(TT_DLT_EN10MB, &f, 0, "eth/vlan/ipv4/tcp");

    /* QinQ: 802.1ad outer, 802.1Q inner; and the old 0x9100 outer tag. */
    static const unsigned outer_types[] = {0x88a8, 0x9100};
    for (size_t i = 0; i < 2; i++) {
        f.len = 0;
        put_eth(&f, outer_types[i]);
        put16(&f, 0x0010);
        put16(&f, 0x8100);
        put16(&f, 0x0020);
        put16(&f, 0x86dd);
        at = put_ipv6(&f, 0, 6, 64, "2001:db8::7", "2001:db8::8");
        put_tcp_plain(&f, 5555, 22, TT_TCP_SYN);
        end_ipv6(&f, at);
        CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
        CHECK(addr_is(&pkt.dst, "2001:db8::8"));
        CHECK_EQ_INT(pkt.dport, 22);
        check_every_prefix(TT_DLT_EN10MB, &f, 0, "eth/qinq/ipv6/tcp");
    }

    /* Eight tags are accepted, nine are not. */
    for (unsigned tags = 8; tags <= 9; tags++) {
        f.len = 0;
        put_eth(&f, 0x8100);
        for (unsigned t = 0; t < tags; t++) {
            put16(&f, t);
            put16(&f, t + 1 < tags ? 0x8100 : 0x0800);
        }
        at = put_ipv4(&f, &ip);
        put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
        end_ipv4(&f, at);
        CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt),
                     tags == 8 ? TT_OUTCOME_OK : TT_OUTCOME_MALFORMED);
    }

    /* VLAN-tagged ARP. */
    f.len = 0;
    put_eth(&f, 0x8100);
    put16(&f, 5);
    put16(&f, 0x0806);
    put_zeros(&f, 28);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_NOT_IP);
}

static void test_not_ip(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    /* ARP request: who has 192.0.2.1 tell 192.0.2.2. */
    put_eth(&f, 0x0806);
    put16(&f, 1);
    put16(&f, 0x0800);
    put8(&f, 6);
    put8(&f, 4);
    put16(&f, 1);
    put_zeros(&f, 6);
    put_addr(&f, "192.0.2.2");
    put_zeros(&f, 6);
    put_addr(&f, "192.0.2.1");
    put_zeros(&f, 18);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_NOT_IP);
    CHECK_EQ_INT(pkt.ip_version, 0);
    CHECK(!pkt.has_ports);
    set16(&f, 12, 0x88cc); /* LLDP */
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_NOT_IP);
    set16(&f, 12, 0x0042); /* 802.3 length field */
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_NOT_IP);
    /* Ethernet header alone with the IPv4 type: truncated. */
    set16(&f, 12, 0x0800);
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14, 14, 0, 0, &pkt), TT_OUTCOME_TRUNCATED);
}

static void test_ipv4_malformed(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    ipv4_spec ip = {.ttl = 64, .proto = 6, .src = "192.0.2.1", .dst = "192.0.2.2"};
    size_t at = put_ipv4(&f, &ip);
    put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
    end_ipv4(&f, at);

    f.b[0] = 0x44; /* IHL 4 */
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    f.b[0] = 0x40;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    f.b[0] = 0x4f; /* IHL 15 = 60 bytes: more than captured (40) and than total length */
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    set16(&f, 2, 80);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_TRUNCATED);
    f.b[0] = 0x45;
    set16(&f, 2, 19); /* total length < IHL */
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    set16(&f, 2, 0);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
    /* Total length beyond the capture (snap length): header value kept. */
    set16(&f, 2, 1500);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ip_len, 1500);
    CHECK_EQ_INT(pkt.payload_len, 0);
    /* IPv4 options (IHL 6) are skipped. */
    f.len = 0;
    ip.ihl_words = 6;
    at = put_ipv4(&f, &ip);
    put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.sport, 1);
    CHECK_EQ_INT(pkt.urgent, 7);
    check_every_prefix(TT_DLT_RAW, &f, 0, "raw/ipv4+options/tcp");
}

static void test_ipv4_fragments(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    /* First fragment: MF, offset 0 — decodes normally. */
    ipv4_spec ip = {.ttl = 64, .proto = 17, .id = 4242, .flags_offset = 0x2000,
                    .src = "198.51.100.1", .dst = "192.0.2.50"};
    size_t at = put_ipv4(&f, &ip);
    size_t udp = put_udp(&f, 53, 33000);
    put_zeros(&f, 24);
    set16(&f, udp + 4, 1400); /* whole datagram's UDP length */
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.fragment);
    CHECK(!pkt.fragment_nonfirst);
    CHECK(!pkt.dont_fragment);
    CHECK_EQ_INT(pkt.ip_id, 4242);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 53);
    CHECK_EQ_INT(pkt.udp_len, 1400);
    CHECK_EQ_INT(pkt.payload_len, 24); /* UDP length beyond the IP length is ignored */

    /* Non-first fragment: offset 185 * 8, last. */
    set16(&f, 6, 185);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_FRAGMENT);
    CHECK(pkt.fragment);
    CHECK(pkt.fragment_nonfirst);
    CHECK_EQ_INT(pkt.proto, 17);
    CHECK(addr_is(&pkt.src, "198.51.100.1"));
    CHECK(addr_is(&pkt.dst, "192.0.2.50"));
    CHECK_EQ_INT(pkt.ip_id, 4242);
    CHECK_EQ_INT(pkt.ip_len, 52);
    CHECK_EQ_INT(pkt.ttl, 64);
    CHECK(!pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 0);
    CHECK_EQ_INT(pkt.payload_len, 0);
    /* A non-first fragment needs no transport bytes at all. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_RAW, f.b, 20, 52, 0, 0, &pkt), TT_OUTCOME_FRAGMENT);
    /* Middle fragment with DF (odd, but possible). */
    set16(&f, 6, 0x4000 | 0x2000 | 10);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_FRAGMENT);
    CHECK(pkt.dont_fragment);
}

static void test_other_protocols(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    ipv4_spec ip = {.ttl = 30, .proto = 47, .src = "198.51.100.9", .dst = "192.0.2.99"};
    size_t at = put_ipv4(&f, &ip);
    put32(&f, 0x00000800); /* GRE carrying IPv4 */
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 47);
    CHECK(!pkt.has_ports);
    CHECK(!pkt.has_icmp);
    CHECK_EQ_INT(pkt.payload_len, 0);
    /* ICMPv6's number inside IPv4 is just a protocol number. */
    f.b[9] = 58;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.has_icmp);
}

static void test_icmp_echo(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put_eth(&f, 0x0800);
    ipv4_spec ip = {.ttl = 52, .proto = 1, .id = 1, .src = "198.51.100.20", .dst = "192.0.2.21"};
    size_t at = put_ipv4(&f, &ip);
    put8(&f, 8); /* echo request */
    put8(&f, 0);
    put16(&f, 0);
    put16(&f, 0x1234); /* identifier */
    put16(&f, 1);      /* sequence */
    put_bytes(&f, "abcdefgh", 8);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 1);
    CHECK(pkt.has_icmp);
    CHECK_EQ_INT(pkt.icmp_type, 8);
    CHECK_EQ_INT(pkt.icmp_code, 0);
    CHECK(!pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 0);
    CHECK_EQ_INT(pkt.dport, 0);
    CHECK(!pkt.quoted.present);
    CHECK_EQ_INT(pkt.payload_len, 8);
    CHECK(pkt.payload == f.b + 14 + 20 + 8);
    check_every_prefix(TT_DLT_EN10MB, &f, 14 + 28, "eth/ipv4/icmp");
    /* Only 4 ICMP bytes captured: truncated. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 20 + 4, 100, 0, 0, &pkt),
                 TT_OUTCOME_TRUNCATED);
    CHECK(!pkt.has_icmp);
    CHECK_EQ_INT(pkt.proto, 1);
}

static void test_icmp_unreachable(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put_eth(&f, 0x0800);
    ipv4_spec ip = {.ttl = 250, .proto = 1, .src = "203.0.113.1", .dst = "192.0.2.77"};
    size_t at = put_ipv4(&f, &ip);
    put8(&f, 3); /* destination unreachable */
    put8(&f, 3); /* port unreachable */
    put16(&f, 0);
    put32(&f, 0);
    /* The quoted datagram: UDP from our address to the sender. */
    ipv4_spec quoted = {.ttl = 63, .proto = 17, .id = 99, .src = "192.0.2.77", .dst = "203.0.113.1"};
    size_t qat = put_ipv4(&f, &quoted);
    size_t udp = put_udp(&f, 51413, 161);
    put_zeros(&f, 10);
    end_udp(&f, udp);
    end_ipv4(&f, qat);
    end_ipv4(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.has_icmp);
    CHECK_EQ_INT(pkt.icmp_type, 3);
    CHECK_EQ_INT(pkt.icmp_code, 3);
    CHECK(!pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 0);
    CHECK_EQ_INT(pkt.dport, 0);
    CHECK_EQ_INT(pkt.payload_len, 20 + 8 + 10);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.proto, 17);
    CHECK(addr_is(&pkt.quoted.src, "192.0.2.77"));
    CHECK(addr_is(&pkt.quoted.dst, "203.0.113.1"));
    CHECK_EQ_INT(pkt.quoted.sport, 51413);
    CHECK_EQ_INT(pkt.quoted.dport, 161);

    /* Quote cut after 2 transport bytes: addresses, no ports. */
    uint32_t cut = 14 + 20 + 8 + 20 + 2;
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, cut, 100, 0, 0, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.proto, 17);
    CHECK(addr_is(&pkt.quoted.dst, "203.0.113.1"));
    CHECK_EQ_INT(pkt.quoted.sport, 0);
    CHECK_EQ_INT(pkt.quoted.dport, 0);
    /* Quote shorter than an IP header: no quote. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 20 + 8 + 19, 100, 0, 0, &pkt),
                 TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    /* Every length of the quote decodes without reading past the capture. */
    for (uint32_t n = 14 + 20 + 8; n <= f.len; n++) {
        uint8_t *copy = malloc(n);
        if (copy == NULL)
            return;
        memcpy(copy, f.b, n);
        CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, copy, n, 100, 0, 0, &pkt), TT_OUTCOME_OK);
        CHECK_EQ_INT(pkt.quoted.present, n >= 14 + 20 + 8 + 20);
        CHECK_EQ_INT(pkt.quoted.dport, n >= 14 + 20 + 8 + 24 ? 161 : 0);
        free(copy);
    }

    /* Time exceeded quoting a TCP SYN; the quote's bad version is refused. */
    f.b[14 + 20] = 11;
    f.b[14 + 20 + 1] = 0;
    f.b[14 + 20 + 8 + 9] = 6;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.icmp_type, 11);
    CHECK_EQ_INT(pkt.quoted.proto, 6);
    CHECK_EQ_INT(pkt.quoted.dport, 161);
    f.b[14 + 20 + 8] = 0x65;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    /* Echo reply (type 0) has no quote even if the body looks like one. */
    f.b[14 + 20 + 8] = 0x45;
    f.b[14 + 20] = 0;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    /* A quoted non-first fragment has no ports. */
    f.b[14 + 20] = 3;
    set16(&f, 14 + 20 + 8 + 6, 100);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.sport, 0);
    set16(&f, 14 + 20 + 8 + 6, 0);
    /* Quoted IHL 15 (60 bytes) reaches past the 38-byte quote: no ports. */
    f.b[14 + 20 + 8] = 0x4f;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.proto, 6);
    CHECK_EQ_INT(pkt.quoted.dport, 0);
    /* Quoted IHL 4 is no IPv4 header. */
    f.b[14 + 20 + 8] = 0x44;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    /* A quoted ICMP echo: protocol, no ports. */
    f.b[14 + 20 + 8] = 0x45;
    f.b[14 + 20 + 8 + 9] = 1;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.proto, 1);
    CHECK_EQ_INT(pkt.quoted.sport, 0);
    CHECK_EQ_INT(pkt.quoted.dport, 0);
}

static void test_icmp6(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    put_eth(&f, 0x86dd);
    size_t at = put_ipv6(&f, 0, 58, 64, "2001:db8:1::5", "2001:db8:2::6");
    put8(&f, 128); /* echo request */
    put8(&f, 0);
    put16(&f, 0);
    put32(&f, 0x00010002);
    put_bytes(&f, "ping", 4);
    end_ipv6(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 58);
    CHECK(pkt.has_icmp);
    CHECK_EQ_INT(pkt.icmp_type, 128);
    CHECK_EQ_INT(pkt.icmp_code, 0);
    CHECK(!pkt.has_ports);
    CHECK(!pkt.quoted.present);
    CHECK_EQ_INT(pkt.payload_len, 4);
    CHECK(memcmp(pkt.payload, "ping", 4) == 0);
    check_every_prefix(TT_DLT_EN10MB, &f, 14 + 48, "eth/ipv6/icmp6");

    /* Destination unreachable (port) quoting a UDP datagram, behind a
     * destination-options header in the quote. */
    f.len = 0;
    put_eth(&f, 0x86dd);
    at = put_ipv6(&f, 0, 58, 60, "2001:db8:2::1", "2001:db8:2::6");
    put8(&f, 1);
    put8(&f, 4);
    put16(&f, 0);
    put32(&f, 0);
    size_t qat = put_ipv6(&f, 0, 60, 64, "2001:db8:2::6", "2001:db8:9::9");
    put8(&f, 17); /* destination options: next UDP, 8 bytes */
    put8(&f, 0);
    put_bytes(&f, "\x01\x04\0\0\0\0", 6);
    size_t udp = put_udp(&f, 40001, 33434);
    end_udp(&f, udp);
    end_ipv6(&f, qat);
    end_ipv6(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.icmp_type, 1);
    CHECK_EQ_INT(pkt.icmp_code, 4);
    CHECK(!pkt.has_ports);
    CHECK(pkt.quoted.present);
    CHECK_EQ_INT(pkt.quoted.proto, 17);
    CHECK(addr_is(&pkt.quoted.src, "2001:db8:2::6"));
    CHECK(addr_is(&pkt.quoted.dst, "2001:db8:9::9"));
    CHECK_EQ_INT(pkt.quoted.sport, 40001);
    CHECK_EQ_INT(pkt.quoted.dport, 33434);
    /* Quote cut inside the destination options: still present, no ports. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 40 + 8 + 40 + 4, 200, 0, 0, &pkt),
                 TT_OUTCOME_OK);
    CHECK(pkt.quoted.present);
    CHECK(addr_is(&pkt.quoted.dst, "2001:db8:9::9"));
    CHECK_EQ_INT(pkt.quoted.dport, 0);
    /* Quote shorter than an IPv6 header, or of the wrong version: none. */
    CHECK_EQ_INT(tt_decode_frame(TT_DLT_EN10MB, f.b, 14 + 40 + 8 + 39, 200, 0, 0, &pkt),
                 TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    f.b[14 + 40 + 8] = 0x45;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    f.b[14 + 40 + 8] = 0x60;
    /* Packet too big (2) also quotes; neighbour solicitation (135) does not. */
    f.b[14 + 40] = 2;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.quoted.dport, 33434);
    f.b[14 + 40] = 135;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.quoted.present);
    /* ICMP's number inside IPv6 is just a protocol number. */
    f.b[14 + 6] = 1;
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.has_icmp);
    CHECK_EQ_INT(pkt.proto, 1);
}

static void test_ipv6_extension_headers(void)
{
    builder f = {.len = 0};
    tt_packet pkt;
    /* Hop-by-hop (8 bytes) + fragment (first, MF) + TCP. */
    size_t at = put_ipv6(&f, 0, 0, 64, "2001:db8::a", "2001:db8::b");
    put8(&f, 44); /* hop-by-hop: next fragment, length 0 = 8 bytes */
    put8(&f, 0);
    put_bytes(&f, "\x01\x04\0\0\0\0", 6); /* PadN */
    put8(&f, 6);                          /* fragment: next TCP */
    put8(&f, 0);
    put16(&f, 0x0001);     /* offset 0, M */
    put32(&f, 0xa1b2c3d4); /* identification */
    put_tcp_plain(&f, 7777, 445, TT_TCP_SYN);
    end_ipv6(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 6);
    CHECK(pkt.fragment);
    CHECK(!pkt.fragment_nonfirst);
    CHECK_EQ_INT(pkt.ip_id, 0xc3d4);
    CHECK_EQ_INT(pkt.ip_len, 40 + 16 + 20);
    CHECK(pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 7777);
    CHECK_EQ_INT(pkt.dport, 445);
    CHECK_EQ_INT(pkt.tcp_header_len, 20);
    check_every_prefix(TT_DLT_RAW, &f, 0, "raw/ipv6/hbh/frag/tcp");

    /* Atomic fragment (offset 0, no M): a whole datagram. */
    set16(&f, 40 + 8 + 2, 0);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK(!pkt.fragment);
    CHECK_EQ_INT(pkt.ip_id, 0xc3d4);

    /* Non-first fragment: offset 1480 bytes, last. */
    set16(&f, 40 + 8 + 2, 185 << 3);
    f.b[40 + 8] = 17;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_FRAGMENT);
    CHECK(pkt.fragment);
    CHECK(pkt.fragment_nonfirst);
    CHECK_EQ_INT(pkt.proto, 17);
    CHECK_EQ_INT(pkt.ip_id, 0xc3d4);
    CHECK(!pkt.has_ports);
    CHECK_EQ_INT(pkt.sport, 0);
    CHECK(addr_is(&pkt.src, "2001:db8::a"));
    CHECK(addr_is(&pkt.dst, "2001:db8::b"));
    CHECK_EQ_INT(pkt.ttl, 64);

    /* Routing header (len 2 → 24 bytes) + AH (len 4 → 24 bytes) + UDP. */
    f.len = 0;
    at = put_ipv6(&f, 0, 43, 64, "2001:db8::a", "2001:db8::b");
    put8(&f, 51);
    put8(&f, 2);
    put_zeros(&f, 22);
    put8(&f, 17);
    put8(&f, 4);
    put_zeros(&f, 22);
    size_t udp = put_udp(&f, 500, 4500);
    put_bytes(&f, "ike", 3);
    end_udp(&f, udp);
    end_ipv6(&f, at);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 17);
    CHECK_EQ_INT(pkt.dport, 4500);
    CHECK_EQ_INT(pkt.payload_len, 3);
    check_every_prefix(TT_DLT_RAW, &f, 40 + 48 + 8, "raw/ipv6/rh/ah/udp");

    /* ESP and no-next-header end the chain. */
    f.b[40 + 24] = 50;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 50);
    CHECK(!pkt.has_ports);
    f.b[40 + 24] = 59;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.proto, 59);

    /* Extension header longer than the payload length says. */
    f.b[40 + 24 + 1] = 40;
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);

    /* Eight destination-options headers pass, nine do not. */
    for (unsigned count = 8; count <= 9; count++) {
        f.len = 0;
        at = put_ipv6(&f, 0, 60, 64, "2001:db8::a", "2001:db8::b");
        for (unsigned i = 0; i < count; i++) {
            put8(&f, i + 1 < count ? 60 : 6);
            put8(&f, 0);
            put_zeros(&f, 6);
        }
        put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
        end_ipv6(&f, at);
        CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt),
                     count == 8 ? TT_OUTCOME_OK : TT_OUTCOME_MALFORMED);
    }

    /* Payload length 0 (jumbogram): the capture is the length. */
    f.len = 0;
    at = put_ipv6(&f, 0, 6, 64, "2001:db8::a", "2001:db8::b");
    put_tcp_plain(&f, 1, 2, TT_TCP_SYN);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_OK);
    CHECK_EQ_INT(pkt.ip_len, 40);
    CHECK_EQ_INT(pkt.dport, 2);
    /* Payload length shorter than a TCP header. */
    set16(&f, at + 4, 12);
    CHECK_EQ_INT(decode(TT_DLT_RAW, &f, &pkt), TT_OUTCOME_MALFORMED);
}

static void test_reset_between_frames(void)
{
    builder f, arp = {.len = 0};
    tt_packet pkt;
    build_eth_tcp_syn(&f);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &f, &pkt), TT_OUTCOME_OK);
    put_eth(&arp, 0x0806);
    put_zeros(&arp, 28);
    CHECK_EQ_INT(decode(TT_DLT_EN10MB, &arp, &pkt), TT_OUTCOME_NOT_IP);
    tt_packet zero;
    memset(&zero, 0, sizeof zero);
    zero.wscale = -1;
    zero.ts_sec = 1700000000;
    zero.ts_usec = 123456;
    zero.caplen = zero.wirelen = 42;
    CHECK(memcmp(&pkt, &zero, sizeof pkt) == 0);
}

int main(void)
{
    test_outcome_names();
    test_link_supported();
    test_unknown_link();
    test_eth_tcp_syn();
    test_truncation();
    test_tcp_payload_and_padding();
    test_tcp_options_edge_cases();
    test_sll_udp();
    test_sll2_ipv6_udp();
    test_raw_links();
    test_loopback_links();
    test_vlan();
    test_not_ip();
    test_ipv4_malformed();
    test_ipv4_fragments();
    test_other_protocols();
    test_icmp_echo();
    test_icmp_unreachable();
    test_icmp6();
    test_ipv6_extension_headers();
    test_reset_between_frames();
    return check_report("test_decode");
}
