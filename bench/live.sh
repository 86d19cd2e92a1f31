#!/usr/bin/env bash
# bench/live.sh — live sensors: capture rate, bytes on the wire, collector ingest. Run on demand
# (root, never in CI; tests/CMakeLists.txt only collects tests/, never bench/).
#
# One run does everything, in network namespaces of its own (named ttb-PID-*, deleted on exit):
#   1. builds teiten (scripts/build) and copies the binary to $LIVE_DIR; simulates one day of
#      telescope traffic, reused when already there:
#        teiten simulate --days 1 --rate $LIVE_SIM_RATE --one-file --seed $LIVE_SEED
#      and cuts the replay file (its first $LIVE_REPLAY_FRAMES frames) and a short slice;
#   2. waits until the 1-minute load average is below $LIVE_MAX_LOAD (at most $LIVE_LOAD_WAIT s,
#      then measures anyway and says so in the report);
#   3. capture rate: a veth pair from a sender namespace to a sensor namespace; for each rate of
#      $LIVE_RATES, `tcpreplay --pps R` (or --topspeed) replays for $LIVE_SECONDS s while, in turn,
#        teiten sensor --interface IF --db local.db          (single-host mode)
#        tcpdump -i IF -s 256 -B 262144 -w /dev/null          (same snaplen and ring as the sensor)
#      and, at the last rate, both again in libpcap's immediate mode (a wake-up per frame);
#      capture on the far end. Reported: frames sent (tcpreplay), seen, dropped (the sensor's exit
#      summary; tcpdump's "dropped by kernel"), lost on the link (the sender veth's tx_dropped),
#      the listener's CPU time and how long after the sender stopped it was still busy (a ring of
#      256 MB hides a listener that falls behind for a few seconds: "lag" shows it);
#   4. shipping: at the best rate the sensor kept up with, the sensor ships to a collector on the
#      sensor namespace's loopback (HTTPS, self-signed certificate), with --batch-seconds /
#      --ship-seconds 10/0 (every 10 s batch sent by itself), 10/60 (the default: 10 s pieces
#      merged and sent every 60 s) and 60/0;
#      bytes on the wire per packet = IP bytes to the collector's port (tcpdump on that loopback;
#      what SIGTERM left in the spool is sent by a `--read` of an empty capture on the same spool)
#      ÷ the sensor's packets, next to the sensor's own "bytes sent". The same for a slice of the
#      capture read with --read, whose batches follow the capture's clock (a telescope of the
#      simulated rate);
#   5. collector ingest: $LIVE_SENSORS sensors read the whole simulated capture (--read, each as
#      fast as it can, --batch-seconds 3600) and ship to one collector (--fold-seconds 5) on the
#      loopback of a third namespace; timed from the sensors' start until the collector, sent
#      SIGTERM once every sensor left (spools empty), has folded everything and exited. CPU time
#      of the collector and of the sensors (GNU time) shows which side limits;
#   6. prints the tables and writes them, with the machine facts, to the "Live sensors" section
#      of docs/benchmarks.md (between its markers; the rest of the file is kept).
#
# Takes ~4 minutes on 2 cores (plus building, simulating once, and the wait for a quiet machine).
#
# Environment (defaults in brackets):
#   LIVE_DIR [/tmp/teiten-live-bench]  captures, stores, spools, logs (work/ is redone each run)
#   LIVE_RATES [100000 200000 400000 700000 1000000 top trafgen mirror]   replay rates, packets/s;
#                                      top = tcpreplay --topspeed; trafgen = netsniff-ng's trafgen
#                                      at top speed (TX ring, no qdisc: faster than tcpreplay),
#                                      $LIVE_TRAFGEN_FRAMES frames of the replay file's first 100,000;
#                                      mirror = trafgen into a second veth whose egress filter (tc
#                                      u32 + mirred) sends each frame $LIVE_MIRROR_COPIES times into tx0:
#                                      the kernel copies, so one sender core offers ~1 M packets/s
#   LIVE_TRAFGEN_FRAMES [3000000]      frames per trafgen run into tx0 (mirror: copies included)
#   LIVE_MIRROR_COPIES [16]            copies of each frame with the rate "mirror"
#                                      (the last one is also measured in libpcap's immediate mode:
#                                      teiten sensor --immediate, tcpdump --immediate-mode)
#   LIVE_SECONDS [6]                   seconds of replay per rate
#   LIVE_SIM_RATE [3000000]            simulated packets per day (the capture is one day)
#   LIVE_SEED [5]                      simulator seed
#   LIVE_REPLAY_FRAMES [2000000]       frames in the replay file (looped as needed)
#   LIVE_SLICE_FRAMES [300000]         frames of the slice read at the capture's own clock
#   LIVE_SENSORS [8]                   sensors shipping at once in step 5
#   LIVE_MAX_LOAD [1.0]  LIVE_LOAD_WAIT [600]   quiet-machine wait (LIVE_LOAD_WAIT=0: don't wait)
#   LIVE_TEITEN []                     use this teiten binary instead of building
#   LIVE_DOC [docs/benchmarks.md]      where the report goes; empty: print only
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

dir=${LIVE_DIR:-/tmp/teiten-live-bench}
rates=${LIVE_RATES:-100000 200000 400000 700000 1000000 top trafgen mirror}
tg_frames=${LIVE_TRAFGEN_FRAMES:-3000000}
copies=${LIVE_MIRROR_COPIES:-16}
seconds=${LIVE_SECONDS:-6}
sim_rate=${LIVE_SIM_RATE:-3000000}
seed=${LIVE_SEED:-5}
replay_frames=${LIVE_REPLAY_FRAMES:-2000000}
slice_frames=${LIVE_SLICE_FRAMES:-300000}
nsensors=${LIVE_SENSORS:-8}
max_load=${LIVE_MAX_LOAD:-1.0}
load_wait=${LIVE_LOAD_WAIT:-600}
doc=${LIVE_DOC-docs/benchmarks.md}

