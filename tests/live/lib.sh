# Shared by the live tests: a collector with a self-signed certificate and
# per-sensor keys for a simulated telescope. Source it after setting $teiten
# and $tmp.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# make_pki ADDR: cert.pem/key.pem for the collector at ADDR (an IP).
make_pki() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -days 3650 -subj /CN=teiten-test -addext "subjectAltName=IP:$1" 2>/dev/null
}

# make_keys CONF SENSOR...: appends a fresh key per sensor to CONF, keeps them in $tmp/keys.
make_keys() {
  local conf=$1; shift
  for s in "$@"; do
    local k; k=$(openssl rand -hex 32)
    echo "$s $k" >> "$tmp/keys"
    printf '\n[sensor %s]\nkey = %s\n' "$s" "$k" >> "$conf"
  done
}
key_of() { awk -v s="$1" '$1 == s { print $2 }' "$tmp/keys"; }

# start_collector DB PORT [ADDR]: runs it in the background, sets $collector_pid.
start_collector() {
  "$teiten" collector --config "$tmp/coll.conf" --listen "${3:-127.0.0.1}:$2" --cert "$tmp/cert.pem" \
    --key "$tmp/key.pem" --db "$1" --fold-seconds 1 >>"$tmp/collector.log" 2>&1 &
  collector_pid=$!
  for _ in $(seq 1 100); do
    grep -q "collector listening" "$tmp/collector.log" 2>/dev/null && \
      [[ $(grep -c "collector listening" "$tmp/collector.log") -ge ${collector_starts:-1} ]] && break
    sleep 0.05
  done
  collector_starts=$(( ${collector_starts:-1} + 1 ))
}

# Rows of a JSON query as "key=value" lines, for exact comparison.
query_rows() {
  "$teiten" "$@" --format json | python3 -c '
import json, sys
for row in json.load(sys.stdin):
    print(" ".join(f"{k}={row[k]}" for k in ("proto", "port", "cc", "packets", "sources", "tool") if k in row))' | sort
}

skip() {
    echo "SKIP: $*"
    exit 77
}

# netns_require TOOL...: skips (exit 77) unless this is root, may create network
# namespaces (a container may lack CAP_SYS_ADMIN/CAP_NET_ADMIN) and has every TOOL.
netns_require() {
    [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, raw sockets)"
    ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
    if ip netns add "tt-probe-$$" 2>/dev/null; then ip netns del "tt-probe-$$"; else skip "cannot create network namespaces here"; fi
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
    done
}

# netns_stop_all: stops every process of ${pids[@]} (TERM, then KILL after 2 s),
# kills what is left inside ${created_ns[@]} and deletes those namespaces.
# Shared with bench/live.sh.
netns_stop_all() {
    local pid ns
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null
    done
    # Anything still inside our namespaces was started by this script.
    for ns in "${created_ns[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    done
    for ns in "${created_ns[@]}"; do ip netns del "$ns" 2>/dev/null; done
}

