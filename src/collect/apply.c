/* Accept and fold (see apply.h). */
#include "collect/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "util/log.h"

#define FOLD_CHUNK 64
/* Batch bytes per fold transaction: keeps the write lock short, so the
 * receiving connection is never kept waiting for long. */
#define FOLD_MAX_BYTES ((size_t)8 << 20)

static tt_status store_fail(tt_store *store, tt_status st, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, tt_store_error_text(store, st));
    return st;
}

static tt_status sensor_id(tt_store *store, const tt_sensor_map *config, const char *name, int32_t *id)
{
    tt_sensor_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "%s", name);
    int index = config ? tt_sensor_map_find(config, name) : -1;
    if (index >= 0) {
        const tt_sensor_def *def = tt_sensor_map_get(config, index);
        memcpy(info.region, def->region, sizeof info.region);
        snprintf(info.labels, sizeof info.labels, "%s", def->labels);
    }
    return store->ops->sensor_upsert(store, &info, id);
}

tt_status tt_apply_accept(tt_store *store, const tt_sensor_map *config, const tt_batch *batch, const uint8_t *data,
                          size_t len, int64_t now, tt_accept_result *result, uint64_t *last_seq, char *err,
                          size_t errlen)
{
    *result = TT_ACCEPT_NEW;
    tt_status st = store->ops->begin(store);
    if (st != TT_OK)
        return store_fail(store, st, err, errlen, "accepting a batch");
    int32_t id;
    if ((st = sensor_id(store, config, batch->header.sensor, &id)) != TT_OK)
        goto fail;
    st = store->ops->batch_accept(store, id, batch->header.epoch, batch->header.seq, data, len, now, last_seq);
    if (st == TT_ERR_DUPLICATE) {
        store->ops->rollback(store);
        *result = TT_ACCEPT_DUPLICATE;
        return TT_OK;
    }
    if (st != TT_OK || (st = store->ops->commit(store)) != TT_OK)
        goto fail;
    return TT_OK;
fail:
    store_fail(store, st, err, errlen, "accepting a batch");
    store->ops->rollback(store);
    return st;
}

/* Rows of one (hour, sensor) from one batch section. */
typedef struct part {
    int64_t hour;
    int32_t sensor;
    size_t order; /* keeps batch order among equal keys */
    tt_detail_row *rows;
    size_t n;
} part;

typedef struct fold_state {
    tt_store *store;
    int64_t ids[FOLD_CHUNK];
    int32_t sensors[FOLD_CHUNK];
    uint8_t *blobs[FOLD_CHUNK];
    size_t lens[FOLD_CHUNK];
    size_t count, bytes;
    part *parts;
    size_t nparts, parts_cap;
} fold_state;

static tt_status take_inbox(void *ctx, int64_t id, int32_t sensor, const uint8_t *data, size_t len)
{
    fold_state *f = ctx;
    if (f->count > 0 && f->bytes + len > FOLD_MAX_BYTES)
        return TT_ERR_INTERRUPTED; /* enough for this transaction: not an error */
    f->bytes += len;
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return TT_ERR_NOMEM;
    if (len)
        memcpy(copy, data, len);
    f->ids[f->count] = id;
    f->sensors[f->count] = sensor;
    f->blobs[f->count] = copy;
    f->lens[f->count] = len;
    f->count++;
    return TT_OK;
}

