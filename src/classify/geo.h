/* Source country through the IPFire location database (libloc), fixed at
 * observation time. Lookups are cached per address: a libloc lookup costs
 * ~1.4 us, and a telescope sees the same sources again and again. */
#ifndef TT_CLASSIFY_GEO_H
#define TT_CLASSIFY_GEO_H

#include <stddef.h>

#include "store/segment.h"
#include "util/addr.h"
#include "util/status.h"

#define TT_GEO_DEFAULT_PATH "/usr/share/libloc-location/location.db"

typedef struct tt_geo tt_geo;

/* path NULL = TT_GEO_DEFAULT_PATH. */
TT_MUST_CHECK tt_status tt_geo_open(const char *path, tt_geo **out, char *err, size_t errlen);
void tt_geo_close(tt_geo *geo); /* accepts NULL */

/* Country of a source; TT_CC_UNKNOWN ("ZZ") when the database has none. */
tt_cc tt_geo_country(tt_geo *geo, const tt_addr *src);
/* English name of a country code, or "" when unknown. */
const char *tt_geo_country_name(tt_geo *geo, tt_cc cc, char *buf, size_t len);
/* Lookups that went to libloc (cache misses), for diagnostics. */
size_t tt_geo_misses(const tt_geo *geo);

#endif
