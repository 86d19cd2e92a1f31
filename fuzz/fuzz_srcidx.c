/* Fuzz target: a stored source-index day (a damaged or hostile store file):
 * opening, walking, union lookups and merging new sources into it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "store/source_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tt_status count_pair(void *ctx, uint32_t key, const tt_addr *src)
{
    (void)key;
    (void)src;
    (*(size_t *)ctx)++;
    return TT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_srcidx_blob blob;
    if (tt_srcidx_open(data, size, &blob) != TT_OK)
        return 0;
    size_t pairs = 0;
    tt_status walked = tt_srcidx_walk(&blob, count_pair, &pairs);
    tt_source_union u;
    if (tt_source_union_init(&u) == TT_OK) {
        for (uint32_t i = 0; i < blob.nkeys && i < 64; i++) {
            uint32_t key = (uint32_t)blob.dir[i * 16] | (uint32_t)blob.dir[i * 16 + 1] << 8 |
                           (uint32_t)blob.dir[i * 16 + 2] << 16 | (uint32_t)blob.dir[i * 16 + 3] << 24;
            if (tt_source_union_add_key(&u, &blob, key) != TT_OK)
                break;
        }
        uint64_t count;
        if (tt_source_union_count(&u, &count) != TT_OK)
            count = 0;
        tt_source_union_free(&u);
    }
    /* Merging into it must fail cleanly or, when it walked cleanly itself, give a blob
     * that walks to at least as many pairs (entries without new sources are copied
     * unread, so a damaged one is carried over rather than detected here). */
    tt_srcidx_builder *b;
    if (tt_srcidx_builder_new(&b) != TT_OK)
        return 0;
    tt_detail_row row = {0};
    tt_addr_from_v4(&row.src, 0x01020304);
    row.service = tt_service_make(6, 23, -1);
    row.cc = tt_cc_make("CN");
    tt_buf out;
    tt_buf_init(&out, 0);
    if (tt_srcidx_builder_add(b, 480000, 1, &row, 1) == TT_OK &&
        tt_srcidx_builder_encode(b, 0, data, size, &out) == TT_OK) {
        tt_srcidx_blob merged;
        size_t after = 0;
        if (tt_srcidx_open(out.data, out.len, &merged) != TT_OK)
            abort();
        if (walked == TT_OK && (tt_srcidx_walk(&merged, count_pair, &after) != TT_OK || after < pairs))
            abort();
    }
    tt_buf_free(&out);
    tt_srcidx_builder_free(b);
    return 0;
}
