/* Segment pipe: order, rows, damaged segments and callback failures. */
#include "check.h"

#include "store/segment_pipe.h"

typedef struct seen {
    int64_t hours[64];
    size_t rows[64];
    size_t n;
    size_t fail_at; /* return an error on this call (0 = never) */
} seen;

static tt_status record(void *ctx, int64_t hour, int32_t sensor, const tt_detail_row *rows, size_t n)
{
    seen *s = ctx;
    (void)sensor;
    if (s->n < 64) {
        s->hours[s->n] = hour;
        s->rows[s->n] = n && rows[n - 1].packets == (uint32_t)hour % 7 + 1 ? n : 0;
    }
    s->n++;
    return s->fail_at && s->n == s->fail_at ? TT_ERR_INTERRUPTED : TT_OK;
}

/* Segment of `hour` with hour % 50 + 1 rows, the last with hour % 7 + 1 packets. */
static void make_segment(int64_t hour, tt_buf *out)
{
    tt_detail_row rows[64];
    size_t n = (size_t)(hour % 50) + 1;
    memset(rows, 0, sizeof rows);
    for (size_t i = 0; i < n; i++) {
        tt_addr_from_v4(&rows[i].src, 0x0a000000u + (uint32_t)i);
        rows[i].service = tt_service_make(6, 23, -1);
        rows[i].cc = tt_cc_make("JP");
        rows[i].packets = (uint32_t)hour % 7 + 1;
        rows[i].first = rows[i].last = (uint32_t)(hour * 3600);
    }
    tt_buf bloom;
    tt_buf_init(&bloom, 0);
    CHECK(tt_segment_encode(rows, n, hour, 1, out, &bloom) == TT_OK);
    tt_buf_free(&bloom);
}

int main(void)
{
    tt_buf seg;
    tt_buf_init(&seg, 0);
    int64_t bad_hour;
    int32_t bad_sensor;

    /* 40 segments through a 4-slot ring: every one, in order, rows intact. */
    seen s = {0};
    tt_segment_pipe *p;
    CHECK(tt_segment_pipe_start(false, NULL, record, &s, &p) == TT_OK);
    for (int64_t h = 1000; h < 1040; h++) {
        make_segment(h, &seg);
        CHECK(tt_segment_pipe_push(p, h, 3, seg.data, seg.len) == TT_OK);
    }
    CHECK(tt_segment_pipe_finish(p, false, &bad_hour, &bad_sensor) == TT_OK);
    CHECK_EQ_INT(s.n, 40);
    size_t good = 0;
    for (size_t i = 0; i < 40; i++)
        good += s.hours[i] == 1000 + (int64_t)i && s.rows[i] == (size_t)((1000 + i) % 50) + 1;
    CHECK_EQ_INT(good, 40);

    /* A damaged segment: the ones before it are delivered, then TT_ERR_FORMAT names it. */
    memset(&s, 0, sizeof s);
    CHECK(tt_segment_pipe_start(true, NULL, record, &s, &p) == TT_OK);
    tt_status st = TT_OK;
    for (int64_t h = 2000; h < 2010 && st == TT_OK; h++) {
        make_segment(h, &seg);
        if (h == 2005)
            seg.data[seg.len / 2] ^= 0xff;
        st = tt_segment_pipe_push(p, h, 9, seg.data, seg.len);
    }
    st = tt_segment_pipe_finish(p, st != TT_OK, &bad_hour, &bad_sensor);
    CHECK(st == TT_ERR_FORMAT);
    CHECK_EQ_INT(bad_hour, 2005);
    CHECK_EQ_INT(bad_sensor, 9);
    CHECK_EQ_INT(s.n, 5);

    /* The callback's failure stops the scan and is returned. */
    memset(&s, 0, sizeof s);
    s.fail_at = 3;
    CHECK(tt_segment_pipe_start(false, NULL, record, &s, &p) == TT_OK);
    st = TT_OK;
    for (int64_t h = 3000; h < 3020 && st == TT_OK; h++) {
        make_segment(h, &seg);
        st = tt_segment_pipe_push(p, h, 1, seg.data, seg.len);
    }
    st = tt_segment_pipe_finish(p, st != TT_OK, &bad_hour, &bad_sensor);
    CHECK(st == TT_ERR_INTERRUPTED);
    CHECK_EQ_INT(s.n, 3);

    tt_buf_free(&seg);
    tt_segment_thread_cleanup();
    return check_report("test_segment_pipe");
}