say() { printf '== %s\n' "$*" >&2; }
warn() { printf 'live bench: %s\n' "$*" >&2; }
die() {
  printf 'live bench: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, packet capture)"
for tool in ip tcpreplay tcpdump openssl python3; do have "$tool" || die "$tool is not installed"; done
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time, package 'time') is needed for CPU times"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "LIVE_SECONDS must be a positive number"
[[ $nsensors =~ ^[1-9][0-9]*$ ]] || die "LIVE_SENSORS must be a positive number"
for r in $rates; do [[ $r == top || $r == trafgen || $r == mirror || $r =~ ^[1-9][0-9]*$ ]] || die "LIVE_RATES: '$r' is not a rate"; done
[[ $copies =~ ^[1-9][0-9]*$ && $copies -le 30 ]] || die "LIVE_MIRROR_COPIES must be 1 to 30"
for tool in trafgen netsniff-ng; do have "$tool" || die "$tool is not installed (Debian package netsniff-ng)"; done

# ---------------------------------------------------------------- namespaces, processes, cleanup
prefix=ttb-$$
ns_tx=$prefix-tx   # sender: tcpreplay
ns_sn=$prefix-sn   # sensor (and its collector, on loopback)
ns_co=$prefix-co   # step 5: the collector and the sensors, on loopback
created_ns=()
pids=()
# The tests' namespace helpers: netns_add, netns_stop_all (they use pids and created_ns).
# shellcheck source=tests/live/lib.sh
source tests/live/lib.sh
cleanup() {
  local rc=$?
  set +e
  netns_stop_all
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
add_ns() {
  netns_add "$1"
  # No IPv6 on our links: no neighbour discovery frames among the measured ones.
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
forget_pid() {
  local p keep=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# ---------------------------------------------------------------- 1. binary, captures, keys
bench_binary "${LIVE_TEITEN:-}" "$dir"

cap=$dir/cap-d1-r$sim_rate-s$seed
pcap=$cap/telescope.pcap
params="days=1 rate=$sim_rate seed=$seed one-file replay=$replay_frames slice=$slice_frames"
if [[ -f $cap/.complete && $(cat "$cap/.complete") == "$params" ]]; then
  say "reusing the capture in $cap ($params)"
else
  say "simulating the capture into $cap ($params)"
  rm -rf "$cap"
  "$teiten" simulate --out "$cap" --days 1 --rate "$sim_rate" --one-file --seed "$seed" >/dev/null
  tcpdump -r "$pcap" -c "$replay_frames" -w "$cap/replay.pcap" -Z root 2>/dev/null
  tcpdump -r "$pcap" -c "$slice_frames" -w "$cap/slice.pcap" -Z root 2>/dev/null
  printf '%s\n' "$params" >"$cap/.complete"
fi
# trafgen's packet list: the replay file's first 100,000 frames as a netsniff-ng configuration.
tg_cfg=$cap/replay-100k.cfg
if [[ ! -s $tg_cfg ]]; then
  tcpdump -r "$cap/replay.pcap" -c 100000 -w "$cap/replay-100k.pcap" -Z root 2>/dev/null
  netsniff-ng --in "$cap/replay-100k.pcap" --out "$tg_cfg.tmp" --silent >/dev/null 2>&1 || die "netsniff-ng could not convert the replay file"
  mv "$tg_cfg.tmp" "$tg_cfg"
fi
frames_in() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$1"; }
total_frames=$(frames_in "$cap/truth.json")
replay=$cap/replay.pcap
replay_count=$(tcpdump -r "$replay" -n 2>/dev/null | wc -l) # exact (the file may hold fewer)
say "capture: $total_frames frames; replay file: $replay_count frames"

work=$dir/work
rm -rf "$work"
mkdir -p "$work"
empty=$work/empty.pcap
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$empty"

# The sensor of steps 3-4: one sensor whose dark prefixes hold every simulated destination (the
# simulator's frames to nobody's prefix stay "unassigned", as at a real sensor).
conf=$work/sensor.conf
cat >"$conf" <<'EOF'
[sensor bench]
prefix = 198.51.100.0/24
prefix = 203.0.113.0/24
prefix = 192.0.2.0/24
prefix = 2001:db8::/32
EOF
# Step 5: sensors with no prefix of their own (every destination is theirs), each with a key.
coll_conf=$work/collector.conf
cp "$conf" "$coll_conf"
declare -A key
for name in bench $(seq -f 'bench-%g' 1 "$nsensors"); do
  key[$name]=$(openssl rand -hex 32)
  printf '\n[sensor %s]\nkey = %s\n' "$name" "${key[$name]}" >>"$coll_conf"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 2 -subj /CN=teiten-bench -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
port=18443
url=https://127.0.0.1:$port

# ---------------------------------------------------------------- 2. a quiet machine
load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
load_note=""
if ((load_wait > 0)) && ! awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l < m) }'; then
  say "waiting for the load average to fall below $max_load (now $(load1); at most $load_wait s)"
  while ! awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l < m) }'; do
    if ((waited >= load_wait)); then
      load_note="**The load average stayed at or above $max_load for the $load_wait s this run waited (other work on the machine): measured anyway; take the numbers as a lower bound.**"
      warn "load average still $(load1) after $waited s: measuring anyway"
      break
    fi
    sleep 10
    waited=$((waited + 10))
  done
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
bench_start=$SECONDS

