/* p0f signature database and SYN matching: Debian's /etc/p0f/p0f.fp with
 * SYNs built byte by byte to reproduce its signatures; small inline databases
 * that pin down each matching rule; the label → class table; the malformed
 * files of tests/malformed/p0f/ with the error each must give; match speed.
 * Runs from tests/ (ctest's working directory). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "classify/p0f.h"
#include "decode/decode.h"
#include "decode/packet.h"

/* ---- SYN builder: raw IPv4/IPv6 + TCP bytes, decoded by tt_decode_ip ---- */

typedef struct syn_spec {
    uint8_t version, ttl, tos, flags;
    bool df;
    uint16_t ip_id, window, urgent;
    uint32_t seq, ack;
    uint8_t options[40];
    size_t options_len;
    uint8_t ip_options_len; /* IPv4 options, filled with NOPs */
    size_t payload_len;
} syn_spec;

typedef struct built {
    uint8_t bytes[256];
    size_t len;
    tt_packet pkt;
} built;

static syn_spec syn_v4(uint8_t ttl, uint16_t window)
{
    syn_spec s;
    memset(&s, 0, sizeof s);
    s.version = 4;
    s.ttl = ttl;
    s.flags = TT_TCP_SYN;
    s.ip_id = 0x1234;
    s.window = window;
    s.seq = 0x01020304;
    return s;
}

static void opt_bytes(syn_spec *s, const uint8_t *b, size_t n)
{
    if (s->options_len + n > sizeof s->options) {
        fprintf(stderr, "test bug: more than 40 bytes of options\n");
        exit(2);
    }
    memcpy(s->options + s->options_len, b, n);
    s->options_len += n;
}
#define OPT(s, ...)                                                                                          \
    do {                                                                                                     \
        const uint8_t opt_[] = {__VA_ARGS__};                                                                \
        opt_bytes((s), opt_, sizeof opt_);                                                                   \
    } while (0)
static void opt_mss(syn_spec *s, uint16_t mss)
{
    OPT(s, 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss);
}
static void opt_ws(syn_spec *s, uint8_t ws)
{
    OPT(s, 3, 3, ws);
}
static void opt_nop(syn_spec *s)
{
    OPT(s, 1);
}
static void opt_sok(syn_spec *s)
{
    OPT(s, 4, 2);
}
static void opt_ts(syn_spec *s, uint32_t ts1, uint32_t ts2)
{
    OPT(s, 8, 10, (uint8_t)(ts1 >> 24), (uint8_t)(ts1 >> 16), (uint8_t)(ts1 >> 8), (uint8_t)ts1,
        (uint8_t)(ts2 >> 24), (uint8_t)(ts2 >> 16), (uint8_t)(ts2 >> 8), (uint8_t)ts2);
}

/* Builds the packet and decodes it into b->pkt (which borrows b->bytes). */
static const tt_packet *build(const syn_spec *s, built *b)
{
    memset(b, 0, sizeof *b);
    if (s->options_len % 4 != 0) {
        fprintf(stderr, "test bug: options must fill whole words (%zu bytes)\n", s->options_len);
        exit(2);
    }
    size_t tcp_len = 20 + s->options_len;
    size_t ip_header = s->version == 4 ? 20 + s->ip_options_len : 40;
    size_t total = ip_header + tcp_len + s->payload_len;
    uint8_t *p = b->bytes;
    if (s->version == 4) {
        p[0] = (uint8_t)(0x40 | ip_header / 4);
        p[1] = s->tos;
        p[2] = (uint8_t)(total >> 8);
        p[3] = (uint8_t)total;
        p[4] = (uint8_t)(s->ip_id >> 8);
        p[5] = (uint8_t)s->ip_id;
        p[6] = s->df ? 0x40 : 0;
        p[8] = s->ttl;
        p[9] = TT_IPPROTO_TCP;
        const uint8_t addrs[8] = {192, 0, 2, 1, 198, 51, 100, 7};
        memcpy(p + 12, addrs, 8);
        memset(p + 20, 1, s->ip_options_len);
    } else {
        size_t payload = total - 40;
        p[0] = (uint8_t)(0x60 | s->tos >> 4);
        p[1] = (uint8_t)(s->tos << 4);
        p[4] = (uint8_t)(payload >> 8);
        p[5] = (uint8_t)payload;
        p[6] = TT_IPPROTO_TCP;
        p[7] = s->ttl;
        p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
        p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 7;
    }
    uint8_t *t = p + ip_header;
    t[0] = 0xc3, t[1] = 0x50; /* 50000 */
    t[2] = 0, t[3] = 23;
    t[4] = (uint8_t)(s->seq >> 24), t[5] = (uint8_t)(s->seq >> 16), t[6] = (uint8_t)(s->seq >> 8),
    t[7] = (uint8_t)s->seq;
    t[8] = (uint8_t)(s->ack >> 24), t[9] = (uint8_t)(s->ack >> 16), t[10] = (uint8_t)(s->ack >> 8),
    t[11] = (uint8_t)s->ack;
    t[12] = (uint8_t)(tcp_len / 4 << 4);
    t[13] = s->flags;
    t[14] = (uint8_t)(s->window >> 8), t[15] = (uint8_t)s->window;
    t[18] = (uint8_t)(s->urgent >> 8), t[19] = (uint8_t)s->urgent;
    memcpy(t + 20, s->options, s->options_len);
    memset(t + tcp_len, 'x', s->payload_len);
    b->len = total;
    tt_outcome outcome = tt_decode_ip(b->bytes, (uint32_t)total, &b->pkt);
    CHECK_EQ_INT(outcome, TT_OUTCOME_OK);
    return &b->pkt;
}