static int part_cmp(const void *a, const void *b)
{
    const part *x = a, *y = b;
    if (x->hour != y->hour)
        return x->hour < y->hour ? -1 : 1;
    if (x->sensor != y->sensor)
        return x->sensor < y->sensor ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* A sensor's epoch is one "file" in the store's catalogue, so `teiten stats`
 * counts live frames and outcomes like ingested ones. */
static tt_status live_file(tt_store *store, const tt_batch_header *h, tt_file_record *rec)
{
    char name[128];
    snprintf(name, sizeof name, "live:%s/%016llx", h->sensor, (unsigned long long)h->epoch);
    XXH128_hash_t hash = XXH3_128bits(name, strlen(name));
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    return store->ops->file_lookup(store, canonical.digest, 0, name, rec);
}

static tt_status fold_batch(fold_state *f, size_t i, tt_geo *geo, char *err, size_t errlen)
{
    tt_store *store = f->store;
    tt_batch batch;
    tt_status st = tt_batch_decode_rows(f->blobs[i], f->lens[i], &batch, err, errlen);
    if (st == TT_ERR_FORMAT) {
        /* Validated when accepted: only damage on disk gets here. Log it and
         * drop it from the inbox rather than block every later batch. */
        tt_log_error("inbox batch %lld of sensor %d is damaged (%s): dropped", (long long)f->ids[i],
                     f->sensors[i], err);
        return TT_OK;
    }
    if (st != TT_OK)
        return st;
    int32_t sensor = f->sensors[i];
    for (size_t s = 0; s < batch.nsections && st == TT_OK; s++) {
        if (f->nparts == f->parts_cap) {
            size_t cap = f->parts_cap ? f->parts_cap * 2 : 64;
            part *p = realloc(f->parts, cap * sizeof *p);
            if (p == NULL) {
                st = TT_ERR_NOMEM;
                break;
            }
            f->parts = p;
            f->parts_cap = cap;
        }
        part *p = &f->parts[f->nparts];
        memset(p, 0, sizeof *p);
        p->rows = batch.sections[s].rows; /* decoded once, by tt_batch_decode_rows */
        p->n = batch.sections[s].nrows;
        batch.sections[s].rows = NULL;
        p->hour = batch.sections[s].hour;
        p->sensor = sensor;
        p->order = f->nparts;
        f->nparts++;
    }
    for (size_t v = 0; v < batch.nvictims && st == TT_OK; v++) {
        batch.victims[v].sensor = sensor;
        st = store->ops->put_victim(store, &batch.victims[v]);
    }
    for (size_t g = 0; g < batch.ngaps && st == TT_OK; g++)
        st = store->ops->put_gap(store, sensor, &batch.gaps[g]);
    if (st == TT_OK)
        st = store->ops->add_uptime(store, sensor, batch.header.opened, batch.header.closed);
    tt_file_record rec;
    if (st == TT_OK && (st = live_file(store, &batch.header, &rec)) == TT_OK) {
        tt_file_progress progress;
        memset(&progress, 0, sizeof progress);
        progress.frames_done = rec.frames_done + batch.header.frames;
        memcpy(progress.outcomes, batch.header.outcomes, sizeof progress.outcomes);
        progress.first_ts = batch.header.opened;
        progress.last_ts = batch.header.closed;
        progress.done = true;
        progress.geo_source = tt_geo_source(geo);
        st = store->ops->file_update(store, rec.id, &progress);
    }
    if (st == TT_ERR_NOMEM)
        snprintf(err, errlen, "folding batches: out of memory");
    else if (st != TT_OK)
        store_fail(store, st, err, errlen, "folding batches");
    tt_batch_free(&batch);
    return st;
}

/* Merges the parts of each (hour, sensor) and writes them. */
static tt_status write_parts(fold_state *f, tt_geo *geo, char *err, size_t errlen)
{
    if (f->nparts > 1) /* parts is NULL when nothing was accepted: qsort wants a pointer */
        qsort(f->parts, f->nparts, sizeof *f->parts, part_cmp);
    tt_status st = TT_OK;
    for (size_t i = 0; i < f->nparts && st == TT_OK;) {
        size_t j = i + 1;
        while (j < f->nparts && f->parts[j].hour == f->parts[i].hour && f->parts[j].sensor == f->parts[i].sensor)
            j++;
        tt_detail_row *rows = f->parts[i].rows;
        size_t n = f->parts[i].n;
        for (size_t k = i + 1; k < j && st == TT_OK; k++) {
            tt_detail_row *out = NULL;
            size_t nout = 0, cap = 0;
            st = tt_segment_merge(rows, n, f->parts[k].rows, f->parts[k].n, &out, &nout, &cap);
            if (rows != f->parts[i].rows)
                free(rows);
            rows = out;
            n = nout;
        }
        if (st == TT_OK) {
            tt_geo_fill_rows(geo, rows, n);
            st = f->store->ops->put_hour(f->store, f->parts[i].hour, f->parts[i].sensor, rows, n);
            if (st != TT_OK)
                store_fail(f->store, st, err, errlen, "folding batches");
        } else {
            snprintf(err, errlen, "folding batches: %s", tt_strerror(st));
        }
        if (rows != f->parts[i].rows)
            free(rows);
        i = j;
    }
    return st;
}

static void fold_state_clear(fold_state *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->blobs[i]);
    for (size_t i = 0; i < f->nparts; i++)
        free(f->parts[i].rows);
    free(f->parts);
    memset(f, 0, sizeof *f);
}

tt_status tt_apply_fold(tt_store *store, tt_geo *geo, size_t max_batches, size_t *folded, char *err, size_t errlen)
{
    *folded = 0;
    fold_state f;
    memset(&f, 0, sizeof f);
    f.store = store;
    if (max_batches == 0 || max_batches > FOLD_CHUNK)
        max_batches = FOLD_CHUNK;
    tt_status st = store->ops->begin(store);
    if (st != TT_OK)
        return store_fail(store, st, err, errlen, "folding batches");
    st = store->ops->inbox_scan(store, max_batches, take_inbox, &f);
    if (st == TT_ERR_INTERRUPTED)
        st = TT_OK;
    if (st != TT_OK) {
        store_fail(store, st, err, errlen, "folding batches");
        goto fail;
    }
    for (size_t i = 0; i < f.count && st == TT_OK; i++)
        st = fold_batch(&f, i, geo, err, errlen);
    if (st == TT_OK)
        st = write_parts(&f, geo, err, errlen);
    for (size_t i = 0; i < f.count && st == TT_OK; i++)
        if ((st = store->ops->inbox_delete(store, f.ids[i])) != TT_OK)
            store_fail(store, st, err, errlen, "folding batches");
    if (st != TT_OK)
        goto fail;
    if ((st = store->ops->commit(store)) != TT_OK) {
        store_fail(store, st, err, errlen, "folding batches");
        goto fail;
    }
    *folded = f.count;
    fold_state_clear(&f);
    return TT_OK;
fail:
    store->ops->rollback(store);
    fold_state_clear(&f);
    return st;
}

tt_status tt_apply_fold_all(tt_store *store, tt_geo *geo, char *err, size_t errlen)
{
    size_t folded;
    tt_status st;
    do
        st = tt_apply_fold(store, geo, FOLD_CHUNK, &folded, err, errlen);
    while (st == TT_OK && folded > 0);
    return st;
}
