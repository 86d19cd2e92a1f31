#!/usr/bin/env bash
# End to end: simulate 64 days of a telescope with the scripted events (a
# 53413/udp burst from CN, a later rise on the same port, a 9600/tcp ramp, one
# KR host hammering 5555/tcp after scanning ICS ports), ingest, run
# `teiten events` on the days after a 28-day baseline window and check the
# detections against the simulator's truth (check_events.py, docs/events.md).
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=64
"$teiten" simulate --out "$tmp/cap" --days $days --rate 30000 --seed 7 --truth-detail 2>/dev/null
"$teiten" ingest --db "$tmp/t.db" --config "$tmp/cap/sensors.conf" "$tmp"/cap/*.pcap* 2>/dev/null
read -r from to < <(python3 -c '
import datetime, json, sys
t = json.load(open(sys.argv[1]))
start = datetime.date.fromisoformat(t["start"])
print(start + datetime.timedelta(days=28), start + datetime.timedelta(days=t["days"] - 1))' "$tmp/cap/truth.json")
"$teiten" events --db "$tmp/t.db" --from "$from" --to "$to" --format json >"$tmp/events.json"
python3 "$here/check_events.py" "$tmp/cap/truth.json" "$tmp/events.json" --detail "$tmp/cap/truth-detail.tsv"

# The other formats and options run and agree on the number of events.
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/events.json")
"$teiten" events --db "$tmp/t.db" --from "$from" --to "$to" --format csv >"$tmp/events.csv"
[[ $(($(wc -l <"$tmp/events.csv") - 1)) -eq $n ]] || { echo "csv has not $n events"; cat "$tmp/events.csv"; exit 1; }
"$teiten" events --db "$tmp/t.db" --from "$from" --to "$to" >"$tmp/events.txt"
[[ $(($(wc -l <"$tmp/events.txt") - 1)) -eq $n ]] || { echo "table has not $n events"; cat "$tmp/events.txt"; exit 1; }
"$teiten" events --db "$tmp/t.db" --from "$from" --to "$to" --limit 2 --format json |
    python3 -c 'import json, sys; assert len(json.load(sys.stdin)) == min(2, int(sys.argv[1]))' "$n"
# Per region: every all-sensor event is still there; regional ones name their region.
"$teiten" events --db "$tmp/t.db" --from "$from" --to "$to" --by-region --format json >"$tmp/regions.json"
python3 - "$tmp/events.json" "$tmp/regions.json" <<'EOF'
import json, sys
everywhere, regions = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda e: (e["kind"], e["name"], e["start"], e["end"])
missing = {key(e) for e in everywhere} - {key(e) for e in regions if e["region"] is None}
assert not missing, "by region lost %s" % missing
assert all(e["region"] in (None, "JP", "US", "DE", "SG") for e in regions), [e["region"] for e in regions]
EOF
# Usage errors.
if "$teiten" events --db "$tmp/t.db" --window 3 2>/dev/null; then echo "--window 3 accepted"; exit 1; fi
if "$teiten" events --db "$tmp/t.db" --min-share 2 2>/dev/null; then echo "--min-share 2 accepted"; exit 1; fi
echo "events.sh: ok"