# ---------------------------------------------------------------- helpers
# cpu_of PID: seconds on a CPU (user + system, all live threads; from schedstat, in ns).
cpu_of() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.3f\n", s / 1e9 }'; }
# wakeups_of PID: voluntary context switches (all live threads): how often it went to sleep.
wakeups_of() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'; }
# wait_idle PID: returns once PID used < 1 % of a CPU for 0.6 s (at most 120 s); prints the
# seconds it was still busy.
wait_idle() {
  local t0=$SECONDS prev now still=0 start
  start=$(date +%s.%N)
  prev=$(cpu_of "$1")
  while ((SECONDS - t0 < 120)); do
    sleep 0.2
    now=$(cpu_of "$1")
    if awk -v a="$now" -v b="$prev" 'BEGIN { exit !(a - b < 0.002) }'; then still=$((still + 1)); else still=0; fi
    prev=$now
    if ((still >= 3)); then break; fi
  done
  awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { d = b - a - 0.6; printf "%.1f\n", d < 0 ? 0 : d }'
}
# wait_for SECONDS WHAT COMMAND...: polls every 0.1 s.
wait_for() {
  local until=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    ((SECONDS < until)) || die "timed out waiting for $what"
    sleep 0.1
  done
}
# packet_socket_open: a packet socket is bound to rx0 (the listener is capturing).
# shellcheck disable=SC2016 # awk's own $5
packet_socket_open() { ip netns exec "$ns_sn" awk -v i="$rx_index" 'NR > 1 && $5 == i { f = 1 } END { exit !f }' /proc/net/packet; }
tx_dropped() { ip -n "$ns_tx" -j -s link show tx0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
# summary_field LOG NAME: a number from the sensor's exit line ("... N NAME, ...").
summary_field() {
  grep -E '^teiten: sensor [^:]+: [0-9]+ frames' "$1" | tail -1 |
    sed -E "s/.*[ :]([0-9]+) $2(,.*|$)/\1/;t;s/.*/?/"
}
# replay RATE LOG: tcpreplay into the veth for $seconds seconds at RATE, or at top speed (where
# tcpreplay ignores --duration: then ${top_guess} frames per second of $seconds).
top_guess=350000
# trafgen_run PROCS FRAMES LOG [mirror]: trafgen at top speed into tx0 (or into m0, whose filter
# sends each frame $copies times into tx0; trafgen then takes the qdisc path, where the filter
# is); LOG gets tcpreplay's summary lines ("Successful packets:", "Rated: ... pps") from trafgen's
# own counts (frames times the copies, over the time of its slowest sending process: its start-up,
# parsing the packet list, is not counted).
trafgen_run() {
  local dev=tx0 mult=1 qdisc=()
  if [[ ${4:-} == mirror ]]; then dev=m0 mult=$copies qdisc=(-q); fi
  ip netns exec "$ns_tx" trafgen -i "$tg_cfg" -o "$dev" -n "$2" -P "$1" -J "${qdisc[@]}" >"$3.trafgen" 2>&1 ||
    die "trafgen failed: $(tail -3 "$3.trafgen")"
  awk -v k="$mult" '{ gsub(/\r/, "") } /usec on CPU/ { t = $1 + $3 / 1e6; if (t > m) m = t; n += substr($7, 2) * k }
    END { if (m <= 0) exit 1; printf "Successful packets: %d\nRated: 0 Bps, 0 Mbps, %.1f pps\n", n, n / m }' \
    "$3.trafgen" >"$3" || die "trafgen's summary is missing: $(tail -3 "$3.trafgen")"
}
replay() {
  local rate=$1 log=$2 how loops
  if [[ $rate == trafgen || $rate == mirror ]]; then
    # mirror: as many frames reach tx0 as with trafgen alone
    trafgen_run 1 "$(if [[ $rate == mirror ]]; then echo $((tg_frames / copies)); else echo "$tg_frames"; fi)" "$log" "$rate"
    return
  fi
  if [[ $rate == top ]]; then
    how=(--topspeed --limit "$((top_guess * seconds))")
    loops=$((top_guess * seconds / replay_count + 1))
  else
    how=(--pps "$rate" --duration "$seconds")
    loops=$((rate * seconds / replay_count + 1))
  fi
  ip netns exec "$ns_tx" tcpreplay -i tx0 "${how[@]}" --loop "$loops" --no-flow-stats -K "$replay" >"$log" 2>&1 ||
    die "tcpreplay failed: $(tail -3 "$log")"
}
replay_sent() { sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$1"; }
replay_pps() { sed -n 's/^Rated: .* \([0-9.]*\) pps.*/\1/p' "$1"; }
# stop PID: SIGTERM, then waits for it; returns its exit status.
stop() {
  local rc=0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" || rc=$?
  forget_pid "$1"
  return "$rc"
}
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

res=$work/results
mkdir -p "$res"
# record FILE KEY=VALUE...: one result row, as shell-readable assignments.
record() {
  local f=$1
  shift
  printf '%s\n' "$*" >>"$res/$f"
}

# ---------------------------------------------------------------- 3. capture rate
say "namespaces $prefix-*: sender → veth → sensor"
add_ns "$ns_tx"
add_ns "$ns_sn"
# Jumbo MTU: the simulated capture holds a few frames bigger than 1500 bytes.
ip link add tx0 netns "$ns_tx" mtu 9000 type veth peer name rx0 netns "$ns_sn" mtu 9000
ip -n "$ns_sn" link set rx0 up
ip -n "$ns_tx" link set tx0 up
# The rate "mirror": frames sent into m0 leave it $copies times into tx0 (a u32 filter that
# matches everything, $((copies - 1)) mirred mirror actions and a mirred redirect, on m0's egress).
ip -n "$ns_tx" link add m0 mtu 9000 type veth peer name m1 mtu 9000
ip -n "$ns_tx" link set m0 up
ip -n "$ns_tx" link set m1 up
ip netns exec "$ns_tx" tc qdisc add dev m0 clsact
mirror_actions=()
for _ in $(seq 2 "$copies"); do mirror_actions+=(action mirred egress mirror dev tx0); done
ip netns exec "$ns_tx" tc filter add dev m0 egress protocol all u32 match u32 0 0 "${mirror_actions[@]}" \
  action mirred egress redirect dev tx0 || die "cannot set up the mirror filter (tc u32 and mirred)"
rx_index=$(ip -n "$ns_sn" -j link show rx0 | json_get 'd[0]["ifindex"]')

# capture_run TOOL RATE: one listener on rx0 while tcpreplay sends at RATE. TOOL: sensor (libpcap's
# block-wise delivery, the default), sensor-imm (teiten sensor --immediate: a wake-up per frame),
# tcpdump, tcpdump-imm (tcpdump --immediate-mode).
capture_run() {
  local tool=$1 rate=$2 k="$1-$2" pid lag cpu c0 w0 d0 d1 t0 t1 sent seen dropped rc=0 extra="" imm=()
  local log=$work/$k.log db=$work/$k.db
  if [[ $tool == sensor* ]]; then
    [[ $tool == sensor-imm ]] && imm=(--immediate)
    ip netns exec "$ns_sn" "$teiten" sensor --config "$conf" --name bench --interface rx0 "${imm[@]}" --db "$db" \
      >"$log" 2>&1 &
  else
    [[ $tool == tcpdump-imm ]] && imm=(--immediate-mode)
    ip netns exec "$ns_sn" tcpdump -i rx0 -n -s 256 -B 262144 "${imm[@]}" -w /dev/null >"$log" 2>&1 &
  fi
  pid=$!
  pids+=("$pid")
  wait_for 20 "$tool to open rx0" packet_socket_open
  sleep 0.5
  c0=$(cpu_of "$pid")
  w0=$(wakeups_of "$pid")
  d0=$(tx_dropped)
  t0=$(date +%s.%N)
  replay "$rate" "$work/$k.tcpreplay"
  t1=$(date +%s.%N)
  lag=$(wait_idle "$pid")
  cpu=$(awk -v a="$(cpu_of "$pid")" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')
  extra="wakeups=$(($(wakeups_of "$pid") - w0))"
  d1=$(tx_dropped)
  stop "$pid" || rc=$?
  ((rc == 0)) || die "$tool exited with status $rc: $(tail -3 "$log")"
  sent=$(replay_sent "$work/$k.tcpreplay")
  if [[ $tool == sensor* ]]; then
    seen=$(summary_field "$log" frames)
    dropped=$(summary_field "$log" "capture drops")
    local db_frames gaps
    db_frames=$("$teiten" stats --db "$db" --format json | json_get 'd["frames"]')
    gaps=$("$teiten" sensors --db "$db" --format json | json_get 'sum(r["gap_packets"] for r in d)')
    [[ $db_frames == "$seen" ]] || warn "$k: the store holds $db_frames frames, the sensor said $seen"
    extra+=" db_frames=$db_frames gap_packets=$gaps"
  else
    seen=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$log")
    dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$log")
  fi
  record capture "tool=$tool rate=$rate sent=$sent pps=$(replay_pps "$work/$k.tcpreplay") seen=${seen:-?} dropped=${dropped:-?} link=$((d1 - d0)) cpu=$cpu lag=$lag replay_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $extra"
  printf '   %-11s %-8s sent %8s  seen %8s  dropped %7s  link %5s  cpu %5ss  %s  lag %4ss\n' "$tool" "$rate" \
    "$sent" "${seen:-?}" "${dropped:-?}" "$((d1 - d0))" "$cpu" "${extra%% *}" "$lag" >&2
}

# What this machine can offer at all: trafgen with nobody listening on rx0, on one core and on both.
say "the sender alone: trafgen into the veth, nobody listening"
for procs in 1 2; do
  trafgen_run "$procs" "$((tg_frames * procs))" "$work/offer-$procs.log"
  record offer "procs=$procs sent=$(replay_sent "$work/offer-$procs.log") pps=$(replay_pps "$work/offer-$procs.log")"
  tail -1 "$res/offer" | sed 's/^/   /' >&2
done
offer_pps() { awk -v p="$1" '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  v["procs"] == p { printf "%.0f", v["pps"] }' "$res/offer"; }
offer1=$(offer_pps 1)
offer2=$(offer_pps 2)
trafgen_run 1 "$((tg_frames / copies))" "$work/offer-mirror.log" mirror
offer_mirror=$(replay_pps "$work/offer-mirror.log")
say "   mirror (one process, ${copies} copies): $offer_mirror packets/s"

say "capture rate: $seconds s of replay per rate, sensor then tcpdump"
for rate in $rates; do
  capture_run sensor "$rate"
  capture_run tcpdump "$rate"
done
# The last rate once more in libpcap's immediate mode (a wake-up per frame), sensor and tcpdump.
top_rate=$(echo "$rates" | awk '{ print $NF }')
capture_run sensor-imm "$top_rate"
capture_run tcpdump-imm "$top_rate"

# The best rate each listener kept up with: nothing dropped anywhere, every frame seen, and idle
# again within 1 s of the sender's end (a listener that lags would drop in a longer run).
best_of() { # TOOL: "RATE ACHIEVED_PPS" of the fastest run that kept up, nothing if none
  awk -v t="$1" '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    v["tool"] == t && v["dropped"] == "0" && v["link"] == "0" && v["seen"] + 0 >= v["sent"] + 0 && v["lag"] + 0 <= 1.0 &&
    v["pps"] + 0 > best { best = v["pps"] + 0; rate = v["rate"] }
    END { if (rate != "") printf "%s %.0f\n", rate, best }' "$res/capture"
}
read -r best_sensor best_sensor_pps <<<"$(best_of sensor)" || true
ship_pps=0
read -r best_tcpdump best_tcpdump_pps <<<"$(best_of tcpdump)" || true
say "best rate with zero drops: sensor ${best_sensor:-none}, tcpdump ${best_tcpdump:-none}"

# ---------------------------------------------------------------- 4. shipping, bytes on the wire
ship_rate=${best_sensor:-$(echo "$rates" | awk '{ print $1 }')}
collector_log=$work/collector-sn.log
ip netns exec "$ns_sn" "$teiten" collector --config "$coll_conf" --listen "127.0.0.1:$port" --cert "$work/cert.pem" \
  --key "$work/key.pem" --db "$work/collector-sn.db" --fold-seconds 5 >"$collector_log" 2>&1 &
collector_pid=$!
pids+=("$collector_pid")
wait_for 20 "the collector to listen" grep -q "collector listening" "$collector_log"

# drain SPOOL LOG: sends what a stopped sensor left in SPOOL (--read of an empty capture).
drain() {
  ip netns exec "$ns_sn" "$teiten" sensor --name bench --read "$empty" --collector "$url" --ca "$work/cert.pem" \
    --key "${key[bench]}" --spool "$1" >"$2" 2>&1 || die "draining $1 failed: $(tail -3 "$2")"
}
# The bytes really on the wire: tcpdump on the sensor namespace's loopback, port $port.
wire_start() {
  ip netns exec "$ns_sn" tcpdump -i lo -n -s 128 -B 65536 --immediate-mode -Z root -w "$work/$1.wire.pcap" "tcp port $port" \
    >"$work/$1.wire.log" 2>&1 &
  wire_pid=$!
  pids+=("$wire_pid")
  wait_for 20 "tcpdump on lo" grep -q "listening on" "$work/$1.wire.log"
}
wire_stop() {
  sleep 1
  stop "$wire_pid" || true
  local got filtered
  got=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$work/$1.wire.log")
  filtered=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$work/$1.wire.log")
  # On lo the filter also counts each segment's looped-back copy, which packet sockets skip.
  if ! [[ -n $got && $((2 * got)) -ge $filtered ]] || ! grep -q '^0 packets dropped by kernel' "$work/$1.wire.log"; then
    warn "$1: tcpdump on lo missed segments ($got of $filtered captured): wire bytes are too low"
  fi
}
# wire_bytes NAME: "IP_BYTES TLS_BYTES" sent to the collector's port (its answers not counted).
wire_bytes() {
  python3 - "$work/$1.wire.pcap" "$port" <<'PY2'
import struct, sys
f = open(sys.argv[1], "rb")
head = f.read(24)
e = "<" if struct.unpack("<I", head[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
ip_bytes = payload = 0
while True:
    rec = f.read(16)
    if len(rec) < 16:
        break
    incl = struct.unpack(e + "IIII", rec)[2]
    d = f.read(incl)
    ip = d[14:]  # lo is Ethernet
    if len(ip) < 20 or ip[0] >> 4 != 4:
        continue
    ihl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
    tcp = ip[ihl:]
    if struct.unpack(">H", tcp[2:4])[0] != int(sys.argv[2]):
        continue
    ip_bytes += total
    payload += total - ihl - (tcp[12] >> 4) * 4
print(ip_bytes, payload)
PY2
}

# Shipping settings measured: BATCH_SECONDS/SHIP_SECONDS (ship 0: every batch sent by itself;
# 10/60 is the default: pieces spooled every 10 s, merged and sent every 60 s).
ship_configs="10/0 10/60 60/0"
say "shipping at $ship_rate packets/s to a collector on loopback (--batch-seconds/--ship-seconds $ship_configs)"
for cfg in $ship_configs; do
  bs=${cfg%/*} ss=${cfg#*/}
  k=ship-bs$bs-ss$ss
  log=$work/$k.log
  wire_start "$k"
  ip netns exec "$ns_sn" "$teiten" sensor --config "$conf" --name bench --interface rx0 --collector "$url" \
    --ca "$work/cert.pem" --key "${key[bench]}" --spool "$work/spool-$k" --batch-seconds "$bs" --ship-seconds "$ss" \
    >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for 20 "the sensor to open rx0" packet_socket_open
  sleep 0.5
  c0=$(cpu_of "$pid")
  d0=$(tx_dropped)
  replay "$ship_rate" "$work/$k.tcpreplay"
  lag=$(wait_idle "$pid")
  cpu=$(awk -v a="$(cpu_of "$pid")" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')
  d1=$(tx_dropped)
  stop "$pid" || die "the shipping sensor failed: $(tail -3 "$log")"
  drain "$work/spool-$k" "$work/$k.drain.log"
  wire_stop "$k"
  read -r wire_ip wire_tls <<<"$(wire_bytes "$k")"
  record ship "mode=live bs=$bs ss=$ss requests=$(summary_field "$log" delivered) rate=$ship_rate sent=$(replay_sent "$work/$k.tcpreplay") pps=$(replay_pps "$work/$k.tcpreplay") seen=$(summary_field "$log" frames) packets=$(summary_field "$log" packets) dropped=$(summary_field "$log" "capture drops") link=$((d1 - d0)) batches=$(summary_field "$log" batches) bytes=$(summary_field "$log" "bytes sent") left=$(summary_field "$log" "batches left in the spool") drain_bytes=$(summary_field "$work/$k.drain.log" "bytes sent") drain_batches=$(summary_field "$work/$k.drain.log" batches) drain_requests=$(summary_field "$work/$k.drain.log" delivered) wire_ip=$wire_ip wire_tls=$wire_tls cpu=$cpu lag=$lag"
  tail -1 "$res/ship" | sed 's/^/   /' >&2
  if [[ $cfg == 10/60 ]]; then ship_pps=$(replay_pps "$work/$k.tcpreplay"); fi
done

say "shipping a slice of $slice_frames frames with --read (batches follow the capture's clock)"
for cfg in $ship_configs; do
  bs=${cfg%/*} ss=${cfg#*/}
  k=read-bs$bs-ss$ss
  log=$work/$k.log
  wire_start "$k"
  ip netns exec "$ns_sn" "$teiten" sensor --config "$conf" --name bench --read "$cap/slice.pcap" --collector "$url" \
    --ca "$work/cert.pem" --key "${key[bench]}" --spool "$work/spool-$k" --batch-seconds "$bs" --ship-seconds "$ss" \
    >"$log" 2>&1 ||
    die "$k failed: $(tail -3 "$log")"
  wire_stop "$k"
  read -r wire_ip wire_tls <<<"$(wire_bytes "$k")"
  record ship "mode=read bs=$bs ss=$ss requests=$(summary_field "$log" delivered) rate=capture sent=$slice_frames pps=0 seen=$(summary_field "$log" frames) packets=$(summary_field "$log" packets) dropped=0 link=0 batches=$(summary_field "$log" batches) bytes=$(summary_field "$log" "bytes sent") left=$(summary_field "$log" "batches left in the spool") drain_bytes=0 drain_batches=0 drain_requests=0 wire_ip=$wire_ip wire_tls=$wire_tls cpu=- lag=-"
  tail -1 "$res/ship" | sed 's/^/   /' >&2
done
stop "$collector_pid" || warn "the collector of step 4 exited with an error: $(tail -3 "$collector_log")"
ship_db_packets=$("$teiten" stats --db "$work/collector-sn.db" --format json | json_get 'd["packets"]')
ship_sum_packets=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) { sub(/packets=/, "", $i); s += $i } } END { print s + 0 }' "$res/ship")

# ---------------------------------------------------------------- 5. collector ingest, N sensors
say "$nsensors sensors read $total_frames frames each and ship to one collector (--fold-seconds 5)"
add_ns "$ns_co"
clog=$work/collector-co.log
ip netns exec "$ns_co" /usr/bin/time -f '%e %U %S %M' -o "$work/collector-co.time" "$teiten" collector \
  --config "$coll_conf" --listen "127.0.0.1:$port" --cert "$work/cert.pem" --key "$work/key.pem" \
  --db "$work/collector-co.db" --fold-seconds 5 >"$clog" 2>&1 &
time_pid=$!
pids+=("$time_pid")
wait_for 20 "the collector to listen" grep -q "collector listening" "$clog"
collector_pid=$(awk '{ print $1 }' "/proc/$time_pid/task/$time_pid/children")
[[ -n $collector_pid ]] || die "cannot find the collector's process"
cat "$pcap" >/dev/null # page cache
spids=()
t0=$(date +%s.%N)
for i in $(seq 1 "$nsensors"); do
  ip netns exec "$ns_co" /usr/bin/time -f '%e %U %S %M' -o "$work/sensor-$i.time" "$teiten" sensor \
    --name "bench-$i" --read "$pcap" --collector "$url" --ca "$work/cert.pem" --key "${key[bench-$i]}" \
    --spool "$work/spool-co-$i" --batch-seconds 3600 >"$work/sensor-co-$i.log" 2>&1 &
  spids+=("$!")
  pids+=("$!")
done
for i in "${!spids[@]}"; do
  wait "${spids[$i]}" || die "sensor bench-$((i + 1)) failed: $(tail -3 "$work/sensor-co-$((i + 1)).log")"
  forget_pid "${spids[$i]}"
done
t_sensors=$(date +%s.%N)
kill -TERM "$collector_pid"
wait "$time_pid" || die "the collector failed: $(tail -3 "$clog")"
forget_pid "$time_pid"
t_end=$(date +%s.%N)
co_stats=$("$teiten" stats --db "$work/collector-co.db" --format json)
co_packets=$(json_get 'd["packets"]' <<<"$co_stats")
co_pending=$("$teiten" sensors --db "$work/collector-co.db" --format json | json_get 'sum(r["pending"] for r in d)')
sensor_packets=0 sensor_batches=0 sensor_bytes=0 sensor_cpu=0 sensor_rss=0
for i in $(seq 1 "$nsensors"); do
  log=$work/sensor-co-$i.log
  sensor_packets=$((sensor_packets + $(summary_field "$log" packets)))
  sensor_batches=$((sensor_batches + $(summary_field "$log" batches)))
  sensor_bytes=$((sensor_bytes + $(summary_field "$log" "bytes sent")))
  read -r _ u s m <"$work/sensor-$i.time"
  sensor_cpu=$(awk -v a="$sensor_cpu" -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", a + u + s }')
  if ((m > sensor_rss)); then sensor_rss=$m; fi
done
read -r _ cu cs crss <"$work/collector-co.time"
collector_cpu=$(awk -v u="$cu" -v s="$cs" 'BEGIN { printf "%.2f", u + s }')
wall=$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
wall_sensors=$(awk -v a="$t0" -v b="$t_sensors" 'BEGIN { printf "%.2f", b - a }')
fold_tail=$(awk -v a="$t_sensors" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
say "collector: $co_packets packets in $wall s (sensors done after $wall_sensors s), collector CPU $collector_cpu s, sensors' CPU $sensor_cpu s"

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
bench_seconds=$((SECONDS - bench_start))

# ---------------------------------------------------------------- 6. report
fmt_n() { awk -v n="$1" 'BEGIN { if (n !~ /^[0-9.]+$/) print n; else if (n >= 1e6) printf "%.2f M", n / 1e6; else if (n >= 1e3) printf "%.0f k", n / 1e3; else printf "%d", n }'; }
# rate_label RATE: a rate of LIVE_RATES in words
rate_label() { case $1 in top) echo "top speed (tcpreplay)" ;; trafgen) echo "top speed (trafgen)" ;; mirror) echo "top speed (trafgen, each frame ${copies}× by tc mirred)" ;; *) fmt_n "$1" ;; esac; }
capture_md="| rate asked | listener | frames sent (tcpreplay) | achieved packets/s | frames seen | capture drops | lost on the link | listener CPU s | CPU µs/frame | frames per wake-up | busy after the sender stopped |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
# shellcheck disable=SC2154 # the fields of each row come from eval
while read -r line; do
  eval "$line"
  capture_md+="
| $(rate_label "$rate") | $(case $tool in sensor) echo "teiten sensor --db" ;; sensor-imm) echo "teiten sensor --db --immediate" ;; tcpdump) echo "tcpdump -w /dev/null" ;; *) echo "tcpdump --immediate-mode -w /dev/null" ;; esac) | $sent | $(fmt_n "${pps%.*}") | $seen | $dropped | $link | $cpu | $(awk -v c="$cpu" -v n="$seen" 'BEGIN { if (n > 0) printf "%.2f", c * 1e6 / n; else print "—" }') | $(awk -v w="$wakeups" -v n="$seen" 'BEGIN { if (w > 0) printf "%.0f", n / w; else print "—" }') | ${lag} s |"
done <"$res/capture"

