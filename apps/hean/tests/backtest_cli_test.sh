#!/usr/bin/env bash
# End-to-end test of `hean backtest`, `hean config check`, `hean ab` and
# `hean sweep` on config/demo.toml and the bundled 8-minute capture: the
# summary, every report file, determinism of two runs (every file but the
# "wall" object of report.json), the effective config (it re-runs to the
# same result), --set, the A/B table, a 2 x 2 sweep, progress lines and the
# bad-input paths.
# Usage: backtest_cli_test.sh HEAN_BINARY REPO_DIR
set -euo pipefail
HEAN="$1"
R="$2"
T="$R/testdata/binance-usdm-2024-07-18"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
DEMO="$R/config/demo.toml"

# check NAME EXPECTED_RC REGEX -- command...: as cli_check.sh's, but safe
# under set -e (the command may fail on purpose).
fail=0
check() {
  local name="$1" want_rc="$2" regex="$3"
  shift 4
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  if [[ "$rc" != "$want_rc" ]] || ! grep -Eq -- "$regex" <<<"$out"; then
    echo "FAIL: $name (rc $rc, wanted $want_rc; output did not match /$regex/)"
    echo "$out" | head -20
    fail=1
  else
    echo "ok: $name"
  fi
}
ok() { echo "ok: $1"; }
bad() {
  echo "FAIL: $1"
  fail=1
}
# report.json without its "wall" object (wall-clock figures: the only part
# that may differ between two runs).
strip_wall() { awk '/^  "wall": \{/ {skip = 1} !skip {print} skip && /^  \}/ {skip = 0}' "$1"; }
# The demo's data files as a TOML array of absolute paths.
DATA="['$T/usdm_btcusdt_20240718.gz', '$T/usdm_btcusdt_20240719.gz', '$T/usdm_ethusdt_20240718.gz', '$T/usdm_ethusdt_20240719.gz']"
FILES=(report.json report.html orders.csv fills.csv positions.csv equity.csv signals.csv trades.csv config.toml)

# ------------------------------------------------------------- a backtest
check "backtest runs and prints the summary" 0 "^backtest demo: [0-9,]+ events, [0-9]+ s of data" -- \
  "$HEAN" backtest --config "$DEMO" --out "$W/r1" --quiet
"$HEAN" backtest --config "$DEMO" --out "$W/r2" --quiet >"$W/r2.txt"
if grep -Fq "report: $W/r2/report.html" "$W/r2.txt"; then ok "summary names the report"; else bad "summary lacks the report path"; fi
if grep -Eq "signals [1-9][0-9]* \(approved [1-9]" "$W/r2.txt" && grep -Eq "fills [1-9][0-9]* .*round trips [1-9]" "$W/r2.txt"; then
  ok "the demo trades (signals, fills, round trips)"
else
  bad "the demo does not trade"
  cat "$W/r2.txt"
fi
if grep -q "execution adaptive_ttl" "$W/r2.txt"; then ok "summary names the execution mode"; else bad "no execution mode in the summary"; fi

missing=""
for f in "${FILES[@]}"; do [[ -s "$W/r1/$f" ]] || missing+=" $f"; done
if [[ -z "$missing" ]]; then ok "every report file written"; else bad "report files missing or empty:$missing"; fi

# report.json: the sections, and valid JSON when python3 is there.
for key in '"run": {' '"pnl": {' '"trades": {' '"execution": {' '"latency": {' '"signals": {' '"risk": {' \
  '"bus": {' '"events": {' '"wall": {' '"net_pnl": ' '"round_trips": ' '"exec_mode": "adaptive_ttl"'; do
  grep -Fq -- "$key" "$W/r1/report.json" || missing+=" $key"
done
if [[ -z "$missing" ]]; then ok "report.json has its sections"; else bad "report.json lacks$missing"; fi
if command -v python3 >/dev/null; then
  if python3 -m json.tool "$W/r1/report.json" >/dev/null; then ok "report.json is valid JSON"; else bad "report.json is not valid JSON"; fi
