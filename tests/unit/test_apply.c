/* Batches into a store (collect/apply): accepted exactly once per
 * (sensor, epoch, seq), folded into the hourly data with their backscatter,
 * gaps, uptime and outcomes. A fresh SQLite store in a mkdtemp directory and
 * the small libloc database of tests/geo/data (fold attributes sources). */
#include "check.h"

#include <stdbool.h>
#include <unistd.h>

#include "batch_fixture.h"
#include "collect/apply.h"

#define T0 ((int64_t)490032 * 3600) /* 2025-11-26 00:00 UTC */
#define HOURS 8                      /* hours T0 .. T0 + 7 h */

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

/* What the folded store must hold, accumulated from the batches given. */
typedef struct expected {
    tt_detail_row *rows[HOURS];
    size_t nrows[HOURS], cap[HOURS];
    uint32_t uptime[HOURS];
    tt_gap gaps[16];
    size_t ngaps;
    uint64_t victim_packets, victim_bytes;
    uint64_t outcomes[TT_OUTCOME_COUNT];
    uint64_t frames;
} expected;

static void expect_batch(expected *e, const fixture_batch *f)
{
    for (size_t i = 0; i < f->nhours; i++) {
        size_t h = (size_t)(f->hours[i] - T0 / 3600);
        tt_detail_row *out = NULL;
        size_t n = 0, cap = 0;
        CHECK_EQ_INT(tt_segment_merge(e->rows[h], e->nrows[h], f->rows[i], f->nrows[i], &out, &n, &cap), TT_OK);
        free(e->rows[h]);
        e->rows[h] = out;
        e->nrows[h] = n;
    }
    for (int64_t t = f->header.opened; t < f->header.closed;) {
        int64_t hour = t / 3600, end = (hour + 1) * 3600 < f->header.closed ? (hour + 1) * 3600 : f->header.closed;
        e->uptime[hour - T0 / 3600] += (uint32_t)(end - t);
        t = end;
    }
    for (size_t i = 0; i < f->ngaps; i++)
        e->gaps[e->ngaps++] = f->gaps[i];
    for (size_t i = 0; i < f->nvictims; i++) {
        e->victim_packets += f->victims[i].packets;
        e->victim_bytes += f->victims[i].bytes;
    }
    for (int i = 0; i < TT_OUTCOME_COUNT; i++)
        e->outcomes[i] += f->header.outcomes[i];
    e->frames += f->header.frames;
}

static void expected_free(expected *e)
{
    for (int h = 0; h < HOURS; h++)
        free(e->rows[h]);
    memset(e, 0, sizeof *e);
}

static tt_status count_inbox(void *ctx, int64_t id, int32_t sensor, const uint8_t *data, size_t len)
{
    (void)id;
    (void)sensor;
    (void)data;
    (void)len;
    (*(size_t *)ctx)++;
    return TT_OK;
}

static size_t inbox_count(tt_store *store)
{
    size_t n = 0;
    CHECK_EQ_INT(store->ops->inbox_scan(store, 1000, count_inbox, &n), TT_OK);
    return n;
}

/* Accepts a fixture batch: builds, decodes, accepts. */
static tt_accept_result accept(tt_store *store, const fixture_batch *f, uint64_t *last_seq)
{
    tt_buf out;
    tt_buf_init(&out, 0);
    CHECK_EQ_INT(fixture_build(f, &out), TT_OK);
    tt_batch b;
    char err[256];
    tt_accept_result result = (tt_accept_result)-1;
    CHECK_EQ_INT(tt_batch_decode(out.data, out.len, &b, err, sizeof err), TT_OK);
    tt_status st = tt_apply_accept(store, NULL, &b, out.data, out.len, 1764200000, &result, last_seq, err, sizeof err);
    if (st != TT_OK)
        fprintf(stderr, "accept: %s\n", err);
    CHECK_EQ_INT(st, TT_OK);
    tt_batch_free(&b);
    tt_buf_free(&out);
    return result;
}

