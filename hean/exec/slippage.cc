#include "hean/exec/slippage.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "hean/core/check.h"

namespace hean {

namespace {

// The mid of a book a prediction may rest on: valid, two-sided, uncrossed,
// positive. nullopt otherwise.
std::optional<double> UsableMid(const OrderBook& book) noexcept {
  if (!book.IsValid() || book.IsCrossed()) return std::nullopt;
  const std::optional<Price> m = book.Mid();
  if (!m || !m->IsPositive()) return std::nullopt;
  return m->ToDouble();
}

}  // namespace

// ---------------------------------------------------------------------------
// SlippageModel

SlippageModel::SlippageModel(SlippageConfig config) : config_(std::move(config)) {}

SlippageEstimate SlippageModel::Fallback(double mid) const noexcept {
  SlippageEstimate e;
  e.bps = config_.stale_fallback_bps;
  e.mid = mid;
  e.complete = false;
  e.valid = false;
  return e;
}

SlippageEstimate SlippageModel::Predict(const OrderBook& book, Side side, Qty qty) const noexcept {
  const std::optional<double> mid = UsableMid(book);
  if (!mid) return Fallback(0.0);
  return PredictAtMid(book, side, qty, *mid);
}

SlippageEstimate SlippageModel::PredictNotional(const OrderBook& book, Side side, double notional) const noexcept {
  const std::optional<double> mid = UsableMid(book);
  if (!mid) return Fallback(0.0);
  const auto qty = Qty::FromDouble(notional / *mid);
  if (!qty.ok()) return Fallback(*mid);
  return PredictAtMid(book, side, *qty, *mid);
}

SlippageEstimate SlippageModel::PredictAtMid(const OrderBook& book, Side side, Qty qty, double mid) const noexcept {
  if (!qty.IsDefined() || qty.IsNegative()) return Fallback(mid);
  if (qty.IsZero()) {
    SlippageEstimate e;
    e.mid = mid;
    return e;
  }
  return FromWalk(side, qty.ToDouble(), book.Take(side, qty), book.TotalQty(Opposite(side), config_.depth_levels), mid);
}

SlippageEstimate SlippageModel::FromWalk(Side side, double want, const TakeResult& t, Qty depth,
                                         double mid) const noexcept {
  SlippageEstimate e;
  e.mid = mid;
  // >= 0 is worse than the mid: paying above it for a buy, receiving below
  // it for a sell.
  const double sign = side == Side::kBuy ? 1.0 : -1.0;
  const double to_bps = sign * 1e4 / mid;
  const double filled = t.filled.ToDouble();
  // The book is two-sided, so something fills.
  const double visible_bps = (t.cost.ToDouble() / filled - mid) * to_bps;
  if (t.complete) {
    e.walk_bps = visible_bps;
  } else {
    const double rest_bps = (t.worst_price.ToDouble() - mid) * to_bps + config_.beyond_book_bps;
    e.walk_bps = (visible_bps * filled + rest_bps * (want - filled)) / want;
    e.complete = false;
  }
  e.impact_bps = depth.IsPositive() ? config_.impact_bps * std::sqrt(want / depth.ToDouble()) : config_.beyond_book_bps;
  e.bps = e.walk_bps + e.impact_bps;
  return e;
}

bool SlippageModel::PredictNotionalLadder(const OrderBook& book, Side side, const double* notionals, std::size_t n,
                                          SlippageEstimate* out) const noexcept {
  const std::optional<double> mid = UsableMid(book);
  if (!mid) return false;
  constexpr std::size_t kMax = 64;
  if (n > kMax) return false;
  std::int64_t want[kMax];
  for (std::size_t i = 0; i < n; ++i) {
    const auto q = Qty::FromDouble(notionals[i] / *mid);
    if (!q.ok() || !q->IsDefined() || q->IsNegative()) return false;
    want[i] = q->raw();
    if (i > 0 && want[i] < want[i - 1]) return false;  // not ascending
  }
  // Zero qtys cost nothing (PredictAtMid).
  std::size_t j = 0;
  while (j < n && want[j] == 0) {
    out[j] = SlippageEstimate{};
    out[j].mid = *mid;
    ++j;
  }
  if (j == n) return true;
  const Qty depth = book.TotalQty(Opposite(side), config_.depth_levels);
  // One walk, as OrderBook::Take does it for each qty: whole levels add
  // price x level qty in order, the last one price x what is left, so each
  // target's cost is the same sum of the same products.
  Notional cum_cost;
  std::int64_t cum_filled = 0;
  Price last = Price::Undefined();
  book.ForEachFromBest(Opposite(side), [&](const BookLevel& level) {
    const std::int64_t lq = level.qty.raw();
    while (j < n && want[j] - cum_filled <= lq) {
      TakeResult t;
      t.cost = cum_cost;
      t.cost += level.price * Qty::FromRaw(want[j] - cum_filled);
      t.filled = Qty::FromRaw(want[j]);
      t.worst_price = level.price;
      t.complete = true;
      out[j] = FromWalk(side, Qty::FromRaw(want[j]).ToDouble(), t, depth, *mid);
      ++j;
    }
    cum_cost += level.price * level.qty;
    cum_filled += lq;
    last = level.price;
    return j < n;
  });
  // What the visible book cannot fill.
  for (; j < n; ++j) {
    TakeResult t;
    t.cost = cum_cost;
    t.filled = Qty::FromRaw(cum_filled);
    t.worst_price = last;
    t.complete = false;
    out[j] = FromWalk(side, Qty::FromRaw(want[j]).ToDouble(), t, depth, *mid);
  }
  return true;
}

// ---------------------------------------------------------------------------
// SlippageCache

SlippageCache::SlippageCache(SlippageConfig config, const Clock& clock, const BookSet& books)
    : model_(std::move(config)), clock_(clock), books_(books), valid_for_(model_.config().valid_for) {
  const std::vector<double>& ladder = model_.config().ladder;
  HEAN_CHECK(!ladder.empty() && ladder.size() <= kMaxLadder, "slippage ladder needs 1 to 32 sizes");
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    HEAN_CHECK(std::isfinite(ladder[i]) && ladder[i] > 0.0, "slippage ladder sizes must be positive");
    HEAN_CHECK(i == 0 || ladder[i] > ladder[i - 1], "slippage ladder must be strictly ascending");
    ladder_[i] = ladder[i];
  }
  ladder_size_ = ladder.size();
}

