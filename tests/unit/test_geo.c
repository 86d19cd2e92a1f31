/* Source attribution (classify/geo) on both backends, against the small
 * databases in tests/geo/data/ (built by tests/geo/make-data.sh), and the
 * known-scanner prefix lists (classify/prefix_list). */
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "classify/geo.h"
#include "classify/prefix_list.h"
#include "util/hashmap.h"

static tt_addr addr(const char *text)
{
    tt_addr a;
    memset(&a, 0, sizeof a);
    if (!tt_addr_parse(text, &a))
        fprintf(stderr, "bad test address %s\n", text);
    return a;
}

/* ctest runs in tests/; also allow tests/unit/ and the top directory. */
static const char *data_path(const char *file, char *buf, size_t len)
{
    static const char *const dirs[] = {"geo/data", "../geo/data", "tests/geo/data"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(buf, len, "%s/%s", dirs[i], file);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    fprintf(stderr, "cannot find %s under geo/data (run from tests/)\n", file);
    exit(EXIT_FAILURE);
}

static const char *cc_text(tt_cc cc, char out[3])
{
    tt_cc_text(cc, out);
    out[2] = '\0';
    return out;
}

/* ---- the attribution table shared by both backends ---- */

#define ANY TT_GEO_ANYCAST
#define SAT TT_GEO_SATELLITE
#define PROXY TT_GEO_ANONYMOUS_PROXY
#define DROP TT_GEO_DROP

static const struct geo_case {
    const char *addr, *cc;
    uint32_t asn;
    uint8_t libloc_flags, mmdb_flags;
    const char *as_name;
} geo_cases[] = {
    {"192.0.2.0", "JP", 64500, 0, 0, "Example Telescope Net"},
    {"192.0.2.127", "JP", 64500, 0, 0, "Example Telescope Net"},
    {"192.0.2.128", "US", 64501, ANY, ANY, "Example Anycast CDN"},
    {"192.0.2.255", "US", 64501, ANY, ANY, "Example Anycast CDN"},
    {"198.51.100.1", "DE", 64502, SAT, SAT, "Orbit Satellite \xc3\x9cnion"},
    {"198.51.100.63", "DE", 64502, SAT, SAT, "Orbit Satellite \xc3\x9cnion"},
    {"198.51.100.64", "NL", 64503, PROXY, PROXY, "Proxy Co"},
    {"198.51.100.127", "NL", 64503, PROXY, PROXY, "Proxy Co"},
    {"198.51.100.128", "DE", 64502, SAT, SAT, "Orbit Satellite \xc3\x9cnion"},
    {"203.0.113.5", "CN", 64504, DROP, 0, "Hostile Hosting"}, /* no DROP in mmdb */
    {"203.0.113.130", "ZZ", 64508, 0, 0, "Only ASN Ltd"},     /* an AS, no country */
    {"203.0.113.200", "ZZ", 0, 0, 0, ""},
    {"192.0.3.0", "ZZ", 0, 0, 0, ""},
    {"10.1.2.3", "ZZ", 0, 0, 0, ""},
    {"0.0.0.0", "ZZ", 0, 0, 0, ""},
    {"255.255.255.255", "ZZ", 0, 0, 0, ""},
    {"::ffff:192.0.2.9", "JP", 64500, 0, 0, "Example Telescope Net"}, /* the same address */
    {"::192.0.2.9", "ZZ", 0, 0, 0, ""},                               /* IPv4-compatible: not IPv4 */
    {"::1", "ZZ", 0, 0, 0, ""},
    {"2001:db8::1", "FR", 64505, 0, 0, "Example v6 Carrier"},
    {"2001:db8:3::1", "FR", 64505, 0, 0, "Example v6 Carrier"},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "FR", 64505, 0, 0, "Example v6 Carrier"},
    {"2001:db8:1::", "GB", 64506, ANY, ANY, "Anycast Six"},
    {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", "GB", 64506, ANY, ANY, "Anycast Six"},
    {"2001:db8:2::1", "SE", 64505, 0, 0, "Example v6 Carrier"}, /* mmdb: registered_country */
    {"2001:db8:4::1", "KR", 64510, 0, 0, ""},                   /* an AS without a name */
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "ZZ", 0, 0, 0, ""},
    {"2001:db9::", "ZZ", 0, 0, 0, ""},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ZZ", 0, 0, 0, ""},
};

