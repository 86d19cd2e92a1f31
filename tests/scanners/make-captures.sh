#!/usr/bin/env bash
# Makes the real-scanner captures in tests/scanners/data/ that
# tests/unit/test_fingerprint.c checks the fingerprint rules against.
#
# Two network namespaces joined by a veth pair: the scanner namespace holds
# 198.18.0.1, the target namespace 198.18.0.2 and 198.18.0.4-7 (RFC 2544
# benchmark range) with TCP listeners on ports 80 and 443, so the captures hold
# SYN-ACKs (open) and RST-ACKs (closed) as well. Each scanner (ZMap, Masscan,
# Nmap) scans 198.18.0.4/30 only, at a low rate, while tcpdump on the target
# end records every TCP packet to or from the scanner address. Nothing can
# leave the namespaces: the scanner namespace has no route but its /24.
#
# Usage (as root): tests/scanners/make-captures.sh [OUTDIR]
# Needs ip (iproute2), tcpdump, zmap, masscan, nmap and python3 (listeners,
# wake-up datagrams); on Debian 12:
#   apt-get install -y zmap masscan nmap tcpdump iproute2 python3
# The packet counts the unit test asserts depend on the scan parameters
# below: change both together.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/data}

missing=()
for tool in ip tcpdump zmap masscan nmap python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
    echo "make-captures: missing: ${missing[*]}" >&2
    echo "  apt-get install -y zmap masscan nmap tcpdump iproute2 python3" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "make-captures: must run as root (network namespaces, raw sockets)" >&2
    exit 2
fi

# Names carry our PID so parallel runs (and other tests' tt- namespaces) never collide.
ns_scan=tt-fp-scan-$$
ns_target=tt-fp-target-$$
if_scan=tt-fp$$s
if_target=tt-fp$$t
mac_scan=02:00:5e:00:00:01
mac_target=02:00:5e:00:00:02
scanner_ip=198.18.0.1
target_net=198.18.0.4/30
ports=22,23,80,443,8080

work=$(mktemp -d)
listener_pid=
tcpdump_pid=

