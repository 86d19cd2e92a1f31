# bench/lib.sh — shared by the benchmark scripts (sourced, not run).

# bench_binary OVERRIDE DIR: the teiten binary to measure, copied into DIR (a rebuild during
# the run cannot change it): OVERRIDE if set (an existing binary), else a fresh scripts/build.
# Sets teiten (the copy) and teiten_rev (the commit, marked when src/ has uncommitted changes).
bench_binary() {
  local override=$1 dir=$2 built
  mkdir -p "$dir"
  if [[ -n $override ]]; then
    [[ -x $override ]] || die "$override is not an executable"
    built=$override
  else
    say "building teiten (scripts/build)"
    built=$(scripts/build) || die "scripts/build failed (or name an existing binary in the script's *_TEITEN)"
  fi
  teiten=$dir/teiten
  cp "$built" "$teiten.tmp" && mv "$teiten.tmp" "$teiten"
  teiten_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git status --porcelain -- src 2>/dev/null) ]]; then teiten_rev+=" + uncommitted changes in src/"; fi
}

# bench_write_section DOC NAME SECTION: puts SECTION (which begins with the marker
# "<!-- bench/NAME: start" and ends with "<!-- bench/NAME: end -->") in DOC in place of the
# section between those markers, or before BEFORE's section when given and DOC has no such
# section yet, or at the end; the rest of DOC is kept.
bench_write_section() {
  python3 - "$1" "$2" "$3" "${4:-}" <<'PY'
import os, sys
path, name, section, before = sys.argv[1:5]
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
start, end = "<!-- bench/%s: start" % name, "<!-- bench/%s: end -->" % name
i = text.find(start)
if i >= 0:
    j = text.find(end, i)
    j = len(text) if j < 0 else j + len(end)
    text = text[:i] + section + text[j:]
else:
    k = text.find("<!-- bench/%s: start" % before) if before else -1
    text = text[:k] + section + "\n\n" + text[k:] if k >= 0 else text.rstrip("\n") + "\n\n" + section + "\n"
if not text.endswith("\n"):
    text += "\n"
open(path + ".tmp", "w").write(text)
os.replace(path + ".tmp", path)
PY
}
