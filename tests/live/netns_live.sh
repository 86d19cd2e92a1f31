#!/usr/bin/env bash
# Live capture end to end, inside network namespaces this script creates.
#
#   internet ns ──veth "dN"/"dark"──▶ sensor ns N (teiten sensor + tcpdump on "dark")
#                                      │ veth "mgmt"/"mN", 10.250.N.0/30
#                                      ▼
#                                     collector ns (teiten collector on 10.250.0.1:18443, TLS)
#
# A simulated telescope (one day) is replayed with tcpreplay from the internet
# namespace into each sensor's dark interface, and real zmap, masscan and nmap
# scan a few of one sensor's dark addresses. tcpdump records the same dark
# interface at the same time; those recordings, ingested with `teiten ingest`,
# are the reference: every query on the collector's store must equal the same
# query on the reference store, packet for packet and source for source, and
# the counted packets must be exactly what was replayed plus what the scanners
# sent.
#
# Nothing leaves the namespaces: the internet namespace has no route but its
# links to the sensors, the sensors' dark interfaces have no address, and the
# collector namespace is linked to the sensors only. The root namespace gets no
# interface, address or route.
#
# Usage: netns_live.sh path/to/teiten      (root; exit 77 = skipped)
#        TEITEN_LIVE_KEEP=1 keeps the work directory (captures, stores, logs).
set -euo pipefail

teiten=$(realpath "$1")

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
netns_require tcpreplay tcpdump zmap masscan nmap openssl python3 timeout

# Names carry our PID so parallel runs (and other tests' namespaces) never collide.
prefix=tt-live-$$
ns_inet=$prefix-inet
ns_coll=$prefix-coll
collector_ip=10.250.0.1
port=18443
url=https://$collector_ip:$port
# Sensors of the simulated telescope that are replayed (the first one is also scanned).
sensors=(jp-tokyo jp-fukuoka us-east jp-osaka)
# Scanners' own addresses (RFC 2544 benchmark range, no sensor's prefix).
nmap_ip=198.18.0.1
zmap_ip=198.18.0.2
masscan_ip=198.18.0.3
scan_targets=198.51.100.4/30   # inside jp-tokyo's 198.51.100.0/26
scan_ports=22,80,443,8080

tmp=$(mktemp -d)
pids=()          # every background process we started
created_ns=()    # every namespace we created
start_seconds=$SECONDS

trap netns_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
cat >"$tmp/helper.py" <<'PY'
import json, struct, subprocess, sys

def read_pcap(path):
    """Yields (linktype, sec, frac, data, orig_len) from a classic pcap; stops at a torn tail."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = "<"
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            e = ">"
        else:
            raise SystemExit(f"{path}: not a classic pcap")
        nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
        linktype = struct.unpack(e + "I", head[20:24])[0] & 0x0FFFFFFF
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, orig = struct.unpack(e + "IIII", rec)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield linktype, sec, (frac // 1000 if nano else frac), data, orig

ETH_SRC = bytes.fromhex("001b213a1001")
ETH_DST = bytes.fromhex("025454000001")

def ethertype_from_version(payload):
    if payload and payload[0] >> 4 == 6:
        return 0x86DD
    return 0x0800

def to_ethernet(linktype, data):
    """Returns (ethertype, payload, header length) for the link types teiten simulate writes."""
    if linktype == 101:   # raw IP
        return ethertype_from_version(data), data, 0
    if linktype == 0:     # BSD loopback: address family in host order
        if len(data) < 4:
            return None
        family = struct.unpack("<I", data[:4])[0]
        if family > 0xFFFF:
            family = struct.unpack(">I", data[:4])[0]
        payload = data[4:]
        ethertype = 0x0800 if family == 2 else 0x86DD if family in (10, 24, 28, 30) else ethertype_from_version(payload)
        return ethertype, payload, 4
    if linktype == 113:   # Linux cooked v1
        if len(data) < 16:
            return None
        return struct.unpack(">H", data[14:16])[0], data[16:], 16
    if linktype == 276:   # Linux cooked v2
        if len(data) < 20:
            return None
        return struct.unpack(">H", data[0:2])[0], data[20:], 20
    raise SystemExit(f"link type {linktype} not handled")

def convert(src, dst):
    """Rewrites a pcap of another link type as Ethernet (what tcpreplay can put on a veth)."""
    n = 0
    with open(dst, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for linktype, sec, usec, data, orig in read_pcap(src):
            if linktype == 1:
                frame, wire = data, orig
            else:
                r = to_ethernet(linktype, data)
                if r is None:
                    continue   # cut inside the link header: nothing to put on a wire
                ethertype, payload, hdr = r
                frame = ETH_DST + ETH_SRC + struct.pack(">H", ethertype) + payload
                wire = orig - hdr + 14
            out.write(struct.pack("<IIII", sec, usec, len(frame), max(wire, len(frame))))
            out.write(frame)
            n += 1
    print(n)

def truth(path, name):
    """The sensor's capture file, its link type and frame count, from truth.json."""
    s = next(s for s in json.load(open(path))["sensors"] if s["name"] == name)
    print(s["file"], s["linktype"], s["frames"])

