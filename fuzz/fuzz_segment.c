/* Fuzz target: stored segment decoding (a damaged or hostile store file). */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "store/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_detail_row *rows = NULL;
    size_t n = 0, cap = 0;
    if (tt_segment_decode(data, size, 400000, &rows, &n, &cap) == TT_OK) {
        /* A decoded segment must satisfy the encoder's contract again. */
        tt_buf out, bloom;
        tt_buf_init(&out, 0);
        tt_buf_init(&bloom, 0);
        if (tt_segment_encode(rows, n, 400000, 1, &out, &bloom) != TT_OK)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!tt_bloom_may_contain(bloom.data, bloom.len, &rows[i].src))
                abort();
        tt_buf_free(&out);
        tt_buf_free(&bloom);
    }
    free(rows);
    return 0;
}
