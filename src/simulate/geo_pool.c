/* Country pools from libloc (see geo_pool.h). */
#include "simulate/geo_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>

#define GEO_DEFAULT_PATH "/usr/share/libloc-location/location.db"
/* Probes spent on the pools: ~1.4 µs each. 100 k IPv4 probes leave even the
 * smaller countries of the mix (RO, TH, UA) with more than 150 networks. */
#define GEO_PROBES_V4 100000
#define GEO_PROBES_V6 40000
#define GEO_NETS_V4 256 /* networks kept per country */
#define GEO_NETS_V6 64
#define GEO_UNKNOWN_MAX 512
#define GEO_DRAW_TRIES 24
/* IPv6 networks shorter than this are registry-wide blocks (2400::/12 "AU")
 * rather than one operator's space: not a plausible home for a bot. */
#define GEO_V6_MIN_PREFIX 19

typedef struct geo_net4 {
    uint32_t base;  /* host order, host bits clear */
    uint32_t probe; /* the verified address that found this network */
    uint8_t bits;
} geo_net4;

typedef struct geo_net6 {
    uint8_t base[16];
    uint8_t probe[16];
    uint8_t bits;
} geo_net6;

typedef struct geo_pool {
    uint32_t n4, n6;
    geo_net4 v4[GEO_NETS_V4];
    geo_net6 v6[GEO_NETS_V6];
} geo_pool;

struct tt_sim_geo {
    struct loc_ctx *ctx;
    struct loc_database *db;
    FILE *file;
    geo_pool *pools[26 * 26]; /* by country code letters */
    uint32_t unknown[GEO_UNKNOWN_MAX];
    uint32_t n_unknown;
};

static int cc_index(const char *cc)
{
    if (cc == NULL || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2] != '\0')
        return -1;
    return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

/* Reserved and special-purpose IPv4 space: never a bot, never probed. */
static bool v4_reserved(uint32_t a)
{
    uint32_t o = a >> 24;
    return o == 0 || o == 10 || o == 127 || o >= 224 || (a >> 22) == (0x64400000u >> 22) ||
           (a >> 16) == 0xa9feu || (a >> 20) == 0xac1u || (a >> 16) == 0xc0a8u || (a >> 8) == 0xc00000u ||
           (a >> 8) == 0xc00002u || (a >> 17) == (0xc6120000u >> 17) || (a >> 8) == 0xc63364u ||
           (a >> 8) == 0xcb0071u;
}

static void v4_to_in6(uint32_t a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = 0xff;
    out->s6_addr[11] = 0xff;
    out->s6_addr[12] = (uint8_t)(a >> 24);
    out->s6_addr[13] = (uint8_t)(a >> 16);
    out->s6_addr[14] = (uint8_t)(a >> 8);
    out->s6_addr[15] = (uint8_t)a;
}

/* Returns the network for `addr` (caller unrefs) or NULL on a miss: libloc
 * can return non-zero with no network, or zero with a NULL one. */
static struct loc_network *geo_find(tt_sim_geo *geo, const struct in6_addr *addr)
{
    struct loc_network *net = NULL;
    if (loc_database_lookup(geo->db, addr, &net) != 0 || net == NULL) {
        if (net)
            loc_network_unref(net);
        return NULL;
    }
    return net;
}

uint32_t tt_sim_geo_asn(tt_sim_geo *geo, const tt_addr *addr)
{
    struct in6_addr in6;
    memcpy(in6.s6_addr, addr->bytes, 16);
    struct loc_network *net = geo_find(geo, &in6);
    if (net == NULL)
        return 0;
    uint32_t asn = loc_network_get_asn(net);
    loc_network_unref(net);
    return asn;
}

/* Copies the network's country into cc; false when it has none. */
static bool net_country(struct loc_network *net, char cc[3])
{
    const char *code = loc_network_get_country_code(net);
    if (code == NULL || cc_index(code) < 0)
        return false;
    cc[0] = code[0];
    cc[1] = code[1];
    cc[2] = '\0';
    return true;
}

static geo_pool *pool_for(tt_sim_geo *geo, const char *cc, bool create)
{
    int i = cc_index(cc);
    if (i < 0)
        return NULL;
    if (geo->pools[i] == NULL && create)
        geo->pools[i] = calloc(1, sizeof(geo_pool));
    return geo->pools[i];
}

