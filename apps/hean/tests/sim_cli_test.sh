#!/usr/bin/env bash
# End-to-end test of `hean sim` on the repo's fixtures: a run that trades,
# determinism of two runs, the fills CSV, and the bad-input paths.
# Usage: sim_cli_test.sh HEAN_BINARY REPO_DIR
set -u
HEAN="$1"
T="$2/testdata"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
source "$(dirname "$0")/cli_check.sh"

B18="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"
B19="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240719_head20000.gz"
E18="$T/binance-usdm-2024-07-18/usdm_ethusdt_20240718.gz"
BTC=(--symbol BTCUSDT --tick 0.1 --lot 0.001)

check "quoting loop trades as a maker" 0 "fills [0-9]+: maker [1-9][0-9]* .*taker 0" -- \
  "$HEAN" sim "$B18" "$B19" "${BTC[@]}"
check "report has pnl and queue statistics" 0 "mean qty ahead at join" -- "$HEAN" sim "$B18" "${BTC[@]}"
check "other instruments in the files are left out" 0 "fills \([1-9]" -- "$HEAN" sim "$B18" "$E18" "${BTC[@]}"

"$HEAN" sim "$B18" "$B19" "${BTC[@]}" --seed 5 --fills-csv "$W/a.csv" >"$W/a.txt" 2>&1
"$HEAN" sim "$B18" "$B19" "${BTC[@]}" --seed 5 --fills-csv "$W/b.csv" >"$W/b.txt" 2>&1
if diff -q <(grep -v "^fills written" "$W/a.txt") <(grep -v "^fills written" "$W/b.txt") >/dev/null && cmp -s "$W/a.csv" "$W/b.csv" && [[ $(wc -l <"$W/a.csv") -gt 2 ]]; then
  echo "ok: same seed, same report and fills byte for byte"
else
  echo "FAIL: two runs with the same seed differ (or no fills)"
  fail=1
fi
check "fills csv header" 0 "^ts_exchange_ns,ts_local_ns,order,side,liquidity,price,qty,fee" -- head -1 "$W/a.csv"
check "constant latencies and a model for market data" 0 "market data constant\(5ms\)" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --order-latency constant:2ms --response-latency constant:1ms --md-latency constant:5ms
check "pessimistic queue" 0 "queue pessimistic" -- "$HEAN" sim "$B18" "${BTC[@]}" --queue pessimistic
printf '0 100us\n0.5 400us\n1 3ms\n' >"$W/lat.txt"
check "empirical latency file" 0 "empirical\(3 points" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --order-latency "empirical:$W/lat.txt"

# Bad input: each names what is wrong.
check "tick and lot required" 2 "--tick and --lot are required" -- "$HEAN" sim "$B18" --symbol BTCUSDT
check "bad tick" 2 "--tick" -- "$HEAN" sim "$B18" --symbol BTCUSDT --tick abc --lot 0.001
check "qty off the lot grid" 2 "not a multiple of the lot size" -- "$HEAN" sim "$B18" "${BTC[@]}" --qty 0.0015
check "unknown queue model" 2 "queue model \"fifo\" is not one of" -- "$HEAN" sim "$B18" "${BTC[@]}" --queue fifo
check "latency without unit" 2 "needs a unit" -- "$HEAN" sim "$B18" "${BTC[@]}" --order-latency constant:5
check "latency file line named" 2 "lat2.txt:2: .*quantiles must increase|lat2.txt: empirical latency point 2: quantiles must increase" -- \
  bash -c "printf '0 1ms\n0 2ms\n1 3ms\n' >'$W/lat2.txt'; '$HEAN' sim '$B18' ${BTC[*]} --order-latency 'empirical:$W/lat2.txt'"
check "missing latency file" 2 "cannot open latency quantile file" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --order-latency "empirical:$W/none.txt"
check "symbol not in the files" 2 "cannot tell the venue of DOGEUSDT" -- \
  "$HEAN" sim "$B18" --symbol DOGEUSDT --tick 0.1 --lot 0.001
check "symbol not in the files, venue given" 1 "no market data for DOGEUSDT" -- \
  "$HEAN" sim "$B18" --symbol DOGEUSDT --tick 0.1 --lot 0.001 --venue binance
check "missing data file" 1 "nothere" -- "$HEAN" sim "$W/nothere.gz" "${BTC[@]}"

# The risk governor in front of the loop: the kill switch, twice, ends flat.
check "every order passes the risk governor" 0 "state NORMAL  requests [0-9]+  approved [1-9]" -- "$HEAN" sim "$B18" "${BTC[@]}"
check "kill switch cancels, flattens and reports flat" 0 \
  "kill switch: called 2 time\(s\), [1-9][0-9]* flatten order\(s\); flat with no open orders at [0-9]+" -- \
  "$HEAN" sim "$B18" "$B19" "${BTC[@]}" --kill-at 120s --kill-at 150s
check "after the kill switch the position is flat" 0 "position 0.000" -- \
  "$HEAN" sim "$B18" "$B19" "${BTC[@]}" --kill-at 120s
check "kill switch is logged" 0 "KILL SWITCH \(--kill-at 120s\): HARD_STOP" -- "$HEAN" sim "$B18" "${BTC[@]}" --kill-at 2m
check "the documented defaults load" 0 "risk:" -- "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$2/config/risk-defaults.toml"
printf '[risk]\nmax_order_notional = 50.0\n' >"$W/tight.toml"
check "a tight order limit denies the quotes by reason" 0 "denied by reason: MAX_ORDER_NOTIONAL [1-9]" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/tight.toml"
printf '[risk]\nmax_order_notionl = 50.0\n' >"$W/typo.toml"
check "unknown risk key named with its line" 2 "typo.toml:2: unknown key risk.max_order_notionl" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/typo.toml"
printf '[risk]\nmax_open_orders = -1\n' >"$W/neg.toml"
check "wrong type named with its line" 2 "neg.toml:2: risk.max_open_orders" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/neg.toml"
printf '[risk.states]\naccount_drawdown = 1.5\n' >"$W/range.toml"
check "out of range named with its line" 2 "range.toml:2: risk.states.account_drawdown: must be in" -- \
  "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/range.toml"
printf '[risk]\n[strategy]\nx = 1\n' >"$W/other.toml"
check "other tables refused" 2 "unknown key strategy.x" -- "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/other.toml"
check "missing risk config" 2 "none.toml" -- "$HEAN" sim "$B18" "${BTC[@]}" --risk-config "$W/none.toml"
check "bad --kill-at" 2 "--kill-at \"soon\": expected" -- "$HEAN" sim "$B18" "${BTC[@]}" --kill-at soon
exit $fail