def count(path):
    print(sum(1 for _ in read_pcap(path)))

def q(teiten, db, *args):
    out = subprocess.run([teiten, *args, "--db", db, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)

def sensors_json(teiten, db):
    return {r["sensor"]: r for r in q(teiten, db, "sensors")}

def heartbeat_frames(teiten, db, want_json):
    """True when the collector's last heartbeats report exactly the frames tcpdump recorded."""
    want = json.loads(want_json)
    try:
        got = sensors_json(teiten, db)
    except Exception:
        return False
    return all(name in got and got[name].get("captured") == n for name, n in want.items())

def sensors_up(teiten, db, names):
    try:
        got = sensors_json(teiten, db)
    except Exception:
        return False
    return all(name in got and got[name].get("status") == "up" for name in names)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "convert":
        convert(*args)
    elif cmd == "truth":
        truth(*args)
    elif cmd == "count":
        count(*args)
    elif cmd == "frames-reported":
        sys.exit(0 if heartbeat_frames(*args) else 1)
    elif cmd == "sensors-up":
        sys.exit(0 if sensors_up(args[0], args[1], args[2:]) else 1)
    else:
        raise SystemExit(f"unknown helper command {cmd}")
PY
helper() { python3 "$tmp/helper.py" "$@"; }

# ---------------------------------------------------------------- telescope, keys, certificate
"$teiten" simulate --out "$tmp/sim" --days 1 --rate 20000 --seed 5 >"$tmp/simulate.log" 2>&1
conf=$tmp/sim/sensors.conf
cp "$conf" "$tmp/collector.conf"
declare -A key replay frames_sent
for i in "${!sensors[@]}"; do
    name=${sensors[$i]}
    key[$name]=$(openssl rand -hex 32)
    printf '\n[sensor %s]\nkey = %s\n' "$name" "${key[$name]}" >>"$tmp/collector.conf"
    # tcpreplay needs Ethernet frames: files of other link types are rewritten.
    read -r file linktype frames < <(helper truth "$tmp/sim/truth.json" "$name")
    if [[ $linktype -eq 1 ]]; then
        replay[$name]=$tmp/sim/$file
        frames_sent[$name]=$frames
    else
        replay[$name]=$tmp/replay-$name.pcap
        frames_sent[$name]=$(helper convert "$tmp/sim/$file" "${replay[$name]}")
    fi
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -days 2 -subj /CN=teiten-collector \
    -addext "subjectAltName=IP:$collector_ip" >"$tmp/openssl.log" 2>&1
: >"$tmp/empty-blocklist"

# ---------------------------------------------------------------- namespaces and links
netns_telescope
dark_mac=02:74:74:00:01:02 # the scanned sensor's (first) dark interface

# ---------------------------------------------------------------- collector
netns_start_collector "$tmp/collector.conf"

# ---------------------------------------------------------------- captures: tcpdump and teiten sensor
# start_sensor INDEX LOG: runs teiten sensor on the dark interface of sensor INDEX.
start_sensor() {
    local n=$(($1 + 1)) name=${sensors[$1]} retain=()
    # The first sensor also keeps raw frames (rotating pcap files).
    [[ $1 -ne 0 ]] || retain=(--retain-dir "$tmp/retain-$name")
    ip netns exec "$prefix-s$n" "$teiten" sensor --config "$conf" --name "$name" --interface dark \
        --collector "$url" --ca "$tmp/cert.pem" --key "${key[$name]}" --spool "$tmp/spool-$name" \
        --batch-seconds 1 --ship-seconds 3 --heartbeat 1 "${retain[@]}" >"$2" 2>&1 &
    sensor_pid[$name]=$!
    pids+=("$!")
}
netns_start_captures
# A heartbeat arrives only once the sensor's capture is open.
wait_for 30 "every sensor's heartbeat" helper sensors-up "$teiten" "$tmp/c.db" "${sensors[@]}"
echo "collector and ${#sensors[@]} sensors up after $((SECONDS - start_seconds)) s"

# SIGHUP reloads the configuration while capturing (counts must stay exact).
kill -HUP "${sensor_pid[${sensors[0]}]}"
wait_for 10 "${sensors[0]} to reload its configuration" grep -q "configuration reloaded" "$tmp/sensor-${sensors[0]}.log"

# ---------------------------------------------------------------- traffic
for i in "${!sensors[@]}"; do
    ip -n "$ns_inet" link set "d$((i + 1))" up
done
# The scanners' side: an address for nmap, the targets on the link, their
# neighbour entry fixed (no ARP on the dark link).
ip -n "$ns_inet" addr add "$nmap_ip/24" dev d1
ip -n "$ns_inet" route add "$scan_targets" dev d1
for host in 4 5 6 7; do
    ip -n "$ns_inet" neigh replace "198.51.100.$host" lladdr "$dark_mac" dev d1 nud permanent
done

for i in "${!sensors[@]}"; do
    name=${sensors[$i]}
    ip netns exec "$ns_inet" tcpreplay -i "d$((i + 1))" --pps 25000 "${replay[$name]}" >"$tmp/tcpreplay-$name.log" 2>&1 ||
        fail "tcpreplay into $name failed"
    sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$tmp/tcpreplay-$name.log")
    [[ $sent == "${frames_sent[$name]}" ]] || fail "tcpreplay sent ${sent:-?} of ${frames_sent[$name]} frames to $name"
    echo "replayed ${frames_sent[$name]} frames into $name"
done

in_inet() { ip netns exec "$ns_inet" "$@"; }
# ZMap: one port per run, one probe per address. A fixed permutation seed:
# with a random one, zmap 2.1.1 now and then aborts in its own constraint
# lookup (lib/constraint.c:231) before sending anything.
in_inet timeout 60 zmap -q -e 12345 -i d1 -G "$dark_mac" -S "$zmap_ip" -b "$tmp/empty-blocklist" -p 23 -r 100 -c 1 \
    -o /dev/null "$scan_targets" >"$tmp/zmap.log" 2>&1 || fail "zmap failed"
# Masscan's receive thread waits in libpcap for a frame before it notices the
# end of --wait: once its probes are out, wake it with one frame a second
# (an experimental ethertype: the sensor and tcpdump both count it as not IP).
in_inet masscan -p "$scan_ports" --interface d1 --router-mac "$dark_mac" --source-ip "$masscan_ip" \
    --rate 100 --wait 1 "$scan_targets" </dev/null >"$tmp/masscan.log" 2>&1 &
masscan_pid=$!
pids+=("$masscan_pid")
seconds=0
while kill -0 "$masscan_pid" 2>/dev/null; do
    if ((seconds >= 2)); then
        in_inet python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("d1", 0))
