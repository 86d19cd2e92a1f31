/* teiten: the program is a thin shell over the library; see src/cli. */
#include "cli/cli.h"

int main(int argc, char **argv) { return tt_cli_main(argc, argv); }
