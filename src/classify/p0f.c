/* p0f's signature database and the matching of TCP SYNs against it.
 *
 * The file is p0f 3's p0f.fp (Debian: /etc/p0f/p0f.fp, format in section 5
 * of p0f's README). The whole file is checked the way p0f checks it, so a
 * database p0f refuses is refused here too, with "FILE:LINE: what"; only the
 * [tcp:request] signatures (initial SYNs) are kept. A signature is
 *
 *     ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
 *
 * Matching follows p0f 3.09b (fp_tcp.c tcp_find_match), read as a
 * specification:
 *   - candidates are the signatures with exactly the SYN's option layout
 *     (kinds in order, "eol+N" padding compared separately);
 *   - ver must agree (p0f itself never compares it: a deliberate difference);
 *     a '*' signature drops the quirks that do not exist in the packet's IP
 *     version (df, id+, id- for IPv6; flow for IPv4) before comparing;
 *   - olen, eol padding, mss (unless '*'), scale (unless '*'), payload class
 *     (unless '*') and the window (fixed, '*', %N, mss*N, mtu*N, with p0f's
 *     way of finding the multiplier) must agree;
 *   - TTL: exact when observed <= ittl and ittl - observed <= 35 hops; a
 *     "ittl-" signature (tools with random TTLs) only needs observed <= ittl;
 *   - the first exact 's' signature in file order wins; else the first exact
 *     'g' (generic) one; else the first fuzzy one, i.e. one that holds but for
 *     the TTL being out of range, unless that one is an application ('!')
 *     signature: p0f never matches tools fuzzily.
 *   - p0f's fuzzy match also lets 'df' and 'id+' vanish and 'id-' and 'ecn'
 *     appear. Not here: raw-socket scanners (masscan, ZMap, ...) send SYNs
 *     with an MSS option, no DF and a TTL from 255, and with those allowances
 *     every one of them would match "Linux 2.2.x-3.x (barebone)" and be
 *     counted as an embedded device. A missing DF is the mark of a crafted
 *     packet, not of a kernel; quirks must agree exactly.
 *
 * What tt_packet cannot tell: the IPv4 "must be zero" flag bit (quirk 0+),
 * the IPv6 flow label (quirk flow) and the TCP NS bit (part of quirk ecn) are
 * not decoded, so these read as absent; the IP options length is inferred
 * from the IP length minus the TCP header and payload, and taken as 0 when
 * the capture was cut short. No signature in p0f 3.09b's [tcp:request]
 * section uses 0+ or flow.
 *
 * Other small differences from p0f 3.09b: 'ack+' means any non-zero ACK
 * number (p0f's test catches only some), 'opt+' also sees a non-zero last
 * byte, an exact repeat of a signature is refused (p0f refuses those it sees
 * as covered by an earlier line), and a '!' label must have its 'sys' line
 * even at the end of a section.
 *
 * Labels map onto tt_os_class by the table in class_of_label() below (also in
 * docs/classification.md, "OS and device hints").
 *
 * Speed: signatures are grouped by option layout behind a small hash table,
 * so a match reads the SYN's options once, hashes the layout, and scans only
 * the signatures of that layout (at most ~30 in p0f 3.09b's file). The
 * database is immutable once built: tt_p0f_match may run in many threads. */
#include "classify/p0f.h"

#include "util/file.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"

/* Bounds on what a p0f.fp file can make teiten hold (p0f 3.09b's file: 938
 * lines, 91 SYN signatures, 40 KB). */
#define P0F_FILE_MAX ((size_t)16 << 20)       /* bytes in one database file */
#define P0F_LINE_MAX 4096                     /* characters in one line */
#define P0F_SIGNATURES_MAX 65536              /* [tcp:request] signatures kept */
#define P0F_LABEL_BYTES_MAX ((size_t)4 << 20) /* label text kept, in bytes */
#define P0F_CLASSES_MAX 64                    /* names on the 'classes' line */
#define P0F_CLASS_NAME_MAX 32                 /* bytes of one class name, with its NUL */

/* p0f's own constants (config.h): options read from one header, and the hop
 * count up to which an observed TTL still matches a signature exactly. */
#define P0F_MAX_OPTIONS 24
#define P0F_MAX_DISTANCE 35

/* Header sizes p0f uses to find window multipliers (its MIN_TCP4/MIN_TCP6). */
#define MIN_TCP4 40
#define MIN_TCP6 60

enum {
    TCPOPT_EOL = 0,
    TCPOPT_NOP = 1,
    TCPOPT_MSS = 2,
    TCPOPT_WSCALE = 3,
    TCPOPT_SACK_PERMITTED = 4,
    TCPOPT_SACK = 5,
    TCPOPT_TIMESTAMP = 8,
};

/* Quirks, one bit each (names as in p0f.fp). */
enum {
    QUIRK_DF = 1u << 0,                /* df: IPv4 don't-fragment set */
    QUIRK_ID_NONZERO = 1u << 1,        /* id+: DF set but IP ID not zero */
    QUIRK_ID_ZERO = 1u << 2,           /* id-: DF clear but IP ID zero */
    QUIRK_ECN = 1u << 3,               /* ecn: ECN bits in IP or TCP */
    QUIRK_MBZ = 1u << 4,               /* 0+: IPv4 reserved flag set (not decoded) */
    QUIRK_FLOW = 1u << 5,              /* flow: IPv6 flow label (not decoded) */
    QUIRK_SEQ_ZERO = 1u << 6,          /* seq- */
    QUIRK_ACK_NONZERO = 1u << 7,       /* ack+: ACK number without the ACK flag */
    QUIRK_ACK_ZERO = 1u << 8,          /* ack-: ACK flag with a zero number */
    QUIRK_URGPTR_NONZERO = 1u << 9,    /* uptr+: urgent pointer without URG */
    QUIRK_URG = 1u << 10,              /* urgf+ */
    QUIRK_PUSH = 1u << 11,             /* pushf+ */
    QUIRK_TS1_ZERO = 1u << 12,         /* ts1-: own timestamp zero */
    QUIRK_TS2_NONZERO = 1u << 13,      /* ts2+: echoed timestamp set on a SYN */
    QUIRK_OPT_TRAILING = 1u << 14,     /* opt+: non-zero bytes after EOL */
    QUIRK_WSCALE_EXCESSIVE = 1u << 15, /* exws: window scale > 14 */
    QUIRK_OPT_BAD = 1u << 16,          /* bad: malformed options */
};

#define QUIRKS_IPV4_ONLY (QUIRK_DF | QUIRK_ID_NONZERO | QUIRK_ID_ZERO | QUIRK_MBZ)