static void check_cases(tt_geo *geo, bool mmdb)
{
    char cc[3], name[128];
    size_t misses = tt_geo_misses(geo);
    for (int pass = 0; pass < 2; pass++) { /* the second pass is answered by the cache */
        for (size_t i = 0; i < sizeof geo_cases / sizeof geo_cases[0]; i++) {
            const struct geo_case *c = &geo_cases[i];
            tt_addr a = addr(c->addr);
            tt_geo_info info;
            memset(&info, 0xa5, sizeof info);
            tt_geo_lookup(geo, &a, &info);
            uint8_t flags = mmdb ? c->mmdb_flags : c->libloc_flags;
            if (strcmp(cc_text(info.cc, cc), c->cc) != 0 || info.asn != c->asn || info.flags != flags)
                fprintf(stderr, "%s %s (pass %d): got %s AS%u flags %u, want %s AS%u flags %u\n",
                        mmdb ? "mmdb" : "libloc", c->addr, pass, cc, info.asn, info.flags, c->cc, c->asn,
                        flags);
            CHECK_EQ_STR(cc_text(info.cc, cc), c->cc);
            CHECK_EQ_INT(info.asn, c->asn);
            CHECK_EQ_INT(info.flags, flags);
            CHECK_EQ_STR(cc_text(tt_geo_country(geo, &a), cc), c->cc);
            CHECK_EQ_STR(tt_geo_as_name(geo, info.asn, name, sizeof name), c->as_name);
        }
        if (pass == 0) {
            CHECK_EQ_INT(tt_geo_misses(geo) - misses, sizeof geo_cases / sizeof geo_cases[0]);
            misses = tt_geo_misses(geo);
        } else {
            CHECK_EQ_INT(tt_geo_misses(geo), misses);
        }
    }
}

static void check_names(tt_geo *geo)
{
    char buf[64];
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("JP"), buf, sizeof buf), "Japan");
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("SE"), buf, sizeof buf), "Sweden");
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("KR"), buf, sizeof buf), "Korea, Republic of");
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("GB"), buf, 6), "Unite");
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("XX"), buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_country_name(geo, TT_CC_UNKNOWN, buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_country_name(geo, 0, buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64500, buf, sizeof buf), "Example Telescope Net");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64508, buf, sizeof buf), "Only ASN Ltd");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64510, buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_as_name(geo, 0, buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_as_name(geo, 4294967295u, buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_as_name(geo, 1, buf, sizeof buf), "");
    /* Cut on a character boundary: "Orbit Satellite " is 16 bytes, then a 2-byte Ü. */
    CHECK_EQ_STR(tt_geo_as_name(geo, 64502, buf, 18), "Orbit Satellite ");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64502, buf, 19), "Orbit Satellite \xc3\x9c");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64502, buf, 3), "Or");
    CHECK_EQ_STR(tt_geo_as_name(geo, 64502, buf, 1), "");
    buf[0] = 'x';
    tt_geo_as_name(geo, 64502, buf, 0); /* writes nothing */
    CHECK(buf[0] == 'x');
}

/* Many distinct sources, more than half the cache (so it is emptied once on
 * the way): every first lookup is a miss, and what the cache answers later
 * is what the database answered. */
