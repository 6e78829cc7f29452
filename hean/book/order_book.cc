#include "hean/book/order_book.h"

#include <algorithm>

namespace hean {

std::string_view ToString(BookError e) noexcept {
  switch (e) {
    case BookError::kPriceOffTick: return "PRICE_OFF_TICK";
    case BookError::kBadPrice: return "BAD_PRICE";
    case BookError::kNegativeQty: return "NEGATIVE_QTY";
    case BookError::kDeltaBeforeSnapshot: return "DELTA_BEFORE_SNAPSHOT";
    case BookError::kSequenceGap: return "SEQUENCE_GAP";
    case BookError::kCrossed: return "CROSSED";
    case BookError::kUnparseable: return "UNPARSEABLE";
    case BookError::kBufferOverflow: return "BUFFER_OVERFLOW";
    case BookError::kStaleSnapshot: return "STALE_SNAPSHOT";
  }
  return "UNKNOWN";
}

namespace {

// Linear steps from the touch before switching to binary search: most
// updates land within a few levels of the best.
constexpr std::size_t kLinearSteps = 16;

}  // namespace

OrderBook::OrderBook(InstrumentId instrument, Price tick_size) : instrument_(instrument), tick_size_(tick_size) {
  HEAN_CHECK(tick_size.IsPositive() && tick_size.IsDefined(), "OrderBook needs a positive tick size");
}

Result<std::int64_t, BookError> OrderBook::ToTick(Price p) const noexcept {
  if (!p.IsDefined() || !p.IsPositive()) return MakeUnexpected(BookError::kBadPrice);
  if (p.raw() % tick_size_.raw() != 0) return MakeUnexpected(BookError::kPriceOffTick);
  return p.raw() / tick_size_.raw();
}

void OrderBook::Clear() noexcept {
  bids_.clear();
  asks_.clear();
}

Result<void, BookError> OrderBook::ApplySnapshot(const std::vector<BookLevel>& bids,
                                                 const std::vector<BookLevel>& asks) {
  Clear();
  auto fill = [this](const std::vector<BookLevel>& in, std::vector<Level>& out) -> Result<void, BookError> {
    out.reserve(in.size());
    for (const BookLevel& l : in) {
      auto t = ToTick(l.price);
      if (!t.ok()) return MakeUnexpected(t.error());
      if (l.qty.IsNegative()) return MakeUnexpected(BookError::kNegativeQty);
      if (l.qty.IsZero()) continue;
      out.push_back(Level{*t, l.qty.raw()});
    }
    return {};
  };
  Result<void, BookError> r = fill(bids, bids_);
  if (r.ok()) r = fill(asks, asks_);
  if (!r.ok()) {
    Clear();
    Invalidate(r.error());
    return r;
  }
  std::stable_sort(bids_.begin(), bids_.end(), [](const Level& a, const Level& b) { return a.tick < b.tick; });
  std::stable_sort(asks_.begin(), asks_.end(), [](const Level& a, const Level& b) { return a.tick > b.tick; });
  // Duplicate prices in a snapshot: keep the last one given.
  auto dedup = [](std::vector<Level>& v) {
    v.erase(std::unique(v.rbegin(), v.rend(), [](const Level& a, const Level& b) { return a.tick == b.tick; }).base(),
            v.end());
  };
  dedup(bids_);
  dedup(asks_);
  valid_ = true;
  return {};
}

Result<void, BookError> OrderBook::SetLevel(Side side, Price price, Qty qty) {
  auto t = ToTick(price);
  if (!t.ok()) return MakeUnexpected(t.error());
  if (qty.IsNegative()) return MakeUnexpected(BookError::kNegativeQty);
  const std::int64_t tick = *t;
  std::vector<Level>& v = Levels(side);
  // Position of the first level (from the front) not worse than `tick`,
  // found from the back: levels are ascending in goodness.
  const bool bid = side == Side::kBuy;
  auto better = [bid](std::int64_t a, std::int64_t b) { return bid ? a > b : a < b; };
  std::size_t idx = v.size();
  std::size_t steps = 0;
  while (idx > 0 && better(v[idx - 1].tick, tick)) {
    --idx;
    if (++steps == kLinearSteps && idx > 0) {
      // Far from the touch: binary search the rest [0, idx).
      auto it = std::partition_point(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx),
                                     [&](const Level& l) { return !better(l.tick, tick); });
      idx = static_cast<std::size_t>(it - v.begin());
      break;
    }
  }
  // Now v[idx-1] (if any) is not better than tick: equal or worse.
  if (idx > 0 && v[idx - 1].tick == tick) {
    if (qty.IsZero()) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(idx - 1));
    } else {
      v[idx - 1].qty = qty.raw();
    }
    return {};
  }
  if (qty.IsZero()) return {};  // delete of an absent level
  v.insert(v.begin() + static_cast<std::ptrdiff_t>(idx), Level{tick, qty.raw()});
  return {};
}

