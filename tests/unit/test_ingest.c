/* File ingest through the API, on hand-built captures whose truth is known:
 * a run stopped while skipping what an earlier run committed keeps that
 * committed (the next run resumes after it); a pipe is read once and
 * hashed as it is read (not by a second reader), so the same bytes through
 * a pipe again, or from a regular file, are duplicates; a duplicate from a
 * pipe leaves none of its backscatter rows behind. A fresh SQLite store in
 * a mkdtemp directory and the small libloc database of tests/geo/data. */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "classify/sensor_map.h"
#include "ingest/ingest.h"

#define FRAMES 3000
#define BACKSCATTER_EVERY 10 /* every tenth frame is a SYN-ACK to the dark address */
#define T0 1448928000u        /* 2015-12-01 00:00 UTC */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u32le(bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void ip_checksum(uint8_t *ip)
{
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
}

/* A raw-IPv4 pcap (LINKTYPE_RAW): UDP probes from 50 sources to 198.51.100.1,
 * every tenth frame a TCP SYN-ACK (backscatter); `seconds` apart from `start`. */
static void build_capture(bytes *b, uint32_t start)
{
    b->len = 0;
    put_u32le(b, 0xa1b2c3d4);
    put_u32le(b, 2 | 4u << 16);
    put_u32le(b, 0);
    put_u32le(b, 0);
    put_u32le(b, 65535);
    put_u32le(b, 101);
    for (uint32_t i = 0; i < FRAMES; i++) {
        bool syn_ack = i % BACKSCATTER_EVERY == 0;
        uint8_t ip[40] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, (uint8_t)(i % 50), 7, 198, 51, 100, 1};
        uint32_t len = 28;
        if (syn_ack) {
            len = 40;
            ip[3] = 40;
            ip[9] = 6;
            ip[20] = 0;
            ip[21] = 80;                    /* source port: the attacked service */
            ip[22] = (uint8_t)(i >> 8);
            ip[23] = (uint8_t)i;            /* destination port */
            ip[32] = 5 << 4;                /* data offset */
            ip[33] = 0x12;                  /* SYN + ACK */
            ip[34] = 0x20;                  /* window */
        } else {
            ip[20] = 0x30;
            ip[21] = 0x39;                  /* source port 12345 */
            ip[22] = 0;
            ip[23] = (uint8_t)(53 + i % 7); /* destination port */
            ip[25] = 8;                     /* UDP length */
        }
        ip_checksum(ip);
        put_u32le(b, start + i);
        put_u32le(b, 0);
        put_u32le(b, len);
        put_u32le(b, len);
        put(b, ip, len);
    }
}

static void write_file(const char *path, const bytes *b)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(b->data, 1, b->len, f) == b->len);
        fclose(f);
    }
}

typedef struct fifo_writer {
    const char *path;
    const bytes *content;
    pthread_t thread;
} fifo_writer;

static void *fifo_main(void *arg)
{
    fifo_writer *w = arg;
    FILE *f = fopen(w->path, "wb"); /* blocks until the ingest opens the pipe */
    if (f) {
        fwrite(w->content->data, 1, w->content->len, f);
        fclose(f);
    }
    return NULL;
}

static void fifo_start(fifo_writer *w, const char *path, const bytes *content)
{
    w->path = path;
    w->content = content;
    CHECK(pthread_create(&w->thread, NULL, fifo_main, w) == 0);
}

