#!/usr/bin/env bash
# End-to-end test of `hean data` on the repo's fixtures: convert every raw
# format into one .hev file, then info / verify / dump on raw and native
# files, and the bad-input paths. Usage: data_cli_test.sh HEAN_BINARY REPO_DIR
set -u
HEAN="$1"
T="$2/testdata"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
source "$(dirname "$0")/cli_check.sh"

B18="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"
B19="$T/binance-usdm-2024-07-18/usdm_btcusdt_20240719_head20000.gz"
E18="$T/binance-usdm-2024-07-18/usdm_ethusdt_20240718.gz"
XRP="$T/bybit-ob500-xrpusdt-2024-12-01/xrpusdt-ob500.data.zip"

# The decisive check from the command line: books rebuilt from snapshot +
# diffs equal Binance's own bookTicker at every matching update id.
check "verify binance btc 18+19" 0 "top of book vs the venue's quotes at equal update ids: ([0-9]+) of \\1 match" -- \
  "$HEAN" data verify "$B18" "$B19"
check "verify bybit ob500 zip" 0 "BYBIT:XRPUSDT \\(bybit builder, tick 0.0001\\): valid, update id 20254918" -- \
  "$HEAN" data verify "$XRP"

# Every raw format converts; the merged file reads back.
inputs=("$B18" "$E18" "$XRP")
for f in "$T"/tardis-binance-futures/*.csv "$T"/tardis-incremental-l2/*.csv "$T"/bybit-trades/*.csv \
  "$T"/candles-1m/*.csv "$T"/bybit-v5-doc-examples/websocket_public_orderbook__01.json \
  "$T"/bybit-v5-doc-examples/websocket_public_trade__00.json; do
  check "info $(basename "$f")" 0 "events: [1-9]" -- "$HEAN" data info "$f"
  check "convert $(basename "$f")" 0 "wrote .*: [1-9][0-9]* events" -- "$HEAN" data convert "$f" -o "$W/one.hev"
  inputs+=("$f")
done
check "convert all" 0 "wrote .*all.hev: [0-9]+ events" -- "$HEAN" data convert "${inputs[@]}" -o "$W/all.hev"
check "info hev" 0 "format: hev" -- "$HEAN" data info "$W/all.hev"
check "info hev instruments" 0 "BYBIT:XRPUSDT  events 2967" -- "$HEAN" data info "$W/all.hev"
"$HEAN" data convert "$B18" "$E18" "$XRP" -o "$W/clean.hev" >/dev/null
check "verify hev" 0 "BINANCE:ETHUSDT \\(binance builder, tick 0.01\\): valid" -- "$HEAN" data verify "$W/clean.hev"
check "verify hev quotes" 0 "equal update ids: ([0-9]+) of \\1 match" -- "$HEAN" data verify "$W/clean.hev"
# The merged file holds a lone Bybit delta (a documentation example): verify
# must say so.
check "verify reports a delta before any snapshot" 1 "INVALID BYBIT:BTCUSDT DELTA_BEFORE_SNAPSHOT" -- \
  "$HEAN" data verify "$W/all.hev"

# Dump: the same events from the raw file and its .hev twin.
"$HEAN" data convert "$B18" -o "$W/b18.hev" >/dev/null
"$HEAN" data dump "$B18" >"$W/raw.csv"
"$HEAN" data dump "$W/b18.hev" >"$W/hev.csv"
if cmp -s "$W/raw.csv" "$W/hev.csv" && [[ $(wc -l <"$W/raw.csv") -gt 80000 ]]; then
  echo "ok: dump raw == dump hev ($(wc -l <"$W/raw.csv") lines)"
else
  echo "FAIL: dump of the raw capture and of its .hev differ"
  fail=1
fi
check "dump book top" 0 "^ts_recv,ts_event,instrument,update_id,valid,bid1_price,bid1_qty,bid2_price" -- \
  "$HEAN" data dump "$XRP" --book-top 2
check "dump book top row" 0 "BYBIT:XRPUSDT,20254918,1,1.9537,10605," -- "$HEAN" data dump "$XRP" --book-top 1
check "dump kinds" 0 "TRADE,BINANCE:BTCUSDT" -- "$HEAN" data dump "$B18" --kinds trade

# Bad input: named file and line, fail by default, skip counts by reason.
printf '1721347020984480942 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"p":"abc","q":"1","m":true}}\n' >"$W/bad.txt"
zcat "$B18" | head -200 >>"$W/bad.txt"
check "bad line fails" 1 "bad.txt:1: field \"p\": \"abc\" is not a decimal \\(invalid character\\)" -- "$HEAN" data info "$W/bad.txt"
check "bad line skipped" 0 "skipped lines: 1" -- "$HEAN" data info --on-error=skip "$W/bad.txt"
check "convert bad fails" 1 "no output written" -- "$HEAN" data convert "$W/bad.txt" -o "$W/bad.hev"
head -c 300000 "$B18" >"$W/cut.gz"
check "truncated gzip reported" 1 "cut.gz: after line [0-9]+: compressed stream ends early" -- \
  "$HEAN" data info "$W/cut.gz"
check "truncated gzip keeps the rest" 1 "the output keeps every event before the problem" -- \
  "$HEAN" data convert "$W/cut.gz" -o "$W/cut.hev"
check "truncated gzip output readable" 0 "events: [1-9]" -- "$HEAN" data info "$W/cut.hev"
head -c 1000 "$W/all.hev" >"$W/short.hev"
check "truncated hev" 1 "short.hev" -- "$HEAN" data info "$W/short.hev"
printf 'hello,world\n1,2\n' >"$W/unknown.csv"
check "unknown format" 1 "unknown.csv:1: format not recognised" -- "$HEAN" data info "$W/unknown.csv"
check "bad --instrument" 2 "expected VENUE:SYMBOL:TICK:LOT" -- "$HEAN" data verify --instrument foo "$XRP"
check "missing file" 1 "nope.gz: cannot open" -- "$HEAN" data info "$W/nope.gz"
exit $fail