typedef struct sums {
    uint64_t packets, bytes;
    uint64_t by_hour[HOURS];
    size_t calls;
} sums;

static tt_status sum_rollup(void *ctx, const tt_rollup_row *row)
{
    sums *s = ctx;
    s->packets += row->packets;
    s->bytes += row->bytes;
    if (row->hour >= T0 / 3600 && row->hour < T0 / 3600 + HOURS)
        s->by_hour[row->hour - T0 / 3600] += row->packets;
    s->calls++;
    return TT_OK;
}

typedef struct segments_seen {
    const expected *e;
    int32_t sensor;
    size_t segments;
    bool same;
} segments_seen;

static tt_status check_segment(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    segments_seen *s = ctx;
    s->segments++;
    int64_t h = hour - T0 / 3600;
    if (sensor != s->sensor || h < 0 || h >= HOURS || n != s->e->nrows[h]) {
        fprintf(stderr, "segment hour %lld sensor %d: %zu rows\n", (long long)hour, sensor, n);
        s->same = false;
        return TT_OK;
    }
    const tt_detail_row *want = s->e->rows[h];
    for (size_t i = 0; i < n; i++) {
        const tt_detail_row *a = &rows[i], *b = &want[i];
        if (tt_detail_row_cmp(a, b) != 0 || a->packets != b->packets || a->bytes != b->bytes ||
            a->first != b->first || a->last != b->last || a->os != b->os || a->ttl != b->ttl || a->cc == 0) {
            fprintf(stderr, "segment hour %lld row %zu differs\n", (long long)hour, i);
            s->same = false;
            break;
        }
    }
    return TT_OK;
}

typedef struct gaps_seen {
    tt_gap gaps[32];
    int32_t sensors[32];
    size_t n;
} gaps_seen;

static tt_status collect_gap(void *ctx, int32_t sensor, const tt_gap *gap)
{
    gaps_seen *g = ctx;
    if (g->n < 32) {
        g->sensors[g->n] = sensor;
        g->gaps[g->n++] = *gap;
    }
    return TT_OK;
}

static tt_status collect_uptime(void *ctx, int32_t sensor, int64_t hour, uint32_t seconds)
{
    (void)sensor;
    uint32_t *uptime = ctx;
    if (hour >= T0 / 3600 && hour < T0 / 3600 + HOURS)
        uptime[hour - T0 / 3600] += seconds;
    else
        uptime[HOURS] += seconds; /* outside: must stay 0 */
    return TT_OK;
}

static tt_status sum_victims(void *ctx, const tt_victim_row *row)
{
    uint64_t *s = ctx;
    s[0] += row->packets;
    s[1] += row->bytes;
    return TT_OK;
}

typedef struct files_seen {
    char name[128];
    uint64_t frames;
    bool found;
} files_seen;

static tt_status find_file(void *ctx, const tt_file_info *file)
{
    files_seen *f = ctx;
    if (strcmp(file->name, f->name) == 0) {
        f->found = true;
        f->frames = file->frames;
    }
    return TT_OK;
}

