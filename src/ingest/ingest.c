/* Capture files into the store, in batches that commit with their progress. */
#include "ingest/ingest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate/aggregator.h"
#include "aggregate/backscatter.h"
#include "capture/capture.h"
#include "capture/read_ahead.h"
#include "classify/observe.h"
#include "util/limits.h"
#include "util/progress.h"

/* Everything that writes to the store runs in a second thread, in order, as
 * jobs: bins (sort, country lookup, encoding, SQLite), backscatter rows and
 * commits with the file's progress. The reading thread hands a commit over
 * and goes on reading the next batch, waiting only when the queued bins
 * hold as many entries as the aggregator's own bound (memory stays bounded). It touches the store itself only
 * when the writer is idle: before the first job of a file and after the
 * last has been drained. After a failure the writer drops every job until
 * the reading thread rolls back. */
typedef enum job_kind { JOB_BINS, JOB_VICTIMS, JOB_COMMIT } job_kind;

typedef struct write_job {
    struct write_job *next;
    job_kind kind;
    tt_agg_batch *bins;           /* JOB_BINS */
    tt_backscatter_agg *victims;  /* JOB_VICTIMS, JOB_COMMIT (may be NULL) */
    int64_t file_id;              /* JOB_COMMIT */
    tt_file_progress progress;
    bool has_damage, reopen;
    char damage[512];
} write_job;

typedef struct write_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    write_job *head, *tail;
    size_t entries_queued; /* bin entries in JOB_BINS jobs not yet written */
    bool busy, quit;
    tt_status error; /* first failure of the writer */
    char message[512];
} write_queue;

/* The identity of a capture file (tt_capture_file_identity), taken on a
 * thread of its own: reading and counting start at once instead of after a
 * whole pass over the file (a tenth of an ingest). */
typedef struct identity_task {
    pthread_t thread;
    const char *path;
    uint8_t hash[16];
    uint64_t size;
    tt_status status;
    char err[512];
    atomic_bool done;
} identity_task;

/* The file being ingested. Until it is settled (settle_file) its identity
 * may still be taken, no transaction is open and the writer has nothing of
 * it. */
typedef struct file_state {
    const char *display;
    uint64_t bytes; /* on disk when the ingest began, for progress; 0 when streamed */
    identity_task *identity; /* being taken; NULL once joined */
    bool settled;
    bool restart; /* settling found an earlier partial ingest: read again, skipping its frames */
    uint8_t hash[16];
    uint64_t size;
    tt_file_record record;
} file_state;

struct tt_ingest {
    tt_store *store;
    tt_ingest_options opt;
    tt_observer observer;
    int32_t *sensor_ids; /* configuration sensor index → store id */
    int32_t fixed_sensor_id;
    tt_agg *agg;
    tt_backscatter_agg *victims; /* counted by the reading thread, handed over whole to the writer */
    write_queue queue;
    pthread_t writer;
    bool writer_started;
    file_state file;
};

static void *writer_main(void *arg);

static tt_status store_fail(tt_ingest *in, tt_status st, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, tt_store_error_text(in->store, st));
    return st;
}

static tt_status register_sensor(tt_ingest *in, const char *name, const tt_sensor_def *def, int32_t *id)
{
    tt_sensor_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "%s", name);
    if (def) {
        memcpy(info.region, def->region, sizeof info.region);
        snprintf(info.labels, sizeof info.labels, "%s", def->labels);
    }
    return in->store->ops->sensor_upsert(in->store, &info, id);
}

