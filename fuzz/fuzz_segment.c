/* Fuzz target: segment decoding, every version (a damaged or hostile store
 * file, a batch section), and the compact form's round trip. */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

#include "store/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    if (tt_segment_decode(data, size, 400000, &rows, &n, &cap) == TT_OK) {
        /* A decode of some rows gives exactly the wanted rows of the full decode. */
        static const uint32_t ports[] = {6u << 17 | 24, 17u << 17 | 53414};
        static const tt_cc ccs[] = {('C' << 8) | 'N'};
        tt_row_match match = {ports, 2, ccs, 1};
        tt_detail_row *some = NULL;
        size_t nsome = 0, capsome = 0, k = 0;
        if (tt_segment_decode_matching(data, size, 400000, &match, &some, &nsome, &capsome) != TT_OK)
            abort();
        for (size_t i = 0; i < n; i++) {
            tt_service s = rows[i].service;
            uint32_t key = tt_service_is_icmp(s) ? (uint32_t)tt_service_proto(s) << 17 : s;
            if (rows[i].cc != ccs[0] && key != ports[0] && key != ports[1])
                continue;
            if (k >= nsome || memcmp(&rows[i], &some[k], sizeof rows[i]) != 0)
                abort();
            k++;
        }
        if (k != nsome)
            abort();
        free(some);
        /* A decoded segment must satisfy the encoder's contract again. */
        tt_buf out, bloom;
        tt_buf_init(&out, 0);
        tt_buf_init(&bloom, 0);
        if (tt_segment_encode(rows, n, 400000, 1, &out, &bloom) != TT_OK)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!tt_bloom_may_contain(bloom.data, bloom.len, &rows[i].src))
                abort();
        /* The compact form a sensor ships gives back exactly these rows. */
        if (tt_segment_encode_compact(rows, n, 400000, 1, &out, &bloom) != TT_OK)
            abort();
        tt_detail_row *again = NULL;
        size_t nagain = 0, capagain = 0;
        if (tt_segment_decode(out.data, out.len, 400000, &again, &nagain, &capagain) != TT_OK || nagain != n ||
            (n > 0 && memcmp(rows, again, n * sizeof *rows) != 0))
            abort();
        free(again);
        tt_buf_free(&out);
        tt_buf_free(&bloom);
    }
    free(rows);
    return 0;
}
