/* Read-ahead gives exactly what tt_capture_next gives: the same frames in
 * order, the same offsets, and the same end (clean, or damage with its
 * message), across block boundaries (many small frames, frames near the
 * size limit) and when stopped early. */
#include "check.h"

#include <unistd.h>

#include "capture/read_ahead.h"
#include "util/limits.h"

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }

/* A classic pcap of n frames: frame i has size sizes(i) and bytes from i. */
static void write_pcap(const char *path, size_t n, uint32_t (*size_of)(size_t), size_t cut_last)
{
    FILE *f = fopen(path, "wb");
    put32(f, 0xa1b2c3d4);
    uint16_t version[2] = {2, 4};
    fwrite(version, 2, 2, f);
    put32(f, 0);
    put32(f, 0);
    put32(f, TT_LIMIT_FRAME);
    put32(f, 1); /* Ethernet */
    static uint8_t data[TT_LIMIT_FRAME];
    for (size_t i = 0; i < n; i++) {
        uint32_t len = size_of(i);
        put32(f, (uint32_t)(1443657600 + i / 1000));
        put32(f, (uint32_t)(i % 1000) * 1000);
        put32(f, len);
        put32(f, len + 4);
        for (uint32_t k = 0; k < len; k++)
            data[k] = (uint8_t)(i * 31 + k);
        fwrite(data, 1, i + 1 == n && cut_last ? len - cut_last : len, f);
    }
    fclose(f);
}

static uint32_t small_frames(size_t i) { return 60 + (uint32_t)(i % 40); }
/* Mostly small, with frames at the size limit every 7: blocks fill by bytes. */
static uint32_t mixed_frames(size_t i) { return i % 7 == 3 ? TT_LIMIT_FRAME - (uint32_t)(i % 5) : 64; }

/* Reads the file both ways; stops after `stop_after` frames if not 0. */
static void compare(const char *path, size_t stop_after)
{
    char err1[512], err2[512];
    tt_capture *plain, *ahead_cap;
    CHECK(tt_capture_open(path, &plain, err1, sizeof err1) == TT_OK);
    CHECK(tt_capture_open(path, &ahead_cap, err2, sizeof err2) == TT_OK);
    tt_read_ahead *ra;
    CHECK(tt_read_ahead_start(ahead_cap, &ra) == TT_OK);
    size_t frames = 0, same = 0;
    tt_status a, b;
    for (;;) {
        tt_frame fa, fb;
        a = tt_capture_next(plain, &fa, err1, sizeof err1);
        b = tt_read_ahead_next(ra, &fb, err2, sizeof err2);
        if (a != TT_OK || b != TT_OK)
            break;
        frames++;
        same += fa.caplen == fb.caplen && fa.wirelen == fb.wirelen && fa.ts_sec == fb.ts_sec &&
                fa.ts_usec == fb.ts_usec && memcmp(fa.data, fb.data, fa.caplen) == 0 &&
                tt_capture_offset(plain) == tt_read_ahead_offset(ra);
        if (stop_after && frames == stop_after)
            break;
    }
    CHECK_EQ_INT(same, frames);
    if (!stop_after) {
        CHECK_EQ_INT(a, b);
        CHECK_EQ_STR(err1, err2);
        /* The end is sticky. */
        tt_frame again;
        CHECK_EQ_INT(tt_read_ahead_next(ra, &again, err2, sizeof err2), a);
        CHECK_EQ_STR(err1, err2);
    }
    tt_read_ahead_stop(ra); /* stopped early: the thread may be waiting for a free block */
    tt_capture_close(plain);
    tt_capture_close(ahead_cap);
}

int main(void)
{
    char dir[] = "/tmp/teiten-readahead-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/c.pcap", dir);

    write_pcap(path, 100000, small_frames, 0); /* > 6 blocks of 16384 frames */
    compare(path, 0);
    compare(path, 50000);
    write_pcap(path, 300, mixed_frames, 0); /* ~11 MB: blocks end on bytes, frames carried over */
    compare(path, 0);
    write_pcap(path, 40000, small_frames, 17); /* damaged: the last frame is cut */
    compare(path, 0);
    write_pcap(path, 0, small_frames, 0); /* no frames at all */
    compare(path, 0);

    unlink(path);
    rmdir(dir);
    return check_report("test_read_ahead");
}
