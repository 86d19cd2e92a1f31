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

# ---- network-namespace tests (netns_*.sh): they set $tmp, pids=() and
# created_ns=() first, then: trap netns_cleanup EXIT; trap 'exit 130' INT TERM.
# netns_cleanup stops every process they started, deletes their namespaces and,
# on failure, prints the tail of every log in $tmp.
netns_cleanup() {
    local rc=$?
    set +e
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