static int64_t sql_int(const char *db, const char *query)
{
    sqlite3 *c = NULL;
    int64_t v = -1;
    sqlite3_stmt *s = NULL;
    if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(c, query, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(c);
    return v;
}

static uint64_t counted(const tt_ingest_result *r)
{
    uint64_t n = 0;
    for (int o = 0; o < TT_OUTCOME_COUNT; o++)
        n += r->outcomes[o];
    return n;
}

static volatile sig_atomic_t stop_flag;

static tt_ingest *start_ingest(tt_store *store, tt_geo *geo, tt_sensor_map *sensors)
{
    tt_ingest_options io;
    memset(&io, 0, sizeof io);
    io.sensor_name = "probe";
    io.sensors = sensors;
    io.geo = geo;
    io.batch_frames = 1000;
    io.stop = &stop_flag;
    tt_ingest *in = NULL;
    char err[256];
    CHECK_EQ_INT(tt_ingest_new(store, &io, &in, err, sizeof err), TT_OK);
    return in;
}

static void test_stop_while_skipping(const char *dir, tt_geo *geo, tt_sensor_map *sensors)
{
    char db[128], cap[128], err[512];
    snprintf(db, sizeof db, "%s/stop.db", dir);
    snprintf(cap, sizeof cap, "%s/stop.pcap", dir);
    bytes b = {0};
    build_capture(&b, T0);
    write_file(cap, &b);
    tt_store *store = NULL;
    CHECK_EQ_INT(tt_store_open(db, true, &store, err, sizeof err), TT_OK);
    if (store == NULL)
        return;
    /* An earlier run committed the first 1500 frames (their data is left
     * out here: only the file's progress matters). */
    uint8_t hash[16];
    uint64_t size = 0;
    tt_file_record record;
    memset(&record, 0, sizeof record);
    CHECK_EQ_INT(tt_capture_file_identity(cap, hash, &size, err, sizeof err), TT_OK);
    CHECK_EQ_INT(store->ops->begin(store), TT_OK);
    CHECK_EQ_INT(store->ops->file_lookup(store, hash, size, cap, &record), TT_OK);
    tt_file_progress progress;
    memset(&progress, 0, sizeof progress);
    progress.frames_done = 1500;
    CHECK_EQ_INT(store->ops->file_update(store, record.id, &progress), TT_OK);
    CHECK_EQ_INT(store->ops->commit(store), TT_OK);

    tt_ingest *in = start_ingest(store, geo, sensors);
    tt_ingest_result result;
    stop_flag = 1; /* stopped before the first pass reached frame 1500 */
    CHECK_EQ_INT(tt_ingest_file(in, cap, &result, err, sizeof err), TT_OK);
    CHECK_EQ_INT(result.kind, TT_INGEST_STOPPED);
    memset(&record, 0, sizeof record);
    CHECK_EQ_INT(store->ops->file_lookup(store, hash, size, NULL, &record), TT_OK);
    CHECK_EQ_INT(record.frames_done, 1500);
    CHECK_EQ_INT(record.state, TT_FILE_PARTIAL);

    stop_flag = 0;
    CHECK_EQ_INT(tt_ingest_file(in, cap, &result, err, sizeof err), TT_OK);
    CHECK_EQ_INT(result.kind, TT_INGEST_DONE);
    CHECK_EQ_INT(result.resumed_after, 1500);
    CHECK_EQ_INT(result.frames, FRAMES);
    CHECK_EQ_INT(counted(&result), FRAMES - 1500);
    memset(&record, 0, sizeof record);
    CHECK_EQ_INT(store->ops->file_lookup(store, hash, size, NULL, &record), TT_OK);
    CHECK_EQ_INT(record.state, TT_FILE_DONE);
    CHECK_EQ_INT(record.frames_done, FRAMES);
    tt_ingest_free(in);
    tt_store_close(store);
    CHECK_EQ_INT(sql_int(db, "SELECT sum(packets) FROM victims"), (FRAMES - 1500) / BACKSCATTER_EVERY);
    free(b.data);
}

static void test_pipes(const char *dir, tt_geo *geo, tt_sensor_map *sensors)
{
    char db[128], fifo[128], file[128], other[128], err[512];
    snprintf(db, sizeof db, "%s/pipes.db", dir);
    snprintf(fifo, sizeof fifo, "%s/capture.fifo", dir);
    snprintf(file, sizeof file, "%s/same.pcap", dir);
    snprintf(other, sizeof other, "%s/other.pcap", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    bytes a = {0}, b = {0};
    build_capture(&a, T0);
    build_capture(&b, T0 + 7200);
    write_file(file, &a);
    write_file(other, &b);
    tt_store *store = NULL;
    CHECK_EQ_INT(tt_store_open(db, true, &store, err, sizeof err), TT_OK);
    if (store == NULL)
        return;
    tt_ingest *in = start_ingest(store, geo, sensors);
    tt_ingest_result result;
    fifo_writer w;

    fifo_start(&w, fifo, &a);
    CHECK_EQ_INT(tt_ingest_file(in, fifo, &result, err, sizeof err), TT_OK);
    pthread_join(w.thread, NULL);
    CHECK_EQ_INT(result.kind, TT_INGEST_DONE);
    CHECK_EQ_INT(result.frames, FRAMES);
    CHECK_EQ_INT(counted(&result), FRAMES);

    /* The same bytes again through the pipe, then as a regular file. */
    fifo_start(&w, fifo, &a);
    CHECK_EQ_INT(tt_ingest_file(in, fifo, &result, err, sizeof err), TT_OK);
    pthread_join(w.thread, NULL);
    CHECK_EQ_INT(result.kind, TT_INGEST_DUPLICATE);
    CHECK_EQ_INT(tt_ingest_file(in, file, &result, err, sizeof err), TT_OK);
    CHECK_EQ_INT(result.kind, TT_INGEST_DUPLICATE);

    /* A new capture after the duplicate: only its own backscatter is added. */
    CHECK_EQ_INT(tt_ingest_file(in, other, &result, err, sizeof err), TT_OK);
    CHECK_EQ_INT(result.kind, TT_INGEST_DONE);
    tt_ingest_free(in);
    tt_store_close(store);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM files WHERE done = 1"), 2);
    CHECK_EQ_INT(sql_int(db, "SELECT sum(packets) FROM victims"), 2 * FRAMES / BACKSCATTER_EVERY);
    free(a.data);
    free(b.data);
}

static const char *geo_path(char *buf, size_t len)
{
    static const char *const dirs[] = {"geo/data", "../geo/data", "tests/geo/data"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(buf, len, "%s/test.loc", dirs[i]);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    fprintf(stderr, "cannot find geo/data/test.loc (run from tests/)\n");
    exit(EXIT_FAILURE);
}

int main(void)
{
    char dir[] = "/tmp/test_ingest.XXXXXX", path[256], err[256];
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    tt_geo *geo = NULL;
    tt_sensor_map *sensors = tt_sensor_map_new();
    CHECK_EQ_INT(tt_geo_open(geo_path(path, sizeof path), &geo, err, sizeof err), TT_OK);
    if (geo && sensors) {
        test_stop_while_skipping(dir, geo, sensors);
        test_pipes(dir, geo, sensors);
    }
    tt_geo_close(geo);
    tt_sensor_map_free(sensors);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_ingest");
}