/* Linux 3.11+: mss,sok,ts,nop,ws with DF and a non-zero IP ID. */
static syn_spec linux_syn(uint8_t ttl, uint16_t mss, uint16_t window, uint8_t ws)
{
    syn_spec s = syn_v4(ttl, window);
    s.df = true;
    opt_mss(&s, mss);
    opt_sok(&s);
    opt_ts(&s, 0x00abcdef, 0);
    opt_nop(&s);
    opt_ws(&s, ws);
    return s;
}

/* Windows 7/8: mss,nop,ws,nop,nop,sok. */
static syn_spec windows_syn(uint8_t ttl, uint16_t window, uint8_t ws)
{
    syn_spec s = syn_v4(ttl, window);
    s.df = true;
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ws(&s, ws);
    opt_nop(&s);
    opt_nop(&s);
    opt_sok(&s);
    return s;
}

static syn_spec nmap_syn(uint8_t ttl, uint16_t window)
{
    syn_spec s = syn_v4(ttl, window);
    s.ip_id = 0x9a0f;
    opt_mss(&s, 1460);
    return s;
}

static tt_os_class match(const tt_p0f *db, const syn_spec *s, const char **label)
{
    built b;
    return tt_p0f_match(db, build(s, &b), label);
}

/* Label of the match in an inline database, or "-" for none. */
static const char *match_label(const tt_p0f *db, const syn_spec *s)
{
    const char *label = NULL;
    tt_os_class os = match(db, s, &label);
    if (os == TT_OS_UNKNOWN) {
        CHECK(label == NULL);
        return "-";
    }
    return label;
}

static tt_p0f *parse_text(const char *text)
{
    tt_p0f *db = NULL;
    char err[256] = "";
    tt_status st = tt_p0f_parse(text, strlen(text), "inline.fp", &db, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "inline database refused: %s\n", err);
    CHECK_EQ_INT(st, TT_OK);
    return db;
}

#define HEAD "classes = win,unix,other\n[tcp:request]\n"

/* ---- Debian's p0f.fp ------------------------------------------------- */