static const struct {
    const char *name;
    uint32_t bit;
} quirk_names[] = {
    {"df", QUIRK_DF},
    {"id+", QUIRK_ID_NONZERO},
    {"id-", QUIRK_ID_ZERO},
    {"ecn", QUIRK_ECN},
    {"0+", QUIRK_MBZ},
    {"flow", QUIRK_FLOW},
    {"seq-", QUIRK_SEQ_ZERO},
    {"ack+", QUIRK_ACK_NONZERO},
    {"ack-", QUIRK_ACK_ZERO},
    {"uptr+", QUIRK_URGPTR_NONZERO},
    {"urgf+", QUIRK_URG},
    {"pushf+", QUIRK_PUSH},
    {"ts1-", QUIRK_TS1_ZERO},
    {"ts2+", QUIRK_TS2_NONZERO},
    {"opt+", QUIRK_OPT_TRAILING},
    {"exws", QUIRK_WSCALE_EXCESSIVE},
    {"bad", QUIRK_OPT_BAD},
};

typedef enum window_kind {
    WINDOW_ANY,   /* '*' */
    WINDOW_FIXED, /* a number */
    WINDOW_MOD,   /* %N: any multiple of N */
    WINDOW_MSS,   /* mss*N */
    WINDOW_MTU,   /* mtu*N */
} window_kind;

/* One [tcp:request] signature, as matched. */
typedef struct p0f_sig {
    uint32_t quirks;
    int32_t mss;     /* -1 = any */
    int16_t wscale;  /* -1 = any */
    uint16_t window; /* value, modulus or multiplier per window_kind */
    uint8_t window_kind;
    uint8_t ittl; /* initial TTL, "+distance" already added */
    uint8_t ip_options_len;
    uint8_t eol_pad;
    uint8_t version;  /* 4, 6, or 0 for '*' */
    int8_t pclass;    /* 0, 1 (payload), -1 = any */
    bool bad_ttl;     /* "ittl-": random TTLs below ittl */
    bool generic;     /* label type 'g' */
    bool application; /* label class '!' */
    uint8_t os;       /* tt_os_class */
    uint32_t label;   /* offset of the label text in tt_p0f.labels */
    uint32_t line;
} p0f_sig;

/* Signatures sharing one option layout: sigs[first .. first + count). */
typedef struct layout_group {
    uint64_t hash;
    uint32_t first, count;
    uint8_t noptions;
    uint8_t kinds[P0F_MAX_OPTIONS];
} layout_group;

struct tt_p0f {
    p0f_sig *sigs; /* grouped by layout; file order within a group */
    size_t nsigs;
    layout_group *groups;
    size_t ngroups;
    uint32_t *slots; /* open addressing on layout hash: group index + 1, 0 = empty */
    size_t slot_mask;
    char *labels; /* NUL-terminated label texts */
};

/* ---------------------------------------------------------------- labels → classes */

static bool name_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcasecmp(name, *list) == 0)
            return true;
    return false;
}

static bool contains_nocase(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (; *text != '\0'; text++)
        if (strncasecmp(text, word, n) == 0)
            return true;
    return false;
}

/* Major number of the last kernel version ("2.6.x", "3.11") in a flavor;
 * -1 without one. In a range ("2.4.x-2.6.x", "2.2.x-3.x") this is the newest
 * kernel the label admits. */
static int last_major_version(const char *flavor)
{
    int major = -1;
    const char *s = flavor;
    while (*s != '\0') {
        if (isdigit((unsigned char)*s) && (s == flavor || !isalnum((unsigned char)s[-1]))) {
            int v = 0;
            const char *d = s;
            while (isdigit((unsigned char)*d) && v < 1000)
                v = v * 10 + (*d++ - '0');
            while (isdigit((unsigned char)*d))
                d++;
            if (*d == '.')
                major = v;
            s = d;
            while (*s == '.' || *s == 'x' || isdigit((unsigned char)*s))
                s++;
            continue;
        }
        s++;
    }
    return major;
}

/* The label → tt_os_class table (the report's question is "embedded/IoT or
 * PC/server?"):
 *
 *   class '!' (NMap, ...) or name "p0f" (p0f-sendsyn)   TOOL
 *   "embedded" in the name or flavor; names VxWorks,
 *     OpenWrt, BusyBox, lwIP, ThreadX, eCos, Nucleus   EMBEDDED
 *   class "win" or a name starting with "Windows"       WINDOWS
 *   Mac OS X, MacOS X, Mac OS, MacOS, iOS               MACOS
 *   Linux, flavor says "barebone" or "no timestamps"    EMBEDDED
 *   Linux, flavor names a crawler                       LINUX (servers)
 *   Linux, flavor "(Android)"                           EMBEDDED
 *   Linux, newest kernel in the flavor is 2.x           EMBEDDED
 *   Linux, 3.x or newer, or no version                  LINUX
 *   FreeBSD, OpenBSD, NetBSD, DragonFly, any "*BSD"     BSD
 *   Solaris, SunOS, HP-UX, AIX, Tru64, IRIX             SOLARIS
 *   anything else (Blackberry, Nintendo, NeXTSTEP,
 *     OpenVMS, BaiduSpider, ...)                        OTHER
 *
 * Why old Linux means embedded: desktop and server distributions left 2.x
 * kernels around 2011-2013, while routers, DVRs, IP cameras and set-top boxes
 * kept shipping BusyBox systems on 2.4/2.6 kernels for a decade after, and
 * those are what Mirai-style botnets infect. The same devices are behind the
 * "barebone" (MSS only) and "no timestamps" stacks. Android in SYN traffic to
 * a telescope is mostly TV boxes and phones (e.g. ADB worms), not PCs or
 * servers. */
static tt_os_class class_of_label(bool application, const char *os_class, const char *name,
                                  const char *flavor)
{
    static const char *const embedded_names[] = {"VxWorks", "OpenWrt", "BusyBox", "lwIP",
                                                 "ThreadX", "eCos",    "Nucleus", NULL};
    static const char *const mac_names[] = {"Mac OS X", "MacOS X", "Mac OS", "MacOS", "iOS", NULL};
    static const char *const bsd_names[] = {"FreeBSD", "OpenBSD", "NetBSD", "DragonFly", NULL};
    static const char *const server_unix_names[] = {"Solaris", "SunOS", "HP-UX", "AIX",
                                                    "Tru64",   "IRIX",  NULL};

    if (application || strcasecmp(name, "p0f") == 0)
        return TT_OS_TOOL;
    if (contains_nocase(name, "embedded") || contains_nocase(flavor, "embedded") ||
        name_in(name, embedded_names))
        return TT_OS_EMBEDDED;
    if (strcasecmp(os_class, "win") == 0 || strncasecmp(name, "Windows", 7) == 0)
        return TT_OS_WINDOWS;
    if (name_in(name, mac_names))
        return TT_OS_MACOS;
    if (strcasecmp(name, "Linux") == 0) {
        if (contains_nocase(flavor, "barebone") || contains_nocase(flavor, "no timestamps"))
            return TT_OS_EMBEDDED;
        if (contains_nocase(flavor, "crawler"))
            return TT_OS_LINUX;
        if (contains_nocase(flavor, "android"))
            return TT_OS_EMBEDDED;
        int major = last_major_version(flavor);
        return major >= 0 && major < 3 ? TT_OS_EMBEDDED : TT_OS_LINUX;
    }
    size_t len = strlen(name);
    if (name_in(name, bsd_names) || (len >= 3 && strcasecmp(name + len - 3, "BSD") == 0))
        return TT_OS_BSD;
    if (name_in(name, server_unix_names))
        return TT_OS_SOLARIS;
    return TT_OS_OTHER;
}

