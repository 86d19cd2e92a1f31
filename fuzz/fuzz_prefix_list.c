/* Fuzz target: labelled prefix lists (classify/prefix_list).
 *   1. The input as a prefix list file: parse, finish, look up.
 *   2. The input as binary prefixes (16 address bytes + 1 length byte each),
 *      added through the API; every lookup at and around each prefix's first
 *      and last address must agree with a direct longest-match scan. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/prefix_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BINARY_PREFIXES 64

static void parse_as_text(const uint8_t *data, size_t size)
{
    tt_prefix_list *list = tt_prefix_list_new();
    if (list == NULL)
        return;
    char err[256];
    if (tt_prefix_list_add_text(list, (const char *)data, size, "fuzz", err, sizeof err) == TT_OK &&
        tt_prefix_list_finish(list, err, sizeof err) == TT_OK) {
        tt_addr probe;
        for (size_t off = 0; off + 16 <= size && off < 512; off += 7) {
            memcpy(probe.bytes, data + off, 16);
            int label = tt_prefix_list_lookup(list, &probe);
            if (label >= 0 && tt_prefix_list_label(list, label) == NULL)
                abort();
            tt_addr_from_v4(&probe, (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
                                        (uint32_t)data[off + 2] << 8 | data[off + 3]);
            label = tt_prefix_list_lookup(list, &probe);
            if (label >= 0 && tt_prefix_list_label(list, label) == NULL)
                abort();
        }
    }
    tt_prefix_list_free(list);
}

/* a ± 1 in the 16-byte space; false when it wraps. */
static int step(tt_addr *a, int delta)
{
    for (int i = 15; i >= 0; i--) {
        uint8_t before = a->bytes[i];
        a->bytes[i] = (uint8_t)(before + delta);
        if ((delta > 0 && before != 0xff) || (delta < 0 && before != 0))
            return 1;
    }
    return 0;
}

static int naive_lookup(const tt_prefix *prefixes, size_t n, const tt_addr *a)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (tt_prefix_contains(&prefixes[i], a) && (best < 0 || prefixes[i].bits > prefixes[best].bits))
            best = (int)i;
    return best;
}

static void check_probe(const tt_prefix_list *list, const tt_prefix *prefixes, size_t n, const tt_addr *a)
{
    int want = naive_lookup(prefixes, n, a);
    int got = tt_prefix_list_lookup(list, a);
    if (want < 0 && got < 0)
        return;
    char label[8];
    if (want >= 0)
        snprintf(label, sizeof label, "L%u", prefixes[want].bits % 4u);
    if (want < 0 || got < 0 || strcmp(tt_prefix_list_label(list, got), label) != 0)
        abort();
}

static void parse_as_binary(const uint8_t *data, size_t size)
{
    tt_prefix prefixes[MAX_BINARY_PREFIXES];
    size_t n = 0;
    tt_prefix_list *list = tt_prefix_list_new();
    if (list == NULL)
        return;
    for (size_t off = 0; off + 17 <= size && n < MAX_BINARY_PREFIXES; off += 17) {
        tt_prefix *p = &prefixes[n++];
        memcpy(p->addr.bytes, data + off, 16);
        p->bits = (uint8_t)(data[off + 16] % 129);
        for (unsigned bit = p->bits; bit < 128; bit++)
            p->addr.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        /* The label follows from the length, so that duplicates agree. */
        char label[8];
        snprintf(label, sizeof label, "L%u", p->bits % 4u);
        if (tt_prefix_list_add(list, p, label) != TT_OK)
            abort();
    }
    char err[256];
    if (tt_prefix_list_finish(list, err, sizeof err) != TT_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        tt_addr first = prefixes[i].addr, last = first, probe;
        for (unsigned bit = prefixes[i].bits; bit < 128; bit++)
            last.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
        check_probe(list, prefixes, n, &first);
        check_probe(list, prefixes, n, &last);
        probe = first;
        if (step(&probe, -1))
            check_probe(list, prefixes, n, &probe);
        probe = last;
        if (step(&probe, +1))
            check_probe(list, prefixes, n, &probe);
    }
    tt_prefix_list_free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_as_text(data, size);
    parse_as_binary(data, size);
    return 0;
}
