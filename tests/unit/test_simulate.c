/* tt_simulate_run: determinism, and the truth checked against the captures
 * themselves. The captures are read back with libpcap and decoded by a small
 * independent decoder here, so every number in truth.json and every row of
 * truth-detail.tsv is recomputed from the bytes on disk. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <pcap/pcap.h>

#include "check.h"
#include "simulate/simulate.h"
#include "util/addr.h"
#include "util/parse.h"

#define TEST_DAYS 3
#define TEST_RATE 20000
#define GEO_PATH "/usr/share/libloc-location/location.db"

/* ------------------------------------------------------------ files */

static char *read_all(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *data = malloc(cap + 1);
    size_t n;
    while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            char *grown = realloc(data, cap + 1);
            if (grown == NULL) {
                free(data);
                data = NULL;
            }
            data = grown;
        }
    }
    fclose(f);
    if (data) {
        data[len] = '\0';
        if (len_out)
            *len_out = len;
    }
    return data;
}

static void path_of(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static bool same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char pa[512], pb[512];
    path_of(pa, sizeof pa, dir_a, name);
    path_of(pb, sizeof pb, dir_b, name);
    size_t la = 0, lb = 0;
    char *a = read_all(pa, &la), *b = read_all(pb, &lb);
    bool same = a && b && la == lb && memcmp(a, b, la) == 0;
    free(a);
    free(b);
    return same;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            path_of(p, sizeof p, dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ------------------------------------------------------ tiny JSON reads */

/* The number after "key": at or after `from` (NULL: not found). */
static const char *json_u64(const char *from, const char *key, uint64_t *out)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = from ? strstr(from, pattern) : NULL;
    if (p == NULL)
        return NULL;
    p += strlen(pattern);
    char *end;
    *out = strtoull(p, &end, 10);
    return end;
}

/* Copies the string after "key":" into out. */
static const char *json_str(const char *from, const char *key, char *out, size_t len)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = from ? strstr(from, pattern) : NULL;
    if (p == NULL)
        return NULL;
    p += strlen(pattern);
    const char *q = strchr(p, '"');
    if (q == NULL || (size_t)(q - p) >= len)
        return NULL;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return q;
}

static uint64_t truth_get(const char *json, const char *section, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":{", section);
    const char *p = strstr(json, pattern);
    uint64_t v = UINT64_MAX;
    if (p == NULL || json_u64(p, key, &v) == NULL)
        return UINT64_MAX;
    return v;
}

/* ---------------------------------------------------------- sensors.conf */

typedef struct sensor_conf {
    char name[32];
    char region[8];
    tt_prefix prefixes[4];
    int n_prefixes;
} sensor_conf;

static int read_sensors(const char *dir, sensor_conf *out, int max)
{
    char p[512];
    path_of(p, sizeof p, dir, "sensors.conf");
    char *text = read_all(p, NULL);
    if (text == NULL)
        return 0;
    int n = -1;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "[sensor ", 8) == 0 && n + 1 < max) {
            n++;
            memset(&out[n], 0, sizeof out[n]);
            char *close = strchr(line, ']');
            if (close)
                *close = '\0';
            snprintf(out[n].name, sizeof out[n].name, "%s", line + 8);
        } else if (n >= 0 && strncmp(line, "prefix = ", 9) == 0 && out[n].n_prefixes < 4) {
            if (!tt_prefix_parse(line + 9, &out[n].prefixes[out[n].n_prefixes++]))
                out[n].n_prefixes = -100;
        } else if (n >= 0 && strncmp(line, "region = ", 9) == 0) {
            snprintf(out[n].region, sizeof out[n].region, "%s", line + 9);
        }
    }
    free(text);
    return n + 1;
}

static int sensor_of(const sensor_conf *s, int n, const tt_addr *a)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s[i].n_prefixes; k++)
            if (tt_prefix_contains(&s[i].prefixes[k], a))
                return i;
    return -1;
}

/* ------------------------------------------------------ a tiny decoder */

enum { OUT_OK, OUT_FRAGMENT, OUT_TRUNCATED, OUT_MALFORMED, OUT_NOT_IP, OUT_UNASSIGNED, OUT_N };
static const char *const outcome_names[OUT_N] = {"ok",        "fragment", "truncated",
                                                 "malformed", "not_ip",   "unassigned"};