static int gap_cmp(const void *a, const void *b)
{
    const tt_gap *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The store holds exactly what the batches folded so far carried. */
static void check_store(tt_store *store, const expected *e, int32_t sensor)
{
    tt_rollup_filter all;
    memset(&all, 0, sizeof all);
    all.hour_from = 0;
    all.hour_to = INT32_MAX;
    uint64_t packets = 0, bytes = 0, by_hour[HOURS] = {0};
    for (int h = 0; h < HOURS; h++)
        for (size_t i = 0; i < e->nrows[h]; i++) {
            packets += e->rows[h][i].packets;
            bytes += e->rows[h][i].bytes;
            by_hour[h] += e->rows[h][i].packets;
        }

    sums rollup;
    memset(&rollup, 0, sizeof rollup);
    CHECK_EQ_INT(store->ops->scan_rollup(store, &all, TT_GROUP_HOUR | TT_GROUP_SENSOR, sum_rollup, &rollup), TT_OK);
    CHECK_EQ_INT(rollup.packets, packets);
    CHECK_EQ_INT(rollup.bytes, bytes);
    for (int h = 0; h < HOURS; h++)
        CHECK_EQ_INT(rollup.by_hour[h], by_hour[h]);
    sums totals;
    memset(&totals, 0, sizeof totals);
    CHECK_EQ_INT(store->ops->scan_totals(store, &all, TT_GROUP_PORT, sum_rollup, &totals), TT_OK);
    CHECK_EQ_INT(totals.packets, packets);
    CHECK_EQ_INT(totals.bytes, bytes);
    for (int h = 0; h < HOURS; h++)
        CHECK_EQ_INT(totals.by_hour[h], by_hour[h]);

    segments_seen seg = {e, sensor, 0, true};
    CHECK_EQ_INT(store->ops->scan_segments(store, &all, NULL, false, check_segment, &seg), TT_OK);
    size_t want_segments = 0;
    for (int h = 0; h < HOURS; h++)
        want_segments += e->nrows[h] > 0;
    CHECK_EQ_INT(seg.segments, want_segments);
    CHECK(seg.same);

    uint32_t uptime[HOURS + 1] = {0};
    CHECK_EQ_INT(store->ops->scan_uptime(store, &all, collect_uptime, uptime), TT_OK);
    for (int h = 0; h < HOURS; h++)
        CHECK_EQ_INT(uptime[h], e->uptime[h]);
    CHECK_EQ_INT(uptime[HOURS], 0);

    static gaps_seen gaps;
    memset(&gaps, 0, sizeof gaps);
    CHECK_EQ_INT(store->ops->scan_gaps(store, &all, collect_gap, &gaps), TT_OK);
    CHECK_EQ_INT(gaps.n, e->ngaps);
    tt_gap want[16];
    memcpy(want, e->gaps, e->ngaps * sizeof *want);
    qsort(want, e->ngaps, sizeof *want, gap_cmp);
    for (size_t i = 0; i < gaps.n && i < e->ngaps; i++) {
        CHECK_EQ_INT(gaps.sensors[i], sensor);
        CHECK(gaps.gaps[i].start == want[i].start && gaps.gaps[i].end == want[i].end &&
              gaps.gaps[i].packets == want[i].packets && gaps.gaps[i].reason == want[i].reason);
    }

    uint64_t victims[2] = {0, 0};
    CHECK_EQ_INT(store->ops->scan_victims(store, &all, sum_victims, victims), TT_OK);
    CHECK_EQ_INT(victims[0], e->victim_packets);
    CHECK_EQ_INT(victims[1], e->victim_bytes);

    uint64_t outcomes[TT_OUTCOME_COUNT];
    CHECK_EQ_INT(store->ops->outcome_totals(store, outcomes), TT_OK);
    for (int i = 0; i < TT_OUTCOME_COUNT; i++)
        CHECK_EQ_INT(outcomes[i], e->outcomes[i]);
}

static void test_accept_and_fold(tt_store *store, tt_geo *geo)
{
    char err[256];
    uint64_t last = 99;
    const uint64_t epoch = 0x9f2c4a0e11d3b7a5ull, epoch2 = 0x0123456789abcdefull;
    fixture_batch b[4];
    /* three consecutive batches of one spool: hours 0-1, 1, 1-3 */
    fixture_make(&b[0], "tokyo-1", epoch, 1, T0 + 1234, 3600 + 100, 150, 2);
    fixture_make(&b[1], "tokyo-1", epoch, 2, b[0].header.closed, 1800, 150, 2);
    fixture_make(&b[2], "tokyo-1", epoch, 3, b[1].header.closed, 2 * 3600, 150, 2);
    /* the same sensor after losing its spool: a new epoch, seq 1 again */
    fixture_make(&b[3], "tokyo-1", epoch2, 1, T0 + 5 * 3600 + 20, 100, 150, 2);

    /* Empty inbox: nothing to fold. */
    size_t folded = 99;
    CHECK_EQ_INT(tt_apply_fold(store, geo, 0, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 0);
    CHECK_EQ_INT(tt_apply_fold_all(store, geo, err, sizeof err), TT_OK);

    /* The same batch twice: stored once. */
    CHECK_EQ_INT(accept(store, &b[0], &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(last, 0);
    CHECK_EQ_INT(inbox_count(store), 1);
    CHECK_EQ_INT(accept(store, &b[0], &last), TT_ACCEPT_DUPLICATE);
    CHECK_EQ_INT(last, 1);
    CHECK_EQ_INT(inbox_count(store), 1);
    CHECK_EQ_INT(accept(store, &b[1], &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(accept(store, &b[2], &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(last, 2);
    CHECK_EQ_INT(accept(store, &b[1], &last), TT_ACCEPT_DUPLICATE); /* older than the last one */
    CHECK_EQ_INT(last, 3);
    CHECK_EQ_INT(inbox_count(store), 3);

    tt_sensor_info *sensors = NULL;
    size_t nsensors = 0;
    CHECK_EQ_INT(store->ops->sensors(store, &sensors, &nsensors), TT_OK);
    CHECK_EQ_INT(nsensors, 1);
    int32_t sensor = nsensors ? sensors[0].id : -1;
    if (nsensors)
        CHECK_EQ_STR(sensors[0].name, "tokyo-1");
    free(sensors);

    tt_sensor_health *health = NULL;
    size_t nhealth = 0;
    CHECK_EQ_INT(store->ops->health_list(store, &health, &nhealth), TT_OK);
    CHECK_EQ_INT(nhealth, 1);
    if (nhealth == 1) {
        CHECK(health[0].sensor == sensor && health[0].epoch == epoch && health[0].seq == 3);
        CHECK_EQ_INT(health[0].pending, 3);
        CHECK_EQ_INT(health[0].batch_at, 1764200000);
    }
    free(health);

    /* Fold in two steps: the second merges into segments already stored. */
    expected e;
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(tt_apply_fold(store, geo, 2, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 2);
    CHECK_EQ_INT(inbox_count(store), 1);
    expect_batch(&e, &b[0]);
    expect_batch(&e, &b[1]);
    check_store(store, &e, sensor);
    CHECK_EQ_INT(tt_apply_fold_all(store, geo, err, sizeof err), TT_OK);
    CHECK_EQ_INT(inbox_count(store), 0);
    expect_batch(&e, &b[2]);
    check_store(store, &e, sensor);
    CHECK_EQ_INT(e.uptime[0], 3600 - 1234);
    CHECK_EQ_INT(e.uptime[1], 3600);
    CHECK_EQ_INT(e.uptime[2], 3600);
    CHECK(e.nrows[1] > b[0].nrows[1]); /* hour 1 merged three batches */

    /* Folded batches are still known: a resend is a duplicate, not data. */
    CHECK_EQ_INT(accept(store, &b[2], &last), TT_ACCEPT_DUPLICATE);
    CHECK_EQ_INT(accept(store, &b[0], &last), TT_ACCEPT_DUPLICATE);
    CHECK_EQ_INT(inbox_count(store), 0);
    CHECK_EQ_INT(tt_apply_fold(store, geo, 0, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 0);
    check_store(store, &e, sensor);

    /* A new epoch starts again at 1. */
    CHECK_EQ_INT(accept(store, &b[3], &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(last, 0);
    CHECK_EQ_INT(accept(store, &b[3], &last), TT_ACCEPT_DUPLICATE);
    CHECK_EQ_INT(tt_apply_fold(store, geo, 0, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 1);
    expect_batch(&e, &b[3]);
    check_store(store, &e, sensor);
    CHECK_EQ_INT(store->ops->health_list(store, &health, &nhealth), TT_OK);
    if (nhealth == 1)
        CHECK(health[0].epoch == epoch2 && health[0].seq == 1 && health[0].pending == 0);
    free(health);

    /* Each epoch is a "file" of the catalogue with the frames of its batches. */
    files_seen fs;
    memset(&fs, 0, sizeof fs);
    snprintf(fs.name, sizeof fs.name, "live:tokyo-1/%016llx", (unsigned long long)epoch);
    CHECK_EQ_INT(store->ops->files(store, find_file, &fs), TT_OK);
    CHECK(fs.found);
    CHECK_EQ_INT(fs.frames, b[0].header.frames + b[1].header.frames + b[2].header.frames);

    /* An inbox batch damaged on disk is dropped, not retried forever. */
    CHECK_EQ_INT(store->ops->begin(store), TT_OK);
    CHECK_EQ_INT(store->ops->batch_accept(store, sensor, 77, 1, (const uint8_t *)"TTOB\1junk", 9, 1764200001, &last),
                 TT_OK);
    CHECK_EQ_INT(store->ops->commit(store), TT_OK);
    CHECK_EQ_INT(inbox_count(store), 1);
    CHECK_EQ_INT(tt_apply_fold(store, geo, 0, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 1);
    CHECK_EQ_INT(inbox_count(store), 0);
    check_store(store, &e, sensor);

    /* An empty batch still counts uptime. */
    fixture_batch quiet;
    fixture_make(&quiet, "tokyo-1", epoch2, 2, b[3].header.closed, 600, 0, 0);
    CHECK_EQ_INT(accept(store, &quiet, &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(tt_apply_fold_all(store, geo, err, sizeof err), TT_OK);
    expect_batch(&e, &quiet);
    check_store(store, &e, sensor);
    fixture_free(&quiet);

    expected_free(&e);
    for (int i = 0; i < 4; i++)
        fixture_free(&b[i]);
}

/* Two sensors: their batches never collide, even with equal epochs. */
static void test_two_sensors(tt_store *store, tt_geo *geo)
{
    char err[256];
    uint64_t last;
    fixture_batch a, b;
    fixture_make(&a, "sg-1", 5, 1, T0 + 7 * 3600, 60, 20, 0);
    fixture_make(&b, "de-fra", 5, 1, T0 + 7 * 3600, 60, 20, 0);
    CHECK_EQ_INT(accept(store, &a, &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(accept(store, &b, &last), TT_ACCEPT_NEW);
    CHECK_EQ_INT(accept(store, &a, &last), TT_ACCEPT_DUPLICATE);
    size_t folded;
    CHECK_EQ_INT(tt_apply_fold(store, geo, 0, &folded, err, sizeof err), TT_OK);
    CHECK_EQ_INT(folded, 2);
    tt_sensor_health *health = NULL;
    size_t nhealth = 0;
    CHECK_EQ_INT(store->ops->health_list(store, &health, &nhealth), TT_OK);
    CHECK_EQ_INT(nhealth, 3);
    free(health);
    fixture_free(&a);
    fixture_free(&b);
}

int main(void)
{
    char dir[] = "/tmp/test_apply.XXXXXX", path[64], err[256], geo_path[256];
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    snprintf(path, sizeof path, "%s/live.db", dir);
    tt_store *store = NULL;
    tt_geo *geo = NULL;
    CHECK_EQ_INT(tt_store_open(path, true, &store, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_geo_open(data_path("test.loc", geo_path, sizeof geo_path), &geo, err, sizeof err), TT_OK);
    if (store && geo) {
        test_accept_and_fold(store, geo);
        test_two_sensors(store, geo);
    }
    tt_store_close(store);
    tt_geo_close(geo);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char file[96];
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
    return check_report("test_apply");
}