fi
check "fills.csv header" 0 "^ts,ts_ns,client_order_id,strategy,symbol,side,liquidity,price,qty" -- head -1 "$W/r1/fills.csv"
check "report.html is a page" 0 "</html>" -- tail -c 200 "$W/r1/report.html"
if grep -qi "<script src=\|https\?://[^\"]*\.js\|fonts.googleapis" "$W/r1/report.html"; then
  bad "report.html loads something from the network"
else
  ok "report.html is self-contained"
fi
[[ $(wc -l <"$W/r1/fills.csv") -gt 5 ]] && ok "fills.csv has rows" || bad "fills.csv has no rows"

# Determinism: the second run, file by file.
same=1
for f in "${FILES[@]}"; do
  if [[ "$f" == report.json ]]; then
    cmp -s <(strip_wall "$W/r1/$f") <(strip_wall "$W/r2/$f") || { bad "report.json differs (but wall)"; same=0; }
  else
    cmp -s "$W/r1/$f" "$W/r2/$f" || { bad "$f differs between two runs"; same=0; }
  fi
done
[[ $same == 1 ]] && ok "two runs: every file byte for byte (report.json but its wall object)"
# ... and the stripping did strip only the wall object.
stripped="$(strip_wall "$W/r1/report.json")"
if grep -q "wall_seconds" <<<"$stripped"; then bad "strip_wall left wall figures"; fi
if [[ $(wc -l <<<"$stripped") -gt 50 ]]; then ok "strip_wall keeps the rest"; else bad "strip_wall removed too much"; fi

# ------------------------------------------------------ effective config
check "config.toml has defaults the file leaves out" 0 "max_order_notional = 10000" -- cat "$W/r1/config.toml"
check "config.toml has the execution mode" 0 '^mode = "adaptive_ttl"' -- cat "$W/r1/config.toml"
"$HEAN" config check "$DEMO" --print >"$W/print.toml"
if cmp -s "$W/print.toml" "$W/r1/config.toml"; then
  ok "config check --print is the run's config.toml"
else
  bad "config check --print differs from the run's config.toml"
  diff "$W/print.toml" "$W/r1/config.toml" | head -10
fi
# The saved config names its data by absolute paths: it validates and
# re-runs, as it is, from another directory, to the same result.
check "config.toml re-validates" 0 "config.toml: ok \(2 instruments, 4 data files, execution adaptive_ttl\)" -- \
  "$HEAN" config check "$W/r1/config.toml"
grep -Eq '^data = \["/' "$W/r1/config.toml" && ok "config.toml names its data by absolute paths" ||
  bad "config.toml's data paths are not absolute"
(cd "$W" && "$HEAN" backtest --config r1/config.toml --out "$W/r3" --quiet >/dev/null 2>&1) ||
  bad "config.toml does not run from another directory"
same=1
for f in orders.csv fills.csv positions.csv equity.csv signals.csv trades.csv; do
  cmp -s "$W/r1/$f" "$W/r3/$f" || { bad "re-running config.toml: $f differs"; same=0; }
done
[[ $same == 1 ]] && ok "config.toml re-runs to the same orders, fills, positions, equity, signals and trades"

check "config check ok" 0 "demo.toml: ok \(2 instruments, 4 data files, execution adaptive_ttl\)" -- \
  "$HEAN" config check "$DEMO"
printf '[run]\ndata = ["%s"]\n\n[instruments.BTCUSDT]\nvenue = "binance"\ntick = 0.1\nlot = 0.001\n\n[risk]\nmax_ordr_notional = 5000\n' \
  "$T/usdm_btcusdt_20240718.gz" >"$W/typo.toml"
check "config check: a misspelt key names file, line and key" 1 "typo.toml:10: unknown key risk.max_ordr_notional" -- \
  "$HEAN" config check "$W/typo.toml"