typedef struct decoded {
    int outcome;
    tt_addr src, dst;
    uint8_t proto;
    int32_t port;
    int icmp_type;
    uint32_t ip_len;
    uint16_t ip_id;
    uint8_t flags;
    uint16_t window;
    uint32_t seq;
    uint8_t opt_len;
    const uint8_t *opts;
    uint16_t dport;
} decoded;

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int decode_l4(const uint8_t *p, uint32_t left, decoded *d)
{
    d->icmp_type = -1;
    if (d->proto == 6) {
        if (left < 20)
            return OUT_TRUNCATED;
        d->dport = be16(p + 2);
        d->port = d->dport;
        d->seq = be32(p + 4);
        d->flags = p[13];
        d->window = be16(p + 14);
        unsigned hl = (p[12] >> 4) * 4u;
        if (hl < 20 || hl > left)
            return OUT_TRUNCATED;
        d->opt_len = (uint8_t)(hl - 20);
        d->opts = p + 20;
        return OUT_OK;
    }
    if (d->proto == 17) {
        if (left < 8)
            return OUT_TRUNCATED;
        d->dport = be16(p + 2);
        d->port = d->dport;
        return OUT_OK;
    }
    if (d->proto == 1 || d->proto == 58) {
        if (left < 8)
            return OUT_TRUNCATED;
        d->icmp_type = p[0];
        d->port = 0;
        return OUT_OK;
    }
    d->port = 0;
    return OUT_OK;
}

static int decode_ip(const uint8_t *p, uint32_t len, int family_hint, decoded *d)
{
    if (len < 1)
        return OUT_TRUNCATED;
    int version = p[0] >> 4;
    if (family_hint == 4 && version != 4)
        return OUT_MALFORMED;
    if (version == 4) {
        if (len < 20)
            return OUT_TRUNCATED;
        unsigned ihl = (p[0] & 15) * 4u;
        uint16_t total = be16(p + 2);
        if (ihl < 20 || total < ihl)
            return OUT_MALFORMED;
        tt_addr_from_v4(&d->src, be32(p + 12));
        tt_addr_from_v4(&d->dst, be32(p + 16));
        d->proto = p[9];
        d->ip_len = total;
        d->ip_id = be16(p + 4);
        if (be16(p + 6) & 0x1fff) {
            d->port = -1;
            d->icmp_type = -1;
            return OUT_FRAGMENT;
        }
        return decode_l4(p + ihl, len - ihl, d);
    }
    if (version == 6) {
        if (len < 40)
            return OUT_TRUNCATED;
        memcpy(d->src.bytes, p + 8, 16);
        memcpy(d->dst.bytes, p + 24, 16);
        d->proto = p[6];
        d->ip_len = 40u + be16(p + 4);
        uint32_t off = 40;
        if (d->proto == 44) {
            if (len < 48)
                return OUT_TRUNCATED;
            d->proto = p[40];
            uint16_t fo = be16(p + 42);
            off = 48;
            if (fo & 0xfff8) {
                d->port = -1;
                d->icmp_type = -1;
                return OUT_FRAGMENT;
            }
        }
        return decode_l4(p + off, len - off, d);
    }
    return OUT_MALFORMED;
}

static int decode_frame(int dlt, const uint8_t *p, uint32_t caplen, decoded *d)
{
    memset(d, 0, sizeof *d);
    d->icmp_type = -1;
    uint16_t type;
    uint32_t off;
    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < 14)
            return OUT_TRUNCATED;
        off = 12;
        type = be16(p + off);
        while ((type == 0x8100 || type == 0x88a8) && caplen >= off + 6) {
            off += 4;
            type = be16(p + off);
        }
        off += 2;
        break;
    case DLT_LINUX_SLL:
        if (caplen < 16)
            return OUT_TRUNCATED;
        type = be16(p + 14);
        off = 16;
        break;
    case DLT_LINUX_SLL2:
        if (caplen < 20)
            return OUT_TRUNCATED;
        type = be16(p);
        off = 20;
        break;
    case DLT_NULL: {
        if (caplen < 4)
            return OUT_TRUNCATED;
        uint32_t family = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        type = family == 2 ? 0x0800 : (family == 24 || family == 28 || family == 30) ? 0x86dd : 0;
        off = 4;
        break;
    }
    case DLT_RAW: return decode_ip(p, caplen, 0, d);
    default: return OUT_NOT_IP;
    }
    if (type == 0x0800)
        return decode_ip(p + off, caplen - off, 4, d);
    if (type == 0x86dd)
        return decode_ip(p + off, caplen - off, 6, d);
    return OUT_NOT_IP;
}