cleanup() {
    [[ -n $tcpdump_pid ]] && kill "$tcpdump_pid" 2>/dev/null || true
    [[ -n $listener_pid ]] && kill "$listener_pid" 2>/dev/null || true
    ip netns del "$ns_scan" 2>/dev/null || true
    ip netns del "$ns_target" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

in_scan() { ip netns exec "$ns_scan" "$@"; }
in_target() { ip netns exec "$ns_target" "$@"; }

ip netns add "$ns_scan"
ip netns add "$ns_target"
ip link add "$if_scan" netns "$ns_scan" type veth peer name "$if_target" netns "$ns_target"
in_scan ip link set "$if_scan" address "$mac_scan"
in_target ip link set "$if_target" address "$mac_target"
# No IPv6 on the pair: no neighbour discovery or router solicitations.
in_scan sysctl -qw "net.ipv6.conf.$if_scan.disable_ipv6=1"
in_target sysctl -qw "net.ipv6.conf.$if_target.disable_ipv6=1"
in_scan ip addr add "$scanner_ip/24" dev "$if_scan"
in_target ip addr add 198.18.0.2/24 dev "$if_target"
for host in 4 5 6 7; do
    in_target ip addr add "198.18.0.$host/32" dev "$if_target"
done
in_scan ip link set lo up
in_target ip link set lo up
in_scan ip link set "$if_scan" up
in_target ip link set "$if_target" up
# Static neighbours: no ARP exchange, identical captures run after run.
in_scan ip neigh replace 198.18.0.2 lladdr "$mac_target" dev "$if_scan" nud permanent
in_target ip neigh replace "$scanner_ip" lladdr "$mac_scan" dev "$if_target" nud permanent
for host in 4 5 6 7; do
    in_scan ip neigh replace "198.18.0.$host" lladdr "$mac_target" dev "$if_scan" nud permanent
done

# Open ports 80 and 443 on every target address (the kernel answers the SYNs;
# nothing is ever accepted). Background jobs call `ip netns exec` directly (it
# execs the command), so $! is the process itself and can be signalled.
ip netns exec "$ns_target" python3 -c '
import socket, time
socks = []
for port in (80, 443):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    socks.append(s)
time.sleep(600)
' &
listener_pid=$!
sleep 1

# capture NAME COMMAND...: records the scanner's TCP conversation while COMMAND runs.
capture() {
    local name=$1
    shift
    local pcap=$work/$name.pcap
    # -Z root: keep writing to our temporary directory after tcpdump drops privileges.
    ip netns exec "$ns_target" tcpdump -i "$if_target" -s 128 -U -Z root -w "$pcap" \
        "tcp and host $scanner_ip" 2>"$work/$name.tcpdump.log" &
    tcpdump_pid=$!
    sleep 2
    (cd "$work" && "$@") >"$work/$name.log" 2>&1 || {
        echo "make-captures: $name failed:" >&2
        cat "$work/$name.log" >&2
        exit 1
    }
    sleep 2
    kill -INT "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    tcpdump_pid=
    mkdir -p "$out"
    cp "$pcap" "$out/$name.pcap"
    echo "$name: $(tcpdump -nr "$out/$name.pcap" 2>/dev/null | wc -l) packets -> $out/$name.pcap"
}

# ZMap scans one port per run; -P 2 sends two probes to each address.
: >"$work/empty-blocklist"
zmap_scan() {
    local port
    for port in 23 80; do
        in_scan timeout 120 zmap -q -i "$if_scan" -G "$mac_target" -S "$scanner_ip" \
            -b "$work/empty-blocklist" -p "$port" -P 2 -r 100 -c 1 \
            -o /dev/null "$target_net" || return 1
    done
}
capture zmap zmap_scan

# Masscan's receive thread blocks in libpcap until a frame arrives, so on a
# silent link it never notices the end of --wait (it counts "waiting -N-secs"
# forever): once the probes are out, send a UDP datagram to the scanner
# address (outside the capture filter) every second to wake it.
masscan_scan() {
    ip netns exec "$ns_scan" masscan -p "$ports" --interface "$if_scan" \
        --router-mac "$mac_target" --source-ip "$scanner_ip" --rate 100 --wait 1 \
        "$target_net" </dev/null &
    local pid=$! seconds=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((seconds >= 3)); then
            in_target python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"wake", (sys.argv[1], 9))' \
                "$scanner_ip" || true
        fi
        if ((seconds >= 60)); then
            echo "masscan did not exit within 60 s" >&2
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" || true
            return 1
        fi
        sleep 1
        seconds=$((seconds + 1))
    done
    wait "$pid"
}
capture masscan masscan_scan

capture nmap in_scan timeout 120 nmap -sS -Pn -n --disable-arp-ping --max-retries 0 \
    -p "$ports" "$target_net"

{
    echo "Captures made by tests/scanners/make-captures.sh on $(date -u +%Y-%m-%d)"
    echo "(Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), kernel $(uname -r)):"
    echo "  zmap.pcap:    $(zmap --version 2>&1 | head -n 1), ports 23 and 80, -P 2, 198.18.0.4/30"
    echo "  masscan.pcap: $(masscan --version 2>&1 | grep -m 1 -i version | sed 's/ *(.*//'), ports $ports, 198.18.0.4/30"
    echo "  nmap.pcap:    $(nmap --version 2>&1 | head -n 1 | sed 's/ *(.*//') -sS -Pn -n --max-retries 0, ports $ports, 198.18.0.4/30"
    echo "  captured by:  $(tcpdump --version 2>&1 | head -n 1), $(tcpdump --version 2>&1 | sed -n 2p | sed 's/ *(.*//')"
    echo "Scanner 198.18.0.1; targets listen on 80 and 443. Filter: tcp and host 198.18.0.1 (both directions)."
} >"$out/README"
cat "$out/README"