SlippageCache::~SlippageCache() { Stop(); }

SlippageCache::Entry* SlippageCache::Find(InstrumentId id) noexcept {
  return id.value < entries_.size() ? &entries_[id.value] : nullptr;
}

void SlippageCache::Activate(InstrumentId id) {
  HEAN_CHECK(id.valid(), "SlippageCache::Activate of an undefined instrument");
  if (id.value >= entries_.size()) entries_.resize(static_cast<std::size_t>(id.value) + 1);
  entries_[id.value].active = true;
}

void SlippageCache::Deactivate(InstrumentId id) {
  if (Entry* e = Find(id)) {
    e->active = false;
    e->computed = false;
  }
}

void SlippageCache::Start(TimerQueue& timers) {
  Stop();
  const Duration every = model_.config().refresh_interval;
  HEAN_CHECK(every > Duration::Zero(), "slippage refresh_interval must be positive");
  timers_ = &timers;
  timer_ = timers.SchedulePeriodic(clock_.Now() + every, every, [this](TimerId, UnixNanos) { Refresh(); });
}

void SlippageCache::Stop() {
  if (timers_ != nullptr && timer_.valid()) timers_->Cancel(timer_);
  timers_ = nullptr;
  timer_ = TimerId{};
}

void SlippageCache::Refresh() {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].active) Compute(InstrumentId{static_cast<std::uint32_t>(i)}, entries_[i]);
  }
}

void SlippageCache::Refresh(InstrumentId id) {
  Entry* e = Find(id);
  if (e != nullptr && e->active) Compute(id, *e);
}

void SlippageCache::Compute(InstrumentId id, Entry& e) {
  const OrderBook* book = books_.Find(id);
  if (book != nullptr && e.computed && book->changes() == e.book_changes) {
    // The book as it was at the last computation: the same curves, fresh.
    e.computed_at = clock_.Now();
    ++counts_.refreshes;
    ++counts_.reused;
    return;
  }
  e.computed = false;
  if (book == nullptr) return;
  for (const Side side : {Side::kBuy, Side::kSell}) {
    Curve& c = e.curve[SideIndex(side)];
    SlippageEstimate est[kMaxLadder];
    if (!model_.PredictNotionalLadder(*book, side, ladder_.data(), ladder_size_, est)) return;
    for (std::size_t i = 0; i < ladder_size_; ++i) {
      c.bps[i] = est[i].bps;
      if (i > 0) c.slope[i] = (c.bps[i] - c.bps[i - 1]) / (ladder_[i] - ladder_[i - 1]);
    }
  }
  e.computed = true;
  e.book_changes = book->changes();
  e.computed_at = clock_.Now();
  ++counts_.refreshes;
}

SlippageLookup SlippageCache::Lookup(InstrumentId id, Side side, double notional) const noexcept {
  ++counts_.lookups;
  if (id.value >= entries_.size()) {
    ++counts_.stale;
    return {model_.config().stale_fallback_bps, false};
  }
  const Entry& e = entries_[id.value];
  if (!e.computed || clock_.Now() - e.computed_at > valid_for_) {
    ++counts_.stale;
    return {model_.config().stale_fallback_bps, false};
  }
  const Curve& c = e.curve[SideIndex(side)];
  // At or below the first size (or NaN): the first size's cost.
  if (!(notional > ladder_[0]) || ladder_size_ == 1) return {c.bps[0], true};
  // The segment [i - 1, i] holding the notional; the last one beyond it.
  const std::size_t last = ladder_size_ - 1;
  std::size_t i = 1;
  while (i < last && notional > ladder_[i]) ++i;
  double bps = c.bps[i - 1] + c.slope[i] * (notional - ladder_[i - 1]);
  if (notional > ladder_[last]) bps = std::max(bps, c.bps[last]);
  return {bps, true};
}

}  // namespace hean
