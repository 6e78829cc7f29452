#include "hean/book/order_book.h"

#include <algorithm>
#include <atomic>
#include <initializer_list>

namespace hean {

namespace {
// Each book counts its changes from its own start (2^40 apart), so two
// books never show the same count, even one built where another was freed.
std::atomic<std::uint64_t> g_book_serial{0};
}  // namespace

OrderBook::OrderBook(InstrumentId instrument, Price tick_size)
    : instrument_(instrument),
      tick_size_(tick_size),
      inv_tick_(1.0 / static_cast<double>(tick_size.raw())),
      changes_(g_book_serial.fetch_add(1, std::memory_order_relaxed) << 40) {
  HEAN_CHECK(tick_size.IsPositive() && tick_size.IsDefined(), "OrderBook needs a positive tick size");
}

Result<std::int64_t, BookError> OrderBook::ToTick(Price p) const noexcept {
  if (!p.IsDefined() || !p.IsPositive()) return MakeUnexpected(BookError::kBadPrice);
  // A 64-bit division costs more than the rest of a level update: estimate
  // the quotient with the reciprocal and correct it exactly, falling back to
  // division when the estimate is off by more than one.
  const std::int64_t raw = p.raw();
  const std::int64_t ts = tick_size_.raw();
  if (raw > (std::int64_t{1} << 52)) {
    // Beyond exact doubles (prices above ~4.5 million): divide.
    if (raw % ts != 0) return MakeUnexpected(BookError::kPriceOffTick);
    return raw / ts;
  }
  auto q = static_cast<std::int64_t>(static_cast<double>(raw) * inv_tick_);
  std::int64_t r = raw - q * ts;
  if (r < 0) {
    --q;
    r += ts;
  } else if (r >= ts) {
    ++q;
    r -= ts;
  }
  if (r < 0 || r >= ts) {
    q = raw / ts;
    r = raw % ts;
  }
  if (r != 0) return MakeUnexpected(BookError::kPriceOffTick);
  return q;
}

void OrderBook::Clear() noexcept {
  ++changes_;
  bids_.Clear();
  asks_.Clear();
}

Result<void, BookError> OrderBook::ApplySnapshot(const std::vector<BookLevel>& bids,
                                                 const std::vector<BookLevel>& asks) {
  Clear();
  // Check everything first so that a bad snapshot leaves an empty book.
  for (const auto* side : {&bids, &asks}) {
    for (const BookLevel& l : *side) {
      auto t = ToTick(l.price);
      Result<void, BookError> r;
      if (!t.ok()) {
        r = MakeUnexpected(t.error());
      } else if (l.qty.IsNegative()) {
        r = MakeUnexpected(BookError::kNegativeQty);
      }
      if (!r.ok()) {
        Invalidate(r.error());
        return r;
      }
    }
  }
  // Levels are set in the order given: for a duplicated price the last wins.
  // Zero-qty levels are ignored (they are not deletes of an earlier duplicate).
  for (const BookLevel& l : bids) {
    if (!l.qty.IsZero()) bids_.Set(l.price.raw() / tick_size_.raw(), l.qty.raw());
  }
  for (const BookLevel& l : asks) {
    if (!l.qty.IsZero()) asks_.Set(l.price.raw() / tick_size_.raw(), l.qty.raw());
  }
  valid_ = true;
  return {};
}

Result<void, BookError> OrderBook::SetLevel(Side side, Price price, Qty qty) {
  auto t = ToTick(price);
  if (!t.ok()) return MakeUnexpected(t.error());
  if (qty.IsNegative()) return MakeUnexpected(BookError::kNegativeQty);
  ++changes_;
  if (side == Side::kBuy) {
    bids_.Set(*t, qty.raw());
  } else {
    asks_.Set(*t, qty.raw());
  }
  return {};
}

std::optional<BookLevel> OrderBook::Best(Side side) const noexcept {
  if (side == Side::kBuy) {
    if (bids_.empty()) return std::nullopt;
    return BookLevel{FromTick(bids_.best_tick()), Qty::FromRaw(bids_.best_qty())};
  }
  if (asks_.empty()) return std::nullopt;
  return BookLevel{FromTick(asks_.best_tick()), Qty::FromRaw(asks_.best_qty())};
}

bool OrderBook::IsCrossed() const noexcept {
  return !bids_.empty() && !asks_.empty() && bids_.best_tick() >= asks_.best_tick();
}

std::optional<Price> OrderBook::Spread() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return FromTick(asks_.best_tick() - bids_.best_tick());
}

std::optional<Price> OrderBook::Mid() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  // (bid + ask) / 2 rounded half away from zero (prices are positive), in
  // 128 bits so that it cannot overflow near the top of the price range.
  const Int128 sum = static_cast<Int128>(FromTick(bids_.best_tick()).raw()) + FromTick(asks_.best_tick()).raw();
  // A shift for the (always) non-negative sum: 128-bit division is a
  // library call, and the mid is asked for on every event.
  const Int128 t = sum + 1;
  return Price::FromRaw(static_cast<std::int64_t>(t >= 0 ? t >> 1 : t / 2));
}

