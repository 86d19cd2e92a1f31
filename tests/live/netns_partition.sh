#!/usr/bin/env bash
# Fault "a link down for a minute", live, inside network namespaces this script creates.
#
#   internet ns ──veth "dN"/"dark"──▶ sensor ns N (teiten sensor + tcpdump on "dark")
#                                      │ veth "mgmt"/"mN", 10.250.N.0/30
#                                      ▼
#                                     collector ns (teiten collector on 10.250.0.1:18443, TLS)
#
# Two sensors (the layout of netns_live.sh). A simulated day is replayed slowly
# (tcpreplay, ~85 s) into both dark interfaces. Ten seconds in, the management
# link of the first sensor is taken down at the collector's end for a minute
# (TEITEN_PARTITION_SECONDS) while its capture goes on: its batches pile up in
# the spool and the collector sees its heartbeats stop ("late", then "down");
# the second sensor, whose link stays up, stays "up". Once the link is back the
# sensor must reconnect by itself (backoff, at most 15 s) and drain its spool.
# After the stop, the collector's store must equal an ingest of the tcpdump
# reference exactly, with no capture drop and no gap.
#
# Usage: netns_partition.sh path/to/teiten      (root; exit 77 = skipped)
#        TEITEN_LIVE_KEEP=1 keeps the work directory.
set -euo pipefail

teiten=$(realpath "$1")
here=$(dirname "$(realpath "$0")")

# shellcheck source=lib.sh
source "$here/lib.sh"
netns_require tcpreplay tcpdump openssl python3 ss

prefix=tt-part-$$
ns_inet=$prefix-inet
ns_coll=$prefix-coll
collector_ip=10.250.0.1
port=18443
url=https://$collector_ip:$port
sensors=(jp-tokyo jp-fukuoka) # the first one loses its management link
outage=${TEITEN_PARTITION_SECONDS:-60}
replay_seconds=$((outage + 25)) # the replay starts 10 s before the cut, ends ~15 s after

tmp=$(mktemp -d)
pids=()
created_ns=()
start_seconds=$SECONDS

trap netns_cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo "$((SECONDS - start_seconds)) s"; }

cat >"$tmp/helper.py" <<'PY'
import json, struct, subprocess, sys

