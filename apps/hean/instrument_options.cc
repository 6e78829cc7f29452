#include "apps/hean/instrument_options.h"

#include "hean/core/decimal.h"

namespace hean::app {

namespace {

template <class T>
Status ParseOpt(const std::string& text, const char* option, T* out) {
  auto r = T::Parse(text);
  if (!r.ok()) return DecimalErrorStatus(r.error(), option, text);
  *out = *r;
  return Status::Ok();
}

}  // namespace

void AddInstrumentOptions(CLI::App* cmd, InstrumentOptions& o) {
  cmd->add_option("--symbol", o.symbol, "instrument to trade, e.g. BTCUSDT")->required();
  cmd->add_option("--venue", o.venue, "bybit or binance (default: as the files say)");
  cmd->add_option("--tick", o.tick, "tick size, e.g. 0.1");
  cmd->add_option("--lot", o.lot, "lot size, e.g. 0.001");
  cmd->add_option("--min-qty", o.min_qty, "minimum order qty (default: one lot)");
  cmd->add_option("--min-notional", o.min_notional, "minimum order value in USDT (default 5)");
  cmd->add_option("--maker-fee", o.maker_fee, "maker fee rate (default 0.0002, Bybit; negative is a rebate)");
  cmd->add_option("--taker-fee", o.taker_fee, "taker fee rate (default 0.00055, Bybit)");
}

Result<Instrument, Status> MakeInstrument(const InstrumentOptions& o) {
  Instrument inst;
  inst.symbol = o.symbol;
  inst.venue = Venue::kUnknown;
  if (o.tick.empty() || o.lot.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "--tick and --lot are required: the instrument's tick and lot sizes (BTCUSDT: --tick 0.1 --lot "
                  "0.001)");
  }
  const Status reads[] = {
      ParseOpt(o.tick, "--tick", &inst.tick_size),
      ParseOpt(o.lot, "--lot", &inst.lot_size),
      ParseOpt(o.min_notional, "--min-notional", &inst.min_notional),
      ParseOpt(o.maker_fee, "--maker-fee", &inst.maker_fee),
      ParseOpt(o.taker_fee, "--taker-fee", &inst.taker_fee),
  };
  for (const Status& s : reads) {
    if (!s.ok()) return s;
  }
  inst.min_qty = inst.lot_size;
  if (!o.min_qty.empty()) {
    if (Status s = ParseOpt(o.min_qty, "--min-qty", &inst.min_qty); !s.ok()) return s;
  }
  inst.price_precision = DecimalsOf(inst.tick_size.raw());
  inst.qty_precision = DecimalsOf(inst.lot_size.raw());
  if (!o.venue.empty()) {
    auto v = ParseVenue(o.venue);
    if (!v.ok()) return v.error();
    inst.venue = *v;
  }
  return inst;
}

}  // namespace hean::app