std::optional<double> OrderBook::SpreadBps() const noexcept {
  auto s = Spread();
  auto m = Mid();
  if (!s || !m || !m->IsPositive()) return std::nullopt;
  return s->ToDouble() / m->ToDouble() * 1e4;
}

std::optional<double> OrderBook::Microprice() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  const double bp = FromTick(bids_.best_tick()).ToDouble();
  const double ap = FromTick(asks_.best_tick()).ToDouble();
  const auto bq = static_cast<double>(bids_.best_qty());
  const auto aq = static_cast<double>(asks_.best_qty());
  return (bp * aq + ap * bq) / (aq + bq);
}

std::size_t OrderBook::Depth(Side side, std::size_t n, BookLevel* out) const noexcept {
  std::size_t k = 0;
  if (n == 0) return 0;
  ForEachLevel(side, [&](std::int64_t tick, std::int64_t qty) {
    out[k++] = BookLevel{FromTick(tick), Qty::FromRaw(qty)};
    return k < n;
  });
  return k;
}

std::vector<BookLevel> OrderBook::Depth(Side side, std::size_t n) const {
  std::vector<BookLevel> out(std::min(n, LevelCount(side)));
  Depth(side, out.size(), out.data());
  return out;
}

Qty OrderBook::QtyAt(Side side, Price price) const noexcept {
  auto t = ToTick(price);
  if (!t.ok()) return Qty::Zero();
  return Qty::FromRaw(side == Side::kBuy ? bids_.Qty(*t) : asks_.Qty(*t));
}

std::optional<BookLevel> OrderBook::LevelAt(Side side, std::size_t i) const noexcept {
  std::optional<BookLevel> found;
  std::size_t k = 0;
  ForEachLevel(side, [&](std::int64_t tick, std::int64_t qty) {
    if (k++ == i) {
      found = BookLevel{FromTick(tick), Qty::FromRaw(qty)};
      return false;
    }
    return true;
  });
  return found;
}

Qty OrderBook::CumulativeQty(Side side, Price limit) const noexcept {
  // Limit in ticks, rounded so that only prices at least as good count.
  const std::int64_t r = limit.raw();
  const std::int64_t ts = tick_size_.raw();
  const bool bid = side == Side::kBuy;
  std::int64_t lt = r / ts;
  if (r % ts != 0 && bid && r > 0) lt += 1;  // bids >= limit: round up; asks <= limit: round down
  std::int64_t sum = 0;
  ForEachLevel(side, [&](std::int64_t tick, std::int64_t qty) {
    if (bid ? tick < lt : tick > lt) return false;
    sum += qty;
    return true;
  });
  return Qty::FromRaw(sum);
}

Qty OrderBook::TotalQty(Side side, std::size_t n) const noexcept {
  std::int64_t sum = 0;
  std::size_t k = 0;
  if (n == 0) return Qty::Zero();
  ForEachLevel(side, [&](std::int64_t, std::int64_t qty) {
    sum += qty;
    return ++k < n;
  });
  return Qty::FromRaw(sum);
}

double OrderBook::Imbalance(std::size_t n) const noexcept {
  const auto b = static_cast<double>(TotalQty(Side::kBuy, n).raw());
  const auto a = static_cast<double>(TotalQty(Side::kSell, n).raw());
  return (a + b) == 0 ? 0.0 : (b - a) / (b + a);
}

TakeResult OrderBook::Take(Side taker_side, Qty qty) const noexcept {
  TakeResult r;
  r.average_price = Price::Undefined();
  r.worst_price = Price::Undefined();
  std::int64_t left = qty.raw();
  std::int64_t filled = 0;
  Notional cost;
  if (left > 0) {
    ForEachLevel(Opposite(taker_side), [&](std::int64_t tick, std::int64_t level_qty) {
      const std::int64_t take = std::min(left, level_qty);
      const Price px = FromTick(tick);
      cost += px * Qty::FromRaw(take);
      filled += take;
      left -= take;
      r.worst_price = px;
      return left > 0;
    });
  }
  r.filled = Qty::FromRaw(filled);
  r.cost = cost;
  r.complete = left <= 0;
  if (filled > 0) {
    auto avg = DivideToPrice(cost, r.filled);
    if (avg.ok()) r.average_price = *avg;
    if (auto m = Mid(); m && m->IsPositive()) {
      const double a = r.average_price.ToDouble();
      const double mid = m->ToDouble();
      r.slippage_bps = (taker_side == Side::kBuy ? (a - mid) : (mid - a)) / mid * 1e4;
    }
  }
  return r;
}

}  // namespace hean
