/* Sensor map, configuration, services, parsing helpers and periods. */
#include "check.h"

#include "analyze/period.h"
#include "classify/sensor_map.h"
#include "classify/services.h"
#include "cli/settings.h"
#include "util/parse.h"

static tt_addr addr(const char *text)
{
    tt_addr a;
    memset(&a, 0, sizeof a);
    CHECK(tt_addr_parse(text, &a));
    return a;
}

static void test_settings(void)
{
    const char *conf = "# telescope\n"
                       "[store]\n db = /tmp/x.db\n"
                       "[sensor tokyo]\nprefix = 198.51.100.0/24\nprefix = 2001:db8::/32\nregion = jp\n"
                       "label = site=tokyo\nlabel = isp=example\n"
                       "[sensor tokyo-host]\nprefix = 198.51.100.7\n"
                       "[sensor other]\nprefix=203.0.113.0/25\n";
    tt_settings s;
    char err[256] = "";
    CHECK_EQ_INT(tt_settings_init(&s), TT_OK);
    CHECK_EQ_INT(tt_settings_parse(&s, conf, strlen(conf), "t.conf", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_settings_finish(&s, err, sizeof err), TT_OK);
    CHECK_EQ_STR(s.db, "/tmp/x.db");
    CHECK_EQ_INT(tt_sensor_map_count(s.sensors), 3);
    const tt_sensor_def *tokyo = tt_sensor_map_get(s.sensors, 0);
    CHECK_EQ_STR(tokyo->region, "JP");
    CHECK_EQ_STR(tokyo->labels, "site=tokyo,isp=example");
    tt_addr a = addr("198.51.100.9");
    CHECK_EQ_INT(tt_sensor_map_lookup(s.sensors, &a), 0);
    a = addr("198.51.100.7"); /* longest prefix wins */
    CHECK_EQ_INT(tt_sensor_map_lookup(s.sensors, &a), 1);
    a = addr("2001:db8::1");
    CHECK_EQ_INT(tt_sensor_map_lookup(s.sensors, &a), 0);
    a = addr("203.0.113.127");
    CHECK_EQ_INT(tt_sensor_map_lookup(s.sensors, &a), 2);
    a = addr("203.0.113.128");
    CHECK_EQ_INT(tt_sensor_map_lookup(s.sensors, &a), -1);
    tt_settings_free(&s);

    static const struct {
        const char *text, *error;
    } bad[] = {
        {"[sensor a]\nprefix = 300.1.1.1/24\n", "bad.conf:2: bad prefix"},
        {"[sensor a]\nregion = JPN\n", "bad.conf:2: region"},
        {"[nosuch]\n", "bad.conf:1: unknown section"},
        {"[sensor]\n", "bad.conf:1: a sensor section needs a name"},
        {"[sensor a]\nfoo = 1\n", "bad.conf:2: unknown key 'foo'"},
        {"[store]\n\njust text\n", "bad.conf:3: expected 'key = value'"},
        {"[sensor a\n", "bad.conf:1: section header"},
        {"[sensor a]\nprefix = 10.0.0.0/8\n[sensor b]\nprefix = 10.0.0.0/8\n", "bad.conf:4: prefix 10.0.0.0/8 is already claimed by sensor 'a'"},
        {"[sensor a]\nlabel = nokey\n", "bad.conf:2: label"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(tt_settings_init(&s), TT_OK);
        err[0] = '\0';
        tt_status st = tt_settings_parse(&s, bad[i].text, strlen(bad[i].text), "bad.conf", err, sizeof err);
        if (st == TT_OK)
            st = tt_settings_finish(&s, err, sizeof err);
        CHECK(st != TT_OK);
        if (strstr(err, bad[i].error) == NULL)
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, bad[i].error);
        CHECK(strstr(err, bad[i].error) != NULL);
        tt_settings_free(&s);
    }
}

static void test_services(void)
{
    const char *text = "telnet 23/tcp\nftp 21/tcp # file\n  ms-sql-s\t1433/tcp\nfirst 53413/udp\nsecond 53413/udp\n"
                       "garbage line\nbad 99999/tcp\n";
    tt_services *s;
    CHECK_EQ_INT(tt_services_parse(text, strlen(text), &s), TT_OK);
    CHECK_EQ_STR(tt_services_name(s, 6, 23), "telnet");
    CHECK_EQ_STR(tt_services_name(s, 6, 1433), "ms-sql-s");
    CHECK_EQ_STR(tt_services_name(s, 17, 53413), "first");
    CHECK(tt_services_name(s, 17, 23) == NULL);
    CHECK_EQ_STR(tt_services_name(s, 1, 0), "icmp");
    CHECK_EQ_INT(tt_services_count(s), 5);
    tt_services_free(s);
}

static void test_parse(void)
{
    int32_t d;
    CHECK(tt_parse_date("1970-01-01", &d) && d == 0);
    CHECK(tt_parse_date("2015-10-01", &d) && d == 16709);
    CHECK(!tt_parse_date("2015-02-29", &d));
    CHECK(tt_parse_date("2016-02-29", &d));
    CHECK(!tt_parse_date("2015-13-01", &d));
    CHECK(!tt_parse_date("2015-1-01", &d));
    char buf[16];
    CHECK_EQ_STR(tt_format_date(16709, buf, sizeof buf), "2015-10-01");
    int32_t port;
    uint8_t proto;
    CHECK(tt_parse_port_key("9600/TCP", &port, &proto) && port == 9600 && proto == 6);
    CHECK(tt_parse_port_key("0/icmp", &port, &proto) && port == 0 && proto == 1);
    CHECK(!tt_parse_port_key("65536/udp", &port, &proto));
    CHECK(!tt_parse_port_key("23", &port, &proto));
    CHECK(!tt_parse_port_key("23/foo", &port, &proto));
    uint64_t v;
    CHECK(!tt_parse_u64("-1", 100, &v));
    CHECK(!tt_parse_u64("101", 100, &v));
    CHECK(!tt_parse_u64("1x", 100, &v));
    tt_prefix p;
    CHECK(tt_prefix_parse("192.0.2.77/24", &p) && p.bits == 120);
    char text[80];
    CHECK_EQ_STR(tt_prefix_format(&p, text, sizeof text), "192.0.2.0/24");
    CHECK(!tt_prefix_parse("192.0.2.0/33", &p));
    CHECK(!tt_prefix_parse("2001:db8::/129", &p));
}

static void test_period(void)
{
    char err[256];
    tt_period p, prev;
    int32_t d;
    CHECK(tt_parse_date("2015-10-01", &d));
    CHECK_EQ_INT(tt_period_set_zone("UTC", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_period_make(d, d + 9, &p, err, sizeof err), TT_OK);
    CHECK_EQ_INT(p.hour_from, (int64_t)d * 24);
    CHECK_EQ_INT(p.hour_to, (int64_t)(d + 10) * 24);
    CHECK_EQ_INT(tt_period_previous(&p, &prev, err, sizeof err), TT_OK);
    CHECK_EQ_INT(prev.first_day, d - 10);
    CHECK_EQ_INT(prev.last_day, d - 1);
    CHECK_EQ_INT(tt_period_set_zone("Asia/Tokyo", err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_period_make(d, d, &p, err, sizeof err), TT_OK);
    CHECK_EQ_INT(p.hour_from, (int64_t)d * 24 - 9);
    CHECK_EQ_INT(tt_period_day_of_hour((int64_t)d * 24 - 9), d);
    CHECK_EQ_INT(tt_period_day_of_hour((int64_t)d * 24 - 10), d - 1);
    CHECK_EQ_INT(tt_period_quarter("2015Q4", &p, err, sizeof err), TT_OK);
    CHECK_EQ_INT(p.first_day, d);
    CHECK_EQ_INT(p.last_day, d + 91);
    CHECK_EQ_INT(tt_period_previous_quarter(&p, &prev, err, sizeof err), TT_OK);
    CHECK_EQ_INT(prev.last_day, d - 1);
    CHECK_EQ_INT(prev.last_day - prev.first_day + 1, 92);
    CHECK(tt_period_set_zone("Nowhere/City", err, sizeof err) != TT_OK);
    CHECK_EQ_INT(tt_period_set_zone("Asia/Kolkata", err, sizeof err), TT_OK);
    CHECK(tt_period_make(d, d, &p, err, sizeof err) == TT_ERR_UNSUPPORTED);
    CHECK(tt_period_quarter("2015Q5", &p, err, sizeof err) != TT_OK);
    CHECK_EQ_INT(tt_period_set_zone("UTC", err, sizeof err), TT_OK);
}

int main(void)
{
    test_settings();
    test_services();
    test_parse();
    test_period();
    return check_report("test_classify");
}
