/* Sensor health and gaps (see health.h). */
#include "analyze/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ship/batch.h"

static void iso_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static tt_status time_cell(tt_cell *c, int64_t t)
{
    if (t <= 0) {
        tt_cell_null(c, "never");
        return TT_OK;
    }
    char text[32];
    iso_time(t, text);
    return tt_cell_text(c, text);
}

typedef struct coverage_sums {
    tt_sensor_coverage *by_id;
    size_t n;
} coverage_sums;

static tt_sensor_coverage *slot(coverage_sums *s, int32_t id)
{
    return id >= 0 && (size_t)id < s->n ? &s->by_id[id] : NULL;
}

static tt_status add_uptime(void *ctx, int32_t sensor, int64_t hour, uint32_t seconds)
{
    (void)hour;
    tt_sensor_coverage *p = slot(ctx, sensor);
    if (p) {
        p->uptime_seconds += seconds;
        p->live = true;
    }
    return TT_OK;
}

static tt_status add_gap(void *ctx, int32_t sensor, const tt_gap *gap)
{
    tt_sensor_coverage *p = slot(ctx, sensor);
    if (p) {
        p->gaps++;
        p->gap_packets += gap->packets;
    }
    return TT_OK;
}

tt_status tt_sensor_coverage_scan(const tt_query *q, tt_sensor_coverage *by_id, size_t n)
{
    memset(by_id, 0, n * sizeof *by_id);
    if (q->no_data)
        return TT_OK;
    coverage_sums s = {by_id, n};
    tt_status st = q->store->ops->scan_uptime(q->store, &q->filter, add_uptime, &s);
    if (st == TT_OK)
        st = q->store->ops->scan_gaps(q->store, &q->filter, add_gap, &s);
    return st;
}

double tt_sensor_coverage_share(const tt_query *q, const tt_sensor_coverage *c)
{
    double period = (double)(q->filter.hour_to - q->filter.hour_from) * 3600.0;
    return c->live && period > 0 ? (double)c->uptime_seconds / period : -1.0;
}

static const char *sensor_name(const tt_query *q, int32_t id)
{
    for (size_t i = 0; i < q->nsensors; i++)
        if (q->sensors[i].id == id)
            return q->sensors[i].name;
    return "?";
}

static const char *sensor_region(const tt_query *q, int32_t id)
{
    for (size_t i = 0; i < q->nsensors; i++)
        if (q->sensors[i].id == id)
            return q->sensors[i].region;
    return "";
}

tt_status tt_query_sensors(tt_query *q, int64_t now, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"sensor",        "region",      "status",      "last_heartbeat", "last_batch",
                                    "seq",           "pending",     "spool_batches", "spool_bytes",  "captured",
                                    "capture_drops", "spool_drops", "skew",        "uptime",         "gaps",
                                    "gap_packets"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    out->real_digits = 3;
    tt_store *store = q->store;
    int32_t max_id = 0;
    for (size_t i = 0; i < q->nsensors; i++)
        if (q->sensors[i].id > max_id)
            max_id = q->sensors[i].id;
    size_t ncov = (size_t)max_id + 1;
    tt_sensor_coverage *cov = calloc(ncov, sizeof *cov);
    tt_sensor_health *health = NULL;
    size_t nhealth = 0;
    tt_status st = cov ? tt_sensor_coverage_scan(q, cov, ncov) : TT_ERR_NOMEM;
    if (st == TT_OK)
        st = store->ops->health_list(store, &health, &nhealth);
    if (st != TT_OK) {
        snprintf(err, errlen, "sensor health: %s", tt_store_error_text(store, st));
        free(cov);
        return st;
    }
    for (size_t i = 0; i < q->nsensors && st == TT_OK; i++) {
        const tt_sensor_info *info = &q->sensors[i];
        if (!tt_sensor_set_has(&q->filter, info->id))
            continue;
        const tt_sensor_health *h = NULL;
        for (size_t k = 0; k < nhealth; k++)
            if (health[k].sensor == info->id)
                h = &health[k];
        const tt_sensor_coverage *p = info->id >= 0 && (size_t)info->id < ncov ? &cov[info->id] : NULL;
        tt_cell *row = tt_table_add_row(out);
        if (row == NULL) {
            st = TT_ERR_NOMEM;
            break;
        }
        const char *status = "files"; /* a sensor only ever ingested from capture files */
        if (h) {
            int64_t interval = h->interval > 0 ? h->interval : 10;
            if (h->heartbeat_at == 0)
                status = "never";
            else if (now - h->heartbeat_at <= 3 * interval)
                status = "up";
            else if (now - h->heartbeat_at <= 30 * interval)
                status = "late";
            else
                status = "down";
        }
        if ((st = tt_cell_text(&row[0], info->name)) || (st = tt_cell_text(&row[1], info->region)) ||
            (st = tt_cell_text(&row[2], status)))
            break;
        if (h) {
            if ((st = time_cell(&row[3], h->heartbeat_at)) || (st = time_cell(&row[4], h->batch_at)))
                break;
            tt_cell_int(&row[5], (int64_t)h->seq);
            tt_cell_int(&row[6], (int64_t)h->pending);
            tt_cell_int(&row[7], (int64_t)h->spool_batches);
            tt_cell_int(&row[8], (int64_t)h->spool_bytes);
            tt_cell_int(&row[9], (int64_t)h->captured);
            tt_cell_int(&row[10], (int64_t)(h->capture_drops + h->iface_drops));
            tt_cell_int(&row[11], (int64_t)h->spool_drops);
            tt_cell_int(&row[12], h->skew);
        }
        double share = p ? tt_sensor_coverage_share(q, p) : -1.0;
        if (share >= 0)
            tt_cell_real(&row[13], share);
        else
            tt_cell_null(&row[13], "");
        tt_cell_int(&row[14], p ? (int64_t)p->gaps : 0);
        tt_cell_int(&row[15], p ? (int64_t)p->gap_packets : 0);
    }
    free(health);
    free(cov);
    if (st != TT_OK)
        snprintf(err, errlen, "sensor health: %s", tt_strerror(st));
    return st;
}

typedef struct gap_rows {
    tt_query *q;
    tt_table *t;
} gap_rows;

static tt_status gap_row(void *ctx, int32_t sensor, const tt_gap *gap)
{
    gap_rows *g = ctx;
    tt_cell *row = tt_table_add_row(g->t);
    if (row == NULL)
        return TT_ERR_NOMEM;
    tt_status st;
    if ((st = tt_cell_text(&row[0], sensor_name(g->q, sensor))) ||
        (st = tt_cell_text(&row[1], sensor_region(g->q, sensor))) || (st = time_cell(&row[2], gap->start)) ||
        (st = time_cell(&row[3], gap->end)))
        return st;
    tt_cell_int(&row[4], (int64_t)gap->packets);
    return tt_cell_text(&row[5], tt_gap_reason_name(gap->reason));
}

tt_status tt_query_gaps(tt_query *q, tt_table *out, char *err, size_t errlen)
{
    static const char *columns[] = {"sensor", "region", "start", "end", "packets", "reason"};
    tt_table_init(out, columns, sizeof columns / sizeof columns[0]);
    if (q->no_data)
        return TT_OK;
    gap_rows g = {q, out};
    tt_status st = q->store->ops->scan_gaps(q->store, &q->filter, gap_row, &g);
    if (st != TT_OK)
        snprintf(err, errlen, "gaps: %s", tt_store_error_text(q->store, st));
    return st;
}