static void test_debian_database(void)
{
    if (access(TT_P0F_DEFAULT_PATH, R_OK) != 0) {
        printf("test_p0f: %s not installed (apt-get install p0f): skipping the real-database checks\n",
               TT_P0F_DEFAULT_PATH);
        tt_p0f *db = NULL;
        char err[256] = "";
        CHECK_EQ_INT(tt_p0f_load(NULL, &db, err, sizeof err), TT_ERR_IO);
        CHECK(strstr(err, "apt-get install p0f") != NULL);
        CHECK(db == NULL);
        return;
    }
    tt_p0f *db = NULL;
    char err[256] = "";
    tt_status st = tt_p0f_load(NULL, &db, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_INT(st, TT_OK);
    if (db == NULL)
        return;
    CHECK(tt_p0f_signature_count(db) > 50);

    const char *label = NULL;
    syn_spec s;

    /* Linux 3.11+, 12 hops away: window mss*20, scale 7. */
    s = linux_syn(52, 1460, 29200, 7);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_LINUX);
    CHECK_EQ_STR(label, "s:unix:Linux:3.11 and newer");
    /* The same over IPv6: no df/id quirks there, '*' signatures allow that. */
    s = (syn_spec){.version = 6, .ttl = 60, .flags = TT_TCP_SYN, .window = 28800, .seq = 7};
    opt_mss(&s, 1440);
    opt_sok(&s);
    opt_ts(&s, 99, 0);
    opt_nop(&s);
    opt_ws(&s, 7);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_LINUX);
    CHECK_EQ_STR(label, "s:unix:Linux:3.11 and newer");
    /* 3.1-3.10: mss*10. */
    s = linux_syn(64, 1460, 14600, 7);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_LINUX);
    CHECK_EQ_STR(label, "s:unix:Linux:3.1-3.10");
    /* 2.6: mss*4 — an old kernel, counted as embedded. */
    s = linux_syn(50, 1460, 5840, 6);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_EMBEDDED);
    CHECK_EQ_STR(label, "s:unix:Linux:2.6.x");
    /* An odd window: the generic Linux 2.2-3.x rule. */
    s = linux_syn(50, 1460, 12345, 2);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_LINUX);
    CHECK_EQ_STR(label, "g:unix:Linux:2.2.x-3.x");
    /* Barebone: MSS only, DF, non-zero ID. */
    s = syn_v4(47, 5840);
    s.df = true;
    opt_mss(&s, 1460);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_EMBEDDED);
    CHECK_EQ_STR(label, "g:unix:Linux:2.2.x-3.x (barebone)");
    /* Linux 3.11 seen with a TTL above 64: only a fuzzy match exists. */
    s = linux_syn(100, 1460, 29200, 7);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_LINUX);
    CHECK_EQ_STR(label, "s:unix:Linux:3.11 and newer");

    /* Windows 7/8, 13 hops away. */
    s = windows_syn(115, 8192, 8);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_WINDOWS);
    CHECK_EQ_STR(label, "s:win:Windows:7 or 8");
    s = windows_syn(120, 65535, 1);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_WINDOWS);
    CHECK_EQ_STR(label, "s:win:Windows:XP");
    s = windows_syn(120, 64240, 8);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_WINDOWS);
    CHECK_EQ_STR(label, "g:win:Windows:NT kernel");

    /* Nmap's SYN scan: random TTL up to 64, window 1024, MSS 1460 only. */
    s = nmap_syn(43, 1024);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_TOOL);
    CHECK_EQ_STR(label, "s:!:NMap:SYN scan");
    s = nmap_syn(64, 4096);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_TOOL);
    /* Above 64 the "64-" signature cannot hold, and tools get no fuzzy match. */
    s = nmap_syn(65, 1024);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_UNKNOWN);
    CHECK(label == NULL);

    /* Mac OS X 10.9+: mss,nop,ws,nop,nop,ts,sok,eol+1. */
    s = syn_v4(57, 65535);
    s.df = true;
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ws(&s, 4);
    opt_nop(&s);
    opt_nop(&s);
    opt_ts(&s, 1000, 0);
    opt_sok(&s);
    OPT(&s, 0, 0); /* eol + 1 byte of padding */
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_MACOS);
    CHECK_EQ_STR(label, "s:unix:MacOS X:10.9 or newer (sometimes iPhone or iPad)");

    /* FreeBSD 9+: mss,nop,ws,sok,ts. */
    s = syn_v4(55, 65535);
    s.df = true;
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ws(&s, 6);
    opt_sok(&s);
    opt_ts(&s, 5, 0);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_BSD);
    CHECK_EQ_STR(label, "s:unix:FreeBSD:9.x or newer");

    /* Solaris 10: same layout as Windows, TTL 64, window mss*34. */
    s = windows_syn(60, 1460 * 34, 0);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_SOLARIS);
    CHECK_EQ_STR(label, "s:unix:Solaris:10");

    /* p0f-sendsyn: TTL 192, MSS 1331, window 1337, mss,nop,eol+18. */
    s = syn_v4(190, 1337);
    opt_mss(&s, 1331);
    opt_nop(&s);
    OPT(&s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_TOOL);
    CHECK_EQ_STR(label, "s:unix:p0f:sendsyn utility");

    /* Not plain SYNs, or nothing known. */
    s = linux_syn(52, 1460, 29200, 7);
    s.flags = TT_TCP_SYN | TT_TCP_ACK;
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_UNKNOWN);
    s.flags = TT_TCP_SYN | TT_TCP_FIN;
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_UNKNOWN);
    s = syn_v4(64, 1024); /* no options: Mirai/ZMap/masscan-style raw SYN */
    CHECK_EQ_INT(match(db, &s, &label), TT_OS_UNKNOWN);
    CHECK_EQ_INT(tt_p0f_match(db, NULL, &label), TT_OS_UNKNOWN);
    tt_packet udp;
    memset(&udp, 0, sizeof udp);
    udp.ip_version = 4;
    udp.proto = TT_IPPROTO_UDP;
    udp.has_ports = true;
    CHECK_EQ_INT(tt_p0f_match(db, &udp, NULL), TT_OS_UNKNOWN);

    /* Options cut by the capture: no guess. */
    built b;
    s = linux_syn(52, 1460, 29200, 7);
    build(&s, &b);
    tt_packet cut;
    CHECK_EQ_INT(tt_decode_ip(b.bytes, 30 + 20, &cut), TT_OUTCOME_TRUNCATED);
    CHECK_EQ_INT(tt_p0f_match(db, &cut, &label), TT_OS_UNKNOWN);

    /* A hand-filled tt_packet (no raw frame) works too. */
    tt_packet hand;
    memset(&hand, 0, sizeof hand);
    hand.ip_version = 4;
    hand.proto = TT_IPPROTO_TCP;
    hand.has_ports = true;
    hand.ttl = 116;
    hand.dont_fragment = true;
    hand.ip_id = 77;
    hand.tcp_flags = TT_TCP_SYN;
    hand.window = 8192;
    hand.seq = 1;
    const uint8_t win_opts[] = {2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
    hand.tcp_options = win_opts;
    hand.tcp_options_len = sizeof win_opts;
    CHECK_EQ_INT(tt_p0f_match(db, &hand, &label), TT_OS_WINDOWS);
    CHECK_EQ_STR(label, "s:win:Windows:7 or 8");

    tt_p0f_free(db);
}

/* ---- each matching rule on inline databases --------------------------- */

static void test_version_and_ttl(void)
{
    tt_p0f *db = parse_text(HEAD "label = s:unix:V4:\nsig = 4:64:0:*:1000,0:mss::0\n"
                                 "label = s:unix:V6:\nsig = 6:64:0:*:1000,0:mss::0\n"
                                 "label = s:unix:T128:\nsig = *:128:0:*:2000,0:mss::0\n"
                                 "label = s:unix:T64:\nsig = *:54+10:0:*:2000,0:mss::0\n"
                                 "label = s:unix:Random:\nsig = *:64-:0:*:3000,0:mss::0\n");
    if (db == NULL)
        return;
    CHECK_EQ_INT(tt_p0f_signature_count(db), 5);
    syn_spec s = nmap_syn(60, 1000);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:V4:");
    s.version = 6;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:V6:");

    /* ittl 128 comes first in the file, but is only exact from 93 to 128. */
    s = nmap_syn(100, 2000);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T128:");
    s.ttl = 93; /* 35 hops: still exact */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T128:");
    s.ttl = 60; /* 64 = 54+10 is exact, 128 would be fuzzy */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T64:");
    s.ttl = 29; /* 35 hops from 64 */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T64:");
    s.ttl = 28; /* both fuzzy: the first in file order */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T128:");
    s.ttl = 200; /* above both: fuzzy too */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:T128:");

    /* "64-": anything up to 64, never above (not even fuzzily). */
    s = nmap_syn(1, 3000);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Random:");
    s.ttl = 64;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Random:");
    s.ttl = 65;
    CHECK_EQ_STR(match_label(db, &s), "-");
    tt_p0f_free(db);
}

