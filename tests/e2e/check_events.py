#!/usr/bin/env python3
"""Checks `teiten events --format json` against a simulation's truth.json.

usage: check_events.py TRUTH_JSON EVENTS_JSON [--detail TRUTH_DETAIL_TSV] [--allowance N] [--verbose]

Required (see docs/events.md, "Tests"):
  * a burst on 53413/udp starting and ending within one day of the truth's
    burst, with CN as its top country;
  * a rise on 9600/tcp starting within three days of the truth's ramp;
  * a single_source event on 5555/tcp whose top source is the truth's address
    and whose history names 102/tcp and 502/tcp;
  * at most ALLOWANCE (default 0) events that no scripted event explains. An
    event is explained by a scripted event on the same port, or on the
    scripted event's main country, whose days it overlaps (one day of slack;
    a rank jump's days are the whole period).
  * With --detail (the simulator's per-source truth), an event no scripted
    event explains is allowed when the truth shows it is a background heavy
    hitter's: the three sources whose packets grew most from the trailing
    window before it (28 days, or the event's length if longer; scaled to the
    event's days) carry at least half of the growth, and its top source and
    that source's packets are the truth's. The
    simulator's background sources have heavy-tailed (Pareto) rates and
    arrive and retire at random, so such events are real; the quiet rest of
    the background (the population) must give none.
Exit status 0 when all hold, 1 otherwise (with the reasons on stdout).
"""
import datetime
import json
import sys


def day(text):
    return datetime.date.fromisoformat(text)


def subject(e):
    return e["cc"] if e["subject"] == "country" else "%s/%s" % (e["port"], e["proto"])


def overlaps(a_start, a_end, b_start, b_end, slack=0):
    return a_start <= b_end + datetime.timedelta(days=slack) and a_end >= b_start - datetime.timedelta(days=slack)


def explained(e, scripted):
    start, end = day(e["start"]), day(e["end"])  # a rank jump's days are the period's
    for t in scripted:
        if not overlaps(start, end, day(t["start"]), day(t["end"]), slack=1):
            continue
        if e["subject"] == "port" and e["port"] == t["port"] and e["proto"] == t["proto"]:
            return True
        if e["subject"] == "country" and e["cc"] == t.get("cc"):
            return True
    return False


def read_detail(path, events):
    """Truth rows of the events' subjects: {(dimension, value): [(day, src, packets)]}."""
    wanted = set()
    for e in events:
        wanted.add(("country", e["cc"]) if e["subject"] == "country" else ("port", "%s/%s" % (e["port"], e["proto"])))
    protos = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp6"}
    rows = {w: [] for w in wanted}
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            v = line.rstrip("\n").split("\t")
            d = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(v[col["hour"]]) // 24)
            port = ("port", "%s/%s" % (v[col["port"]], protos.get(v[col["proto"]], v[col["proto"]])))
            country = ("country", v[col["cc"]])
            for key in (port, country):
                if key in rows:
                    rows[key].append((d, v[col["src"]], int(v[col["packets"]])))
    return rows


def heavy_hitter(e, rows, window=28):
    """True when the truth shows e is carried by at most three growing sources (see the docstring)."""
    key = ("country", e["cc"]) if e["subject"] == "country" else ("port", "%s/%s" % (e["port"], e["proto"]))
    start, end = day(e["start"]), day(e["end"])
    days = (end - start).days + 1
    before_start = start - datetime.timedelta(days=max(days, window))
    scale = days / (start - before_start).days
    during, before = {}, {}
    for d, src, packets in rows.get(key, []):
        if start <= d <= end:
            during[src] = during.get(src, 0) + packets
        elif before_start <= d < start:
            before[src] = before.get(src, 0) + packets
    growth = sum(during.values()) - scale * sum(before.values())
    if growth <= 0 or not during:
        return False, "no growth in the truth"
    top3 = sorted((p - scale * before.get(src, 0) for src, p in during.items()), reverse=True)[:3]
    top_src, top_packets = max(during.items(), key=lambda kv: (kv[1], kv[0]))
    reported = e["top_sources"][0] if e["top_sources"] else {}
    if reported.get("ip") != top_src or reported.get("packets") != top_packets:
        return False, "top source %s/%d, truth %s/%d" % (reported.get("ip"), reported.get("packets", 0), top_src,
                                                         top_packets)
    share = sum(top3) / growth
    return share >= 0.5, "top three sources carry %.0f %% of the growth" % (100 * share)


