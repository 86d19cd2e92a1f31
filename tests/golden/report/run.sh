#!/usr/bin/env bash
# Golden test of `teiten report`. Simulates a small telescope over two
# quarters and a bit (200 days from 2015-07-01, so 2015Q4 has a previous
# quarter; the simulator's scripted events fall in Q4), ingests it, then
#   * compares the JSON reports (the report's data: rankings with previous
#     ranks, daily series, events, references) byte for byte with expected/;
#   * checks the HTML and Markdown reports structurally: sections, table rows,
#     one SVG per figure, figure files, valid UTF-8, well-formed SVG, no
#     "(null)", no unfilled {placeholder}, nothing loaded from the network;
#   * checks usage errors and that the same command gives the same bytes.
#
#   run.sh [TEITEN]            compare (ctest runs `bash run.sh TEITEN`)
#   run.sh [TEITEN] --update   rewrite expected/ from what TEITEN prints now;
#                              review `git diff tests/golden/report` first.
#
# Inputs are the simulator (deterministic for a seed) and the small location
# database committed for the main golden test (../data/geo.loc), so nothing
# depends on the machine's libloc database. The expected files change when
# the simulator, the rankings or the event detector change: regenerate with
# --update and review the differences line by line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
update=0
teiten=
for arg in "$@"; do
    case $arg in
    --update) update=1 ;;
    *) teiten=$arg ;;
    esac
done
teiten=${teiten:-$here/../../../build/teiten}
teiten=$(cd "$(dirname "$teiten")" && pwd)/$(basename "$teiten")
[[ -x $teiten ]] || { echo "run.sh: no teiten binary at $teiten" >&2; exit 1; }
unset TEITEN_DB
export TZ=UTC LC_ALL=C

geo=$(cd "$here/../data" && pwd)/geo.loc
expected=$here/expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/actual" "$tmp/md"

