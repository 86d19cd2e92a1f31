#!/usr/bin/env bash
# bench/quarter.sh — the analysis of a quarter: top-N, event detection and the quarterly report,
# timed on a store of simulated telescope traffic. Run on demand (never in CI;
# tests/CMakeLists.txt only collects tests/, never bench/).
#
# One run:
#   1. builds teiten (scripts/build) and copies the binary to $QUARTER_DIR; simulates two
#      quarters, the measured one and the one before it (the previous ranks, the events'
#      baselines and the report's history need it), and ingests them; both reused when there:
#        teiten simulate --start $QUARTER_START --days $QUARTER_DAYS --rate $QUARTER_RATE \
#                        --seed $QUARTER_SEED --one-file
#   2. waits for a quiet machine (1-minute load below $QUARTER_MAX_LOAD, at most
#      $QUARTER_LOAD_WAIT s), warms the page cache with one untimed run of each command;
#   3. times $QUARTER_RUNS runs of each (median, min-max, peak RSS):
#        teiten top ports|countries --from D --to D      (UTC days: whole days of the index)
#        teiten top ports --tz Asia/Tokyo ...             (days that are not UTC days)
#        teiten events --from D --to D
#        teiten report --quarter Q --format html|json
#      and, if nfdump is installed, the same question asked of nfdump: `nfdump -R DIR -s
#      dstport/packets -n 10` over the quarter's flow files, written once by `nfpcapd -r` from the
#      same capture (nfdump answers packets per port only: no distinct sources, no previous rank);
#   4. prints the table and writes it, with the machine facts, to the "Quarter" section of
#      docs/benchmarks.md (between its markers; the rest of the file is kept).
#
# Takes ~5 minutes the first time (simulating and ingesting ~21 M packets), ~1 minute after.
#
# Environment (defaults in brackets):
#   QUARTER_DIR [/tmp/teiten-quarter-bench]   capture, store, flow files, logs
#   QUARTER [2015Q4]        the quarter measured
#   QUARTER_START [2015-07-01]  QUARTER_DAYS [184]  QUARTER_RATE [115000]  QUARTER_SEED [7]
#   QUARTER_RUNS [5]        timed runs per command
#   QUARTER_MAX_LOAD [1.0]  QUARTER_LOAD_WAIT [300]   quiet-machine wait (0: don't wait)
#   QUARTER_TEITEN []       use this teiten binary instead of building
#   QUARTER_DOC [docs/benchmarks.md]   where the table goes; empty: print only
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

dir=${QUARTER_DIR:-/tmp/teiten-quarter-bench}
quarter=${QUARTER:-2015Q4}
start=${QUARTER_START:-2015-07-01}
days=${QUARTER_DAYS:-184}
rate=${QUARTER_RATE:-115000}
seed=${QUARTER_SEED:-7}
runs=${QUARTER_RUNS:-5}
max_load=${QUARTER_MAX_LOAD:-1.0}
load_wait=${QUARTER_LOAD_WAIT:-300}
doc=${QUARTER_DOC-docs/benchmarks.md}

