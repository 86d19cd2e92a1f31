/* Fuzz target: heartbeat parsing (the collector reads one every few seconds
 * from every sensor). A heartbeat that parses must format to text that
 * parses to the same heartbeat. Seeds: fuzz/corpus/heartbeat/. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ship/heartbeat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_heartbeat hb;
    char err[256];
    err[0] = '\0';
    if (tt_heartbeat_parse((const char *)data, size, &hb, err, sizeof err) != TT_OK) {
        require(err[0] != '\0');
        return 0;
    }
    require(hb.sensor[0] != '\0' && strnlen(hb.sensor, sizeof hb.sensor) < sizeof hb.sensor);
    require(strnlen(hb.version, sizeof hb.version) < sizeof hb.version);
    require(hb.time >= 0 && hb.time <= UINT32_MAX && hb.interval >= 0 && hb.interval <= 86400);
    tt_buf out;
    tt_buf_init(&out, 0);
    require(tt_heartbeat_format(&hb, &out) == TT_OK && out.len <= TT_HEARTBEAT_MAX_BYTES);
    tt_heartbeat back;
    require(tt_heartbeat_parse((const char *)out.data, out.len, &back, err, sizeof err) == TT_OK);
    require(strcmp(back.sensor, hb.sensor) == 0 && strcmp(back.version, hb.version) == 0 &&
            back.epoch == hb.epoch && back.time == hb.time && back.interval == hb.interval &&
            back.counter == hb.counter && back.spool_batches == hb.spool_batches &&
            back.spool_bytes == hb.spool_bytes && back.captured == hb.captured &&
            back.capture_drops == hb.capture_drops && back.iface_drops == hb.iface_drops &&
            back.spool_drops == hb.spool_drops);
    tt_buf_free(&out);
    return 0;
}
