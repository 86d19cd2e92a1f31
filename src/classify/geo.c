/* Source attribution (country, AS, flags) from libloc or MaxMind-format
 * databases, behind one address cache. Both backends answer the same
 * question per source; which one is used is configuration. */
#include "classify/geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libloc/as.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "util/hashmap.h"
#include "util/limits.h"
#include "util/parse.h"

/* One cached answer; cc 0 marks an empty slot (a filled one is at least "ZZ"). */
typedef struct geo_slot {
    tt_addr addr;
    uint32_t asn;
    tt_cc cc;
    uint8_t flags;
} geo_slot;

typedef enum geo_backend { BACKEND_LIBLOC, BACKEND_MMDB } geo_backend;

/* AS number → name, from a walk over an mmdb AS database. */
typedef struct as_name {
    uint32_t asn;
    uint32_t name; /* offset into as_pool */
} as_name;

#define CC_INDEX(c0, c1) (((c0) - 'A') * 26 + ((c1) - 'A'))

struct tt_geo {
    geo_backend backend;
    char *source; /* tt_geo_source */
    /* libloc */
    struct loc_ctx *ctx;
    struct loc_database *db;
    /* mmdb */
    MMDB_s country_db, asn_db;
    bool have_country_db, have_asn_db;
    bool country_names_loaded, as_names_loaded;
    char *country_names[26 * 26]; /* by CC_INDEX */
    as_name *as_names;            /* sorted by asn, one per asn */
    size_t nas_names, as_names_cap;
    char *as_pool;
    size_t as_pool_len, as_pool_cap;
    /* both */
    const tt_prefix_list *scanners; /* borrowed */
    geo_slot *cache;
    size_t cache_slots, cache_used, misses;
};

static bool valid_cc(const char *code, size_t len)
{
    return len == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

/* Copies at most len - 1 bytes of text (src_len bytes, not necessarily
 * NUL-terminated), cutting on a UTF-8 character boundary. */
static const char *copy_text(char *buf, size_t len, const char *src, size_t src_len)
{
    if (len == 0)
        return buf;
    size_t n = src_len < len - 1 ? src_len : len - 1;
    if (n < src_len)
        while (n > 0 && ((uint8_t)src[n] & 0xc0) == 0x80)
            n--;
    memcpy(buf, src, n);
    buf[n] = '\0';
    return buf;
}

static const char *format_day(uint64_t epoch, char *buf, size_t len)
{
    if (epoch == 0 || epoch / 86400 > INT32_MAX) {
        snprintf(buf, len, "unknown date");
        return buf;
    }
    return tt_format_date((int32_t)(epoch / 86400), buf, len);
}

/* ---- opening ---- */

static tt_status open_libloc(tt_geo *geo, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s (install Debian's libloc-database, or pass --geo FILE)", path,
                 strerror(errno));
        return TT_ERR_IO;
    }
    tt_status st = TT_ERR_FORMAT;
    if (loc_new(&geo->ctx) != 0) {
        geo->ctx = NULL;
        snprintf(err, errlen, "libloc: cannot create context");
        goto cleanup;
    }
    /* Our messages say what went wrong; libloc's own lines on stderr would
     * only repeat it. LOC_LOG=debug still shows them. */
    if (getenv("LOC_LOG") == NULL)
        loc_set_log_priority(geo->ctx, LOG_CRIT);
    if (loc_database_new(geo->ctx, &geo->db, f) != 0) {
        geo->db = NULL;
        /* A common mistake deserves a precise message. */
        MMDB_s probe;
        if (MMDB_open(path, MMDB_MODE_MMAP, &probe) == MMDB_SUCCESS) {
            MMDB_close(&probe);
            snprintf(err, errlen,
                     "%s: a MaxMind-format database, not a libloc one (configure it as the mmdb country or "
                     "AS database)",
                     path);
        } else {
            snprintf(err, errlen, "%s: not a valid libloc location database", path);
        }
        goto cleanup;
    }
    const char *vendor = loc_database_get_vendor(geo->db);
    char day[16];
    format_day((uint64_t)loc_database_created_at(geo->db), day, sizeof day);
    size_t size = strlen(path) + (vendor ? strlen(vendor) : 0) + 64;
    geo->source = malloc(size);
    if (geo->source == NULL) {
        st = TT_ERR_NOMEM;
        goto cleanup;
    }
    snprintf(geo->source, size, "libloc %s (%s, created %s)", path,
             vendor && vendor[0] ? vendor : "unknown vendor", day);
    geo->backend = BACKEND_LIBLOC;
    st = TT_OK;
cleanup:
    fclose(f);
    return st;
}

