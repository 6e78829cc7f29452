#!/usr/bin/env bash
# Renders a sample report.html in a real browser (headless chromium) and
# checks what it drew: a PNG screenshot that is a PNG, of the window's size
# and clearly more than a blank page, and a DOM with the SVG charts and one
# marker per fill.
#
# Usage: render_html_test.sh WRITER WORK_DIR
#   WRITER    the hean_write_sample_report executable (writes report.html to
#             its argument)
#   WORK_DIR  a scratch directory (emptied first); the report, screenshot,
#             DOM and chromium's logs are left there
#
# Chromium is required: when neither chromium nor chromium-browser is on
# PATH the test fails (scripts/setup.sh installs it). Chromium's dbus / GPU
# warnings on stderr are expected and ignored.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 WRITER WORK_DIR" >&2
  exit 2
fi
writer=$1
work=$2

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

browser=""
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser=$(command -v "$candidate")
    break
  fi
done
if [[ -z $browser ]]; then
  fail "no chromium or chromium-browser on PATH: the report rendering check needs a headless browser" \
    "(scripts/setup.sh installs chromium)"
fi

[[ -x $writer ]] || fail "sample report writer '$writer' is not an executable"

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
report="$work/report.html"
png="$work/report.png"
dom="$work/dom.html"

"$writer" "$report" || fail "$writer could not write $report"
[[ -s $report ]] || fail "$report is empty"

# Chromium as root in CI: its own HOME and profile in the work dir, no
# sandbox, no GPU.
export HOME="$work/home"
mkdir -p "$HOME"
flags=(
  --headless=new
  --no-sandbox
  --disable-gpu
  --hide-scrollbars
  --no-first-run
  --no-default-browser-check
  --disable-extensions
  --disable-sync
  --mute-audio
  --user-data-dir="$work/profile"
)
width=1280
height=2400

if ! timeout 50 "$browser" "${flags[@]}" --window-size="$width,$height" --screenshot="$png" "file://$report" \
  >"$work/screenshot.log" 2>&1; then
  tail -n 20 "$work/screenshot.log" >&2 || true
  fail "$browser --screenshot failed (log: $work/screenshot.log)"
fi
if ! timeout 50 "$browser" "${flags[@]}" --dump-dom "file://$report" >"$dom" 2>"$work/dump-dom.log"; then
  tail -n 20 "$work/dump-dom.log" >&2 || true
  fail "$browser --dump-dom failed (log: $work/dump-dom.log)"
fi

# The screenshot: a PNG of the window's size, well above a blank page.
[[ -f $png ]] || fail "no screenshot at $png"
signature=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
[[ $signature == "89504e470d0a1a0a" ]] || fail "$png does not start with the PNG signature (got $signature)"
# IHDR: width and height, big-endian, at bytes 16..23.
png_width=$((16#$(od -An -tx1 -j16 -N4 "$png" | tr -d ' \n')))
png_height=$((16#$(od -An -tx1 -j20 -N4 "$png" | tr -d ' \n')))
[[ $png_width -eq $width && $png_height -eq $height ]] ||
  fail "$png is ${png_width}x${png_height}, expected ${width}x${height}"
# A blank 1280x2400 page screenshots to about 14 KB (measured with
# chromium 156); the sample report to several hundred KB.
min_bytes=100000
png_bytes=$(wc -c <"$png")
((png_bytes > min_bytes)) || fail "$png is $png_bytes bytes, not more than $min_bytes: the page looks blank"

# The DOM as the browser parsed it: the charts are there.
count() { grep -o -- "$1" "$dom" | wc -l; }
[[ -s $dom ]] || fail "--dump-dom wrote nothing"
grep -q "<h1>Backtest report: " "$dom" || fail "the DOM has no report title"
svgs=$(count "<svg ")
# Two instruments' price charts, equity, slippage, TTL, latency.
((svgs == 6)) || fail "expected 6 <svg> charts in the DOM, found $svgs"
((svgs == $(count "</svg>"))) || fail "unbalanced <svg> elements in the DOM"
polylines=$(count "<polyline ")
((polylines >= 4)) || fail "expected the price, equity and drawdown lines in the DOM, found $polylines polylines"
markers=$(count 'class="mk ')
((markers == 12)) || fail "expected 12 fill markers (the sample's fills) in the DOM, found $markers"
if grep -q ">no data<" "$dom"; then fail "a chart of the sample report says 'no data'"; fi
if grep -Eq "https?://|<script" "$dom"; then fail "the DOM refers to the network or has a script"; fi

echo "PASS: $browser rendered $report: ${png_width}x${png_height} PNG of $png_bytes bytes, $svgs charts," \
  "$markers fill markers"
