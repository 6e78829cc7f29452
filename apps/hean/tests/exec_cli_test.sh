#!/usr/bin/env bash
# End-to-end test of `hean exec` on the repo's fixtures: the three execution
# modes on the same requests, determinism, the fills CSV, a config file,
# and the bad-input paths.
# Usage: exec_cli_test.sh HEAN_BINARY REPO_DIR
set -u
HEAN="$1"
T="$2/testdata"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
source "$(dirname "$0")/cli_check.sh"

B18="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"
B19="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240719_head20000.gz"
BTC=(--symbol BTCUSDT --tick 0.1 --lot 0.001)

check "three modes side by side" 0 "mode +fixed_ttl +adaptive_ttl +taker_only" -- "$HEAN" exec "$B18" "$B19" "${BTC[@]}"
check "every request ends" 0 "unfinished at the end +0 +0 +0" -- "$HEAN" exec "$B18" "$B19" "${BTC[@]}"
check "taker only never rests an order" 0 "maker share of filled qty .* 0\.0%$" -- \
  "$HEAN" exec "$B18" "${BTC[@]}" --mode fixed_ttl,taker_only
check "one mode" 0 "mode +adaptive_ttl$" -- "$HEAN" exec "$B18" "${BTC[@]}" --mode adaptive_ttl
check "aggressive urgency takes at once" 0 "re-posts per request \(mean\) +0\.00$" -- \
  "$HEAN" exec "$B18" "${BTC[@]}" --mode fixed_ttl --urgency aggressive --qty 0.001

"$HEAN" exec "$B18" "$B19" "${BTC[@]}" --fills-csv "$W/a.csv" >"$W/a.txt" 2>&1
"$HEAN" exec "$B18" "$B19" "${BTC[@]}" --fills-csv "$W/b.csv" >"$W/b.txt" 2>&1
if diff -q <(grep -v "router wall time\|^fills written" "$W/a.txt") <(grep -v "router wall time\|^fills written" "$W/b.txt") >/dev/null &&
  cmp -s "$W/a.csv" "$W/b.csv" && [[ $(wc -l <"$W/a.csv") -gt 10 ]]; then
  echo "ok: two runs, the same table (but wall times) and fills byte for byte"
else
  echo "FAIL: two runs differ (or no fills)"
  fail=1
fi
check "fills csv header" 0 "^mode,ts_ns,request,side,liquidity,price,qty,fee,arrival_mid,slippage_bps" -- head -1 "$W/a.csv"

printf '[execution]\nfixed_ttl = "300ms"\nmax_reposts = 1\n[risk]\norders_per_second = 50\n' >"$W/ok.toml"
check "config file" 0 "TTL p50 / p95 +300\.0ms / 300\.0ms" -- "$HEAN" exec "$B18" "${BTC[@]}" --mode fixed_ttl --config "$W/ok.toml"
check "the shipped defaults load" 0 "mode" -- "$HEAN" exec "$B18" "${BTC[@]}" --mode fixed_ttl --config "$2/config/execution-defaults.toml"

# Bad input: each names what is wrong.
printf '[execution]\nmax_reposts = -1\n' >"$W/bad.toml"
check "bad value names key and line" 2 "bad.toml:2: execution.max_reposts: must be >= 0" -- \
  "$HEAN" exec "$B18" "${BTC[@]}" --config "$W/bad.toml"
printf '[execution]\nmax_repost = 2\n' >"$W/typo.toml"
check "unknown key names the key" 2 "unknown key execution.max_repost" -- "$HEAN" exec "$B18" "${BTC[@]}" --config "$W/typo.toml"
check "bad mode" 2 "unknown mode 'foo'" -- "$HEAN" exec "$B18" "${BTC[@]}" --mode foo
check "bad urgency" 2 "--urgency" -- "$HEAN" exec "$B18" "${BTC[@]}" --urgency hurry
check "qty off the lot" 1 "0.0005" -- "$HEAN" exec "$B18" "${BTC[@]}" --qty 0.0005
check "symbol not in the data" 1 "ETHBTC" -- "$HEAN" exec "$B18" --symbol ETHBTC --tick 0.1 --lot 0.001 --venue binance
check "missing file" 1 "no_such" -- "$HEAN" exec "$W/no_such.gz" "${BTC[@]}"
exit $fail
