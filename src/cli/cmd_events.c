/* teiten events: placeholder until the module lands (being written now). */
#include "cli/cli.h"
#include "util/log.h"

int tt_cmd_events(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tt_log_error("'events' is not available in this build");
    return TT_EXIT_USAGE;
}