s.send(bytes.fromhex(sys.argv[1].replace(":", "")) + bytes.fromhex("027474000101") + b"\x88\xb5" + b"wake masscan".ljust(46, b"\0"))' \
            "$dark_mac" || true
    fi
    ((seconds < 60)) || fail "masscan did not exit within 60 s"
    sleep 1
    seconds=$((seconds + 1))
done
wait "$masscan_pid" || fail "masscan failed"
in_inet timeout 60 nmap -sS -Pn -n --disable-arp-ping --max-retries 0 -e d1 -p "$scan_ports" "$scan_targets" \
    >"$tmp/nmap.log" 2>&1 || fail "nmap failed"
echo "zmap, masscan and nmap scanned $scan_targets ($scan_ports) at $((SECONDS - start_seconds)) s"

# Let the links' own IPv6 chatter settle, then cut the carrier: from here on
# the dark interfaces carry nothing, so both captures hold the same frames.
sleep 1
for i in "${!sensors[@]}"; do
    ip -n "$ns_inet" link set "d$((i + 1))" down
done

sleep 1
# The reference is complete: stop tcpdump.
for name in "${sensors[@]}"; do kill -INT "${tcpdump_pid[$name]}"; done
for name in "${sensors[@]}"; do wait "${tcpdump_pid[$name]}" || true; done
for name in "${sensors[@]}"; do
    dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/tcpdump-$name.log")
    [[ $dropped == 0 ]] || fail "tcpdump on $name dropped ${dropped:-?} packets: the reference is incomplete"
