#!/usr/bin/env bash
# Golden tests: ingest the committed captures in data/ into a fresh store, run
# a fixed list of commands and compare what each prints — standard output,
# standard error and exit status — byte for byte with expected/NAME.out (as
# nfdump's runtest.sh does). They pin the output formats and the error
# messages; tests/e2e checks the numbers against the simulator's ground truth
# in depth (this script only checks the totals against data/truth.json).
#
#   run.sh [TEITEN]            compare (ctest runs `bash run.sh TEITEN`)
#   run.sh [TEITEN] --update   rewrite expected/ from what TEITEN prints now;
#                              review `git diff tests/golden/expected` before
#                              committing: every changed line is a change of
#                              teiten's output.
# TEITEN defaults to build/teiten. data/ is made by make-data.sh; the bad
# configuration files are in conf/.
#
# Every command runs in data/ so file names are relative; the temporary
# directory's path is printed as TMP. Each expected file holds the command
# line ('$ teiten ...'), its standard output, its standard error (lines
# prefixed 'stderr: ') and 'exit N'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
update=0
teiten=
for arg in "$@"; do
    case $arg in
    --update) update=1 ;;
    *) teiten=$arg ;;
    esac
done
teiten=${teiten:-$here/../../build/teiten}
teiten=$(cd "$(dirname "$teiten")" && pwd)/$(basename "$teiten")
[[ -x $teiten ]] || { echo "run.sh: no teiten binary at $teiten" >&2; exit 1; }
unset TEITEN_DB
export TZ=UTC LC_ALL=C

expected=$here/expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/actual"
cd "$here/data"

captures=(de-fra.pcap jp-fukuoka.pcapng jp-osaka.pcap jp-tokyo.pcap sg-1.pcap us-east.pcap)
db=$tmp/t.db
"$teiten" ingest --quiet --db "$db" --config sensors.conf --geo geo.loc "${captures[@]}" ||
    { echo "run.sh: ingesting the golden captures failed (exit $?)" >&2; exit 1; }

# The totals must be the simulator's ground truth before any output is pinned.
"$teiten" stats --db "$db" --format json >"$tmp/stats.json"
python3 - "$tmp/stats.json" truth.json <<'PYTHON'
import json
import sys

stats = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
problems = []
for key in ("frames", "packets"):
    if stats[key] != truth[key]:
        problems.append(f"{key}: store {stats[key]}, truth {truth[key]}")
for outcome, frames in stats["outcomes"].items():
    if frames != truth["outcomes"].get(outcome, 0):
        problems.append(f"outcome {outcome}: store {frames}, truth {truth['outcomes'].get(outcome, 0)}")
if sum(stats["outcomes"].values()) != stats["frames"]:
    problems.append("outcomes do not add up to frames")
for sensor in truth["sensors"]:
    files = [f for f in stats["file_list"] if f["file"] == sensor["file"]]
    if len(files) != 1 or files[0]["frames"] != sensor["frames"] or files[0]["state"] != "done":
        problems.append(f"file {sensor['file']}: {files}, truth {sensor['frames']} frames")
if problems:
    sys.exit("golden data disagrees with truth.json:\n  " + "\n  ".join(problems))
PYTHON