static tt_status probe_v4(tt_sim_geo *geo, tt_sim_rng *r)
{
    for (int i = 0; i < GEO_PROBES_V4; i++) {
        uint32_t a = (uint32_t)tt_sim_rng_next(r);
        if (v4_reserved(a))
            continue;
        struct in6_addr in6;
        v4_to_in6(a, &in6);
        struct loc_network *net = geo_find(geo, &in6);
        if (net == NULL) {
            if (geo->n_unknown < GEO_UNKNOWN_MAX)
                geo->unknown[geo->n_unknown++] = a;
            continue;
        }
        char cc[3];
        if (net_country(net, cc)) {
            geo_pool *pool = pool_for(geo, cc, true);
            if (pool == NULL) {
                loc_network_unref(net);
                return TT_ERR_NOMEM;
            }
            unsigned prefix = loc_network_prefix(net); /* 96 + n for IPv4 in libloc 0.9 */
            if (prefix > 32)
                prefix -= 96;
            if (prefix > 32)
                prefix = 32;
            uint32_t base = prefix ? a & (~0u << (32 - prefix)) : 0;
            /* Each network once: probes hit big blocks (a /8 of a defence
             * department) far more often than the ISP networks bots live in. */
            bool known = false;
            for (uint32_t k = 0; k < pool->n4 && !known; k++)
                known = pool->v4[k].base == base && pool->v4[k].bits == prefix;
            if (!known && pool->n4 < GEO_NETS_V4) {
                geo_net4 *n = &pool->v4[pool->n4++];
                n->bits = (uint8_t)prefix;
                n->base = base;
                n->probe = a;
            }
        }
        loc_network_unref(net);
    }
    return TT_OK;
}

