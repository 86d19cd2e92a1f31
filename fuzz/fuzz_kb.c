/* Fuzz target: knowledge-base text (the user-file format) added to the
 * built-in base, then every lookup path over what was accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    tt_kb *kb;
    if (tt_kb_builtin(&kb, err, sizeof err) != TT_OK)
        abort(); /* the built-in base must always load */
    size_t before = tt_kb_count(kb);
    tt_status st = tt_kb_add_text(kb, (const char *)data, size, "fuzz.conf", err, sizeof err);
    /* All or nothing: a rejected text adds no entry and always explains why. */
    if (st != TT_OK && (tt_kb_count(kb) != before || strncmp(err, "fuzz.conf", 9) != 0))
        abort();
    for (size_t i = before; i < tt_kb_count(kb); i++) {
        const tt_kb_entry *e = tt_kb_get(kb, i);
        const tt_kb_entry *found[4];
        size_t n = tt_kb_lookup(kb, e->proto, e->port, found, 4);
        if (e->port >= 0 && (n == 0 || tt_kb_category(kb, e->proto, e->port) == NULL))
            abort();
        /* An entry's own signature matches (this entry or an earlier one). */
        if (e->payload != NULL &&
            tt_kb_match_payload(kb, e->proto, e->port, e->payload, e->payload_len) == NULL)
            abort();
    }
    (void)tt_kb_match_payload(kb, 17, 53413, data, size);
    (void)tt_kb_match_payload(kb, 6, -1, data, size);
    tt_kb_free(kb);
    return 0;
}