static void check_cache(tt_geo *geo)
{
    tt_geo_set_scanner_list(geo, NULL); /* also empties the cache */
    enum { V4_PER_NET = 65536, V6_PER_NET = 70000 };
    static const uint32_t v4_nets[] = {0xc0000000u /* 192.0.0.0 */, 0xc6330000u /* 198.51.0.0 */,
                                       0xcb000000u /* 203.0.0.0 */};
    size_t n = 3 * V4_PER_NET + 6 * V6_PER_NET;
    tt_addr *addrs = malloc(n * sizeof *addrs);
    tt_geo_info *first = malloc(n * sizeof *first);
    CHECK(addrs && first);
    if (!addrs || !first)
        exit(EXIT_FAILURE);
    size_t k = 0;
    for (size_t net = 0; net < 3; net++)
        for (uint32_t i = 0; i < V4_PER_NET; i++)
            tt_addr_from_v4(&addrs[k++], v4_nets[net] + i);
    for (uint8_t net = 0; net < 6; net++) /* 2001:db8:0..5:: */
        for (uint32_t i = 0; i < V6_PER_NET; i++) {
            tt_addr *a = &addrs[k++];
            *a = addr("2001:db8::");
            a->bytes[5] = net;
            a->bytes[12] = (uint8_t)(i >> 24);
            a->bytes[13] = (uint8_t)(i >> 16);
            a->bytes[14] = (uint8_t)(i >> 8);
            a->bytes[15] = (uint8_t)i;
        }
    size_t misses = tt_geo_misses(geo);
    for (size_t i = 0; i < n; i++)
        tt_geo_lookup(geo, &addrs[i], &first[i]);
    CHECK_EQ_INT(tt_geo_misses(geo) - misses, n);
    size_t found[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        found[first[i].cc != TT_CC_UNKNOWN]++;
    CHECK(found[1] > 400000 && found[0] > 100000); /* both kinds are exercised */
    misses = tt_geo_misses(geo);
    size_t mismatches = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = n - 1 - j; /* newest first: those are still cached */
        tt_geo_info again;
        tt_geo_lookup(geo, &addrs[i], &again);
        if (again.cc != first[i].cc || again.asn != first[i].asn || again.flags != first[i].flags)
            mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
    size_t hits = n - (tt_geo_misses(geo) - misses);
    CHECK(hits > 50000 && hits < n);
    free(addrs);
    free(first);
}

static void check_scanners(tt_geo *geo)
{
    const char *text = "192.0.2.0/25 shodan\n2001:db8:1::/48 censys\n192.0.2.7 host\n";
    tt_prefix_list *list = tt_prefix_list_new();
    char err[256] = "";
    CHECK(list != NULL);
    CHECK_EQ_INT(tt_prefix_list_add_text(list, text, strlen(text), "scanners", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_OK);
    tt_addr a = addr("192.0.2.5"), b = addr("192.0.2.200"), c = addr("2001:db8:1::9"), d = addr("192.0.2.7");
    tt_geo_info info;
    tt_geo_lookup(geo, &a, &info); /* cached before the list is set */
    CHECK_EQ_INT(info.flags, 0);
    tt_geo_set_scanner_list(geo, list);
    CHECK(tt_geo_scanner_list(geo) == list);
    tt_geo_lookup(geo, &a, &info);
    CHECK_EQ_INT(info.flags, TT_GEO_KNOWN_SCANNER);
    CHECK_EQ_INT(info.asn, 64500);
    tt_geo_lookup(geo, &a, &info); /* cached */
    CHECK_EQ_INT(info.flags, TT_GEO_KNOWN_SCANNER);
    tt_geo_lookup(geo, &b, &info);
    CHECK_EQ_INT(info.flags, TT_GEO_ANYCAST);
    tt_geo_lookup(geo, &c, &info);
    CHECK_EQ_INT(info.flags, TT_GEO_ANYCAST | TT_GEO_KNOWN_SCANNER);
    CHECK_EQ_STR(tt_prefix_list_label(list, tt_geo_scanner_label(geo, &a)), "shodan");
    CHECK_EQ_STR(tt_prefix_list_label(list, tt_geo_scanner_label(geo, &c)), "censys");
    CHECK_EQ_STR(tt_prefix_list_label(list, tt_geo_scanner_label(geo, &d)), "host");
    CHECK_EQ_INT(tt_geo_scanner_label(geo, &b), -1);
    tt_geo_set_scanner_list(geo, NULL);
    tt_geo_lookup(geo, &a, &info);
    CHECK_EQ_INT(info.flags, 0);
    CHECK_EQ_INT(tt_geo_scanner_label(geo, &a), -1);
    tt_prefix_list_free(list);
}

static void test_libloc(void)
{
    char path[256], expect[512], err[512] = "";
    data_path("test.loc", path, sizeof path);
    tt_geo *geo = NULL;
    CHECK_EQ_INT(tt_geo_open(path, &geo, err, sizeof err), TT_OK);
    if (geo == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    snprintf(expect, sizeof expect, "libloc %s (teiten tests, created 2024-01-01)", path);
    CHECK_EQ_STR(tt_geo_source(geo), expect);
    check_cases(geo, false);
    check_names(geo);
    check_scanners(geo);
    check_cache(geo);
    tt_geo_close(geo);

    tt_geo_config config = {path, NULL, NULL};
    CHECK_EQ_INT(tt_geo_open_config(&config, &geo, err, sizeof err), TT_OK);
    check_cases(geo, false);
    tt_geo_close(geo);
}

static void test_mmdb(void)
{
    char country[256], asn[256], expect[1024], err[512] = "";
    data_path("country.mmdb", country, sizeof country);
    data_path("asn.mmdb", asn, sizeof asn);
    tt_geo_config config = {NULL, country, asn};
    tt_geo *geo = NULL;
    CHECK_EQ_INT(tt_geo_open_config(&config, &geo, err, sizeof err), TT_OK);
    if (geo == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    snprintf(
        expect, sizeof expect,
        "mmdb country=%s (teiten-Test-Country, built 2024-01-01) asn=%s (teiten-Test-ASN, built 2024-01-01)",
        country, asn);
    CHECK_EQ_STR(tt_geo_source(geo), expect);
    check_cases(geo, true);
    check_names(geo);
    check_scanners(geo);
    check_cache(geo);
    tt_geo_close(geo);

    /* Names before any lookup: they come from a walk over the database. */
    CHECK_EQ_INT(tt_geo_open_config(&config, &geo, err, sizeof err), TT_OK);
    check_names(geo);
    tt_geo_close(geo);

    /* One database of the two: the other attribute stays unknown. */
    char cc[3], name[64];
    tt_geo_config only_country = {NULL, country, NULL}, only_asn = {NULL, NULL, asn};
    tt_addr a = addr("192.0.2.200");
    tt_geo_info info;
    CHECK_EQ_INT(tt_geo_open_config(&only_country, &geo, err, sizeof err), TT_OK);
    snprintf(expect, sizeof expect, "mmdb country=%s (teiten-Test-Country, built 2024-01-01)", country);
    CHECK_EQ_STR(tt_geo_source(geo), expect);
    tt_geo_lookup(geo, &a, &info);
    CHECK_EQ_STR(cc_text(info.cc, cc), "US");
    CHECK_EQ_INT(info.asn, 0);
    CHECK_EQ_INT(info.flags, TT_GEO_ANYCAST);
    CHECK_EQ_STR(tt_geo_as_name(geo, 64501, name, sizeof name), "");
    tt_geo_close(geo);
    CHECK_EQ_INT(tt_geo_open_config(&only_asn, &geo, err, sizeof err), TT_OK);
    tt_geo_lookup(geo, &a, &info);
    CHECK_EQ_STR(cc_text(info.cc, cc), "ZZ");
    CHECK_EQ_INT(info.asn, 64501);
    CHECK_EQ_INT(info.flags, 0);
    CHECK_EQ_STR(tt_geo_as_name(geo, 64501, name, sizeof name), "Example Anycast CDN");
    CHECK_EQ_STR(tt_geo_country_name(geo, tt_cc_make("US"), name, sizeof name), "");
    tt_geo_close(geo);
}

static void expect_open_error(const tt_geo_config *config, tt_status want, const char *message)
{
    tt_geo *geo = (tt_geo *)&geo; /* must be reset to NULL */
    char err[512] = "";
    CHECK_EQ_INT(tt_geo_open_config(config, &geo, err, sizeof err), want);
    CHECK(geo == NULL);
    if (strstr(err, message) == NULL)
        fprintf(stderr, "got '%s', want '%s'\n", err, message);
    CHECK(strstr(err, message) != NULL);
}

static void test_open_errors(void)
{
    char loc[256], country[256], asn[256];
    data_path("test.loc", loc, sizeof loc);
    data_path("country.mmdb", country, sizeof country);
    data_path("asn.mmdb", asn, sizeof asn);
    tt_geo_config both = {loc, country, NULL};
    expect_open_error(&both, TT_ERR_USAGE, "not both");
    tt_geo_config missing = {"/nonexistent/x.db", NULL, NULL};
    expect_open_error(&missing, TT_ERR_IO, "/nonexistent/x.db: No such file");
    tt_geo_config mmdb_as_libloc = {country, NULL, NULL};
    expect_open_error(&mmdb_as_libloc, TT_ERR_FORMAT, "a MaxMind-format database, not a libloc one");
    tt_geo_config loc_as_mmdb = {NULL, loc, NULL};
    expect_open_error(&loc_as_mmdb, TT_ERR_FORMAT, "not a valid MaxMind DB");
    tt_geo_config swapped = {NULL, asn, country};
    expect_open_error(&swapped, TT_ERR_USAGE, "holds AS numbers, not countries");
    tt_geo_config missing_asn = {NULL, country, "/nonexistent/asn.mmdb"};
    expect_open_error(&missing_asn, TT_ERR_IO, "/nonexistent/asn.mmdb: No such file");
    tt_geo_config not_loc = {"geo/../unit/check.h", NULL, NULL};
    if (access(not_loc.libloc_path, R_OK) == 0)
        expect_open_error(&not_loc, TT_ERR_FORMAT, "not a valid libloc location database");

    char buf[8] = "x";
    CHECK_EQ_STR(tt_geo_country_name(NULL, tt_cc_make("JP"), buf, sizeof buf), "");
    CHECK_EQ_STR(tt_geo_as_name(NULL, 64500, buf, sizeof buf), "");
}

/* Debian's database, when installed: only what cannot change between its
 * versions is checked. */
static void test_default_database(void)
{
    if (access(TT_GEO_DEFAULT_PATH, R_OK) != 0) {
        printf("test_geo: %s absent, skipped\n", TT_GEO_DEFAULT_PATH);
        return;
    }
    tt_geo *geo = NULL;
    char err[512];
    CHECK_EQ_INT(tt_geo_open_config(NULL, &geo, err, sizeof err), TT_OK);
    if (geo == NULL)
        return;
    CHECK(strncmp(tt_geo_source(geo), "libloc " TT_GEO_DEFAULT_PATH " (",
                  strlen("libloc " TT_GEO_DEFAULT_PATH " (")) == 0);
    tt_addr doc = addr("192.0.2.1");
    tt_geo_info info;
    tt_geo_lookup(geo, &doc, &info);
    CHECK(info.cc == TT_CC_UNKNOWN && info.asn == 0);
    tt_geo_close(geo);
}

/* ---- prefix lists ---- */

static tt_prefix_list *list_from(const char *text)
{
    tt_prefix_list *list = tt_prefix_list_new();
    char err[256] = "";
    CHECK(list != NULL);
    tt_status st = tt_prefix_list_add_text(list, text, strlen(text), "list", err, sizeof err);
    if (st == TT_OK)
        st = tt_prefix_list_finish(list, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "unexpected: %s\n", err);
    CHECK_EQ_INT(st, TT_OK);
    return list;
}

static const char *label_of(const tt_prefix_list *list, const char *address)
{
    tt_addr a = addr(address);
    int index = tt_prefix_list_lookup(list, &a);
    return index < 0 ? "-" : tt_prefix_list_label(list, index);
}

static void test_prefix_list_basics(void)
{
    tt_prefix_list *list = list_from("# known scanners\n"
                                     "\n"
                                     "10.0.0.0/8 a\n"
                                     "10.1.0.0/16\tb   # tab and comment\r\n"
                                     "  10.1.2.0/24 c\n"
                                     "10.1.2.3 d\n"
                                     "10.1.2.3/32 d\n" /* the same again: counted once */
                                     "255.255.255.255/32 top\n"
                                     "0.0.0.0/1 low\n"
                                     "2001:db8::/32 v6\n"
                                     "2001:db8:1::/48 c\n"
                                     "2001:db8:1:2::/64 a\n"
                                     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127 top\n"
                                     "#last line without a newline: 172.16.0.0/12 x");
    CHECK_EQ_INT(tt_prefix_list_count(list), 10);
    CHECK_EQ_INT(tt_prefix_list_label_count(list), 7);
    CHECK_EQ_STR(tt_prefix_list_label(list, 0), "a");
    CHECK(tt_prefix_list_label(list, 7) == NULL);
    CHECK(tt_prefix_list_label(list, -1) == NULL);
    static const char *const cases[][2] = {
        {"0.0.0.0", "low"},
        {"9.255.255.255", "low"},
        {"10.0.0.0", "a"},
        {"10.0.255.255", "a"},
        {"10.1.0.0", "b"},
        {"10.1.1.255", "b"},
        {"10.1.2.0", "c"},
        {"10.1.2.2", "c"},
        {"10.1.2.3", "d"},
        {"10.1.2.4", "c"},
        {"10.1.2.255", "c"},
        {"10.1.3.0", "b"},
        {"10.1.255.255", "b"},
        {"10.2.0.0", "a"},
        {"10.255.255.255", "a"},
        {"11.0.0.0", "low"},
        {"127.255.255.255", "low"},
        {"128.0.0.0", "-"},
        {"172.16.0.1", "-"},
        {"255.255.255.254", "-"},
        {"255.255.255.255", "top"},
        {"2001:db8::", "v6"},
        {"2001:db8:0:ffff::1", "v6"},
        {"2001:db8:1::", "c"},
        {"2001:db8:1:1:ffff:ffff:ffff:ffff", "c"},
        {"2001:db8:1:2::", "a"},
        {"2001:db8:1:2:ffff::", "a"},
        {"2001:db8:1:3::", "c"},
        {"2001:db8:2::", "v6"},
        {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "-"},
        {"2001:db9::", "-"},
        {"::", "-"},
        {"::10.0.0.1", "-"},
        {"::ffff:10.1.2.3", "d"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd", "-"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "top"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "top"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = label_of(list, cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0)
            fprintf(stderr, "%s: got %s, want %s\n", cases[i][0], got, cases[i][1]);
        CHECK_EQ_STR(got, cases[i][1]);
    }
    tt_prefix p;
    CHECK(tt_prefix_parse("192.0.2.0/24", &p));
    CHECK_EQ_INT(tt_prefix_list_add(list, &p, "late"), TT_ERR_USAGE);
    char err[128];
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_ERR_USAGE);
    tt_prefix_list_free(list);

    /* IPv6 prefixes over ::ffff:0:0/96 hold IPv4 too; 0.0.0.0/0 holds only IPv4. */
    list = list_from("::/0 all\n0.0.0.0/0 v4\n::ffff:192.0.2.0/120 mapped\n");
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "mapped");
    CHECK_EQ_STR(label_of(list, "198.51.100.1"), "v4");
    CHECK_EQ_STR(label_of(list, "2001:db8::1"), "all");
    CHECK_EQ_STR(label_of(list, "::"), "all");
    CHECK_EQ_STR(label_of(list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "all");
    tt_prefix_list_free(list);
    list = list_from("::/0 all\n");
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "all");
    tt_prefix_list_free(list);
    list = list_from("::/1 low\n");
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "low");
    CHECK_EQ_STR(label_of(list, "8000::"), "-");
    tt_prefix_list_free(list);

    /* Empty and unfinished lists find nothing. */
    list = list_from("# nothing\n\n");
    CHECK_EQ_INT(tt_prefix_list_count(list), 0);
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "-");
    CHECK_EQ_STR(label_of(list, "2001:db8::"), "-");
    tt_prefix_list_free(list);
    list = tt_prefix_list_new();
    CHECK_EQ_INT(tt_prefix_list_add(list, &p, "x"), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_add(list, &p, "bad label"), TT_ERR_USAGE);
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "-");
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_OK);
    CHECK_EQ_STR(label_of(list, "192.0.2.1"), "x");
    tt_prefix_list_free(list);
    tt_prefix_list_free(NULL);
}