tt_status tt_ingest_new(tt_store *store, const tt_ingest_options *opt, tt_ingest **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    tt_ingest *in = calloc(1, sizeof *in);
    if (in == NULL)
        return TT_ERR_NOMEM;
    in->store = store;
    in->opt = *opt;
    if (in->opt.batch_frames == 0)
        in->opt.batch_frames = TT_LIMIT_BATCH_PACKETS;
    if (in->opt.max_entries == 0)
        in->opt.max_entries = TT_LIMIT_AGG_ENTRIES;
    in->fixed_sensor_id = -1;
    in->observer.sensors = opt->sensors;
    in->observer.all_mine = opt->sensor_name != NULL;
    in->observer.p0f = opt->p0f;
    in->observer.no_classify = opt->no_classify;
    size_t nsensors = tt_sensor_map_count(opt->sensors);
    in->sensor_ids = calloc(nsensors ? nsensors : 1, sizeof *in->sensor_ids);
    in->agg = tt_agg_new(in->opt.max_entries);
    in->victims = tt_backscatter_agg_new(TT_LIMIT_VICTIM_ROWS);
    tt_status st = TT_ERR_NOMEM;
    if (in->sensor_ids == NULL || in->agg == NULL || in->victims == NULL)
        goto fail;
    if ((st = store->ops->begin(store)) != TT_OK) {
        store_fail(in, st, err, errlen, "registering sensors");
        goto fail;
    }
    for (size_t i = 0; i < nsensors && st == TT_OK; i++) {
        const tt_sensor_def *def = tt_sensor_map_get(opt->sensors, (int)i);
        st = register_sensor(in, def->name, def, &in->sensor_ids[i]);
    }
    if (st == TT_OK && opt->sensor_name) {
        int index = tt_sensor_map_find(opt->sensors, opt->sensor_name);
        st = register_sensor(in, opt->sensor_name, index >= 0 ? tt_sensor_map_get(opt->sensors, index) : NULL,
                             &in->fixed_sensor_id);
    }
    if (st != TT_OK) {
        store_fail(in, st, err, errlen, "registering sensors");
        store->ops->rollback(store);
        goto fail;
    }
    if ((st = store->ops->commit(store)) != TT_OK) {
        store_fail(in, st, err, errlen, "registering sensors");
        goto fail;
    }
    if (pthread_mutex_init(&in->queue.lock, NULL) != 0 || pthread_cond_init(&in->queue.changed, NULL) != 0 ||
        pthread_create(&in->writer, NULL, writer_main, in) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        st = TT_ERR_NOMEM;
        goto fail;
    }
    in->writer_started = true;
    *out = in;
    return TT_OK;
fail:
    tt_ingest_free(in);
    return st;
}

static void job_free(write_job *job)
{
    if (job == NULL)
        return;
    tt_agg_batch_free(job->bins);
    tt_backscatter_agg_free(job->victims);
    free(job);
}

void tt_ingest_free(tt_ingest *in)
{
    if (in == NULL)
        return;
    if (in->writer_started) {
        pthread_mutex_lock(&in->queue.lock);
        in->queue.quit = true;
        pthread_cond_broadcast(&in->queue.changed);
        pthread_mutex_unlock(&in->queue.lock);
        pthread_join(in->writer, NULL);
        pthread_mutex_destroy(&in->queue.lock);
        pthread_cond_destroy(&in->queue.changed);
    }
    while (in->queue.head) {
        write_job *job = in->queue.head;
        in->queue.head = job->next;
        job_free(job);
    }
    tt_agg_free(in->agg);
    tt_backscatter_agg_free(in->victims);
    free(in->sensor_ids);
    free(in);
}

/* Country of each source is fixed here, when the bin is written: once per
 * distinct source, as rows arrive sorted by source. */
static tt_status emit_bin(void *ctx, int64_t hour, int32_t sensor, tt_detail_row *rows, size_t n)
{
    tt_ingest *in = ctx;
    tt_geo_fill_rows(in->opt.geo, rows, n);
    return in->store->ops->put_hour(in->store, hour, sensor, rows, n);
}

static tt_status write_victims(tt_ingest *in, const tt_backscatter_agg *victims, char *err, size_t errlen)
{
    size_t n = victims ? tt_backscatter_count(victims) : 0;
    for (size_t i = 0; i < n; i++) {
        tt_status st = in->store->ops->put_victim(in->store, tt_backscatter_get(victims, i));
        if (st != TT_OK) {
            snprintf(err, errlen, "writing backscatter: %s", tt_store_error_text(in->store, st));
            return st;
        }
    }
    return TT_OK;
}

