/* Source attributes fixed at observation time: country, autonomous system and
 * network flags, from the IPFire location database (libloc, the default) or
 * from MaxMind-format .mmdb files (GeoLite2, DB-IP) through libmaxminddb, plus
 * an optional list of known-scanner prefixes.
 *
 * Lookups are cached per address: a database lookup costs ~1.4 us, and a
 * telescope sees the same sources again and again. One lookup gives country,
 * AS number and flags together.
 *
 * A tt_geo is not thread-safe (the cache is written by lookups): use it from
 * one thread at a time. */
#ifndef TT_CLASSIFY_GEO_H
#define TT_CLASSIFY_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "classify/prefix_list.h"
#include "store/segment.h"
#include "util/addr.h"
#include "util/status.h"

#define TT_GEO_DEFAULT_PATH "/usr/share/libloc-location/location.db"

/* Source flags. The store keeps them as one byte: never renumber, only add
 * (bits 5..7 are free). */
#define TT_GEO_ANYCAST 0x01         /* anycast network (libloc A3, GeoIP2 traits.is_anycast) */
#define TT_GEO_SATELLITE 0x02       /* satellite provider (libloc A2, traits.is_satellite_provider) */
#define TT_GEO_ANONYMOUS_PROXY 0x04 /* anonymous proxy (libloc A1, traits.is_anonymous_proxy) */
#define TT_GEO_KNOWN_SCANNER 0x08   /* in the scanner prefix list (tt_geo_set_scanner_list) */
#define TT_GEO_DROP                                                                                          \
    0x10 /* libloc XD: on a "don't route or peer" list (Spamhaus DROP...);                                   \
            libloc only */

typedef struct tt_geo_info {
    tt_cc cc;      /* TT_CC_UNKNOWN ("ZZ") when the database has no country */
    uint32_t asn;  /* 0 when unknown */
    uint8_t flags; /* TT_GEO_* */
} tt_geo_info;

typedef struct tt_geo tt_geo;

/* Which databases to use. With no mmdb path, libloc is used (libloc_path,
 * or TT_GEO_DEFAULT_PATH when NULL). With one or both mmdb paths, only the
 * .mmdb files are used: a country database (GeoLite2-Country/City, DB-IP
 * country: country.iso_code, else registered_country.iso_code; traits.*
 * flags) and an AS database (GeoLite2-ASN, DB-IP ASN:
 * autonomous_system_number and _organization). Giving libloc_path and an
 * mmdb path together is a usage error. */
typedef struct tt_geo_config {
    const char *libloc_path;
    const char *mmdb_country_path;
    const char *mmdb_asn_path;
} tt_geo_config;

/* config NULL = libloc at TT_GEO_DEFAULT_PATH. The paths are copied. */
TT_MUST_CHECK tt_status tt_geo_open_config(const tt_geo_config *config, tt_geo **out, char *err,
                                           size_t errlen);
/* libloc at path (NULL = TT_GEO_DEFAULT_PATH). */
TT_MUST_CHECK tt_status tt_geo_open(const char *path, tt_geo **out, char *err, size_t errlen);
void tt_geo_close(tt_geo *geo); /* accepts NULL; does not free the scanner list */

/* What is used, for the store to record, e.g.
 *   "libloc /usr/share/libloc-location/location.db (IPFire Project, created 2022-10-29)"
 *   "mmdb country=/x/GeoLite2-Country.mmdb (GeoLite2-Country, built 2024-01-02)
 *    asn=/x/GeoLite2-ASN.mmdb (GeoLite2-ASN, built 2024-01-02)"   (one line)
 * Owned by geo. */
const char *tt_geo_source(const tt_geo *geo);

/* Country, AS and flags of a source. */
void tt_geo_lookup(tt_geo *geo, const tt_addr *src, tt_geo_info *out);
/* Fixes country, AS and flags of detail rows sorted by source: one lookup
 * per distinct source. */
void tt_geo_fill_rows(tt_geo *geo, tt_detail_row *rows, size_t n);
/* Country of a source; TT_CC_UNKNOWN ("ZZ") when the database has none. */
tt_cc tt_geo_country(tt_geo *geo, const tt_addr *src);

/* English name of a country code, or "" when unknown (geo may be NULL).
 * With mmdb, names come from the country database's country.names.en: the
 * first call reads the whole database once. */
const char *tt_geo_country_name(tt_geo *geo, tt_cc cc, char *buf, size_t len);
/* Name of an autonomous system, or "" when unknown (geo may be NULL). Cut at
 * len - 1 bytes on a UTF-8 character boundary. With mmdb, the first call reads
 * the whole AS database once (~60 ms for 200,000 networks of 80,000 ASes). */
const char *tt_geo_as_name(tt_geo *geo, uint32_t asn, char *buf, size_t len);

/* Known-scanner prefixes: sources in list get TT_GEO_KNOWN_SCANNER. The list
 * must be finished; it stays owned by the caller and must outlive geo (or be
 * detached with NULL). Setting it empties the cache. */
void tt_geo_set_scanner_list(tt_geo *geo, const tt_prefix_list *list);
const tt_prefix_list *tt_geo_scanner_list(const tt_geo *geo);
/* Label index in the scanner list (tt_prefix_list_label), or -1. Not cached. */
int tt_geo_scanner_label(tt_geo *geo, const tt_addr *src);

/* Lookups that went to the databases (cache misses), for diagnostics. */
size_t tt_geo_misses(const tt_geo *geo);

#endif