ship_md="| mode | packets/s | --batch-seconds / --ship-seconds | packets | capture drops | batches spooled / sent | sensor's \"bytes sent\" | IP bytes to the collector (tcpdump on lo) | of which TLS payload | **wire bytes/packet** | \"bytes sent\"/packet |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
# shellcheck disable=SC2154 # the fields of each row come from eval
while read -r line; do
  eval "$line"
  tb=$((bytes + drain_bytes))
  tbat="$((batches + drain_batches)) / $((requests + drain_requests))"
  ship_md+="
| $(if [[ $mode == live ]]; then echo "live (veth)"; else echo "--read, capture's clock"; fi) | $(if [[ $rate == capture ]]; then echo "$(awk -v n="$total_frames" 'BEGIN { printf "%.0f", n / 86400 }') (simulated day)"; else echo "$(fmt_n "${pps%.*}") (asked: $(rate_label "$rate"))"; fi) | $bs / $ss | $packets | $dropped | $tbat | $tb | $wire_ip | $wire_tls | **$(awk -v b="$wire_ip" -v p="$packets" 'BEGIN { printf "%.2f", b / p }')** | $(awk -v b="$tb" -v p="$packets" 'BEGIN { printf "%.2f", b / p }') |"
done <"$res/ship"
# bpp MODE BS SHIP: wire bytes per packet of one row
bpp() { awk -v m="$1" -v b="$2" -v s="$3" '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  v["mode"] == m && v["bs"] == b && v["ss"] == s { printf "%.2f", v["wire_ip"] / v["packets"] }' "$res/ship"; }
live_def_bpp=$(bpp live 10 60)
live10_bpp=$(bpp live 10 0)
read_def_bpp=$(bpp read 10 60)
read10_bpp=$(bpp read 10 0)
read60_bpp=$(bpp read 60 0)
# The sensor's own count against the wire: libcurl's request size includes a small body that
# the upload size counts again.
overcount=$(awk '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  r = (v["bytes"] + v["drain_bytes"]) / v["wire_tls"]; if (r > m) m = r } END { printf "%.2f", m }' "$res/ship")

