/* Subcommand table, help and dispatch. */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "store/segment.h"

#define QUERY_OPTIONS                                                                      \
    "  --db FILE          store (default: $TEITEN_DB or ./teiten.db)\n"                  \
    "  --config FILE      configuration file (sensors, store, geo database)\n"           \
    "  --from YYYY-MM-DD  first day of the period (default: first day with data)\n"     \
    "  --to YYYY-MM-DD    last day, inclusive (default: last day with data)\n"          \
    "  --tz ZONE          time zone for days, e.g. Asia/Tokyo (default UTC)\n"          \
    "  --sensor NAME      only packets to this sensor\n"                                  \
    "  --region CC        only packets to sensors located in this country\n"            \
    "  --limit N          at most N rows (default 10)\n"                                   \
    "  --format F         table (default), json or csv\n"                                  \
    "  --geo FILE         libloc database for country and AS names\n"                        \
    "  --asn N            only sources in AS N (e.g. 4134 or AS4134)\n"                     \
    "  --tool NAME        only packets of this kind (see 'teiten top tools')\n"           \
    "  --exclude-backscatter      leave out backscatter (SYN-ACK, RST, ICMP errors)\n"      \
    "  --exclude-known-scanners   leave out sources on the known-scanner lists\n"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const tt_command tt_commands[] = {
    {"ingest", "read captures into the store",
     "usage: teiten ingest [--db FILE] [--config FILE] [--sensor NAME] [--geo FILE]\n"
     "                     [--mmdb-country FILE] [--mmdb-asn FILE] [--scanners FILE]...\n"
     "                     [--p0f FILE|none] [--batch N] [--quiet] CAPTURE...\n"
     "Reads pcap/pcapng captures (plain, gzip or zstd; '-' = stdin) and adds them to the\n"
     "store. Packets belong to --sensor NAME, or to the sensor whose prefix in the\n"
     "configuration holds their destination; packets to no sensor count as unassigned.\n"
     "A capture already ingested (same content) is skipped; an interrupted ingest resumes.\n"
     "Each packet is classified: destination port, source country and AS (libloc, or\n"
     "MaxMind-format .mmdb files), known-scanner lists (labelled prefix files), scanner\n"
     "tool fingerprint or backscatter, and the sender's OS class from p0f's signatures.\n"
     "  --geo FILE          libloc database (default Debian's libloc-database)\n"
     "  --mmdb-country FILE, --mmdb-asn FILE   use .mmdb databases instead of libloc\n"
     "  --scanners FILE     known-scanner prefix list, 'PREFIX LABEL' lines (repeatable)\n"
     "  --p0f FILE|none     p0f signatures (default /etc/p0f/p0f.fp when installed)\n"
     "  --no-classify       skip tool fingerprints, backscatter and OS hints (benchmarks)\n"
     "  --batch N   frames per commit (default 8388608)\n"
     "  --quiet     no per-file summary lines\n"
     "Exit: 0 ok, 1 error, 2 usage, 3 some capture was damaged (kept up to the damage).\n",
     tt_cmd_ingest},
    {"top", "rank ports, countries or sources",
     "usage: teiten top ports|countries|sources|asns|tools [options]\n"
     "Ranks destination ports (proto/port, ICMP as 0/icmp), source countries, source\n"
     "addresses, source ASes or packet kinds (scanner tools, backscatter) by packets over\n"
     "the period, with the rank in the previous period of the same length (prev_rank,\n"
     "null = out of top 10) and exact unique sources. Ports also show the kind of packet\n"
     "seen most on them (tool, tool_share).\n" QUERY_OPTIONS
     "  --port P/PROTO     only packets to this port, e.g. 9600/tcp\n"
     "  --country CC       only sources in this country\n"
     "  --category NAME    (ports) only ports of this knowledge-base category, e.g. ics\n"
     "Ports and countries also show the device classes of their sources (from p0f OS\n"
     "hints: embedded/iot, pc/server, tool), as shares of the sources that had a hint.\n",
     tt_cmd_top},
    {"series", "packets per day or hour for a port or a country",
     "usage: teiten series (--port P/PROTO | --country CC) [--by day|hour] [options]\n"
     "One row per day (or hour) of the period, zero-filled.\n" QUERY_OPTIONS,
     tt_cmd_series},
    {"ip", "history of one source address",
     "usage: teiten ip ADDRESS [options]\n"
     "First/last seen, country, totals, and one row per day x proto/port x sensor.\n" QUERY_OPTIONS,
     tt_cmd_ip},
    {"backscatter", "DoS attacks inferred from backscatter",
     "usage: teiten backscatter [--timeout S] [--min-packets N] [--min-duration S] [--min-ppm N]\n"
     "                          [options]\n"
     "Replies of DoS victims to spoofed packets (SYN-ACK, RST, ICMP errors quoting a\n"
     "telescope address) grouped per victim into attacks: an attack goes on while\n"
     "replies come with gaps under --timeout (300 s) and is listed when it has at least\n"
     "--min-packets (25), lasts --min-duration (60 s) and peaks at --min-ppm packets in\n"
     "one minute (30) -- the thresholds of Moore et al. and CAIDA's corsaro dos plugin.\n"
     "Columns: victim, cc, asn, start, end, duration, packets, bytes, peak_ppm, ports,\n"
     "sensors. Largest first.\n" QUERY_OPTIONS,
     tt_cmd_backscatter},
    {"kb", "what the knowledge base says about a port",
     "usage: teiten kb [PORT/PROTO] [--category NAME] [--kb FILE] [--format table|json|csv]\n"
     "Products, vulnerabilities (CVE), malware and tools known for a port, with\n"
     "references and dates; without a port, every entry (of a category).\n"
     "  --kb FILE   add the entries of a user file (same format as data/kb.conf)\n",
     tt_cmd_kb},
    {"events", "bursts, rises and rank jumps, explained",
     "usage: teiten events [--by-region] [--window N] [--min-packets N] [--min-share F] [options]\n"
     "Finds per port and per source country (and per sensor region with --by-region):\n"
     "bursts above a robust baseline, sustained rises (change points) and ports or\n"
     "countries entering the top 10; each with countries, dominant sources and their\n"
     "history, unique sources before vs during, sensors, tools, OS hints and the\n"
     "knowledge base's entry. See docs/events.md.\n"
     "  --window N       trailing baseline window, days (default 28)\n"
     "  --min-packets N  ignore series whose peak day has fewer packets (default 100)\n"
     "  --min-share F    ignore subjects under this share of the period's packets\n"
     "  (--limit defaults to every event)\n" QUERY_OPTIONS,
     tt_cmd_events},
    {"report", "the quarterly report (HTML, Markdown, JSON; ja/en)",
     "usage: teiten report (--quarter 2015Q4 | --from D --to D) [--region CC] [--lang ja|en]\n"
     "                     [--format html|md|json] [-o FILE] [--db FILE] [--tz ZONE]\n"
     "                     [--config FILE] [--geo FILE] [--limit N] [--events N]\n"
     "  --limit N    rows of the port and region tables (default 10)\n"
     "  --events N   notable-event sections (default 5, 0 = none)\n"
     "Top ports and source regions with the previous period's rank, daily charts,\n"
     "notable events with their explanation, references. See docs/report.md.\n",
     tt_cmd_report},
    {"stats", "what the store holds",
     "usage: teiten stats [--db FILE] [--format table|json|csv]\n"
     "Files ingested, frames per decode outcome, packets per sensor, period covered.\n",
     tt_cmd_stats},
    {"sensor", "run a sensor: live capture, spool, ship to the collector",
     "usage: teiten sensor [--config FILE] [--name NAME] (--interface IF... | --read FILE)\n"
     "                     (--collector https://HOST:PORT --spool DIR [--key HEX] [--ca FILE] | --db FILE)\n"
     "                     [--filter BPF] [--user NAME] [--spool-max-mb N|--spool-max-kb N]\n"
     "                     [--batch-packets N]\n"
     "                     [--batch-seconds N] [--ship-seconds N] [--heartbeat N] [--retain-dir DIR]\n"
     "                     [--p0f FILE|none] [--immediate]\n"
     "Captures the packets sent to this sensor's dark addresses (live with libpcap, or from a\n"
     "capture file with --read), classifies them like 'teiten ingest', and batches them (every\n"
     "--batch-seconds or --batch-packets). Each batch is written to the spool (fsync); the batches\n"
     "of up to --ship-seconds (default 60; 0: each batch alone) are merged into one and sent\n"
     "over HTTPS to the collector, signed with the sensor's key; it is deleted only once the\n"
     "collector acknowledged it, so a restart resumes from the spool. A full spool (--spool-max-mb)\n"
     "turns packets into a declared gap; capture drops (pcap_stats) are declared too.\n"
     "With --db FILE the batches go straight into a local store (single-host mode).\n"
     "libpcap delivers ring blocks at least every 100 ms ([capture] timeout_ms); --immediate\n"
     "wakes for every frame instead (lower latency, ~10x the CPU per frame).\n"
     "Options override the [capture], [spool] and [ship] sections of the configuration.\n"
     "Signals: SIGINT/SIGTERM stop (the last batch is spooled), SIGHUP reloads prefixes, filter,\n"
     "batch, heartbeat and spool settings. With --read the sensor leaves once the spool is empty.\n"
     "Exit: 0 ok, 1 error, 2 usage.\n",
     tt_cmd_sensor},
    {"collector", "receive sensors' batches over HTTPS into the store",
     "usage: teiten collector [--config FILE] --listen ADDR:PORT --cert FILE --key FILE [--db FILE]\n"
     "                        [--fold-seconds N] [--geo FILE]\n"
     "Serves POST /v1/batch and /v1/heartbeat over TLS. Each sensor authenticates with its own\n"
     "key ('key = HEX' in [sensor NAME]; 'revoked = yes' refuses it). A batch is committed with\n"
     "its (sensor, epoch, sequence) before it is acknowledged; a repeated batch is acknowledged\n"
     "and not stored again. Accepted batches are folded into the data every --fold-seconds\n"
     "(default 60; 0 = after every batch) and on exit. Bad, forged, replayed, oversized or\n"
     "unknown requests are refused and logged; nothing is stored for them.\n"
     "Signals: SIGINT/SIGTERM stop (after folding), SIGHUP reloads keys, SIGUSR1 folds now.\n"
     "Exit: 0 ok, 1 error, 2 usage.\n",
     tt_cmd_collector},
    {"sensors", "health of live sensors: heartbeats, spool, drops, uptime, gaps",
     "usage: teiten sensors [--from D --to D] [--format table|json|csv] [--db FILE] [--sensor NAME]\n"
     "One row per sensor: status (up/late/down by heartbeat age; 'files' for sensors only fed\n"
     "from capture files), last heartbeat and batch, last sequence, batches waiting to be\n"
     "folded, spool size, frames captured, capture drops, packets lost to a full spool, clock\n"
     "skew (seconds, sensor minus collector), uptime (share of the period the capture ran)\n"
     "and the gaps declared in the period.\n" QUERY_OPTIONS,
     tt_cmd_sensors},
    {"gaps", "declared data gaps of live sensors",
     "usage: teiten gaps [--from D --to D] [--sensor NAME] [--format table|json|csv] [--db FILE]\n"
     "Each interval in which a sensor knows it lost packets, how many, and why: spool-full\n"
     "(its spool was at its cap), capture-drop or interface-drop (pcap_stats).\n" QUERY_OPTIONS,
     tt_cmd_gaps},
    {"simulate", "write a synthetic telescope's captures and ground truth",
     "usage: teiten simulate --out DIR [--days N] [--rate PKTS_PER_DAY] [--seed S]\n"
     "                       [--start YYYY-MM-DD] [--one-file] [--truth-detail] [--geo FILE]\n"
     "Writes DIR/<sensor>.pcap[ng] for six sensors, DIR/sensors.conf and DIR/truth.json.\n"
     "  --days N        days to simulate (default 7)\n"
     "  --rate N        packets per day over all sensors (default 200000)\n"
     "  --seed S        random seed (default 1): same seed, same bytes\n"
     "  --start DATE    first day (default 2015-10-01)\n"
     "  --one-file      everything in DIR/telescope.pcap (Ethernet)\n"
     "  --truth-detail  also DIR/truth-detail.tsv, one row per hour x sensor x source x port\n",
     tt_cmd_simulate},
    {"help", "show help for a command", "usage: teiten help [COMMAND]\n", cmd_help},
    {"version", "print the version", "usage: teiten version\n", cmd_version},
};
const size_t tt_command_count = sizeof tt_commands / sizeof tt_commands[0];

