/* Service names: the IANA registry compiled into teiten (data/services.txt)
 * and loading an explicit services(5) file instead. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "classify/services.h"

/* tcp + udp lines in data/services.txt; scripts/update-services prints it. */
#define EMBEDDED_ENTRIES 11504

static void test_embedded(void)
{
    static const struct {
        uint8_t proto;
        int32_t port;
        const char *name; /* NULL: not assigned at IANA */
    } cases[] = {
        /* The ports of JPCERT/CC's 2015 Q4 report, named as it names them. */
        {6, 23, "telnet"},
        {6, 445, "microsoft-ds"},
        {6, 1433, "ms-sql-s"},
        /* Registered to something else than what darknets see on them. */
        {6, 9600, "micromuse-ncpw"}, /* OMRON FINS in practice */
        {17, 9600, "micromuse-ncpw"},
        {6, 2323, "3d-nfsd"},        /* Mirai's second Telnet port */
        {6, 5555, "personal-agent"}, /* Android ADB */
        {6, 1911, "mtp"},            /* Niagara Fox */
        {6, 1962, "biap-mp"},        /* PC WORX */
        {6, 102, "iso-tsap"},        /* S7comm */
        /* Unassigned. */
        {17, 53413, NULL}, /* Netis backdoor */
        {6, 37215, NULL},  /* Huawei HG532 */
        {6, 52869, NULL},  /* Realtek miniigd */
        {6, 789, NULL},    /* Red Lion Crimson */
        {6, 20547, NULL},  /* ProConOS */
        /* Registered for what they are used for. */
        {6, 7547, "cwmp"},
        {6, 502, "mbap"},
        {6, 20000, "dnp"},
        {6, 44818, "EtherNet-IP-2"},
        {17, 47808, "bacnet"},
        {6, 2404, "iec-104"},
        {6, 22, "ssh"},
        {6, 80, "http"},
        {6, 3389, "ms-wbt-server"},
        {6, 6379, "redis"},
        {17, 6379, NULL}, /* registered for tcp only */
        {17, 11211, "memcache"},
        {17, 123, "ntp"},
        {17, 1900, "ssdp"},
        {17, 53, "domain"},
        /* Ranges in the registry are expanded port by port. */
        {6, 6000, "x11"},
        {17, 6063, "x11"},
        {6, 6064, "ndl-ahp-svc"},
        {6, 6667, "ircu"},
        {6, 0, NULL},
        {6, 65535, NULL},
    };
    char err[256] = "";
    tt_services *s = NULL;
    CHECK_EQ_INT(tt_services_load(NULL, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(tt_services_count(s), EMBEDDED_ENTRIES);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = tt_services_name(s, cases[i].proto, cases[i].port);
        if (cases[i].name == NULL) {
            if (name != NULL)
                fprintf(stderr, "case %zu: %d/%u is '%s', want none\n", i, cases[i].port, cases[i].proto,
                        name);
            CHECK(name == NULL);
        } else {
            CHECK_EQ_STR(name, cases[i].name);
        }
    }
    CHECK_EQ_STR(tt_services_name(s, 1, 8), "icmp");
    CHECK_EQ_STR(tt_services_name(s, 58, 128), "ipv6-icmp");
    CHECK(tt_services_name(s, 6, -1) == NULL);
    CHECK(tt_services_name(s, 6, 70000) == NULL);
    tt_services_free(s);
}

static void test_explicit_path(void)
{
    char path[] = "/tmp/teiten-test-services-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("# local names\nnetis-backdoor 53413/udp # not IANA\ntelnet 23/tcp\n", f);
    fclose(f);
    char err[256] = "";
    tt_services *s = NULL;
    CHECK_EQ_INT(tt_services_load(path, &s, err, sizeof err), TT_OK);
    if (s != NULL) {
        CHECK_EQ_INT(tt_services_count(s), 2);
        CHECK_EQ_STR(tt_services_name(s, 17, 53413), "netis-backdoor");
        CHECK(tt_services_name(s, 6, 445) == NULL); /* the file replaces the registry */
        tt_services_free(s);
    }
    unlink(path);
    /* A missing file is an empty table: names are a convenience. */
    CHECK_EQ_INT(tt_services_load(path, &s, err, sizeof err), TT_OK);
    if (s != NULL) {
        CHECK_EQ_INT(tt_services_count(s), 0);
        CHECK(tt_services_name(s, 6, 23) == NULL);
        tt_services_free(s);
    }
    tt_services_free(NULL);
}

int main(void)
{
    test_embedded();
    test_explicit_path();
    return check_report("test_services");
}
