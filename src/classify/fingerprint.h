/* What sent a packet, judged from its header fields alone: the scanner tool
 * whose packet-crafting leaves a known mark (Mirai, Masscan, ZMap, Nmap,
 * Unicornscan, a generic no-options SYN scanner), or backscatter — replies of
 * a victim of spoofed-source DoS traffic. Each rule and its source are
 * documented in fingerprint.c and docs/classification.md. */
#ifndef TT_CLASSIFY_FINGERPRINT_H
#define TT_CLASSIFY_FINGERPRINT_H

#include <stdbool.h>

#include "decode/packet.h"

/* Stored in the store (one byte): never renumber, only append. */
typedef enum tt_kind {
    TT_KIND_OTHER = 0,           /* no rule matched */
    TT_KIND_MIRAI = 1,           /* TCP SYN, seq == destination IPv4 address */
    TT_KIND_MASSCAN = 2,         /* SYN, IP ID == (dst ^ dport ^ seq) & 0xffff */
    TT_KIND_ZMAP = 3,            /* SYN, IP ID 54321 (ZMap before 2.x randomisation) */
    TT_KIND_NMAP = 4,            /* Nmap SYN scan: its window/option patterns */
    TT_KIND_UNICORNSCAN = 5,     /* Unicornscan's marks, if pinned down */
    TT_KIND_GENERIC_SYN = 6,     /* SYN without options and a fixed small window: some scanner */
    TT_KIND_BACKSCATTER_SYNACK = 7,
    TT_KIND_BACKSCATTER_RST = 8,  /* RST or RST-ACK */
    TT_KIND_BACKSCATTER_ICMP = 9, /* ICMP/ICMPv6 error quoting a packet "from" the telescope */
    TT_KIND_COUNT
} tt_kind;

/* "other", "mirai", "masscan", "zmap", "nmap", "unicornscan", "generic_syn",
 * "backscatter_synack", "backscatter_rst", "backscatter_icmp". */
const char *tt_kind_name(tt_kind kind);
/* Parses a name back (case-sensitive); false if unknown. */
bool tt_kind_parse(const char *name, tt_kind *out);
bool tt_kind_is_backscatter(tt_kind kind);

/* Classifies a decoded packet (outcome OK). Pure function of the header. */
tt_kind tt_fingerprint(const tt_packet *pkt);

#endif
