#!/usr/bin/env bash
# `teiten ingest` of damaged captures, end to end. For every file in EXPECTED
# (built by make-corpus.sh; columns: file, good frames, truncated|format|open,
# uncompressed byte offset after the last good frame):
#   truncated|format  exit 3; standard error names the file and the byte
#                     offset ("FILE: truncated at byte offset N ..." or
#                     "FILE: damaged at byte offset N ..."); the store holds
#                     exactly the good frames (stats: frames, and the outcomes
#                     add up to them) and lists the file, state "damaged",
#                     with that message; ingesting it again says "already
#                     ingested", exits 0 and changes nothing.
#   open              exit 1 (the file cannot be read at all); the error names
#                     the file; nothing is stored or recorded, so a second
#                     ingest fails the same way.
#   ok|clean          exit 0, all frames stored.
# Then, with real traffic from tests/golden/data: damaged captures ingested
# after a good one leave the good one's numbers untouched; damage in one file
# of a command does not stop the next file; and a capture cut in the middle
# (plain and gzip, one batch or many) stores exactly what an intact capture of
# its good frames stores.
#
#   bash ingest_damaged.sh TEITEN      (how ctest runs it)
set -euo pipefail
teiten=$1
teiten=$(cd "$(dirname "$teiten")" && pwd)/$(basename "$teiten")
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/../golden/data
unset TEITEN_DB
export TZ=UTC LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here"

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
# JSON checks run in one python3 at the end (python3 starts slowly): each
# line of $tmp/json-checks is "FILE<TAB>EXPRESSION<TAB>WANT<TAB>WHAT", true
# when str(EXPRESSION), with the JSON in FILE as d, equals WANT.
: >"$tmp/json-checks"
json_check() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tmp/json-checks"
}

# ---- every file of the corpus, each into a fresh store
checked=0
while IFS=$'\t' read -r file good kind offset; do
    [[ -z $file || $file == \#* ]] && continue
    checked=$((checked + 1))
    [[ -f $file ]] || { fail "$file: listed in EXPECTED but missing"; continue; }
    db=$tmp/$checked.db
    case $kind in
    truncated) want_rc=3 words="$file: truncated at byte offset $offset " ;;
    format) want_rc=3 words="$file: damaged at byte offset $offset " ;;
    open) want_rc=1 words="$file: " ;;
    ok | clean) want_rc=0 words= ;;
    *) fail "$file: unknown status '$kind' in EXPECTED"; continue ;;
    esac
    rc=0
    "$teiten" ingest --db "$db" --sensor s1 "$file" 2>"$tmp/err" || rc=$?
    [[ $rc -eq $want_rc ]] || fail "$file ($kind): exit $rc, expected $want_rc; stderr: $(cat "$tmp/err")"
    [[ -z $words ]] || grep -qF "$words" "$tmp/err" ||
        fail "$file ($kind): expected '$words...' on stderr, got: $(cat "$tmp/err")"

    # What the store holds: exactly the good frames.
    stats=$tmp/$checked.json
    if ! "$teiten" stats --db "$db" --format json >"$stats" 2>"$tmp/err"; then
        fail "$file: stats failed: $(cat "$tmp/err")"
        continue
    fi
    json_check "$stats" 'd["frames"]' "$good" "$file: frames stored"
    json_check "$stats" 'sum(d["outcomes"].values())' "$good" "$file: sum of the outcomes"
    if [[ $kind == open ]]; then
        json_check "$stats" 'd["file_list"]' "[]" "$file: files recorded"
    elif [[ $want_rc -eq 3 ]]; then
        json_check "$stats" '[(f["file"], f["frames"], f["state"]) for f in d["file_list"]]' \
            "[('$file', $good, 'damaged')]" "$file: files recorded"
        json_check "$stats" "'$words' in d['file_list'][0]['damage']" True "$file: damage names the offset"
    fi

    # The same ingest again.
    rc=0
    "$teiten" ingest --db "$db" --sensor s1 "$file" 2>"$tmp/again" || rc=$?
    if [[ $kind == open ]]; then
        [[ $rc -eq 1 ]] || fail "$file: second ingest exit $rc, expected 1"
    else
        [[ $rc -eq 0 ]] || fail "$file: second ingest exit $rc, expected 0 (skipped)"
        grep -qF "$file: already ingested" "$tmp/again" ||
            fail "$file: second ingest did not say 'already ingested': $(cat "$tmp/again")"
    fi
    "$teiten" stats --db "$db" --format json | cmp -s "$stats" - || fail "$file: the second ingest changed the store"
