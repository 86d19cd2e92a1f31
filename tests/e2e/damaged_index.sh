#!/usr/bin/env bash
# A damaged stored source index stops the ingest that would merge into it,
# with a message naming the day and sensor, and the store keeps what it had:
# the first half of a day is ingested, the stored day of all sensors is
# damaged, the second half is refused and nothing of it is counted.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 1 --rate 200000 --seed 4 --one-file --start 2016-04-01 >/dev/null
python3 - "$tmp/cap/telescope.pcap" "$tmp/first.pcap" "$tmp/second.pcap" <<'PY'
import sys
src, first, second = sys.argv[1:4]
data = open(src, "rb").read()
at, cuts = 24, []
while at + 16 <= len(data):
    at += 16 + int.from_bytes(data[at + 8:at + 12], "little")
    cuts.append(at)
half = cuts[len(cuts) // 2]
open(first, "wb").write(data[:half])
open(second, "wb").write(data[:24] + data[half:])
PY
db=$tmp/store.db
"$teiten" ingest --quiet --db "$db" --config "$tmp/cap/sensors.conf" "$tmp/first.pcap"
before=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[[ $before -gt 0 ]] || { echo "first half stored nothing"; exit 1; }
day=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT min(day) FROM srcidx_all").fetchone()[0])' "$db")
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE srcidx_all SET data=? WHERE day=?", (b"TISX\x05\x00\x00\x00\x00", int(sys.argv[2]))); c.commit()' "$db" "$day"
set +e
"$teiten" ingest --quiet --db "$db" --config "$tmp/cap/sensors.conf" "$tmp/second.pcap" 2>"$tmp/err"
rc=$?
set -e
cat "$tmp/err"
[[ $rc -ne 0 ]] || { echo "ingest over a damaged index succeeded"; exit 1; }
grep -q "stored source index or totals of day $day sensor -1 are damaged" "$tmp/err" ||
  { echo "message does not name the damaged day"; exit 1; }
after=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[[ $after -eq $before ]] || { echo "store changed: $before packets before, $after after"; exit 1; }
echo "damaged index refused: day $day, $before packets kept"
