#!/usr/bin/env bash
# Packets that arrive late — after their hour was written (the hour ended more
# than the ingest's slack before newer packets) — are merged into that hour
# exactly: a capture with half of its first hour moved six hours later answers
# every query exactly as the same packets in time order.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/cap" --days 1 --rate 400000 --seed 3 --one-file --start 2016-03-01 >/dev/null
python3 - "$tmp/cap/telescope.pcap" "$tmp/late.pcap" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
endian = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
header, at, records = data[:24], 24, []
while at + 16 <= len(data):
    sec, usec, incl, orig = struct.unpack(endian + "IIII", data[at:at + 16])
    records.append((sec, data[at:at + 16 + incl]))
    at += 16 + incl
start = records[0][0] - records[0][0] % 3600
first_hour = [r for r in records if r[0] < start + 3600]
late = first_hour[::2]                                   # every second packet of the first hour
late_ids = set(id(r) for r in late)
kept = [r for r in records if id(r) not in late_ids]
cut = next(i for i, r in enumerate(kept) if r[0] >= start + 6 * 3600)
after = sum(1 for r in kept[cut:])
# Late by six hours and by more frames than the ingest reads between two
# flushes of complete hours: the first hour was written before they came.
assert len(late) > 1000 and after > 65536 * 2, (len(late), after)
out = kept[:cut] + late + kept[cut:]
assert len(out) == len(records)
with open(dst, "wb") as f:
    f.write(header)
    for _, rec in out:
        f.write(rec)
print(f"moved {len(late)} of the first hour's {len(first_hour)} packets after {cut} packets", file=sys.stderr)
PY
"$teiten" ingest --quiet --db "$tmp/ordered.db" --config "$tmp/cap/sensors.conf" "$tmp/cap/telescope.pcap"
"$teiten" ingest --quiet --db "$tmp/late.db" --config "$tmp/cap/sensors.conf" "$tmp/late.pcap"

answers() { # DB OUT
  local db=$1 out=$2
  {
    "$teiten" top ports --db "$db" --from 2016-03-01 --to 2016-03-01 --limit 50 --format csv
    "$teiten" top countries --db "$db" --from 2016-03-01 --to 2016-03-01 --limit 50 --format csv
    "$teiten" top ports --db "$db" --from 2016-03-01 --to 2016-03-01 --tz Asia/Tokyo --format csv
    "$teiten" series --db "$db" --port 23/tcp --from 2016-02-29 --to 2016-03-02 --format csv
    "$teiten" series --db "$db" --port 23/tcp --by hour --from 2016-03-01 --to 2016-03-01 --format csv
    "$teiten" series --db "$db" --country CN --by hour --from 2016-03-01 --to 2016-03-01 --format csv
    "$teiten" top sources --db "$db" --port 23/tcp --from 2016-03-01 --to 2016-03-01 --limit 30 --format csv
    "$teiten" stats --db "$db" --format json | python3 -c 'import json, sys; s = json.load(sys.stdin); s.pop("file_list", None); print(json.dumps(s, sort_keys=True))'
  } >"$out"
}
answers "$tmp/ordered.db" "$tmp/ordered.out"
answers "$tmp/late.db" "$tmp/late.out"
if ! cmp -s "$tmp/ordered.out" "$tmp/late.out"; then
  echo "late packets changed the answers:"
  diff "$tmp/ordered.out" "$tmp/late.out" | head -20
  exit 1
fi
echo "ok: $(wc -l <"$tmp/late.out") answer lines identical"