const char *tt_os_class_name(tt_os_class os)
{
    static const char *const names[TT_OS_COUNT] = {
        [TT_OS_UNKNOWN] = "unknown", [TT_OS_WINDOWS] = "windows", [TT_OS_MACOS] = "macos",
        [TT_OS_LINUX] = "linux",     [TT_OS_BSD] = "bsd",         [TT_OS_EMBEDDED] = "embedded",
        [TT_OS_SOLARIS] = "solaris", [TT_OS_TOOL] = "tool",       [TT_OS_OTHER] = "other",
    };
    return (unsigned)os < TT_OS_COUNT ? names[os] : "unknown";
}

const char *tt_os_device_name(tt_os_class os)
{
    switch (os) {
    case TT_OS_WINDOWS:
    case TT_OS_MACOS:
    case TT_OS_LINUX:
    case TT_OS_BSD:
    case TT_OS_SOLARIS: return "pc/server";
    case TT_OS_EMBEDDED: return "embedded/iot";
    case TT_OS_TOOL: return "tool";
    default: return "unknown";
    }
}

uint8_t tt_initial_ttl(uint8_t ttl)
{
    if (ttl <= 32)
        return 32;
    if (ttl <= 64)
        return 64;
    if (ttl <= 128)
        return 128;
    return 255;
}

/* ---------------------------------------------------------------- parsing */

typedef enum parse_state {
    NEED_SECTION, /* before the first [section] */
    NEED_LABEL,   /* right after a [section] */
    NEED_SYS,     /* after a '!' label: its 'sys' line comes next */
    NEED_SIG,     /* after a label (and sys): signatures or the next label */
} parse_state;

typedef enum section_kind {
    SECTION_NONE,
    SECTION_MTU,
    SECTION_TCP_REQUEST,
    SECTION_TCP_RESPONSE,
    SECTION_HTTP_REQUEST,
    SECTION_HTTP_RESPONSE,
} section_kind;

/* A signature with its layout, before grouping. */
typedef struct parsed_sig {
    p0f_sig sig;
    uint8_t noptions;
    uint8_t kinds[P0F_MAX_OPTIONS];
} parsed_sig;

typedef struct parser {
    const char *name;
    unsigned line;
    char *err;
    size_t errlen;
    parse_state state;
    section_kind section;
    char classes[P0F_CLASSES_MAX][P0F_CLASS_NAME_MAX];
    size_t nclasses;
    /* the current label */
    bool generic, application;
    uint8_t os;
    uint32_t label;
    /* [tcp:request] signatures and label texts */
    parsed_sig *sigs;
    size_t nsigs, sigs_cap;
    char *labels;
    size_t labels_len, labels_cap;
} parser;

