// Position: one net position in a linear (USDT-margined) perpetual, with
// exact fixed-point accounting of entry cost, realized and unrealized PnL,
// fees and funding. The functions below are the whole bookkeeping; the
// Portfolio (portfolio.h) only applies them to its ledgers.
//
// Rounding rules (every value is a count of 1e-9 units; see decimal.h):
//   * A fill's notional is price x qty rounded half away from zero, once per
//     fill; every ledger that books the fill books that same figure.
//   * `cost` is the exact entry cost of the open qty: the sum of the
//     notionals of the fills that opened it, less what reductions released.
//     It is never rebuilt from a rounded average price.
//   * A reduction of q out of an open |Q| (0 < q < |Q|) releases
//     cost x q / |Q|, computed in 128 bits and rounded half away from zero
//     (ReleasedCost). Closing the whole position releases exactly the cost
//     that remains, so a position that returns to flat leaves no residue.
//   * Realized PnL of a reduction with exit notional E (price x q) and
//     released cost C is E - C for a long and C - E for a short.
//   * A fill that crosses zero (a flip) first closes the whole old position
//     at the fill price: E is price x |Q| rounded, C is the whole cost. The
//     new side opens with cost = (fill notional - E), so the two parts add
//     up to the fill's notional exactly.
//   * avg_entry_price() = cost / |qty| via DivideToPrice, rounded half away
//     from zero to 1e-9: for display only, never fed back into the books.
//   * Unrealized PnL at valuation price V is |qty| x V (rounded) - cost for
//     a long and cost - |qty| x V for a short; zero while flat or while no
//     valuation price is known (the position is then carried at cost).
//   * Funding on a funding timestamp: payment = |qty| x mark (rounded) x rate
//     (rounded), both half away from zero, with the sign of the position: a
//     long pays a positive rate, a short receives it; a negative rate
//     reverses both. Positive `funding` means paid.
//
// Plain value type and pure functions: thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

// Why the portfolio refused an input. A refused input changes nothing.
enum class PortfolioError : std::uint8_t {
  kUnknownInstrument = 1,  // invalid id, or an id the registry did not issue
  kUnsupportedKind,        // the registry says it is not a linear perpetual
  kBadSide,                // a side that is neither buy nor sell
  kBadQty,                 // fill qty undefined, zero or negative
  kBadPrice,               // fill, mid, mark or funding price undefined, zero or negative
  kBadFee,                 // fee undefined
  kBadRate,                // funding rate undefined
  kOverflow,               // a result outside the fixed-point range
};
inline constexpr int kPortfolioErrorCount = 8;
std::string_view ToString(PortfolioError e) noexcept;

// One net position: per instrument for the account, or per (strategy,
// instrument) for attribution (strategy empty for the account's own).
struct Position {
  InstrumentId instrument;
  StrategyId strategy;
  Qty qty;                                     // signed: > 0 long, < 0 short
  Notional cost;                               // exact entry cost of the open qty, >= 0; zero when flat
  Notional realized_pnl;                       // gross: before fees and funding
  Notional unrealized_pnl;                     // at valuation_price
  Notional fees;                               // paid > 0, rebates < 0
  Notional funding;                            // paid > 0, received < 0
  Price valuation_price = Price::Undefined();  // what unrealized is marked at; Undefined: at cost
  std::uint64_t fill_count = 0;
  UnixNanos ts_opened;  // when it last left flat (or flipped)
  UnixNanos ts_last;    // last fill, mark or funding

  bool is_flat() const noexcept { return qty.IsZero(); }
  bool is_long() const noexcept { return qty.IsPositive(); }
  bool is_short() const noexcept { return qty.IsNegative(); }
  // cost / |qty| rounded half away from zero; Undefined when flat.
  Price avg_entry_price() const noexcept;
  // realized - fees - funding + unrealized; kOverflow if out of range.
  Result<Notional, PortfolioError> NetPnl() const noexcept;
};

// cost x part / whole in 128 bits, rounded half away from zero. Requires
// whole > 0 and 0 <= part <= whole; the result's magnitude is at most
// |cost|, so it cannot overflow.
Notional ReleasedCost(Notional cost, Qty part, Qty whole) noexcept;

// The position after a fill of `qty` (> 0) at `price` (> 0) on `side`, with
// `fee` added to its fees, revalued at its valuation_price. Errors:
// kBadSide, kBadQty, kBadPrice, kBadFee, kOverflow. `p` is not modified.
Result<Position, PortfolioError> ApplyFillToPosition(const Position& p, Side side, Price price, Qty qty, Notional fee,
                                                     UnixNanos ts) noexcept;

// The position valued at `price` (> 0): sets valuation_price and
// unrealized_pnl. Errors: kBadPrice, kOverflow.
Result<Position, PortfolioError> RevaluePosition(const Position& p, Price price, UnixNanos ts) noexcept;

// The funding payment of a position of signed `qty` at `mark` (> 0) and
// `rate`: positive is paid, negative received (see the rules above).
// Errors: kBadPrice, kBadRate, kOverflow.
Result<Notional, PortfolioError> FundingPayment(Qty qty, Price mark, Rate rate) noexcept;

}  // namespace hean
