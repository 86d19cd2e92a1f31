/* Builds tests/geo/data/test.loc, the small libloc database that
 * tests/unit/test_geo.c checks tt_geo against. Its networks, countries, ASes
 * and flags mirror tests/geo/make-mmdb.pl (table in docs/classification.md,
 * "Source attributes"), in documentation address space only.
 *
 *   cc -O2 -o make-libloc make-libloc.c -lloc
 *   ./make-libloc OUT.loc
 *
 * The output does not depend on when it is built: the header's created_at
 * is set to 2024-01-01T00:00:00Z afterwards. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/as.h>
#include <libloc/country.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <libloc/writer.h>

#define CREATED_AT 1704067200u /* 2024-01-01 */

static const struct {
    const char *network, *cc;
    uint32_t asn, flags;
} networks[] = {
    {"192.0.2.0/24", "JP", 64500, 0},
    {"192.0.2.128/25", "US", 64501, LOC_NETWORK_FLAG_ANYCAST},
    {"198.51.100.0/24", "DE", 64502, LOC_NETWORK_FLAG_SATELLITE_PROVIDER},
    {"198.51.100.64/26", "NL", 64503, LOC_NETWORK_FLAG_ANONYMOUS_PROXY},
    {"203.0.113.0/25", "CN", 64504, LOC_NETWORK_FLAG_DROP},
    {"203.0.113.128/26", NULL, 64508, 0},
    {"2001:db8::/32", "FR", 64505, 0},
    {"2001:db8:1::/48", "GB", 64506, LOC_NETWORK_FLAG_ANYCAST},
    {"2001:db8:2::/48", "SE", 64505, 0},
    {"2001:db8:4::/48", "KR", 64510, 0},
};

/* Sorted by number: libloc finds ASes by binary search. 64510 has no name. */
static const struct {
    uint32_t asn;
    const char *name;
} ases[] = {
    {64500, "Example Telescope Net"},
    {64501, "Example Anycast CDN"},
    {64502, "Orbit Satellite \xc3\x9cnion"},
    {64503, "Proxy Co"},
    {64504, "Hostile Hosting"},
    {64505, "Example v6 Carrier"},
    {64506, "Anycast Six"},
    {64508, "Only ASN Ltd"},
};

/* Sorted by code, for the same reason. */
static const struct {
    const char *cc, *name, *continent;
} countries[] = {
    {"CN", "China", "AS"},          {"DE", "Germany", "EU"}, {"FR", "France", "EU"},
    {"GB", "United Kingdom", "EU"}, {"JP", "Japan", "AS"},   {"KR", "Korea, Republic of", "AS"},
    {"NL", "Netherlands", "EU"},    {"SE", "Sweden", "EU"},  {"US", "United States", "NA"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int fail(const char *what)
{
    fprintf(stderr, "make-libloc: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make-libloc OUT.loc\n");
        return 2;
    }
    struct loc_ctx *ctx;
    struct loc_writer *w;
    if (loc_new(&ctx) != 0 || loc_writer_new(ctx, &w, NULL, NULL) != 0)
        return fail("cannot create a libloc writer");
    loc_writer_set_vendor(w, "teiten tests");
    loc_writer_set_description(w, "Test networks in documentation address space (tests/geo/make-libloc.c)");
    loc_writer_set_license(w, "CC0");
    for (size_t i = 0; i < COUNT(networks); i++) {
        struct loc_network *n;
        if (loc_writer_add_network(w, &n, networks[i].network) != 0)
            return fail(networks[i].network);
        if (networks[i].cc && loc_network_set_country_code(n, networks[i].cc) != 0)
            return fail(networks[i].cc);
        if (networks[i].asn)
            loc_network_set_asn(n, networks[i].asn);
        for (uint32_t flag = 1; flag <= LOC_NETWORK_FLAG_DROP; flag <<= 1)
            if ((networks[i].flags & flag) && loc_network_set_flag(n, flag) != 0)
                return fail("cannot set a flag");
        loc_network_unref(n);
    }
    for (size_t i = 0; i < COUNT(ases); i++) {
        struct loc_as *as;
        if (loc_writer_add_as(w, &as, ases[i].asn) != 0 || loc_as_set_name(as, ases[i].name) != 0)
            return fail("cannot add an AS");
        loc_as_unref(as);
    }
    for (size_t i = 0; i < COUNT(countries); i++) {
        struct loc_country *c;
        if (loc_writer_add_country(w, &c, countries[i].cc) != 0 ||
            loc_country_set_name(c, countries[i].name) != 0 ||
            loc_country_set_continent_code(c, countries[i].continent) != 0)
            return fail("cannot add a country");
        loc_country_unref(c);
    }
    FILE *out = fopen(argv[1], "wb");
    if (out == NULL || loc_writer_write(w, out, LOC_DATABASE_VERSION_LATEST) != 0 || fclose(out) != 0)
        return fail("cannot write the database");
    /* created_at (big-endian) follows the 8-byte magic and version of format v1. */
    unsigned char created[8];
    for (int i = 0; i < 8; i++)
        created[i] = (unsigned char)((uint64_t)CREATED_AT >> (56 - 8 * i));
    out = fopen(argv[1], "r+b");
    if (out == NULL || fseek(out, 8, SEEK_SET) != 0 || fwrite(created, 1, 8, out) != 8 || fclose(out) != 0)
        return fail("cannot set created_at");
    loc_writer_unref(w);
    loc_unref(ctx);
    return 0;
}
