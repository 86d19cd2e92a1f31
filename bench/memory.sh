#!/usr/bin/env bash
# bench/memory.sh — does `teiten ingest` stay in bounded memory whatever the input's length?
# On demand, never in CI.
#
# One run:
#   1. builds teiten (scripts/build) and copies the binary to $MEMORY_DIR;
#   2. simulates one capture per length in $MEMORY_DAYS, all at the same daily rate, so the
#      captures differ only in how many days they hold (reused when already there):
#        teiten simulate --days D --rate $MEMORY_RATE --one-file --seed $MEMORY_SEED
#   3. ingests each into a fresh store, $MEMORY_RUNS times, under GNU time: peak RSS and
#      wall time (the page cache may not hold the longest captures: wall times are not
#      comparable, only the memory is);
#   4. prints the table and writes it to the "Memory" section of docs/benchmarks.md.
#
# The captures take ~1.1 GB of disk per simulated day at the default rate (12 days: 13 GB);
# $MEMORY_DAYS 1 3 6 12 takes ~10 minutes.
#
# Environment (defaults in brackets):
#   MEMORY_DIR [/tmp/teiten-memory-bench]  captures and stores
#   MEMORY_DAYS [1 3 6 12]                 capture lengths in days
#   MEMORY_RATE [10000000]                 simulated packets per day
#   MEMORY_SEED [5]                        simulator seed
#   MEMORY_RUNS [2]                        ingests per length (the largest peak is reported)
#   MEMORY_TEITEN []                       use this teiten binary instead of building
#   MEMORY_DOC [docs/benchmarks.md]        where the table goes; empty: print only
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

dir=${MEMORY_DIR:-/tmp/teiten-memory-bench}
days_list=${MEMORY_DAYS:-1 3 6 12}
rate=${MEMORY_RATE:-10000000}
seed=${MEMORY_SEED:-5}
runs=${MEMORY_RUNS:-2}
doc=${MEMORY_DOC-docs/benchmarks.md}

say() { printf 'bench/memory: %s\n' "$*" >&2; }
die() {
  printf 'bench/memory: %s\n' "$*" >&2
  exit 1
}
# shellcheck source=bench/lib.sh
. bench/lib.sh
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time, package time) is needed"
bench_binary "${MEMORY_TEITEN:-}" "$dir"

rows=""
for days in $days_list; do
  cap=$dir/cap-d$days-r$rate-s$seed
  if [[ ! -f $cap/.complete ]]; then
    say "simulating $days day(s) at $rate packets/day into $cap"
    rm -rf "$cap"
    "$teiten" simulate --out "$cap" --days "$days" --rate "$rate" --seed "$seed" --one-file >/dev/null
    touch "$cap/.complete"
  fi
  bytes=$(stat -c %s "$cap/telescope.pcap")
  peak=0 best_wall=""
  for run in $(seq "$runs"); do
    db=$dir/store.db
    rm -f "$db" "$db"-*
    /usr/bin/time -f '%e %M' -o "$dir/time" "$teiten" ingest --quiet --db "$db" --config "$cap/sensors.conf" \
      "$cap/telescope.pcap" >/dev/null || die "ingest of $cap failed"
    read -r wall rss_kb <"$dir/time"
    say "$days day(s), run $run: ${wall} s, peak RSS $((rss_kb / 1024)) MB"
    ((rss_kb > peak)) && peak=$rss_kb
    best_wall=$wall
  done
  frames=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])')
  rows+="| $days | $frames | $((bytes / 1000000)) MB | $((peak / 1024)) MB | $best_wall |"$'\n'
  rm -f "$dir/store.db" "$dir/store.db"-*
done

section="<!-- bench/memory.sh: start (this section is rewritten by each run of bench/memory.sh) -->
## Memory against input length

Produced by \`bench/memory.sh\` (on demand, never in CI; rewrites this section only).
$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; teiten $teiten_rev. Captures of 1 to N days of
the same simulated telescope (\`teiten simulate --days D --rate $rate --one-file --seed $seed\`),
each ingested into a fresh store $runs times; the largest peak RSS (GNU time) is shown. Wall
times are not comparable across lengths (the longest captures do not fit in the page cache).

| days | frames | capture | peak RSS | wall s (last run) |
|---:|---:|---:|---:|---:|
${rows}
Memory is bounded by design (docs/design.md): the reading thread keeps only the open hours'
bins, the queue to the writer holds a bounded number of bin entries, a commit every 8 M frames
(\`--batch\`) bounds a transaction, and the source-index builder flushes at 16 M pairs. The peak
rises over the first days, as the heap's free lists fill (freed memory is kept for reuse, not
returned to the system, so the peak counts it), then levels off: compare the last two rows.
<!-- bench/memory.sh: end -->"
printf '%s\n' "$section"
if [[ -n $doc ]]; then
  bench_write_section "$doc" memory "$section"
  say "wrote the Memory section of $doc"
fi
