/* Blocks of frames read by a thread (see read_ahead.h). */
#include "capture/read_ahead.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"
#include "util/log.h"

/* Four blocks in turn: the thread fills one while the caller reads another. */
#define AHEAD_BLOCKS 4
#define AHEAD_BYTES ((size_t)1 << 20) /* >= TT_LIMIT_FRAME: any frame fits an empty block */
#define AHEAD_FRAMES 16384

typedef struct ahead_frame {
    size_t at; /* in the block's bytes */
    uint32_t caplen, wirelen, ts_usec;
    int64_t ts_sec;
    uint64_t offset; /* capture offset after this frame */
} ahead_frame;

typedef struct ahead_block {
    uint8_t *bytes;
    size_t used;
    ahead_frame *frames;
    size_t n;
    bool last; /* the capture's end comes after this block's frames */
} ahead_block;

struct tt_read_ahead {
    tt_capture *cap;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ahead_block blocks[AHEAD_BLOCKS];
    uint64_t filled, taken; /* blocks the thread finished; blocks the caller finished */
    bool quit;
    /* The end, set by the thread before it hands over the last block. */
    tt_status end;
    char end_message[512];
    /* The caller's side: its block is blocks[taken % AHEAD_BLOCKS]. */
    size_t next; /* next frame in that block */
    bool holding; /* the caller is reading that block */
    uint64_t offset;
};

_Static_assert(AHEAD_BYTES >= TT_LIMIT_FRAME, "a frame must fit an empty block");

static void put_frame(ahead_block *b, const tt_frame *frame, uint64_t offset)
{
    ahead_frame *f = &b->frames[b->n++];
    f->at = b->used;
    f->caplen = frame->caplen;
    f->wirelen = frame->wirelen;
    f->ts_sec = frame->ts_sec;
    f->ts_usec = frame->ts_usec;
    f->offset = offset;
    memcpy(b->bytes + b->used, frame->data, frame->caplen);
    b->used += frame->caplen;
}

static void *read_ahead_main(void *arg)
{
    tt_read_ahead *ra = arg;
    tt_frame carry; /* read, but did not fit the last block: libpcap's copy is still valid */
    uint64_t carry_offset = 0;
    bool has_carry = false;
    for (uint64_t k = 0;; k++) {
        pthread_mutex_lock(&ra->lock);
        while (k - ra->taken >= AHEAD_BLOCKS && !ra->quit)
            pthread_cond_wait(&ra->changed, &ra->lock);
        bool quit = ra->quit;
        pthread_mutex_unlock(&ra->lock);
        if (quit)
            return NULL;
        ahead_block *b = &ra->blocks[k % AHEAD_BLOCKS];
        b->used = b->n = 0;
        b->last = false;
        if (has_carry) {
            put_frame(b, &carry, carry_offset);
            has_carry = false;
        }
        tt_status st = TT_OK;
        while (b->n < AHEAD_FRAMES) {
            tt_frame frame;
            st = tt_capture_next(ra->cap, &frame, ra->end_message, sizeof ra->end_message);
            if (st != TT_OK)
                break;
            if (b->used + frame.caplen > AHEAD_BYTES) {
                carry = frame;
                carry_offset = tt_capture_offset(ra->cap);
                has_carry = true;
                break;
            }
            put_frame(b, &frame, tt_capture_offset(ra->cap));
        }
        pthread_mutex_lock(&ra->lock);
        if (st != TT_OK) {
            b->last = true;
            ra->end = st;
        }
        ra->filled = k + 1;
        pthread_cond_broadcast(&ra->changed);
        pthread_mutex_unlock(&ra->lock);
        if (st != TT_OK)
            return NULL;
    }
}

tt_status tt_read_ahead_start(tt_capture *cap, tt_read_ahead **out)
{
    *out = NULL;
    tt_read_ahead *ra = calloc(1, sizeof *ra);
    if (ra == NULL)
        return TT_ERR_NOMEM;
    ra->cap = cap;
    ra->end = TT_OK;
    ra->offset = tt_capture_offset(cap);
    for (size_t i = 0; i < AHEAD_BLOCKS; i++) {
        ra->blocks[i].bytes = malloc(AHEAD_BYTES);
        ra->blocks[i].frames = malloc(AHEAD_FRAMES * sizeof *ra->blocks[i].frames);
        if (ra->blocks[i].bytes == NULL || ra->blocks[i].frames == NULL)
            goto fail;
    }
    if (pthread_mutex_init(&ra->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&ra->changed, NULL) != 0) {
        pthread_mutex_destroy(&ra->lock);
        goto fail;
    }
    if (pthread_create(&ra->thread, NULL, read_ahead_main, ra) != 0) {
        pthread_cond_destroy(&ra->changed);
        pthread_mutex_destroy(&ra->lock);
        goto fail;
    }
    *out = ra;
    return TT_OK;
fail:
    for (size_t i = 0; i < AHEAD_BLOCKS; i++) {
        free(ra->blocks[i].bytes);
        free(ra->blocks[i].frames);
    }
    free(ra);
    return TT_ERR_NOMEM;
}

tt_status tt_read_ahead_next(tt_read_ahead *ra, tt_frame *frame, char *err, size_t errlen)
{
    ahead_block *b = &ra->blocks[ra->taken % AHEAD_BLOCKS];
    if (ra->holding && ra->next == b->n) {
        if (b->last)
            goto end;
        /* Done with this block: the thread may refill it. */
        pthread_mutex_lock(&ra->lock);
        ra->taken++;
        ra->holding = false;
        pthread_cond_broadcast(&ra->changed);
        pthread_mutex_unlock(&ra->lock);
        b = &ra->blocks[ra->taken % AHEAD_BLOCKS];
    }
    if (!ra->holding) {
        pthread_mutex_lock(&ra->lock);
        while (ra->filled == ra->taken)
            pthread_cond_wait(&ra->changed, &ra->lock);
        pthread_mutex_unlock(&ra->lock);
        ra->holding = true;
        ra->next = 0;
        if (b->n == 0 && b->last)
            goto end;
    }
    const ahead_frame *f = &b->frames[ra->next++];
    frame->data = b->bytes + f->at;
    frame->caplen = f->caplen;
    frame->wirelen = f->wirelen;
    frame->ts_sec = f->ts_sec;
    frame->ts_usec = f->ts_usec;
    ra->offset = f->offset;
    return TT_OK;
end:
    if (ra->end == TT_ERR_NOTFOUND) {
        if (err != NULL && errlen > 0)
            err[0] = '\0';
    } else {
        tt_format_message(err, errlen, "%s", ra->end_message);
    }
    return ra->end;
}

uint64_t tt_read_ahead_offset(const tt_read_ahead *ra) { return ra->offset; }

void tt_read_ahead_stop(tt_read_ahead *ra)
{
    if (ra == NULL)
        return;
    pthread_mutex_lock(&ra->lock);
    ra->quit = true;
    pthread_cond_broadcast(&ra->changed);
    pthread_mutex_unlock(&ra->lock);
    pthread_join(ra->thread, NULL);
    pthread_cond_destroy(&ra->changed);
    pthread_mutex_destroy(&ra->lock);
    for (size_t i = 0; i < AHEAD_BLOCKS; i++) {
        free(ra->blocks[i].bytes);
        free(ra->blocks[i].frames);
    }
    free(ra);
}