done <EXPECTED
listed=$(grep -cv '^#' EXPECTED)
[[ $checked -eq $listed && $checked -gt 0 ]] || fail "checked $checked files of the $listed in EXPECTED"

# ---- damaged files after a good one: the good one's numbers do not change
good_capture=$golden/sg-1.pcap
db=$tmp/mixed.db
"$teiten" ingest --quiet --db "$db" --sensor good "$good_capture"
# snapshot NAME: what the store says about the good capture.
snapshot() {
    {
        "$teiten" top ports --db "$db" --limit 1000 --format csv
        "$teiten" top ports --db "$db" --sensor good --from 2015-10-01 --to 2015-10-03 --limit 1000 --format csv
        "$teiten" top countries --db "$db" --sensor good --from 2015-10-01 --to 2015-10-03 --limit 1000 --format csv
        "$teiten" top sources --db "$db" --sensor good --from 2015-10-01 --to 2015-10-03 --limit 100000 --format csv
        "$teiten" series --db "$db" --sensor good --port 23/tcp --from 2015-10-01 --to 2015-10-03 --by hour --format csv
        "$teiten" ip 150.252.181.177 --db "$db" --format csv
    } >"$tmp/$1.snapshot" 2>&1
    "$teiten" stats --db "$db" --format json >"$tmp/$1.stats.json"
}
snapshot before
damaged_frames=0
for file in truncated-record-body.pcap pcapng-truncated-block.pcapng caplen-huge.pcap corrupt-crc.pcap.gz \
    corrupt-block.pcap.zst bad-magic.pcap empty.pcap; do
    rc=0
    "$teiten" ingest --quiet --db "$db" --sensor s1 "$file" 2>"$tmp/err" || rc=$?
    [[ $rc -eq 3 || $rc -eq 1 ]] || fail "$file after a good capture: exit $rc: $(cat "$tmp/err")"
    damaged_frames=$((damaged_frames + $(awk -F'\t' -v f="$file" '$1 == f {print $2}' EXPECTED)))
done
snapshot after
diff -u "$tmp/before.snapshot" "$tmp/after.snapshot" || fail "damaged captures changed what the good capture stored"
good_entry='[f for f in d["file_list"] if f["file"].endswith("sg-1.pcap")] + [s for s in d["sensors"] if s["sensor"] == "good"]'
json_check "$tmp/after.stats.json" "$good_entry" "@$tmp/before.stats.json" "the good capture's file and sensor entries"
json_check "$tmp/after.stats.json" 'd["frames"]' "@$tmp/before.stats.json+$damaged_frames" \
    "frames after the damaged files (+$damaged_frames)"
"$teiten" ingest --db "$db" --sensor good "$good_capture" 2>"$tmp/again"
grep -qF "sg-1.pcap: already ingested" "$tmp/again" || fail "good capture not skipped after damaged ones: $(cat "$tmp/again")"

# ---- damage in one file of a command does not stop the next one
rc=0
"$teiten" ingest --db "$tmp/command.db" --sensor s1 truncated-record-body.pcap "$golden/de-fra.pcap" 2>"$tmp/err" || rc=$?
[[ $rc -eq 3 ]] || fail "damaged then good in one command: exit $rc, expected 3: $(cat "$tmp/err")"
"$teiten" stats --db "$tmp/command.db" --format json >"$tmp/command.json"
json_check "$tmp/command.json" '[(f["state"], f["frames"]) for f in d["file_list"]]' \
    "[('damaged', 2), ('done', 988)]" "damaged then good in one command: files recorded"
rc=0
"$teiten" ingest --db "$tmp/command2.db" --sensor s1 empty.pcap truncated-record-body.pcap 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || fail "unreadable then damaged in one command: exit $rc, expected 1"
"$teiten" stats --db "$tmp/command2.db" --format json >"$tmp/command2.json"
json_check "$tmp/command2.json" 'd["frames"]' 2 "unreadable then damaged in one command: frames stored"

# ---- real traffic cut in the middle: exactly the frames before the cut are
# stored, the same as from an intact capture of those frames alone.
python3 - "$golden/us-east.pcap" "$tmp" <<'PYTHON'
import gzip
import struct
import sys
import zlib

source, out = sys.argv[1], sys.argv[2]
data = open(source, "rb").read()
assert data[:4] == b"\xd4\xc3\xb2\xa1", "us-east.pcap: expected a little-endian pcap"
ends = []  # byte offset after each record
pos = 24
while pos < len(data):
    caplen = struct.unpack_from("<I", data, pos + 8)[0]
    pos += 16 + caplen
    ends.append(pos)