static tt_status probe_v6(tt_sim_geo *geo, tt_sim_rng *r)
{
    /* Regions where the registries hand out operator space. */
    static const struct {
        uint8_t b0, b1;
        uint8_t bits;
    } regions[] = {
        {0x20, 0x01, 16}, {0x20, 0x03, 16}, {0x24, 0x00, 12}, {0x26, 0x00, 12}, {0x28, 0x00, 12},
        {0x2a, 0x00, 12}, {0x2c, 0x00, 12}, {0x24, 0x08, 16}, {0x24, 0x0e, 16},
    };
    const unsigned n_regions = sizeof regions / sizeof regions[0];
    for (int i = 0; i < GEO_PROBES_V6; i++) {
        struct in6_addr in6;
        uint64_t hi = tt_sim_rng_next(r), lo = tt_sim_rng_next(r);
        for (int k = 0; k < 8; k++) {
            in6.s6_addr[k] = (uint8_t)(hi >> (56 - 8 * k));
            in6.s6_addr[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
        }
        unsigned reg = (unsigned)i % n_regions;
        in6.s6_addr[0] = regions[reg].b0;
        if (regions[reg].bits == 16)
            in6.s6_addr[1] = regions[reg].b1;
        else
            in6.s6_addr[1] &= 0x0f;
        struct loc_network *net = geo_find(geo, &in6);
        if (net == NULL)
            continue;
        char cc[3];
        unsigned prefix = loc_network_prefix(net);
        if (net_country(net, cc) && prefix >= GEO_V6_MIN_PREFIX && prefix <= 128) {
            geo_pool *pool = pool_for(geo, cc, true);
            if (pool == NULL) {
                loc_network_unref(net);
                return TT_ERR_NOMEM;
            }
            geo_net6 cand;
            cand.bits = (uint8_t)prefix;
            memcpy(cand.probe, in6.s6_addr, 16);
            memcpy(cand.base, in6.s6_addr, 16);
            for (unsigned b = prefix; b < 128; b++)
                cand.base[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
            bool known = false;
            for (uint32_t k = 0; k < pool->n6 && !known; k++)
                known = pool->v6[k].bits == cand.bits && memcmp(pool->v6[k].base, cand.base, 16) == 0;
            if (!known && pool->n6 < GEO_NETS_V6)
                pool->v6[pool->n6++] = cand;
        }
        loc_network_unref(net);
    }
    return TT_OK;
}

tt_status tt_sim_geo_open(const char *path, uint64_t seed, tt_sim_geo **out, char *err, size_t errlen)
{
    const char *db_path = path ? path : GEO_DEFAULT_PATH;
    tt_status st = TT_OK;
    *out = NULL;
    tt_sim_geo *geo = calloc(1, sizeof *geo);
    if (geo == NULL) {
        snprintf(err, errlen, "out of memory");
        return TT_ERR_NOMEM;
    }
    geo->file = fopen(db_path, "r");
    if (geo->file == NULL) {
        snprintf(err, errlen, "%s: %s", db_path, strerror(errno));
        st = TT_ERR_IO;
        goto cleanup;
    }
    if (loc_new(&geo->ctx) != 0) {
        snprintf(err, errlen, "libloc: cannot create a context");
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    if (loc_database_new(geo->ctx, &geo->db, geo->file) != 0) {
        snprintf(err, errlen, "%s: not a libloc location database", db_path);
        st = TT_ERR_FORMAT;
        goto cleanup;
    }
    tt_sim_rng r;
    tt_sim_rng_seed(&r, seed, TT_SIM_STREAM_GEO, 0);
    st = probe_v4(geo, &r);
    if (st == TT_OK)
        st = probe_v6(geo, &r);
    if (st != TT_OK) {
        snprintf(err, errlen, "%s: out of memory while building country pools", db_path);
        goto cleanup;
    }
    *out = geo;
    return TT_OK;
cleanup:
    tt_sim_geo_close(geo);
    return st;
}

void tt_sim_geo_close(tt_sim_geo *geo)
{
    if (geo == NULL)
        return;
    for (size_t i = 0; i < sizeof geo->pools / sizeof geo->pools[0]; i++)
        free(geo->pools[i]);
    if (geo->db)
        loc_database_unref(geo->db);
    if (geo->ctx)
        loc_unref(geo->ctx);
    if (geo->file)
        fclose(geo->file);
    free(geo);
}

bool tt_sim_geo_has(const tt_sim_geo *geo, const char *cc, int family)
{
    if (strcmp(cc, TT_SIM_CC_UNKNOWN) == 0)
        return family == 4 && geo->n_unknown > 0;
    int i = cc_index(cc);
    if (i < 0 || geo->pools[i] == NULL)
        return false;
    return family == 4 ? geo->pools[i]->n4 > 0 : geo->pools[i]->n6 > 0;
}

static bool lookup_in6(tt_sim_geo *geo, const struct in6_addr *in6, char cc[3])
{
    struct loc_network *net = geo_find(geo, in6);
    if (net == NULL)
        return false;
    bool found = net_country(net, cc);
    loc_network_unref(net);
    return found;
}

static bool draw_unknown(tt_sim_geo *geo, tt_sim_rng *r, tt_addr *out)
{
    if (geo->n_unknown == 0)
        return false;
    uint32_t base = geo->unknown[tt_sim_rng_below(r, geo->n_unknown)];
    for (int t = 0; t < GEO_DRAW_TRIES; t++) {
        uint32_t a = (base & 0xffffff00u) | tt_sim_rng_range(r, 1, 254);
        struct in6_addr in6;
        v4_to_in6(a, &in6);
        struct loc_network *net = geo_find(geo, &in6);
        if (net == NULL) {
            tt_addr_from_v4(out, a);
            return true;
        }
        loc_network_unref(net);
    }
    tt_addr_from_v4(out, base); /* a miss when probed */
    return true;
}

bool tt_sim_geo_draw(tt_sim_geo *geo, tt_sim_rng *r, const char *cc, int family, tt_addr *out)
{
    if (strcmp(cc, TT_SIM_CC_UNKNOWN) == 0)
        return family == 4 && draw_unknown(geo, r, out);
    geo_pool *pool = pool_for(geo, cc, false);
    if (pool == NULL || (family == 4 ? pool->n4 : pool->n6) == 0)
        return false;
    char got[3];
    if (family == 4) {
        const geo_net4 *n = &pool->v4[tt_sim_rng_below(r, pool->n4)];
        uint32_t host_mask = n->bits >= 32 ? 0 : ~0u >> n->bits;
        for (int t = 0; t < GEO_DRAW_TRIES; t++) {
            uint32_t a = n->base | ((uint32_t)tt_sim_rng_next(r) & host_mask);
            /* .0 and .255 are rarely hosts: keep sources plausible. */
            if (host_mask >= 0xff && ((a & 0xff) == 0 || (a & 0xff) == 0xff))
                continue;
            struct in6_addr in6;
            v4_to_in6(a, &in6);
            if (lookup_in6(geo, &in6, got) && strcmp(got, cc) == 0) {
                tt_addr_from_v4(out, a);
                return true;
            }
        }
        tt_addr_from_v4(out, n->probe);
        return true;
    }
    const geo_net6 *n = &pool->v6[tt_sim_rng_below(r, pool->n6)];
    for (int t = 0; t < GEO_DRAW_TRIES; t++) {
        struct in6_addr in6;
        uint64_t hi = tt_sim_rng_next(r), lo = tt_sim_rng_next(r);
        for (int k = 0; k < 8; k++) {
            in6.s6_addr[k] = (uint8_t)(hi >> (56 - 8 * k));
            in6.s6_addr[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
        }
        for (unsigned b = 0; b < n->bits; b++) {
            uint8_t bit = (uint8_t)(0x80u >> (b % 8));
            in6.s6_addr[b / 8] = (uint8_t)((in6.s6_addr[b / 8] & ~bit) | (n->base[b / 8] & bit));
        }
        if (lookup_in6(geo, &in6, got) && strcmp(got, cc) == 0) {
            memcpy(out->bytes, in6.s6_addr, 16);
            return true;
        }
    }
    memcpy(out->bytes, n->probe, 16);
    return true;
}