def main(argv):
    allowance = 0
    detail = None
    verbose = "--verbose" in argv
    args = [a for a in argv[1:] if a != "--verbose"]
    for option in ("--allowance", "--detail"):
        if option in args:
            i = args.index(option)
            if option == "--allowance":
                allowance = int(args[i + 1])
            else:
                detail = args[i + 1]
            del args[i:i + 2]
    truth = json.load(open(args[0]))
    events = json.load(open(args[1]))
    scripted = truth["events"]
    by_kind = {t["kind"]: t for t in scripted}
    failures = []
    if verbose:
        for e in events:
            print("%-9s %-10s %s..%s packets %-7d ratio %8.1f top %s single %s %s" % (
                e["kind"], subject(e), e["start"], e["end"], e["packets"], e["ratio"],
                e["top_countries"][0]["cc"] if e["top_countries"] else "-", e["single_source"],
                e["history_summary"] or ""))

    burst = by_kind["burst"]
    hits = [e for e in events if e["kind"] == "burst" and e["subject"] == "port" and e["port"] == burst["port"]
            and e["proto"] == burst["proto"]]
    ok = [e for e in hits if abs((day(e["start"]) - day(burst["start"])).days) <= 1
          and abs((day(e["end"]) - day(burst["end"])).days) <= 1
          and e["top_countries"] and e["top_countries"][0]["cc"] == "CN"]
    if not ok:
        failures.append("no burst on %s/%s %s..%s with top country CN (found: %s)" % (
            burst["port"], burst["proto"], burst["start"], burst["end"],
            [(e["start"], e["end"], e["top_countries"][:1]) for e in hits]))

    ramp = by_kind["ramp"]
    hits = [e for e in events if e["kind"] == "rise" and e["subject"] == "port" and e["port"] == ramp["port"]
            and e["proto"] == ramp["proto"]]
    if not [e for e in hits if abs((day(e["start"]) - day(ramp["start"])).days) <= 3]:
        failures.append("no rise on %s/%s starting near %s (found: %s)" % (
            ramp["port"], ramp["proto"], ramp["start"], [e["start"] for e in hits]))

    single = by_kind["single_source"]
    hits = [e for e in events if e["subject"] == "port" and e["port"] == single["port"]
            and e["proto"] == single["proto"] and e["single_source"]]
    good = [e for e in hits if e["top_sources"] and e["top_sources"][0]["ip"] == single["ip"]
            and overlaps(day(e["start"]), day(e["end"]), day(single["start"]), day(single["end"]))]
    if not good:
        failures.append("no single-source event on %s/%s from %s (found: %s)" % (
            single["port"], single["proto"], single["ip"], [(e["start"], e["top_sources"][:1]) for e in hits]))
    for e in good:
        history = [h["port"] for h in e["history"]]
        for port in ("102/tcp", "502/tcp"):
            if port not in history or port not in (e["history_summary"] or ""):
                failures.append("the history of %s lacks %s: %s" % (single["ip"], port, e["history_summary"]))

    extra = [e for e in events if not explained(e, scripted)]
    rows = read_detail(detail, extra) if detail and extra else {}
    unexplained = []
    for e in extra:
        line = "%s %s %s..%s packets %d ratio %.1f top source %s" % (
            e["kind"], subject(e), e["start"], e["end"], e["packets"], e["ratio"],
            e["top_sources"][0] if e["top_sources"] else "-")
        if detail:
            heavy, why = heavy_hitter(e, rows)
            if heavy:
                print("background heavy hitter: %s (%s)" % (line, why))
                continue
            line += " (%s)" % why
        print("unexplained:", line)
        unexplained.append(e)
    extra = unexplained
    if len(extra) > allowance:
        failures.append("%d events no scripted event explains (allowance %d)" % (len(extra), allowance))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("events: ok (%d events, %d unexplained)" % (len(events), len(extra)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
