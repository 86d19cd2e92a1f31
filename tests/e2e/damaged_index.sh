#!/usr/bin/env bash
# A damaged stored source index is named, day and sensor, by the queries that read it and
# by the ingest that would merge into it; that ingest is refused and the store keeps what
# it had. A day is ingested in five pieces: the first four commits store the day's four
# index parts, the last part of the day of all sensors is damaged, and the fifth piece,
# which would merge into that part, is refused and nothing of it is counted.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 1 --rate 200000 --seed 4 --one-file --start 2016-04-01 >/dev/null
python3 - "$tmp/cap/telescope.pcap" "$tmp/piece" <<'PY'
import sys
src, out = sys.argv[1:3]
data = open(src, "rb").read()
at, cuts = 24, []
while at + 16 <= len(data):
    at += 16 + int.from_bytes(data[at + 8:at + 12], "little")
    cuts.append(at)
bounds = [24] + [cuts[len(cuts) * k // 5] for k in range(1, 5)] + [len(data)]
for k in range(5):
    open(f"{out}{k + 1}.pcap", "wb").write(data[:24] + data[bounds[k]:bounds[k + 1]])
PY
db=$tmp/store.db
for k in 1 2 3 4; do
  "$teiten" ingest --quiet --db "$db" --config "$tmp/cap/sensors.conf" "$tmp/piece$k.pcap"
done
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2], sys.argv[3:]).fetchall(); c.commit(); print(r[0][0] if r else "")' "$db" "$@"; }
day=$(sql "SELECT min(day) FROM srcidx_all")
[[ $(sql "SELECT count(*) FROM srcidx_all WHERE day = ?" "$day") == 4 ]] ||
  { echo "four commits did not store four parts of day $day"; exit 1; }
"$teiten" top ports --db "$db" --format csv >"$tmp/top.before"
before=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[[ $before -gt 0 ]] || { echo "the first pieces stored nothing"; exit 1; }
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE srcidx_all SET data=? WHERE id=(SELECT max(id) FROM srcidx_all WHERE day=?)", (b"TISX\x05\x00\x00\x00\x00", int(sys.argv[2]))); c.commit()' "$db" "$day"

set +e
"$teiten" top ports --db "$db" --format csv >/dev/null 2>"$tmp/query.err"
qrc=$?
"$teiten" ingest --quiet --db "$db" --config "$tmp/cap/sensors.conf" "$tmp/piece5.pcap" 2>"$tmp/err"
rc=$?
set -e
cat "$tmp/query.err" "$tmp/err"
[[ $qrc -ne 0 ]] || { echo "a query over a damaged index succeeded"; exit 1; }
grep -q "stored source index of day $day sensor -1 is damaged" "$tmp/query.err" ||
  { echo "the query's message does not name the damaged day"; exit 1; }
[[ $rc -ne 0 ]] || { echo "ingest over a damaged index succeeded"; exit 1; }
grep -q "stored source index or totals of day $day sensor -1 are damaged" "$tmp/err" ||
  { echo "message does not name the damaged day"; exit 1; }
after=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[[ $after -eq $before ]] || { echo "store changed: $before packets before, $after after"; exit 1; }
[[ $(sql "SELECT count(*) FROM srcidx_all WHERE day = ?" "$day") == 4 ]] || { echo "parts changed"; exit 1; }
echo "damaged index named by the query and refused by the ingest: day $day, $before packets kept"
