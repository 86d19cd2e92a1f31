#!/usr/bin/env bash
# The HTML report in a real browser (headless Chromium): renders the ja and
# en reports of a simulated telescope at a desktop and a phone width and
# checks, from inside the page, that the charts and tables are there and
# laid out — nothing wider than the page, no chart label outside its chart,
# table headers present — then takes a screenshot and prints to PDF (A4).
#
# The report itself carries no script: the checks run in a copy of it with
# one <script> appended, and their verdict is read back with --dump-dom.
# Skips (exit 0, with a message) when Chromium is not installed and cannot be
# (Debian packages chromium, fonts-noto-cjk for the Japanese glyphs,
# poppler-utils for pdftotext). Set TEITEN_REPORT_SHOTS=DIR to keep the
# screenshots and PDFs for a look.
set -euo pipefail
teiten=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

browser=
find_browser() {
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$(command -v "$b")
            return 0
        fi
    done
    return 1
}
if ! find_browser && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "report_browser: installing chromium" >&2
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends chromium \
        >/dev/null 2>&1 || true
    find_browser || true
fi
if [[ -z $browser ]]; then
    echo "report_browser: skipped (no Chromium; apt-get install chromium)"
    exit 0
fi

run_browser() {
    # No network, no profile, no background services: the page is all there is.
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
        --hide-scrollbars --user-data-dir="$(mktemp -d -p "$tmp")" "$@" 2>/dev/null
}

"$teiten" simulate --out "$tmp/sim" --days 120 --rate 1500 --seed 3 --start 2015-08-01 >/dev/null
"$teiten" ingest --quiet --db "$tmp/t.db" --config "$tmp/sim/sensors.conf" "$tmp"/sim/*.pcap*

# The in-page check: writes its verdict into <pre id="tt-check">.
cat >"$tmp/check.js" <<'JS'
(function () {
  var problems = [];
  var doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    problems.push("page wider than the window: " + doc.scrollWidth + " > " + doc.clientWidth);
  var main = document.querySelector("main");
  var svgs = document.querySelectorAll("figure svg");
  var tables = document.querySelectorAll("table");
  if (svgs.length < 3) problems.push("only " + svgs.length + " charts");
  if (tables.length < 3) problems.push("only " + tables.length + " tables");
  svgs.forEach(function (svg, i) {
    var box = svg.getBoundingClientRect();
    var fig = svg.parentElement.getBoundingClientRect();
    if (box.width < 200 || box.height < 80) problems.push("chart " + (i + 1) + " is " + box.width + "x" + box.height);
    if (box.right > fig.right + 1 || box.left < fig.left - 1) problems.push("chart " + (i + 1) + " overflows its figure");
    var vb = svg.viewBox.baseVal;
    svg.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      if (b.x < -1 || b.y < -1 || b.x + b.width > vb.width + 1 || b.y + b.height > vb.height + 1)
        problems.push("chart " + (i + 1) + " label '" + t.textContent + "' outside the chart");
    });
    if (svg.querySelectorAll("polyline").length === 0) problems.push("chart " + (i + 1) + " has no line");
  });
  tables.forEach(function (t, i) {
    if (!t.querySelector("thead th") || !t.querySelector("caption")) problems.push("table " + (i + 1) + " has no header or caption");
    if (t.querySelectorAll("tbody tr").length === 0) problems.push("table " + (i + 1) + " is empty");
    var wrap = t.parentElement;
    if (window.innerWidth >= 900 && t.scrollWidth > wrap.clientWidth + 1)
      problems.push("table " + (i + 1) + " wider than the text: " + t.scrollWidth + " > " + wrap.clientWidth);
  });
  document.querySelectorAll("h1, h2, h3, p, li, figcaption").forEach(function (e) {
    if (main && e.getBoundingClientRect().right > main.getBoundingClientRect().right + 1)
      problems.push(e.tagName + " overflows: " + e.textContent.slice(0, 40));
  });
  var out = document.createElement("pre");
  out.id = "tt-check";
  out.textContent = (problems.length ? "FAIL\n" + problems.slice(0, 20).join("\n") : "OK") +
    "\ncharts=" + svgs.length + " tables=" + tables.length + " width=" + window.innerWidth;
  document.body.appendChild(out);
})();
JS

failed=0
for lang in ja en; do
    "$teiten" report --db "$tmp/t.db" --from 2015-10-01 --to 2015-11-28 --lang "$lang" -o "$tmp/report-$lang.html"
    grep -q "<script" "$tmp/report-$lang.html" && { echo "FAIL: the report has a script" >&2; failed=1; }
    { sed 's|</body>||; s|</html>||' "$tmp/report-$lang.html"; printf '<script>\n'; cat "$tmp/check.js";
      printf '</script>\n</body>\n</html>\n'; } >"$tmp/check-$lang.html"
    for size in 1280,900 390,844; do
        run_browser --window-size="$size" --virtual-time-budget=5000 --dump-dom "file://$tmp/check-$lang.html" \
            >"$tmp/dom.html" || true
        verdict=$(sed -n '/<pre id="tt-check">/,/<\/pre>/p' "$tmp/dom.html" | sed 's/<[^>]*>//g')
        if [[ $verdict != OK* ]]; then
            echo "FAIL report_browser $lang at $size:" >&2
            echo "${verdict:-no verdict (the page did not load or the script did not run)}" >&2
            failed=1
        else
            echo "report_browser $lang at $size: $(echo "$verdict" | tail -1)"
        fi
    done
    run_browser --window-size=1280,4000 --screenshot="$tmp/report-$lang.png" "file://$tmp/report-$lang.html" >/dev/null || true
    run_browser --no-pdf-header-footer --print-to-pdf="$tmp/report-$lang.pdf" "file://$tmp/report-$lang.html" >/dev/null || true
    size=$(stat -c %s "$tmp/report-$lang.png" 2>/dev/null || echo 0)
    [[ $size -gt 50000 ]] || { echo "FAIL report_browser $lang: screenshot of $size bytes" >&2; failed=1; }
    size=$(stat -c %s "$tmp/report-$lang.pdf" 2>/dev/null || echo 0)
    [[ $size -gt 20000 ]] || { echo "FAIL report_browser $lang: PDF of $size bytes" >&2; failed=1; }
    # Japanese text survives into the PDF only with a Japanese font (fonts-noto-cjk).
    has_font=1
    if [[ $lang == ja ]] && ! { command -v fc-list >/dev/null 2>&1 && [[ -n $(fc-list :lang=ja 2>/dev/null) ]]; }; then
        has_font=0
        echo "report_browser: no Japanese font (fonts-noto-cjk): the ja PDF's text is not checked"
    fi
    if command -v pdftotext >/dev/null 2>&1 && [[ $size -gt 0 && $has_font -eq 1 ]]; then
        word=$([[ $lang == ja ]] && echo "参考文献" || echo "References")
        pdftotext "$tmp/report-$lang.pdf" - | grep -q "$word" ||
            { echo "FAIL report_browser $lang: the PDF has no '$word'" >&2; failed=1; }
    fi
    if [[ -n ${TEITEN_REPORT_SHOTS:-} ]]; then
        mkdir -p "$TEITEN_REPORT_SHOTS"
        cp "$tmp/report-$lang.html" "$tmp/report-$lang.png" "$tmp/report-$lang.pdf" "$TEITEN_REPORT_SHOTS/" 2>/dev/null || true
    fi
done
exit $failed