check "backtest: the same error" 1 "typo.toml:10: unknown key risk.max_ordr_notional" -- \
  "$HEAN" backtest --config "$W/typo.toml" --out "$W/typo" --quiet
[[ -e "$W/typo" ]] && bad "a failed backtest made its output directory"
sed 's/^max_ordr_notional/max_order_notional/' "$W/typo.toml" >"$W/fixed.toml"
check "config check: the corrected file" 0 "fixed.toml: ok \(1 instruments, 1 data files" -- "$HEAN" config check "$W/fixed.toml"
printf '[run]\ndata = ["no_such.gz"]\n\n[instruments.BTCUSDT]\nvenue = "binance"\ntick = 0.1\nlot = 0.001\n' >"$W/nodata.toml"
check "config check: a missing data file is named" 1 "no_such.gz" -- "$HEAN" config check "$W/nodata.toml"
check "config check: a wrong type" 1 "run.seed: expected an integer" -- "$HEAN" config check "$DEMO" --set run.seed=abc
check "config check: a bad latency spec" 1 "sim.order_latency" -- "$HEAN" config check "$DEMO" --set sim.order_latency=bogus
check "config check: overriding a table" 1 "is a table" -- "$HEAN" config check "$DEMO" --set risk=1
check "config check: --set without =" 1 "expected key=value" -- "$HEAN" config check "$DEMO" --set risk.max_order_notional

# ------------------------------------------------------------------ --set
check "--set shows in the summary" 0 "execution taker_only" -- \
  "$HEAN" backtest --config "$DEMO" --set execution.mode=taker_only --out "$W/taker" --quiet
check "--set shows in config.toml" 0 '^mode = "taker_only"' -- cat "$W/taker/config.toml"
check "--set shows in report.json" 0 '"exec_mode": "taker_only"' -- cat "$W/taker/report.json"
check "taker only: no maker fill" 0 "^0$" -- bash -c "grep -c ',MAKER,' '$W/taker/fills.csv' || true"

# --------------------------------------------------------------------- ab
A="$R/config/exec-fixed-ttl.toml"
B="$R/config/exec-taker.toml"
if [[ ! -f "$A" || ! -f "$B" ]]; then
  # Not written yet: the demo with the mode changed.
  sed 's/^mode = .*/mode = "fixed_ttl"/' "$DEMO" | sed "s|\"\.\./testdata/|\"$R/testdata/|" >"$W/exec-fixed-ttl.toml"
  sed 's/^mode = .*/mode = "taker_only"/' "$DEMO" | sed "s|\"\.\./testdata/|\"$R/testdata/|" >"$W/exec-taker.toml"
  A="$W/exec-fixed-ttl.toml"
  B="$W/exec-taker.toml"
fi
"$HEAN" ab --a "$A" --b "$B" --out "$W/ab" --quiet >"$W/ab.txt" 2>&1 && rc=0 || rc=$?
if [[ $rc == 0 ]]; then ok "ab runs"; else bad "ab exited $rc"; cat "$W/ab.txt"; fi
grep -Eq "^figure +A: exec-fixed-ttl +B: exec-taker +B - A" "$W/ab.txt" && ok "ab prints the table header" ||
  bad "ab: no table header"
grep -Eq "^net_pnl +-?[0-9]" "$W/ab.txt" && grep -Eq "^fills +[0-9]+ +[0-9]+" "$W/ab.txt" && ok "ab prints the figures" ||
  bad "ab: no figures"
grep -Eq "per-trade PnL: B - A = .*95% CI \[.*\].*(not )?significant at 95%" "$W/ab.txt" &&
  ok "ab prints a significance sentence" || bad "ab: no significance sentence"
grep -Eq "^maker_attempts +[1-9][0-9]* +0 " "$W/ab.txt" && ok "ab: taker only makes no maker attempt" ||
  bad "ab: maker attempts not as expected"
missing=""
for f in ab.csv ab.json ab.txt a/report.json a/report.html a/config.toml b/report.json b/fills.csv b/config.toml; do
  [[ -s "$W/ab/$f" ]] || missing+=" $f"