/* ------------------------------------------------- reading the captures */

enum { TOOL_MIRAI, TOOL_MASSCAN, TOOL_ZMAP, TOOL_NMAP, TOOL_GENERIC, TOOL_N };

typedef struct totals {
    uint64_t frames;
    uint64_t outcomes[OUT_N];
    uint64_t tools[TOOL_N];
    uint64_t synack, rst, icmp_error;
    uint64_t v4, v6;
    bool order_ok;
    bool dlt_ok;
    char **rows; /* "hour\tsensor\tsrc\tproto\tport\ticmp\t<bytes>\t<ts>" per packet */
    size_t n_rows, cap_rows;
} totals;

static void add_row(totals *t, const char *line)
{
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 4096;
        char **grown = realloc(t->rows, t->cap_rows * sizeof *grown);
        if (grown == NULL)
            abort();
        t->rows = grown;
    }
    t->rows[t->n_rows++] = strdup(line);
}

static int tool_of(const decoded *d)
{
    if (d->proto != 6 || d->flags != 0x02)
        return -1;
    bool v4 = tt_addr_is_v4(&d->dst);
    if (v4 && d->seq == tt_addr_v4(&d->dst))
        return TOOL_MIRAI;
    if (v4 && d->window == 1024 && d->opt_len == 0 &&
        d->ip_id == (uint16_t)(tt_addr_v4(&d->dst) ^ d->dport ^ d->seq))
        return TOOL_MASSCAN;
    if (v4 && d->ip_id == 54321 && d->window == 65535 && d->opt_len == 4)
        return TOOL_ZMAP;
    if (d->opt_len == 4 && d->opts[0] == 2 && be16(d->opts + 2) == 1460 &&
        (d->window == 1024 || d->window == 2048 || d->window == 3072 || d->window == 4096))
        return TOOL_NMAP;
    if (d->opt_len == 12 || d->opt_len == 20)
        return TOOL_GENERIC;
    return -1;
}

/* Reads one capture; `fixed_sensor` >= 0 for a per-sensor file, -1 when the
 * sensor comes from the destination (one file). */