__attribute__((format(printf, 2, 3))) static tt_status fail(parser *p, const char *fmt, ...)
{
    if (p->err != NULL && p->errlen > 0) {
        int n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
        if (n >= 0 && (size_t)n < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return TT_ERR_FORMAT;
}

static tt_status out_of_memory(parser *p)
{
    if (p->err != NULL && p->errlen > 0)
        snprintf(p->err, p->errlen, "%s:%u: out of memory", p->name, p->line);
    return TT_ERR_NOMEM;
}

/* Splits s at each sep (replaced by NUL) into at most max fields; returns the
 * number of fields found (which may exceed max: the rest are not stored). */
static size_t split(char *s, char sep, char **fields, size_t max)
{
    size_t n = 0;
    for (;;) {
        if (n < max)
            fields[n] = s;
        n++;
        char *next = strchr(s, sep);
        if (next == NULL)
            return n;
        *next = '\0';
        s = next + 1;
    }
}

static bool parse_number(const char *text, uint32_t max, uint32_t *out)
{
    uint64_t v;
    if (!tt_parse_u64(text, max, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static int find_class(const parser *p, const char *name)
{
    for (size_t i = 0; i < p->nclasses; i++)
        if (strcasecmp(p->classes[i], name) == 0)
            return (int)i;
    return -1;
}

/* p0f's characters for OS and application names (its NAME_CHARS). */
static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || (c != '\0' && strchr(" ./-_!?()", c));
}

static tt_status parse_classes(parser *p, char *value)
{
    if (p->state != NEED_SECTION)
        return fail(p, "'classes' must come before the first [section]");
    char *fields[P0F_CLASSES_MAX];
    size_t n = split(value, ',', fields, P0F_CLASSES_MAX);
    if (n > P0F_CLASSES_MAX)
        return fail(p, "more than %d classes", P0F_CLASSES_MAX);
    for (size_t i = 0; i < n; i++) {
        char *c = fields[i] + strspn(fields[i], " \t");
        size_t len = strlen(c);
        while (len > 0 && (c[len - 1] == ' ' || c[len - 1] == '\t'))
            c[--len] = '\0';
        if (len == 0)
            continue; /* "win,,unix" and a trailing comma are fine, as in p0f */
        bool ok = len < P0F_CLASS_NAME_MAX;
        for (size_t j = 0; ok && j < len; j++)
            ok = isalnum((unsigned char)c[j]);
        if (!ok)
            return fail(p, "bad class name '%.40s' (letters and digits only)", c);
        if (find_class(p, c) < 0) {
            if (p->nclasses == P0F_CLASSES_MAX)
                return fail(p, "more than %d classes", P0F_CLASSES_MAX);
            memcpy(p->classes[p->nclasses++], c, len + 1);
        }
    }
    return TT_OK;
}

static tt_status keep_label(parser *p, const char *text)
{
    size_t len = strlen(text) + 1;
    if (p->labels_len + len > P0F_LABEL_BYTES_MAX)
        return fail(p, "labels exceed %zu bytes in all", P0F_LABEL_BYTES_MAX);
    if (p->labels_len + len > p->labels_cap) {
        size_t cap = p->labels_cap ? p->labels_cap * 2 : 4096;
        while (cap < p->labels_len + len)
            cap *= 2;
        char *bigger = realloc(p->labels, cap);
        if (bigger == NULL)
            return out_of_memory(p);
        p->labels = bigger;
        p->labels_cap = cap;
    }
    memcpy(p->labels + p->labels_len, text, len);
    p->label = (uint32_t)p->labels_len;
    p->labels_len += len;
    return TT_OK;
}

/* label = type:class:name:flavor */
static tt_status parse_label(parser *p, char *value)
{
    if (p->state == NEED_SECTION)
        return fail(p, "'label' before the first [section]");
    if (p->state == NEED_SYS)
        return fail(p, "a '!' (application) label must be followed by a 'sys' line");
    p->state = NEED_SIG;
    if (p->section == SECTION_MTU) {
        if (*value == '\0')
            return fail(p, "empty MTU label");
        return TT_OK;
    }
    char text[P0F_LINE_MAX + 1];
    snprintf(text, sizeof text, "%s", value);

    if ((value[0] != 's' && value[0] != 'g') || value[1] != ':')
        return fail(p, "bad label '%.60s': expected type:class:name:flavor, type 's' or 'g'", text);
    bool generic = value[0] == 'g';
    char *os_class = value + 2;
    char *end = os_class;
    while (isalnum((unsigned char)*end) || *end == '!')
        end++;
    if (end == os_class || *end != ':')
        return fail(p, "bad label '%.60s': expected type:class:name:flavor", text);
    *end = '\0';
    bool application = strcmp(os_class, "!") == 0;
    if (!application && find_class(p, os_class) < 0)
        return fail(p, "unknown class '%.40s' (not on the 'classes' line)", os_class);
    char *name = end + 1;
    end = name;
    while (is_name_char(*end))
        end++;
    if (end == name || *end != ':')
        return fail(p, "bad name in label '%.60s' (letters, digits and \" ./-_!?()\")", text);
    *end = '\0';
    const char *flavor = end + 1;

    p->generic = generic;
    p->application = application;
    p->os = (uint8_t)class_of_label(application, os_class, name, flavor);
    if (application)
        p->state = NEED_SYS;
    if (p->section == SECTION_TCP_REQUEST)
        return keep_label(p, text);
    return TT_OK;
}

/* sys = name,@class,... : where an application ('!') label is at home. */
static tt_status parse_sys(parser *p, char *value)
{
    if (p->state != NEED_SYS)
        return fail(p, "'sys' must follow a '!' (application) label");
    char *fields[1];
    size_t n = *value != '\0' ? split(value, ',', fields, 0) : 0;
    char *s = value;
    for (size_t i = 0; i < n; i++) {
        char *entry = s + strspn(s, " \t");
        s += strlen(s) + 1; /* split() left the fields NUL-separated */
        bool is_class = *entry == '@';
        if (is_class)
            entry++;
        size_t len = strlen(entry);
        while (len > 0 && (entry[len - 1] == ' ' || entry[len - 1] == '\t'))
            entry[--len] = '\0';
        bool ok = len > 0;
        for (size_t j = 0; ok && j < len; j++)
            ok = is_name_char(entry[j]);
        if (!ok)
            return fail(p, "bad 'sys' entry '%.40s'", entry);
        if (is_class && find_class(p, entry) < 0)
            return fail(p, "unknown class '@%.40s' (not on the 'classes' line)", entry);
    }
    p->state = NEED_SIG;
    return TT_OK;
}

/* ittl: "64", "54+10" (observed TTL + distance) or "64-" (random below). */
static bool parse_ittl(const char *text, uint8_t *ittl, bool *bad_ttl)
{
    char buf[16];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len + 1);
    *bad_ttl = false;
    uint32_t base, add = 0;
    char *plus = strchr(buf, '+');
    if (buf[len - 1] == '-') {
        buf[len - 1] = '\0';
        *bad_ttl = true;
    } else if (plus != NULL) {
        *plus = '\0';
        if (!parse_number(plus + 1, 255, &add))
            return false;
    }
    if (!parse_number(buf, 255, &base) || base < 1 || base + add > 255)
        return false;
    *ittl = (uint8_t)(base + add);
    return true;
}

/* wsize: "*", "%N", "mss*N", "mtu*N" or a number. */
static bool parse_window(const char *text, p0f_sig *sig)
{
    uint32_t v = 0;
    if (strcmp(text, "*") == 0) {
        sig->window_kind = WINDOW_ANY;
    } else if (text[0] == '%') {
        if (!parse_number(text + 1, 65535, &v) || v < 2)
            return false;
        sig->window_kind = WINDOW_MOD;
    } else if (strncmp(text, "mss*", 4) == 0 || strncmp(text, "mtu*", 4) == 0) {
        if (!parse_number(text + 4, 1000, &v) || v < 1)
            return false;
        sig->window_kind = text[1] == 's' ? WINDOW_MSS : WINDOW_MTU;
    } else {
        if (!parse_number(text, 65535, &v))
            return false;
        sig->window_kind = WINDOW_FIXED;
    }
    sig->window = (uint16_t)v;
    return true;
}

static tt_status parse_layout(parser *p, char *text, parsed_sig *ps)
{
    static const struct {
        const char *name;
        uint8_t kind;
    } names[] = {{"nop", TCPOPT_NOP},   {"mss", TCPOPT_MSS},
                 {"ws", TCPOPT_WSCALE}, {"sok", TCPOPT_SACK_PERMITTED},
                 {"sack", TCPOPT_SACK}, {"ts", TCPOPT_TIMESTAMP}};
    ps->noptions = 0;
    if (*text == '\0')
        return TT_OK;
    char *items[P0F_MAX_OPTIONS];
    size_t n = split(text, ',', items, P0F_MAX_OPTIONS);
    if (n > P0F_MAX_OPTIONS)
        return fail(p, "more than %d TCP options in the layout", P0F_MAX_OPTIONS);
    for (size_t i = 0; i < n; i++) {
        const char *item = items[i];
        uint32_t v;
        int kind = -1;
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++)
            if (strcmp(item, names[j].name) == 0)
                kind = names[j].kind;
        if (kind < 0 && strncmp(item, "eol+", 4) == 0) {
            if (!parse_number(item + 4, 255, &v))
                return fail(p, "bad EOL padding '%.40s' (expected eol+N, N 0..255)", item);
            if (i + 1 != n)
                return fail(p, "'eol+N' must be the last TCP option of the layout");
            ps->sig.eol_pad = (uint8_t)v;
            kind = TCPOPT_EOL;
        } else if (kind < 0 && item[0] == '?') {
            if (!parse_number(item + 1, 255, &v))
                return fail(p, "bad unknown-option number '%.40s' (expected ?N, N 0..255)", item);
            kind = (int)v;
        }
        if (kind < 0)
            return fail(
                p, "unknown TCP option '%.40s' in the layout (eol+N, nop, mss, ws, sok, sack, ts, ?N)", item);
        ps->kinds[ps->noptions++] = (uint8_t)kind;
    }
    return TT_OK;
}

static tt_status parse_quirks(parser *p, char *text, p0f_sig *sig)
{
    if (*text == '\0')
        return TT_OK;
    char *items[1];
    size_t n = split(text, ',', items, 0);
    const char *item = text;
    for (size_t i = 0; i < n; i++, item += strlen(item) + 1) {
        uint32_t bit = 0;
        for (size_t j = 0; j < sizeof quirk_names / sizeof quirk_names[0]; j++)
            if (strcmp(item, quirk_names[j].name) == 0)
                bit = quirk_names[j].bit;
        if (bit == 0)
            return fail(p, "unknown quirk '%.40s'", item);
        if (sig->version == 6 && (bit & QUIRKS_IPV4_ONLY))
            return fail(p, "quirk '%s' is not valid in an IPv6 signature", item);
        if (sig->version == 4 && bit == QUIRK_FLOW)
            return fail(p, "quirk 'flow' is not valid in an IPv4 signature");
        sig->quirks |= bit;
    }
    return TT_OK;
}

/* sig = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass */
static tt_status parse_tcp_signature(parser *p, char *value, parsed_sig *ps)
{
    memset(ps, 0, sizeof *ps);
    p0f_sig *sig = &ps->sig;
    char *f[8];
    size_t n = split(value, ':', f, 8);
    if (n != 8)
        return fail(
            p, "a TCP signature has 8 fields, ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass; found %zu",
            n);
    uint32_t v;

    if (strcmp(f[0], "4") == 0 || strcmp(f[0], "6") == 0)
        sig->version = (uint8_t)(f[0][0] - '0');
    else if (strcmp(f[0], "*") == 0)
        sig->version = 0;
    else
        return fail(p, "bad IP version '%.20s' (expected 4, 6 or *)", f[0]);

    if (!parse_ittl(f[1], &sig->ittl, &sig->bad_ttl))
        return fail(p, "bad initial TTL '%.20s' (expected N, N+D or N-, at most 255)", f[1]);

    if (!parse_number(f[2], 255, &v))
        return fail(p, "bad IP options length '%.20s' (expected 0..255)", f[2]);
    sig->ip_options_len = (uint8_t)v;

    if (strcmp(f[3], "*") == 0)
        sig->mss = -1;
    else if (parse_number(f[3], 65535, &v))
        sig->mss = (int32_t)v;
    else
        return fail(p, "bad MSS '%.20s' (expected * or 0..65535)", f[3]);

    char *comma = strchr(f[4], ',');
    if (comma == NULL)
        return fail(p, "window field '%.40s' must be 'wsize,scale'", f[4]);
    *comma = '\0';
    if (!parse_window(f[4], sig))
        return fail(p, "bad window size '%.20s' (expected N, *, mss*N, mtu*N or %%N)", f[4]);
    const char *scale = comma + 1;
    if (strcmp(scale, "*") == 0)
        sig->wscale = -1;
    else if (parse_number(scale, 255, &v))
        sig->wscale = (int16_t)v;
    else
        return fail(p, "bad window scale '%.20s' (expected * or 0..255)", scale);

    tt_status st = parse_layout(p, f[5], ps);
    if (st != TT_OK)
        return st;
    st = parse_quirks(p, f[6], sig);
    if (st != TT_OK)
        return st;

    if (strcmp(f[7], "0") == 0)
        sig->pclass = 0;
    else if (strcmp(f[7], "+") == 0)
        sig->pclass = 1;
    else if (strcmp(f[7], "*") == 0)
        sig->pclass = -1;
    else
        return fail(p, "bad payload class '%.20s' (expected 0, + or *)", f[7]);

    sig->generic = p->generic;
    sig->application = p->application;
    sig->os = p->os;
    sig->label = p->label;
    sig->line = p->line;
    return TT_OK;
}

static tt_status parse_signature(parser *p, char *value)
{
    if (p->state == NEED_SECTION)
        return fail(p, "'sig' before the first [section]");
    if (p->state == NEED_LABEL)
        return fail(p, "'sig' before the first 'label' of its section");
    if (p->state == NEED_SYS)
        return fail(p, "a '!' (application) label must be followed by a 'sys' line");
    uint32_t v;
    parsed_sig ps;
    switch (p->section) {
    case SECTION_MTU:
        if (!parse_number(value, 65535, &v) || v == 0)
            return fail(p, "bad MTU '%.20s' (expected 1..65535)", value);
        return TT_OK;
    case SECTION_TCP_REQUEST:
    case SECTION_TCP_RESPONSE: {
        tt_status st = parse_tcp_signature(p, value, &ps);
        if (st != TT_OK || p->section != SECTION_TCP_REQUEST)
            return st;
        if (p->nsigs == P0F_SIGNATURES_MAX)
            return fail(p, "more than %d [tcp:request] signatures", P0F_SIGNATURES_MAX);
        if (p->nsigs == p->sigs_cap) {
            size_t cap = p->sigs_cap ? p->sigs_cap * 2 : 128;
            parsed_sig *bigger = realloc(p->sigs, cap * sizeof *bigger);
            if (bigger == NULL)
                return out_of_memory(p);
            p->sigs = bigger;
            p->sigs_cap = cap;
        }
        p->sigs[p->nsigs++] = ps;
        return TT_OK;
    }
    default:
        /* HTTP signatures: not used by teiten, so not checked beyond their place. */
        return TT_OK;
    }
}

static tt_status parse_section(parser *p, const char *line)
{
    static const struct {
        const char *text;
        section_kind kind;
    } sections[] = {
        {"[mtu]", SECTION_MTU},
        {"[tcp:request]", SECTION_TCP_REQUEST},
        {"[tcp:response]", SECTION_TCP_RESPONSE},
        {"[http:request]", SECTION_HTTP_REQUEST},
        {"[http:response]", SECTION_HTTP_RESPONSE},
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (strcmp(line, sections[i].text) == 0) {
            if (p->state == NEED_SYS)
                return fail(p, "a '!' (application) label must be followed by a 'sys' line");
            p->section = sections[i].kind;
            p->state = NEED_LABEL;
            return TT_OK;
        }
    }
    return fail(
        p, "unknown section '%.40s' ([mtu], [tcp:request], [tcp:response], [http:request], [http:response])",
        line);
}

static tt_status parse_line(parser *p, char *line)
{
    if (line[0] == '[')
        return parse_section(p, line);
    char *key_end = line;
    while (isalpha((unsigned char)*key_end) || *key_end == '_')
        key_end++;
    char *s = key_end;
    while (*s == ' ' || *s == '\t')
        s++;
    if (key_end == line || *s != '=')
        return fail(p, "expected 'name = value', a [section] or a ';' comment");
    *key_end = '\0';
    char *value = s + 1;
    value += strspn(value, " \t");

    if (strcmp(line, "classes") == 0)
        return parse_classes(p, value);
    if (strcmp(line, "label") == 0)
        return parse_label(p, value);
    if (strcmp(line, "sys") == 0)
        return parse_sys(p, value);
    if (strcmp(line, "sig") == 0)
        return parse_signature(p, value);
    if (strcmp(line, "ua_os") == 0) {
        if (p->section != SECTION_HTTP_REQUEST || p->state != NEED_LABEL)
            return fail(p, "'ua_os' belongs at the start of [http:request], before its first label");
        return TT_OK;
    }
    return fail(p, "unknown directive '%.40s' (classes, label, sys, sig, ua_os)", line);
}

/* ---------------------------------------------------------------- building the index */

static uint64_t layout_hash(const uint8_t *kinds, unsigned n)
{
    uint64_t h = 0xcbf29ce484222325u ^ n; /* FNV-1a, the count first */
    h *= 0x100000001b3u;
    for (unsigned i = 0; i < n; i++) {
        h ^= kinds[i];
        h *= 0x100000001b3u;
    }
    return h ^ (h >> 29);
}

static int sig_cmp(const p0f_sig *a, const p0f_sig *b)
{
#define CMP_FIELD(f)                                                                                         \
    if (a->f != b->f)                                                                                        \
    return a->f < b->f ? -1 : 1
    CMP_FIELD(version);
    CMP_FIELD(ittl);
    CMP_FIELD(bad_ttl);
    CMP_FIELD(ip_options_len);
    CMP_FIELD(mss);
    CMP_FIELD(window_kind);
    CMP_FIELD(window);
    CMP_FIELD(wscale);
    CMP_FIELD(eol_pad);
    CMP_FIELD(quirks);
    CMP_FIELD(pclass);
    CMP_FIELD(line);
#undef CMP_FIELD
    return 0;
}

static int sig_qsort_cmp(const void *a, const void *b)
{
    return sig_cmp(a, b);
}

/* Same matching fields (the line aside)? */
static bool sig_same(const p0f_sig *a, const p0f_sig *b)
{
    p0f_sig x = *a;
    x.line = b->line;
    return sig_cmp(&x, b) == 0;
}

/* Groups the parsed signatures by layout, refuses exact repeats, and hands
 * the label texts over. */
static tt_status build(parser *p, tt_p0f **out)
{
    tt_status st = TT_ERR_NOMEM;
    tt_p0f *db = calloc(1, sizeof *db);
    uint32_t *group_of = NULL;
    if (db == NULL)
        goto cleanup;
    size_t nslots = 16;
    while (nslots < 2 * p->nsigs)
        nslots *= 2;
    db->slots = calloc(nslots, sizeof *db->slots);
    db->slot_mask = nslots - 1;
    db->groups = calloc(p->nsigs ? p->nsigs : 1, sizeof *db->groups);
    db->sigs = calloc(p->nsigs ? p->nsigs : 1, sizeof *db->sigs);
    group_of = calloc(p->nsigs ? p->nsigs : 1, sizeof *group_of);
    if (db->slots == NULL || db->groups == NULL || db->sigs == NULL || group_of == NULL)
        goto cleanup;

    for (size_t i = 0; i < p->nsigs; i++) {
        const parsed_sig *ps = &p->sigs[i];
        uint64_t h = layout_hash(ps->kinds, ps->noptions);
        size_t slot = (size_t)h & db->slot_mask;
        for (;;) {
            uint32_t g = db->slots[slot];
            if (g == 0) {
                layout_group *ng = &db->groups[db->ngroups];
                ng->hash = h;
                ng->noptions = ps->noptions;
                memcpy(ng->kinds, ps->kinds, ps->noptions);
                db->slots[slot] = (uint32_t)++db->ngroups;
                group_of[i] = (uint32_t)(db->ngroups - 1);
                break;
            }
            const layout_group *eg = &db->groups[g - 1];
            if (eg->hash == h && eg->noptions == ps->noptions &&
                memcmp(eg->kinds, ps->kinds, ps->noptions) == 0) {
                group_of[i] = g - 1;
                break;
            }
            slot = (slot + 1) & db->slot_mask;
        }
        db->groups[group_of[i]].count++;
    }
    uint32_t first = 0;
    for (size_t g = 0; g < db->ngroups; g++) {
        db->groups[g].first = first;
        first += db->groups[g].count;
        db->groups[g].count = 0;
    }
    for (size_t i = 0; i < p->nsigs; i++) {
        layout_group *g = &db->groups[group_of[i]];
        db->sigs[g->first + g->count++] = p->sigs[i].sig;
    }
    db->nsigs = p->nsigs;

    /* A repeated signature is a mistake in the file (p0f refuses those it
     * sees as covered by an earlier line); report the first repeat. */
    unsigned repeat_line = 0, repeat_of = 0;
    for (size_t g = 0; g < db->ngroups; g++) {
        const layout_group *lg = &db->groups[g];
        if (lg->count < 2)
            continue;
        p0f_sig *sorted = malloc(lg->count * sizeof *sorted);
        if (sorted == NULL)
            goto cleanup;
        memcpy(sorted, db->sigs + lg->first, lg->count * sizeof *sorted);
        qsort(sorted, lg->count, sizeof *sorted, sig_qsort_cmp);
        /* Runs of equal signatures are in line order: a run's second entry
         * is its first repeat. */
        size_t run_start = 0;
        for (size_t i = 1; i < lg->count; i++) {
            if (!sig_same(&sorted[run_start], &sorted[i])) {
                run_start = i;
                continue;
            }
            if (i == run_start + 1 && (repeat_line == 0 || sorted[i].line < repeat_line)) {
                repeat_line = sorted[i].line;
                repeat_of = sorted[run_start].line;
            }
        }
        free(sorted);
    }
    if (repeat_line != 0) {
        p->line = repeat_line;
        st = fail(p, "signature repeats line %u", repeat_of);
        goto cleanup;
    }

    db->labels = p->labels;
    p->labels = NULL;
    if (db->labels == NULL && (db->labels = calloc(1, 1)) == NULL)
        goto cleanup;
    *out = db;
    db = NULL;
    st = TT_OK;
cleanup:
    if (st == TT_ERR_NOMEM)
        out_of_memory(p);
    free(group_of);
    tt_p0f_free(db);
    return st;
}

tt_status tt_p0f_parse(const char *text, size_t len, const char *name, tt_p0f **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    parser p = {.name = name != NULL ? name : "p0f.fp", .err = err, .errlen = errlen};
    tt_status st = TT_OK;
    char line[P0F_LINE_MAX + 1];
    size_t pos = 0;
    if (text == NULL)
        len = 0;
    while (st == TT_OK && pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t line_len = nl != NULL ? (size_t)(nl - start) : len - pos;
        pos += line_len + (nl != NULL ? 1 : 0);
        p.line++;
        if (line_len > P0F_LINE_MAX) {
            st = fail(&p, "line longer than %d characters", P0F_LINE_MAX);
            break;
        }
        if (memchr(start, '\0', line_len) != NULL) {
            st = fail(&p, "NUL byte in the line");
            break;
        }
        memcpy(line, start, line_len);
        line[line_len] = '\0';
        while (line_len > 0 && strchr(" \t\r\v\f", line[line_len - 1]) != NULL)
            line[--line_len] = '\0';
        char *s = line + strspn(line, " \t");
        if (*s == '\0' || *s == ';')
            continue;
        st = parse_line(&p, s);
    }
    if (st == TT_OK && p.state == NEED_SYS)
        st = fail(&p, "the file ends after a '!' (application) label without its 'sys' line");
    if (st == TT_OK)
        st = build(&p, out);
    free(p.sigs);
    free(p.labels);
    return st;
}

tt_status tt_p0f_load(const char *path, tt_p0f **out, char *err, size_t errlen)
{
    *out = NULL;
    bool default_path = path == NULL || strcmp(path, TT_P0F_DEFAULT_PATH) == 0;
    if (path == NULL)
        path = TT_P0F_DEFAULT_PATH;
    tt_buf text;
    tt_buf_init(&text, 0);
    char reason[512] = "";
    tt_status st = tt_file_read_all(path, P0F_FILE_MAX, &text, reason, sizeof reason);
    if (st != TT_OK) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s%s", reason,
                     default_path && st == TT_ERR_IO && errno == ENOENT
                         ? " (p0f's signature database: install it with 'apt-get install p0f')"
                         : "");
    } else {
        st = tt_p0f_parse((const char *)text.data, text.len, path, out, err, errlen);
    }
    tt_buf_free(&text);
    return st;
}

