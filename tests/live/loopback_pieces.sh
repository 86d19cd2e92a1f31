#!/usr/bin/env bash
# A sensor killed with -9 while its spool holds pieces (batches spooled but
# not yet merged and sealed, --ship-seconds) resumes from them: the restart
# merges and sends them, and the collector's counts equal a plain
# `teiten ingest` of the same capture, exactly.
#
# The sensor reads its capture from a pipe this test keeps open, so it is
# still running (not leaving, which would seal everything) when killed. The
# capture ends with one frame to nobody's prefix, far later: it closes the
# last batch that holds counted packets, and is all that the kill -9 loses
# from memory (an unassigned frame counts in no port, country or tool).
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() {
  kill -9 ${sensor_pid:-} ${collector_pid:-} ${holder_pid:-} 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ -n ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
source "$here/lib.sh"

"$teiten" simulate --out "$tmp/sim" --days 1 --rate 20000 --seed 41 >/dev/null
name=jp-tokyo
cap=$(ls "$tmp/sim/$name".pcap* | head -1)
cp "$tmp/sim/sensors.conf" "$tmp/coll.conf"
make_keys "$tmp/coll.conf" "$name"
make_pki 127.0.0.1
port=$(free_port)
url=https://127.0.0.1:$port

# The capture's first 12 hours (half.pcap, the reference), then closing frames: UDP from
# 192.0.2.1 to 10.255.255.1, 4000 s after the last frame; 4 MB of them, more than the reader
# buffers, so every frame before them is processed.
python3 - "$cap" "$tmp/half.pcap" "$tmp/feed.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
assert magic in (0xa1b2c3d4, 0xa1b23c4d), "a little-endian pcap file"
off, first, last = 24, None, 0
while off + 16 <= len(data):
    sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    first = sec if first is None else first
    if sec >= first + 43200:
        break
    last = max(last, sec)
    off += 16 + incl
data = data[:off]
open(sys.argv[2], "wb").write(data)
pad = 1400
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28 + pad, 1, 0, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([10, 255, 255, 1]))
frame = (b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00" + ip +
         struct.pack(">HHHH", 40000, 9, 8 + pad, 0) + bytes(pad))
tail = (struct.pack("<IIII", last + 4000, 0, len(frame), len(frame)) + frame) * 3000
open(sys.argv[3], "wb").write(data + tail)
PY
# (ingest attributes each frame by the configured prefixes, as the sensor does)
"$teiten" ingest --quiet --db "$tmp/ref.db" --config "$tmp/sim/sensors.conf" "$tmp/half.pcap" 2>/dev/null

# 1. No collector. The sensor spools 30-minute pieces to be merged by the day: none is sealed
#    while it reads. The pipe stays open after the capture, so the sensor waits for more.
mkfifo "$tmp/pipe"
sleep 3600 >"$tmp/pipe" &
holder_pid=$!
"$teiten" sensor --config "$tmp/sim/sensors.conf" --name "$name" --read - --collector "$url" --ca "$tmp/cert.pem" \
  --key "$(key_of "$name")" --spool "$tmp/spool" --batch-seconds 1800 --ship-seconds 86400 --heartbeat 1 \
  <"$tmp/pipe" >"$tmp/sensor-1.log" 2>&1 &
sensor_pid=$!
cat "$tmp/feed.pcap" >"$tmp/pipe"
pieces() { find "$tmp/spool" -maxdepth 1 -name '*.piece' | wc -l; }
batches() { find "$tmp/spool" -maxdepth 1 -name '*.batch' | wc -l; }
# every piece is on disk once the count (24 or more for 12 hours) stops changing for 3 s
prev=-1 still=0
for _ in $(seq 1 120); do
  now=$(pieces)
  if [[ $now -ge 24 && $now -eq $prev ]]; then still=$((still + 1)); else still=0; fi
  ((still >= 3)) && break
  prev=$now
  sleep 1
done
kill -9 "$sensor_pid"
wait "$sensor_pid" 2>/dev/null || true
sensor_pid=
kill "$holder_pid" 2>/dev/null || true
wait "$holder_pid" 2>/dev/null || true
holder_pid=
np=$(pieces) nb=$(batches)
echo "sensor killed with $np pieces and $nb sealed batches in its spool"
[[ $np -ge 20 && $nb -eq 0 ]] || { echo "expected pieces only in the spool"; cat "$tmp/sensor-1.log"; exit 1; }

# 2. The collector runs; the sensor restarts on the same spool with nothing new to read.
start_collector "$tmp/c.db" "$port"
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' \
  "$tmp/empty.pcap"
"$teiten" sensor --config "$tmp/sim/sensors.conf" --name "$name" --read "$tmp/empty.pcap" --collector "$url" \
  --ca "$tmp/cert.pem" --key "$(key_of "$name")" --spool "$tmp/spool" --batch-seconds 1800 --ship-seconds 86400 \
  >"$tmp/sensor-2.log" 2>&1
kill -TERM "$collector_pid"
wait "$collector_pid"
collector_pid=
grep -E "[0-9]+ delivered" "$tmp/sensor-2.log" | sed 's/^/  /'
[[ $(pieces) -eq 0 && $(batches) -eq 0 ]] || { echo "the spool did not drain"; exit 1; }

# 3. Exact counts; the pieces left as few batches (merged), none reported missing.
fail=0
for q in "top ports" "top countries" "top tools"; do
  # shellcheck disable=SC2086
  if ! diff <(query_rows $q --db "$tmp/ref.db" --sensor "$name" --limit 100000) \
    <(query_rows $q --db "$tmp/c.db" --sensor "$name" --limit 100000) \
    >/dev/null; then
    echo "MISMATCH: $q"
    fail=1
  fi
done
delivered=$(sed -nE 's/.* ([0-9]+) delivered,.*/\1/p' "$tmp/sensor-2.log" | tail -1)
# two batches: the pieces, which follow each other, merged into one; and the restarted
# sensor's own empty batch, which does not follow them (pieces apart in time never merge)
[[ $delivered == 2 ]] || { echo "$np pieces went out as ${delivered:-?} batches, not 2"; fail=1; }
if grep "never arrived\|counted twice" "$tmp/collector.log"; then fail=1; fi
((fail == 0)) || exit 1
echo "pieces after kill -9: $np pieces merged into $delivered batches, exact counts"