static void read_capture(const char *path, int expect_dlt, int fixed_sensor, const sensor_conf *sc,
                         int n_sensors, totals *t, uint64_t *frames_out)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    CHECK(p != NULL);
    if (p == NULL) {
        fprintf(stderr, "%s: %s\n", path, errbuf);
        return;
    }
    int dlt = pcap_datalink(p);
    if (dlt != expect_dlt) {
        t->dlt_ok = false;
        fprintf(stderr, "%s: datalink %d, expected %d\n", path, dlt, expect_dlt);
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frames = 0;
    int64_t last = -1;
    while (pcap_next_ex(p, &h, &data) == 1) {
        frames++;
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        if (ts <= last)
            t->order_ok = false;
        last = ts;
        decoded d;
        int outcome = decode_frame(dlt, data, h->caplen, &d);
        int sensor = fixed_sensor;
        if (outcome == OUT_OK || outcome == OUT_FRAGMENT) {
            int owner = sensor_of(sc, n_sensors, &d.dst);
            if (owner < 0)
                outcome = OUT_UNASSIGNED;
            else if (fixed_sensor >= 0 && owner != fixed_sensor)
                outcome = -1; /* a packet in another sensor's file: a bug */
            else
                sensor = owner;
        }
        CHECK(outcome >= 0);
        if (outcome < 0)
            continue;
        t->outcomes[outcome]++;
        if (outcome != OUT_OK && outcome != OUT_FRAGMENT)
            continue;
        int tool = tool_of(&d);
        if (tool >= 0)
            t->tools[tool]++;
        if (d.proto == 6 && d.flags == 0x12)
            t->synack++;
        if (d.proto == 6 && (d.flags & 0x04))
            t->rst++;
        if ((d.proto == 1 && (d.icmp_type == 3 || d.icmp_type == 11)) ||
            (d.proto == 58 && (d.icmp_type == 1 || d.icmp_type == 3)))
            t->icmp_error++;
        if (tt_addr_is_v4(&d.src))
            t->v4++;
        else
            t->v6++;
        char src[TT_ADDR_STRLEN], line[256];
        snprintf(line, sizeof line, "%" PRId64 "\t%s\t%s\t%u\t%d\t%d\t%u\t%" PRId64,
                 (int64_t)h->ts.tv_sec / 3600, sc[sensor].name, tt_addr_format(&d.src, src), d.proto, d.port,
                 d.icmp_type, d.ip_len, (int64_t)h->ts.tv_sec);
        add_row(t, line);
    }
    pcap_close(p);
    t->frames += frames;
    *frames_out = frames;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Aggregates the per-packet rows of `t` into truth-detail rows without the
 * cc column: key, packets, bytes, first, last. */
static char **aggregate(totals *t, size_t *n_out)
{
    qsort(t->rows, t->n_rows, sizeof *t->rows, str_cmp);
    char **out = calloc(t->n_rows + 1, sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < t->n_rows;) {
        /* key = first six fields */
        const char *row = t->rows[i];
        const char *p = row;
        for (int f = 0; f < 6; f++)
            p = strchr(p, '\t') + 1;
        size_t key_len = (size_t)(p - row);
        uint64_t packets = 0, bytes = 0;
        int64_t first = INT64_MAX, last = INT64_MIN;
        size_t j = i;
        for (; j < t->n_rows && strncmp(t->rows[j], row, key_len) == 0; j++) {
            char *end;
            const char *q = t->rows[j] + key_len;
            bytes += strtoull(q, &end, 10);
            int64_t ts = strtoll(end + 1, NULL, 10);
            if (ts < first)
                first = ts;
            if (ts > last)
                last = ts;
            packets++;
        }
        char line[300];
        snprintf(line, sizeof line, "%.*s%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64, (int)key_len, row,
                 packets, bytes, first, last);
        out[n++] = strdup(line);
        i = j;
    }
    *n_out = n;
    return out;
}

/* --------------------------------------------------------- truth detail */

typedef struct detail_row {
    int64_t hour;
    char sensor[32];
    tt_addr src;
    char src_text[TT_ADDR_STRLEN];
    char cc[3];
    int proto, port, icmp_type;
    uint64_t packets, bytes;
    int64_t first, last;
} detail_row;

static detail_row *read_detail(const char *dir, size_t *n_out, char ***lines_out)
{
    char p[512];
    path_of(p, sizeof p, dir, "truth-detail.tsv");
    char *text = read_all(p, NULL);
    *n_out = 0;
    if (text == NULL)
        return NULL;
    size_t cap = 1024, n = 0;
    detail_row *rows = malloc(cap * sizeof *rows);
    char **lines = malloc(cap * sizeof *lines);
    char *line = strchr(text, '\n');
    static const char header[] =
        "hour\tsensor\tsrc\tcc\tproto\tport\ticmp_type\tpackets\tbytes\tfirst\tlast\tasn\n";
    CHECK(strncmp(text, header, sizeof header - 1) == 0);
    for (line = line ? line + 1 : NULL; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (n == cap) {
            cap *= 2;
            rows = realloc(rows, cap * sizeof *rows);
            lines = realloc(lines, cap * sizeof *lines);
            if (rows == NULL || lines == NULL)
                abort();
        }
        detail_row *r = &rows[n];
        char proto[8];
        int got = sscanf(line,
                         "%" SCNd64 "\t%31s\t%45s\t%2s\t%7s\t%d\t%d\t%" SCNu64 "\t%" SCNu64 "\t%" SCNd64
                         "\t%" SCNd64,
                         &r->hour, r->sensor, r->src_text, r->cc, proto, &r->port, &r->icmp_type, &r->packets,
                         &r->bytes, &r->first, &r->last);
        CHECK_EQ_INT(got, 11);
        r->proto = (int)strtol(proto, NULL, 10);
        CHECK(tt_addr_parse(r->src_text, &r->src));
        char buf[300];
        snprintf(buf, sizeof buf,
                 "%" PRId64 "\t%s\t%s\t%d\t%d\t%d\t%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64, r->hour,
                 r->sensor, r->src_text, r->proto, r->port, r->icmp_type, r->packets, r->bytes, r->first,
                 r->last);
        lines[n] = strdup(buf);
        n++;
        line = next;
    }
    free(text);
    *n_out = n;
    *lines_out = lines;
    return rows;
}

/* ------------------------------------------------------------- the run */

static tt_status run(const char *dir, uint64_t seed, uint32_t days, uint64_t rate, bool one_file, bool detail)
{
    tt_sim_options o;
    tt_sim_options_default(&o);
    o.out_dir = dir;
    o.seed = seed;
    o.days = days;
    o.rate = rate;
    o.one_file = one_file;
    o.truth_detail = detail;
    char err[512] = "";
    tt_status st = tt_simulate_run(&o, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "simulate: %s: %s\n", tt_strerror(st), err);
    return st;
}

static const struct {
    const char *name;
    const char *file;
    int dlt;
} expected_files[] = {
    {"jp-tokyo", "jp-tokyo.pcap", DLT_EN10MB},       {"jp-osaka", "jp-osaka.pcap", DLT_LINUX_SLL2},
    {"jp-fukuoka", "jp-fukuoka.pcapng", DLT_EN10MB}, {"us-east", "us-east.pcap", DLT_RAW},
    {"de-fra", "de-fra.pcap", DLT_LINUX_SLL},        {"sg-1", "sg-1.pcap", DLT_NULL},
};
#define N_FILES (sizeof expected_files / sizeof expected_files[0])

static void test_determinism(const char *a, const char *b, const char *c)
{
    const char *names[] = {"truth.json",    "sensors.conf",  "truth-detail.tsv",
                           "jp-tokyo.pcap", "jp-osaka.pcap", "jp-fukuoka.pcapng",
                           "us-east.pcap",  "de-fra.pcap",   "sg-1.pcap"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool same = same_file(a, b, names[i]);
        CHECK(same);
        if (!same)
            fprintf(stderr, "differs between identical runs: %s\n", names[i]);
    }
    CHECK(!same_file(a, c, "truth.json"));
    CHECK(!same_file(a, c, "jp-tokyo.pcap"));
    CHECK(!same_file(a, c, "jp-fukuoka.pcapng"));
}

static void check_truth_against_captures(const char *dir, const char *json, totals *t, const sensor_conf *sc,
                                         int n_sensors)
{
    /* Sensors: names, regions, prefixes as specified. */
    CHECK_EQ_INT(n_sensors, 6);
    static const char *const regions[] = {"JP", "JP", "JP", "US", "DE", "SG"};
    static const int prefix_counts[] = {1, 1, 2, 1, 2, 1};
    for (int i = 0; i < n_sensors && i < 6; i++) {
        CHECK_EQ_STR(sc[i].name, expected_files[i].name);
        CHECK_EQ_STR(sc[i].region, regions[i]);
        CHECK_EQ_INT(sc[i].n_prefixes, prefix_counts[i]);
    }
    t->order_ok = t->dlt_ok = true;
    for (size_t i = 0; i < N_FILES; i++) {
        char p[512];
        path_of(p, sizeof p, dir, expected_files[i].file);
        uint64_t frames = 0;
        read_capture(p, expected_files[i].dlt, (int)i, sc, n_sensors, t, &frames);
        char pattern[64];
        snprintf(pattern, sizeof pattern, "\"name\":\"%s\"", expected_files[i].name);
        uint64_t truth_frames = 0;
        CHECK(json_u64(strstr(json, pattern), "frames", &truth_frames) != NULL);
        CHECK_EQ_INT(frames, truth_frames);
    }
    CHECK(t->order_ok);
    CHECK(t->dlt_ok);
    uint64_t total = 0;
    for (int o = 0; o < OUT_N; o++) {
        uint64_t v = truth_get(json, "outcomes", outcome_names[o]);
        CHECK_EQ_INT(v, t->outcomes[o]);
        if (v != t->outcomes[o])
            fprintf(stderr, "outcome %s: truth %" PRIu64 ", captures %" PRIu64 "\n", outcome_names[o], v,
                    t->outcomes[o]);
        total += v;
        CHECK(v > 0); /* every odd kind occurs in three days at 20 k/day */
    }
    CHECK_EQ_INT(total, t->frames);
    uint64_t packets = 0;
    json_u64(strstr(json, "\"packets\":"), "packets", &packets);
    CHECK_EQ_INT(packets, t->outcomes[OUT_OK] + t->outcomes[OUT_FRAGMENT]);
    static const char *const tools[] = {"mirai", "masscan", "zmap", "nmap", "generic_syn"};
    uint64_t tool_sum = 0;
    for (int k = 0; k < TOOL_N; k++) {
        uint64_t v = truth_get(json, "tools", tools[k]);
        CHECK_EQ_INT(v, t->tools[k]);
        CHECK(v > 0);
        tool_sum += v;
    }
    CHECK_EQ_INT(tool_sum + truth_get(json, "tools", "other"), packets);
    CHECK_EQ_INT(truth_get(json, "backscatter", "synack"), t->synack);
    CHECK_EQ_INT(truth_get(json, "backscatter", "rst"), t->rst);
    CHECK_EQ_INT(truth_get(json, "backscatter", "icmp_error"), t->icmp_error);
    CHECK(t->v4 > 0 && t->v6 > 0);
}

static void check_detail(const char *dir, const char *json, totals *t)
{
    size_t n_detail = 0, n_agg = 0;
    char **detail_lines = NULL;
    detail_row *rows = read_detail(dir, &n_detail, &detail_lines);
    CHECK(rows != NULL && n_detail > 0);
    if (rows == NULL)
        return;
    /* The rows are exactly what the captures aggregate to. */
    char **agg = aggregate(t, &n_agg);
    CHECK_EQ_INT(n_detail, n_agg);
    qsort(detail_lines, n_detail, sizeof *detail_lines, str_cmp);
    size_t mismatches = 0;
    for (size_t i = 0; i < n_detail && i < n_agg; i++)
        if (strcmp(detail_lines[i], agg[i]) != 0 && mismatches++ < 3)
            fprintf(stderr, "detail: %s\ncapture: %s\n", detail_lines[i], agg[i]);
    CHECK_EQ_INT(mismatches, 0);

    /* Sorted by hour, sensor name, source address. */
    size_t order_errors = 0;
    uint64_t sum = 0;
    bool v4 = false, v6 = false;
    for (size_t i = 0; i < n_detail; i++) {
        sum += rows[i].packets;
        v4 |= tt_addr_is_v4(&rows[i].src);
        v6 |= !tt_addr_is_v4(&rows[i].src);
        if (i == 0)
            continue;
        const detail_row *a = &rows[i - 1], *b = &rows[i];
        int c = a->hour != b->hour ? (a->hour < b->hour ? -1 : 1) : strcmp(a->sensor, b->sensor);
        if (c == 0)
            c = tt_addr_cmp(&a->src, &b->src);
        if (c > 0)
            order_errors++;
    }
    CHECK_EQ_INT(order_errors, 0);
    uint64_t packets = 0;
    json_u64(strstr(json, "\"packets\":"), "packets", &packets);
    CHECK_EQ_INT(sum, packets);
    CHECK(v4 && v6);

    /* Countries: what libloc says about each source (a sample of rows). */
    struct loc_ctx *ctx = NULL;
    struct loc_database *db = NULL;
    FILE *f = fopen(GEO_PATH, "r");
    CHECK(f != NULL);
    if (f && loc_new(&ctx) == 0 && loc_database_new(ctx, &db, f) == 0) {
        size_t checked = 0, wrong = 0;
        for (size_t i = 0; i < n_detail; i += 7) {
            struct loc_network *net = NULL;
            const char *cc = NULL;
            if (loc_database_lookup_from_string(db, rows[i].src_text, &net) == 0 && net)
                cc = loc_network_get_country_code(net);
            const char *expect = cc && *cc ? cc : "ZZ";
            if (strcmp(expect, rows[i].cc) != 0 && wrong++ < 3)
                fprintf(stderr, "cc of %s: truth %s, libloc %s\n", rows[i].src_text, rows[i].cc, expect);
            if (net)
                loc_network_unref(net);
            checked++;
        }
        CHECK(checked > 1000);
        CHECK_EQ_INT(wrong, 0);
    }
    if (db)
        loc_database_unref(db);
    if (ctx)
        loc_unref(ctx);
    if (f)
        fclose(f);

    /* Events on their days, on their port and protocol. */
    char start_text[16];
    int32_t start_day = 0;
    CHECK(json_str(json, "start", start_text, sizeof start_text) != NULL);
    CHECK(tt_parse_date(start_text, &start_day));
    const int64_t first_hour = (int64_t)start_day * 24;
    uint64_t per_day_53413[TEST_DAYS] = {0}, per_day_9600[TEST_DAYS] = {0};
    uint64_t single_5555 = 0, single_other_days = 0, history = 0, history_late = 0;
    const char *single = strstr(json, "\"kind\":\"single_source\"");
    char single_ip[TT_ADDR_STRLEN] = "", single_cc[3] = "", s_start[16] = "", s_end[16] = "";
    CHECK(json_str(single, "ip", single_ip, sizeof single_ip) != NULL);
    CHECK(json_str(single, "cc", single_cc, sizeof single_cc) != NULL);
    CHECK_EQ_STR(single_cc, "KR");
    json_str(single, "start", s_start, sizeof s_start);
    json_str(single, "end", s_end, sizeof s_end);
    int32_t s0 = 0, s1 = 0;
    CHECK(tt_parse_date(s_start, &s0) && tt_parse_date(s_end, &s1));
    for (size_t i = 0; i < n_detail; i++) {
        const detail_row *r = &rows[i];
        int64_t day = (r->hour - first_hour) / 24;
        CHECK(day >= 0 && day < TEST_DAYS);
        if (day < 0 || day >= TEST_DAYS)
            continue;
        if (r->proto == 17 && r->port == 53413)
            per_day_53413[day] += r->packets;
        if (r->proto == 6 && r->port == 9600)
            per_day_9600[day] += r->packets;
        if (strcmp(r->src_text, single_ip) == 0) {
            CHECK_EQ_STR(r->cc, "KR");
            bool in_event = start_day + day >= s0 && start_day + day <= s1;
            if (r->proto == 6 && r->port == 5555) {
                single_5555 += r->packets;
                if (!in_event)
                    single_other_days += r->packets;
            } else if ((r->proto == 6 &&
                        (r->port == 102 || r->port == 502 || r->port == 20000 || r->port == 44818)) ||
                       (r->proto == 17 && r->port == 47808)) {
                history += r->packets;
                if (start_day + day >= s0)
                    history_late++;
            }
        }
    }
    uint64_t v = 0;
    json_u64(single, "packets", &v);
    CHECK_EQ_INT(single_5555, v);
    CHECK_EQ_INT(single_other_days, 0);
    const char *hist = strstr(single, "\"history\"");
    json_u64(hist, "packets", &v);
    CHECK(v > 0);
    CHECK_EQ_INT(history, v);
    CHECK_EQ_INT(history_late, 0);

    /* Burst: its days stand far above the other days on 53413/udp. */
    const char *burst = strstr(json, "\"kind\":\"burst\"");
    char b_start[16] = "", b_end[16] = "", b_cc[3] = "";
    json_str(burst, "start", b_start, sizeof b_start);
    json_str(burst, "end", b_end, sizeof b_end);
    json_str(burst, "cc", b_cc, sizeof b_cc);
    CHECK_EQ_STR(b_cc, "CN");
    int32_t b0 = 0, b1 = 0;
    CHECK(tt_parse_date(b_start, &b0) && tt_parse_date(b_end, &b1));
    CHECK(b0 >= start_day && b1 < start_day + TEST_DAYS && b0 <= b1);
    uint64_t burst_packets = 0;
    json_u64(burst, "packets", &burst_packets);
    uint64_t in_burst = 0;
    for (int d = 0; d < TEST_DAYS; d++) {
        if (start_day + d >= b0 && start_day + d <= b1)
            in_burst += per_day_53413[d];
        else
            CHECK(per_day_53413[d] * 10 < burst_packets / (uint64_t)(b1 - b0 + 1));
    }
    CHECK(in_burst >= burst_packets);

    /* Ramp: 9600/tcp only grows on its days. */
    const char *ramp = strstr(json, "\"kind\":\"ramp\"");
    char r_start[16] = "";
    json_str(ramp, "start", r_start, sizeof r_start);
    int32_t r0 = 0;
    CHECK(tt_parse_date(r_start, &r0));
    uint64_t ramp_packets = 0;
    json_u64(ramp, "packets", &ramp_packets);
    CHECK(ramp_packets > 0);
    uint64_t ramp_seen = 0;
    for (int d = 0; d < TEST_DAYS; d++)
        if (start_day + d >= r0)
            ramp_seen += per_day_9600[d];
    CHECK(ramp_seen >= ramp_packets);

    for (size_t i = 0; i < n_detail; i++)
        free(detail_lines[i]);
    free(detail_lines);
    for (size_t i = 0; i < n_agg; i++)
        free(agg[i]);
    free(agg);
    free(rows);
}

static void test_one_file(const char *dir)
{
    CHECK_EQ_INT(run(dir, 3, 2, 5000, true, false), TT_OK);
    char p[512];
    path_of(p, sizeof p, dir, "truth.json");
    char *json = read_all(p, NULL);
    CHECK(json != NULL);
    if (json == NULL)
        return;
    sensor_conf sc[8];
    int n_sensors = read_sensors(dir, sc, 8);
    CHECK_EQ_INT(n_sensors, 6);
    totals t;
    memset(&t, 0, sizeof t);
    t.order_ok = t.dlt_ok = true;
    path_of(p, sizeof p, dir, "telescope.pcap");
    uint64_t frames = 0;
    read_capture(p, DLT_EN10MB, -1, sc, n_sensors, &t, &frames);
    CHECK(t.order_ok);
    CHECK(t.dlt_ok);
    uint64_t truth_frames = 0;
    json_u64(strstr(json, "],\n\"frames\""), "frames", &truth_frames);
    CHECK_EQ_INT(frames, truth_frames);
    CHECK(frames > 10000);
    uint64_t sum = 0;
    for (int i = 0; i < 6; i++) {
        char pattern[64];
        snprintf(pattern, sizeof pattern, "\"name\":\"%s\"", expected_files[i].name);
        uint64_t f = 0;
        json_u64(strstr(json, pattern), "frames", &f);
        sum += f;
        char file[32];
        json_str(strstr(json, pattern), "file", file, sizeof file);
        CHECK_EQ_STR(file, "telescope.pcap");
    }
    CHECK_EQ_INT(sum, frames);
    for (int o = 0; o < OUT_N; o++)
        CHECK_EQ_INT(truth_get(json, "outcomes", outcome_names[o]), t.outcomes[o]);
    for (size_t i = 0; i < t.n_rows; i++)
        free(t.rows[i]);
    free(t.rows);
    free(json);
}

static void test_bad_options(const char *dir)
{
    tt_sim_options o;
    tt_sim_options_default(&o);
    o.out_dir = dir;
    char err[256] = "";
    o.days = 0;
    CHECK_EQ_INT(tt_simulate_run(&o, err, sizeof err), TT_ERR_USAGE);
    o.days = 1;
    o.rate = 0;
    CHECK_EQ_INT(tt_simulate_run(&o, err, sizeof err), TT_ERR_USAGE);
    o.rate = 100;
    o.geo_path = "/nonexistent/location.db";
    CHECK_EQ_INT(tt_simulate_run(&o, err, sizeof err), TT_ERR_IO);
    CHECK(strstr(err, "/nonexistent/location.db") != NULL);
    o.geo_path = NULL;
    o.out_dir = "/proc/teiten-simulate-cannot-exist";
    CHECK_EQ_INT(tt_simulate_run(&o, err, sizeof err), TT_ERR_IO);
    CHECK(strstr(err, "/proc/teiten-simulate-cannot-exist") != NULL);
}

int main(void)
{
    char a[] = "/tmp/teiten-sim-a-XXXXXX", b[] = "/tmp/teiten-sim-b-XXXXXX", c[] = "/tmp/teiten-sim-c-XXXXXX",
         d[] = "/tmp/teiten-sim-d-XXXXXX";
    if (!mkdtemp(a) || !mkdtemp(b) || !mkdtemp(c) || !mkdtemp(d)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    CHECK_EQ_INT(run(a, 7, TEST_DAYS, TEST_RATE, false, true), TT_OK);
    CHECK_EQ_INT(run(b, 7, TEST_DAYS, TEST_RATE, false, true), TT_OK);
    CHECK_EQ_INT(run(c, 8, TEST_DAYS, TEST_RATE, false, true), TT_OK);
    test_determinism(a, b, c);

    char p[512];
    path_of(p, sizeof p, a, "truth.json");
    char *json = read_all(p, NULL);
    CHECK(json != NULL);
    if (json) {
        uint64_t v = 0;
        CHECK(json_u64(json, "seed", &v) && v == 7);
        CHECK(json_u64(json, "days", &v) && v == TEST_DAYS);
        CHECK(json_u64(json, "rate", &v) && v == TEST_RATE);
        sensor_conf sc[8];
        int n_sensors = read_sensors(a, sc, 8);
        totals t;
        memset(&t, 0, sizeof t);
        check_truth_against_captures(a, json, &t, sc, n_sensors);
        check_detail(a, json, &t);
        for (size_t i = 0; i < t.n_rows; i++)
            free(t.rows[i]);
        free(t.rows);
        free(json);
    }
    test_one_file(d);
    test_bad_options(d);

    remove_dir(a);
    remove_dir(b);
    remove_dir(c);
    remove_dir(d);
    return check_report("test_simulate");
}