static tt_status open_mmdb(MMDB_s *db, const char *path, char *err, size_t errlen)
{
    int status = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (status == MMDB_SUCCESS)
        return TT_OK;
    if (status == MMDB_FILE_OPEN_ERROR) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return TT_ERR_IO;
    }
    if (status == MMDB_IO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, MMDB_strerror(status));
        return TT_ERR_IO;
    }
    if (status == MMDB_OUT_OF_MEMORY_ERROR)
        return TT_ERR_NOMEM;
    snprintf(err, errlen, "%s: not a valid MaxMind DB (%s)", path, MMDB_strerror(status));
    return TT_ERR_FORMAT;
}

/* "ROLE=PATH (TYPE, built YYYY-MM-DD)" in a new string, or NULL. */
static char *describe_mmdb(const char *role, const char *path, const MMDB_s *db)
{
    char day[16];
    const char *type = db->metadata.database_type ? db->metadata.database_type : "unknown type";
    format_day(db->metadata.build_epoch, day, sizeof day);
    size_t size = strlen(role) + strlen(path) + strlen(type) + strlen(day) + 16;
    char *text = malloc(size);
    if (text)
        snprintf(text, size, "%s=%s (%s, built %s)", role, path, type, day);
    return text;
}

static tt_status open_mmdbs(tt_geo *geo, const tt_geo_config *config, char *err, size_t errlen)
{
    tt_status st;
    if (config->mmdb_country_path) {
        if ((st = open_mmdb(&geo->country_db, config->mmdb_country_path, err, errlen)) != TT_OK)
            return st;
        geo->have_country_db = true;
        const char *type = geo->country_db.metadata.database_type;
        if (type && strstr(type, "ASN")) {
            snprintf(err, errlen,
                     "%s: a '%s' database holds AS numbers, not countries (configure it as the AS "
                     "database)",
                     config->mmdb_country_path, type);
            return TT_ERR_USAGE;
        }
    }
    if (config->mmdb_asn_path) {
        if ((st = open_mmdb(&geo->asn_db, config->mmdb_asn_path, err, errlen)) != TT_OK)
            return st;
        geo->have_asn_db = true;
    }
    char *country = geo->have_country_db
                        ? describe_mmdb("country", config->mmdb_country_path, &geo->country_db)
                        : strdup("");
    char *asn = geo->have_asn_db ? describe_mmdb("asn", config->mmdb_asn_path, &geo->asn_db) : strdup("");
    size_t size = country && asn ? strlen(country) + strlen(asn) + 8 : 0;
    if (size)
        geo->source = malloc(size);
    if (geo->source)
        snprintf(geo->source, size, "mmdb%s%s%s%s", country[0] ? " " : "", country, asn[0] ? " " : "", asn);
    free(country);
    free(asn);
    if (geo->source == NULL)
        return TT_ERR_NOMEM;
    geo->backend = BACKEND_MMDB;
    return TT_OK;
}

tt_status tt_geo_open_config(const tt_geo_config *config, tt_geo **out, char *err, size_t errlen)
{
    static const tt_geo_config defaults = {NULL, NULL, NULL};
    *out = NULL;
    if (config == NULL)
        config = &defaults;
    bool mmdb = config->mmdb_country_path || config->mmdb_asn_path;
    if (mmdb && config->libloc_path) {
        snprintf(err, errlen,
                 "geo: configure either a libloc database or MaxMind-format databases, not both");
        return TT_ERR_USAGE;
    }
    tt_geo *geo = calloc(1, sizeof *geo);
    if (geo == NULL)
        return TT_ERR_NOMEM;
    tt_status st =
        mmdb ? open_mmdbs(geo, config, err, errlen)
             : open_libloc(geo, config->libloc_path ? config->libloc_path : TT_GEO_DEFAULT_PATH, err, errlen);
    if (st != TT_OK)
        goto fail;
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
    if (st == TT_ERR_NOMEM)
        snprintf(err, errlen, "geo: out of memory");
    tt_geo_close(geo);
    return st;
}

