/* Heartbeat text format (ship/heartbeat): format/parse round trips, unknown
 * keys ignored, malformed values refused with the line they are on. */
#include "check.h"

#include <stdbool.h>

#include "ship/heartbeat.h"

static bool contains(const char *text, const char *part) { return strstr(text, part) != NULL; }

static void check_same(const tt_heartbeat *a, const tt_heartbeat *b)
{
    CHECK_EQ_STR(a->sensor, b->sensor);
    CHECK(a->epoch == b->epoch);
    CHECK_EQ_INT(a->time, b->time);
    CHECK_EQ_INT(a->interval, b->interval);
    CHECK(a->counter == b->counter);
    CHECK(a->spool_batches == b->spool_batches && a->spool_bytes == b->spool_bytes);
    CHECK(a->captured == b->captured && a->capture_drops == b->capture_drops);
    CHECK(a->iface_drops == b->iface_drops && a->spool_drops == b->spool_drops);
    CHECK_EQ_STR(a->version, b->version);
}

/* Parses text from a buffer of exactly its length (no terminating NUL to lean on). */
static tt_status parse_exact(const char *text, size_t len, tt_heartbeat *hb, char *err, size_t errlen)
{
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, text, len);
    err[0] = '\0';
    tt_status st = tt_heartbeat_parse(copy, len, hb, err, errlen);
    free(copy);
    return st;
}

static tt_status parse_str(const char *text, tt_heartbeat *hb, char *err, size_t errlen)
{
    return parse_exact(text, strlen(text), hb, err, errlen);
}

static void round_trip(const tt_heartbeat *hb)
{
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(tt_heartbeat_format(hb, &out), TT_OK);
    CHECK(out.len > 0 && out.len <= TT_HEARTBEAT_MAX_BYTES && out.data[out.len - 1] == '\n');
    tt_heartbeat back;
    char err[256];
    tt_status st = parse_exact((const char *)out.data, out.len, &back, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "%s\n%.*s", err, (int)out.len, (const char *)out.data);
    CHECK_EQ_INT(st, TT_OK);
    check_same(hb, &back);
    /* formatting is deterministic and replaces the buffer's content */
    tt_buf again;
    tt_buf_init(&again, 0);
    CHECK_EQ_INT(tt_buf_append(&again, "junk", 4), TT_OK);
    CHECK_EQ_INT(tt_heartbeat_format(&back, &again), TT_OK);
    CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
    tt_buf_free(&again);
    tt_buf_free(&out);
}

static void test_round_trip(void)
{
    tt_heartbeat hb;
    memset(&hb, 0, sizeof hb);
    snprintf(hb.sensor, sizeof hb.sensor, "tokyo-1");
    hb.epoch = 0x9f2c4a0e11d3b7a5ull;
    hb.time = 1764115200;
    hb.interval = 10;
    hb.counter = 42;
    hb.spool_batches = 3;
    hb.spool_bytes = 123456;
    hb.captured = 987654321;
    hb.capture_drops = 5;
    hb.iface_drops = 6;
    hb.spool_drops = 7;
    snprintf(hb.version, sizeof hb.version, "0.3.0~rc1+git.2");
    round_trip(&hb);

    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(tt_heartbeat_format(&hb, &out), TT_OK);
    CHECK_EQ_INT(tt_buf_append(&out, "", 1), TT_OK);
    CHECK(contains((const char *)out.data, "sensor tokyo-1\n"));
    CHECK(contains((const char *)out.data, "epoch 9f2c4a0e11d3b7a5\n"));
    CHECK(contains((const char *)out.data, "time 1764115200\n"));
    tt_buf_free(&out);

    /* extremes */
    memset(hb.sensor, 'Z', sizeof hb.sensor - 1);
    hb.sensor[sizeof hb.sensor - 1] = '\0';
    hb.epoch = UINT64_MAX;
    hb.time = UINT32_MAX;
    hb.interval = 86400;
    hb.counter = hb.spool_batches = hb.spool_bytes = hb.captured = UINT64_MAX;
    hb.capture_drops = hb.iface_drops = hb.spool_drops = UINT64_MAX;
    memset(hb.version, '9', sizeof hb.version - 1);
    hb.version[sizeof hb.version - 1] = '\0';
    round_trip(&hb);
    memset(&hb, 0, sizeof hb);
    snprintf(hb.sensor, sizeof hb.sensor, "_");
    snprintf(hb.version, sizeof hb.version, "1");
    round_trip(&hb); /* epoch 0, time 0 */
    /* A heartbeat without a version parses; formatting it must give one that parses again. */
    hb.version[0] = '\0';
    round_trip(&hb);
}

