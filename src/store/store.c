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

void tt_store_close(tt_store *store)
{
    if (store)
        store->ops->close(store);
}