names=()
# golden NAME ARG...: run `teiten ARG...` and record what it prints.
golden() {
    local name=$1
    shift
    names+=("$name")
    local rc=0
    "$teiten" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    {
        printf '$ teiten'
        [[ $# -eq 0 ]] || printf ' %s' "$@"
        printf '\n'
        cat "$tmp/stdout"
        if [[ -s $tmp/stdout && $(tail -c 1 "$tmp/stdout" | od -An -c | tr -d ' ') != '\n' ]]; then
            printf '\n(no newline at end of standard output)\n'
        fi
        # libloc's own log lines differ between libloc versions.
        grep -v '^libloc: ' "$tmp/stderr" | sed 's/^/stderr: /' || true
        echo "exit $rc"
    } | sed "s|$tmp|TMP|g" >"$tmp/actual/$name.out"
}
# query NAME ARG...: a query on the golden store, with the committed geo
# database and services file (query.conf).
query() {
    local name=$1
    shift
    golden "$name" "$@" --db "$db" --config query.conf
}

# ---- what the store holds
query stats stats
query stats-json stats --format json
query stats-csv stats --format csv

# ---- rankings
query top-ports top ports
query top-ports-json top ports --format json
query top-ports-csv top ports --format csv
query top-ports-limit-30 top ports --limit 30
query top-countries top countries
query top-countries-json top countries --format json
query top-sources-port-23 top sources --port 23/tcp
query top-sources-country-cn top sources --country CN --limit 5 --format csv
query top-ports-region-jp top ports --region JP
query top-ports-sensor-us-east top ports --sensor us-east
query top-countries-region-de top countries --region de --format csv
# One day against the day before: prev_rank, with ports in and out of the top 10.
query top-ports-prev-rank top ports --from 2015-10-03 --to 2015-10-03
query top-ports-prev-rank-json top ports --from 2015-10-03 --to 2015-10-03 --format json
query top-countries-prev-rank top countries --from 2015-10-02 --to 2015-10-03 --tz Asia/Tokyo
# A period with no data at all, and one before the data (no previous period).
query top-ports-empty-period top ports --from 2016-01-01 --to 2016-01-31
query top-ports-first-day top ports --from 2015-10-01 --to 2015-10-01 --limit 3

# ---- series
query series-port-23 series --port 23/tcp
query series-port-23-csv series --port 23/tcp --format csv
query series-country-cn-tokyo series --country CN --tz Asia/Tokyo --by day
query series-icmp-hour series --port 0/icmp --by hour --from 2015-10-02 --to 2015-10-02
query series-icmp-hour-json series --port 0/icmp --by hour --from 2015-10-02 --to 2015-10-02 --format json
query series-port-53413-sensor series --port 53413/udp --sensor jp-tokyo --format json

# ---- one source's history
query ip-v4 ip 188.59.124.98
query ip-v4-json ip 188.59.124.98 --format json
query ip-v4-csv-tokyo ip 188.59.124.98 --format csv --tz Asia/Tokyo
query ip-v6 ip 2001:7c3:47ec:8070:6fcb:2cb1:2f7c:c879
query ip-v6-json ip 2001:07c3:47ec:8070:6fcb:2cb1:2f7c:c879 --format json
query ip-unseen ip 192.0.2.1
query ip-unseen-json ip 192.0.2.1 --format json
query ip-one-day ip 188.59.124.98 --from 2015-10-02 --to 2015-10-02

# ---- a store that holds nothing (the ingest fails: /dev/null is no capture)
golden err-ingest-empty-input ingest --db "$tmp/empty.db" --sensor s1 /dev/null
golden empty-stats stats --db "$tmp/empty.db"
golden empty-stats-json stats --db "$tmp/empty.db" --format json
golden empty-top-ports top ports --db "$tmp/empty.db"
golden empty-top-countries-json top countries --db "$tmp/empty.db" --format json
golden empty-ip ip 198.51.100.1 --db "$tmp/empty.db"

# ---- help
golden help help
golden help-top help top

# ---- usage errors: exit 2
golden err-no-command
golden err-unknown-command frobnicate
golden err-help-unknown help frobnicate
query err-top-no-kind top
query err-top-bad-kind top planets
query err-top-port-not-sources top ports --port 23/tcp
query err-bad-format top ports --format xml
query err-bad-option top ports --bogus
query err-bad-date top ports --from 2015-13-01
query err-bad-date-feb-30 top ports --to 2015-02-30
query err-bad-date-short top ports --from 15-10-01
query err-to-before-from top ports --from 2015-10-03 --to 2015-10-01
query err-bad-port-range top sources --port 65536/tcp
query err-bad-port-no-proto top sources --port 23
query err-bad-port-proto top sources --port 23/sctp
query err-bad-country top sources --country C1
query err-bad-limit top ports --limit 0
query err-bad-tz top ports --tz Mars/Olympus
query err-tz-half-hour top ports --tz Asia/Kolkata
query err-unknown-sensor top ports --sensor nosuch
query err-series-no-key series
query err-series-both-keys series --port 23/tcp --country CN
query err-series-bad-by series --port 23/tcp --by week
query err-ip-bad-address ip 198.51.100.300
query err-ip-no-address ip

# ---- runtime errors: exit 1
golden err-missing-db stats --db "$tmp/missing.db"
golden err-missing-db-top top ports --db "$tmp/missing.db"
golden err-ingest-missing-capture ingest --db "$tmp/other.db" --sensor s1 missing.pcap
golden err-ingest-bad-geo ingest --db "$tmp/other.db" --sensor s1 --geo sensors.conf sg-1.pcap
golden err-query-missing-geo top countries --db "$db" --geo missing.loc

# ---- configuration errors: exit 2, naming file:line
for conf in "$here"/conf/*.conf; do
    base=$(basename "$conf" .conf)
    golden "err-conf-$base" ingest --db "$tmp/other.db" --config "../conf/$base.conf" sg-1.pcap
done
golden err-conf-missing ingest --db "$tmp/other.db" --config missing.conf sg-1.pcap
golden err-conf-query top ports --db "$db" --config ../conf/unknown-section.conf
golden err-ingest-no-sensor ingest --db "$tmp/other.db" sg-1.pcap
golden err-ingest-no-capture ingest --db "$tmp/other.db" --sensor s1
golden err-ingest-bad-batch ingest --db "$tmp/other.db" --sensor s1 --batch 0 sg-1.pcap

# ---- compare
status=0
if [[ $update -eq 1 ]]; then
    mkdir -p "$expected"
    for name in "${names[@]}"; do
        cp "$tmp/actual/$name.out" "$expected/$name.out"
    done
    echo "run.sh: wrote ${#names[@]} files to $expected; review them with git diff" >&2
fi
for name in "${names[@]}"; do
    if [[ ! -f $expected/$name.out ]]; then
        echo "FAIL $name: no expected/$name.out (run.sh --update, then review it)"
        status=1
    elif ! diff -u "$expected/$name.out" "$tmp/actual/$name.out" >"$tmp/diff"; then
        echo "FAIL $name:"
        cat "$tmp/diff"
        status=1
    fi
done
for file in "$expected"/*.out; do
    name=$(basename "$file" .out)
    if [[ ! " ${names[*]} " == *" $name "* ]]; then
        echo "FAIL $name: expected/$name.out belongs to no command in run.sh (remove it)"
        status=1
    fi
done
[[ $status -eq 0 ]] && echo "golden: ${#names[@]} outputs as expected"
exit $status
