/* Passive OS / device hints: TCP SYN packets matched against p0f's
 * signature database (Debian's p0f ships /etc/p0f/p0f.fp; it is read at run
 * time, not copied), plus initial-TTL estimates. The aim is the one a
 * telescope report sets: tell scanning from embedded/IoT devices apart from
 * scanning by PCs and servers. */
#ifndef TT_CLASSIFY_P0F_H
#define TT_CLASSIFY_P0F_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "util/status.h"

#define TT_P0F_DEFAULT_PATH "/etc/p0f/p0f.fp"

/* Stored in the store (one byte): never renumber, only append. */
typedef enum tt_os_class {
    TT_OS_UNKNOWN = 0,  /* not a SYN, or no signature matched */
    TT_OS_WINDOWS = 1,  /* PCs */
    TT_OS_MACOS = 2,    /* Mac OS X / iOS */
    TT_OS_LINUX = 3,    /* Linux 3.x+ and other full-featured Unix stacks: servers, PCs */
    TT_OS_BSD = 4,      /* FreeBSD, OpenBSD, NetBSD */
    TT_OS_EMBEDDED = 5, /* stacks typical of embedded/IoT devices (e.g. old or barebone Linux) */
    TT_OS_SOLARIS = 6,  /* Solaris, HP-UX, AIX and other server Unixes */
    TT_OS_TOOL = 7,     /* p0f labels the packet as a tool's (nmap, ...) */
    TT_OS_OTHER = 8,    /* matched a signature of another class */
    TT_OS_COUNT
} tt_os_class;

/* "unknown", "windows", "macos", "linux", "bsd", "embedded", "solaris", "tool", "other" */
const char *tt_os_class_name(tt_os_class os);
/* "pc/server", "embedded/iot", "tool", "unknown": the device question of the report. */
const char *tt_os_device_name(tt_os_class os);

typedef struct tt_p0f tt_p0f;

/* path NULL = TT_P0F_DEFAULT_PATH. A bad line is an error naming file:line. */
TT_MUST_CHECK tt_status tt_p0f_load(const char *path, tt_p0f **out, char *err, size_t errlen);
TT_MUST_CHECK tt_status tt_p0f_parse(const char *text, size_t len, const char *name, tt_p0f **out, char *err,
                                     size_t errlen);
void tt_p0f_free(tt_p0f *db); /* accepts NULL */
size_t tt_p0f_signature_count(const tt_p0f *db);

/* Matches a TCP SYN (not SYN-ACK) against the tcp:request signatures.
 * Returns the class; *label (may be NULL) gets p0f's label text such as
 * "s:unix:Linux:3.11 and newer", valid while db lives. Fast: called for every
 * SYN during ingest. */
tt_os_class tt_p0f_match(const tt_p0f *db, const tt_packet *pkt, const char **label);

/* The usual initial TTL the observed TTL decayed from (32, 64, 128 or 255). */
uint8_t tt_initial_ttl(uint8_t ttl);

#endif