const tt_command *tt_command_find(const char *name)
{
    for (size_t i = 0; i < tt_command_count; i++)
        if (strcmp(tt_commands[i].name, name) == 0)
            return &tt_commands[i];
    return NULL;
}

static void print_overview(FILE *out)
{
    fputs("teiten — Internet telescope (darknet) traffic analysis\n\n"
          "usage: teiten COMMAND [options]\n\ncommands:\n",
          out);
    for (size_t i = 0; i < tt_command_count; i++)
        fprintf(out, "  %-10s %s\n", tt_commands[i].name, tt_commands[i].summary);
    fputs("\n'teiten help COMMAND' shows a command's options; see also teiten(1).\n", out);
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return TT_EXIT_OK;
    }
    const tt_command *cmd = tt_command_find(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "teiten: unknown command '%s'\n", argv[1]);
        return TT_EXIT_USAGE;
    }
    fputs(cmd->help, stdout);
    return TT_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("teiten %s\n", TEITEN_VERSION);
    return TT_EXIT_OK;
}

int tt_cli_main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        print_overview(stderr);
        return TT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv);
    const tt_command *cmd = tt_command_find(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "teiten: unknown command '%s' (try 'teiten help')\n", argv[1]);
        return TT_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            return TT_EXIT_OK;
        }
    }
    /* getopt names the program from argv[0] in its messages. */
    char program[64];
    snprintf(program, sizeof program, "teiten %s", cmd->name);
    char *saved = argv[1];
    argv[1] = program;
    int rc = cmd->run(argc - 1, argv + 1);
    argv[1] = saved;
    tt_segment_thread_cleanup();
    return rc;
}
