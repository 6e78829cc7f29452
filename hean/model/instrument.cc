#include "hean/model/instrument.h"

#include "hean/core/check.h"

namespace hean {

std::string_view ToString(Venue v) noexcept {
  switch (v) {
    case Venue::kBybit: return "BYBIT";
    case Venue::kBinance: return "BINANCE";
    case Venue::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

Result<Venue, Status> ParseVenue(std::string_view s) {
  if (s == "BYBIT" || s == "bybit") return Venue::kBybit;
  if (s == "BINANCE" || s == "binance") return Venue::kBinance;
  if (s == "UNKNOWN" || s == "unknown") return Venue::kUnknown;
  return InvalidArgumentError("unknown venue \"" + std::string(s) + "\" (expected bybit or binance)");
}

std::string_view ToString(InstrumentKind k) noexcept {
  switch (k) {
    case InstrumentKind::kLinearPerpetual: return "LINEAR_PERPETUAL";
    case InstrumentKind::kInversePerpetual: return "INVERSE_PERPETUAL";
    case InstrumentKind::kSpot: return "SPOT";
  }
  return "UNKNOWN";
}

std::string_view ToString(InstrumentError e) noexcept {
  switch (e) {
    case InstrumentError::kPriceNotPositive: return "price not positive";
    case InstrumentError::kPriceUndefined: return "price undefined";
    case InstrumentError::kPriceOffTick: return "price not a multiple of the tick size";
    case InstrumentError::kQtyNotPositive: return "qty not positive";
    case InstrumentError::kQtyOffLot: return "qty not a multiple of the lot size";
    case InstrumentError::kQtyBelowMin: return "qty below the minimum";
    case InstrumentError::kNotionalBelowMin: return "notional below the minimum";
  }
  return "unknown instrument error";
}

int DecimalsOf(std::int64_t raw_step) noexcept {
  if (raw_step <= 0) return kFixedDecimals;
  int d = kFixedDecimals;
  while (d > 0 && raw_step % 10 == 0) {
    raw_step /= 10;
    --d;
  }
  return d;
}

Status Instrument::Validate() const {
  const std::string where = "instrument " + symbol + ": ";
  if (symbol.empty()) return InvalidArgumentError("instrument: empty symbol");
  if (!tick_size.IsPositive() || !tick_size.IsDefined()) {
    return InvalidArgumentError(where + "tick_size must be > 0, got " + tick_size.ToString());
  }
  if (!lot_size.IsPositive() || !lot_size.IsDefined()) {
    return InvalidArgumentError(where + "lot_size must be > 0, got " + lot_size.ToString());
  }
  if (min_qty.IsNegative() || (!min_qty.IsZero() && !min_qty.IsMultipleOf(lot_size))) {
    return InvalidArgumentError(where + "min_qty " + min_qty.ToString() + " must be >= 0 and a multiple of lot_size " +
                                lot_size.ToString());
  }
  if (min_notional.IsNegative()) {
    return InvalidArgumentError(where + "min_notional must be >= 0, got " + min_notional.ToString());
  }
  if (price_precision < 0 || price_precision > kFixedDecimals || price_precision < DecimalsOf(tick_size.raw())) {
    return InvalidArgumentError(where + "price_precision " + std::to_string(price_precision) +
                                " must be in 0..9 and show tick_size " + tick_size.ToString());
  }
  if (qty_precision < 0 || qty_precision > kFixedDecimals || qty_precision < DecimalsOf(lot_size.raw())) {
    return InvalidArgumentError(where + "qty_precision " + std::to_string(qty_precision) +
                                " must be in 0..9 and show lot_size " + lot_size.ToString());
  }
  return Status::Ok();
}

Result<void, InstrumentError> Instrument::CheckPrice(Price p) const noexcept {
  if (!p.IsDefined()) return MakeUnexpected(InstrumentError::kPriceUndefined);
  if (!p.IsPositive()) return MakeUnexpected(InstrumentError::kPriceNotPositive);
  if (!p.IsMultipleOf(tick_size)) return MakeUnexpected(InstrumentError::kPriceOffTick);
  return {};
}

Result<void, InstrumentError> Instrument::CheckQty(Qty q) const noexcept {
  if (!q.IsPositive() || !q.IsDefined()) return MakeUnexpected(InstrumentError::kQtyNotPositive);
  if (!q.IsMultipleOf(lot_size)) return MakeUnexpected(InstrumentError::kQtyOffLot);
  if (q < min_qty) return MakeUnexpected(InstrumentError::kQtyBelowMin);
  return {};
}

Result<void, InstrumentError> Instrument::CheckOrder(Price p, Qty q) const noexcept {
  if (auto r = CheckQty(q); !r.ok()) return r;
  if (auto r = CheckPrice(p); !r.ok()) return r;
  // An overflowing notional is far above any minimum; max-notional limits
  // belong to the risk governor.
  auto n = CheckedNotional(p, q);
  if (n.ok() && *n < min_notional) return MakeUnexpected(InstrumentError::kNotionalBelowMin);
  return {};
}

Result<InstrumentId, Status> InstrumentRegistry::Add(Instrument inst) {
  if (Status s = inst.Validate(); !s.ok()) return s;
  auto key = std::make_pair(inst.venue, inst.symbol);
  if (by_symbol_.count(key) != 0) {
    return AlreadyExistsError("instrument " + std::string(ToString(inst.venue)) + ":" + inst.symbol +
                              " registered twice");
  }
  const InstrumentId id{static_cast<std::uint32_t>(instruments_.size())};
  inst.id = id;
  by_symbol_.emplace(std::move(key), id);
  instruments_.push_back(std::move(inst));
  return id;
}

const Instrument* InstrumentRegistry::Find(Venue venue, std::string_view symbol) const {
  auto it = by_symbol_.find(std::make_pair(venue, std::string(symbol)));
  return it == by_symbol_.end() ? nullptr : &instruments_[it->second.value];
}

const Instrument& InstrumentRegistry::Get(InstrumentId id) const {
  HEAN_CHECK(Contains(id), "InstrumentId not issued by this registry");
  return instruments_[id.value];
}

}  // namespace hean