void tt_p0f_free(tt_p0f *db)
{
    if (db == NULL)
        return;
    free(db->sigs);
    free(db->groups);
    free(db->slots);
    free(db->labels);
    free(db);
}

size_t tt_p0f_signature_count(const tt_p0f *db)
{
    return db != NULL ? db->nsigs : 0;
}

/* ---------------------------------------------------------------- matching */

/* What p0f looks at in a SYN. */
typedef struct syn_view {
    uint32_t quirks;
    uint32_t ts1; /* own timestamp */
    uint16_t mss, window;
    uint8_t wscale, ttl, version, ip_options_len, eol_pad, pclass;
    uint16_t total_header_len; /* IP + TCP headers */
    uint8_t noptions;
    uint8_t kinds[P0F_MAX_OPTIONS];
} syn_view;

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads the options as p0f does (process.c): fixed sizes for the known kinds
 * whatever their length byte says (a wrong one is the 'bad' quirk), at most
 * P0F_MAX_OPTIONS kinds, and 'bad' for anything left unread. */
static void read_options(const uint8_t *opt, size_t len, syn_view *v)
{
    size_t i = 0;
    while (i < len && v->noptions < P0F_MAX_OPTIONS) {
        uint8_t kind = opt[i++];
        v->kinds[v->noptions++] = kind;
        size_t left = len - i; /* bytes after the kind byte */
        switch (kind) {
        case TCPOPT_EOL:
            v->eol_pad = (uint8_t)left;
            /* p0f misses a non-zero last byte here; any non-zero byte counts. */
            for (; i < len; i++)
                if (opt[i] != 0)
                    v->quirks |= QUIRK_OPT_TRAILING;
            break;
        case TCPOPT_NOP: break;
        case TCPOPT_MSS:
            if (left < 3)
                goto bad;
            if (opt[i] != 4)
                v->quirks |= QUIRK_OPT_BAD;
            v->mss = be16(opt + i + 1);
            i += 3;
            break;
        case TCPOPT_WSCALE:
            if (left < 2)
                goto bad;
            if (opt[i] != 3)
                v->quirks |= QUIRK_OPT_BAD;
            v->wscale = opt[i + 1];
            if (v->wscale > 14)
                v->quirks |= QUIRK_WSCALE_EXCESSIVE;
            i += 2;
            break;
        case TCPOPT_SACK_PERMITTED:
            if (left < 1)
                goto bad;
            if (opt[i] != 2)
                v->quirks |= QUIRK_OPT_BAD;
            i += 1;
            break;
        case TCPOPT_TIMESTAMP:
            if (left < 9)
                goto bad;
            if (opt[i] != 10)
                v->quirks |= QUIRK_OPT_BAD;
            v->ts1 = be32(opt + i + 1);
            if (v->ts1 == 0)
                v->quirks |= QUIRK_TS1_ZERO;
            if (be32(opt + i + 5) != 0) /* only SYNs get here */
                v->quirks |= QUIRK_TS2_NONZERO;
            i += 9;
            break;
        default: { /* SACK and unknown kinds: trust a sane length byte */
            if (left < 1)
                goto bad;
            uint8_t olen = opt[i];
            uint8_t min = kind == TCPOPT_SACK ? 10 : 2, max = kind == TCPOPT_SACK ? 34 : 40;
            if (olen < min || olen > max || olen - 1u > left)
                goto bad;
            i += olen - 1u;
            break;
        }
        }
    }
    if (i == len)
        return;
bad:
    v->quirks |= QUIRK_OPT_BAD;
}

