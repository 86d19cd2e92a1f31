/* Fuzz target: p0f.fp parsing (classify/p0f.c), then matching a few fixed
 * SYNs against whatever database the input made. */
#include <stddef.h>
#include <stdint.h>

#include "classify/p0f.h"
#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* IPv4 SYNs: Linux-like (mss,sok,ts,nop,ws, DF), Windows-like
 * (mss,nop,ws,nop,nop,sok, DF), MSS-only, and odd options (EOL with
 * non-zero padding, an unknown kind, a length running past the end). */
static const uint8_t syn_linux[] = {0x45, 0,   0,    60,   0x12, 0x34, 0x40, 0, 52, 6, 0, 0, 192, 0,    2,
                                    1,    198, 51,   100,  7,    0xc3, 0x50, 0, 23, 1, 2, 3, 4,   0,    0,
                                    0,    0,   0xa0, 0x02, 0x72, 0x10, 0,    0, 0,  0, 2, 4, 5,   0xb4, 4,
                                    2,    8,   10,   0,    0xab, 0xcd, 0xef, 0, 0,  0, 0, 1, 3,   3,    7};
static const uint8_t syn_windows[] = {0x45, 0, 0, 52,  0x12, 0x35, 0x40, 0,    115,  6,    0,  0, 192,
                                      0,    2, 1, 198, 51,   100,  7,    0xc3, 0x51, 0,    23, 1, 2,
                                      3,    5, 0, 0,   0,    0,    0x80, 0x02, 0x20, 0x00, 0,  0, 0,
                                      0,    2, 4, 5,   0xb4, 1,    3,    3,    8,    1,    1,  4, 2};
static const uint8_t syn_mss_only[] = {0x45, 0,   0,    44,   0x9a, 0x0f, 0,    0, 43, 6, 0, 0, 192, 0,   2,
                                       1,    198, 51,   100,  7,    0xc3, 0x52, 0, 23, 1, 2, 3, 6,   0,   0,
                                       0,    0,   0x60, 0x02, 0x04, 0x00, 0,    0, 0,  0, 2, 4, 5,   0xb4};
static const uint8_t syn_odd[] = {0x46, 0x03, 0,   60, 0,   0, 0, 0, 200,  6,    0,    0,    192, 0,
                                  2,    1,    198, 51, 100, 7, 1, 1, 1,    1,    0xc3, 0x53, 0,   23,
                                  0,    0,    0,   0,  0,   0, 0, 1, 0x80, 0x2a, 0x00, 0x10, 0,   0,
                                  0,    9,    30,  4,  0,   0, 3, 2, 9,    0,    0,    0,    5,   0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_p0f *db = NULL;
    char err[256];
    if (tt_p0f_parse((const char *)data, size, "fuzz.fp", &db, err, sizeof err) != TT_OK)
        return 0;
    const struct {
        const uint8_t *bytes;
        uint32_t len;
    } syns[] = {{syn_linux, sizeof syn_linux},
                {syn_windows, sizeof syn_windows},
                {syn_mss_only, sizeof syn_mss_only},
                {syn_odd, sizeof syn_odd}};
    for (size_t i = 0; i < sizeof syns / sizeof syns[0]; i++) {
        tt_packet pkt;
        (void)tt_decode_ip(syns[i].bytes, syns[i].len, &pkt);
        const char *label = NULL;
        tt_os_class os = tt_p0f_match(db, &pkt, &label);
        if ((os == TT_OS_UNKNOWN) != (label == NULL))
            __builtin_trap();
        (void)tt_os_class_name(os);
        (void)tt_os_device_name(os);
    }
    (void)tt_p0f_signature_count(db);
    tt_p0f_free(db);
    return 0;
}
