/* teiten report: placeholder until the module lands (being written now). */
#include "cli/cli.h"
#include "util/log.h"

int tt_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tt_log_error("'report' is not available in this build");
    return TT_EXIT_USAGE;
}