/* IP options (IPv4) or extension headers (IPv6), in bytes: the IP length less
 * the fixed header, TCP header and payload. Not knowable when the capture cut
 * the packet short; then 0, by far the most common value. */
static uint8_t ip_options_len(const tt_packet *pkt)
{
    uint32_t base = pkt->ip_version == 4 ? 20 : 40;
    uint64_t rest = (uint64_t)base + pkt->tcp_header_len + pkt->payload_len;
    if (pkt->caplen < pkt->wirelen || pkt->tcp_header_len == 0 || pkt->ip_len < rest)
        return 0;
    uint64_t extra = pkt->ip_len - rest;
    if (pkt->ip_version == 4 && (extra > 40 || extra % 4 != 0))
        return 0;
    return extra > 255 ? 255 : (uint8_t)extra;
}

static bool view_syn(const tt_packet *pkt, syn_view *v)
{
    if (pkt->proto != TT_IPPROTO_TCP || !pkt->has_ports || pkt->fragment ||
        (pkt->ip_version != 4 && pkt->ip_version != 6))
        return false;
    /* A plain SYN: not SYN+ACK, and not the SYN+FIN/SYN+RST p0f discards. */
    if ((pkt->tcp_flags & (TT_TCP_SYN | TT_TCP_ACK | TT_TCP_FIN | TT_TCP_RST)) != TT_TCP_SYN)
        return false;
    size_t opt_len = pkt->tcp_options != NULL ? pkt->tcp_options_len : 0;
    /* Options cut by the snap length would read as a different layout. */
    if (pkt->tcp_header_len >= 20 && opt_len < (size_t)pkt->tcp_header_len - 20)
        return false;

    v->quirks = 0;
    v->ts1 = 0;
    v->mss = 0;
    v->wscale = 0;
    v->eol_pad = 0;
    v->noptions = 0;
    v->window = pkt->window;
    v->ttl = pkt->ttl;
    v->version = pkt->ip_version;
    v->pclass = pkt->payload_len != 0;
    v->ip_options_len = ip_options_len(pkt);
    v->total_header_len = (uint16_t)((pkt->ip_version == 4 ? 20 : 40) + v->ip_options_len +
                                     (pkt->tcp_header_len ? pkt->tcp_header_len : 20 + opt_len));

    if (pkt->ip_version == 4) {
        if (pkt->dont_fragment)
            v->quirks |= QUIRK_DF | (pkt->ip_id != 0 ? QUIRK_ID_NONZERO : 0);
        else if (pkt->ip_id == 0)
            v->quirks |= QUIRK_ID_ZERO;
    }
    if ((pkt->tos & 0x03) != 0 || (pkt->tcp_flags & (TT_TCP_ECE | TT_TCP_CWR)) != 0)
        v->quirks |= QUIRK_ECN;
    if (pkt->seq == 0)
        v->quirks |= QUIRK_SEQ_ZERO;
    /* No ACK flag on a SYN. (p0f 3.09b tests "ack & !rst", so it flags only
     * some non-zero values; the README's meaning is used here.) */
    if (pkt->ack != 0)
        v->quirks |= QUIRK_ACK_NONZERO;
    if (pkt->tcp_flags & TT_TCP_URG)
        v->quirks |= QUIRK_URG;
    else if (pkt->urgent != 0)
        v->quirks |= QUIRK_URGPTR_NONZERO;
    if (pkt->tcp_flags & TT_TCP_PSH)
        v->quirks |= QUIRK_PUSH;
    if (opt_len != 0)
        read_options(pkt->tcp_options, opt_len, v);
    return true;
}

