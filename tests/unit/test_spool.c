/* The sensor's on-disk spool (ship/spool): order, persistence across
 * reopening, the cap and its declared gaps, repair after a crash, rejected
 * batches and damaged state files. Works in a mkdtemp directory. */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_fixture.h"
#include "ship/batch.h"
#include "ship/spool.h"

static char root[256];

static bool contains(const char *text, const char *part) { return strstr(text, part) != NULL; }

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void write_bytes(const char *path, const tt_buf *b)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL && fwrite(b->data, 1, b->len, f) == b->len);
    if (f)
        fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void batch_file(const char *dir, uint64_t seq, char *path, size_t len)
{
    snprintf(path, len, "%s/%020llu.batch", dir, (unsigned long long)seq);
}

/* Removes a spool directory (files, rejected/ and the directory). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static tt_status put_text(tt_spool *s, uint64_t seq, const char *text, const tt_gap *lost, char *err,
                          size_t errlen)
{
    return tt_spool_put(s, seq, (const uint8_t *)text, strlen(text), lost, true, err, errlen);
}

/* The oldest batch is seq with this content. */
static void expect_oldest(tt_spool *s, uint64_t want_seq, const char *want)
{
    tt_buf data;
    tt_buf_init(&data, 0);
    uint64_t seq = 0;
    char err[512];
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_OK);
    CHECK_EQ_INT(seq, want_seq);
    CHECK(data.len == strlen(want) && memcmp(data.data, want, data.len) == 0);
    tt_buf_free(&data);
}

static void expect_usage(tt_spool *s, uint64_t batches, uint64_t bytes, uint64_t dropped)
{
    tt_spool_usage u;
    tt_spool_get_usage(s, &u);
    CHECK_EQ_INT(u.batches, batches);
    CHECK_EQ_INT(u.bytes, bytes);
    CHECK_EQ_INT(u.dropped_packets, dropped);
}

static size_t pending(tt_spool *s, tt_gap *gaps)
{
    return tt_spool_pending_gaps(s, gaps, TT_SPOOL_MAX_GAPS);
}

