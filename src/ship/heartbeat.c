/* Heartbeat text format (see heartbeat.h). */
#include "ship/heartbeat.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


tt_status tt_heartbeat_format(const tt_heartbeat *hb, tt_buf *out)
{
    tt_buf_reset(out);
    tt_status st = tt_buf_printf(out,
                                 "sensor %s\nepoch %016" PRIx64 "\ntime %" PRId64 "\ncounter %" PRIu64
                                 "\ninterval %" PRId64 "\nspool_batches %" PRIu64 "\nspool_bytes %" PRIu64
                                 "\ncaptured %" PRIu64 "\ncapture_drops %" PRIu64 "\niface_drops %" PRIu64
                                 "\nspool_drops %" PRIu64 "\n",
                                 hb->sensor, hb->epoch, hb->time, hb->counter, hb->interval, hb->spool_batches,
                                 hb->spool_bytes, hb->captured, hb->capture_drops, hb->iface_drops, hb->spool_drops);
    /* The version is optional: an empty one is left out ("version " alone does not parse). */
    if (st == TT_OK && hb->version[0] != '\0')
        st = tt_buf_printf(out, "version %s\n", hb->version);
    return st;
}

static bool parse_u64(const char *s, size_t len, int base, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool token_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len >= max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '+' || c == '~'))
            return false;
    }
    return true;
}

tt_status tt_heartbeat_parse(const char *text, size_t len, tt_heartbeat *hb, char *err, size_t errlen)
{
    memset(hb, 0, sizeof *hb);
    if (len > TT_HEARTBEAT_MAX_BYTES) {
        snprintf(err, errlen, "heartbeat of %zu bytes is too large", len);
        return TT_ERR_FORMAT;
    }
    bool have_sensor = false, have_time = false, have_epoch = false;
    size_t pos = 0;
    unsigned line = 0;
    while (pos < len) {
        line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - start) : len - pos;
        pos += llen + (nl ? 1 : 0);
        const char *sp = memchr(start, ' ', llen);
        if (sp == NULL) {
            snprintf(err, errlen, "heartbeat line %u: expected 'key value'", line);
            return TT_ERR_FORMAT;
        }
        size_t klen = (size_t)(sp - start), vlen = llen - klen - 1;
        const char *v = sp + 1;
        uint64_t u = 0;
        bool ok = true;
#define KEY(name) (klen == sizeof(name) - 1 && memcmp(start, name, klen) == 0)
        if (KEY("sensor")) {
            ok = token_ok(v, vlen, sizeof hb->sensor);
            if (ok) {
                memcpy(hb->sensor, v, vlen);
                have_sensor = true;
            }
        } else if (KEY("version")) {
            ok = token_ok(v, vlen, sizeof hb->version);
            if (ok)
                memcpy(hb->version, v, vlen);
        } else if (KEY("epoch")) {
            ok = have_epoch = parse_u64(v, vlen, 16, &hb->epoch);
        } else if (KEY("time")) {
            ok = have_time = parse_u64(v, vlen, 10, &u) && u <= UINT32_MAX;
            hb->time = (int64_t)u;
        } else if (KEY("counter")) {
            ok = parse_u64(v, vlen, 10, &hb->counter);
        } else if (KEY("interval")) {
            ok = parse_u64(v, vlen, 10, &u) && u <= 86400;
            hb->interval = (int64_t)u;
        } else if (KEY("spool_batches")) {
            ok = parse_u64(v, vlen, 10, &hb->spool_batches);
        } else if (KEY("spool_bytes")) {
            ok = parse_u64(v, vlen, 10, &hb->spool_bytes);
        } else if (KEY("captured")) {
            ok = parse_u64(v, vlen, 10, &hb->captured);
        } else if (KEY("capture_drops")) {
            ok = parse_u64(v, vlen, 10, &hb->capture_drops);
        } else if (KEY("iface_drops")) {
            ok = parse_u64(v, vlen, 10, &hb->iface_drops);
        } else if (KEY("spool_drops")) {
            ok = parse_u64(v, vlen, 10, &hb->spool_drops);
        }
#undef KEY
        if (!ok) {
            snprintf(err, errlen, "heartbeat line %u: bad value for '%.*s'", line, (int)(klen < 32 ? klen : 32),
                     start);
            return TT_ERR_FORMAT;
        }
    }
    if (!have_sensor || !have_time || !have_epoch) {
        snprintf(err, errlen, "heartbeat: sensor, epoch and time are required");
        return TT_ERR_FORMAT;
    }
    return TT_OK;
}