/* The window as a multiple of the MSS or the MTU, found the way p0f does
 * (detect_win_multi: MSS, MSS - 12 with timestamps, MSS for a 1500 MTU, then
 * MTU guesses); -1 if none. */
static int window_multiplier(const syn_view *v, bool *use_mtu)
{
    uint32_t win = v->window, mss = v->mss;
    *use_mtu = false;
    if (win == 0 || mss < 100)
        return -1;
    uint32_t by_mss[6], by_mtu[4];
    size_t nmss = 0, nmtu = 0;
    by_mss[nmss++] = mss;
    if (v->ts1 != 0)
        by_mss[nmss++] = mss - 12;
    by_mss[nmss++] = 1500 - MIN_TCP4;
    by_mss[nmss++] = 1500 - MIN_TCP4 - 12;
    if (v->version == 6) {
        by_mss[nmss++] = 1500 - MIN_TCP6;
        by_mss[nmss++] = 1500 - MIN_TCP6 - 12;
    }
    by_mtu[nmtu++] = mss + MIN_TCP4;
    by_mtu[nmtu++] = mss + v->total_header_len;
    if (v->version == 6)
        by_mtu[nmtu++] = mss + MIN_TCP6;
    by_mtu[nmtu++] = 1500;
    for (size_t i = 0; i < nmss; i++)
        if (win % by_mss[i] == 0)
            return (int)(win / by_mss[i]);
    *use_mtu = true;
    for (size_t i = 0; i < nmtu; i++)
        if (win % by_mtu[i] == 0)
            return (int)(win / by_mtu[i]);
    *use_mtu = false;
    return -1;
}