static void test_order_and_reopen(void)
{
    char dir[512], err[512], path[1024];
    snprintf(dir, sizeof dir, "%s/order", root); /* created by open */
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    snprintf(path, sizeof path, "%s/state", dir);
    CHECK(exists(path));
    snprintf(path, sizeof path, "%s/rejected", dir);
    CHECK(exists(path));
    uint64_t epoch = tt_spool_epoch(s);
    CHECK_EQ_INT(tt_spool_next_seq(s), 1);
    tt_buf data;
    tt_buf_init(&data, 0);
    uint64_t seq;
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_ERR_NOTFOUND);
    tt_gap gaps[TT_SPOOL_MAX_GAPS];
    CHECK_EQ_INT(pending(s, gaps), 0);

    CHECK_EQ_INT(put_text(s, 1, "first", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(put_text(s, 2, "second!", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(put_text(s, 3, "", NULL, err, sizeof err), TT_OK); /* an empty file is still a batch */
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);
    CHECK_EQ_INT(put_text(s, 5, "skips one", NULL, err, sizeof err), TT_ERR_USAGE);
    CHECK(contains(err, "out of order"));
    CHECK_EQ_INT(put_text(s, 3, "again", NULL, err, sizeof err), TT_ERR_USAGE);
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);
    batch_file(dir, 2, path, sizeof path);
    CHECK(exists(path));
    expect_usage(s, 3, 12, 0);

    expect_oldest(s, 1, "first");
    CHECK_EQ_INT(tt_spool_remove(s, 2, err, sizeof err), TT_ERR_USAGE); /* only the oldest leaves */
    CHECK(contains(err, "not the oldest"));
    CHECK_EQ_INT(tt_spool_remove(s, 1, err, sizeof err), TT_OK);
    batch_file(dir, 1, path, sizeof path);
    CHECK(!exists(path));
    expect_oldest(s, 2, "second!");
    expect_usage(s, 2, 7, 0);

    /* a pending gap survives reopening too */
    tt_gap drop = {1764115200, 1764115260, 12, TT_GAP_CAPTURE_DROP};
    CHECK_EQ_INT(tt_spool_add_gap(s, &drop, err, sizeof err), TT_OK);
    tt_spool_close(s);

    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK(tt_spool_epoch(s) == epoch);
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);
    expect_usage(s, 2, 7, 0);
    expect_oldest(s, 2, "second!");
    CHECK_EQ_INT(pending(s, gaps), 1);
    CHECK(gaps[0].start == drop.start && gaps[0].end == drop.end && gaps[0].packets == 12 &&
          gaps[0].reason == TT_GAP_CAPTURE_DROP);
    CHECK_EQ_INT(put_text(s, 4, "fourth", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(pending(s, gaps), 0); /* batch 4 declared it */
    CHECK_EQ_INT(tt_spool_remove(s, 2, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_spool_remove(s, 3, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_spool_remove(s, 4, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_spool_remove(s, 4, err, sizeof err), TT_ERR_USAGE);
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_ERR_NOTFOUND);
    expect_usage(s, 0, 0, 0);
    tt_spool_close(s);

    /* an emptied spool keeps counting */
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK(tt_spool_epoch(s) == epoch);
    CHECK_EQ_INT(tt_spool_next_seq(s), 5);
    CHECK_EQ_INT(pending(s, gaps), 0);
    tt_spool_close(s);

    /* one sensor per spool: a second open while the first is open is refused */
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    tt_spool *twice = (tt_spool *)&data;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &twice, err, sizeof err), TT_ERR_USAGE);
    CHECK(twice == NULL && contains(err, "in use"));
    tt_spool_close(s);

    /* another spool: another epoch */
    char other[512];
    snprintf(other, sizeof other, "%s/other", root);
    CHECK_EQ_INT(tt_spool_open(other, 0, &s, err, sizeof err), TT_OK);
    if (s) {
        CHECK(tt_spool_epoch(s) != epoch);
        CHECK_EQ_INT(tt_spool_next_seq(s), 1);
    }
    tt_spool_close(s);
    tt_spool_close(NULL);
    tt_buf_free(&data);
}

static void test_cap(void)
{
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s/cap", root);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 20, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    tt_gap gaps[TT_SPOOL_MAX_GAPS];
    CHECK_EQ_INT(put_text(s, 1, "0123456789", NULL, err, sizeof err), TT_OK);      /* 10 of 20 */
    CHECK_EQ_INT(put_text(s, 2, "0123456789", NULL, err, sizeof err), TT_OK);      /* exactly full */
    tt_gap lost = {1000, 1599, 77, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "x", &lost, err, sizeof err), TT_ERR_NOMEM);
    CHECK(contains(err, "full") && contains(err, dir));
    CHECK_EQ_INT(tt_spool_next_seq(s), 3);
    char path[1024];
    batch_file(dir, 3, path, sizeof path);
    CHECK(!exists(path));
    expect_usage(s, 2, 20, 77);
    CHECK_EQ_INT(pending(s, gaps), 1);
    CHECK(gaps[0].start == 1000 && gaps[0].end == 1599 && gaps[0].packets == 77 &&
          gaps[0].reason == TT_GAP_SPOOL_FULL);

    /* contiguous losses widen the one gap */
    tt_gap next = {1600, 2199, 23, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "xy", &next, err, sizeof err), TT_ERR_NOMEM);
    tt_gap third = {2200, 2200, 1, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "xyz", &third, err, sizeof err), TT_ERR_NOMEM);
    CHECK_EQ_INT(pending(s, gaps), 1);
    CHECK(gaps[0].start == 1000 && gaps[0].end == 2200 && gaps[0].packets == 101);
    /* nothing lost, nothing declared */
    tt_gap none = {2201, 2300, 0, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "empty", &none, err, sizeof err), TT_ERR_NOMEM);
    CHECK_EQ_INT(put_text(s, 3, "empty", NULL, err, sizeof err), TT_ERR_NOMEM);
    CHECK_EQ_INT(pending(s, gaps), 1);
    /* a loss after a hole, and one of another reason, are gaps of their own */
    tt_gap later = {5000, 5599, 5, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "x", &later, err, sizeof err), TT_ERR_NOMEM);
    tt_gap drop = {5600, 5700, 9, TT_GAP_CAPTURE_DROP};
    CHECK_EQ_INT(tt_spool_add_gap(s, &drop, err, sizeof err), TT_OK);
    CHECK_EQ_INT(pending(s, gaps), 3);
    CHECK(gaps[1].start == 5000 && gaps[1].packets == 5 && gaps[2].reason == TT_GAP_CAPTURE_DROP);
    CHECK_EQ_INT(tt_spool_pending_gaps(s, gaps, 2), 2);
    expect_usage(s, 2, 20, 106);
    CHECK_EQ_INT(tt_spool_next_seq(s), 3);
    tt_spool_close(s);

    /* the pending gaps are durable; the dropped counter is per process */
    CHECK_EQ_INT(tt_spool_open(dir, 20, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(pending(s, gaps), 3);
    CHECK(gaps[0].start == 1000 && gaps[0].end == 2200 && gaps[0].packets == 101 &&
          gaps[0].reason == TT_GAP_SPOOL_FULL);
    expect_usage(s, 2, 20, 0);
    CHECK_EQ_INT(tt_spool_next_seq(s), 3);

    /* acknowledged batches make room: the next batch that fits carries the gaps */
    CHECK_EQ_INT(tt_spool_remove(s, 1, err, sizeof err), TT_OK);
    tt_gap unused = {9000, 9001, 1000, TT_GAP_SPOOL_FULL};
    CHECK_EQ_INT(put_text(s, 3, "0123456789", &unused, err, sizeof err), TT_OK);
    CHECK_EQ_INT(pending(s, gaps), 0);
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);
    expect_usage(s, 2, 20, 0);
    /* a larger cap lets more in; 0 is no cap */
    CHECK_EQ_INT(put_text(s, 4, "a", NULL, err, sizeof err), TT_ERR_NOMEM);
    tt_spool_set_cap(s, 21);
    CHECK_EQ_INT(put_text(s, 4, "a", NULL, err, sizeof err), TT_OK);
    tt_spool_set_cap(s, 0);
    char big[4096];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(put_text(s, 5, big, NULL, err, sizeof err), TT_OK);
    tt_spool_close(s);

    CHECK_EQ_INT(tt_spool_open(dir, 20, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(pending(s, gaps), 0);
    CHECK_EQ_INT(tt_spool_next_seq(s), 6);
    expect_usage(s, 4, 20 + 1 + 4095, 0);
    tt_spool_close(s);
}

/* More losses than the state can list: the last declaration absorbs the
 * rest, so the packet count stays exact. */
static void test_many_gaps(void)
{
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s/many", root);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 1, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    uint64_t total = 0;
    for (int i = 0; i < TT_SPOOL_MAX_GAPS + 10; i++) {
        tt_gap g = {(int64_t)i * 100, (int64_t)i * 100 + 10, (uint64_t)i + 1,
                    i % 2 ? TT_GAP_SPOOL_FULL : TT_GAP_CAPTURE_DROP};
        total += g.packets;
        if (i % 2)
            CHECK_EQ_INT(put_text(s, 1, "too big", &g, err, sizeof err), TT_ERR_NOMEM);
        else
            CHECK_EQ_INT(tt_spool_add_gap(s, &g, err, sizeof err), TT_OK);
    }
    static tt_gap gaps[TT_SPOOL_MAX_GAPS + 1];
    CHECK_EQ_INT(tt_spool_pending_gaps(s, gaps, TT_SPOOL_MAX_GAPS + 1), TT_SPOOL_MAX_GAPS);
    uint64_t sum = 0;
    for (int i = 0; i < TT_SPOOL_MAX_GAPS; i++)
        sum += gaps[i].packets;
    CHECK_EQ_INT(sum, total);
    CHECK_EQ_INT(gaps[TT_SPOOL_MAX_GAPS - 1].end, (TT_SPOOL_MAX_GAPS + 9) * 100 + 10);
    tt_spool_close(s);
    CHECK_EQ_INT(tt_spool_open(dir, 1, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    static tt_gap again[TT_SPOOL_MAX_GAPS];
    CHECK_EQ_INT(tt_spool_pending_gaps(s, again, TT_SPOOL_MAX_GAPS), TT_SPOOL_MAX_GAPS);
    int same = 1;
    for (int i = 0; i < TT_SPOOL_MAX_GAPS; i++)
        same &= again[i].start == gaps[i].start && again[i].end == gaps[i].end &&
                again[i].packets == gaps[i].packets && again[i].reason == gaps[i].reason;
    CHECK(same);
    tt_spool_close(s);
}

/* A crash between writing a batch and updating the state, and leftovers of
 * writes cut short. */
static void test_crash_repair(void)
{
    char dir[512], err[512], path[1100];
    snprintf(dir, sizeof dir, "%s/crash", root);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    uint64_t epoch = tt_spool_epoch(s);
    CHECK_EQ_INT(put_text(s, 1, "one", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(put_text(s, 2, "two", NULL, err, sizeof err), TT_OK);
    tt_spool_close(s);

    /* The state as it was before batch 2's put finished: next_seq 2 and a
     * gap that batch 2 declared. */
    char state[512];
    snprintf(state, sizeof state, "teiten-spool 1\nepoch %016llx\nnext_seq 2\ngap 100 200 5 2\n",
             (unsigned long long)epoch);
    snprintf(path, sizeof path, "%s/state", dir);
    write_file(path, state);
    /* batch 3 written, state still at 2 */
    batch_file(dir, 3, path, sizeof path);
    write_file(path, "three");
    /* writes cut short */
    char tmp1[1200], tmp2[1200], tmp3[1200];
    snprintf(tmp1, sizeof tmp1, "%s/state.tmp", dir);
    write_file(tmp1, "teiten-spool 1\nhalf");
    batch_file(dir, 4, path, sizeof path);
    snprintf(tmp2, sizeof tmp2, "%s.tmp", path);
    write_file(tmp2, "fou");
    snprintf(tmp3, sizeof tmp3, "%s/x.tmp", dir);
    write_file(tmp3, "");
    /* other files are left alone */
    char note[1100];
    snprintf(note, sizeof note, "%s/README", dir);
    write_file(note, "not a batch");

    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK(tt_spool_epoch(s) == epoch);
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);
    tt_gap gaps[TT_SPOOL_MAX_GAPS];
    CHECK_EQ_INT(pending(s, gaps), 0); /* batch 3 carried them */
    CHECK(!exists(tmp1) && !exists(tmp2) && !exists(tmp3));
    CHECK(exists(note));
    expect_usage(s, 3, 11, 0);
    expect_oldest(s, 1, "one");
    tt_spool_close(s);
    /* the repair was written */
    snprintf(path, sizeof path, "%s/state", dir);
    char *text = read_text(path);
    CHECK(text != NULL && contains(text, "next_seq 4\n") && !contains(text, "gap "));
    free(text);
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s) {
        CHECK_EQ_INT(tt_spool_next_seq(s), 4);
        CHECK_EQ_INT(put_text(s, 4, "four", NULL, err, sizeof err), TT_OK);
        expect_usage(s, 4, 15, 0);
    }
    tt_spool_close(s);

    /* A state that is behind but whose files are all older is kept. */
    snprintf(state, sizeof state, "teiten-spool 1\nepoch %016llx\nnext_seq 9\ngap 100 200 5 2\n",
             (unsigned long long)epoch);
    write_file(path, state);
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s) {
        CHECK_EQ_INT(tt_spool_next_seq(s), 9);
        CHECK_EQ_INT(pending(s, gaps), 1);
        CHECK(gaps[0].start == 100 && gaps[0].end == 200 && gaps[0].packets == 5 &&
              gaps[0].reason == TT_GAP_CAPTURE_DROP);
    }
    tt_spool_close(s);

    /* No state at all but batches present (state lost): a new epoch, numbered after them. */
    unlink(path);
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s) {
        CHECK(tt_spool_epoch(s) != epoch);
        CHECK_EQ_INT(tt_spool_next_seq(s), 5);
        expect_usage(s, 4, 15, 0);
    }
    tt_spool_close(s);
}

static void test_reject(void)
{
    char dir[512], err[512], path[1100];
    snprintf(dir, sizeof dir, "%s/reject", root);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(put_text(s, 1, "bad batch", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(put_text(s, 2, "good batch", NULL, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_spool_reject(s, 2, err, sizeof err), TT_ERR_USAGE);
    CHECK_EQ_INT(tt_spool_reject(s, 1, err, sizeof err), TT_OK);
    batch_file(dir, 1, path, sizeof path);
    CHECK(!exists(path));
    snprintf(path, sizeof path, "%s/rejected/%020d.batch", dir, 1);
    char *text = read_text(path);
    CHECK(text != NULL && strcmp(text, "bad batch") == 0);
    free(text);
    expect_oldest(s, 2, "good batch");
    expect_usage(s, 1, 10, 0);
    tt_spool_close(s);
    /* rejected batches are not counted again */
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s) {
        expect_usage(s, 1, 10, 0);
        expect_oldest(s, 2, "good batch");
        CHECK_EQ_INT(tt_spool_next_seq(s), 3);
    }
    tt_spool_close(s);
}

static void piece_file(const char *dir, uint64_t seq, char *path, size_t len)
{
    snprintf(path, len, "%s/%020llu.piece", dir, (unsigned long long)seq);
}

/* Puts a real batch as a piece: seq, over [opened, opened + 10), its bytes in out. */
static uint64_t put_piece(tt_spool *s, uint64_t seq, int64_t opened, tt_buf *out)
{
    fixture_batch f;
    fixture_make(&f, "jp-tokyo", 77, seq, opened, 10, 20, seq % 2);
    CHECK_EQ_INT(fixture_build(&f, out), TT_OK);
    char err[512];
    CHECK_EQ_INT(tt_spool_put(s, seq, out->data, out->len, NULL, false, err, sizeof err), TT_OK);
    uint64_t packets = f.packets;
    fixture_free(&f);
    return packets;
}

/* Pieces: listed with their headers, never sent before they are sealed,
 * sealed alone or merged (the batch replaces them, numbered as the last),
 * and a crash between writing the merged batch and removing the pieces. */
static void test_pieces(void)
{
    char dir[512], err[512], path[1100];
    snprintf(dir, sizeof dir, "%s/pieces", root);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    tt_buf b1, b2, b3, data;
    tt_buf_init(&b1, 0);
    tt_buf_init(&b2, 0);
    tt_buf_init(&b3, 0);
    tt_buf_init(&data, 0);
    uint64_t p1 = put_piece(s, 1, 1764115200, &b1);
    put_piece(s, 2, 1764115210, &b2);
    put_piece(s, 3, 1764115220, &b3);
    uint64_t seq;
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_ERR_NOTFOUND); /* nothing sealed */
    expect_usage(s, 3, b1.len + b2.len + b3.len, 0);
    tt_spool_piece p[8];
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 3);
    CHECK(p[0].seq == 1 && p[0].bytes == b1.len && p[0].packets == p1 && p[0].opened == 1764115200 &&
          p[0].closed == 1764115210 && p[0].ngaps == 1 && p[0].nvictims == 3 && !p[0].alone);
    CHECK(p[1].seq == 2 && p[1].ngaps == 0 && p[2].seq == 3 && p[2].opened == 1764115220);
    CHECK_EQ_INT(tt_spool_pieces(s, p, 2), 2);
    CHECK_EQ_INT(tt_spool_read_piece(s, 2, &data, err, sizeof err), TT_OK);
    CHECK(data.len == b2.len && memcmp(data.data, b2.data, b2.len) == 0);
    CHECK_EQ_INT(tt_spool_read_piece(s, 9, &data, err, sizeof err), TT_ERR_NOTFOUND);

    /* only the oldest pieces, in a row; data NULL seals one piece */
    CHECK_EQ_INT(tt_spool_seal(s, 2, 3, (const uint8_t *)"x", 1, err, sizeof err), TT_ERR_USAGE);
    CHECK(contains(err, "not the oldest"));
    CHECK_EQ_INT(tt_spool_seal(s, 1, 2, NULL, 0, err, sizeof err), TT_ERR_USAGE);
    CHECK_EQ_INT(tt_spool_seal(s, 1, 1, NULL, 0, err, sizeof err), TT_OK);
    piece_file(dir, 1, path, sizeof path);
    CHECK(!exists(path));
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_OK);
    CHECK(seq == 1 && data.len == b1.len && memcmp(data.data, b1.data, b1.len) == 0);
    /* 2 and 3 merged into batch 3 */
    CHECK_EQ_INT(tt_spool_seal(s, 2, 3, (const uint8_t *)"merged", 6, err, sizeof err), TT_OK);
    piece_file(dir, 2, path, sizeof path);
    CHECK(!exists(path));
    piece_file(dir, 3, path, sizeof path);
    CHECK(!exists(path));
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 0);
    expect_usage(s, 2, b1.len + 6, 0);
    CHECK_EQ_INT(tt_spool_remove(s, 1, err, sizeof err), TT_OK);
    expect_oldest(s, 3, "merged");
    CHECK_EQ_INT(tt_spool_next_seq(s), 4);

    /* pieces 4, 5 and 6; a crash after batch 5 (4 and 5 merged) was renamed into place */
    put_piece(s, 4, 1764115230, &b1);
    put_piece(s, 5, 1764115240, &b2);
    put_piece(s, 6, 1764115250, &b3);
    tt_spool_close(s);
    fixture_batch merged;
    fixture_make(&merged, "jp-tokyo", 77, 5, 1764115230, 20, 20, 0);
    merged.header.first_seq = 4;
    tt_buf mb;
    tt_buf_init(&mb, 0);
    CHECK_EQ_INT(fixture_build(&merged, &mb), TT_OK);
    fixture_free(&merged);
    batch_file(dir, 5, path, sizeof path);
    write_bytes(path, &mb);
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    piece_file(dir, 4, path, sizeof path);
    CHECK(!exists(path)); /* taken by batch 5 */
    piece_file(dir, 5, path, sizeof path);
    CHECK(!exists(path));
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 1);
    CHECK(p[0].seq == 6 && p[0].opened == 1764115250 && p[0].bytes == b3.len && !p[0].alone); /* read again */
    expect_usage(s, 3, 6 + mb.len + b3.len, 0);
    expect_oldest(s, 3, "merged");
    CHECK_EQ_INT(tt_spool_next_seq(s), 7);
    /* a piece whose header does not decode is sealed alone */
    CHECK_EQ_INT(tt_spool_put(s, 7, (const uint8_t *)"garbage", 7, NULL, false, err, sizeof err), TT_OK);
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 2);
    CHECK(p[1].seq == 7 && p[1].alone && !p[0].alone);
    /* a batch put sealed while pieces wait (ship_seconds lowered) waits with them as a piece */
    CHECK_EQ_INT(tt_spool_put(s, 8, b1.data, b1.len, NULL, true, err, sizeof err), TT_OK);
    batch_file(dir, 8, path, sizeof path);
    CHECK(!exists(path));
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 3);
    CHECK(p[2].seq == 8);
    tt_spool_close(s);
    /* pieces below a sealed batch that stands only for itself are kept at open */
    batch_file(dir, 9, path, sizeof path);
    write_bytes(path, &b1); /* seq 4, first_seq 4: a stray */
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 3); /* 6, 7 and 8 kept */
    CHECK(p[0].seq == 6 && p[1].seq == 7 && p[2].seq == 8);
    /* an undecodable sealed batch stands for itself only */
    tt_spool_close(s);
    write_file(path, "not a batch");
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 3);
    tt_spool_close(s);

    /* Pieces a sealed batch stands for are removed at open even when a later
     * batch was sealed since (a piece whose unlink failed after the merge), and
     * a piece next to the batch of its own number. */
    s = NULL;
    char dir2[600];
    snprintf(dir2, sizeof dir2, "%s/pieces-2", root);
    CHECK_EQ_INT(tt_spool_open(dir2, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    for (uint64_t q = 1; q <= 5; q++)
        put_piece(s, q, 1764115200 + 10 * (int64_t)q, &b1);
    tt_spool_close(s);
    struct { uint64_t seq, first; } sealed_files[] = {{3, 1}, {4, 4}, {5, 5}};
    uint64_t sealed_bytes = 0;
    for (size_t i = 0; i < 3; i++) {
        fixture_batch fb;
        fixture_make(&fb, "jp-tokyo", 77, sealed_files[i].seq, 1764115200, 10, 5, 0);
        fb.header.first_seq = sealed_files[i].first;
        CHECK_EQ_INT(fixture_build(&fb, &mb), TT_OK);
        fixture_free(&fb);
        sealed_bytes += mb.len;
        batch_file(dir2, sealed_files[i].seq, path, sizeof path);
        write_bytes(path, &mb);
    }
    /* 3.batch stands for 1..3, 4.batch for 4, 5.batch for 5: every piece was taken */
    CHECK_EQ_INT(tt_spool_open(dir2, 0, &s, err, sizeof err), TT_OK);
    if (s == NULL)
        return;
    CHECK_EQ_INT(tt_spool_pieces(s, p, 8), 0);
    for (uint64_t q = 1; q <= 5; q++) {
        piece_file(dir2, q, path, sizeof path);
        CHECK(!exists(path));
    }
    expect_usage(s, 3, sealed_bytes, 0);
    CHECK_EQ_INT(tt_spool_oldest(s, &seq, &data, err, sizeof err), TT_OK);
    CHECK_EQ_INT(seq, 3);
    CHECK_EQ_INT(tt_spool_next_seq(s), 6);
    tt_buf_free(&mb);
    tt_spool_close(s);
    tt_buf_free(&b1);
    tt_buf_free(&b2);
    tt_buf_free(&b3);
    tt_buf_free(&data);
}

/* A damaged state file is an error naming the file and line, not a new epoch. */
static void expect_damaged(const char *name, const char *state, const char *where)
{
    char dir[512], err[512], path[1100];
    snprintf(dir, sizeof dir, "%s/damaged-%s", root, name);
    CHECK_EQ_INT(mkdir(dir, 0750), 0);
    snprintf(path, sizeof path, "%s/state", dir);
    write_file(path, state);
    tt_spool *s = (tt_spool *)&dir; /* must be reset */
    err[0] = '\0';
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_ERR_FORMAT);
    CHECK(s == NULL);
    char want[1200];
    snprintf(want, sizeof want, "%s/state:%s: damaged spool state", dir, where);
    if (!contains(err, want))
        fprintf(stderr, "%s: message '%s' lacks '%s'\n", name, err, want);
    CHECK(contains(err, want));
    /* and the file is left as it was, for a human to look at */
    char *text = read_text(path);
    CHECK(text != NULL && strcmp(text, state) == 0);
    free(text);
}

