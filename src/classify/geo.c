/* libloc-backed country attribution with an address cache. */
#include "classify/geo.h"

#include <errno.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

typedef struct geo_slot {
    tt_addr addr;
    tt_cc cc; /* 0 = empty slot */
} geo_slot;

struct tt_geo {
    struct loc_ctx *ctx;
    struct loc_database *db;
    geo_slot *cache;
    size_t cache_slots, cache_used, misses;
};

tt_status tt_geo_open(const char *path, tt_geo **out, char *err, size_t errlen)
{
    *out = NULL;
    if (path == NULL)
        path = TT_GEO_DEFAULT_PATH;
    tt_geo *geo = calloc(1, sizeof *geo);
    if (geo == NULL)
        return TT_ERR_NOMEM;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s (install Debian's libloc-database, or pass --geo FILE)", path,
                 strerror(errno));
        free(geo);
        return TT_ERR_IO;
    }
    tt_status st = TT_ERR_FORMAT;
    if (loc_new(&geo->ctx) != 0) {
        snprintf(err, errlen, "libloc: cannot create context");
        goto fail;
    }
    if (loc_database_new(geo->ctx, &geo->db, f) != 0) {
        snprintf(err, errlen, "%s: not a valid libloc location database", path);
        goto fail;
    }
    fclose(f);
    f = NULL;
    /* Power of two, at most TT_LIMIT_GEO_CACHE; cleared when half full. */
    geo->cache_slots = TT_LIMIT_GEO_CACHE;
    geo->cache = calloc(geo->cache_slots, sizeof *geo->cache);
    if (geo->cache == NULL) {
        st = TT_ERR_NOMEM;
        goto fail;
    }
    *out = geo;
    return TT_OK;
fail:
    if (f)
        fclose(f);
    tt_geo_close(geo);
    return st;
}

void tt_geo_close(tt_geo *geo)
{
    if (geo == NULL)
        return;
    if (geo->db)
        loc_database_unref(geo->db);
    if (geo->ctx)
        loc_unref(geo->ctx);
    free(geo->cache);
    free(geo);
}

static tt_cc lookup_uncached(tt_geo *geo, const tt_addr *src)
{
    struct in6_addr address;
    memcpy(address.s6_addr, src->bytes, 16);
    struct loc_network *network = NULL;
    tt_cc cc = TT_CC_UNKNOWN;
    /* A miss can return non-zero or zero with a NULL network: check both. */
    if (loc_database_lookup(geo->db, &address, &network) == 0 && network != NULL) {
        const char *code = loc_network_get_country_code(network);
        if (code && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z' &&
            code[2] == '\0')
            cc = tt_cc_make(code);
    }
    if (network)
        loc_network_unref(network);
    geo->misses++;
    return cc;
}

static size_t addr_slot(const tt_addr *a, size_t slots)
{
    uint64_t hi, lo;
    memcpy(&hi, a->bytes, 8);
    memcpy(&lo, a->bytes + 8, 8);
    uint64_t h = (hi * 0x9e3779b97f4a7c15ull) ^ (lo * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 29;
    return (size_t)h & (slots - 1);
}

tt_cc tt_geo_country(tt_geo *geo, const tt_addr *src)
{
    size_t mask = geo->cache_slots - 1;
    size_t slot = addr_slot(src, geo->cache_slots);
    while (geo->cache[slot].cc != 0) {
        if (memcmp(geo->cache[slot].addr.bytes, src->bytes, 16) == 0)
            return geo->cache[slot].cc;
        slot = (slot + 1) & mask;
    }
    tt_cc cc = lookup_uncached(geo, src);
    if (geo->cache_used >= geo->cache_slots / 2) {
        memset(geo->cache, 0, geo->cache_slots * sizeof *geo->cache);
        geo->cache_used = 0;
        slot = addr_slot(src, geo->cache_slots);
    }
    geo->cache[slot].addr = *src;
    geo->cache[slot].cc = cc;
    geo->cache_used++;
    return cc;
}

const char *tt_geo_country_name(tt_geo *geo, tt_cc cc, char *buf, size_t len)
{
    char code[3];
    tt_cc_text(cc, code);
    buf[0] = '\0';
    struct loc_country *country = NULL;
    if (geo && loc_database_get_country(geo->db, &country, code) == 0 && country != NULL) {
        const char *name = loc_country_get_name(country);
        snprintf(buf, len, "%s", name ? name : "");
        loc_country_unref(country);
    }
    return buf;
}

size_t tt_geo_misses(const tt_geo *geo) { return geo->misses; }