done

# Wait until every sensor told the collector (heartbeat) it captured exactly
# the frames tcpdump recorded, and its spool is empty.
declare -A recorded
json='{'
for name in "${sensors[@]}"; do
    recorded[$name]=$(helper count "$tmp/ref_$name.pcap")
    [[ $json == '{' ]] || json+=','
    json+="\"$name\": ${recorded[$name]}"
done
json+='}'
caught_up() {
    helper frames-reported "$teiten" "$tmp/c.db" "$json" || return 1
    local name
    for name in "${sensors[@]}"; do
        [[ -z $(find "$tmp/spool-$name" -maxdepth 1 -type f -name '*.batch') ]] || return 1
    done
}
wait_for 30 "the sensors to report the frames tcpdump recorded $json" caught_up
retained=0
for f in "$tmp/retain-${sensors[0]}"/teiten-*.pcap; do retained=$((retained + $(helper count "$f"))); done
[[ $retained -eq ${recorded[${sensors[0]}]} ]] ||
    fail "${sensors[0]} retained $retained raw frames, tcpdump recorded ${recorded[${sensors[0]}]}"
echo "raw retention of ${sensors[0]}: $retained frames, as recorded"
helper sensors-up "$teiten" "$tmp/c.db" "${sensors[@]}" || fail "a sensor is not 'up' before the stop"
"$teiten" sensors --db "$tmp/c.db" --format json >"$tmp/sensors-running.json"

# ---------------------------------------------------------------- stop the sensors and the collector
# SIGTERM: a sensor closes its last batch and leaves, a batch not delivered yet
# stays in its spool and a restart on it delivers it; the collector folds.
netns_stop
echo "sensors and collector stopped at $((SECONDS - start_seconds)) s (${#resumed[@]} restarted to deliver their last batch)"

# ---------------------------------------------------------------- reference stores
"$teiten" ingest --db "$tmp/ref.db" --config "$conf" "$tmp"/ref_*.pcap >"$tmp/ingest-ref.log" 2>&1
sent_files=()
for name in "${sensors[@]}"; do sent_files+=("${replay[$name]}"); done
"$teiten" ingest --db "$tmp/sent.db" --config "$conf" "${sent_files[@]}" >"$tmp/ingest-sent.log" 2>&1

