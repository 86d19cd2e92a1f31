/* A ring of segments between the reading thread and the decoding threads.
 * Slots are filled, claimed and consumed in ring order; a worker claims the
 * oldest queued slot, so decoding runs ahead of the consumer by at most the
 * ring's length and the consumer gets segments in the order pushed. */
#include "store/segment_pipe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_SLOTS 8
#define PIPE_WORKERS 2

typedef enum slot_state { SLOT_EMPTY, SLOT_QUEUED, SLOT_DECODING, SLOT_DECODED } slot_state;

typedef struct slot {
    slot_state state;
    int64_t hour;
    int32_t sensor;
    tt_buf data;
    tt_detail_row *rows;
    size_t n, cap;
    tt_status status;
} slot;

struct tt_segment_pipe {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t workers[PIPE_WORKERS];
    size_t nworkers;
    bool quit;
    bool keys_only;
    const tt_row_match *match;
    tt_segment_fn fn;
    void *ctx;
    slot slots[PIPE_SLOTS];
    size_t pushed, claimed, consumed; /* counts; slot = count % PIPE_SLOTS */
    tt_status error;
    int64_t bad_hour;
    int32_t bad_sensor;
};

static void decode_slot(const tt_segment_pipe *p, slot *s)
{
    if (p->keys_only)
        s->status = tt_segment_decode_keys(s->data.data, s->data.len, &s->rows, &s->n, &s->cap);
    else if (p->match)
        s->status = tt_segment_decode_matching(s->data.data, s->data.len, s->hour, p->match, &s->rows, &s->n, &s->cap);
    else
        s->status = tt_segment_decode(s->data.data, s->data.len, s->hour, &s->rows, &s->n, &s->cap);
}

static void *worker_main(void *arg)
{
    tt_segment_pipe *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->claimed == p->pushed)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->quit)
            break;
        slot *s = &p->slots[p->claimed++ % PIPE_SLOTS];
        s->state = SLOT_DECODING;
        pthread_mutex_unlock(&p->lock);
        decode_slot(p, s); /* the slot is this worker's until marked decoded */
        pthread_mutex_lock(&p->lock);
        s->state = SLOT_DECODED;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    tt_segment_thread_cleanup();
    return NULL;
}

static void stop_workers(tt_segment_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->quit = true; /* a segment being decoded is finished first; queued ones are dropped */
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
}

static void pipe_free(tt_segment_pipe *p)
{
    for (size_t i = 0; i < PIPE_SLOTS; i++) {
        tt_buf_free(&p->slots[i].data);
        free(p->slots[i].rows);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
}

tt_status tt_segment_pipe_start(bool keys_only, const tt_row_match *match, tt_segment_fn fn, void *ctx,
                                tt_segment_pipe **out)
{
    *out = NULL;
    tt_segment_pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return TT_ERR_NOMEM;
    p->keys_only = keys_only;
    p->match = match;
    p->fn = fn;
    p->ctx = ctx;
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        tt_buf_init(&p->slots[i].data, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (; p->nworkers < PIPE_WORKERS; p->nworkers++)
        if (pthread_create(&p->workers[p->nworkers], NULL, worker_main, p) != 0)
            break;
    if (p->nworkers == 0) {
        pipe_free(p);
        return TT_ERR_NOMEM;
    }
    *out = p;
    return TT_OK;
}

/* Waits for the oldest queued segment and hands it to fn. */
static tt_status consume_one(tt_segment_pipe *p)
{
    slot *s = &p->slots[p->consumed % PIPE_SLOTS];
    pthread_mutex_lock(&p->lock);
    while (s->state != SLOT_DECODED)
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    tt_status st = s->status;
    if (st != TT_OK) {
        p->bad_hour = s->hour;
        p->bad_sensor = s->sensor;
    } else {
        st = p->fn(p->ctx, s->hour, s->sensor, s->rows, s->n);
    }
    pthread_mutex_lock(&p->lock);
    s->state = SLOT_EMPTY;
    pthread_mutex_unlock(&p->lock);
    p->consumed++;
    return st;
}

tt_status tt_segment_pipe_push(tt_segment_pipe *p, int64_t hour, int32_t sensor, const void *data, size_t len)
{
    if (p->error != TT_OK)
        return p->error;
    tt_status st = TT_OK;
    if (p->pushed - p->consumed == PIPE_SLOTS && (st = consume_one(p)) != TT_OK)
        return p->error = st;
    slot *s = &p->slots[p->pushed % PIPE_SLOTS];
    tt_buf_reset(&s->data);
    if ((st = tt_buf_append(&s->data, data, len)) != TT_OK)
        return p->error = st;
    s->hour = hour;
    s->sensor = sensor;
    pthread_mutex_lock(&p->lock);
    s->state = SLOT_QUEUED;
    p->pushed++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return TT_OK;
}

tt_status tt_segment_pipe_finish(tt_segment_pipe *p, bool abandon, int64_t *bad_hour, int32_t *bad_sensor)
{
    tt_status st = p->error;
    while (!abandon && st == TT_OK && p->consumed < p->pushed)
        st = consume_one(p);
    stop_workers(p);
    *bad_hour = p->bad_hour;
    *bad_sensor = p->bad_sensor;
    pipe_free(p);
    return st;
}