std::optional<BookLevel> OrderBook::Best(Side side) const noexcept {
  const auto& v = Levels(side);
  if (v.empty()) return std::nullopt;
  return ToBookLevel(v.back());
}

bool OrderBook::IsCrossed() const noexcept {
  return !bids_.empty() && !asks_.empty() && bids_.back().tick >= asks_.back().tick;
}

std::optional<Price> OrderBook::Spread() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return FromTick(asks_.back().tick - bids_.back().tick);
}

std::optional<Price> OrderBook::Mid() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  const std::int64_t sum = FromTick(bids_.back().tick).raw() + FromTick(asks_.back().tick).raw();
  // Half away from zero; prices are positive.
  return Price::FromRaw(sum / 2 + (sum % 2));
}

std::optional<double> OrderBook::SpreadBps() const noexcept {
  auto s = Spread();
  auto m = Mid();
  if (!s || !m || !m->IsPositive()) return std::nullopt;
  return s->ToDouble() / m->ToDouble() * 1e4;
}

std::optional<double> OrderBook::Microprice() const noexcept {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  const double bp = FromTick(bids_.back().tick).ToDouble();
  const double ap = FromTick(asks_.back().tick).ToDouble();
  const double bq = static_cast<double>(bids_.back().qty);
  const double aq = static_cast<double>(asks_.back().qty);
  return (bp * aq + ap * bq) / (aq + bq);
}

std::size_t OrderBook::Depth(Side side, std::size_t n, BookLevel* out) const noexcept {
  const auto& v = Levels(side);
  const std::size_t k = std::min(n, v.size());
  for (std::size_t i = 0; i < k; ++i) out[i] = ToBookLevel(v[v.size() - 1 - i]);
  return k;
}

std::vector<BookLevel> OrderBook::Depth(Side side, std::size_t n) const {
  std::vector<BookLevel> out(std::min(n, LevelCount(side)));
  Depth(side, n, out.data());
  return out;
}

std::optional<BookLevel> OrderBook::LevelAt(Side side, std::size_t i) const noexcept {
  const auto& v = Levels(side);
  if (i >= v.size()) return std::nullopt;
  return ToBookLevel(v[v.size() - 1 - i]);
}

Qty OrderBook::CumulativeQty(Side side, Price limit) const noexcept {
  const auto& v = Levels(side);
  // Limit in ticks, rounded so that only prices at least as good count.
  const std::int64_t r = limit.raw();
  const std::int64_t ts = tick_size_.raw();
  std::int64_t lt = r / ts;
  const bool bid = side == Side::kBuy;
  if (r % ts != 0) lt += bid ? 1 : 0;  // bids >= limit: round up; asks <= limit: round down
  std::int64_t sum = 0;
  for (std::size_t i = v.size(); i > 0; --i) {
    const Level& l = v[i - 1];
    if (bid ? l.tick < lt : l.tick > lt) break;
    sum += l.qty;
  }
  return Qty::FromRaw(sum);
}

Qty OrderBook::TotalQty(Side side, std::size_t n) const noexcept {
  const auto& v = Levels(side);
  std::int64_t sum = 0;
  const std::size_t k = std::min(n, v.size());
  for (std::size_t i = 0; i < k; ++i) sum += v[v.size() - 1 - i].qty;
  return Qty::FromRaw(sum);
}

double OrderBook::Imbalance(std::size_t n) const noexcept {
  const double b = static_cast<double>(TotalQty(Side::kBuy, n).raw());
  const double a = static_cast<double>(TotalQty(Side::kSell, n).raw());
  return (a + b) == 0 ? 0.0 : (b - a) / (b + a);
}

TakeResult OrderBook::Take(Side taker_side, Qty qty) const noexcept {
  TakeResult r;
  r.average_price = Price::Undefined();
  r.worst_price = Price::Undefined();
  const auto& v = Levels(Opposite(taker_side));
  std::int64_t left = qty.raw();
  std::int64_t filled = 0;
  Notional cost;
  for (std::size_t i = v.size(); i > 0 && left > 0; --i) {
    const Level& l = v[i - 1];
    const std::int64_t take = std::min(left, l.qty);
    const Price px = FromTick(l.tick);
    cost += px * Qty::FromRaw(take);
    filled += take;
    left -= take;
    r.worst_price = px;
  }
  r.filled = Qty::FromRaw(filled);
  r.cost = cost;
  r.complete = left == 0 && qty.IsPositive();
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
