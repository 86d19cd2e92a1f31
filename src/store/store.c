/* Backend selection: the one table of store backends. */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const tt_store_ops *const store_backends[] = {
    &tt_store_sqlite_ops,
};

tt_status tt_store_open(const char *location, bool writable, tt_store **out, char *err, size_t errlen)
{
    /* "backend:location" picks a backend by name; a bare path is SQLite. */
    for (size_t i = 0; i < sizeof store_backends / sizeof store_backends[0]; i++) {
        size_t name_len = strlen(store_backends[i]->name);
        if (strncmp(location, store_backends[i]->name, name_len) == 0 && location[name_len] == ':')
            return store_backends[i]->open(location + name_len + 1, writable, out, err, errlen);
    }
    return tt_store_sqlite_ops.open(location, writable, out, err, errlen);
}

const char *tt_store_error_text(tt_store *store, tt_status st)
{
    return st == TT_ERR_DB || st == TT_ERR_FORMAT || st == TT_ERR_USAGE ? store->ops->last_error(store)
                                                                        : tt_strerror(st);
}

void tt_store_close(tt_store *store)
{
    if (store)
        store->ops->close(store);
}

bool tt_filter_row(const tt_rollup_filter *f, tt_service service, uint8_t kind, uint8_t src_flags, tt_cc cc,
                   uint32_t asn, bool asn_known)
{
    if (f->has_port && (tt_service_proto(service) != f->proto || tt_service_port(service) != f->port))
        return false;
    if (f->cc && cc && cc != f->cc)
        return false;
    if (f->has_asn && asn_known && asn != f->asn)
        return false;
    if (f->has_kind && kind != f->kind)
        return false;
    if (kind < 16 && (f->exclude_kinds & (1u << kind)))
        return false;
    return (src_flags & f->exclude_flags) == 0;
}
