#include "hean/portfolio/position.h"

namespace hean {

namespace {

Qty Abs(Qty q) noexcept { return q.IsNegative() ? -q : q; }

// |qty| x V - cost for a long, cost - |qty| x V for a short; zero while flat
// or while there is no valuation price (carried at cost).
Result<Notional, PortfolioError> Unrealized(const Position& p) noexcept {
  if (p.is_flat() || !p.valuation_price.IsDefined()) return Notional::Zero();
  auto value = CheckedNotional(p.valuation_price, Abs(p.qty));
  if (!value.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  auto u = p.is_long() ? Notional::CheckedSub(*value, p.cost) : Notional::CheckedSub(p.cost, *value);
  if (!u.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  return *u;
}

bool IsValidPrice(Price p) noexcept { return p.IsDefined() && p.IsPositive(); }

}  // namespace

std::string_view ToString(PortfolioError e) noexcept {
  switch (e) {
    case PortfolioError::kUnknownInstrument: return "unknown_instrument";
    case PortfolioError::kUnsupportedKind: return "unsupported_kind";
    case PortfolioError::kBadSide: return "bad_side";
    case PortfolioError::kBadQty: return "bad_qty";
    case PortfolioError::kBadPrice: return "bad_price";
    case PortfolioError::kBadFee: return "bad_fee";
    case PortfolioError::kBadRate: return "bad_rate";
    case PortfolioError::kOverflow: return "overflow";
  }
  return "?";
}

Price Position::avg_entry_price() const noexcept {
  if (is_flat()) return Price::Undefined();
  auto r = DivideToPrice(cost, Abs(qty));
  return r.ok() ? *r : Price::Undefined();
}

Result<Notional, PortfolioError> Position::NetPnl() const noexcept {
  auto a = Notional::CheckedSub(realized_pnl, fees);
  if (!a.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  auto b = Notional::CheckedSub(*a, funding);
  if (!b.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  auto c = Notional::CheckedAdd(*b, unrealized_pnl);
  if (!c.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  return *c;
}

Notional ReleasedCost(Notional cost, Qty part, Qty whole) noexcept {
  HEAN_DCHECK(whole.IsPositive() && !part.IsNegative() && part <= whole, "ReleasedCost needs 0 <= part <= whole");
  if (part == whole) return cost;
  const Int128 num = static_cast<Int128>(cost.raw()) * part.raw();
  const Int128 den = whole.raw();
  Int128 quot = num / den;
  const Int128 rem = num % den;
  const Int128 abs_rem = rem < 0 ? -rem : rem;
  if (abs_rem * 2 >= den) quot += num < 0 ? -1 : 1;
  return Notional::FromRaw(static_cast<std::int64_t>(quot));
}

Result<Position, PortfolioError> ApplyFillToPosition(const Position& p, Side side, Price price, Qty qty, Notional fee,
                                                     UnixNanos ts) noexcept {
  if (side != Side::kBuy && side != Side::kSell) return MakeUnexpected(PortfolioError::kBadSide);
  if (!qty.IsDefined() || !qty.IsPositive()) return MakeUnexpected(PortfolioError::kBadQty);
  if (!IsValidPrice(price)) return MakeUnexpected(PortfolioError::kBadPrice);
  if (!fee.IsDefined()) return MakeUnexpected(PortfolioError::kBadFee);
  const auto overflow = MakeUnexpected(PortfolioError::kOverflow);

  auto notional = CheckedNotional(price, qty);
  if (!notional.ok()) return overflow;
  const bool buy = side == Side::kBuy;
  auto new_qty = Qty::CheckedAdd(p.qty, buy ? qty : -qty);
  if (!new_qty.ok()) return overflow;

  Position r = p;
  Notional realized;
  if (p.is_flat() || p.is_long() == buy) {
    // Opens or adds: the fill's notional joins the entry cost.
    auto cost = Notional::CheckedAdd(p.cost, *notional);
    if (!cost.ok()) return overflow;
    r.cost = *cost;
    if (p.is_flat()) r.ts_opened = ts;
  } else {
    const Qty open = Abs(p.qty);
    Notional released;
    Notional exit;
    if (qty < open) {
      released = ReleasedCost(p.cost, qty, open);
      exit = *notional;
      r.cost = p.cost - released;  // |released| <= |cost|: no overflow
    } else {
      // Closes everything that is open: all of the cost goes, no residue.
      released = p.cost;
      if (qty == open) {
        exit = *notional;
        r.cost = Notional::Zero();
      } else {
        auto close = CheckedNotional(price, open);
        if (!close.ok()) return overflow;
        exit = *close;
        r.cost = *notional - exit;  // both in [0, notional]: no overflow
        r.ts_opened = ts;
      }
    }
    auto pnl = p.is_long() ? Notional::CheckedSub(exit, released) : Notional::CheckedSub(released, exit);
    if (!pnl.ok()) return overflow;
    realized = *pnl;
  }
  auto total_realized = Notional::CheckedAdd(p.realized_pnl, realized);
  auto total_fees = Notional::CheckedAdd(p.fees, fee);
  if (!total_realized.ok() || !total_fees.ok()) return overflow;
  r.qty = *new_qty;
  r.realized_pnl = *total_realized;
  r.fees = *total_fees;
  ++r.fill_count;
  r.ts_last = ts;
  auto unrealized = Unrealized(r);
  if (!unrealized.ok()) return overflow;
  r.unrealized_pnl = *unrealized;
  return r;
}

Result<Position, PortfolioError> RevaluePosition(const Position& p, Price price, UnixNanos ts) noexcept {
  if (!IsValidPrice(price)) return MakeUnexpected(PortfolioError::kBadPrice);
  Position r = p;
  r.valuation_price = price;
  auto unrealized = Unrealized(r);
  if (!unrealized.ok()) return MakeUnexpected(unrealized.error());
  r.unrealized_pnl = *unrealized;
  r.ts_last = ts;
  return r;
}

Result<Notional, PortfolioError> FundingPayment(Qty qty, Price mark, Rate rate) noexcept {
  if (!IsValidPrice(mark)) return MakeUnexpected(PortfolioError::kBadPrice);
  if (!rate.IsDefined()) return MakeUnexpected(PortfolioError::kBadRate);
  if (qty.IsZero()) return Notional::Zero();
  auto value = CheckedNotional(mark, Abs(qty));
  if (!value.ok()) return MakeUnexpected(PortfolioError::kOverflow);
  bool of = false;
  const std::int64_t raw = decimal_detail::MulScaled(value->raw(), rate.raw(), &of);
  if (of) return MakeUnexpected(PortfolioError::kOverflow);
  const Notional payment = Notional::FromRaw(raw);
  return qty.IsPositive() ? payment : -payment;
}

}  // namespace hean