static void test_minimal_and_unknown(void)
{
    tt_heartbeat hb;
    char err[256];
    CHECK_EQ_INT(parse_str("sensor s\nepoch 1f\ntime 100", &hb, err, sizeof err), TT_OK); /* no final newline */
    CHECK_EQ_STR(hb.sensor, "s");
    CHECK(hb.epoch == 0x1f && hb.time == 100 && hb.interval == 0 && hb.counter == 0);
    CHECK_EQ_STR(hb.version, "");
    /* keys in any order, unknown keys (with any value) ignored */
    CHECK_EQ_INT(parse_str("future_key anything at all: 1 2 3\ntime 5\nx  \ncaptured 9\nepoch a\n"
                           "Sensor IGNORED\nsensor node.b_c\nsensor2 \xff\n",
                           &hb, err, sizeof err),
                 TT_OK);
    CHECK_EQ_STR(hb.sensor, "node.b_c");
    CHECK(hb.time == 5 && hb.epoch == 10 && hb.captured == 9);
    /* parse clears what an earlier heartbeat left */
    CHECK_EQ_INT(parse_str("sensor t\nepoch 0\ntime 0\n", &hb, err, sizeof err), TT_OK);
    CHECK(hb.captured == 0);
    /* a later line for the same key wins */
    CHECK_EQ_INT(parse_str("sensor t\nepoch 0\ntime 1\ntime 2\n", &hb, err, sizeof err), TT_OK);
    CHECK_EQ_INT(hb.time, 2);
}

static void expect_bad(const char *text, size_t len, const char *part)
{
    tt_heartbeat hb;
    char err[256];
    tt_status st = parse_exact(text, len, &hb, err, sizeof err);
    CHECK_EQ_INT(st, TT_ERR_FORMAT);
    if (!contains(err, part))
        fprintf(stderr, "input '%.*s': message '%s' lacks '%s'\n", (int)(len < 80 ? len : 80), text, err, part);
    CHECK(contains(err, part));
}
#define BAD(text, part) expect_bad(text, sizeof(text) - 1, part)

