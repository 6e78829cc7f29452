#!/usr/bin/env bash
# End-to-end test of `hean features` on the repo's fixtures: the features
# CSV on a time grid and per trade, the signals CSV with the shipped
# short-sample config, determinism, and the bad-input paths.
# Usage: features_cli_test.sh HEAN_BINARY REPO_DIR
set -u
HEAN="$1"
R="$2"
T="$R/testdata"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
source "$(dirname "$0")/cli_check.sh"

B18="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"
B19="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240719_head20000.gz"
BTC=(--instrument binance:BTCUSDT:0.1:0.001)

# Defaults: no signal on this calm sample (the 0.5% base threshold is far above its moves).
check "defaults: rows on a 1 s grid, no signal" 0 "impulse: +0 signals" -- \
  "$HEAN" features --data "$B18" "$B19" "${BTC[@]}" -o "$W/f.csv"
check "features header" 0 "^time,ts_ns,symbol,price,trades,bars,atr,threshold,lookback_return,volume_spike" -- head -1 "$W/f.csv"
rows=$(($(wc -l <"$W/f.csv") - 1))
if [[ $rows -ge 250 && $rows -le 300 ]]; then echo "ok: $rows rows a second apart"; else echo "FAIL: $rows rows"; fail=1; fi
cols=$(head -1 "$W/f.csv" | awk -F, '{print NF}')
if awk -F, -v c="$cols" 'NF != c { bad = 1 } END { exit bad }' "$W/f.csv"; then
  echo "ok: every row has $cols columns"
else
  echo "FAIL: rows with a column count other than $cols"
  fail=1
fi

# The shipped short-sample config gives signals; the same run twice gives the same bytes.
check "short-sample config gives signals" 0 "impulse: +[1-9][0-9]* signals" -- \
  "$HEAN" features --data "$B18" "$B19" "${BTC[@]}" --config "$R/config/impulse-short-sample.toml" \
  --every trade -o "$W/a.csv" --signals "$W/sa.csv"
"$HEAN" features --data "$B18" "$B19" "${BTC[@]}" --config "$R/config/impulse-short-sample.toml" \
  --every trade -o "$W/b.csv" --signals "$W/sb.csv" >/dev/null 2>&1
if cmp -s "$W/a.csv" "$W/b.csv" && cmp -s "$W/sa.csv" "$W/sb.csv"; then
  echo "ok: same data and config, same features and signals byte for byte"
else
  echo "FAIL: two runs differ"
  fail=1
fi
check "signals csv" 0 "^time,ts_ns,signal_id,symbol,intent,side,reference_price,confidence,take_profit,stop_loss" -- \
  head -1 "$W/sa.csv"
check "a signal row" 0 ",BTCUSDT,entry,(BUY|SELL),[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,600s,1,impulse" -- sed -n 2p "$W/sa.csv"
check "debug log shows threshold recalculation" 0 "BTCUSDT threshold [0-9.]+% \(atr" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --config "$R/config/impulse-short-sample.toml" -o "$W/c.csv" \
  --log-level debug

# Bad input: each names what is wrong and where.
printf '[analytics.atr]\nperod = 3\n' >"$W/typo.toml"
check "unknown config key with its line" 2 "typo.toml:2: unknown key analytics.atr.perod" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --config "$W/typo.toml" -o "$W/x.csv"
printf '[strategy.impulse]\ncooldown = 30\n' >"$W/type.toml"
check "wrong type names key and expected type" 2 "type.toml:2: strategy.impulse.cooldown: expected a duration string" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --config "$W/type.toml" -o "$W/x.csv"
printf '[analytics.atr]\nfloor = 0.02\ncap = 0.01\n' >"$W/range.toml"
check "out-of-range value names key and line" 2 "range.toml:3: analytics.atr.cap: must be >= analytics.atr.floor" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --config "$W/range.toml" -o "$W/x.csv"
check "missing config" 2 "cannot open config file" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --config "$W/none.toml" -o "$W/x.csv"
check "bad --every" 2 "--every \"10\": expected \"trade\" or a positive duration" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" --every 10 -o "$W/x.csv"
check "unwritable output" 1 "cannot open for writing" -- \
  "$HEAN" features --data "$B18" "${BTC[@]}" -o "$W/no/such/dir/x.csv"
check "truncated input is reported" 1 "usdm_btcusdt_20240718.cut.gz" -- \
  bash -c "head -c 200000 '$B18' >'$W/usdm_btcusdt_20240718.cut.gz'; '$HEAN' features --data '$W/usdm_btcusdt_20240718.cut.gz' ${BTC[*]} -o '$W/x.csv'"

exit $fail