# ---- network-namespace tests (netns_*.sh): they set $tmp, pids=() and
# created_ns=() first, then: trap netns_cleanup EXIT; trap 'exit 130' INT TERM.
# netns_cleanup stops every process they started, deletes their namespaces and,
# on failure, prints the tail of every log in $tmp.
netns_cleanup() {
    local rc=$?
    set +e
    netns_stop_all
    if [[ $rc -ne 0 && $rc -ne 77 ]]; then
        echo "---- logs (failure, exit $rc) ----"
        for f in "$tmp"/*.log; do
            [[ -f $f ]] || continue
            echo "== $(basename "$f")"
            tail -n 30 "$f"
        done
    fi
    if [[ -n ${TEITEN_LIVE_KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for $what"
        sleep 0.2
    done
}


# netns_add NAME: a namespace with its loopback up, deleted by netns_cleanup.
netns_add() {
    ip netns add "$1"
    created_ns+=("$1")
    ip -n "$1" link set lo up
}

# netns_telescope: $ns_inet (the "internet"), $ns_coll (the collector at
# $collector_ip on its loopback) and per sensor I of ${sensors[@]} a namespace
# $prefix-sN (N = I + 1) with
#   mgmt: a veth to dev mN in $ns_coll, 10.250.N.2/30, routed to the collector;
#   dark: a veth from dev dN in $ns_inet, no address, MTU 9000 (the simulated
#         captures hold a few frames bigger than 1500 bytes). The dark end is up
#         but has no carrier until dN is raised: start the captures first and
#         they see every frame the link ever carries, its neighbour discovery
#         included.
netns_telescope() {
    netns_add "$ns_inet"
    netns_add "$ns_coll"
    ip -n "$ns_coll" addr add "$collector_ip/32" dev lo
    local i n ns
    for i in "${!sensors[@]}"; do
        n=$((i + 1))
        ns=$prefix-s$n
        netns_add "$ns"
        ip link add mgmt netns "$ns" type veth peer name "m$n" netns "$ns_coll"
        ip -n "$ns" addr add "10.250.$n.2/30" dev mgmt
        ip -n "$ns_coll" addr add "10.250.$n.1/30" dev "m$n"
        ip -n "$ns" link set mgmt up
        ip -n "$ns_coll" link set "m$n" up
        ip -n "$ns" route add "$collector_ip/32" via "10.250.$n.1"
        ip link add dark netns "$ns" address "02:74:74:00:0$n:02" mtu 9000 type veth \
            peer name "d$n" netns "$ns_inet" address "02:74:74:00:0$n:01" mtu 9000
        ip -n "$ns" link set dark up
    done
}

# netns_start_collector CONF: the collector in $ns_coll on $collector_ip:$port
# (store $tmp/c.db), once it listens; sets $collector_pid.
netns_start_collector() {
    ip netns exec "$ns_coll" "$teiten" collector --config "$1" --listen "$collector_ip:$port" \
        --cert "$tmp/cert.pem" --key "$tmp/key.pem" --db "$tmp/c.db" --fold-seconds 1 >"$tmp/collector.log" 2>&1 &
    collector_pid=$!
    pids+=("$collector_pid")
    netns_listening() { ip netns exec "$ns_coll" ss -Hltn "sport = :$port" | grep -q .; }
    wait_for 20 "the collector to listen" netns_listening
}

# The scripts define start_sensor INDEX LOG (teiten sensor on the dark interface
# of sensor INDEX, its pid in sensor_pid[NAME] and pids).
declare -A sensor_pid tcpdump_pid

# netns_start_captures: per sensor, tcpdump (the reference, $tmp/ref_NAME.pcap)
# and the sensor on the dark interface, once tcpdump listens.
netns_start_captures() {
    local i name
    for i in "${!sensors[@]}"; do
        name=${sensors[$i]}
        # -Z root: keep writing to our directory; -B: a big buffer, so the reference drops nothing.
        ip netns exec "$prefix-s$((i + 1))" tcpdump -i dark -n --immediate-mode -B 65536 -Z root \
            -w "$tmp/ref_$name.pcap" >"$tmp/tcpdump-$name.log" 2>&1 &
        tcpdump_pid[$name]=$!
        pids+=("$!")
        start_sensor "$i" "$tmp/sensor-$name.log"
    done
    for name in "${sensors[@]}"; do
        wait_for 20 "tcpdump on $name" grep -q "listening on" "$tmp/tcpdump-$name.log"
    done
}

# stop_sensors NAME...: SIGTERM; each closes its last batch and must exit 0.
stop_sensors() {
    local name rc
    for name in "$@"; do kill -TERM "${sensor_pid[$name]}"; done
    for name in "$@"; do
        rc=0
        wait "${sensor_pid[$name]}" || rc=$?
        [[ $rc -eq 0 ]] || fail "sensor $name exited with $rc"
    done
}

# netns_stop: SIGTERM to every sensor, whose summary must count the frames
# tcpdump recorded (recorded[NAME]); a batch the stop left in a spool is
# delivered by a sensor started again on it (its dark link has no carrier now:
# it captures nothing); then SIGTERM to the collector, which folds what is
# pending and must exit 0. Sets resumed (the sensors restarted).
netns_stop() {
    stop_sensors "${sensors[@]}"
    local i name frames f rc
    for name in "${sensors[@]}"; do
        frames=$(sed -n "s/^teiten: sensor $name: \([0-9]*\) frames, .*/\1/p" "$tmp/sensor-$name.log")
        [[ $frames == "${recorded[$name]}" ]] ||
            fail "sensor $name counted ${frames:-?} frames at its stop, tcpdump recorded ${recorded[$name]}"
    done
    declare -gA left
    resumed=()
    for i in "${!sensors[@]}"; do
        name=${sensors[$i]}
        left[$name]=$(cd "$tmp/spool-$name" && ls -- *.batch 2>/dev/null || true)
        [[ -n ${left[$name]} ]] || continue
        start_sensor "$i" "$tmp/sensor-$name-resumed.log"
        resumed+=("$name")
    done
    netns_delivered() {
        local name f
        for name in "${resumed[@]}"; do
            for f in ${left[$name]}; do [[ ! -e $tmp/spool-$name/$f ]] || return 1; done
        done
    }
    if ((${#resumed[@]} > 0)); then
        wait_for 30 "restarted sensors to deliver the batches their stop left" netns_delivered
        stop_sensors "${resumed[@]}"
    fi
    kill -TERM "$collector_pid"
    rc=0
    wait "$collector_pid" || rc=$?
    [[ $rc -eq 0 ]] || fail "collector exited with $rc"
}
