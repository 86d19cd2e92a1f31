#!/bin/sh
# Rebuilds the committed test databases in tests/geo/data/ from
# make-libloc.c (libloc-dev) and make-mmdb.pl (libmaxmind-db-writer-perl).
# Both outputs are reproducible: rebuilding gives the same bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$tmp/make-libloc" "$here/make-libloc.c" -lloc
mkdir -p "$here/data"
"$tmp/make-libloc" "$here/data/test.loc"
perl "$here/make-mmdb.pl" "$here/data"
ls -l "$here/data"
