/* What the query commands share: their options (--db, --from/--to, --tz,
 * --sensor, --region, --limit, --format, filters) and opening the store with
 * the names, knowledge base and filters a tt_query needs. */
#ifndef TT_CLI_QUERY_ENV_H
#define TT_CLI_QUERY_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/query.h"
#include "cli/settings.h"
#include "util/limits.h"

typedef struct tt_query_args {
    const char *db, *config, *from, *to, *tz, *sensor, *region, *geo, *port, *country, *by, *asn, *tool,
        *category;
    bool exclude_backscatter, exclude_known;
    uint64_t limit;
    tt_format format;
    const char *positional[2];
    int npositional;
} tt_query_args;

typedef struct tt_query_env {
    tt_settings settings;
    tt_store *store;
    tt_geo *geo;
    tt_services *services;
    tt_kb *kb;
    uint8_t sensor_set[TT_LIMIT_SENSORS / 8];
    tt_query q;
} tt_query_env;

/* Parses the common options; up to two positional arguments are kept.
 * Returns a TT_EXIT_* code. */
int tt_query_args_parse(int argc, char **argv, tt_query_args *a);
/* Opens the store and fills env->q; need_period warns on an empty store.
 * Returns a TT_EXIT_* code; call tt_query_env_close in every case. */
int tt_query_env_open(tt_query_env *env, const tt_query_args *a, bool need_period);
void tt_query_env_close(tt_query_env *env);
/* Prints and frees a result table; returns a TT_EXIT_* code. */
int tt_query_print_table(tt_table *t, tt_format format);

#endif
