#!/usr/bin/env bash
# End to end: simulate a telescope, ingest it, check every query against the
# ground truth; ingest again (idempotence) and check again.
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 6 --rate 40000 --seed 7 --truth-detail
# A known-scanner list naming the three busiest IPv4 sources of the truth.
python3 - "$tmp/cap/truth-detail.tsv" >"$tmp/scanners.txt" <<'PY'
import collections, sys
packets = collections.Counter()
with open(sys.argv[1]) as f:
    header = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(header, line.rstrip("\n").split("\t")))
        if ":" not in r["src"]:
            packets[r["src"]] += int(r["packets"])
for i, (ip, _) in enumerate(packets.most_common(3)):
    print(f"{ip}/32 research-{i}")
PY
"$teiten" ingest --db "$tmp/t.db" --config "$tmp/cap/sensors.conf" --scanners "$tmp/scanners.txt" "$tmp"/cap/*.pcap*
export TEITEN_SCANNERS="$tmp/scanners.txt"
python3 "$here/check_queries.py" "$teiten" "$tmp/cap" "$tmp/t.db"
# Ingesting the same captures again must change nothing.
"$teiten" ingest --db "$tmp/t.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap* 2>"$tmp/again.log"
n=$(grep -c "already ingested" "$tmp/again.log")
[[ $n -eq $(ls "$tmp"/cap/*.pcap* | wc -l) ]] || { echo "expected every file skipped, got $n"; cat "$tmp/again.log"; exit 1; }
python3 "$here/check_queries.py" "$teiten" "$tmp/cap" "$tmp/t.db"
# A user knowledge-base file named in the configuration shows next to its port.
cat >"$tmp/kb.conf" <<'KB'
[entry local-postgres]
port = 5432/tcp
category = database
title = PostgreSQL probing seen by our CSIRT
reference = https://www.postgresql.org/support/security/
date = 2015-11-01
KB
printf '[kb]\nfile = %s\n' "$tmp/kb.conf" >"$tmp/query.conf"
"$teiten" top ports --db "$tmp/t.db" --config "$tmp/query.conf" --limit 100000 --format csv >"$tmp/ports.csv"
grep -q '^[0-9]*,tcp,5432,.*database: PostgreSQL probing seen by our CSIRT' "$tmp/ports.csv" ||
  { echo "user knowledge base not shown next to 5432/tcp"; exit 1; }
"$teiten" top ports --db "$tmp/t.db" --config "$tmp/query.conf" --category database --format json |
  python3 -c 'import json,sys; rows=json.load(sys.stdin); assert rows and all(r["kb"].startswith("database:") for r in rows), rows'
echo "user knowledge base: ok"
