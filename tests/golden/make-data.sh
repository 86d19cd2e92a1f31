#!/usr/bin/env bash
# The golden test's committed input, tests/golden/data/:
#   *.pcap *.pcapng  a small simulated telescope (3 days, 6 sensors, all link
#                    types), from `teiten simulate --days 3 --rate 2000 --seed 42`
#   sensors.conf     its sensors, as simulate writes it
#   truth.json       its ground truth, as simulate writes it
#   geo.loc          a small libloc database (built by make-geo.c) holding just
#                    the networks of the captures' sources, copied from Debian's
#                    libloc-database, so countries and country names do not
#                    change with the installed location.db
#   services         a copy of /etc/services (service names)
#   query.conf       written by hand: the queries' [geo] and [services]
#   SHA256SUMS       checksums of all of the above
#
#   make-data.sh                      regenerate data/ with build/teiten
#   make-data.sh --regenerate TEITEN  regenerate data/ with TEITEN
#   make-data.sh TEITEN               (how ctest runs it) only check data/
#                                     against data/SHA256SUMS
# Regenerating needs a C compiler, libloc-dev and libloc-database. The
# simulator's output changes whenever the simulator does, so after
# regenerating: run `run.sh TEITEN --update` (it checks the totals against
# data/truth.json), review `git diff tests/golden` line by line — every
# expected output changes — and commit data/ and expected/ together.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data

if [[ $# -eq 1 && $1 != --regenerate ]]; then
    # ctest: the committed inputs are the ones the expected outputs were made from.
    cd "$data"
    sha256sum --quiet -c SHA256SUMS
    n=$(ls -- *.pcap *.pcapng | wc -l)
    [[ $n -eq 6 ]] || { echo "expected 6 captures in $data, found $n" >&2; exit 1; }
    exit 0
fi
teiten=$here/../../build/teiten
if [[ $# -eq 2 && $1 == --regenerate ]]; then
    teiten=$2
elif [[ $# -ne 0 ]]; then
    echo "usage: make-data.sh [--regenerate TEITEN] | make-data.sh TEITEN (check only)" >&2
    exit 2
fi
teiten=$(cd "$(dirname "$teiten")" && pwd)/$(basename "$teiten")
full_geo=/usr/share/libloc-location/location.db

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teiten" simulate --out "$tmp/sim" --days 3 --rate 2000 --seed 42
cc -O2 -Wall -o "$tmp/make-geo" "$here/make-geo.c" -lloc

# Every source address the store sees, attributed with the full database.
cd "$tmp/sim"
"$teiten" ingest --quiet --db "$tmp/full.db" --geo "$full_geo" --config sensors.conf -- *.pcap *.pcapng
"$teiten" top sources --db "$tmp/full.db" --geo "$full_geo" --limit 1000000000 --format csv >"$tmp/full.csv"
tail -n +2 "$tmp/full.csv" | cut -d, -f2 | sort -u >"$tmp/addresses"
"$tmp/make-geo" "$full_geo" "$tmp/sim/geo.loc" <"$tmp/addresses"

# The small database must give the same countries and names as the full one.
"$teiten" ingest --quiet --db "$tmp/small.db" --geo geo.loc --config sensors.conf -- *.pcap *.pcapng
"$teiten" top sources --db "$tmp/small.db" --geo geo.loc --limit 1000000000 --format csv >"$tmp/small.csv"
cmp "$tmp/full.csv" "$tmp/small.csv"
cmp <("$teiten" top countries --db "$tmp/full.db" --geo "$full_geo" --limit 1000) \
    <("$teiten" top countries --db "$tmp/small.db" --geo geo.loc --limit 1000)

rm -f "$data"/*.pcap "$data"/*.pcapng
cp -- *.pcap *.pcapng sensors.conf truth.json geo.loc "$data/"
cp /etc/services "$data/services"
cd "$data"
sha256sum -- *.pcap *.pcapng sensors.conf truth.json geo.loc services query.conf >SHA256SUMS
du -cb -- *.pcap *.pcapng | tail -1
echo "now run: bash $here/run.sh $teiten --update, check against truth.json, review git diff" >&2