done
[[ -z "$missing" ]] && ok "ab writes ab.csv, ab.json and both reports" || bad "ab: missing$missing"
check "ab: B's config is taker only" 0 '^mode = "taker_only"' -- cat "$W/ab/b/config.toml"
check "ab.csv has the figures" 0 "net_pnl" -- cat "$W/ab/ab.csv"
if command -v python3 >/dev/null; then
  python3 -m json.tool "$W/ab/ab.json" >/dev/null && ok "ab.json is valid JSON" || bad "ab.json is not valid JSON"
fi
check "ab: a bad config B names it" 1 "B \(.*typo.toml\).*unknown key risk.max_ordr_notional" -- \
  "$HEAN" ab --a "$A" --b "$W/typo.toml" --out "$W/ab-bad" --quiet

# ------------------------------------------------------------------ sweep
"$HEAN" sweep --config "$DEMO" --grid strategy.impulse.lookback=20s,30s --grid execution.mode=fixed_ttl,taker_only \
  --jobs 2 --out "$W/sweep" --quiet >"$W/sweep.txt" 2>&1 && rc=0 || rc=$?
if [[ $rc == 0 ]]; then ok "sweep runs"; else bad "sweep exited $rc"; cat "$W/sweep.txt"; fi
runs=$(find "$W/sweep" -mindepth 1 -maxdepth 1 -type d -name 'run-*' | wc -l)
[[ $runs == 4 ]] && ok "sweep: 4 run directories" || bad "sweep: $runs run directories, wanted 4"
for d in run-001 run-002 run-003 run-004; do
  [[ -s "$W/sweep/$d/report.json" && -s "$W/sweep/$d/config.toml" ]] || bad "sweep: $d lacks its report"
done
[[ -s "$W/sweep/sweep.csv" ]] && lines=$(wc -l <"$W/sweep/sweep.csv") || lines=0
[[ $lines == 5 ]] && ok "sweep.csv: a header and 4 runs" || bad "sweep.csv has $lines lines, wanted 5"
check "sweep.csv header" 0 "^rank,run,strategy.impulse.lookback,execution.mode,.*net_pnl" -- head -1 "$W/sweep/sweep.csv"
# Wall-clock figures (report.json's "wall" object) are no results: left
# out, so that sweep.csv is the same for the same runs.
wall_columns="$(head -1 "$W/sweep/sweep.csv" | tr ',' '\n' | grep '^wall\.' || true)"
if [[ -n "$wall_columns" ]]; then
  bad "sweep.csv has wall-clock columns: ${wall_columns//$'\n'/ }"
else
  ok "sweep.csv has no wall-clock column"
fi
grep -q "^ranking by pnl.net_pnl (higher is better):" "$W/sweep.txt" && ok "sweep prints its ranking" ||
  bad "sweep: no ranking line"
[[ $(grep -Ec "^[1-4] +run-00[1-4] +(20s|30s) +(fixed_ttl|taker_only) +-?[0-9]" "$W/sweep.txt") == 4 ]] &&
  ok "sweep: 4 ranked rows" || bad "sweep: ranked rows missing"
# Each run has its own combination, and one of them is the demo with
# fixed_ttl: the same fills as a plain run with that override.
for d in run-001 run-002 run-003 run-004; do
  grep -Eq '^lookback = "(20|30)s"' "$W/sweep/$d/config.toml" || bad "sweep: $d config.toml lacks its lookback"
done
combos=$(for d in run-001 run-002 run-003 run-004; do
  echo "$(grep -E '^lookback = ' "$W/sweep/$d/config.toml") $(grep -E '^mode = ' "$W/sweep/$d/config.toml")"
done | sort -u | wc -l)
[[ $combos == 4 ]] && ok "sweep: 4 different combinations" || bad "sweep: $combos different combinations"
"$HEAN" backtest --config "$DEMO" --set execution.mode=fixed_ttl --out "$W/fixed" --quiet >/dev/null
found=0
for d in run-001 run-002 run-003 run-004; do cmp -s "$W/sweep/$d/fills.csv" "$W/fixed/fills.csv" && found=1; done
[[ $found == 1 ]] && ok "sweep: a run equals the same settings run alone" || bad "sweep: no run equals a plain run"

