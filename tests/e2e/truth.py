"""Independent re-computation of teiten's query answers from the simulator's
ground truth (truth.json + truth-detail.tsv). Shared by the end-to-end tests."""
import datetime
import ipaddress
import json
import os
import subprocess
import sys
import zoneinfo
from collections import defaultdict

PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6"}
failures = []


def check(cond, message):
    if not cond:
        failures.append(message)
        print("FAIL:", message, file=sys.stderr)


def finish(name):
    print(f"{name}: {len(failures)} failed")
    if failures:
        print(f"0 passed, {len(failures)} failed")
        sys.exit(1)
    print("1 passed, 0 failed")


class Truth:
    def __init__(self, directory):
        with open(os.path.join(directory, "truth.json")) as f:
            self.meta = json.load(f)
        self.rows = []
        with open(os.path.join(directory, "truth-detail.tsv")) as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                r = dict(zip(header, line.rstrip("\n").split("\t")))
                for k in ("hour", "proto", "port", "icmp_type", "packets", "bytes", "first", "last", "asn"):
                    r[k] = int(r[k])
                self.rows.append(r)
        self.region = {s["name"]: s["region"] for s in self.meta["sensors"]}

    def select(self, hour_from, hour_to, sensors=None, port=None, cc=None):
        for r in self.rows:
            if not (hour_from <= r["hour"] < hour_to):
                continue
            if sensors is not None and r["sensor"] not in sensors:
                continue
            if port is not None and (r["proto"], r["port"]) != port:
                continue
            if cc is not None and r["cc"] != cc:
                continue
            yield r

    def ranking(self, hour_from, hour_to, kind, sensors=None):
        packets = defaultdict(int)
        sources = defaultdict(set)
        total = 0
        for r in self.select(hour_from, hour_to, sensors):
            total += r["packets"]
            if kind == "ports":
                if r["port"] < 0:
                    continue  # non-first fragments: no port, not ranked
                key = (r["proto"], r["port"])
            elif kind == "asns":
                key = r["asn"]
            else:
                key = r["cc"]
            packets[key] += r["packets"]
            sources[key].add(r["src"])
        order = sorted(packets, key=lambda k: (-packets[k], k))
        return order, packets, sources, total


def run(teiten, *args):
    out = subprocess.run([teiten, *args], check=True, capture_output=True, text=True)
    return out.stdout


def run_json(teiten, *args):
    return json.loads(run(teiten, *args, "--format", "json"))


def day_hours(day, tz="UTC"):
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    return int(start.timestamp()) // 3600, int(end.timestamp()) // 3600


def addr_key(text):
    a = ipaddress.ip_address(text)
    if a.version == 4:
        return b"\0" * 10 + b"\xff\xff" + a.packed
    return a.packed
