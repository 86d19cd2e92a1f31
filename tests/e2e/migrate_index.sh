#!/usr/bin/env bash
# Schema 4 → 5: a store written before the source index gets it built from its segments
# on the next writable open, byte for byte the index an ingest writes, and every query
# answers the same from it.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 4 --rate 60000 --seed 11 --start 2015-12-29 >/dev/null
"$teiten" ingest --quiet --db "$tmp/new.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap*

answers() { # DB OUT: every query that reads the index or the day totals
  local db=$1 out=$2
  {
    "$teiten" top ports --db "$db" --from 2015-12-31 --to 2016-01-01 --limit 50 --format csv
    "$teiten" top ports --db "$db" --from 2015-12-31 --to 2016-01-01 --tz Asia/Tokyo --format csv
    "$teiten" top ports --db "$db" --from 2015-12-30 --to 2016-01-01 --region JP --format csv
    "$teiten" top countries --db "$db" --from 2015-12-29 --to 2016-01-01 --limit 50 --format csv
    "$teiten" events --db "$db" --from 2015-12-31 --to 2016-01-01 --by-region --format json
    "$teiten" report --db "$db" --from 2015-12-31 --to 2016-01-01 --format json -o "$out.report"
    cat "$out.report"
  } >"$out"
}
answers "$tmp/new.db" "$tmp/new.out"

# The same store as schema 4 wrote it: no index tables.
cp "$tmp/new.db" "$tmp/old.db"
sqlite3 "$tmp/old.db" "DROP TABLE srcidx; DROP TABLE srcidx_all; PRAGMA user_version = 4;"
if "$teiten" top ports --db "$tmp/old.db" >/dev/null 2>"$tmp/ro.err"; then
  echo "a read-only open of a schema-4 store should ask for a migration"; exit 1
fi
grep -q "needs migrating" "$tmp/ro.err" || { cat "$tmp/ro.err"; exit 1; }
# Any writable open migrates (here: an ingest that finds every file already stored).
"$teiten" ingest --quiet --db "$tmp/old.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap* 2>/dev/null
[[ $(sqlite3 "$tmp/old.db" "PRAGMA user_version") == 5 ]] || { echo "not migrated"; exit 1; }

dump() { sqlite3 "$1" "SELECT id, day, sensor, hex(totals), hex(data) FROM srcidx ORDER BY id;
                      SELECT day, hex(totals), hex(data) FROM srcidx_all ORDER BY day;"; }
if ! cmp -s <(dump "$tmp/new.db") <(dump "$tmp/old.db"); then
  echo "the migrated index differs from the one ingest wrote"; exit 1
fi
[[ $(dump "$tmp/new.db" | wc -l) -gt 20 ]] || { echo "too few index rows to compare"; exit 1; }
answers "$tmp/old.db" "$tmp/old.out"
cmp "$tmp/new.out" "$tmp/old.out" || { diff "$tmp/new.out" "$tmp/old.out" | head; exit 1; }
echo "migrated index identical ($(dump "$tmp/new.db" | wc -l) rows), answers identical"
