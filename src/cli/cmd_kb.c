/* teiten kb */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/query.h"
#include "classify/kb.h"
#include "cli/cli.h"
#include "render/table.h"
#include "util/log.h"
#include "util/parse.h"

static tt_status add_entry(tt_table *t, const tt_kb_entry *e)
{
    tt_cell *row = tt_table_add_row(t);
    if (row == NULL)
        return TT_ERR_NOMEM;
    char port[24];
    if (e->port >= 0)
        tt_query_port_text(e->proto, e->port, port, sizeof port);
    else
        snprintf(port, sizeof port, "payload/%s", tt_proto_name(e->proto) ? tt_proto_name(e->proto) : "?");
    const char *values[] = {e->id,      port,       e->category, e->title,     e->products,
                            e->cves,    e->malware, e->tools,    e->reference, e->date};
    for (size_t c = 0; c < sizeof values / sizeof values[0]; c++) {
        tt_status st = tt_cell_text(&row[c], values[c] ? values[c] : "");
        if (st != TT_OK)
            return st;
    }
    return TT_OK;
}

int tt_cmd_kb(int argc, char **argv)
{
    static const struct option options[] = {
        {"category", required_argument, NULL, 'c'},
        {"kb", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    static const char *columns[] = {"id",   "port",    "category", "title",     "products",
                                    "cves", "malware", "tools",    "reference", "date"};
    const char *category = NULL, *extra[16];
    size_t nextra = 0;
    tt_format format = TT_FORMAT_TABLE;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'c': category = optarg; break;
        case 'k':
            if (nextra == sizeof extra / sizeof extra[0]) {
                tt_log_error("at most %zu --kb files", nextra);
                return TT_EXIT_USAGE;
            }
            extra[nextra++] = optarg;
            break;
        case 'o':
            if (!tt_format_parse(optarg, &format)) {
                tt_log_error("--format must be table, json or csv, not '%s'", optarg);
                return TT_EXIT_USAGE;
            }
            break;
        default: return TT_EXIT_USAGE;
        }
    }
    int32_t port = -1;
    uint8_t proto = 0;
    if (optind + 1 < argc || (optind < argc && !tt_parse_port_key(argv[optind], &port, &proto))) {
        tt_log_error("usage: teiten kb [PORT/PROTO] [--category NAME] [--kb FILE]");
        return TT_EXIT_USAGE;
    }
    char err[1024];
    tt_kb *kb = NULL;
    if (tt_kb_builtin(&kb, err, sizeof err) != TT_OK) {
        tt_log_error("%s", err);
        return TT_EXIT_ERROR;
    }
    int rc = TT_EXIT_OK;
    for (size_t i = 0; i < nextra; i++) {
        if (tt_kb_add_file(kb, extra[i], err, sizeof err) != TT_OK) {
            tt_log_error("%s", err);
            tt_kb_free(kb);
            return TT_EXIT_USAGE;
        }
    }
    tt_table table;
    tt_table_init(&table, columns, sizeof columns / sizeof columns[0]);
    tt_status st = TT_OK;
    for (size_t i = 0; i < tt_kb_count(kb) && st == TT_OK; i++) {
        const tt_kb_entry *e = tt_kb_get(kb, i);
        if (port >= 0 && (e->port != port || e->proto != proto))
            continue;
        if (category && strcmp(e->category, category) != 0)
            continue;
        st = add_entry(&table, e);
    }
    if (st == TT_OK)
        st = tt_table_print(&table, format, stdout);
    if (st != TT_OK) {
        tt_log_error("%s", tt_strerror(st));
        rc = TT_EXIT_ERROR;
    }
    tt_table_free(&table);
    tt_kb_free(kb);
    return rc;
}
