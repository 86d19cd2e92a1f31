/* Builds the small libloc database tests/golden/data/geo.loc: for each
 * address read from standard input (one per line), the network that the
 * full database (argv[1]) gives it, with that network's country; and every
 * country used, with its name. Looking up any of those addresses in the small
 * database gives what the full one gives, so the golden outputs do not depend
 * on the version of Debian's libloc-database installed.
 *
 *   cc -O2 -o make-geo make-geo.c -lloc
 *   make-geo /usr/share/libloc-location/location.db OUT.loc < addresses
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <libloc/writer.h>

#define MAX_NETS 100000

static char *nets[MAX_NETS];
static char ccs[MAX_NETS][3];
static size_t nnets;

static int seen(const char *net)
{
    for (size_t i = 0; i < nnets; i++)
        if (strcmp(nets[i], net) == 0)
            return 1;
    return 0;
}

static int cc_cmp(const void *a, const void *b) { return strcmp(a, b); }

static int to_in6(const char *text, struct in6_addr *out)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        memset(out, 0, sizeof *out);
        out->s6_addr[10] = 0xff;
        out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &v4, 4);
        return 1;
    }
    return inet_pton(AF_INET6, text, out) == 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make-geo FULL.db OUT.loc < addresses\n");
        return 2;
    }
    struct loc_ctx *ctx;
    struct loc_database *db;
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL || loc_new(&ctx) != 0 || loc_database_new(ctx, &db, in) != 0) {
        fprintf(stderr, "make-geo: cannot open %s\n", argv[1]);
        return 1;
    }
    char line[256];
    size_t addresses = 0, unknown = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, " \t\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        struct in6_addr a;
        if (!to_in6(line, &a)) {
            fprintf(stderr, "make-geo: not an address: '%s'\n", line);
            return 1;
        }
        addresses++;
        struct loc_network *n = NULL;
        if (loc_database_lookup(db, &a, &n) != 0 || n == NULL) {
            unknown++;
            continue;
        }
        const char *cc = loc_network_get_country_code(n);
        const char *str = loc_network_str(n);
        if (!seen(str)) {
            if (nnets == MAX_NETS) {
                fprintf(stderr, "make-geo: too many networks\n");
                return 1;
            }
            nets[nnets] = strdup(str);
            snprintf(ccs[nnets], sizeof ccs[nnets], "%s", cc ? cc : "");
            nnets++;
        }
        loc_network_unref(n);
    }

    struct loc_writer *w;
    if (loc_writer_new(ctx, &w, NULL, NULL) != 0) {
        fprintf(stderr, "make-geo: cannot create a writer\n");
        return 1;
    }
    loc_writer_set_vendor(w, "teiten tests/golden/make-geo.c");
    loc_writer_set_description(w, "The networks of the golden test captures' sources, "
                                   "copied from Debian's libloc-database");
    loc_writer_set_license(w, "CC BY-SA 4.0 (IPFire Location)");
    for (size_t i = 0; i < nnets; i++) {
        struct loc_network *n;
        if (loc_writer_add_network(w, &n, nets[i]) != 0) {
            fprintf(stderr, "make-geo: cannot add %s\n", nets[i]);
            return 1;
        }
        if (ccs[i][0])
            loc_network_set_country_code(n, ccs[i]);
        loc_network_unref(n);
    }
    /* Each country once, in order: libloc finds countries by binary search
     * and its writer keeps them in the order they were added. */
    static char sorted[MAX_NETS][3];
    memcpy(sorted, ccs, sizeof ccs);
    qsort(sorted, nnets, sizeof sorted[0], cc_cmp);
    size_t countries = 0;
    for (size_t i = 0; i < nnets; i++) {
        if (!sorted[i][0] || (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0))
            continue;
        struct loc_country *full;
        if (loc_database_get_country(db, &full, sorted[i]) != 0 || full == NULL)
            continue;
        struct loc_country *c;
        if (loc_writer_add_country(w, &c, sorted[i]) != 0) {
            fprintf(stderr, "make-geo: cannot add country %s\n", sorted[i]);
            return 1;
        }
        if (loc_country_get_name(full))
            loc_country_set_name(c, loc_country_get_name(full));
        if (loc_country_get_continent_code(full))
            loc_country_set_continent_code(c, loc_country_get_continent_code(full));
        loc_country_unref(c);
        loc_country_unref(full);
        countries++;
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL || loc_writer_write(w, out, LOC_DATABASE_VERSION_LATEST) != 0 || fclose(out) != 0) {
        fprintf(stderr, "make-geo: cannot write %s\n", argv[2]);
        return 1;
    }
    /* The same input gives the same bytes: the header's created_at (after
     * the 8-byte magic and version of format v1) is set to 0. */
    static const unsigned char zero[8];
    out = fopen(argv[2], "r+b");
    if (out == NULL || fseek(out, 8, SEEK_SET) != 0 || fwrite(zero, 1, 8, out) != 8 || fclose(out) != 0) {
        fprintf(stderr, "make-geo: cannot rewrite %s\n", argv[2]);
        return 1;
    }
    fprintf(stderr, "make-geo: %zu addresses (%zu unknown), %zu networks, %zu countries\n", addresses,
            unknown, nnets, countries);
    loc_writer_unref(w);
    loc_database_unref(db);
    loc_unref(ctx);
    return 0;
}
