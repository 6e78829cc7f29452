// Instrument: what can be traded and the exchange's rules for its orders.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/model/types.h"

namespace hean {

// kUnknown: data whose venue is not stated (e.g. a candle CSV).
enum class Venue : std::uint8_t { kUnknown = 0, kBybit = 1, kBinance = 2 };
std::string_view ToString(Venue v) noexcept;
Result<Venue, Status> ParseVenue(std::string_view s);

enum class InstrumentKind : std::uint8_t { kLinearPerpetual = 1, kInversePerpetual = 2, kSpot = 3 };
std::string_view ToString(InstrumentKind k) noexcept;

// Why a price or quantity does not fit an instrument's rules.
enum class InstrumentError : std::uint8_t {
  kPriceNotPositive = 1,
  kPriceUndefined,
  kPriceOffTick,
  kQtyNotPositive,
  kQtyOffLot,
  kQtyBelowMin,
  kNotionalBelowMin,
};
std::string_view ToString(InstrumentError e) noexcept;

// An instrument's static description: symbol, venue, kind, tick and lot
// sizes, minimums, fee rates and display precisions. A plain value;
// thread-compatible.
struct Instrument {
  InstrumentId id;     // assigned by InstrumentRegistry::Add
  std::string symbol;  // venue symbol, e.g. "BTCUSDT"
  Venue venue = Venue::kBybit;
  InstrumentKind kind = InstrumentKind::kLinearPerpetual;
  Price tick_size;          // price increment (> 0)
  Qty lot_size;             // qty increment (> 0)
  Qty min_qty;              // smallest order qty (a multiple of lot_size)
  Notional min_notional;    // smallest order value, 0 for none
  Rate maker_fee;           // e.g. 0.0002; negative is a rebate
  Rate taker_fee;           // e.g. 0.00055
  int price_precision = 0;  // decimals shown for prices (covers tick_size)
  int qty_precision = 0;    // decimals shown for quantities (covers lot_size)

  // Checks the description itself: positive tick and lot, min_qty a
  // multiple of lot, precisions 0..9 and fine enough for tick and lot.
  // The message names the symbol and the field.
  [[nodiscard]] Status Validate() const;

  // Order-level checks. A market order's price is not checked here.
  [[nodiscard]] Result<void, InstrumentError> CheckPrice(Price p) const noexcept;
  [[nodiscard]] Result<void, InstrumentError> CheckQty(Qty q) const noexcept;
  // Qty on lot and >= min, price on tick, and price * qty >= min_notional.
  [[nodiscard]] Result<void, InstrumentError> CheckOrder(Price p, Qty q) const noexcept;

  Price RoundPriceDown(Price p) const noexcept { return p.FloorTo(tick_size); }
  Price RoundPriceUp(Price p) const noexcept { return p.CeilTo(tick_size); }
  Qty RoundQtyDown(Qty q) const noexcept { return q.FloorTo(lot_size); }

  std::string FormatPrice(Price p) const { return p.ToString(price_precision); }
  std::string FormatQty(Qty q) const { return q.ToString(qty_precision); }
};

// Decimal places needed to write `step` exactly (0.10 -> 1, 0.001 -> 3).
int DecimalsOf(std::int64_t raw_step) noexcept;

// The instruments of one engine, indexed by InstrumentId. Owned by the
// engine (no global registry). Not thread-safe: filled at start-up, then
// read by the engine thread.
class InstrumentRegistry {
 public:
  // Validates and adds `inst`, assigning its id. Errors: invalid
  // description, or the same (venue, symbol) twice.
  Result<InstrumentId, Status> Add(Instrument inst);

  const Instrument* Find(Venue venue, std::string_view symbol) const;
  // Aborts on an id this registry did not issue (a broken invariant).
  const Instrument& Get(InstrumentId id) const;
  bool Contains(InstrumentId id) const noexcept { return id.value < instruments_.size(); }
  std::size_t size() const noexcept { return instruments_.size(); }
  const std::vector<Instrument>& all() const noexcept { return instruments_; }

 private:
  std::vector<Instrument> instruments_;
  std::map<std::pair<Venue, std::string>, InstrumentId, std::less<>> by_symbol_;
};

}  // namespace hean