static void test_prefix_list_errors(void)
{
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"192.0.2.0/24\n", "bad.txt:1: '192.0.2.0/24' has no label"},
        {"# ok\n192.0.2.0/24 a b\n", "bad.txt:2: unexpected 'b' after the label"},
        {"192.0.2.0/33 a\n", "bad.txt:1: bad prefix '192.0.2.0/33'"},
        {"192.0.2/24 a\n", "bad.txt:1: bad prefix '192.0.2/24'"},
        {"2001:db8::/129 a\n", "bad.txt:1: bad prefix '2001:db8::/129'"},
        {"2001:db8::g/64 a\n", "bad.txt:1: bad prefix"},
        {"192.0.2.0/ a\n", "bad.txt:1: bad prefix"},
        {"192.0.2.0/-1 a\n", "bad.txt:1: bad prefix"},
        {"shodan 192.0.2.0/24\n", "bad.txt:1: bad prefix 'shodan'"},
        {"\n\n192.0.2.1/24 a\n", "bad.txt:3: '192.0.2.1/24' has host bits set (the network is 192.0.2.0/24)"},
        {"2001:db8::1/32 a\n",
         "bad.txt:1: '2001:db8::1/32' has host bits set (the network is 2001:db8::/32)"},
        {"192.0.2.0/24 a\xc3\xa9\n", "bad.txt:1: label 'a\xc3\xa9' may only hold printable ASCII"},
        {"192.0.2.0/24 a\x01\n", "bad.txt:1: label"},
        {"192.0.2.0/24 0123456789012345678901234567890123456789012345678901234567890123\n",
         "bad.txt:1: label '0123456789012345678901234567890123456789012345678901234567890123' is longer than "
         "63 bytes"},
        {"192.0.2.0/24 a\n192.0.2.0/24 b\n",
         "bad.txt:2: 192.0.2.0/24 is labelled 'b' here but 'a' at bad.txt:1"},
        {"2001:db8::/32 a\n# x\n2001:db8:0::/32 b\n",
         "bad.txt:3: 2001:db8::/32 is labelled 'b' here but 'a' at bad.txt:1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tt_prefix_list *list = tt_prefix_list_new();
        char err[256] = "";
        tt_status st =
            tt_prefix_list_add_text(list, bad[i].text, strlen(bad[i].text), "bad.txt", err, sizeof err);
        if (st == TT_OK)
            st = tt_prefix_list_finish(list, err, sizeof err);
        CHECK(st != TT_OK);
        if (strstr(err, bad[i].error) == NULL)
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, bad[i].error);
        CHECK(strstr(err, bad[i].error) != NULL);
        tt_prefix_list_free(list);
    }

    /* A NUL byte, a line too long. */
    tt_prefix_list *list = tt_prefix_list_new();
    char err[256] = "";
    CHECK_EQ_INT(tt_prefix_list_add_text(list, "1.2.3.4 a\n5.6.7.8\0 b\n", 21, "nul", err, sizeof err),
                 TT_ERR_FORMAT);
    CHECK(strstr(err, "nul:2: NUL byte") != NULL);
    size_t long_len = TT_PREFIX_LIST_MAX_LINE + 10;
    char *long_line = malloc(long_len + 1);
    memset(long_line, ' ', long_len);
    memcpy(long_line, "1.2.3.4 a", 9);
    long_line[long_len] = '\0';
    CHECK_EQ_INT(tt_prefix_list_add_text(list, long_line, long_len, "long", err, sizeof err), TT_ERR_FORMAT);
    CHECK(strstr(err, "long:1: line longer than 4096 bytes") != NULL);
    free(long_line);

    /* A rejected text leaves nothing behind; good texts before and after stay. */
    const char *good = "192.0.2.0/24 one\n";
    const char *half = "198.51.100.0/24 two\n203.0.113.0/24 three\nnonsense\n";
    CHECK_EQ_INT(tt_prefix_list_add_text(list, good, strlen(good), "good", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_add_text(list, half, strlen(half), "half", err, sizeof err), TT_ERR_FORMAT);
    CHECK(strstr(err, "half:3:") != NULL);
    CHECK_EQ_INT(tt_prefix_list_count(list), 1);
    CHECK_EQ_INT(tt_prefix_list_label_count(list), 1);
    const char *more = "2001:db8::/32 four\n192.0.2.128/25 one\n";
    CHECK_EQ_INT(tt_prefix_list_add_text(list, more, strlen(more), "more", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_count(list), 3);
    CHECK_EQ_INT(tt_prefix_list_label_count(list), 2);
    CHECK_EQ_STR(label_of(list, "192.0.2.200"), "one");
    CHECK_EQ_STR(label_of(list, "198.51.100.1"), "-");
    CHECK_EQ_STR(label_of(list, "2001:db8::"), "four");
    CHECK_EQ_STR(tt_prefix_list_label(list, 1), "four");
    tt_prefix_list_free(list);

    /* Conflicts between files name both files. */
    list = tt_prefix_list_new();
    CHECK_EQ_INT(tt_prefix_list_add_text(list, "10.0.0.0/8 x\n", 13, "one.txt", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_add_text(list, "\n10.0.0.0/8 y\n", 14, "two.txt", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_ERR_FORMAT);
    CHECK(strstr(err, "two.txt:2: 10.0.0.0/8 is labelled 'y' here but 'x' at one.txt:1") != NULL);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_ERR_USAGE); /* only free is left */
    tt_prefix_list_free(list);
}

static void test_prefix_list_file(void)
{
    char path[] = "/tmp/teiten-test-geo-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char *text = "# from a file\n198.51.100.0/24 shodan\n198.51.100.128/25 censys\n";
    CHECK_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);
    tt_prefix_list *list = tt_prefix_list_new();
    char err[512] = "";
    CHECK_EQ_INT(tt_prefix_list_add_file(list, path, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_add_file(list, "/nonexistent/list.txt", err, sizeof err), TT_ERR_IO);
    CHECK(strstr(err, "/nonexistent/list.txt: No such file") != NULL);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_OK);
    CHECK_EQ_STR(label_of(list, "198.51.100.127"), "shodan");
    CHECK_EQ_STR(label_of(list, "198.51.100.128"), "censys");
    tt_prefix_list_free(list);

    /* Errors in a file carry its name. */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("198.51.100.0/24 shodan\n198.51.100.0/21 wide\n", f);
        fclose(f);
    }
    list = tt_prefix_list_new();
    CHECK_EQ_INT(tt_prefix_list_add_file(list, path, err, sizeof err), TT_ERR_FORMAT);
    char want[256];
    snprintf(want, sizeof want, "%s:2: '198.51.100.0/21' has host bits set (the network is 198.51.96.0/21)",
             path);
    if (strstr(err, want) == NULL)
        fprintf(stderr, "got '%s', want '%s'\n", err, want);
    CHECK(strstr(err, want) != NULL);
    tt_prefix_list_free(list);
    unlink(path);
}