static void test_malformed(void)
{
    /* required keys */
    BAD("", "required");
    BAD("epoch 1\ntime 2\n", "required");
    BAD("sensor a\ntime 2\n", "required");
    BAD("sensor a\nepoch 1\n", "required");
    BAD("sensor a\nepoch 1\ntimex 2\n", "required");
    /* not "key value" */
    BAD("sensor a\n\nepoch 1\ntime 2\n", "line 2: expected 'key value'");
    BAD("sensor a\nepoch\ntime 2\n", "line 2: expected 'key value'");
    BAD("sensor a\nepoch 1\ntime 2\n\n", "line 4: expected 'key value'");
    /* bad numbers */
    BAD("sensor a\nepoch 1\ntime abc\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime \n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime -5\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime 1.5\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime 12 \n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime 12\r\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime  12\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch 1\ntime 4294967296\n", "line 3: bad value for 'time'");
    BAD("sensor a\nepoch xyz\ntime 1\n", "line 2: bad value for 'epoch'");
    BAD("sensor a\nepoch 0x1f\ntime 1\n", "line 2: bad value for 'epoch'");
    BAD("sensor a\nepoch 1F\ntime 1\n", "line 2: bad value for 'epoch'");
    BAD("sensor a\nepoch 1\ntime 1\ninterval 86401\n", "line 4: bad value for 'interval'");
    BAD("sensor a\nepoch 1\ntime 1\ncounter 1e3\n", "line 4: bad value for 'counter'");
    BAD("sensor a\nepoch 1\ntime 1\nspool_batches +1\n", "line 4: bad value for 'spool_batches'");
    BAD("sensor a\nepoch 1\ntime 1\nspool_bytes ff\n", "line 4: bad value for 'spool_bytes'");
    BAD("sensor a\nepoch 1\ntime 1\ncaptured -0\n", "line 4: bad value for 'captured'");
    BAD("sensor a\nepoch 1\ntime 1\ncapture_drops x\n", "line 4: bad value for 'capture_drops'");
    BAD("sensor a\nepoch 1\ntime 1\niface_drops 0x0\n", "line 4: bad value for 'iface_drops'");
    BAD("sensor a\nepoch 1\ntime 1\nspool_drops  \n", "line 4: bad value for 'spool_drops'");
    /* overflow */
    BAD("sensor a\nepoch 1\ntime 1\ncounter 18446744073709551616\n", "line 4: bad value for 'counter'");
    BAD("sensor a\nepoch 1\ntime 1\ncounter 99999999999999999999\n", "line 4: bad value for 'counter'");
    BAD("sensor a\nepoch 1\ntime 1\ncounter 000000000000000000001\n", "line 4: bad value for 'counter'"); /* > 20 digits */
    BAD("sensor a\nepoch 10000000000000000\ntime 1\n", "line 2: bad value for 'epoch'");
    BAD("sensor a\nepoch 1\ntime 99999999999999999999999\n", "line 3: bad value for 'time'");
    {
        tt_heartbeat hb;
        char err[256];
        CHECK_EQ_INT(parse_str("sensor a\nepoch ffffffffffffffff\ntime 4294967295\ncounter 18446744073709551615\n"
                               "interval 86400\n",
                               &hb, err, sizeof err),
                     TT_OK);
        CHECK(hb.epoch == UINT64_MAX && hb.time == UINT32_MAX && hb.counter == UINT64_MAX && hb.interval == 86400);
    }
    /* sensor names and versions */
    BAD("epoch 1\nsensor tok yo\ntime 1\n", "line 2: bad value for 'sensor'");
    BAD("sensor tokyo/1\nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor \xe6\x9d\xb1\xe4\xba\xac\nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor a;rm\nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor \nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor a\x01\nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor a\0b\nepoch 1\ntime 1\n", "line 1: bad value for 'sensor'");
    BAD("sensor 0123456789012345678901234567890123456789012345678901234567890123\nepoch 1\ntime 1\n",
        "line 1: bad value for 'sensor'"); /* 64 characters: one too many */
    BAD("sensor a\nepoch 1\ntime 1\nversion 1 2\n", "line 4: bad value for 'version'");
    BAD("sensor a\nepoch 1\ntime 1\nversion 0123456789012345678901234567890123\n", "line 4: bad value for 'version'");
    BAD("sensor a\nepoch 1\ntime 1\nversion \n", "line 4: bad value for 'version'");
    {
        tt_heartbeat hb;
        char err[256];
        CHECK_EQ_INT(parse_str("sensor 012345678901234567890123456789012345678901234567890123456789012\nepoch 1\n"
                               "time 1\nversion 0123456789012345678901234567890\n",
                               &hb, err, sizeof err),
                     TT_OK);
        CHECK_EQ_INT(strlen(hb.sensor), 63);
        CHECK_EQ_INT(strlen(hb.version), 31);
    }

    /* oversize: refused whole, valid or not */
    size_t big = TT_HEARTBEAT_MAX_BYTES + 1;
    char *text = malloc(big);
    memset(text, 'x', big);
    memcpy(text, "sensor a\nepoch 1\ntime 1\nfiller ", 31);
    expect_bad(text, big, "too large");
    /* ... while exactly the maximum with a long unknown line is fine */
    tt_heartbeat hb;
    char err[256];
    CHECK_EQ_INT(parse_exact(text, TT_HEARTBEAT_MAX_BYTES, &hb, err, sizeof err), TT_OK);
    free(text);
}

int main(void)
{
    test_round_trip();
    test_minimal_and_unknown();
    test_malformed();
    return check_report("test_heartbeat");
}