total_pps=$(awk -v p="$co_packets" -v t="$wall" 'BEGIN { printf "%.0f", p / t }')
per_sensor_pps=$(awk -v p="$total_pps" -v n="$nsensors" 'BEGIN { printf "%.0f", p / n }')
collector_capacity=$(awk -v p="$co_packets" -v c="$collector_cpu" 'BEGIN { printf "%.0f", p / c }')
sensor_capacity=$(awk -v p="$sensor_packets" -v c="$sensor_cpu" 'BEGIN { printf "%.0f", p / c }')
exact="every packet the sensors counted was folded exactly once ($co_packets = $sensor_packets), $co_pending batches left in the inbox"
[[ $co_packets == "$sensor_packets" && $co_pending == 0 ]] ||
  exact="**mismatch**: the collector holds $co_packets packets, the sensors counted $sensor_packets; $co_pending batches not folded"
collect_md="| what | value |
|---|---:|
| sensors × packets each | $nsensors × $(summary_field "$work/sensor-co-1.log" packets) ($(fmt_n "$sensor_packets") in all) |
| batches (--batch-seconds 3600 of capture time) / the sensors' \"bytes sent\" | $sensor_batches / $sensor_bytes ($(awk -v b="$sensor_bytes" -v p="$sensor_packets" 'BEGIN { printf "%.2f", b / p }') bytes/packet) |
| wall time: start → last sensor left (all acknowledged) | ${wall_sensors} s |
| wall time: → collector folded everything and exited (after SIGTERM: ${fold_tail} s) | **${wall} s** |
| **packets/s accepted and folded, all sensors** | **$(fmt_n "$total_pps")** |
| packets/s per sensor | $(fmt_n "$per_sensor_pps") |
| collector CPU (user + sys) / peak RSS | ${collector_cpu} s / $((crss / 1024)) MB |
| sensors' CPU (user + sys, all $nsensors) / peak RSS of one | ${sensor_cpu} s / $((sensor_rss / 1024)) MB |
| CPU available (wall × $(nproc) cores) | $(awk -v w="$wall" -v n="$(nproc)" 'BEGIN { printf "%.1f", w * n }') s |
| collector: packets per CPU second it used | $(fmt_n "$collector_capacity") |
| sensors: packets per CPU second (--read, one sensor) | $(fmt_n "$sensor_capacity") |"