static void test_fields(void)
{
    tt_p0f *db = parse_text(HEAD "label = s:unix:Olen4:\nsig = 4:64:0:1460:*,0:mss:df,id+:+\n"
                                 "sig = 4:64:4:*:*,0:mss::0\n"
                                 "label = s:unix:Mss536:\nsig = *:64:0:536:*,0:mss::0\n"
                                 "label = s:unix:Fixed:\nsig = *:64:0:*:4321,0:mss::0\n"
                                 "label = s:unix:Mod:\nsig = *:64:0:*:%512,0:mss::0\n"
                                 "label = s:unix:MssMul:\nsig = *:64:0:*:mss*7,0:mss::0\n"
                                 "label = s:unix:MtuMul:\nsig = *:64:0:*:mtu*4,0:mss::0\n"
                                 "label = s:unix:Scale5:\nsig = *:64:0:*:*,5:mss,nop,ws::0\n"
                                 "label = s:unix:AnyScale:\nsig = *:64:0:*:*,*:mss,nop,ws::0\n"
                                 "label = s:unix:Payload:\nsig = *:64:0:*:*,*:mss,nop,nop,sok::+\n"
                                 "label = s:unix:AnyPayload:\nsig = *:64:0:*:*,*:mss,nop,nop,sok::*\n"
                                 "label = s:unix:Unknown30:\nsig = *:64:0:*:*,*:mss,?30::0\n"
                                 "label = s:unix:Eol3:\nsig = *:64:0:*:*,*:mss,nop,ts,nop,eol+3::0\n");
    if (db == NULL)
        return;
    syn_spec s;

    /* IP options length: 4 bytes of IPv4 options. */
    s = nmap_syn(64, 100);
    s.ip_options_len = 4;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Olen4:");
    s.ip_options_len = 8;
    CHECK_EQ_STR(match_label(db, &s), "-");
    /* Payload class '+', and a payload does not change olen. */
    s = nmap_syn(64, 100);
    s.df = true;
    s.payload_len = 5;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Olen4:");

    /* MSS: exact value. */
    s = syn_v4(64, 100);
    opt_mss(&s, 536);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Mss536:");

    /* Windows: fixed, %N, mss*N, mtu*N. */
    s = nmap_syn(64, 4321);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Fixed:");
    s.window = 4096;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Mod:");
    s.window = 4097;
    CHECK_EQ_STR(match_label(db, &s), "-");
    s.window = 1460 * 7;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:MssMul:");
    s.window = 1500 * 4; /* (MSS + 40) * 4 */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:MtuMul:");
    s = syn_v4(64, 1000 * 7);
    opt_mss(&s, 1000);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:MssMul:");
    s.window = 1040 * 4; /* MTU for MSS 1000 */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:MtuMul:");
    s.window = 1000 * 3; /* mss*3: no signature */
    CHECK_EQ_STR(match_label(db, &s), "-");

    /* Window scale. */
    s = syn_v4(64, 100);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ws(&s, 5);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Scale5:");
    s.options[7] = 9;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:AnyScale:");

    /* Payload class: '+' before '*' in the file. */
    s = syn_v4(64, 100);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_nop(&s);
    opt_sok(&s);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:AnyPayload:");
    s.payload_len = 3;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Payload:");

    /* Unknown option kinds by number. */
    s = syn_v4(64, 100);
    opt_mss(&s, 1460);
    OPT(&s, 30, 4, 0xaa, 0xbb);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Unknown30:");
    s.options[4] = 31;
    CHECK_EQ_STR(match_label(db, &s), "-");

    /* EOL padding is part of the layout. */
    s = syn_v4(64, 100);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ts(&s, 1, 0);
    opt_nop(&s);
    OPT(&s, 0, 0, 0, 0);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Eol3:");
    s.options_len -= 4;
    OPT(&s, 1, 1, 1, 1); /* same length, no EOL */
    CHECK_EQ_STR(match_label(db, &s), "-");
    tt_p0f_free(db);
}

