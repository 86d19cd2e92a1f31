#!/usr/bin/env bash
# `teiten ingest` of damaged captures, end to end. For every file in EXPECTED
# (built by make-corpus.sh; columns: file, good frames, truncated|format|open,
# uncompressed byte offset after the last good frame):
#   truncated|format  exit 3; standard error names the file and the byte
#                     offset ("truncated at byte offset N" / "damaged at byte
#                     offset N"); the store holds exactly the good frames
#                     (stats: frames, the outcomes add up to them) and lists
#                     the file as damaged with that message; ingesting it
#                     again says "already ingested" and changes nothing.
#   open              exit 1 (the file cannot be read at all); the error names
#                     the file; nothing is stored and nothing is recorded, so
#                     a second ingest fails the same way.
#   ok|clean          exit 0, all frames stored.
# Then, with real traffic from tests/golden/data: a damaged capture ingested
# after a good one leaves the good one's numbers untouched, damage in one file
# of a command does not stop the next, and a capture cut in the middle (plain
# and gzip) stores exactly what an intact capture of its good frames stores.
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

# json FILE EXPR: evaluate a Python expression over the JSON object in FILE (as d).
json() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- every file of the corpus, each into a fresh store
checked=0
while IFS=$'\t' read -r file good kind offset; do
    [[ -z $file || $file == \#* ]] && continue
    checked=$((checked + 1))
    [[ -f $file ]] || { fail "$file: listed in EXPECTED but missing"; continue; }
    db=$tmp/$checked.db
    rc=0
    "$teiten" ingest --db "$db" --sensor s1 "$file" 2>"$tmp/err" || rc=$?
    case $kind in
    truncated | format) want_rc=3 ;;
    open) want_rc=1 ;;
    ok | clean) want_rc=0 ;;
    *) fail "$file: unknown status '$kind' in EXPECTED"; continue ;;
    esac
    [[ $rc -eq $want_rc ]] || fail "$file ($kind): exit $rc, expected $want_rc; stderr: $(cat "$tmp/err")"
    grep -qF "$file" "$tmp/err" || [[ $want_rc -eq 0 ]] || fail "$file: the message does not name the file: $(cat "$tmp/err")"
    if [[ $kind == truncated || $kind == format ]]; then
        [[ $kind == truncated ]] && words="truncated at byte offset $offset " || words="damaged at byte offset $offset "
        grep -qF "$file: $words" "$tmp/err" ||
            fail "$file: expected '$file: $words...' on stderr, got: $(cat "$tmp/err")"
    fi

    # What the store holds: exactly the good frames.
    if ! "$teiten" stats --db "$db" --format json >"$tmp/stats.json" 2>"$tmp/stats.err"; then
        fail "$file: stats failed: $(cat "$tmp/stats.err")"
        continue
    fi
    # One python3 run per file: frames, outcome sum, file_list entries, state, damage, listed frames.
    IFS=$'\t' read -r frames outcomes nlisted state listed_frames damage < <(json "$tmp/stats.json" \
        '"\t".join(str(x) for x in (d["frames"], sum(d["outcomes"].values()), len(d["file_list"]),
            " ".join(f["state"] for f in d["file_list"]), sum(f["frames"] for f in d["file_list"]),
            " ".join(str(f["damage"]) for f in d["file_list"])))')
    [[ $frames -eq $good ]] || fail "$file: stats frames $frames, expected $good good frames"
    [[ $outcomes -eq $good ]] || fail "$file: the outcomes add up to $outcomes, expected $good"
    if [[ $kind == open ]]; then
        [[ $nlisted -eq 0 ]] || fail "$file: a file that cannot be opened is recorded ($state, $damage)"
    elif [[ $kind == truncated || $kind == format ]]; then
        [[ $nlisted -eq 1 && $state == damaged ]] || fail "$file: file_list state '$state', expected 'damaged'"
        [[ $damage == *"$words"* ]] || fail "$file: file_list damage '$damage' lacks '$words'"
        [[ $listed_frames -eq $good ]] || fail "$file: file_list frames $listed_frames, expected $good"
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
    "$teiten" stats --db "$db" --format json >"$tmp/stats2.json"
    cmp -s "$tmp/stats.json" "$tmp/stats2.json" || fail "$file: the second ingest changed the store"