static const p0f_sig *match_group(const p0f_sig *sigs, size_t n, const syn_view *v)
{
    const p0f_sig *generic = NULL, *fuzzy = NULL;
    bool use_mtu = false;
    int multiplier = -2; /* not computed yet: most candidates never need it */
    for (size_t i = 0; i < n; i++) {
        const p0f_sig *s = &sigs[i];
        if (s->version != 0 && s->version != v->version)
            continue;
        uint32_t want = s->quirks;
        if (s->version == 0)
            want &= v->version == 4 ? ~(uint32_t)QUIRK_FLOW
                                    : ~(uint32_t)(QUIRK_DF | QUIRK_ID_NONZERO | QUIRK_ID_ZERO);
        if (want != v->quirks)
            continue; /* no fuzzy quirks: see the file comment */
        bool is_fuzzy = false;
        if (s->eol_pad != v->eol_pad || s->ip_options_len != v->ip_options_len)
            continue;
        if (s->bad_ttl) {
            if (s->ittl < v->ttl)
                continue;
        } else if (s->ittl < v->ttl || s->ittl - v->ttl > P0F_MAX_DISTANCE) {
            is_fuzzy = true;
        }
        if ((s->mss >= 0 && s->mss != v->mss) || (s->wscale >= 0 && s->wscale != v->wscale) ||
            (s->pclass >= 0 && s->pclass != v->pclass))
            continue;
        switch (s->window_kind) {
        case WINDOW_FIXED:
            if (s->window != v->window)
                continue;
            break;
        case WINDOW_MOD:
            if (v->window % s->window != 0)
                continue;
            break;
        case WINDOW_MSS:
        case WINDOW_MTU:
            if (multiplier == -2)
                multiplier = window_multiplier(v, &use_mtu);
            if (use_mtu != (s->window_kind == WINDOW_MTU) || multiplier != s->window)
                continue;
            break;
        default: break;
        }
        if (!is_fuzzy) {
            if (!s->generic)
                return s;
            if (generic == NULL)
                generic = s;
        } else if (fuzzy == NULL) {
            fuzzy = s;
        }
    }
    if (generic != NULL)
        return generic;
    if (fuzzy != NULL && fuzzy->application)
        return NULL; /* p0f: no fuzzy matches for tools */
    return fuzzy;
}

tt_os_class tt_p0f_match(const tt_p0f *db, const tt_packet *pkt, const char **label)
{
    if (label != NULL)
        *label = NULL;
    syn_view v;
    if (db == NULL || pkt == NULL || db->nsigs == 0 || !view_syn(pkt, &v))
        return TT_OS_UNKNOWN;
    uint64_t h = layout_hash(v.kinds, v.noptions);
    for (size_t slot = (size_t)h & db->slot_mask;; slot = (slot + 1) & db->slot_mask) {
        uint32_t g = db->slots[slot];
        if (g == 0)
            return TT_OS_UNKNOWN;
        const layout_group *lg = &db->groups[g - 1];
        if (lg->hash != h || lg->noptions != v.noptions || memcmp(lg->kinds, v.kinds, v.noptions) != 0)
            continue;
        const p0f_sig *s = match_group(db->sigs + lg->first, lg->count, &v);
        if (s == NULL)
            return TT_OS_UNKNOWN;
        if (label != NULL)
            *label = db->labels + s->label;
        return (tt_os_class)s->os;
    }
}