/* One signature per quirk: a SYN with exactly that quirk matches it. */
static void test_quirks(void)
{
    tt_p0f *db = parse_text(HEAD "label = s:unix:Q:none\nsig = *:64:0:*:1,0:mss::0\n"
                                 "label = s:unix:Q:df\nsig = *:64:0:*:2,0:mss:df:0\n"
                                 "label = s:unix:Q:dfid\nsig = *:64:0:*:3,0:mss:df,id+:0\n"
                                 "label = s:unix:Q:id-\nsig = *:64:0:*:4,0:mss:id-:0\n"
                                 "label = s:unix:Q:ecn\nsig = *:64:0:*:5,0:mss:ecn:0\n"
                                 "label = s:unix:Q:seq-\nsig = *:64:0:*:6,0:mss:seq-:0\n"
                                 "label = s:unix:Q:ack+\nsig = *:64:0:*:7,0:mss:ack+:0\n"
                                 "label = s:unix:Q:uptr+\nsig = *:64:0:*:8,0:mss:uptr+:0\n"
                                 "label = s:unix:Q:urgf+\nsig = *:64:0:*:9,0:mss:urgf+:0\n"
                                 "label = s:unix:Q:pushf+\nsig = *:64:0:*:10,0:mss:pushf+:0\n"
                                 "label = s:unix:Q:ts1-\nsig = *:64:0:*:11,0:mss,nop,nop,ts:ts1-:0\n"
                                 "label = s:unix:Q:ts2+\nsig = *:64:0:*:12,0:mss,nop,nop,ts:ts2+:0\n"
                                 "label = s:unix:Q:opt+\nsig = *:64:0:*:13,0:mss,eol+3:opt+:0\n"
                                 "label = s:unix:Q:exws\nsig = *:64:0:*:14,15:mss,nop,ws:exws:0\n"
                                 "label = s:unix:Q:bad\nsig = *:64:0:*:15,0:mss,nop,ws:bad:0\n"
                                 "label = s:unix:Q:0+\nsig = 4:64:0:*:16,0:mss:0+:0\n"
                                 "label = s:unix:Q:flow\nsig = 6:64:0:*:17,0:mss:flow:0\n");
    if (db == NULL)
        return;
    syn_spec s;
    s = nmap_syn(64, 1);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:none");
    s = nmap_syn(64, 2);
    s.df = true;
    s.ip_id = 0;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:df");
    s = nmap_syn(64, 3);
    s.df = true;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:dfid");
    s = nmap_syn(64, 4);
    s.ip_id = 0;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:id-");
    s = nmap_syn(64, 5);
    s.tos = 0x02; /* ECT(0) */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:ecn");
    s.tos = 0;
    s.flags = TT_TCP_SYN | TT_TCP_ECE | TT_TCP_CWR;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:ecn");
    s = nmap_syn(64, 6);
    s.seq = 0;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:seq-");
    s = nmap_syn(64, 7);
    s.ack = 0x12345678;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:ack+");
    s = nmap_syn(64, 8);
    s.urgent = 5;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:uptr+");
    s = nmap_syn(64, 9);
    s.flags |= TT_TCP_URG;
    s.urgent = 5; /* with URG set the pointer is no quirk */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:urgf+");
    s = nmap_syn(64, 10);
    s.flags |= TT_TCP_PSH;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:pushf+");

    s = syn_v4(64, 11);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_nop(&s);
    opt_ts(&s, 0, 0);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:ts1-");
    s = syn_v4(64, 12);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_nop(&s);
    opt_ts(&s, 1, 2);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:ts2+");
    s = syn_v4(64, 13);
    opt_mss(&s, 1460);
    OPT(&s, 0, 0, 0, 9); /* non-zero byte after EOL (even the last one) */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:opt+");
    s = syn_v4(64, 14);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_ws(&s, 15);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:exws");
    s = syn_v4(64, 15);
    opt_mss(&s, 1460);
    opt_nop(&s);
    OPT(&s, 3, 4, 0); /* window scale with length 4 */
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Q:bad");
    /* A length running past the options is 'bad' too (layout mss,?30). */
    tt_p0f *db2 = parse_text(HEAD "label = s:unix:Q:trailing\nsig = *:64:0:*:*,0:mss,?30:bad:0\n");
    s = syn_v4(64, 1);
    opt_mss(&s, 1460);
    OPT(&s, 30, 9, 0, 0);
    CHECK_EQ_STR(match_label(db2, &s), "s:unix:Q:trailing");
    tt_p0f_free(db2);
    /* 0+ and flow are not decoded into tt_packet: those signatures never match. */
    s = nmap_syn(64, 16);
    CHECK_EQ_STR(match_label(db, &s), "-");
    s.version = 6;
    s.window = 17;
    CHECK_EQ_STR(match_label(db, &s), "-");
    tt_p0f_free(db);
}

static void test_precedence_and_fuzzy(void)
{
    /* A generic signature listed first loses to a specific one. */
    tt_p0f *db = parse_text(HEAD "label = g:unix:Generic:\nsig = *:64:0:*:*,0:mss:df,id+:0\n"
                                 "label = s:unix:Specific:\nsig = *:64:0:*:1000,0:mss:df,id+:0\n"
                                 "label = s:!:Tool:\nsys = @unix\nsig = *:64:0:*:7777,0:mss::0\n"
                                 "label = s:unix:Ecnless:\nsig = *:64:0:*:5555,0:mss,nop,nop,sok::0\n");
    if (db == NULL)
        return;
    syn_spec s = nmap_syn(60, 1000);
    s.df = true;
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Specific:");
    s.window = 1001;
    CHECK_EQ_STR(match_label(db, &s), "g:unix:Generic:");
    /* Quirks must agree exactly: unlike p0f, df and id+ may not vanish (a
     * masscan-style SYN would then be "barebone Linux") ... */
    s.df = false;
    s.window = 1000;
    CHECK_EQ_STR(match_label(db, &s), "-");
    s.df = true;
    s.flags |= TT_TCP_PSH;
    CHECK_EQ_STR(match_label(db, &s), "-");
    /* ... and id- and ecn may not appear. */
    s = syn_v4(64, 5555);
    opt_mss(&s, 1460);
    opt_nop(&s);
    opt_nop(&s);
    opt_sok(&s);
    CHECK_EQ_STR(match_label(db, &s), "s:unix:Ecnless:");
    s.ip_id = 0;
    CHECK_EQ_STR(match_label(db, &s), "-");
    s.ip_id = 1;
    s.tos = 1;
    CHECK_EQ_STR(match_label(db, &s), "-");
    /* An exact signature later in the file beats an earlier fuzzy one. */
    tt_p0f *db2 = parse_text(HEAD "label = s:unix:First:\nsig = *:32:0:*:1000,0:mss::0\n"
                                  "label = s:unix:Second:\nsig = *:64:0:*:1000,0:mss::0\n");
    s = nmap_syn(50, 1000);
    CHECK_EQ_STR(match_label(db2, &s), "s:unix:Second:");
    tt_p0f_free(db2);
    /* Tools: exact only. */
    s = nmap_syn(64, 7777);
    CHECK_EQ_STR(match_label(db, &s), "s:!:Tool:");
    s.ttl = 70;
    CHECK_EQ_STR(match_label(db, &s), "-");
    tt_p0f_free(db);
}

