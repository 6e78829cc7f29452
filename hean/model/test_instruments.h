// Instruments for tests and benchmarks (not linked into the libraries).
#pragma once

#include "hean/model/instrument.h"

namespace hean::testing_support {

// Bybit BTCUSDT linear perpetual: tick 0.1, lot and min qty 0.001, min
// notional 5 USDT, Bybit's base fees 0.02% maker / 0.055% taker.
inline Instrument BybitBtcUsdt() {
  Instrument i;
  i.symbol = "BTCUSDT";
  i.venue = Venue::kBybit;
  i.kind = InstrumentKind::kLinearPerpetual;
  i.tick_size = Price::FromRaw(100'000'000);  // 0.1
  i.lot_size = Qty::FromRaw(1'000'000);       // 0.001
  i.min_qty = Qty::FromRaw(1'000'000);
  i.min_notional = Notional::FromInt(5);
  i.maker_fee = Rate::FromRaw(200'000);  // 0.0002
  i.taker_fee = Rate::FromRaw(550'000);  // 0.00055
  i.price_precision = 1;
  i.qty_precision = 3;
  return i;
}

// A made-up linear perpetual around 100 USDT: tick 0.01, lot and min qty
// 0.01, no min notional, Bybit's base fees (the execution tests).
inline Instrument Usdt100() {
  Instrument i;
  i.symbol = "AAAUSDT";
  i.venue = Venue::kBybit;
  i.kind = InstrumentKind::kLinearPerpetual;
  i.tick_size = Price::FromRaw(10'000'000);  // 0.01
  i.lot_size = Qty::FromRaw(10'000'000);     // 0.01
  i.min_qty = Qty::FromRaw(10'000'000);
  i.maker_fee = Rate::FromRaw(200'000);  // 0.0002
  i.taker_fee = Rate::FromRaw(550'000);  // 0.00055
  i.price_precision = 2;
  i.qty_precision = 2;
  return i;
}

}  // namespace hean::testing_support