static tt_status run_job(tt_ingest *in, const write_job *job, char *err, size_t errlen)
{
    tt_status st = TT_OK;
    tt_store *store = in->store;
    const char *what = "writing to the store";
    switch (job->kind) {
    case JOB_BINS:
        st = tt_agg_batch_emit(job->bins, emit_bin, in);
        break;
    case JOB_VICTIMS:
        return write_victims(in, job->victims, err, errlen);
    case JOB_COMMIT:
        if ((st = write_victims(in, job->victims, err, errlen)) != TT_OK)
            return st;
        what = "committing";
        tt_file_progress progress = job->progress;
        progress.damage = job->has_damage ? job->damage : NULL;
        if ((st = store->ops->file_update(store, job->file_id, &progress)) == TT_OK &&
            (st = store->ops->commit(store)) == TT_OK && job->reopen) {
            what = "starting a transaction";
            st = store->ops->begin(store);
        }
        break;
    }
    if (st != TT_OK)
        snprintf(err, errlen, "%s: %s", what, tt_store_error_text(store, st));
    return st;
}

static void *writer_main(void *arg)
{
    tt_ingest *in = arg;
    write_queue *q = &in->queue;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == NULL && !q->quit)
            pthread_cond_wait(&q->changed, &q->lock);
        if (q->head == NULL)
            break;
        write_job *job = q->head;
        q->head = job->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->busy = true;
        bool failed = q->error != TT_OK;
        pthread_mutex_unlock(&q->lock);
        char message[512] = "";
        tt_status st = failed ? TT_OK : run_job(in, job, message, sizeof message);
        size_t entries = tt_agg_batch_entries(job->bins);
        job_free(job);
        pthread_mutex_lock(&q->lock);
        q->busy = false;
        q->entries_queued -= entries;
        if (st != TT_OK && q->error == TT_OK) {
            q->error = st;
            memcpy(q->message, message, sizeof message);
        }
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    tt_segment_thread_cleanup();
    return NULL;
}

static tt_status writer_error(tt_ingest *in, char *err, size_t errlen)
{
    tt_status st = in->queue.error;
    if (st != TT_OK)
        snprintf(err, errlen, "%s", in->queue.message);
    return st;
}

static tt_status settle_file(tt_ingest *in, char *err, size_t errlen);

/* Queues a job (owned by the queue from here, even on failure) once the
 * file is settled; waits while bin batches are queued at the bound. Reports
 * an earlier writer failure. */