/* ---- labels → classes --------------------------------------------------- */

static void test_classes(void)
{
    static const struct {
        const char *label;
        tt_os_class os;
    } table[] = {
        {"s:unix:Linux:3.11 and newer", TT_OS_LINUX},
        {"s:unix:Linux:3.1-3.10", TT_OS_LINUX},
        {"g:unix:Linux:3.x", TT_OS_LINUX},
        {"g:unix:Linux:2.2.x-3.x", TT_OS_LINUX},
        {"s:unix:Linux:3.x (loopback)", TT_OS_LINUX},
        {"s:unix:Linux:2.6.x (Google crawler)", TT_OS_LINUX},
        {"s:unix:Linux:", TT_OS_LINUX},
        {"s:unix:Linux:4.x", TT_OS_LINUX},
        {"s:unix:Linux:2.6.x", TT_OS_EMBEDDED},
        {"s:unix:Linux:2.4.x", TT_OS_EMBEDDED},
        {"s:unix:Linux:2.2.x", TT_OS_EMBEDDED},
        {"s:unix:Linux:2.0", TT_OS_EMBEDDED},
        {"g:unix:Linux:2.4.x-2.6.x", TT_OS_EMBEDDED},
        {"s:unix:Linux:2.6.x (loopback)", TT_OS_EMBEDDED},
        {"g:unix:Linux:2.2.x-3.x (no timestamps)", TT_OS_EMBEDDED},
        {"g:unix:Linux:2.2.x-3.x (barebone)", TT_OS_EMBEDDED},
        {"s:unix:Linux:(Android)", TT_OS_EMBEDDED},
        {"s:unix:Linux:3.x (embedded)", TT_OS_EMBEDDED},
        {"s:other:VxWorks:", TT_OS_EMBEDDED},
        {"s:win:Windows:7 or 8", TT_OS_WINDOWS},
        {"g:win:Windows:NT kernel", TT_OS_WINDOWS},
        {"s:win:Windows:7 (Websense crawler)", TT_OS_WINDOWS},
        {"s:unix:Mac OS X:10.x", TT_OS_MACOS},
        {"s:unix:MacOS X:10.9 or newer (sometimes iPhone or iPad)", TT_OS_MACOS},
        {"s:unix:iOS:iPhone or iPad", TT_OS_MACOS},
        {"g:unix:Mac OS X:", TT_OS_MACOS},
        {"s:unix:FreeBSD:9.x or newer", TT_OS_BSD},
        {"s:unix:OpenBSD:3.x", TT_OS_BSD},
        {"s:unix:NetBSD:", TT_OS_BSD},
        {"s:unix:Solaris:10", TT_OS_SOLARIS},
        {"s:unix:HP-UX:11.x", TT_OS_SOLARIS},
        {"s:unix:AIX:", TT_OS_SOLARIS},
        {"s:unix:Tru64:4.x", TT_OS_SOLARIS},
        {"s:!:NMap:SYN scan", TT_OS_TOOL},
        {"s:unix:p0f:sendsyn utility", TT_OS_TOOL},
        {"s:unix:OpenVMS:8.x", TT_OS_OTHER},
        {"s:other:NeXTSTEP:", TT_OS_OTHER},
        {"s:other:Nintendo:3DS", TT_OS_OTHER},
        {"s:other:Blackberry:", TT_OS_OTHER},
        {"s:unix:BaiduSpider:", TT_OS_OTHER},
    };
    size_t n = sizeof table / sizeof table[0];
    /* One database, one label per window value. */
    char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "%s", HEAD);
    for (size_t i = 0; i < n; i++) {
        bool tool = strncmp(table[i].label, "s:!:", 4) == 0;
        len += (size_t)snprintf(text + len, sizeof text - len, "label = %s\n%ssig = *:64:0:*:%zu,0:mss::0\n",
                                table[i].label, tool ? "sys = @unix,@win\n" : "", 100 + i);
    }
    tt_p0f *db = parse_text(text);
    if (db == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        syn_spec s = nmap_syn(64, (uint16_t)(100 + i));
        const char *label = NULL;
        tt_os_class os = match(db, &s, &label);
        if (os != table[i].os)
            fprintf(stderr, "label %s: class %s, expected %s\n", table[i].label, tt_os_class_name(os),
                    tt_os_class_name(table[i].os));
        CHECK_EQ_INT(os, table[i].os);
        CHECK_EQ_STR(label, table[i].label);
    }
    tt_p0f_free(db);

    CHECK_EQ_STR(tt_os_class_name(TT_OS_UNKNOWN), "unknown");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_WINDOWS), "windows");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_MACOS), "macos");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_LINUX), "linux");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_BSD), "bsd");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_EMBEDDED), "embedded");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_SOLARIS), "solaris");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_TOOL), "tool");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_OTHER), "other");
    CHECK_EQ_STR(tt_os_class_name(TT_OS_COUNT), "unknown");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_WINDOWS), "pc/server");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_MACOS), "pc/server");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_LINUX), "pc/server");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_BSD), "pc/server");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_SOLARIS), "pc/server");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_EMBEDDED), "embedded/iot");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_TOOL), "tool");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_OTHER), "unknown");
    CHECK_EQ_STR(tt_os_device_name(TT_OS_UNKNOWN), "unknown");

    static const uint8_t ttls[][2] = {{0, 32},   {1, 32},    {32, 32},   {33, 64},   {52, 64},   {64, 64},
                                      {65, 128}, {116, 128}, {128, 128}, {129, 255}, {240, 255}, {255, 255}};
    for (size_t i = 0; i < sizeof ttls / sizeof ttls[0]; i++)
        CHECK_EQ_INT(tt_initial_ttl(ttls[i][0]), ttls[i][1]);
}

