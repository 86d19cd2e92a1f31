/* The teiten command table: one entry per subcommand, with the help text
 * that `teiten help CMD` prints. main() only dispatches. */
#ifndef TT_CLI_CLI_H
#define TT_CLI_CLI_H

#include <stddef.h>

/* Exit codes (documented in teiten(1)). */
enum {
    TT_EXIT_OK = 0,
    TT_EXIT_ERROR = 1,       /* runtime failure: I/O, store, bad input file */
    TT_EXIT_USAGE = 2,       /* bad command line or configuration */
    TT_EXIT_PARTIAL = 3,     /* ingest: some input was damaged; what came before was kept */
    TT_EXIT_INTERRUPTED = 130,
};

typedef struct tt_command {
    const char *name;
    const char *summary;
    const char *help; /* usage and options */
    int (*run)(int argc, char **argv);
} tt_command;

extern const tt_command tt_commands[];
extern const size_t tt_command_count;

const tt_command *tt_command_find(const char *name);
int tt_cli_main(int argc, char **argv);

int tt_cmd_ingest(int argc, char **argv);
int tt_cmd_top(int argc, char **argv);
int tt_cmd_series(int argc, char **argv);
int tt_cmd_ip(int argc, char **argv);
int tt_cmd_stats(int argc, char **argv);
int tt_cmd_simulate(int argc, char **argv);
int tt_cmd_backscatter(int argc, char **argv);
int tt_cmd_kb(int argc, char **argv);
int tt_cmd_events(int argc, char **argv);
int tt_cmd_report(int argc, char **argv);
int tt_cmd_sensor(int argc, char **argv);
int tt_cmd_collector(int argc, char **argv);
int tt_cmd_sensors(int argc, char **argv);
int tt_cmd_gaps(int argc, char **argv);

#endif