def count(path):
    """Frames in a classic pcap (tcpdump's); stops at a torn tail."""
    n = 0
    with open(path, "rb") as f:
        head = f.read(24)
        e = "<" if struct.unpack("<I", head[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack(e + "IIII", rec)[2]
            if len(f.read(incl)) < incl:
                break
            n += 1
    print(n)

def sensors(teiten, db):
    out = subprocess.run([teiten, "sensors", "--db", db, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return {r["sensor"]: r for r in json.loads(out)}

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "count":
        count(*args)
    elif cmd == "frames":      # path name: file, link type and frames of a sensor in truth.json
        s = next(s for s in json.load(open(args[0]))["sensors"] if s["name"] == args[1])
        print(s["file"], s["linktype"], s["frames"])
    elif cmd == "status":      # teiten db name...: "status captured" per name ("- -" if missing)
        try:
            got = sensors(args[0], args[1])
        except Exception:
            got = {}
        for name in args[2:]:
            r = got.get(name, {})
            print(r.get("status", "-"), r.get("captured", "-"))
    else:
        raise SystemExit(f"unknown helper command {cmd}")
PY
helper() { python3 "$tmp/helper.py" "$@"; }
# status_of NAME: the collector's status for NAME ("up", "late", "down", ...).
status_of() { helper status "$teiten" "$tmp/c.db" "$1" | cut -d' ' -f1; }
spooled() { find "$tmp/spool-$1" -maxdepth 1 -type f \( -name '*.batch' -o -name '*.piece' \) | wc -l; }
# Sealed batches waiting to be sent: none once a sensor has caught up (the last few seconds of
# pieces, not yet merged, always wait: they leave when the sensor stops).
unsent() { find "$tmp/spool-$1" -maxdepth 1 -type f -name '*.batch' | wc -l; }

# ---------------------------------------------------------------- telescope, keys, certificate
"$teiten" simulate --out "$tmp/sim" --days 1 --rate 80000 --seed 5 >"$tmp/simulate.log" 2>&1
conf=$tmp/sim/sensors.conf
cp "$conf" "$tmp/coll.conf"
make_keys "$tmp/coll.conf" "${sensors[@]}"
make_pki "$collector_ip"
declare -A replay frames_sent pps
for name in "${sensors[@]}"; do
    read -r file linktype frames < <(helper frames "$tmp/sim/truth.json" "$name")
    [[ $linktype -eq 1 ]] || fail "$name: link type $linktype, the replay needs Ethernet"
    replay[$name]=$tmp/sim/$file
    frames_sent[$name]=$frames
    pps[$name]=$(((frames + replay_seconds - 1) / replay_seconds))
done

# ---------------------------------------------------------------- namespaces and links
netns_telescope

# ---------------------------------------------------------------- collector, tcpdump, sensors
netns_start_collector "$tmp/coll.conf"

start_sensor() { # INDEX LOG
    local n=$(($1 + 1)) name=${sensors[$1]}
    ip netns exec "$prefix-s$n" "$teiten" sensor --config "$conf" --name "$name" --interface dark \
        --collector "$url" --ca "$tmp/cert.pem" --key "$(key_of "$name")" --spool "$tmp/spool-$name" \
        --batch-seconds 1 --ship-seconds 4 --heartbeat 1 >"$2" 2>&1 &
    sensor_pid[$name]=$!
    pids+=("$!")
}
netns_start_captures
all_up() {
    local name
    for name in "${sensors[@]}"; do [[ $(status_of "$name") == up ]] || return 1; done
}
wait_for 30 "every sensor's heartbeat" all_up
echo "collector and ${#sensors[@]} sensors up after $(elapsed)"

# ---------------------------------------------------------------- slow replay, and the cut
declare -A replay_pid
for i in "${!sensors[@]}"; do
    name=${sensors[$i]}
    ip -n "$ns_inet" link set "d$((i + 1))" up
    ip netns exec "$ns_inet" tcpreplay -i "d$((i + 1))" --pps "${pps[$name]}" "${replay[$name]}" \
        >"$tmp/tcpreplay-$name.log" 2>&1 &
    replay_pid[$name]=$!
    pids+=("$!")
done
for name in "${sensors[@]}"; do echo "replaying ${frames_sent[$name]} frames into $name at ${pps[$name]} packets/s"; done
sleep 10
cut=${sensors[0]} control=${sensors[1]}
read -r st captured < <(helper status "$teiten" "$tmp/c.db" "$cut")
[[ $st == up && $captured != - && $captured -gt 0 ]] || fail "$cut before the cut: status $st, captured $captured"

ip -n "$ns_coll" link set m1 down
down_at=$SECONDS
echo "management link of $cut down at $(elapsed) (captured $captured frames so far)"
max_spool=0 late_at='' down_seen_at='' control_bad=''
while ((SECONDS - down_at < outage)); do
    k=$(spooled "$cut")
    ((k > max_spool)) && max_spool=$k
    { read -r st _; read -r cst _; } < <(helper status "$teiten" "$tmp/c.db" "$cut" "$control")
    [[ $st == late && -z $late_at ]] && late_at=$((SECONDS - down_at))
    [[ $st == down && -z $down_seen_at ]] && down_seen_at=$((SECONDS - down_at))
    [[ $cst == up ]] || control_bad+=" $((SECONDS - down_at))s:$cst"
    sleep 1
done
ip -n "$ns_coll" link set m1 up
up_at=$EPOCHREALTIME
echo "link up again at $(elapsed): spool of $cut reached $max_spool batches; status late after ${late_at:-never} s," \
    "down after ${down_seen_at:-never} s"
((max_spool >= 10)) || fail "the spool of $cut held at most $max_spool batches during the outage"
[[ -n $late_at ]] || fail "the collector never showed $cut as late during the outage"
[[ -z $control_bad ]] || fail "$control (link up) was not 'up' during the outage:$control_bad"

# Reconnection: the cut sensor's heartbeat is back and its spool drains by itself.
cut_up() { [[ $(status_of "$cut") == up ]]; }
wait_for 45 "$cut to send a heartbeat after the link came back" cut_up
echo "$cut reconnected $(awk -v a="$up_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s after the link came back"

# ---------------------------------------------------------------- end of the traffic, reference
for name in "${sensors[@]}"; do
    wait "${replay_pid[$name]}" || fail "tcpreplay into $name failed"
    sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$tmp/tcpreplay-$name.log")
    [[ $sent == "${frames_sent[$name]}" ]] || fail "tcpreplay sent ${sent:-?} of ${frames_sent[$name]} frames to $name"
done
echo "replay over at $(elapsed)"
sleep 1
for i in "${!sensors[@]}"; do ip -n "$ns_inet" link set "d$((i + 1))" down; done
sleep 1
for name in "${sensors[@]}"; do kill -INT "${tcpdump_pid[$name]}"; done
for name in "${sensors[@]}"; do wait "${tcpdump_pid[$name]}" || true; done
declare -A recorded
for name in "${sensors[@]}"; do
    dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/tcpdump-$name.log")
    [[ $dropped == 0 ]] || fail "tcpdump on $name dropped ${dropped:-?} packets: the reference is incomplete"
    recorded[$name]=$(helper count "$tmp/ref_$name.pcap")
done
caught_up() {
    local name st captured
    for name in "${sensors[@]}"; do
        read -r st captured < <(helper status "$teiten" "$tmp/c.db" "$name")
        [[ $st == up && $captured == "${recorded[$name]}" && $(unsent "$name") -eq 0 ]] || return 1
    done
}
wait_for 60 "the sensors to report ${recorded[*]} frames and no batch left to send" caught_up
echo "spools drained at $(elapsed)"

# ---------------------------------------------------------------- stop (as netns_live.sh)
netns_stop
echo "stopped at $(elapsed)"

# ---------------------------------------------------------------- compare with the reference
"$teiten" ingest --db "$tmp/ref.db" --config "$conf" "$tmp"/ref_*.pcap >"$tmp/ingest-ref.log" 2>&1
python3 - "$teiten" "$tmp" "${sensors[*]}" <<'PY'
import json, subprocess, sys

teiten, tmp, names = sys.argv[1], sys.argv[2], sys.argv[3].split()
coll, ref = f"{tmp}/c.db", f"{tmp}/ref.db"
failures = []

def q(db, *args):
    out = subprocess.run([teiten, *args, "--db", db, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)

def compare_rows(what, key, args):
    c = {key(r): (r["packets"], r.get("sources")) for r in q(coll, *args)}
    r = {key(x): (x["packets"], x.get("sources")) for x in q(ref, *args)}
    if not c:
        failures.append(f"{what}: the collector has no rows")
    for k in sorted(set(c) | set(r), key=str):
        if c.get(k) != r.get(k):
            failures.append(f"{what} {k}: collector {c.get(k)} reference {r.get(k)}")
    print(f"{what}: {len(c)} rows, {sum(p for p, _ in c.values())} packets")

all_rows = ["--limit", "100000"]
compare_rows("top ports", lambda r: f"{r['port']}/{r['proto']}", ["top", "ports", *all_rows])
compare_rows("top countries", lambda r: r["cc"], ["top", "countries", *all_rows])
for name in names:
    compare_rows(f"top ports --sensor {name}", lambda r: f"{r['port']}/{r['proto']}",
                 ["top", "ports", "--sensor", name, *all_rows])
cs, rs = q(coll, "stats"), q(ref, "stats")
for field in ("frames", "packets", "outcomes"):
    if cs[field] != rs[field]:
        failures.append(f"stats {field}: collector {cs[field]} reference {rs[field]}")
per_sensor = lambda s: {x["sensor"]: x["packets"] for x in s["sensors"] if x["packets"] > 0}
if per_sensor(cs) != per_sensor(rs):
    failures.append(f"stats per sensor: collector {per_sensor(cs)} reference {per_sensor(rs)}")
print(f"stats: {cs['frames']} frames, {cs['packets']} packets, per sensor {per_sensor(cs)}")
got = {r["sensor"]: r for r in q(coll, "sensors")}
for name in names:
    r = got.get(name)
    if r is None:
        failures.append(f"sensors: {name} missing")
        continue
    for field in ("capture_drops", "spool_drops", "gap_packets", "pending"):
        if r.get(field) != 0:
            failures.append(f"sensors: {name} {field} {r.get(field)}")
if failures:
    print("\n".join("FAIL: " + f for f in failures[:60]), file=sys.stderr)
    sys.exit(1)
print("collector == reference: ok")
PY
echo "netns_partition: ok in $(elapsed)"