static void test_damaged(void)
{
    expect_damaged("magic", "teiten-spool 2\nepoch 1\nnext_seq 1\n", "1");
    expect_damaged("empty", "", "0");
    expect_damaged("epoch", "teiten-spool 1\nepoch zz\nnext_seq 1\n", "2");
    expect_damaged("seq0", "teiten-spool 1\nepoch 1\nnext_seq 0\n", "3");
    expect_damaged("junk", "teiten-spool 1\nepoch 1\nnext_seq 3\nsomething else\n", "4");
    expect_damaged("reason", "teiten-spool 1\nepoch 1\nnext_seq 3\ngap 1 2 3 9\n", "4");
    expect_damaged("backwards", "teiten-spool 1\nepoch 1\nnext_seq 3\ngap 5 2 3 1\n", "4");
    expect_damaged("short-gap", "teiten-spool 1\nepoch 1\nnext_seq 3\ngap 1 2 3\n", "4");
    expect_damaged("no-seq", "teiten-spool 1\nepoch 1\n", "2");
    expect_damaged("no-epoch", "teiten-spool 1\nnext_seq 4\n", "2");

    /* a spool that cannot be created */
    char file[512], dir[600], err[512];
    snprintf(file, sizeof file, "%s/plain-file", root);
    write_file(file, "x");
    snprintf(dir, sizeof dir, "%s/spool", file);
    tt_spool *s = NULL;
    CHECK_EQ_INT(tt_spool_open(dir, 0, &s, err, sizeof err), TT_ERR_IO);
    CHECK(s == NULL && contains(err, dir));
}

int main(void)
{
    snprintf(root, sizeof root, "%s/teiten-spool-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    test_order_and_reopen();
    test_cap();
    test_many_gaps();
    test_crash_repair();
    test_reject();
    test_pieces();
    test_damaged();
    remove_tree(root);
    return check_report("test_spool");
}
