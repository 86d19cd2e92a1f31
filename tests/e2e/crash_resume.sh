#!/usr/bin/env bash
# Crash consistency: kill -9 an ingest after it committed some batches, run it
# again, and check every query against the ground truth (nothing lost, nothing
# counted twice). Then interrupt one with SIGINT and resume it the same way.
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 4 --rate 250000 --seed 11 --one-file --truth-detail
cap="$tmp/cap/telescope.pcap"
conf="$tmp/cap/sensors.conf"

committed() { sqlite3 "file:$1?mode=ro" "SELECT coalesce(max(frames_done), 0) FROM files" 2>/dev/null || echo 0; }

for round in 1 2; do
  db="$tmp/crash$round.db"
  "$teiten" ingest --db "$db" --config "$conf" --batch 60000 "$cap" 2>"$tmp/log$round" &
  pid=$!
  # Wait until at least one batch is committed (or the ingest finished), then kill.
  for _ in $(seq 1 600); do
    n=$(committed "$db")
    if [[ $n -gt $((round * 60000)) ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.02
  done
  if [[ $round -eq 1 ]]; then kill -9 "$pid" 2>/dev/null || true; else kill -INT "$pid" 2>/dev/null || true; fi
  wait "$pid" || true
  before=$(committed "$db")
  done=$(sqlite3 "file:$db?mode=ro" "SELECT coalesce(max(done), 0) FROM files" 2>/dev/null || echo 0)
  echo "round $round: stopped with $before frames committed (done=$done)"
  "$teiten" ingest --db "$db" --config "$conf" --batch 60000 "$cap" 2>"$tmp/resume$round"
  cat "$tmp/resume$round"
  if [[ $done -eq 1 ]]; then
    grep -q "already ingested" "$tmp/resume$round" || { echo "finished file was not skipped"; exit 1; }
  elif [[ $before -gt 0 ]]; then
    grep -q "resumed after $before" "$tmp/resume$round" || { echo "resume did not start at $before"; exit 1; }
  fi
  python3 "$here/check_queries.py" "$teiten" "$tmp/cap" "$db"
done
