/* Per-hour ground-truth rows (see truth_detail.h). */
#include "simulate/truth_detail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/rng.h"
#include "simulate/sensors.h"
#include "util/limits.h"

typedef struct detail_row {
    tt_addr src;
    uint32_t hour;
    int32_t port;
    int16_t icmp_type;
    uint8_t proto;
    uint8_t sensor;
    char cc[3];
    bool used;
    uint32_t asn;
    uint64_t packets, bytes;
    int64_t first, last;
} detail_row;

struct tt_sim_detail {
    FILE *file;
    char *path;
    detail_row *rows;
    size_t cap, n;
    detail_row **order; /* flush scratch */
    uint8_t sensor_rank[TT_SIM_SENSOR_COUNT];
    char *line;
    int error;
};

#define DETAIL_LINE_BUFFER (1u << 20)

static int name_cmp(const void *a, const void *b)
{
    uint8_t x = *(const uint8_t *)a, y = *(const uint8_t *)b;
    return strcmp(tt_sim_sensors[x].name, tt_sim_sensors[y].name);
}

tt_status tt_sim_detail_open(const char *path, tt_sim_detail **out, char *err, size_t errlen)
{
    *out = NULL;
    tt_sim_detail *d = calloc(1, sizeof *d);
    if (d == NULL || (d->path = strdup(path)) == NULL || (d->line = malloc(DETAIL_LINE_BUFFER)) == NULL) {
        if (d) {
            free(d->path);
            free(d);
        }
        snprintf(err, errlen, "%s: out of memory", path);
        return TT_ERR_NOMEM;
    }
    d->cap = 1u << 12;
    d->rows = calloc(d->cap, sizeof *d->rows);
    if (d->rows == NULL) {
        free(d->line);
        free(d->path);
        free(d);
        snprintf(err, errlen, "%s: out of memory", path);
        return TT_ERR_NOMEM;
    }
    uint8_t idx[TT_SIM_SENSOR_COUNT];
    for (uint8_t i = 0; i < TT_SIM_SENSOR_COUNT; i++)
        idx[i] = i;
    qsort(idx, TT_SIM_SENSOR_COUNT, 1, name_cmp);
    for (uint8_t i = 0; i < TT_SIM_SENSOR_COUNT; i++)
        d->sensor_rank[idx[i]] = i;
    d->file = fopen(path, "wb");
    if (d->file == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(d->rows);
        free(d->line);
        free(d->path);
        free(d);
        return TT_ERR_IO;
    }
    static const char header[] =
        "hour\tsensor\tsrc\tcc\tproto\tport\ticmp_type\tpackets\tbytes\tfirst\tlast\tasn\n";
    if (fwrite(header, 1, sizeof header - 1, d->file) != sizeof header - 1)
        d->error = errno ? errno : EIO;
    *out = d;
    return TT_OK;
}

static uint64_t row_hash(const tt_addr *src, uint32_t hour, int32_t port, int16_t icmp_type, uint8_t proto,
                         uint8_t sensor)
{
    uint64_t a, b;
    memcpy(&a, src->bytes, 8);
    memcpy(&b, src->bytes + 8, 8);
    uint64_t k = (uint64_t)hour << 32 ^ (uint64_t)(uint32_t)port << 8 ^ (uint64_t)proto << 48 ^
                 (uint64_t)sensor << 56 ^ (uint64_t)(uint16_t)icmp_type << 16;
    return tt_sim_mix64(a ^ tt_sim_mix64(b ^ tt_sim_mix64(k)));
}

static tt_status grow(tt_sim_detail *d)
{
    size_t cap = d->cap * 2;
    if (cap > (size_t)TT_LIMIT_AGG_ENTRIES * 2)
        return TT_ERR_NOMEM;
    detail_row *rows = calloc(cap, sizeof *rows);
    if (rows == NULL)
        return TT_ERR_NOMEM;
    for (size_t i = 0; i < d->cap; i++) {
        detail_row *r = &d->rows[i];
        if (!r->used)
            continue;
        size_t j = row_hash(&r->src, r->hour, r->port, r->icmp_type, r->proto, r->sensor) & (cap - 1);
        while (rows[j].used)
            j = (j + 1) & (cap - 1);
        rows[j] = *r;
    }
    free(d->rows);
    free(d->order);
    d->order = NULL;
    d->rows = rows;
    d->cap = cap;
    return TT_OK;
}