say() { printf 'bench/quarter: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "QUARTER_RUNS must be a positive number, not '$runs'"
[[ $quarter =~ ^([0-9]{4})Q([1-4])$ ]] || die "QUARTER must look like 2015Q4, not '$quarter'"
year=${BASH_REMATCH[1]}
q=${BASH_REMATCH[2]}
first_month=$(((q - 1) * 3 + 1))
from=$(printf '%04d-%02d-01' "$year" "$first_month")
to=$(date -u -d "$from +3 months -1 day" +%F)

bench_binary "${QUARTER_TEITEN:-}" "$dir"

# ---------------------------------------------------------------- 1. capture and store
cap=$dir/cap
params="start=$start days=$days rate=$rate seed=$seed"
if [[ -f $cap/.complete && $(cat "$cap/.complete") == "$params" ]]; then
  say "reusing the capture in $cap ($params)"
else
  say "simulating $cap ($params)"
  rm -rf "$cap" "$dir/store.db"* "$dir/nf"
  "$teiten" simulate --out "$cap" --start "$start" --days "$days" --rate "$rate" --seed "$seed" --one-file
  printf '%s\n' "$params" >"$cap/.complete"
fi
db=$dir/store.db
if [[ ! -f $dir/.ingested || $(cat "$dir/.ingested") != "$params $teiten_rev" ]]; then
  say "ingesting into $db"
  rm -f "$db" "$db"-*
  "$teiten" ingest --quiet --db "$db" --config "$cap/sensors.conf" "$cap/telescope.pcap"
  printf '%s\n' "$params $teiten_rev" >"$dir/.ingested"
fi
packets=$("$teiten" top ports --db "$db" --from "$from" --to "$to" --format json --limit 100000 |
  python3 -c 'import json,sys; print(sum(r["packets"] for r in json.load(sys.stdin)))')
all_packets=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
store_bytes=$(stat -c %s "$db")
say "store: $all_packets packets, $packets of them in $quarter ($from..$to, ports only)"

nf=""
if have nfpcapd && have nfdump; then
  nf=$dir/nf
  if [[ ! -f $nf/.complete ]]; then
    say "nfpcapd: flow files for nfdump (once)"
    rm -rf "$nf" && mkdir -p "$nf"
    nfpcapd -r "$cap/telescope.pcap" -w "$nf" -t 86400 >/dev/null 2>&1 || die "nfpcapd failed"
    touch "$nf/.complete"
  fi
else
  say "nfdump not installed (Debian package nfdump): its row is skipped"
fi

# ---------------------------------------------------------------- 2. quiet machine
load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() { awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l < m) }'; }
waited=0
while ((waited < load_wait)) && ! quiet; do
  sleep 10
  waited=$((waited + 10))
done
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- 3. measurements
work=$dir/work
rm -rf "$work" && mkdir -p "$work"
nf_files=()
if [[ -n $nf ]]; then
  # Only the quarter's days: nfcapd.YYYYMMDDhhmm file names.
  from_key=${from//-/}
  to_key=${to//-/}
  while IFS= read -r f; do
    stamp=$(basename "$f" | sed -E 's/^nfcapd\.([0-9]{8}).*/\1/')
    if [[ $stamp > $from_key || $stamp == "$from_key" ]] && [[ $stamp < $to_key || $stamp == "$to_key" ]]; then
      nf_files+=("$f")
    fi
  done < <(find "$nf" -name 'nfcapd.2*' | sort)
  printf '%s\n' "${nf_files[@]}" >"$work/nf.list"
fi

declare -a names labels
add() { names+=("$1"); labels+=("$2"); }
add top_ports "teiten top ports --from $from --to $to"
add top_countries "teiten top countries --from $from --to $to"
add top_ports_tz "teiten top ports --from $from --to $to --tz Asia/Tokyo"
add events "teiten events --from $from --to $to"
add report_html "teiten report --quarter $quarter --format html"
add report_json "teiten report --quarter $quarter --format json"
if [[ -n $nf ]]; then add nfdump "nfdump -s dstport/packets -n 10 over the quarter's flow files"; fi

# cmd_for NAME: the command line of NAME in CMD.
cmd_for() {
  case $1 in
  top_ports) CMD=("$teiten" top ports --db "$db" --from "$from" --to "$to") ;;
  top_countries) CMD=("$teiten" top countries --db "$db" --from "$from" --to "$to") ;;
  top_ports_tz) CMD=("$teiten" top ports --db "$db" --from "$from" --to "$to" --tz Asia/Tokyo) ;;
  events) CMD=("$teiten" events --db "$db" --from "$from" --to "$to") ;;
  report_html) CMD=("$teiten" report --db "$db" --quarter "$quarter" --format html -o "$work/report.html") ;;
  report_json) CMD=("$teiten" report --db "$db" --quarter "$quarter" --format json -o "$work/report.json") ;;
  nfdump) CMD=(nfdump -R "$(head -1 "$work/nf.list"):$(basename "$(tail -1 "$work/nf.list")")" -s dstport/packets -n 10 -N) ;;
  esac
}