check "sweep: a grid without = exits 2" 2 "--grid strategy.impulse.lookback: expected key=v1,v2" -- \
  "$HEAN" sweep --config "$DEMO" --grid strategy.impulse.lookback --out "$W/sweep-bad" --quiet
check "sweep: an empty value exits 2" 2 "an empty value" -- \
  "$HEAN" sweep --config "$DEMO" --grid execution.mode=fixed_ttl,,taker_only --out "$W/sweep-bad" --quiet
check "sweep: a bad value fails before anything runs" 2 "execution.mode" -- \
  "$HEAN" sweep --config "$DEMO" --grid execution.mode=fixed_ttl,sometimes --out "$W/sweep-bad" --quiet
[[ -e "$W/sweep-bad" ]] && bad "a rejected sweep made its output directory"
check "sweep: a bad metric exits 2" 2 "--metric no_such_figure" -- \
  "$HEAN" sweep --config "$DEMO" --grid execution.mode=taker_only --metric no_such_figure --out "$W/sweep-metric" --quiet
[[ -e "$W/sweep-metric" ]] && bad "sweep: a bad metric ran the grid before it was refused"
check "sweep: an ambiguous metric exits 2" 2 "--metric p95" -- \
  "$HEAN" sweep --config "$DEMO" --grid execution.mode=taker_only --metric p95 --out "$W/sweep-metric" --quiet
# A count by reason is a figure only when it occurred: accepted up front,
# refused after the runs when no run had it.
check "sweep: a denial count is checked after the runs" 2 "--metric risk.order_denials.MAX_ORDER_NOTIONAL" -- \
  "$HEAN" sweep --config "$DEMO" --grid execution.mode=taker_only --metric risk.order_denials.MAX_ORDER_NOTIONAL \
  --out "$W/sweep-denials" --quiet
[[ -d "$W/sweep-denials/run-001" ]] && ok "sweep: the denial-count metric ran the grid" ||
  bad "sweep: a denial-count metric was refused before the runs"
check "backtest: a negative seed is refused" 105 "seed" -- \
  "$HEAN" backtest --config "$DEMO" --seed -3 --out "$W/negative-seed" --quiet
[[ -e "$W/negative-seed" ]] && bad "backtest: a refused seed made its output directory"

# --------------------------------------------------------------- progress
# Without --quiet and with stderr not a terminal: plain lines, no bar.
"$HEAN" backtest --config "$DEMO" --out "$W/progress" >"$W/progress.out" 2>"$W/progress.err"
if grep -Eq "^backtest: [0-9,]+ events, [0-9]+% of the span, sim time 2024-07-1[89]T.*, ETA" "$W/progress.err" &&
  grep -Eq "^backtest: [0-9,]+ events, 100% of the span" "$W/progress.err"; then
  ok "progress lines on stderr"
else
  bad "no progress lines on stderr"
  head -5 "$W/progress.err"
fi
if grep -q $'\r' "$W/progress.err"; then bad "progress redraws (\\r) although stderr is not a terminal"; else ok "no redraws"; fi
[[ $(wc -l <"$W/progress.err") -le 20 ]] && ok "progress: a line a step, not one per event" || bad "progress: too many lines"
if grep -q "% of the span" "$W/progress.out"; then bad "progress on stdout"; fi
check "--quiet: no progress" 0 "^$" -- bash -c "'$HEAN' backtest --config '$DEMO' --out '$W/q' --quiet 2>&1 >/dev/null"

check "backtest without --config" 106 "config" -- "$HEAN" backtest --out "$W/none"
exit $fail
