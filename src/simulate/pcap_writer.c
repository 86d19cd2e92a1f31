/* pcap / pcapng writer (see pcap_writer.h). */
#include "simulate/pcap_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITER_BUFFER (1u << 20)

struct tt_sim_writer {
    FILE *file;
    char *path;
    tt_sim_file_format format;
    uint8_t *buf;
    size_t len;
    int error; /* errno of the first failed write */
};

static inline void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void flush(tt_sim_writer *w)
{
    if (w->len && !w->error && fwrite(w->buf, 1, w->len, w->file) != w->len)
        w->error = errno ? errno : EIO;
    w->len = 0;
}

static uint8_t *reserve(tt_sim_writer *w, size_t n)
{
    if (w->len + n > WRITER_BUFFER)
        flush(w);
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void header_pcap(tt_sim_writer *w, int linktype)
{
    uint8_t *p = reserve(w, 24);
    le32(p, 0xa1b2c3d4u);
    le16(p + 4, 2);
    le16(p + 6, 4);
    le32(p + 8, 0);
    le32(p + 12, 0);
    le32(p + 16, TT_SIM_SNAPLEN);
    le32(p + 20, (uint32_t)linktype);
}

/* pcapng option: code, length, value padded to 4. Returns bytes used. */
static size_t option(uint8_t *p, uint16_t code, const void *value, uint16_t len)
{
    le16(p, code);
    le16(p + 2, len);
    memcpy(p + 4, value, len);
    size_t padded = (len + 3u) & ~3u;
    memset(p + 4 + len, 0, padded - len);
    return 4 + padded;
}

static void header_pcapng(tt_sim_writer *w, int linktype, const char *if_name)
{
    static const char app[] = "teiten simulate";
    uint8_t block[256];
    /* Section Header Block. */
    size_t n = 0;
    le32(block, 0x0a0d0d0au);
    le32(block + 8, 0x1a2b3c4du);
    le16(block + 12, 1);
    le16(block + 14, 0);
    le32(block + 16, 0xffffffffu); /* section length unknown */
    le32(block + 20, 0xffffffffu);
    n = 24;
    n += option(block + n, 4, app, sizeof app - 1); /* shb_userappl */
    n += option(block + n, 0, "", 0);
    le32(block + 4, (uint32_t)(n + 4));
    le32(block + n, (uint32_t)(n + 4));
    n += 4;
    memcpy(reserve(w, n), block, n);
    /* Interface Description Block. */
    le32(block, 1);
    le16(block + 8, (uint16_t)linktype);
    le16(block + 10, 0);
    le32(block + 12, TT_SIM_SNAPLEN);
    n = 16;
    size_t name_len = strlen(if_name);
    if (name_len > 64)
        name_len = 64;
    n += option(block + n, 2, if_name, (uint16_t)name_len); /* if_name */
    uint8_t tsresol = 6;
    n += option(block + n, 9, &tsresol, 1); /* if_tsresol: microseconds */
    n += option(block + n, 0, "", 0);
    le32(block + 4, (uint32_t)(n + 4));
    le32(block + n, (uint32_t)(n + 4));
    n += 4;
    memcpy(reserve(w, n), block, n);
}

tt_status tt_sim_writer_open(const char *path, tt_sim_file_format format, int linktype, const char *if_name,
                             tt_sim_writer **out, char *err, size_t errlen)
{
    *out = NULL;
    tt_sim_writer *w = calloc(1, sizeof *w);
    if (w == NULL || (w->buf = malloc(WRITER_BUFFER)) == NULL || (w->path = strdup(path)) == NULL) {
        if (w) {
            free(w->buf);
            free(w);
        }
        snprintf(err, errlen, "%s: out of memory", path);
        return TT_ERR_NOMEM;
    }
    w->format = format;
    w->file = fopen(path, "wb");
    if (w->file == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(w->path);
        free(w->buf);
        free(w);
        return TT_ERR_IO;
    }
    if (format == TT_SIM_FORMAT_PCAPNG)
        header_pcapng(w, linktype, if_name);
    else
        header_pcap(w, linktype);
    *out = w;
    return TT_OK;
}

tt_status tt_sim_writer_frame(tt_sim_writer *w, uint64_t ts_us, const uint8_t *frame, uint32_t caplen,
                              uint32_t wirelen)
{
    if (w->format == TT_SIM_FORMAT_PCAPNG) {
        uint32_t padded = (caplen + 3u) & ~3u;
        uint32_t total = 32 + padded;
        uint8_t *p = reserve(w, total);
        le32(p, 6); /* Enhanced Packet Block */
        le32(p + 4, total);
        le32(p + 8, 0);
        le32(p + 12, (uint32_t)(ts_us >> 32));
        le32(p + 16, (uint32_t)ts_us);
        le32(p + 20, caplen);
        le32(p + 24, wirelen);
        memcpy(p + 28, frame, caplen);
        memset(p + 28 + caplen, 0, padded - caplen);
        le32(p + 28 + padded, total);
    } else {
        uint8_t *p = reserve(w, 16 + caplen);
        le32(p, (uint32_t)(ts_us / 1000000u));
        le32(p + 4, (uint32_t)(ts_us % 1000000u));
        le32(p + 8, caplen);
        le32(p + 12, wirelen);
        memcpy(p + 16, frame, caplen);
    }
    return w->error ? TT_ERR_IO : TT_OK;
}

int tt_sim_writer_errno(const tt_sim_writer *w)
{
    return w->error;
}

tt_status tt_sim_writer_close(tt_sim_writer *w, char *err, size_t errlen)
{
    if (w == NULL)
        return TT_OK;
    flush(w);
    if (fclose(w->file) != 0 && !w->error)
        w->error = errno ? errno : EIO;
    tt_status st = TT_OK;
    if (w->error) {
        snprintf(err, errlen, "%s: %s", w->path, strerror(w->error));
        st = TT_ERR_IO;
    }
    free(w->path);
    free(w->buf);
    free(w);
    return st;
}