assert pos == len(data)


def last_end(limit):
    """Frames and byte offset after the last complete record within limit bytes."""
    n = 0
    while n < len(ends) and ends[n] <= limit:
        n += 1
    return n, ends[n - 1] if n else 24


# Plain: cut 10 bytes into the record after the middle one.
n = len(ends) // 2
open(f"{out}/cut.pcap", "wb").write(data[: ends[n] + 10])
open(f"{out}/cut-intact.pcap", "wb").write(data[: ends[n]])
open(f"{out}/cut.expect", "w").write(f"{n + 1}\t{ends[n]}\n")

# gzip: the first 40% of a gzip stream; zlib inflates all it can of it.
packed = gzip.compress(data, mtime=0)
part = packed[: len(packed) * 2 // 5]
inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(part)
frames, offset = last_end(len(inflated))
open(f"{out}/cut.pcap.gz", "wb").write(part)
open(f"{out}/cut-gz-intact.pcap", "wb").write(data[:offset])
open(f"{out}/cut-gz.expect", "w").write(f"{frames}\t{offset}\n")
PYTHON
for variant in cut:cut.pcap:cut-intact.pcap cut-gz:cut.pcap.gz:cut-gz-intact.pcap; do
    IFS=: read -r name damaged intact <<<"$variant"
    IFS=$'\t' read -r frames offset <"$tmp/$name.expect"
    "$teiten" ingest --quiet --db "$tmp/$name-intact.db" --sensor s1 "$tmp/$intact"
    for batch in 8388608 100; do
        db=$tmp/$name-$batch.db
        rc=0
        (cd "$tmp" && "$teiten" ingest --db "$db" --sensor s1 --batch "$batch" "$damaged") 2>"$tmp/err" || rc=$?
        [[ $rc -eq 3 ]] || fail "$damaged (batch $batch): exit $rc, expected 3: $(cat "$tmp/err")"
        grep -qF "$damaged: truncated at byte offset $offset after $frames packets" "$tmp/err" ||
            fail "$damaged (batch $batch): expected 'truncated at byte offset $offset after $frames packets': $(cat "$tmp/err")"
        for query in "stats --format csv" "top ports --limit 1000 --format csv" \
            "top countries --limit 1000 --format csv" "top sources --limit 100000 --format csv" \
            "series --port 23/tcp --by hour --format csv" "ip 150.252.181.177 --format csv"; do
            # shellcheck disable=SC2086
            "$teiten" $query --db "$db" >"$tmp/got" 2>&1
            # shellcheck disable=SC2086
            "$teiten" $query --db "$tmp/$name-intact.db" >"$tmp/want" 2>&1
            cmp -s "$tmp/got" "$tmp/want" ||
                fail "$damaged (batch $batch): '$query' differs from the intact first $frames frames:
$(diff "$tmp/want" "$tmp/got" | head -20)"
        done
        "$teiten" stats --db "$db" --format json >"$tmp/$name-$batch.json"
        json_check "$tmp/$name-$batch.json" 'd["frames"]' "$frames" "$damaged (batch $batch): frames stored"
        (cd "$tmp" && "$teiten" ingest --db "$db" --sensor s1 "$damaged") 2>"$tmp/again" ||
            fail "$damaged (batch $batch): second ingest failed: $(cat "$tmp/again")"
        grep -qF "$damaged: already ingested" "$tmp/again" ||
            fail "$damaged (batch $batch): second ingest did not skip it: $(cat "$tmp/again")"
    done
done

# ---- the JSON checks. WANT "@FILE" is the same expression over FILE,
# "@FILE+N" that plus N.
python3 - "$tmp/json-checks" <<'PYTHON' || failures=$((failures + 1))
import json
import sys

bad = 0
for line in open(sys.argv[1]):
    path, expr, want, what = line.rstrip("\n").split("\t")
    try:
        got = eval(expr, {"d": json.load(open(path))})
        if want.startswith("@"):
            other, _, plus = want[1:].partition("+")
            want = eval(expr, {"d": json.load(open(other))})
            if plus:
                want += int(plus)
            ok = got == want
        else:
            ok = str(got) == want
    except Exception as e:  # noqa: BLE001 - any error is a failed check
        got, ok = f"{type(e).__name__}: {e}", False
    if not ok:
        print(f"FAIL: {what}: {got!r}, expected {want!r}")
        bad += 1
sys.exit(bad > 0)
PYTHON

if [[ $failures -gt 0 ]]; then
    echo "$failures failures"
    exit 1
fi
echo "ingest_damaged: $checked corpus files and the mixed cases as expected"
