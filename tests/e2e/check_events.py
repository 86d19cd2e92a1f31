#!/usr/bin/env python3
"""Checks `teiten events --format json` against a simulation's truth.json.

usage: check_events.py TRUTH_JSON EVENTS_JSON [--allowance N] [--verbose]

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


def main(argv):
    allowance = 0
    verbose = "--verbose" in argv
    args = [a for a in argv[1:] if a != "--verbose"]
    if "--allowance" in args:
        i = args.index("--allowance")
        allowance = int(args[i + 1])
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
    for e in extra:
        print("unexplained: %s %s %s..%s packets %d ratio %.1f top source %s" % (
            e["kind"], subject(e), e["start"], e["end"], e["packets"], e["ratio"],
            e["top_sources"][0] if e["top_sources"] else "-"))
    if len(extra) > allowance:
        failures.append("%d events no scripted event explains (allowance %d)" % (len(extra), allowance))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("events: ok (%d events, %d unexplained)" % (len(events), len(extra)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
