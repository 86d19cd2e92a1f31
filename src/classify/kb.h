/* The knowledge base: what a destination port (or a UDP payload) is known
 * for — products, vulnerabilities (CVE ids), malware families, attack tools —
 * each with a reference URL and a date, and port categories (ICS, IoT,
 * databases, remote access, ...). The built-in base is data/kb.conf,
 * compiled into teiten; users extend it with their own files in the same
 * format (documented in docs/knowledge-base.md). */
#ifndef TT_CLASSIFY_KB_H
#define TT_CLASSIFY_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct tt_kb_entry {
    const char *id;          /* the section name, unique */
    uint8_t proto;           /* 6, 17, 1, 58 */
    int32_t port;            /* -1 for payload-only entries */
    const char *category;    /* e.g. "ics", "iot", "database", "remote-access", "web", "reflection" */
    const char *title;       /* one line, e.g. "Netis/Netcore router backdoor" */
    const char *products;    /* free text, may be "" */
    const char *cves;        /* comma-separated CVE ids, may be "" */
    const char *malware;     /* comma-separated families, may be "" */
    const char *tools;       /* comma-separated attack/scan tools, may be "" */
    const char *reference;   /* URL */
    const char *date;        /* YYYY-MM-DD the knowledge dates from */
    const uint8_t *payload;  /* UDP/TCP payload prefix signature, or NULL */
    size_t payload_len;
} tt_kb_entry;

typedef struct tt_kb tt_kb;

/* Loads the built-in base. */
TT_MUST_CHECK tt_status tt_kb_builtin(tt_kb **out, char *err, size_t errlen);
/* Adds entries from a user file (same format); errors name file:line. */
TT_MUST_CHECK tt_status tt_kb_add_file(tt_kb *kb, const char *path, char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_kb_add_text(tt_kb *kb, const char *text, size_t len, const char *name, char *err,
                                       size_t errlen);
void tt_kb_free(tt_kb *kb); /* accepts NULL */

size_t tt_kb_count(const tt_kb *kb);
const tt_kb_entry *tt_kb_get(const tt_kb *kb, size_t index);
/* Entries for proto/port, up to max, in file order; returns how many. */
size_t tt_kb_lookup(const tt_kb *kb, uint8_t proto, int32_t port, const tt_kb_entry **out, size_t max);
/* The first entry whose payload signature is a prefix of payload (for proto/port, or any port). */
const tt_kb_entry *tt_kb_match_payload(const tt_kb *kb, uint8_t proto, int32_t port, const uint8_t *payload,
                                       size_t len);
/* The category of a port (first entry's), or NULL. */
const char *tt_kb_category(const tt_kb *kb, uint8_t proto, int32_t port);

#endif