static tt_status enqueue(tt_ingest *in, write_job *job, char *err, size_t errlen)
{
    tt_status settled = settle_file(in, err, errlen);
    if (settled != TT_OK) {
        job_free(job);
        return settled;
    }
    write_queue *q = &in->queue;
    pthread_mutex_lock(&q->lock);
    while (job->kind == JOB_BINS && q->entries_queued >= in->opt.max_entries && q->error == TT_OK)
        pthread_cond_wait(&q->changed, &q->lock);
    tt_status st = writer_error(in, err, errlen);
    if (st == TT_OK) {
        job->next = NULL;
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        q->entries_queued += tt_agg_batch_entries(job->bins);
        job = NULL;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    job_free(job);
    return st;
}

static write_job *job_new(job_kind kind)
{
    write_job *job = calloc(1, sizeof *job);
    if (job)
        job->kind = kind;
    return job;
}

/* The writer has bins of earlier hours still to write: sorting the next
 * ones here, not there, shortens the wait for them (and the ingest's tail,
 * when the reading is over and the writer still has hours to go). */
static bool writer_behind(tt_ingest *in)
{
    pthread_mutex_lock(&in->queue.lock);
    bool behind = in->queue.head != NULL; /* jobs wait behind the one being written */
    pthread_mutex_unlock(&in->queue.lock);
    return behind;
}

/* Hands the bins of hours < before_hour to the writer. */
static tt_status flush_bins(tt_ingest *in, int64_t before_hour, char *err, size_t errlen)
{
    tt_agg_batch *batch;
    tt_status st = tt_agg_detach(in->agg, before_hour, &batch);
    if (st != TT_OK) {
        snprintf(err, errlen, "aggregation: %s", tt_strerror(st));
        return st;
    }
    if (batch == NULL)
        return TT_OK; /* a writer failure is reported by the next enqueue or drain, under the lock */
    if (writer_behind(in) && (st = tt_agg_batch_sort(batch)) != TT_OK) {
        tt_agg_batch_free(batch);
        snprintf(err, errlen, "aggregation: %s", tt_strerror(st));
        return st;
    }
    write_job *job = job_new(JOB_BINS);
    if (job == NULL) {
        tt_agg_batch_free(batch);
        snprintf(err, errlen, "aggregation: %s", tt_strerror(TT_ERR_NOMEM));
        return TT_ERR_NOMEM;
    }
    job->bins = batch;
    return enqueue(in, job, err, errlen);
}

/* Hands the backscatter rows counted so far to the writer in `job` (a
 * JOB_VICTIMS or JOB_COMMIT the caller filled in; NULL when job_new failed)
 * and starts counting afresh. */
static tt_status take_victims(tt_ingest *in, write_job *job, char *err, size_t errlen)
{
    tt_backscatter_agg *fresh = job ? tt_backscatter_agg_new(TT_LIMIT_VICTIM_ROWS) : NULL;
    if (fresh == NULL) {
        job_free(job);
        snprintf(err, errlen, "backscatter: %s", tt_strerror(TT_ERR_NOMEM));
        return TT_ERR_NOMEM;
    }
    job->victims = in->victims;
    in->victims = fresh;
    return enqueue(in, job, err, errlen);
}

/* Waits until the writer has written everything queued. */
static tt_status drain_writer(tt_ingest *in, char *err, size_t errlen)
{
    write_queue *q = &in->queue;
    pthread_mutex_lock(&q->lock);
    while (q->head != NULL || q->busy)
        pthread_cond_wait(&q->changed, &q->lock);
    tt_status st = writer_error(in, err, errlen);
    pthread_mutex_unlock(&q->lock);
    return st;
}

/* Forgets a failed writer's state after the transaction was rolled back. */
static void reset_writer(tt_ingest *in)
{
    pthread_mutex_lock(&in->queue.lock);
    in->queue.error = TT_OK;
    in->queue.message[0] = '\0';
    pthread_mutex_unlock(&in->queue.lock);
}

/* Counters of the current (uncommitted) batch. */
typedef struct batch {
    uint64_t outcomes[TT_OUTCOME_COUNT];
    int64_t first_ts, last_ts;
    uint64_t frames;
} batch;

/* Queues the commit of everything counted so far with the file's progress.
 * With `reopen` the writer starts the next transaction and this thread goes
 * on reading; without, this waits for the commit. */
static tt_status commit_batch(tt_ingest *in, uint64_t frames_done, batch *b, bool done, const char *damage,
                              bool reopen, char *err, size_t errlen)
{
    tt_status st = settle_file(in, err, errlen);
    if (st != TT_OK || (st = flush_bins(in, INT64_MAX, err, errlen)) != TT_OK)
        return st;
    int64_t file_id = in->file.record.id;
    write_job *job = job_new(JOB_COMMIT);
    if (job == NULL) {
        snprintf(err, errlen, "committing: %s", tt_strerror(TT_ERR_NOMEM));
        return TT_ERR_NOMEM;
    }
    job->file_id = file_id;
    job->reopen = reopen;
    tt_file_progress *progress = &job->progress;
    progress->frames_done = frames_done;
    memcpy(progress->outcomes, b->outcomes, sizeof progress->outcomes);
    progress->first_ts = b->first_ts;
    progress->last_ts = b->last_ts;
    progress->done = done;
    progress->geo_source = tt_geo_source(in->opt.geo);
    if (damage) {
        job->has_damage = true;
        snprintf(job->damage, sizeof job->damage, "%s", damage);
    }
    if ((st = take_victims(in, job, err, errlen)) != TT_OK)
        return st;
    memset(b, 0, sizeof *b);
    return reopen ? TT_OK : drain_writer(in, err, errlen);
}

static tt_outcome classify_frame(tt_ingest *in, int linktype, const tt_frame *frame, tt_packet *pkt,
                                 tt_status *st, char *err, size_t errlen)
{
    *st = TT_OK;
    tt_observation obs;
    tt_outcome outcome = tt_observe(&in->observer, linktype, frame, pkt, &obs);
    if (!tt_outcome_counts(outcome))
        return outcome;
    int32_t sensor = obs.sensor_index < 0 ? in->fixed_sensor_id : in->sensor_ids[obs.sensor_index];
    tt_service service = obs.service;
    uint8_t kind = obs.kind, os = obs.os;
    if (obs.backscatter) {
        *st = tt_backscatter_add(in->victims, frame->ts_sec, sensor, pkt);
        if (*st == TT_ERR_NOMEM) {
            /* Bound reached: hand the rows to the writer (same transaction) and count again. */
            if ((*st = take_victims(in, job_new(JOB_VICTIMS), err, errlen)) != TT_OK)
                return outcome;
            *st = tt_backscatter_add(in->victims, frame->ts_sec, sensor, pkt);
        }
        if (*st != TT_OK) {
            snprintf(err, errlen, "backscatter: %s", tt_strerror(*st));
            return outcome;
        }
    }
    *st = tt_agg_add(in->agg, frame->ts_sec, sensor, &pkt->src, service, kind, os, pkt->ttl, pkt->ip_len);
    if (*st == TT_ERR_NOMEM) {
        /* Memory bound reached: write every bin out (same transaction) and retry. */
        *st = flush_bins(in, INT64_MAX, err, errlen);
        if (*st == TT_OK && (*st = tt_agg_add(in->agg, frame->ts_sec, sensor, &pkt->src, service, kind, os,
                                              pkt->ttl, pkt->ip_len)) != TT_OK)
            snprintf(err, errlen, "aggregation: %s", tt_strerror(*st));
    }
    return outcome;
}

/* Disorder a capture may have at an hour's end without an hour being
 * written twice (merged captures, clocks of several interfaces). */
#define FLUSH_SLACK_SECONDS 600

static void close_capture(tt_capture *cap, tt_read_ahead *ahead)
{
    tt_read_ahead_stop(ahead);
    tt_capture_close(cap);
}

static void *identity_main(void *arg)
{
    identity_task *t = arg;
    t->status = tt_capture_file_identity(t->path, t->hash, &t->size, t->err, sizeof t->err);
    atomic_store(&t->done, true);
    return NULL;
}

static tt_status identity_start(tt_ingest *in, const char *path, char *err, size_t errlen)
{
    identity_task *t = calloc(1, sizeof *t);
    if (t != NULL) {
        t->path = path;
        atomic_init(&t->done, false);
        if (pthread_create(&t->thread, NULL, identity_main, t) == 0) {
            in->file.identity = t;
            return TT_OK;
        }
        free(t);
    }
    snprintf(err, errlen, "%s: cannot start taking its identity", path);
    return TT_ERR_NOMEM;
}

static bool identity_ready(const tt_ingest *in)
{
    return in->file.identity == NULL || atomic_load(&in->file.identity->done);
}

/* Waits for the identity thread; its hash and size go to in->file. */
static tt_status identity_join(tt_ingest *in, char *err, size_t errlen)
{
    identity_task *t = in->file.identity;
    if (t == NULL)
        return TT_OK;
    pthread_join(t->thread, NULL);
    in->file.identity = NULL;
    tt_status st = t->status;
    if (st == TT_OK) {
        memcpy(in->file.hash, t->hash, sizeof in->file.hash);
        in->file.size = t->size;
    } else {
        snprintf(err, errlen, "%s", t->err);
    }
    free(t);
    return st;
}

/* Opens the file's transaction; a file (not standard input) gets its record
 * there if it has none yet. */
static tt_status open_file(tt_ingest *in, bool with_record, char *err, size_t errlen)
{
    file_state *f = &in->file;
    tt_status st = in->store->ops->begin(in->store);
    if (st != TT_OK)
        return store_fail(in, st, err, errlen, f->display);
    if (with_record && f->record.state == TT_FILE_NEW &&
        (st = in->store->ops->file_lookup(in->store, f->hash, f->size, f->display, &f->record)) != TT_OK) {
        store_fail(in, st, err, errlen, f->display);
        in->store->ops->rollback(in->store);
        return st;
    }
    f->settled = true;
    return TT_OK;
}

/* Before anything of the file goes to the writer (which is idle until
 * then): waits for its identity; TT_ERR_DUPLICATE when it was ingested
 * already, or partly (then with file.restart: it must be read again,
 * skipping what was committed); else opens its transaction. */
static tt_status settle_file(tt_ingest *in, char *err, size_t errlen)
{
    file_state *f = &in->file;
    if (f->settled)
        return TT_OK;
    tt_status st = identity_join(in, err, errlen);
    if (st != TT_OK)
        return st;
    if ((st = in->store->ops->file_lookup(in->store, f->hash, f->size, NULL, &f->record)) != TT_OK &&
        st != TT_ERR_NOTFOUND)
        return store_fail(in, st, err, errlen, f->display);
    if (f->record.state == TT_FILE_DONE)
        return TT_ERR_DUPLICATE;
    if (f->record.frames_done > 0) {
        f->restart = true;
        return TT_ERR_DUPLICATE;
    }
    return open_file(in, true, err, errlen);
}

/* One pass over the capture. A regular file's identity is being taken
 * meanwhile unless this is the second pass of a file found partly
 * ingested; a `streamed` input (standard input, a pipe) is hashed as it is
 * read and checked for duplicates at its end. */
static tt_status ingest_pass(tt_ingest *in, const char *path, bool streamed, tt_ingest_result *result,
                             char *err, size_t errlen)
{
    memset(result, 0, sizeof *result);
    double started = tt_progress_now();
    const char *display = in->file.display;
    tt_status st;
    tt_capture *cap = NULL;
    if ((st = tt_capture_open(path, &cap, err, errlen)) != TT_OK)
        return st;
    if (!streamed)
        tt_capture_stop_hashing(cap); /* the identity is taken apart */
    int linktype = tt_capture_linktype(cap);
    tt_read_ahead *ahead = NULL; /* NULL: frames are taken straight from cap */
    if (!tt_capture_reads_in_place(cap) && (st = tt_read_ahead_start(cap, &ahead)) != TT_OK) {
        snprintf(err, errlen, "%s: cannot start reading: %s", display, tt_strerror(st));
        tt_capture_close(cap);
        return st;
    }
    tt_progress progress;
    tt_progress_start(&progress, in->opt.progress, display, in->file.bytes);
    /* A streamed input is checked for duplicates at its end, a second pass knows its file. */
    if ((streamed || in->file.identity == NULL) && (st = open_file(in, !streamed, err, errlen)) != TT_OK) {
        tt_progress_finish(&progress);
        close_capture(cap, ahead);
        return st;
    }
    uint64_t skip = in->file.record.frames_done;
    result->resumed_after = skip;

    batch b;
    memset(&b, 0, sizeof b);
    tt_packet pkt;
    tt_frame frame;
    uint64_t frames = 0;
    int64_t flushed_before = INT64_MIN; /* bins of earlier hours were handed to the writer */
    char damage[512] = "";
    for (;;) {
        if (in->opt.stop && *in->opt.stop) {
            result->kind = TT_INGEST_STOPPED;
            break;
        }
        tt_status next = ahead ? tt_read_ahead_next(ahead, &frame, damage, sizeof damage)
                               : tt_capture_next(cap, &frame, damage, sizeof damage);
        if (next == TT_ERR_NOTFOUND)
            break;
        if (next != TT_OK) {
            result->kind = TT_INGEST_DAMAGED;
            break;
        }
        frames++;
        if (frames <= skip)
            continue;
        tt_outcome outcome = classify_frame(in, linktype, &frame, &pkt, &st, err, errlen);
        if (st != TT_OK)
            goto fail;
        b.outcomes[outcome]++;
        result->outcomes[outcome]++;
        b.frames++;
        if (b.first_ts == 0 || frame.ts_sec < b.first_ts)
            b.first_ts = frame.ts_sec;
        if (frame.ts_sec > b.last_ts)
            b.last_ts = frame.ts_sec;
        if ((frames & 0xffff) == 0) {
            tt_progress_update(&progress, ahead ? tt_read_ahead_offset(ahead) : tt_capture_offset(cap), frames,
                               "frames");
            /* An hour that ended FLUSH_SLACK_SECONDS before the newest packet
             * is complete: its bins go to the writer (memory stays small, and
             * the writer starts early). A packet later than that for a
             * written hour is merged into it by the store, exactly. */
            int64_t newest = tt_agg_newest(in->agg);
            int64_t complete = newest == INT64_MIN ? INT64_MIN : tt_agg_hour_of(newest - FLUSH_SLACK_SECONDS);
            if (complete > flushed_before && (in->file.settled || identity_ready(in))) {
                if ((st = flush_bins(in, complete, err, errlen)) != TT_OK)
                    goto fail;
                flushed_before = complete;
            }
        }
        if (!streamed && b.frames >= in->opt.batch_frames &&
            (st = commit_batch(in, frames, &b, false, NULL, true, err, errlen)) != TT_OK)
            goto fail;
    }
    tt_progress_finish(&progress);
    if (streamed) {
        /* Identity is known only now: a duplicate rolls everything back.
         * Input left after damage or a stop still belongs to the identity. */
        tt_read_ahead_stop(ahead); /* the rest of the input is only hashed */
        ahead = NULL;
        if (result->kind != TT_INGEST_DONE && (st = tt_capture_drain(cap, err, errlen)) != TT_OK)
            goto fail;
        /* The writer must be idle before this thread touches the store. */
        if ((st = flush_bins(in, INT64_MAX, err, errlen)) != TT_OK ||
            (st = drain_writer(in, err, errlen)) != TT_OK)
            goto fail;
        file_state *f = &in->file;
        f->size = tt_capture_raw_bytes(cap);
        tt_capture_get_stream_hash(cap, f->hash);
        if ((st = in->store->ops->file_lookup(in->store, f->hash, f->size, NULL, &f->record)) == TT_OK) {
            in->store->ops->rollback(in->store);
            tt_backscatter_clear(in->victims); /* rows of the rolled-back input */
            close_capture(cap, ahead);
            memset(result->outcomes, 0, sizeof result->outcomes);
            result->kind = TT_INGEST_DUPLICATE;
            return TT_OK;
        }
        if (st != TT_ERR_NOTFOUND ||
            (st = in->store->ops->file_lookup(in->store, f->hash, f->size, display, &f->record)) != TT_OK) {
            store_fail(in, st, err, errlen, display);
            goto fail;
        }
    }
    if (result->kind == TT_INGEST_DAMAGED)
        snprintf(result->damage, sizeof result->damage, "%s", damage);
    bool done = result->kind != TT_INGEST_STOPPED;
    /* Stopped while skipping what an earlier run committed: that stays committed. */
    if (frames < skip)
        frames = skip;
    if ((st = commit_batch(in, frames, &b, done, result->kind == TT_INGEST_DAMAGED ? result->damage : NULL,
                           false, err, errlen)) != TT_OK)
        goto fail;
    result->frames = frames;
    result->seconds = tt_progress_now() - started;
    close_capture(cap, ahead);
    return TT_OK;
fail:
    tt_progress_finish(&progress);
    {
        char ignored[8];
        (void)drain_writer(in, ignored, sizeof ignored);
    }
    if (in->file.settled)
        in->store->ops->rollback(in->store);
    in->file.settled = false;
    reset_writer(in);
    close_capture(cap, ahead);
    /* Bins still in memory belong to the rolled-back batch. */
    tt_agg_free(in->agg);
    in->agg = tt_agg_new(in->opt.max_entries);
    tt_backscatter_clear(in->victims);
    return st != TT_OK ? st : TT_ERR_NOMEM;
}

tt_status tt_ingest_file(tt_ingest *in, const char *path, tt_ingest_result *result, char *err,
                         size_t errlen)
{
    bool from_stdin = strcmp(path, "-") == 0;
    /* A pipe or device cannot be read twice: hashed as it is read, like stdin. */
    struct stat path_stat;
    bool streamed = from_stdin || stat(path, &path_stat) != 0 || !S_ISREG(path_stat.st_mode);
    memset(result, 0, sizeof *result);
    memset(&in->file, 0, sizeof in->file);
    in->file.display = from_stdin ? "(stdin)" : path;
    in->file.bytes = streamed ? 0 : (uint64_t)path_stat.st_size;
    tt_status st;
    if (in->agg == NULL && (in->agg = tt_agg_new(in->opt.max_entries)) == NULL) {
        snprintf(err, errlen, "%s: out of memory", in->file.display);
        return TT_ERR_NOMEM; /* a failed ingest could not renew it */
    }
    if (!streamed && (st = identity_start(in, path, err, errlen)) != TT_OK)
        return st;
    st = ingest_pass(in, path, streamed, result, err, errlen);
    if (st == TT_ERR_DUPLICATE && in->file.restart) {
        /* Partly ingested before: read again, skipping the committed frames. */
        in->file.restart = false;
        st = ingest_pass(in, path, false, result, err, errlen);
    }
    char ignored[8];
    (void)identity_join(in, ignored, sizeof ignored); /* a pass that failed before needing it */
    if (st == TT_ERR_DUPLICATE) {
        memset(result, 0, sizeof *result);
        result->kind = TT_INGEST_DUPLICATE;
        return TT_OK;
    }
    return st;
}