tt_status tt_geo_open(const char *path, tt_geo **out, char *err, size_t errlen)
{
    tt_geo_config config = {path, NULL, NULL};
    return tt_geo_open_config(&config, out, err, errlen);
}

void tt_geo_close(tt_geo *geo)
{
    if (geo == NULL)
        return;
    if (geo->db)
        loc_database_unref(geo->db);
    if (geo->ctx)
        loc_unref(geo->ctx);
    if (geo->have_country_db)
        MMDB_close(&geo->country_db);
    if (geo->have_asn_db)
        MMDB_close(&geo->asn_db);
    for (size_t i = 0; i < sizeof geo->country_names / sizeof geo->country_names[0]; i++)
        free(geo->country_names[i]);
    free(geo->as_names);
    free(geo->as_pool);
    free(geo->source);
    free(geo->cache);
    free(geo);
}

const char *tt_geo_source(const tt_geo *geo)
{
    return geo->source;
}

/* ---- lookups ---- */

static void libloc_lookup(tt_geo *geo, const tt_addr *src, tt_geo_info *out)
{
    struct in6_addr address;
    memcpy(address.s6_addr, src->bytes, 16); /* libloc keeps IPv4 as ::ffff:a.b.c.d too */
    struct loc_network *network = NULL;
    /* A miss can return non-zero or zero with a NULL network: check both. */
    if (loc_database_lookup(geo->db, &address, &network) == 0 && network != NULL) {
        const char *code = loc_network_get_country_code(network);
        if (code && valid_cc(code, strlen(code)))
            out->cc = tt_cc_make(code);
        out->asn = loc_network_get_asn(network);
        static const struct {
            uint32_t libloc;
            uint8_t ours;
        } flags[] = {
            {LOC_NETWORK_FLAG_ANONYMOUS_PROXY, TT_GEO_ANONYMOUS_PROXY},
            {LOC_NETWORK_FLAG_SATELLITE_PROVIDER, TT_GEO_SATELLITE},
            {LOC_NETWORK_FLAG_ANYCAST, TT_GEO_ANYCAST},
            {LOC_NETWORK_FLAG_DROP, TT_GEO_DROP},
        };
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
            if (loc_network_has_flag(network, flags[i].libloc))
                out->flags |= flags[i].ours;
    }
    if (network)
        loc_network_unref(network);
}

/* Finds the record of src; false on a miss (including IPv6 in an IPv4-only
 * database). IPv4 goes in as AF_INET so that libmaxminddb starts at the
 * database's IPv4 subtree whether or not ::ffff:0:0/96 is aliased. */
static bool mmdb_find(const MMDB_s *db, const tt_addr *src, MMDB_entry_s *entry)
{
    /* MaxMind-format databases keep IPv4 at ::/96, so an IPv6 lookup of the
     * deprecated IPv4-compatible ::a.b.c.d would answer for a.b.c.d; libloc
     * gives nothing there, and such sources are bogus anyway. */
    static const uint8_t v4_compatible[12];
    if (memcmp(src->bytes, v4_compatible, 12) == 0)
        return false;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *sa;
    if (tt_addr_is_v4(src)) {
        memset(&v4, 0, sizeof v4);
        v4.sin_family = AF_INET;
        memcpy(&v4.sin_addr.s_addr, src->bytes + 12, 4);
        sa = (const struct sockaddr *)&v4;
    } else {
        memset(&v6, 0, sizeof v6);
        v6.sin6_family = AF_INET6;
        memcpy(v6.sin6_addr.s6_addr, src->bytes, 16);
        sa = (const struct sockaddr *)&v6;
    }
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(db, sa, &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS || !result.found_entry)
        return false;
    *entry = result.entry;
    return true;
}

