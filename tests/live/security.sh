#!/usr/bin/env bash
# The collector refuses what it must, logs it, stores nothing for it, and
# keeps serving honest sensors: wrong key, unknown and revoked sensors,
# tampered batch, replayed batch (acknowledged as a duplicate, not stored
# again), oversized body, garbage with a valid MAC, wrong endpoint/method,
# a slow client holding connections open.
set -euo pipefail
teiten=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() { kill -9 ${collector_pid:-} ${slow_pid:-} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
source "$here/lib.sh"

"$teiten" simulate --out "$tmp/sim" --days 1 --rate 20000 --seed 31 >/dev/null
cp "$tmp/sim/sensors.conf" "$tmp/coll.conf"
make_keys "$tmp/coll.conf" jp-tokyo jp-osaka us-east
printf '\n[sensor us-east]\nrevoked = yes\n' >> "$tmp/coll.conf"
make_pki 127.0.0.1
port=$(free_port)
url=https://127.0.0.1:$port

# Batches to play with: a sensor spools them while no collector listens.
touch "$tmp/spooler.log"
"$teiten" sensor --config "$tmp/sim/sensors.conf" --name jp-tokyo --read "$tmp/sim/jp-tokyo.pcap" \
  --collector "$url" --ca "$tmp/cert.pem" --key "$(key_of jp-tokyo)" --spool "$tmp/spool" --batch-seconds 3600 \
  >"$tmp/spooler.log" 2>&1 &
spooler=$!
for _ in $(seq 1 100); do grep -q "read to the end" "$tmp/spooler.log" && break; sleep 0.05; done
kill -TERM "$spooler"; wait "$spooler" || true
batches=("$tmp"/spool/*.batch)
[[ ${#batches[@]} -ge 20 ]] || { echo "expected spooled batches"; exit 1; }

db=$tmp/c.db
start_collector "$db" "$port"

# post ENDPOINT SENSOR KEYHEX FILE [extra curl args] → prints the HTTP status
post() {
  local mac
  mac=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$3" "$4" | awk '{print $NF}')
  curl -s -o "$tmp/answer" -w '%{http_code}' --cacert "$tmp/cert.pem" -H "X-Teiten-Sensor: $2" \
    -H "X-Teiten-MAC: $mac" -H 'Content-Type: application/octet-stream' --data-binary "@$4" "${@:5}" "$url$1"
}
stored() { sqlite3 "file:$db?mode=ro" "SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM segments)"; }
expect() { # NAME WANT GOT
  if [[ $2 != "$3" ]]; then echo "FAIL $1: HTTP $3, expected $2 ($(cat "$tmp/answer" 2>/dev/null))"; exit 1; fi
  echo "ok   $1: HTTP $3"
}
k_tokyo=$(key_of jp-tokyo)
k_osaka=$(key_of jp-osaka)

expect "wrong key" 401 "$(post /v1/batch jp-tokyo "$k_osaka" "${batches[0]}")"
expect "unknown sensor" 401 "$(post /v1/batch nobody "$k_tokyo" "${batches[0]}")"
expect "revoked sensor" 403 "$(post /v1/batch us-east "$(key_of us-east)" "${batches[0]}")"
expect "batch of another sensor" 400 "$(post /v1/batch jp-osaka "$k_osaka" "${batches[0]}")"
cp "${batches[0]}" "$tmp/tampered"
printf '\x55' | dd of="$tmp/tampered" bs=1 seek=40 conv=notrunc 2>/dev/null
mac_ok=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$k_tokyo" "${batches[0]}" | awk '{print $NF}')
code=$(curl -s -o "$tmp/answer" -w '%{http_code}' --cacert "$tmp/cert.pem" -H "X-Teiten-Sensor: jp-tokyo" \
  -H "X-Teiten-MAC: $mac_ok" --data-binary "@$tmp/tampered" "$url/v1/batch")
expect "tampered batch (MAC of the original)" 401 "$code"
head -c 5000 /dev/urandom > "$tmp/garbage"
expect "garbage with a valid MAC" 400 "$(post /v1/batch jp-tokyo "$k_tokyo" "$tmp/garbage")"
head -c $((65 << 20)) /dev/zero > "$tmp/huge"
expect "oversized body" 413 "$(post /v1/batch jp-tokyo "$k_tokyo" "$tmp/huge")"
rm -f "$tmp/huge"
expect "wrong endpoint" 404 "$(post /v1/other jp-tokyo "$k_tokyo" "${batches[0]}")"
code=$(curl -s -o "$tmp/answer" -w '%{http_code}' --cacert "$tmp/cert.pem" "$url/v1/batch")
expect "GET" 405 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/batch" || true)
[[ $code != 200 ]] || { echo "FAIL plain HTTP was answered"; exit 1; }
echo "ok   plain HTTP is not served (curl: $code)"
[[ $(stored) -eq 0 ]] || { echo "FAIL something was stored for refused requests"; exit 1; }
echo "ok   nothing stored for refused requests"

# Replay: the first post is accepted, the second acknowledged as a duplicate.
expect "batch" 200 "$(post /v1/batch jp-tokyo "$k_tokyo" "${batches[0]}")"
grep -q "^accepted" "$tmp/answer"
expect "replayed batch" 200 "$(post /v1/batch jp-tokyo "$k_tokyo" "${batches[0]}")"
grep -q "^duplicate" "$tmp/answer" || { echo "FAIL replay not recognised"; exit 1; }
kill -USR1 "$collector_pid"; sleep 1.5
[[ $(sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM inbox") -eq 0 ]]
packets_once=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
expect "replay after folding" 200 "$(post /v1/batch jp-tokyo "$k_tokyo" "${batches[0]}")"
grep -q "^duplicate" "$tmp/answer"
kill -USR1 "$collector_pid"; sleep 1.5
packets_again=$("$teiten" stats --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[[ $packets_once -eq $packets_again && $packets_once -gt 0 ]] || { echo "FAIL replay counted twice"; exit 1; }
echo "ok   replayed batch stored once ($packets_once packets)"
# Heartbeat replay
printf 'sensor jp-tokyo\nepoch 00000000000000aa\ntime %s\ncounter 1\ninterval 10\n' "$(date +%s)" > "$tmp/hb"
expect "heartbeat" 200 "$(post /v1/heartbeat jp-tokyo "$k_tokyo" "$tmp/hb")"
expect "replayed heartbeat" 409 "$(post /v1/heartbeat jp-tokyo "$k_tokyo" "$tmp/hb")"

# A slow client holds connections open byte by byte; honest requests still pass.
python3 - "$port" >"$tmp/slow.log" 2>&1 <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
conns = []
for _ in range(8):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    s.send(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
    conns.append(s)
for _ in range(40):
    for s in conns:
        try: s.send(b"x")
        except OSError: pass
    time.sleep(0.5)
PY
slow_pid=$!
sleep 1
for b in "${batches[@]:1:10}"; do
  expect "batch while a slow client waits" 200 "$(post /v1/batch jp-tokyo "$k_tokyo" "$b" --max-time 10)"
done
kill $slow_pid 2>/dev/null || true
for what in "bad MAC" "unknown sensor" "revoked" "malformed\|not a teiten batch\|bad magic\|batch header" "too large" "no such endpoint" "only POST" "stale or replayed heartbeat" "duplicate batch"; do
  grep -q "$what" "$tmp/collector.log" || { echo "FAIL no log line for: $what"; cat "$tmp/collector.log"; exit 1; }
done
echo "ok   every refusal logged"

# Revocation on SIGHUP: the same sensor is refused from then on.
printf '\n[sensor jp-tokyo]\nrevoked = yes\n' >> "$tmp/coll.conf"
kill -HUP "$collector_pid"
for _ in $(seq 1 50); do grep -q "credentials reloaded" "$tmp/collector.log" && break; sleep 0.1; done
expect "batch after revocation (SIGHUP)" 403 "$(post /v1/batch jp-tokyo "$k_tokyo" "${batches[12]}")"
