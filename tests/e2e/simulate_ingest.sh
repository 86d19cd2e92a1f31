#!/usr/bin/env bash
# End to end: simulate a telescope, ingest it, check every query against the
# ground truth; ingest again (idempotence) and check again.
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 6 --rate 40000 --seed 7 --truth-detail
"$teiten" ingest --db "$tmp/t.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap*
python3 "$here/check_queries.py" "$teiten" "$tmp/cap" "$tmp/t.db"
# Ingesting the same captures again must change nothing.
"$teiten" ingest --db "$tmp/t.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap* 2>"$tmp/again.log"
n=$(grep -c "already ingested" "$tmp/again.log")
[[ $n -eq $(ls "$tmp"/cap/*.pcap* | wc -l) ]] || { echo "expected every file skipped, got $n"; cat "$tmp/again.log"; exit 1; }
python3 "$here/check_queries.py" "$teiten" "$tmp/cap" "$tmp/t.db"