done <EXPECTED
listed=$(grep -cv '^#' EXPECTED)
[[ $checked -eq $listed && $checked -gt 0 ]] || fail "checked $checked files of the $listed in EXPECTED"

# ---- a damaged file after a good one: the good one's numbers do not change
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
        "$teiten" stats --db "$db" --format json >"$tmp/$1.stats.json"
        json "$tmp/$1.stats.json" '[f for f in d["file_list"] if f["file"].endswith("sg-1.pcap")]'
        json "$tmp/$1.stats.json" '[s for s in d["sensors"] if s["sensor"] == "good"]'
    } >"$tmp/$1.snapshot" 2>&1
}
snapshot before
before_frames=$(json "$tmp/before.stats.json" 'd["frames"]')
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
after_frames=$(json "$tmp/after.stats.json" 'd["frames"]')
[[ $after_frames -eq $((before_frames + damaged_frames)) ]] ||
    fail "frames $before_frames + $damaged_frames good frames of damaged files != $after_frames"
# The good capture again: still skipped.
"$teiten" ingest --db "$db" --sensor good "$good_capture" 2>"$tmp/again"
grep -qF "sg-1.pcap: already ingested" "$tmp/again" || fail "good capture not skipped after damaged ones: $(cat "$tmp/again")"

# ---- damage in one file of a command does not stop the next one
db=$tmp/command.db
rc=0
"$teiten" ingest --db "$db" --sensor s1 truncated-record-body.pcap "$golden/de-fra.pcap" 2>"$tmp/err" || rc=$?
[[ $rc -eq 3 ]] || fail "damaged then good in one command: exit $rc, expected 3: $(cat "$tmp/err")"
"$teiten" stats --db "$db" --format json >"$tmp/command.json"
states=$(json "$tmp/command.json" '" ".join(f["state"] + ":" + str(f["frames"]) for f in d["file_list"])')
[[ $states == "damaged:2 done:988" ]] || fail "damaged then good in one command: file states '$states'"
rc=0
"$teiten" ingest --db "$tmp/command2.db" --sensor s1 empty.pcap truncated-record-body.pcap 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || fail "unreadable then damaged in one command: exit $rc, expected 1"
frames=$("$teiten" stats --db "$tmp/command2.db" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["frames"])')
[[ $frames -eq 2 ]] || fail "unreadable then damaged in one command: $frames frames stored, expected 2"

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
    """Frames and byte offset of the last complete record within limit bytes."""
    n = 0
    while n < len(ends) and ends[n] <= limit:
        n += 1
    return n, ends[n - 1] if n else 24


# Plain: cut 10 bytes into the record after the middle one.
n = len(ends) // 2
cut = ends[n] + 10
open(f"{out}/cut.pcap", "wb").write(data[:cut])
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
    for batch in 8388608 100; do
        db=$tmp/$name-$batch.db
        rc=0
        (cd "$tmp" && "$teiten" ingest --db "$db" --sensor s1 --batch "$batch" "$damaged") 2>"$tmp/err" || rc=$?
        [[ $rc -eq 3 ]] || fail "$damaged (batch $batch): exit $rc, expected 3: $(cat "$tmp/err")"
        grep -qF "$damaged: truncated at byte offset $offset after $frames packets" "$tmp/err" ||
            fail "$damaged (batch $batch): expected 'truncated at byte offset $offset after $frames packets': $(cat "$tmp/err")"
        "$teiten" ingest --quiet --db "$tmp/$name-intact.db" --sensor s1 "$tmp/$intact" 2>/dev/null || true
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
        n=$("$teiten" stats --db "$db" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["frames"])')
        [[ $n -eq $frames ]] || fail "$damaged (batch $batch): $n frames stored, expected $frames"
        (cd "$tmp" && "$teiten" ingest --db "$db" --sensor s1 "$damaged") 2>"$tmp/again" ||
            fail "$damaged (batch $batch): second ingest failed: $(cat "$tmp/again")"
        grep -qF "$damaged: already ingested" "$tmp/again" ||
            fail "$damaged (batch $batch): second ingest did not skip it: $(cat "$tmp/again")"
    done
done

if [[ $failures -gt 0 ]]; then
    echo "$failures failures"
    exit 1
fi
echo "ingest_damaged: $checked corpus files and the mixed cases as expected"