target_line() { awk "BEGIN { exit !($1) }" && echo "met" || echo "**not met**"; }
# at_top TOOL: "µs/frame frames/wake-up achieved_pps" of TOOL's run at the last rate
at_top() {
  awk -v t="$1" -v r="$top_rate" '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    v["tool"] == t && v["rate"] == r && v["seen"] > 0 {
      printf "%.2f µs of CPU per frame, %.0f frames per wake-up, the sender at %.0f k packets/s", v["cpu"] * 1e6 / v["seen"], (v["wakeups"] > 0 ? v["seen"] / v["wakeups"] : 0), v["pps"] / 1e3 }' "$res/capture"
}
top_compare="At $([[ $top_rate == top || $top_rate == trafgen || $top_rate == mirror ]] && rate_label "$top_rate" || echo "$(fmt_n "$top_rate") packets/s asked"): teiten sensor $(at_top sensor); tcpdump $(at_top tcpdump); teiten sensor --immediate $(at_top sensor-imm); tcpdump --immediate-mode $(at_top tcpdump-imm)."
# "N packets/s (asked R)" of a listener's best run
best_txt() {
  if [[ -z $1 ]]; then
    echo "none of the rates"
  else
    echo "$(fmt_n "$2") packets/s (asked: $(rate_label "$1"))"
  fi
}
max_sent_pps=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^pps=/) { sub(/pps=/, "", $i); if ($i + 0 > m) m = $i + 0 } } END { printf "%.0f", m }' "$res/capture")
# CPU per frame of the sensor's best run (or its fastest one when none kept up)
sensor_cpu_us=$(awk -v r="${best_sensor:-}" '{ delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  v["tool"] == "sensor" && v["seen"] > 0 && (v["rate"] == r || (r == "" && v["pps"] + 0 > best)) { best = v["pps"] + 0; u = v["cpu"] * 1e6 / v["seen"] }
  END { printf "%.2f", u }' "$res/capture")
targets_md="| target | measured | status |
|---|---|---|
| a sensor captures ≥ 1 M packets/s with zero drops | zero drops up to $(best_txt "$best_sensor" "${best_sensor_pps:-0}"), the fastest the sender got against the sensor; tcpdump: $(best_txt "$best_tcpdump" "${best_tcpdump_pps:-0}"); the sensor process used ${sensor_cpu_us} µs of CPU per frame there, i.e. ~$(awk -v u="$sensor_cpu_us" 'BEGIN { printf "%.2f", 1 / u }') M frames per CPU second | $(if awk -v p="${best_sensor_pps:-0}" 'BEGIN { exit !(p >= 1e6) }'; then echo met; elif awk -v m="$max_sent_pps" 'BEGIN { exit !(m < 1e6) }'; then echo "**not shown** (the sender peaked at $(fmt_n "$max_sent_pps") packets/s against a listener; alone, with nobody listening, trafgen offers $(fmt_n "$offer1") packets/s on one core and $(fmt_n "$offer2") on both, which leaves no core for a listener); $(if awk -v u="$sensor_cpu_us" 'BEGIN { exit !(1 / u >= 1) }'; then echo "its CPU cost would allow it on a free core"; else echo "by its CPU cost **not met** on one core"; fi)"; else echo "**not met**"; fi) |
| ≤ 6 bytes/packet on the wire | default settings (10 s batches spooled, shipped every 60 s): live at $(fmt_n "$ship_pps") packets/s $live_def_bpp, at the simulated telescope's own rate (--read) $read_def_bpp; every 10 s batch sent by itself (--ship-seconds 0): $live10_bpp live, $read10_bpp at the simulated rate; 60 s batches: $read60_bpp — IP bytes measured on loopback | $(target_line "$live_def_bpp <= 6") live at that rate, $(target_line "$read_def_bpp <= 6") at the simulated rate (defaults); $(target_line "$read10_bpp <= 6") at the simulated rate with --ship-seconds 0 |
| collector ≥ 800 k packets/s from 8 sensors | $(fmt_n "$total_pps") packets/s from $nsensors sensors, end to end; the collector used one CPU second per $(fmt_n "$collector_capacity") packets | $(target_line "$total_pps >= 800000") end to end |"

printf '\n%s\n\n%s\n\n%s\n\n%s\n\n%s\n' "$capture_md" "$top_compare" "$ship_md" "$collect_md" "$targets_md"

[[ -n $doc ]] || exit 0

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gb=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
versions=$( (dpkg-query -W -f='${Package} ${Version}, ' tcpreplay tcpdump libpcap0.8 libmicrohttpd12 libcurl4 2>/dev/null || true) | sed 's/, $//')
section=$(
  cat <<EOF
<!-- bench/live.sh: start (this section is rewritten by each run of bench/live.sh) -->
## Live sensors

Produced by \`bench/live.sh\` (root, on demand, never in CI; rewrites this section only).
Reproduce with

    sudo bench/live.sh                     # ~4 min; LIVE_RATES, LIVE_SECONDS, LIVE_SENSORS, ... at its top

### Machine and input

- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu_model), ${mem_gb} GB memory, Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')
- teiten $teiten_rev; $versions
- capture: \`teiten simulate --days 1 --rate $sim_rate --one-file --seed $seed\` ($total_frames frames);
  tcpreplay replays its first $replay_count frames (looped), preloaded (\`-K\`), for $seconds s per rate
- load average at start $load_start, at end $load_end$( ((waited > 0)) && echo " (waited $waited s for it to fall below $max_load)"); the measurement took ${bench_seconds} s.
  Every number below comes from this one run.${load_note:+

$load_note}

### 1. Capture rate (veth between two namespaces)

Sender: \`tcpreplay -i tx0 --pps R --duration $seconds -K\` (or \`--topspeed --limit $((top_guess * seconds))\`; rate
"trafgen": \`trafgen -i replay-100k.cfg -o tx0 -n $tg_frames -P 1 -J\`, the replay file's first 100,000 frames
looped, sent through a TX ring without the qdisc) in one
namespace; listener on the veth's other end in another, one at a time: \`teiten sensor --interface rx0
--db local.db\` (single-host mode; snaplen 256, 256 MB ring, libpcap's block-wise delivery with a
100 ms timeout) or \`tcpdump -i rx0 -s 256 -B 262144 -w /dev/null\` (same snaplen and ring, libpcap's
default block-wise delivery). Frames seen and drops: the sensor's exit summary (equal to \`teiten stats\`'s frames; drops are also
declared as gaps) and tcpdump's "captured" / "dropped by kernel". "Lost on the link": the sender
veth's tx_dropped. CPU: the listener process's time on a CPU (schedstat, all threads, from the
first frame until it went idle); the kernel's copy into the ring runs in the sender's context and
is not in it. "Frames per wake-up": frames ÷ the listener's voluntary context switches. "Busy
after the sender stopped": how long the listener kept working once tcpreplay was done — one that
falls behind drains its ring then (and drops once the ring is full in a longer run). The last two
rows repeat the last rate in libpcap's immediate mode (\`teiten sensor --immediate\`, \`tcpdump
--immediate-mode\`): libpcap then uses TPACKET_V2 and wakes the reader for every frame instead of
every filled block, which also slows the sender (the wake-ups cost it CPU).

$capture_md

The sender alone, nobody listening on rx0 (\`trafgen -P N\`, $tg_frames frames per process): $(fmt_n "$offer1") packets/s
with one process, $(fmt_n "$offer2") packets/s with two (both cores busy). The kernel's work per frame (the
packet socket's send, the veth, the receiving stack) runs in the sender's context, so this is the
most the machine can offer into a veth from a sending process, before any listener takes its share
of the two cores. With the rate "mirror" the kernel makes the copies instead: trafgen sends into a
second veth, m0, whose egress filter (\`tc filter add dev m0 egress u32 match u32 0 0\` with
$((copies - 1)) \`action mirred egress mirror dev tx0\` and one \`action mirred egress redirect dev tx0\`)
puts each frame $copies times in a row on tx0: $(fmt_n "$offer_mirror") packets/s on one core with nobody
listening. The capture path is the same (every copy crosses the veth, is copied into the ring, decoded
and classified by the listener); the aggregation is easier than with distinct frames, as each frame's
row is found again at once.

$top_compare

Highest rate kept up with (no drop, nothing lost, busy ≤ 1 s after the sender): **sensor
$(best_txt "$best_sensor" "${best_sensor_pps:-0}")**, tcpdump $(best_txt "$best_tcpdump" "${best_tcpdump_pps:-0}"). tcpreplay's per-packet \`send()\`
into the veth peaked at $(fmt_n "$max_sent_pps") packets/s on this $(nproc)-core machine (the sender, the kernel's delivery
and the listener share the cores), so higher rates were asked for but not offered.

### 2. Bytes on the wire per packet

The sensor ships to a collector on its namespace's loopback (HTTPS, self-signed certificate).
Wire bytes = IP bytes of the sensor's TCP segments to the collector's port, counted by tcpdump on
that loopback (TLS, HTTP headers, heartbeats, TCP/IP headers; for the live rows also the batches
SIGTERM left in the spool, sent by a \`--read\` of an empty capture on the same spool) ÷ the
sensor's packets. The sensor's own "bytes sent" (libcurl's request size + upload size) is shown
too: it counts twice a body that libcurl sends in one buffer with the headers (small bodies), up
to ${overcount}× the TLS payload in this run. A live sensor closes a batch every --batch-seconds
**or every 1,048,576 frames**, whichever comes first, so above ~105 k packets/s the two settings
give the same batches. The \`--read\` rows ship a $slice_frames-frame slice of the capture at its own clock
(the simulated telescope's rate), where the settings decide the batch size: --batch-seconds how
often a batch is spooled (fsync; what a \`kill -9\` can lose), --ship-seconds how many seconds of
spooled batches are merged into one before it is sent (0: each by itself).

$ship_md

Every shipped packet arrived once: the collector holds $ship_db_packets packets, the sensors counted $ship_sum_packets.

### 3. Collector ingest from $nsensors sensors at once

$nsensors × \`teiten sensor --name bench-N --read telescope.pcap --batch-seconds 3600 --collector
https://127.0.0.1:$port\` (no prefixes: every packet is theirs; each reads as fast as it can)
and one \`teiten collector --fold-seconds 5\`, all in one namespace, sharing the $(nproc) cores.
Timed from the sensors' start until the collector, sent SIGTERM when the last sensor left
(its spool empty, every batch acknowledged), had folded everything and exited; $exact.

$collect_md

In \`--read\` mode the sensors run as fast as they can and share the cores with the collector:
the end-to-end rate is a lower bound of the collector's capacity whenever the sensors' CPU
time exceeds the collector's.

### Targets

$targets_md
<!-- bench/live.sh: end -->
EOF
)
bench_write_section "$doc" live.sh "$section"
say "wrote the Live sensors section of $doc"
