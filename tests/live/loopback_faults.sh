#!/usr/bin/env bash
# Live shipping under faults, on loopback: six sensors read a simulated
# telescope and ship to a collector that is killed with -9 three times while
# they stream; one sensor is killed with -9 while its batches wait in the
# spool and resumes from it; one sensor's spool overflows its cap (a declared
# gap of exactly the lost packets); the collector's disk fills up and frees
# again (when run as root: a small tmpfs). At the end every sensor's counts
# equal a plain `teiten ingest` of the same captures, exactly, or differ by
# exactly the declared gap.
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}" ${collector_pid:-} ${us_pid:-}; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if mountpoint -q "$tmp/small" 2>/dev/null; then umount "$tmp/small" || true; fi
  if [[ -n ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
source "$here/lib.sh"

"$teiten" simulate --out "$tmp/sim" --days 2 --rate 30000 --seed 21 >/dev/null
sensors=(jp-tokyo jp-osaka jp-fukuoka us-east de-fra sg-1)
cp "$tmp/sim/sensors.conf" "$tmp/coll.conf"
make_keys "$tmp/coll.conf" "${sensors[@]}"
make_pki 127.0.0.1
capture_of() { ls "$tmp/sim/$1".pcap* | head -1; }
"$teiten" ingest --quiet --db "$tmp/ref.db" --config "$tmp/sim/sensors.conf" "$tmp"/sim/*.pcap* 2>/dev/null

port=$(free_port)
url=https://127.0.0.1:$port
db=$tmp/c.db
run_sensor() { # NAME CAPTURE [extra options]
  local name=$1 cap=$2; shift 2
  exec "$teiten" sensor --config "$tmp/sim/sensors.conf" --name "$name" --read "$cap" --collector "$url" \
    --ca "$tmp/cert.pem" --key "$(key_of "$name")" --spool "$tmp/spool-$name" --batch-seconds 900 --heartbeat 1 \
    "$@" >>"$tmp/sensor-$name.log" 2>&1
}
spooled() { ls "$tmp/spool-$1"/*.batch "$tmp/spool-$1"/*.piece 2>/dev/null | wc -l; }

# 1. us-east fills its spool while no collector runs, is killed -9, and
#    resumes from the spool with nothing new to read. sg-1 overflows a tiny
#    spool cap while the collector is down.
# Both spool 15-minute pieces and merge them up to an hour before sending
# (--ship-seconds): us-east is killed with merged batches spooled (the states
# a kill leaves in the middle of a merge are tested in tests/unit/test_spool.c).
run_sensor us-east "$(capture_of us-east)" --ship-seconds 3600 & us_pid=$!
run_sensor sg-1 "$(capture_of sg-1)" --spool-max-kb 40 --ship-seconds 3600 & pids+=($!)
for _ in $(seq 1 200); do grep -q "read to the end" "$tmp/sensor-us-east.log" && break; sleep 0.05; done
grep -q "read to the end" "$tmp/sensor-us-east.log" || { echo "us-east did not read its capture"; exit 1; }
kill -9 "$us_pid"; wait "$us_pid" 2>/dev/null || true
echo "us-east killed with $(spooled us-east) batches in its spool"
python3 - "$tmp/empty.pcap" <<'PY'
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
PY
run_sensor us-east "$tmp/empty.pcap" --ship-seconds 3600 & pids+=($!)

# 2. The other sensors stream while the collector is killed -9 three times.
start_collector "$db" "$port"
for s in jp-tokyo jp-osaka jp-fukuoka de-fra; do run_sensor "$s" "$(capture_of "$s")" --batch-seconds 300 --ship-seconds 1800 & pids+=($!); done
for round in 1 2 3; do
  sleep 0.7
  kill -9 "$collector_pid"; wait "$collector_pid" 2>/dev/null || true
  echo "collector killed (round $round)"
  sleep 1
  start_collector "$db" "$port"
done

# 3. Disk full (root only): the collector's store on a 64 MiB tmpfs, filled up.
if [[ $(id -u) -eq 0 ]] && mkdir -p "$tmp/small" && mount -t tmpfs -o size=64m tmpfs "$tmp/small" 2>/dev/null; then
  "$teiten" simulate --out "$tmp/sim2" --days 1 --rate 20000 --seed 22 >/dev/null
  cp "$tmp/sim2/sensors.conf" "$tmp/sensors2.conf"
  sed -i 's/^\[sensor \([a-z0-9-]*\)\]/[sensor d-\1]/' "$tmp/sensors2.conf"
  "$teiten" ingest --quiet --db "$tmp/ref2.db" --config "$tmp/sensors2.conf" --sensor d-jp-tokyo "$tmp/sim2/jp-tokyo.pcap" 2>/dev/null
  kill -TERM "$collector_pid"; wait "$collector_pid" || true
  make_keys "$tmp/coll.conf" d-jp-tokyo
  cp "$db"* "$tmp/small/"
  db=$tmp/small/c.db
  start_collector "$db" "$port"
  dd if=/dev/zero of="$tmp/small/filler" bs=64k 2>/dev/null || true
  "$teiten" sensor --name d-jp-tokyo --read "$tmp/sim2/jp-tokyo.pcap" --collector "$url" --ca "$tmp/cert.pem" \
    --key "$(key_of d-jp-tokyo)" --spool "$tmp/spool-d" --batch-seconds 600 >>"$tmp/sensor-d.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 100); do grep -q "store failure\|cannot store" "$tmp/collector.log" && break; sleep 0.1; done
  grep -q "cannot store" "$tmp/collector.log" || { echo "disk full was not reported"; cat "$tmp/collector.log"; exit 1; }
  echo "disk full: batches refused with 503 and kept in the sensor's spool"
  rm -f "$tmp/small/filler"
  disk_full_tested=1
fi

# 4. Wait for every spool to drain, then stop the collector (it folds).
for s in "${sensors[@]}" ${disk_full_tested:+d}; do
  for _ in $(seq 1 600); do [[ $(spooled "$s") -eq 0 ]] && break; sleep 0.1; done
  [[ $(spooled "$s") -eq 0 ]] || { echo "spool of $s did not drain"; tail "$tmp/sensor-$s.log"; exit 1; }
done
for p in "${pids[@]}"; do wait "$p" || { echo "a sensor failed"; tail -n 3 "$tmp"/sensor-*.log; exit 1; }; done
pids=()
kill -TERM "$collector_pid"; wait "$collector_pid"

# 5. Exact counts.
fail=0
# The streaming sensors merged their 5-minute pieces: fewer batches delivered than spooled.
for s in jp-tokyo jp-osaka jp-fukuoka de-fra; do
  read -r spooled_n delivered_n < <(sed -nE 's/.* ([0-9]+) batches, ([0-9]+) delivered,.*/\1 \2/p' "$tmp/sensor-$s.log" | tail -1) || true
  echo "$s: ${spooled_n:-?} batches spooled, ${delivered_n:-?} delivered"
  [[ -n ${delivered_n:-} && $delivered_n -gt 0 && $delivered_n -lt $spooled_n ]] || { echo "$s: nothing was merged"; fail=1; }
done
for s in jp-tokyo jp-osaka jp-fukuoka us-east de-fra; do
  for q in "top ports" "top countries" "top tools"; do
    # shellcheck disable=SC2086
    if ! diff <(query_rows $q --db "$tmp/ref.db" --sensor "$s" --limit 100000) \
              <(query_rows $q --db "$db" --sensor "$s" --limit 100000) >/dev/null; then
      echo "MISMATCH $s: $q"; fail=1
    fi
  done
done
total() { # packets of one sensor, non-first fragments included
  "$teiten" stats --db "$1" --format json |
    python3 -c 'import json,sys; print(sum(s["packets"] for s in json.load(sys.stdin)["sensors"] if s["sensor"] == sys.argv[1]))' "$2"; }
gap=$("$teiten" gaps --db "$db" --sensor sg-1 --format json | python3 -c 'import json,sys; print(sum(r["packets"] for r in json.load(sys.stdin)))')
want=$(total "$tmp/ref.db" sg-1); got=$(total "$db" sg-1)
echo "sg-1: reference $want packets, collector $got, declared gap $gap"
[[ $gap -gt 0 && $((got + gap)) -eq $want ]] || { echo "sg-1 gap does not account for the loss"; fail=1; }
if [[ -n ${disk_full_tested:-} ]]; then
  diff <(query_rows top ports --db "$tmp/ref2.db" --limit 100000) \
       <(query_rows top ports --db "$db" --sensor d-jp-tokyo --limit 100000) >/dev/null ||
    { echo "MISMATCH after disk full"; fail=1; }
fi
# The report shows sg-1's loss: coverage below 1 and the declared gap.
"$teiten" report --db "$db" --from 2015-10-01 --to 2015-10-02 --format json -o "$tmp/report.json" 2>/dev/null
python3 - "$tmp/report.json" "$gap" <<'PY' || fail=1
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["sensors"]}
sg, de = s["sg-1"], s["de-fra"]
assert sg["gap_packets"] == int(sys.argv[2]) and 0 < sg["coverage"] < 1, sg
assert de["coverage"] > 0.99 and de["gap_packets"] == 0, de
print("report: sg-1 coverage %.3f, %d packets declared lost" % (sg["coverage"], sg["gap_packets"]))
PY
# Single-host mode: a sensor writing straight into a store counts like ingest.
"$teiten" sensor --config "$tmp/sim/sensors.conf" --name jp-osaka --read "$(capture_of jp-osaka)" \
  --db "$tmp/single.db" --batch-seconds 3600 2>/dev/null
for q in "top ports" "top countries" "top tools"; do
  # shellcheck disable=SC2086
  diff <(query_rows $q --db "$tmp/ref.db" --sensor jp-osaka --limit 100000) \
       <(query_rows $q --db "$tmp/single.db" --limit 100000) >/dev/null || { echo "MISMATCH single-host: $q"; fail=1; }
done
grep -q "duplicate batch" "$tmp/collector.log" && echo "(duplicates after lost acknowledgements were recognised)"
# Merged batches stand for the pieces they took: no sequence number goes missing.
if grep "never arrived" "$tmp/collector.log"; then echo "the collector saw batches missing"; fail=1; fi
"$teiten" sensors --db "$db"
[[ $fail -eq 0 ]] || { tail -n 20 "$tmp/collector.log"; exit 1; }
echo "live faults: exact counts after collector kills, sensor kill, spool overflow${disk_full_tested:+, disk full}"
