#!/usr/bin/env bash
# Schema 4 → 6: a store written before the source index gets it built from its segments
# on the next writable open, byte for byte the index an ingest writes, and every query
# answers the same from it.
# Schema 5 → 6: a store whose index has one row per day gets the part numbers of schema 6
# (ids × 16), its blobs unchanged, and answers the same.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One file, one commit: one index part per day, as the migration builds it.
"$teiten" simulate --out "$tmp/cap" --days 4 --rate 60000 --seed 11 --start 2015-12-29 --one-file >/dev/null
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
dump() { sqlite3 "$1" "SELECT id, day, sensor, hex(totals), hex(data) FROM srcidx ORDER BY id;
                      SELECT id, day, hex(totals), hex(data) FROM srcidx_all ORDER BY id;"; }
[[ $(dump "$tmp/new.db" | wc -l) -gt 20 ]] || { echo "too few index rows to compare"; exit 1; }
[[ $(sqlite3 "$tmp/new.db" "SELECT count(*) FROM srcidx_all WHERE id % 16 != 0") == 0 ]] ||
  { echo "one commit wrote more than one part of a day"; exit 1; }
# Any writable open migrates (here: an ingest that finds every file already stored).
reopen() { "$teiten" ingest --quiet --db "$1" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap* 2>/dev/null; }
check() { # DB WHAT
  [[ $(sqlite3 "$1" "PRAGMA user_version") == 6 ]] || { echo "$2: not migrated"; exit 1; }
  cmp -s <(dump "$tmp/new.db") <(dump "$1") || { echo "$2: the migrated index differs from the one ingest wrote"; exit 1; }
  answers "$1" "$1.out"
  cmp "$tmp/new.out" "$1.out" || { diff "$tmp/new.out" "$1.out" | head; exit 1; }
}

# The same store as schema 4 wrote it: no index tables.
cp "$tmp/new.db" "$tmp/v4.db"
sqlite3 "$tmp/v4.db" "DROP TABLE srcidx; DROP TABLE srcidx_all; PRAGMA user_version = 4;"
if "$teiten" top ports --db "$tmp/v4.db" >/dev/null 2>"$tmp/ro.err"; then
  echo "a read-only open of a schema-4 store should ask for a migration"; exit 1
fi
grep -q "needs migrating" "$tmp/ro.err" || { cat "$tmp/ro.err"; exit 1; }
reopen "$tmp/v4.db"
check "$tmp/v4.db" "schema 4"

# The same store as schema 5 wrote it: one row per day, keyed by day (× 4096 + sensor).
cp "$tmp/new.db" "$tmp/v5.db"
sqlite3 "$tmp/v5.db" <<'SQL'
CREATE TABLE srcidx5(id INTEGER PRIMARY KEY, day INTEGER NOT NULL, sensor INTEGER NOT NULL,
                     totals BLOB NOT NULL, data BLOB NOT NULL);
INSERT INTO srcidx5 SELECT id / 16, day, sensor, totals, data FROM srcidx;
DROP TABLE srcidx;
ALTER TABLE srcidx5 RENAME TO srcidx;
CREATE TABLE srcidx_all5(day INTEGER PRIMARY KEY, totals BLOB NOT NULL, data BLOB NOT NULL);
INSERT INTO srcidx_all5 SELECT day, totals, data FROM srcidx_all;
DROP TABLE srcidx_all;
ALTER TABLE srcidx_all5 RENAME TO srcidx_all;
PRAGMA user_version = 5;
SQL
reopen "$tmp/v5.db"
check "$tmp/v5.db" "schema 5"
echo "migrated index identical from schemas 4 and 5 ($(dump "$tmp/new.db" | wc -l) rows), answers identical"