/* ---- random lists against a naive scan ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) /* splitmix64: reproducible across platforms */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct naive_prefix {
    uint64_t hi, lo, mask_hi, mask_lo;
    unsigned bits;
    int label;
} naive_prefix;

typedef struct naive_v4 {
    uint32_t network, mask;
    unsigned bits;
    int label;
} naive_v4;

static void to_u64s(const tt_addr *a, uint64_t *hi, uint64_t *lo)
{
    *hi = *lo = 0;
    for (int i = 0; i < 8; i++) {
        *hi = *hi << 8 | a->bytes[i];
        *lo = *lo << 8 | a->bytes[8 + i];
    }
}

static void mask_for(unsigned bits, uint64_t *mask_hi, uint64_t *mask_lo)
{
    *mask_hi = bits == 0 ? 0 : bits >= 64 ? ~0ull : ~0ull << (64 - bits);
    *mask_lo = bits <= 64 ? 0 : bits >= 128 ? ~0ull : ~0ull << (128 - bits);
}

/* A random address, often inside one of the given prefixes. */
static tt_addr random_address(const tt_prefix *prefixes, size_t n)
{
    tt_addr a;
    uint64_t r = rng();
    if (r % 4 != 0 && n > 0) {
        const tt_prefix *p = &prefixes[rng() % n];
        a = p->addr;
        for (unsigned bit = p->bits; bit < 128; bit++)
            if (rng() & 1)
                a.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
    } else if (r % 8 == 0) {
        tt_addr_from_v4(&a, (uint32_t)rng());
    } else {
        uint64_t hi = rng(), lo = rng();
        if (r % 16 == 4)
            hi = 0x20010db800000000ull | (hi & 0xffffffffull);
        for (int i = 0; i < 8; i++) {
            a.bytes[i] = (uint8_t)(hi >> (56 - 8 * i));
            a.bytes[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
        }
    }
    return a;
}

static void test_prefix_list_random(void)
{
    enum { PREFIXES = 20000, ADDRESSES = 100000, LABELS = 50 };
    /* Prefixes cluster under a few bases so that they nest deeply. */
    tt_prefix *prefixes = malloc(PREFIXES * sizeof *prefixes);
    /* The naive side keeps the families apart (the random prefixes do). */
    naive_prefix *naive = malloc(PREFIXES * sizeof *naive);
    naive_v4 *naive4 = malloc(PREFIXES * sizeof *naive4);
    size_t nnaive = 0, nnaive4 = 0;
    size_t text_cap = (size_t)PREFIXES * 80, text_len = 0;
    char *text = malloc(text_cap);
    CHECK(prefixes && naive && naive4 && text);
    if (!prefixes || !naive || !naive4 || !text)
        exit(EXIT_FAILURE);
    tt_addr_set distinct;
    tt_addr_set_init(&distinct, PREFIXES);
    for (size_t i = 0; i < PREFIXES; i++) {
        tt_prefix *p = &prefixes[i];
        uint64_t r = rng();
        bool v4 = r % 2 == 0;
        if (v4) {
            bool clustered = (r >> 8) % 4 != 0; /* under 198.48.0.0/12 */
            uint32_t base = clustered ? 0xc6300000u | ((uint32_t)rng() & 0x000fffffu) : (uint32_t)rng();
            tt_addr_from_v4(&p->addr, base);
            p->bits =
                (uint8_t)(96 + (clustered ? 12 + rng() % 21 : 8 + rng() % 25)); /* /12../32 or /8../32 */
        } else {
            uint64_t hi = (r >> 8) % 4 == 0 ? rng() : 0x20010db800000000ull | (rng() & 0xffffull) << 16,
                     lo = rng();
            for (int b = 0; b < 8; b++) {
                p->addr.bytes[b] = (uint8_t)(hi >> (56 - 8 * b));
                p->addr.bytes[8 + b] = (uint8_t)(lo >> (56 - 8 * b));
            }
            p->bits = (uint8_t)(16 + rng() % 113); /* /16../128 */
            if (tt_addr_is_v4(&p->addr))
                p->addr.bytes[0] = 0x20; /* keep the families apart: cross-family cases are tested above */
        }
        for (unsigned bit = p->bits; bit < 128; bit++)
            p->addr.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        bool added = false;
        CHECK_EQ_INT(tt_addr_set_add(&distinct, &p->addr, p->bits, &added), TT_OK);
        if (!added) { /* 20,000 distinct prefixes: draw again */
            i--;
            continue;
        }
        /* The label follows from the prefix, so duplicates agree. */
        uint64_t h, l;
        to_u64s(&p->addr, &h, &l);
        int label = (int)(((h ^ (l * 31) ^ p->bits) * 0x9e3779b97f4a7c15ull) >> 40) % LABELS;
        char ptext[TT_ADDR_STRLEN + 8];
        text_len += (size_t)snprintf(text + text_len, text_cap - text_len, "%s L%d\n",
                                     tt_prefix_format(p, ptext, sizeof ptext), label);
        if (v4) {
            naive_v4 *q = &naive4[nnaive4++];
            q->bits = p->bits - 96u;
            q->mask = q->bits == 0 ? 0 : ~0u << (32 - q->bits);
            q->network = tt_addr_v4(&p->addr);
            q->label = label;
        } else {
            naive_prefix *q = &naive[nnaive++];
            q->hi = h;
            q->lo = l;
            q->bits = p->bits;
            q->label = label;
            mask_for(p->bits, &q->mask_hi, &q->mask_lo);
        }
    }
    tt_addr_set_free(&distinct);
    /* The first hundred again (with the same labels): each counts once. */
    const char *end_of_100 = text;
    for (int i = 0; i < 100; i++)
        end_of_100 = strchr(end_of_100, '\n') + 1;
    size_t first_100 = (size_t)(end_of_100 - text);
    memcpy(text + text_len, text, first_100);
    text_len += first_100;
    tt_prefix_list *list = tt_prefix_list_new();
    char err[256] = "";
    CHECK_EQ_INT(tt_prefix_list_add_text(list, text, text_len, "random", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_prefix_list_finish(list, err, sizeof err), TT_OK);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_INT(tt_prefix_list_count(list), PREFIXES);
    CHECK_EQ_INT(tt_prefix_list_label_count(list), LABELS);
    /* Label index → the number in its text. */
    int label_number[LABELS];
    for (int i = 0; i < LABELS; i++) {
        const char *name = tt_prefix_list_label(list, i);
        label_number[i] = name ? (int)strtol(name + 1, NULL, 10) : -1;
    }
    tt_addr *addrs = malloc(ADDRESSES * sizeof *addrs);
    int *got = malloc(ADDRESSES * sizeof *got);
    if (!addrs || !got)
        exit(EXIT_FAILURE);
    for (size_t i = 0; i < ADDRESSES; i++)
        addrs[i] = random_address(prefixes, PREFIXES);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < ADDRESSES; i++)
        got[i] = tt_prefix_list_lookup(list, &addrs[i]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t mismatches = 0, matched = 0;
    for (size_t i = 0; i < ADDRESSES; i++) {
        int best = -1;
        unsigned best_bits = 0;
        if (tt_addr_is_v4(&addrs[i])) {
            uint32_t x = tt_addr_v4(&addrs[i]);
            for (size_t j = 0; j < nnaive4; j++) {
                const naive_v4 *p = &naive4[j];
                if ((x & p->mask) == p->network && (best < 0 || p->bits > best_bits)) {
                    best = p->label;
                    best_bits = p->bits;
                }
            }
        } else {
            uint64_t h, l;
            to_u64s(&addrs[i], &h, &l);
            for (size_t j = 0; j < nnaive; j++) {
                const naive_prefix *p = &naive[j];
                if ((h & p->mask_hi) == p->hi && (l & p->mask_lo) == p->lo &&
                    (best < 0 || p->bits > best_bits)) {
                    best = p->label;
                    best_bits = p->bits;
                }
            }
        }
        int have = got[i] < 0 ? -1 : label_number[got[i]];
        if (have != best && mismatches++ < 5) {
            char text_addr[TT_ADDR_STRLEN];
            fprintf(stderr, "%s: list says L%d, naive scan L%d\n", tt_addr_format(&addrs[i], text_addr), have,
                    best);
        }
        matched += best >= 0;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(matched > ADDRESSES / 2 && matched < ADDRESSES);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / ADDRESSES;
    printf("test_geo: %zu prefixes, %zu of %d random addresses matched, %.0f ns per lookup\n",
           tt_prefix_list_count(list), matched, ADDRESSES, ns);
    tt_prefix_list_free(list);
    free(addrs);
    free(got);
    free(prefixes);
    free(naive);
    free(naive4);
    free(text);
}

int main(void)
{
    test_prefix_list_basics();
    test_prefix_list_errors();
    test_prefix_list_file();
    test_prefix_list_random();
    test_open_errors();
    test_libloc();
    test_mmdb();
    test_default_database();
    return check_report("test_geo");
}