"$teiten" simulate --out "$tmp/sim" --days 200 --rate 2000 --seed 5 --start 2015-07-01 --geo "$geo" >/dev/null
db=$tmp/t.db
"$teiten" ingest --quiet --db "$db" --geo "$geo" --config "$tmp/sim/sensors.conf" "$tmp"/sim/*.pcap* ||
    { echo "run.sh: ingesting the simulated captures failed" >&2; exit 1; }
printf '[geo]\ndatabase = %s\n' "$geo" >"$tmp/report.conf"

report() {
    "$teiten" report --db "$db" --config "$tmp/report.conf" "$@"
}

# ---- JSON: the report's data, pinned. Only the two quarter reports carry
# events, so a change of the event detector touches two files.
names=()
golden() {
    local name=$1
    shift
    names+=("$name")
    report "$@" --format json -o "$tmp/actual/$name.json"
}
golden q4-ja --quarter 2015Q4 --lang ja
golden q4-en --quarter 2015Q4 --lang en
golden q4-region-jp --quarter 2015Q4 --region JP --lang en --events 0
golden nov-tokyo --from 2015-11-01 --to 2015-11-30 --tz Asia/Tokyo --lang en --limit 5 --events 0
golden q3-no-previous --quarter 2015Q3 --lang ja --events 0
golden q2-2016-empty --quarter 2016Q2 --lang en

if [[ $update -eq 1 ]]; then
    rm -rf "$expected"
    mkdir -p "$expected"
    for name in "${names[@]}"; do cp "$tmp/actual/$name.json" "$expected/$name.json"; done
    echo "run.sh: wrote ${#names[@]} files to $expected; review git diff before committing" >&2
fi
failed=0
for name in "${names[@]}"; do
    if ! diff -u "$expected/$name.json" "$tmp/actual/$name.json" >"$tmp/diff" 2>&1; then
        echo "FAIL report $name: output differs from expected/$name.json" >&2
        head -40 "$tmp/diff" >&2
        failed=1
    fi
done

# ---- the same command twice gives the same bytes (no clock, no addresses)
report --quarter 2015Q4 --lang ja --format json -o "$tmp/again.json"
cmp -s "$tmp/actual/q4-ja.json" "$tmp/again.json" || { echo "FAIL report: two runs differ" >&2; failed=1; }

# ---- HTML and Markdown, checked against the JSON of the same report
for lang in ja en; do
    report --quarter 2015Q4 --lang "$lang" -o "$tmp/q4-$lang.html"
    report --quarter 2015Q4 --lang "$lang" --format md -o "$tmp/md/q4-$lang.md"
    report --quarter 2015Q4 --lang "$lang" --format html >"$tmp/q4-$lang-stdout.html"
    cmp -s "$tmp/q4-$lang.html" "$tmp/q4-$lang-stdout.html" ||
        { echo "FAIL report: -o and standard output differ ($lang)" >&2; failed=1; }
done
report --quarter 2015Q4 --region JP --lang ja -o "$tmp/q4-jp.html"
python3 - "$tmp" <<'PYTHON' || failed=1
import html.parser
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

tmp = sys.argv[1]
problems = []
VOID = {"meta", "br", "link", "img", "input", "hr", "wbr", "area", "base", "col", "source"}
SVG_NS = "{http://www.w3.org/2000/svg}"


def text_checks(name, raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"{name}: not UTF-8 ({e})")
        return ""
    for bad in ("(null)", "\x01", "\x02", "\ufffd"):
        if bad in text:
            problems.append(f"{name}: contains {bad!r}")
    left = re.findall(r"\{[A-Za-z_]+\}", text)
    if left:
        problems.append(f"{name}: unfilled placeholders {sorted(set(left))}")
    for svg in re.findall(r"<svg.*?</svg>", text, re.S):
        if re.search(r"\b(nan|inf)\b", svg):
            problems.append(f"{name}: nan/inf in a chart")
    return text


class Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.tags = [], set(), []
        self.table = None
        self.rows = {}
        self.section = None
        self.h3 = 0
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            if a["id"] in self.ids:
                problems.append(f"duplicate id {a['id']}")
            self.ids.add(a["id"])
        for key in ("src", "srcset"):
            if key in a:
                self.external.append(a[key])
        if tag == "link" or tag == "script" or tag == "iframe":
            self.external.append(tag)
        if tag == "table":
            self.table = a.get("id")
            self.rows[self.table] = 0
        if tag == "tr" and self.table and self.stack and self.stack[-1] == "tbody":
            self.rows[self.table] += 1
        if tag == "h2" and a.get("id") in ("overview", "events", "references"):
            self.section = a["id"]
        if tag == "h3" and self.section == "events":
            self.h3 += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        # <line .../> in inline SVG: opened and closed at once
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            problems.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "table":
            self.table = None


for lang in ("ja", "en"):
    data = json.load(open(f"{tmp}/actual/q4-{lang}.json"))
    nevents = len(data["events"])
    nfig = 2 + nevents
    if nevents == 0:
        problems.append(f"{lang}: the golden store should give events")

    # HTML
    name = f"q4-{lang}.html"
    text = text_checks(name, open(f"{tmp}/{name}", "rb").read())
    p = Parser()
    p.feed(text)
    p.close()
    if p.stack:
        problems.append(f"{name}: unclosed {p.stack}")
    if not text.startswith("<!DOCTYPE html>") or f'<html lang="{lang}">' not in text:
        problems.append(f"{name}: no doctype or language")
    for anchor in ("overview", "events", "references", "table1", "table2", "sensors", "ref-1"):
        if anchor not in p.ids:
            problems.append(f"{name}: no element #{anchor}")
    if p.rows.get("table1") != len(data["top_ports"]) or p.rows.get("table2") != len(data["top_countries"]):
        problems.append(f"{name}: table rows {p.rows}, JSON has {len(data['top_ports'])}/{len(data['top_countries'])}")
    if p.rows.get("sensors") != len(data["sensors"]):
        problems.append(f"{name}: sensor rows {p.rows.get('sensors')}, JSON has {len(data['sensors'])}")
    if p.tags.count("svg") != nfig or p.tags.count("figure") != nfig or p.tags.count("figcaption") != nfig:
        problems.append(f"{name}: {p.tags.count('svg')} svg, {p.tags.count('figure')} figures, expected {nfig}")
    if p.h3 != nevents:
        problems.append(f"{name}: {p.h3} event sections, JSON has {nevents}")
    if p.tags.count("th") < 5 * 3 or "thead" not in p.tags or "caption" not in p.tags:
        problems.append(f"{name}: tables without headers or captions")
    if p.external:
        problems.append(f"{name}: loads {p.external}")
    if "@media print" not in text or "<style>" not in text:
        problems.append(f"{name}: no embedded print stylesheet")
    for i, svg in enumerate(re.findall(r"<svg.*?</svg>", text, re.S)):
        try:
            root = ET.fromstring(svg)
        except ET.ParseError as e:
            problems.append(f"{name}: chart {i + 1} is not well-formed XML: {e}")
            continue
        if root.find(f"{SVG_NS}title") is None or len(root.findall(f".//{SVG_NS}polyline")) == 0:
            problems.append(f"{name}: chart {i + 1} without title or lines")
    words = {"ja": ("概況", "注目された現象", "参考文献", "前四半期の順位", "トップ10圏外"),
             "en": ("Overview", "Notable events", "References", "Previous quarter", "out of top 10")}[lang]
    for w in words:
        if w not in text:
            problems.append(f"{name}: missing {w!r}")

    # Markdown
    name = f"q4-{lang}.md"
    text = text_checks(name, open(f"{tmp}/md/{name}", "rb").read())
    for heading in ("\n## 1 ", "\n## 2 ", "\n## 3 "):
        if heading not in text:
            problems.append(f"{name}: no heading {heading.strip()!r}")
    if len(re.findall(r"^### 2\.\d+ ", text, re.M)) != nevents:
        problems.append(f"{name}: event sections differ from the JSON's {nevents}")
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    if len(figures) != nfig:
        problems.append(f"{name}: {len(figures)} figures, expected {nfig}")
    for fig in figures:
        path = os.path.join(tmp, "md", fig)
        if not os.path.exists(path):
            problems.append(f"{name}: figure {fig} not written")
            continue
        raw = open(path, "rb").read()
        text_checks(fig, raw)
        try:
            root = ET.fromstring(raw)
            if root.tag != f"{SVG_NS}svg":
                problems.append(f"{fig}: root is {root.tag}")
        except ET.ParseError as e:
            problems.append(f"{fig}: not well-formed: {e}")
    table_rows = re.findall(r"^\| \d+ \| ", text, re.M)
    if len(table_rows) != len(data["top_ports"]) + len(data["top_countries"]):
        problems.append(f"{name}: {len(table_rows)} ranking rows")

# The region report speaks of packets destined to Japan.
text = text_checks("q4-jp.html", open(f"{tmp}/q4-jp.html", "rb").read())
if "日本宛のパケット" not in text:
    problems.append("q4-jp.html: no '日本宛のパケット'")
region = json.load(open(f"{tmp}/actual/q4-region-jp.json"))
if region["region"] != "JP" or any(s["region"] != "JP" for s in region["sensors"]) or not region["sensors"]:
    problems.append("q4-region-jp.json: sensors outside JP")

if problems:
    print("FAIL report structure:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
PYTHON

# ---- usage errors (exit 2) and a missing store (exit 1)
expect_exit() {
    local want=$1
    shift
    local rc=0
    "$teiten" report "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [[ $rc -ne $want ]]; then
        echo "FAIL report $*: exit $rc, expected $want" >&2
        cat "$tmp/err" >&2
        failed=1
    elif [[ ! -s $tmp/err ]]; then
        echo "FAIL report $*: no message" >&2
        failed=1
    fi
}
expect_exit 2 --db "$db"
expect_exit 2 --db "$db" --quarter 2015Q4 --from 2015-10-01 --to 2015-12-31
expect_exit 2 --db "$db" --from 2015-10-01
expect_exit 2 --db "$db" --quarter 2015Q5
expect_exit 2 --db "$db" --quarter 2015Q4 --lang fr
expect_exit 2 --db "$db" --quarter 2015Q4 --format pdf
expect_exit 2 --db "$db" --quarter 2015Q4 --format md
expect_exit 2 --db "$db" --quarter 2015Q4 --region JPN
expect_exit 2 --db "$db" --quarter 2015Q4 --tz Asia/Kolkata
expect_exit 1 --db "$tmp/missing.db" --quarter 2015Q4
expect_exit 1 --db "$db" --quarter 2015Q4 -o "$tmp/no/such/dir/report.html"
[[ ! -e $tmp/no/such/dir/report.html.tmp ]] || { echo "FAIL report: partial output left" >&2; failed=1; }

if [[ $failed -ne 0 ]]; then
    echo "report golden test failed (run.sh TEITEN --update regenerates expected/ after review)" >&2
    exit 1
fi
echo "report golden test: ${#names[@]} JSON reports, HTML and Markdown in ja and en: ok"