/* ---- errors --------------------------------------------------------------- */

static void test_inline_errors(void)
{
    static const struct {
        const char *text, *error;
    } bad[] = {
        {HEAD "label = s:unix:A:\nsig = 5:64:0:*:*,*:mss::0\n",
         "bad.fp:4: bad IP version '5' (expected 4, 6 or *)"},
        {HEAD "label = s:unix:A:\nsig = *:0:0:*:*,*:mss::0\n", "bad.fp:4: bad initial TTL '0'"},
        {HEAD "label = s:unix:A:\nsig = *:250+10:0:*:*,*:mss::0\n", "bad.fp:4: bad initial TTL '250+10'"},
        {HEAD "label = s:unix:A:\nsig = *:64:x:*:*,*:mss::0\n", "bad.fp:4: bad IP options length 'x'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:70000:*,*:mss::0\n", "bad.fp:4: bad MSS '70000'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss:0\n", "bad.fp:4: a TCP signature has 8 fields"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:mss*0,*:mss::0\n", "bad.fp:4: bad window size 'mss*0'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:%1,*:mss::0\n", "bad.fp:4: bad window size '%1'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:100:mss::0\n", "bad.fp:4: window field '100' must be"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,256:mss::0\n", "bad.fp:4: bad window scale '256'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss,foo::0\n", "bad.fp:4: unknown TCP option 'foo'"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss,,nop::0\n", "bad.fp:4: unknown TCP option ''"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:eol+1,mss::0\n", "bad.fp:4: 'eol+N' must be the last"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss,?300::0\n", "bad.fp:4: bad unknown-option number"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
              "nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop::0\n",
         "bad.fp:4: more than 24 TCP options"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss:df,foo:0\n", "bad.fp:4: unknown quirk 'foo'"},
        {HEAD "label = s:unix:A:\nsig = 6:64:0:*:*,*:mss:df:0\n",
         "bad.fp:4: quirk 'df' is not valid in an IPv6"},
        {HEAD "label = s:unix:A:\nsig = 4:64:0:*:*,*:mss:flow:0\n",
         "bad.fp:4: quirk 'flow' is not valid in an IPv4"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss::1\n", "bad.fp:4: bad payload class '1'"},
        {HEAD "label = x:unix:A:\n", "bad.fp:3: bad label 'x:unix:A:'"},
        {HEAD "label = s:bsd:A:\n", "bad.fp:3: unknown class 'bsd'"},
        {HEAD "label = s:unix:A#:\n", "bad.fp:3: bad name in label"},
        {HEAD "label = s:!:Tool:\nsig = *:64:0:*:*,*:mss::0\n",
         "bad.fp:4: a '!' (application) label must be"},
        {HEAD "label = s:!:Tool:\n", "bad.fp:3: the file ends after a '!'"},
        {HEAD "label = s:unix:A:\nsys = Linux\n", "bad.fp:4: 'sys' must follow a '!'"},
        {HEAD "label = s:!:Tool:\nsys = @bsd\n", "bad.fp:4: unknown class '@bsd'"},
        {HEAD "sig = *:64:0:*:*,*:mss::0\n", "bad.fp:3: 'sig' before the first 'label'"},
        {"label = s:unix:A:\n", "bad.fp:1: 'label' before the first [section]"},
        {HEAD "classes = x\n", "bad.fp:3: 'classes' must come before the first [section]"},
        {"classes = a-b\n", "bad.fp:1: bad class name 'a-b'"},
        {"classes = win unix\n", "bad.fp:1: bad class name 'win unix'"},
        {"[tcp:sideways]\n", "bad.fp:1: unknown section '[tcp:sideways]'"},
        {"; comment\n\nfoo = 1\n", "bad.fp:3: unknown directive 'foo'"},
        {"just text\n", "bad.fp:1: expected 'name = value'"},
        {"[mtu]\nlabel = Ethernet\nsig = 0\n", "bad.fp:3: bad MTU '0'"},
        {"[http:response]\nua_os = Linux\n", "bad.fp:2: 'ua_os' belongs at the start of [http:request]"},
        {HEAD "label = s:unix:A:\nsig = *:64:0:*:*,*:mss::0\nlabel = s:unix:B:\nsig = *:64:0:*:*,*:mss::0\n",
         "bad.fp:6: signature repeats line 4"},
        /* Signatures of [tcp:response] are checked too, though not kept. */
        {"classes = unix\n[tcp:response]\nlabel = s:unix:A:\nsig = *:64:0:*:*,*:bogus::0\n",
         "bad.fp:4: unknown TCP option 'bogus'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tt_p0f *db = (tt_p0f *)&db; /* must be reset to NULL */
        char err[512] = "";
        tt_status st = tt_p0f_parse(bad[i].text, strlen(bad[i].text), "bad.fp", &db, err, sizeof err);
        CHECK_EQ_INT(st, TT_ERR_FORMAT);
        CHECK(db == NULL);
        if (strncmp(err, bad[i].error, strlen(bad[i].error)) != 0) {
            check_failures++;
            fprintf(stderr, "case %zu: error \"%s\", expected it to start with \"%s\"\n", i, err,
                    bad[i].error);
        }
    }

    /* Accepted oddities: CRLF, blanks, empty classes entries, empty input. */
    tt_p0f *db = parse_text("classes = win,,unix,\r\n  [tcp:request]  \r\n\tlabel   =  s:unix:A:x:y \r\n"
                            "sig = *:64:0:*:*,*:mss::0\r\n");
    if (db != NULL) {
        syn_spec s = nmap_syn(60, 1);
        CHECK_EQ_STR(match_label(db, &s), "s:unix:A:x:y");
        tt_p0f_free(db);
    }
    db = parse_text("");
    CHECK_EQ_INT(tt_p0f_signature_count(db), 0);
    syn_spec s = nmap_syn(60, 1);
    CHECK_EQ_STR(match_label(db, &s), "-");
    tt_p0f_free(db);
    tt_p0f_free(NULL);
    CHECK_EQ_INT(tt_p0f_signature_count(NULL), 0);
    CHECK_EQ_INT(tt_p0f_match(NULL, NULL, NULL), TT_OS_UNKNOWN);

    /* A line with a NUL byte, and a line that is too long. */
    const char nul[] = "classes = unix\n[mtu\0]\n";
    char err[256] = "";
    CHECK_EQ_INT(tt_p0f_parse(nul, sizeof nul - 1, "nul.fp", &db, err, sizeof err), TT_ERR_FORMAT);
    CHECK_EQ_STR(err, "nul.fp:2: NUL byte in the line");
    static char longline[6000];
    memset(longline, ';', sizeof longline);
    CHECK_EQ_INT(tt_p0f_parse(longline, sizeof longline, "long.fp", &db, err, sizeof err), TT_ERR_FORMAT);
    CHECK_EQ_STR(err, "long.fp:1: line longer than 4096 characters");

    /* A missing file other than the default. */
    CHECK_EQ_INT(tt_p0f_load("/nonexistent/p0f.fp", &db, err, sizeof err), TT_ERR_IO);
    CHECK_EQ_STR(err, "/nonexistent/p0f.fp: No such file or directory");
}

/* tests/malformed/p0f/EXPECTED: FILE<TAB>the error after "malformed/p0f/". */
static void test_malformed_files(void)
{
    FILE *f = fopen("malformed/p0f/EXPECTED", "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    char line[400];
    int cases = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *tab = strchr(line, '\t');
        CHECK(tab != NULL);
        if (tab == NULL)
            continue;
        *tab = '\0';
        char path[512], want[512];
        snprintf(path, sizeof path, "malformed/p0f/%s", line);
        snprintf(want, sizeof want, "malformed/p0f/%s", tab + 1);
        tt_p0f *db = NULL;
        char err[512] = "";
        tt_status st = tt_p0f_load(path, &db, err, sizeof err);
        CHECK_EQ_INT(st, TT_ERR_FORMAT);
        CHECK_EQ_STR(err, want);
        tt_p0f_free(db);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 5);
}

/* ---- speed ------------------------------------------------------------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void test_speed(void)
{
    tt_p0f *db = NULL;
    char err[256];
    if (tt_p0f_load(NULL, &db, err, sizeof err) != TT_OK)
        return;
    /* A telescope-like mix: Linux, Windows, old Linux, Nmap, raw option-less
     * SYNs, an unknown layout, Mac, and a fuzzy TTL. */
    enum { KINDS = 8 };
    built packets[KINDS];
    syn_spec s[KINDS];
    s[0] = linux_syn(52, 1460, 29200, 7);
    s[1] = windows_syn(115, 8192, 8);
    s[2] = linux_syn(50, 1460, 5840, 6);
    s[3] = nmap_syn(43, 1024);
    s[4] = syn_v4(240, 1024);
    s[5] = syn_v4(60, 14600);
    opt_mss(&s[5], 1460);
    opt_nop(&s[5]);
    opt_nop(&s[5]);
    opt_ts(&s[5], 3, 0);
    s[6] = syn_v4(57, 65535);
    s[6].df = true;
    opt_mss(&s[6], 1460);
    opt_nop(&s[6]);
    opt_ws(&s[6], 4);
    opt_nop(&s[6]);
    opt_nop(&s[6]);
    opt_ts(&s[6], 1000, 0);
    opt_sok(&s[6]);
    OPT(&s[6], 0, 0);
    s[7] = linux_syn(100, 1460, 29200, 7);
    for (int i = 0; i < KINDS; i++)
        build(&s[i], &packets[i]);
    const int rounds = 250000;
    unsigned known = 0;
    double start = now_ns();
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < KINDS; i++)
            known += tt_p0f_match(db, &packets[i].pkt, NULL) != TT_OS_UNKNOWN;
    double ns = (now_ns() - start) / ((double)rounds * KINDS);
    printf("test_p0f: %.1f ns per match over a mix of %d SYN kinds (%u of %d matched)\n", ns, KINDS,
           known / rounds, KINDS);
    CHECK_EQ_INT(known, (unsigned)rounds * 6);
    CHECK(ns < 20000); /* generous: sanitizer builds run this too */
    tt_p0f_free(db);
}

int main(void)
{
    test_debian_database();
    test_version_and_ttl();
    test_fields();
    test_quirks();
    test_precedence_and_fuzzy();
    test_classes();
    test_inline_errors();
    test_malformed_files();
    test_speed();
    return check_report("test_p0f");
}