gnutime=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then gnutime=/usr/bin/time; fi
for name in "${names[@]}"; do
  cmd_for "$name"
  "${CMD[@]}" >"$work/$name.out" 2>"$work/$name.err" || die "$name failed: $(tail -3 "$work/$name.err")"
  for ((r = 0; r < runs; r++)); do
    t0=$(date +%s.%N)
    rss=0
    if [[ -n $gnutime ]]; then
      "$gnutime" -f '%M' -o "$work/rss" "${CMD[@]}" >/dev/null 2>&1
      rss=$(tail -1 "$work/rss")
    else
      "${CMD[@]}" >/dev/null 2>&1
    fi
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN { printf "%.3f %d\n", b - a, r }' >>"$work/$name.times"
  done
  say "$(printf '%-14s' "$name") $(sort -n "$work/$name.times" | awk '{ t[NR] = $1 } END { printf "median %.3f s", t[int((NR + 1) / 2)] }')"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

stat_of() { # median min max rss_mb
  sort -n "$work/$1.times" | awk '{ t[NR] = $1; if ($2 > m) m = $2 } END { printf "%.3f %.3f %.3f %.0f\n", t[int((NR + 1) / 2)], t[1], t[NR], m / 1024 }'
}
table="| command | median s | spread (min–max) s | peak RSS |
|---|---:|---:|---:|"
for i in "${!names[@]}"; do
  read -r med lo hi rss < <(stat_of "${names[$i]}")
  table+="
| \`${labels[$i]}\` | $med | $lo–$hi | $rss MB |"
done
median() { stat_of "$1" | cut -d' ' -f1; }
verdict() { awk -v t="$1" -v lim="$2" 'BEGIN { print (t < lim) ? "met" : "**not met**" }'; }
nf_note=""
if [[ -n $nf ]]; then
  nf_note="nfdump answered the same top-10-ports question (packets only) in $(median nfdump) s over ${#nf_files[@]} daily flow files: teiten's \`top ports\` took $(awk -v a="$(median top_ports)" -v b="$(median nfdump)" 'BEGIN { printf "%.2f", a / b }')× its time while also counting exact distinct sources and the previous quarter's ranks."
fi

section=$(
  cat <<EOF
<!-- bench/quarter.sh: start (this section is rewritten by each run of bench/quarter.sh) -->
## Quarter: top-N, events, report

Produced by \`bench/quarter.sh\` (on demand, never in CI; rewrites this section only).
Reproduce with

    bench/quarter.sh                       # ~5 min the first time, ~1 min after; QUARTER_* at its top

- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) memory; teiten $teiten_rev
- store: \`teiten simulate --start $start --days $days --rate $rate --seed $seed --one-file\`,
  ingested: **$all_packets packets** over two quarters, **$packets** of them in $quarter
  (the quarter measured; the one before gives the previous ranks and the events' baselines);
  $((store_bytes >> 20)) MB on disk. Load average at start $load_start, at end $load_end.
- $runs timed runs of each command after one untimed run (page cache warm); wall time.

$table

$nf_note

| target | measured | status |
|---|---|---|
| a quarter's top-N in under 100 ms | \`top ports\` $(median top_ports) s, \`top countries\` $(median top_countries) s | $(verdict "$(median top_ports)" 0.1) |
| event detection over all ports and countries for a quarter in under 1 s | $(median events) s | $(verdict "$(median events)" 1) |
| a quarterly report in under 1 s | HTML $(median report_html) s, JSON $(median report_json) s | $(verdict "$(median report_html)" 1) |

How (\`docs/design.md\`): rankings read one totals blob per day (the hours' totals added up at
ingest; all sensors together unless a sensor filter asks otherwise) and count distinct sources
from the source index (per-day sets of sources by port and country); days of a zone that are
not UTC days take their edge hours from the hourly segments (the \`--tz\` row). Event detection
reads the daily totals, then drills into the events' days in the per-source segments, decoded
by two threads, materialising only the rows of the events' ports and countries.
Peak RSS counts the store's pages that queries map read-only (\`PRAGMA mmap_size\`): page
cache, not memory of teiten's own.
<!-- bench/quarter.sh: end -->
EOF
)
printf '%s\n' "$section"
if [[ -n $doc ]]; then
  bench_write_section "$doc" quarter.sh "$section" live.sh
  say "wrote the Quarter section of $doc"
fi