# ---------------------------------------------------------------- compare
python3 - "$teiten" "$tmp" "${sensors[*]}" "$nmap_ip" "$zmap_ip" "$masscan_ip" <<'PY'
import json, subprocess, sys

teiten, tmp, names = sys.argv[1], sys.argv[2], sys.argv[3].split()
scanner_ip = {"nmap": sys.argv[4], "zmap": sys.argv[5], "masscan": sys.argv[6]}
coll, ref, sent = f"{tmp}/c.db", f"{tmp}/ref.db", f"{tmp}/sent.db"
failures = []

def q(db, *args):
    out = subprocess.run([teiten, *args, "--db", db, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)

def check(cond, message):
    if not cond:
        failures.append(message)

def compare_rows(what, key, args):
    c = {key(r): r for r in q(coll, *args)}
    r = {key(x): x for x in q(ref, *args)}
    check(len(c) > 0, f"{what}: the collector has no rows")
    for k in sorted(set(c) | set(r), key=str):
        cr, rr = c.get(k), r.get(k)
        if cr is None or rr is None:
            failures.append(f"{what} {k}: collector {cr and (cr['packets'], cr.get('sources'))} "
                            f"reference {rr and (rr['packets'], rr.get('sources'))}")
            continue
        for field in ("packets", "sources"):
            if cr.get(field) != rr.get(field):
                failures.append(f"{what} {k}: {field} collector {cr.get(field)} reference {rr.get(field)}")
    print(f"{what}: {len(c)} rows, {sum(x['packets'] for x in c.values())} packets")
    return c, r

all_rows = ["--limit", "100000"]
compare_rows("top ports", lambda r: f"{r['port']}/{r['proto']}", ["top", "ports", *all_rows])
compare_rows("top countries", lambda r: r["cc"], ["top", "countries", *all_rows])
tools, _ = compare_rows("top tools", lambda r: r["tool"], ["top", "tools", *all_rows])
for name in names:
    compare_rows(f"top ports --sensor {name}", lambda r: f"{r['port']}/{r['proto']}",
                 ["top", "ports", "--sensor", name, *all_rows])
for tool in ("zmap", "masscan", "nmap"):
    check(tools.get(tool, {}).get("packets", 0) > 0, f"top tools: no {tool} packets")

cs, rs, ss = q(coll, "stats"), q(ref, "stats"), q(sent, "stats")
check(cs["packets"] == rs["packets"], f"stats packets: collector {cs['packets']} reference {rs['packets']}")
check(cs["frames"] == rs["frames"], f"stats frames: collector {cs['frames']} reference {rs['frames']}")
check(cs["outcomes"] == rs["outcomes"], f"stats outcomes: collector {cs['outcomes']} reference {rs['outcomes']}")
# (an ingest lists every configured sensor, the collector those it heard from)
per_sensor = lambda s: {x["sensor"]: x["packets"] for x in s["sensors"] if x["packets"] > 0}
check(per_sensor(cs) == per_sensor(rs),
      f"stats per sensor: collector {per_sensor(cs)} reference {per_sensor(rs)}")
print(f"stats: {cs['frames']} frames, {cs['packets']} packets, outcomes {cs['outcomes']}")

# The real scanners: their packets, classified as their tool, to the first sensor only.
scanned = {}
for tool, ip in scanner_ip.items():
    h = q(ref, "ip", ip)
    hc = q(coll, "ip", ip)
    check(h.get("packets", 0) > 0, f"{tool} ({ip}): no packets in the reference")
    check(hc.get("packets") == h.get("packets"), f"{tool} ({ip}): collector {hc.get('packets')} reference {h.get('packets')}")
    kinds = {row["tool"] for row in hc.get("rows", [])}
    check(kinds == {tool}, f"{tool} ({ip}): classified as {kinds}")
    check({row["sensor"] for row in hc.get("rows", [])} == {names[0]}, f"{tool} ({ip}): not only to {names[0]}")
    scanned[tool] = h.get("packets", 0)
print("scanners:", ", ".join(f"{t} {n} packets" for t, n in scanned.items()))

# What was replayed plus what the scanners sent is exactly what was counted.
sent_per_sensor, ref_per_sensor = per_sensor(ss), per_sensor(rs)
for i, name in enumerate(names):
    expected = sent_per_sensor.get(name, 0) + (sum(scanned.values()) if i == 0 else 0)
    check(expected > 0 and ref_per_sensor.get(name) == expected,
          f"{name}: reference {ref_per_sensor.get(name)} packets, replayed + scanned {expected}")
check(rs["packets"] == ss["packets"] + sum(scanned.values()),
      f"reference {rs['packets']} packets, replayed {ss['packets']} + scanned {sum(scanned.values())}")
print(f"replayed {ss['packets']} packets + scanned {sum(scanned.values())} = reference {rs['packets']}")
# Port by port too: the links' own traffic (IPv6 neighbour discovery, the
# masscan wake-up frames) is never counted, only seen as unassigned or not IP.
expected_ports = {}
for r in q(sent, "top", "ports", *all_rows):
    expected_ports[f"{r['port']}/{r['proto']}"] = [r["packets"], r["sources"]]
for tool, ip in scanner_ip.items():
    for row in q(coll, "ip", ip)["rows"]:
        e = expected_ports.setdefault(f"{row['port']}/{row['proto']}", [0, 0])
        e[0] += row["packets"]
        e[1] += 1
got_ports = {f"{r['port']}/{r['proto']}": [r["packets"], r["sources"]] for r in q(coll, "top", "ports", *all_rows)}
for k in sorted(set(expected_ports) | set(got_ports)):
    check(expected_ports.get(k) == got_ports.get(k),
          f"top ports {k}: collector {got_ports.get(k)}, replayed + scanned {expected_ports.get(k)}")
for outcome, n in ss["outcomes"].items():
    want = n + (sum(scanned.values()) if outcome == "ok" else 0)
    if outcome in ("unassigned", "not_ip"):
        check(cs["outcomes"][outcome] >= want, f"stats {outcome}: collector {cs['outcomes'][outcome]} < replayed {want}")
    else:
        check(cs["outcomes"][outcome] == want, f"stats {outcome}: collector {cs['outcomes'][outcome]}, replayed + scanned {want}")
extra = cs["frames"] - ss["frames"] - sum(scanned.values())
print(f"the links' own frames (neighbour discovery, wake-ups): {extra}, counted as unassigned or not IP")

# Sensor health: every sensor reported, nothing dropped, no gap.
for when, rows in (("running", json.load(open(f"{tmp}/sensors-running.json"))), ("after the stop", q(coll, "sensors"))):
    got = {r["sensor"]: r for r in rows}
    for name in names:
        r = got.get(name)
        if r is None:
            failures.append(f"sensors ({when}): {name} missing")
            continue
        check(r.get("status") in (("up",) if when == "running" else ("up", "late", "down")),
              f"sensors ({when}): {name} status {r.get('status')}")
        check(r.get("capture_drops") == 0, f"sensors ({when}): {name} capture_drops {r.get('capture_drops')}")
        check(r.get("gap_packets") == 0, f"sensors ({when}): {name} gap_packets {r.get('gap_packets')}")
        if when != "running":
            check(r.get("pending") == 0, f"sensors ({when}): {name} has {r.get('pending')} batches not folded")

if failures:
    print("\n".join("FAIL: " + f for f in failures[:60]), file=sys.stderr)
    if len(failures) > 60:
        print(f"... and {len(failures) - 60} more", file=sys.stderr)
    sys.exit(1)
print("collector == reference: ok")
PY
echo "netns_live: ok in $((SECONDS - start_seconds)) s"