tt_status tt_sim_detail_add(tt_sim_detail *d, uint32_t hour, uint8_t sensor, const tt_addr *src,
                            const char *cc, uint32_t asn, uint8_t proto, int32_t port, int16_t icmp_type,
                            uint32_t bytes, int64_t ts_sec)
{
    if ((d->n + 1) * 10 > d->cap * 7) {
        tt_status st = grow(d);
        if (st != TT_OK)
            return st;
    }
    size_t mask = d->cap - 1;
    size_t j = row_hash(src, hour, port, icmp_type, proto, sensor) & mask;
    for (;; j = (j + 1) & mask) {
        detail_row *r = &d->rows[j];
        if (!r->used) {
            r->used = true;
            r->src = *src;
            r->hour = hour;
            r->port = port;
            r->icmp_type = icmp_type;
            r->proto = proto;
            r->sensor = sensor;
            memcpy(r->cc, cc, 2);
            r->cc[2] = '\0';
            r->asn = asn;
            r->packets = 1;
            r->bytes = bytes;
            r->first = r->last = ts_sec;
            d->n++;
            return TT_OK;
        }
        if (r->hour == hour && r->sensor == sensor && r->proto == proto && r->port == port &&
            r->icmp_type == icmp_type && tt_addr_cmp(&r->src, src) == 0) {
            r->packets++;
            r->bytes += bytes;
            if (ts_sec < r->first)
                r->first = ts_sec;
            if (ts_sec > r->last)
                r->last = ts_sec;
            return TT_OK;
        }
    }
}

static int row_cmp(const void *a, const void *b, void *context)
{
    const uint8_t *rank_table = context;
    const detail_row *x = *(detail_row *const *)a, *y = *(detail_row *const *)b;
    if (x->hour != y->hour)
        return x->hour < y->hour ? -1 : 1;
    if (x->sensor != y->sensor)
        return rank_table[x->sensor] < rank_table[y->sensor] ? -1 : 1;
    int c = tt_addr_cmp(&x->src, &y->src);
    if (c)
        return c;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    return (x->icmp_type > y->icmp_type) - (x->icmp_type < y->icmp_type);
}

/* Decimal of a signed number into p; returns the new end. */
static char *put_int(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

tt_status tt_sim_detail_flush(tt_sim_detail *d, char *err, size_t errlen)
{
    if (d->n) {
        if (d->order == NULL) {
            d->order = malloc(d->cap * sizeof *d->order);
            if (d->order == NULL) {
                snprintf(err, errlen, "%s: out of memory", d->path);
                return TT_ERR_NOMEM;
            }
        }
        size_t n = 0;
        for (size_t i = 0; i < d->cap; i++)
            if (d->rows[i].used)
                d->order[n++] = &d->rows[i];
        qsort_r(d->order, n, sizeof *d->order, row_cmp, d->sensor_rank);
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
            const detail_row *r = d->order[i];
            if (used > DETAIL_LINE_BUFFER - 256) {
                if (!d->error && fwrite(d->line, 1, used, d->file) != used)
                    d->error = errno ? errno : EIO;
                used = 0;
            }
            char *p = d->line + used;
            p = put_int(p, r->hour);
            *p++ = '\t';
            const char *name = tt_sim_sensors[r->sensor].name;
            size_t len = strlen(name);
            memcpy(p, name, len);
            p += len;
            *p++ = '\t';
            tt_addr_format(&r->src, p);
            p += strlen(p);
            *p++ = '\t';
            *p++ = r->cc[0];
            *p++ = r->cc[1];
            *p++ = '\t';
            p = put_int(p, r->proto);
            *p++ = '\t';
            p = put_int(p, r->port);
            *p++ = '\t';
            p = put_int(p, r->icmp_type);
            *p++ = '\t';
            p = put_int(p, (int64_t)r->packets);
            *p++ = '\t';
            p = put_int(p, (int64_t)r->bytes);
            *p++ = '\t';
            p = put_int(p, r->first);
            *p++ = '\t';
            p = put_int(p, r->last);
            *p++ = '\t';
            p = put_int(p, r->asn);
            *p++ = '\n';
            used = (size_t)(p - d->line);
        }
        if (used && !d->error && fwrite(d->line, 1, used, d->file) != used)
            d->error = errno ? errno : EIO;
        memset(d->rows, 0, d->cap * sizeof *d->rows);
        d->n = 0;
    }
    if (d->error) {
        snprintf(err, errlen, "%s: %s", d->path, strerror(d->error));
        return TT_ERR_IO;
    }
    return TT_OK;
}

tt_status tt_sim_detail_close(tt_sim_detail *d, char *err, size_t errlen)
{
    if (d == NULL)
        return TT_OK;
    tt_status st = tt_sim_detail_flush(d, err, errlen);
    if (fclose(d->file) != 0 && st == TT_OK) {
        snprintf(err, errlen, "%s: %s", d->path, strerror(errno));
        st = TT_ERR_IO;
    }
    free(d->rows);
    free(d->order);
    free(d->line);
    free(d->path);
    free(d);
    return st;
}