static bool mmdb_string(MMDB_entry_s *entry, const char **text, size_t *len, const char *key1,
                        const char *key2, const char *key3)
{
    MMDB_entry_data_s data;
    if (MMDB_get_value(entry, &data, key1, key2, key3, NULL) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return false;
    *text = data.utf8_string; /* not NUL-terminated */
    *len = data.data_size;
    return true;
}

static bool mmdb_true(MMDB_entry_s *entry, const char *key1, const char *key2)
{
    MMDB_entry_data_s data;
    return MMDB_get_value(entry, &data, key1, key2, NULL) == MMDB_SUCCESS && data.has_data &&
           data.type == MMDB_DATA_TYPE_BOOLEAN && data.boolean;
}

static bool mmdb_asn(MMDB_entry_s *entry, uint32_t *asn)
{
    MMDB_entry_data_s data;
    if (MMDB_get_value(entry, &data, "autonomous_system_number", NULL) != MMDB_SUCCESS || !data.has_data)
        return false;
    switch (data.type) {
    case MMDB_DATA_TYPE_UINT16: *asn = data.uint16; return true;
    case MMDB_DATA_TYPE_UINT32: *asn = data.uint32; return true;
    case MMDB_DATA_TYPE_UINT64:
        if (data.uint64 > UINT32_MAX)
            return false;
        *asn = (uint32_t)data.uint64;
        return true;
    case MMDB_DATA_TYPE_INT32:
        if (data.int32 < 0)
            return false;
        *asn = (uint32_t)data.int32;
        return true;
    default: return false;
    }
}

static void mmdb_lookup(tt_geo *geo, const tt_addr *src, tt_geo_info *out)
{
    MMDB_entry_s entry;
    if (geo->have_country_db && mmdb_find(&geo->country_db, src, &entry)) {
        const char *code;
        size_t len;
        /* Where the address is used, else where its network is registered
         * (GeoIP2 leaves "country" out for some networks, e.g. satellite). */
        if ((mmdb_string(&entry, &code, &len, "country", "iso_code", NULL) && valid_cc(code, len)) ||
            (mmdb_string(&entry, &code, &len, "registered_country", "iso_code", NULL) && valid_cc(code, len)))
            out->cc = tt_cc_make(code);
        MMDB_entry_data_s traits;
        if (MMDB_get_value(&entry, &traits, "traits", NULL) == MMDB_SUCCESS && traits.has_data) {
            if (mmdb_true(&entry, "traits", "is_anycast"))
                out->flags |= TT_GEO_ANYCAST;
            if (mmdb_true(&entry, "traits", "is_satellite_provider"))
                out->flags |= TT_GEO_SATELLITE;
            if (mmdb_true(&entry, "traits", "is_anonymous_proxy"))
                out->flags |= TT_GEO_ANONYMOUS_PROXY;
        }
    }
    if (geo->have_asn_db && mmdb_find(&geo->asn_db, src, &entry))
        (void)mmdb_asn(&entry, &out->asn);
}

static void lookup_uncached(tt_geo *geo, const tt_addr *src, tt_geo_info *out)
{
    out->cc = TT_CC_UNKNOWN;
    out->asn = 0;
    out->flags = 0;
    if (geo->backend == BACKEND_LIBLOC)
        libloc_lookup(geo, src, out);
    else
        mmdb_lookup(geo, src, out);
    if (geo->scanners && tt_prefix_list_lookup(geo->scanners, src) >= 0)
        out->flags |= TT_GEO_KNOWN_SCANNER;
    geo->misses++;
}

/* Every address bit must reach the slot bits: sources arrive in runs that
 * differ only in their last byte (a scanning /24), and a weak hash turns
 * such a run into one long probe chain. The murmur3 finalizer does that. */
static size_t addr_slot(const tt_addr *a, size_t slots)
{
    uint64_t hi, lo;
    memcpy(&hi, a->bytes, 8);
    memcpy(&lo, a->bytes + 8, 8);
    uint64_t h = lo ^ (hi * 0x9e3779b97f4a7c15ull);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (size_t)h & (slots - 1);
}

void tt_geo_lookup(tt_geo *geo, const tt_addr *src, tt_geo_info *out)
{
    size_t mask = geo->cache_slots - 1;
    size_t slot = addr_slot(src, geo->cache_slots);
    while (geo->cache[slot].cc != 0) {
        const geo_slot *s = &geo->cache[slot];
        if (memcmp(s->addr.bytes, src->bytes, 16) == 0) {
            out->cc = s->cc;
            out->asn = s->asn;
            out->flags = s->flags;
            return;
        }
        slot = (slot + 1) & mask;
    }
    lookup_uncached(geo, src, out);
    if (geo->cache_used >= geo->cache_slots / 2) {
        memset(geo->cache, 0, geo->cache_slots * sizeof *geo->cache);
        geo->cache_used = 0;
        slot = addr_slot(src, geo->cache_slots);
    }
    geo_slot *s = &geo->cache[slot];
    s->addr = *src;
    s->cc = out->cc;
    s->asn = out->asn;
    s->flags = out->flags;
    geo->cache_used++;
}

tt_cc tt_geo_country(tt_geo *geo, const tt_addr *src)
{
    tt_geo_info info;
    tt_geo_lookup(geo, src, &info);
    return info.cc;
}

void tt_geo_set_scanner_list(tt_geo *geo, const tt_prefix_list *list)
{
    geo->scanners = list;
    memset(geo->cache, 0, geo->cache_slots * sizeof *geo->cache);
    geo->cache_used = 0;
}

const tt_prefix_list *tt_geo_scanner_list(const tt_geo *geo)
{
    return geo->scanners;
}

int tt_geo_scanner_label(tt_geo *geo, const tt_addr *src)
{
    return geo->scanners ? tt_prefix_list_lookup(geo->scanners, src) : -1;
}

size_t tt_geo_misses(const tt_geo *geo)
{
    return geo->misses;
}

/* ---- names ---- */

/* Calls visit once for each distinct data record of an mmdb: libmaxminddb
 * has no index by value, so names by code or number need one pass over the
 * search tree. */
typedef tt_status (*record_visitor)(tt_geo *geo, MMDB_entry_s *entry);

static tt_status mmdb_walk(tt_geo *geo, const MMDB_s *db, record_visitor visit)
{
    tt_u64_set seen;
    tt_u64_set_init(&seen, (size_t)db->metadata.node_count * 2 + 1);
    tt_status st = TT_OK;
    for (uint32_t node = 0; node < db->metadata.node_count && st == TT_OK; node++) {
        MMDB_search_node_s search;
        if (MMDB_read_node(db, node, &search) != MMDB_SUCCESS) {
            st = TT_ERR_FORMAT;
            break;
        }
        MMDB_entry_s *records[2] = {NULL, NULL};
        if (search.left_record_type == MMDB_RECORD_TYPE_DATA)
            records[0] = &search.left_record_entry;
        if (search.right_record_type == MMDB_RECORD_TYPE_DATA)
            records[1] = &search.right_record_entry;
        for (int i = 0; i < 2 && st == TT_OK; i++) {
            bool added;
            if (records[i] == NULL)
                continue;
            if ((st = tt_u64_set_add(&seen, records[i]->offset, &added)) == TT_OK && added)
                st = visit(geo, records[i]);
        }
    }
    tt_u64_set_free(&seen);
    return st;
}

static tt_status visit_countries(tt_geo *geo, MMDB_entry_s *entry)
{
    static const char *const roles[] = {"country", "registered_country", "represented_country"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        const char *code, *name;
        size_t code_len, name_len;
        if (!mmdb_string(entry, &code, &code_len, roles[i], "iso_code", NULL) || !valid_cc(code, code_len))
            continue;
        char **slot = &geo->country_names[CC_INDEX(code[0], code[1])];
        if (*slot || !mmdb_string(entry, &name, &name_len, roles[i], "names", "en"))
            continue;
        if ((*slot = strndup(name, name_len)) == NULL)
            return TT_ERR_NOMEM;
    }
    return TT_OK;
}

static tt_status visit_as(tt_geo *geo, MMDB_entry_s *entry)
{
    uint32_t asn;
    const char *name;
    size_t len;
    if (!mmdb_asn(entry, &asn) ||
        !mmdb_string(entry, &name, &len, "autonomous_system_organization", NULL, NULL) || len == 0)
        return TT_OK;
    /* Both grow by doubling; their sizes stay below the database's own. */
    if (geo->nas_names == geo->as_names_cap) {
        size_t cap = geo->as_names_cap ? geo->as_names_cap * 2 : 64;
        as_name *names = realloc(geo->as_names, cap * sizeof *names);
        if (names == NULL)
            return TT_ERR_NOMEM;
        geo->as_names = names;
        geo->as_names_cap = cap;
    }
    size_t need = geo->as_pool_len + len + 1;
    if (need > UINT32_MAX)
        return TT_ERR_NOMEM;
    if (need > geo->as_pool_cap) {
        size_t cap = geo->as_pool_cap ? geo->as_pool_cap : 4096;
        while (cap < need)
            cap *= 2;
        char *pool = realloc(geo->as_pool, cap);
        if (pool == NULL)
            return TT_ERR_NOMEM;
        geo->as_pool = pool;
        geo->as_pool_cap = cap;
    }
    memcpy(geo->as_pool + geo->as_pool_len, name, len);
    geo->as_pool[geo->as_pool_len + len] = '\0';
    geo->as_names[geo->nas_names++] = (as_name){asn, (uint32_t)geo->as_pool_len};
    geo->as_pool_len = need;
    return TT_OK;
}

static int as_name_cmp(const void *pa, const void *pb)
{
    const as_name *a = pa, *b = pb;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    return a->name < b->name ? -1 : a->name > b->name; /* first seen first */
}

static void load_country_names(tt_geo *geo)
{
    geo->country_names_loaded = true;
    /* On failure keep what was read: names are cosmetic. */
    if (geo->have_country_db)
        (void)mmdb_walk(geo, &geo->country_db, visit_countries);
}

static void load_as_names(tt_geo *geo)
{
    geo->as_names_loaded = true;
    if (!geo->have_asn_db)
        return;
    /* On failure keep what was read: names are cosmetic. */
    (void)mmdb_walk(geo, &geo->asn_db, visit_as);
    if (geo->nas_names < 2)
        return;
    qsort(geo->as_names, geo->nas_names, sizeof *geo->as_names, as_name_cmp);
    size_t kept = 1; /* an AS can own networks with several records: first seen wins */
    for (size_t i = 1; i < geo->nas_names; i++)
        if (geo->as_names[i].asn != geo->as_names[kept - 1].asn)
            geo->as_names[kept++] = geo->as_names[i];
    geo->nas_names = kept;
}

const char *tt_geo_country_name(tt_geo *geo, tt_cc cc, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    char code[3];
    tt_cc_text(cc, code);
    buf[0] = '\0';
    if (geo == NULL || !valid_cc(code, 2))
        return buf;
    if (geo->backend == BACKEND_MMDB) {
        if (!geo->country_names_loaded)
            load_country_names(geo);
        const char *name = geo->country_names[CC_INDEX(code[0], code[1])];
        return name ? copy_text(buf, len, name, strlen(name)) : buf;
    }
    struct loc_country *country = NULL;
    if (loc_database_get_country(geo->db, &country, code) == 0 && country != NULL) {
        const char *name = loc_country_get_name(country);
        if (name)
            copy_text(buf, len, name, strlen(name));
        loc_country_unref(country);
    }
    return buf;
}

const char *tt_geo_as_name(tt_geo *geo, uint32_t asn, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (geo == NULL || asn == 0)
        return buf;
    if (geo->backend == BACKEND_MMDB) {
        if (!geo->as_names_loaded)
            load_as_names(geo);
        size_t lo = 0, hi = geo->nas_names;
        while (lo < hi) { /* first entry >= asn */
            size_t mid = lo + (hi - lo) / 2;
            if (geo->as_names[mid].asn < asn)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < geo->nas_names && geo->as_names[lo].asn == asn) {
            const char *name = geo->as_pool + geo->as_names[lo].name;
            copy_text(buf, len, name, strlen(name));
        }
        return buf;
    }
    struct loc_as *as = NULL;
    if (loc_database_get_as(geo->db, &as, asn) == 0 && as != NULL) {
        const char *name = loc_as_get_name(as);
        if (name)
            copy_text(buf, len, name, strlen(name));
        loc_as_unref(as);
    }
    return buf;
}

/* Rows ahead whose cache slot is fetched before their lookup: the cache is
 * megabytes, and waiting for its slot was most of a lookup's time. */
#define FILL_AHEAD 16

void tt_geo_fill_rows(tt_geo *geo, tt_detail_row *rows, size_t n)
{
    tt_geo_info info = {TT_CC_UNKNOWN, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (i + FILL_AHEAD < n)
            __builtin_prefetch(&geo->cache[addr_slot(&rows[i + FILL_AHEAD].src, geo->cache_slots)]);
        if (i == 0 || tt_addr_cmp(&rows[i - 1].src, &rows[i].src) != 0)
            tt_geo_lookup(geo, &rows[i].src, &info);
        rows[i].cc = info.cc;
        rows[i].asn = info.asn;
        rows[i].src_flags = info.flags;
    }
}
