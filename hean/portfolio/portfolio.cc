#include "hean/portfolio/portfolio.h"

#include <utility>
#include <variant>

namespace hean {

namespace {

// Checked Notional arithmetic that remembers whether anything overflowed,
// so that a whole update can be computed first and refused as one.
class Checked {
 public:
  Notional Add(Notional a, Notional b) noexcept { return Take(Notional::CheckedAdd(a, b), a); }
  Notional Sub(Notional a, Notional b) noexcept { return Take(Notional::CheckedSub(a, b), a); }
  bool failed() const noexcept { return failed_; }

 private:
  Notional Take(const Result<Notional, DecimalError>& r, Notional fallback) noexcept {
    if (r.ok()) return *r;
    failed_ = true;
    return fallback;
  }
  bool failed_ = false;
};

// What one position's change adds to its ledger's totals.
struct Delta {
  Notional realized;
  Notional unrealized;
  Notional fees;
  Notional funding;
};

Delta Diff(const Position& before, const Position& after, Checked& c) noexcept {
  return Delta{c.Sub(after.realized_pnl, before.realized_pnl), c.Sub(after.unrealized_pnl, before.unrealized_pnl),
               c.Sub(after.fees, before.fees), c.Sub(after.funding, before.funding)};
}

StrategySummary Advance(const StrategySummary& s, const Delta& d, Checked& c) noexcept {
  StrategySummary r = s;
  r.realized_pnl = c.Add(s.realized_pnl, d.realized);
  r.unrealized_pnl = c.Add(s.unrealized_pnl, d.unrealized);
  r.fees = c.Add(s.fees, d.fees);
  r.funding = c.Add(s.funding, d.funding);
  r.pnl = c.Add(c.Sub(c.Sub(r.realized_pnl, r.fees), r.funding), r.unrealized_pnl);
  if (r.pnl > r.peak_pnl) r.peak_pnl = r.pnl;
  r.drawdown = c.Sub(r.peak_pnl, r.pnl);
  if (r.drawdown > r.max_drawdown) r.max_drawdown = r.drawdown;
  return r;
}

double Fraction(Notional drawdown, Notional peak) noexcept {
  return peak.IsPositive() ? drawdown.ToDouble() / peak.ToDouble() : 0.0;
}

Position NewPosition(InstrumentId instrument, const StrategyId& strategy, Price valuation) noexcept {
  Position p;
  p.instrument = instrument;
  p.strategy = strategy;
  p.valuation_price = valuation;
  return p;
}

}  // namespace

PositionUpdate ToPositionUpdate(const Position& p, UnixNanos ts) noexcept {
  PositionUpdate u;
  u.ts_event = ts;
  u.ts_recv = ts;
  u.instrument = p.instrument;
  u.qty = p.qty;
  u.avg_entry_price = p.avg_entry_price();
  u.realized_pnl = p.realized_pnl;
  u.unrealized_pnl = p.unrealized_pnl;
  u.strategy = p.strategy;
  return u;
}

Portfolio::Portfolio(Notional starting_balance) noexcept : starting_balance_(starting_balance) {
  account_.cash = starting_balance;
  account_.equity = starting_balance;
  account_.peak = starting_balance;
}

Portfolio::Portfolio(Notional starting_balance, const InstrumentRegistry& registry) noexcept
    : Portfolio(starting_balance) {
  registry_ = &registry;
}

Result<void, PortfolioError> Portfolio::CheckInstrument(InstrumentId id) const noexcept {
  if (!id.valid()) return MakeUnexpected(PortfolioError::kUnknownInstrument);
  if (registry_ == nullptr) {
    if (id.value >= kMaxUnregisteredId) return MakeUnexpected(PortfolioError::kUnknownInstrument);
    return {};
  }
  if (!registry_->Contains(id)) return MakeUnexpected(PortfolioError::kUnknownInstrument);
  if (registry_->Get(id).kind != InstrumentKind::kLinearPerpetual) {
    return MakeUnexpected(PortfolioError::kUnsupportedKind);
  }
  return {};
}

const Portfolio::InstrumentBook* Portfolio::FindBook(InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= book_by_id_.size()) return nullptr;
  const std::int32_t index = book_by_id_[id.value];
  return index < 0 ? nullptr : &books_[static_cast<std::size_t>(index)];
}

Portfolio::InstrumentBook* Portfolio::FindBook(InstrumentId id) noexcept {
  return const_cast<InstrumentBook*>(std::as_const(*this).FindBook(id));
}

Portfolio::InstrumentBook& Portfolio::AddBook(InstrumentId id) {
  if (id.value >= book_by_id_.size()) book_by_id_.resize(id.value + 1, -1);
  book_by_id_[id.value] = static_cast<std::int32_t>(books_.size());
  InstrumentBook& b = books_.emplace_back();
  b.account.instrument = id;
  return b;
}

Result<void, PortfolioError> Portfolio::Refuse(PortfolioError e) noexcept {
  ++refused_total_;
  const auto index = static_cast<std::size_t>(e);
  if (index < refused_.size()) ++refused_[index];
  return MakeUnexpected(e);
}

std::uint64_t Portfolio::refused_count(PortfolioError reason) const noexcept {
  const auto index = static_cast<std::size_t>(reason);
  return index < refused_.size() ? refused_[index] : 0;
}

bool Portfolio::Settle(AccountFigures& next) const noexcept {
  Checked c;
  next.cash = c.Sub(c.Sub(c.Add(starting_balance_, next.realized), next.fees), next.funding);
  next.equity = c.Add(next.cash, next.unrealized);
  if (next.equity > next.peak) next.peak = next.equity;
  next.drawdown = c.Sub(next.peak, next.equity);
  return !c.failed();
}

void Portfolio::Commit(const AccountFigures& next) noexcept {
  account_ = next;
  if (account_.drawdown > account_.max_drawdown) account_.max_drawdown = account_.drawdown;
  const double fraction = Fraction(account_.drawdown, account_.peak);
  if (fraction > account_.max_drawdown_fraction) account_.max_drawdown_fraction = fraction;
}

double Portfolio::drawdown_fraction() const noexcept { return Fraction(account_.drawdown, account_.peak); }

Result<void, PortfolioError> Portfolio::OnFill(const FillReport& fill) {
  if (auto ok = CheckInstrument(fill.instrument); !ok.ok()) return Refuse(ok.error());
  const InstrumentId id = fill.instrument;
  const UnixNanos ts = fill.ts_event;
  InstrumentBook* book = FindBook(id);
  const Price valuation = book != nullptr ? book->valuation() : Price::Undefined();
  auto strategy_it = strategies_.find(fill.strategy);
  StrategyBook* strategy = strategy_it != strategies_.end() ? &strategy_it->second : nullptr;
  Position* held = nullptr;
  if (strategy != nullptr) {
    auto it = strategy->positions.find(id);
    if (it != strategy->positions.end()) held = &it->second;
  }

  const Position account_before = book != nullptr ? book->account : NewPosition(id, StrategyId(), valuation);
  const Position strategy_before = held != nullptr ? *held : NewPosition(id, fill.strategy, valuation);
  HEAN_DCHECK(account_before.valuation_price == valuation && strategy_before.valuation_price == valuation);
  auto account_after = ApplyFillToPosition(account_before, fill.side, fill.last_price, fill.last_qty, fill.fee, ts);
  if (!account_after.ok()) return Refuse(account_after.error());
  auto strategy_after = ApplyFillToPosition(strategy_before, fill.side, fill.last_price, fill.last_qty, fill.fee, ts);
  if (!strategy_after.ok()) return Refuse(strategy_after.error());

  Checked c;
  StrategySummary summary_before;
  if (strategy != nullptr) {
    summary_before = strategy->summary;
  } else {
    summary_before.strategy = fill.strategy;
  }
  StrategySummary summary_after = Advance(summary_before, Diff(strategy_before, *strategy_after, c), c);
  ++summary_after.fill_count;
  const Delta d = Diff(account_before, *account_after, c);
  AccountFigures next = account_;
  next.realized = c.Add(account_.realized, d.realized);
  next.unrealized = c.Add(account_.unrealized, d.unrealized);
  next.fees = c.Add(account_.fees, d.fees);
  next.funding = c.Add(account_.funding, d.funding);
  if (c.failed() || !Settle(next)) return Refuse(PortfolioError::kOverflow);

  // Commit: nothing below can fail.
  if (book == nullptr) book = &AddBook(id);
  if (strategy == nullptr) strategy = &strategies_.emplace(fill.strategy, StrategyBook{}).first->second;
  if (held == nullptr) {
    held = &strategy->positions.emplace(id, *strategy_after).first->second;
    book->holdings.push_back(Holding{strategy, held});
  } else {
    *held = *strategy_after;
  }
  book->account = *account_after;
  strategy->summary = summary_after;
  Commit(next);
  ++fill_count_;
  return {};
}

Result<void, PortfolioError> Portfolio::OnEvent(const Event& event) {
  if (const auto* partial = std::get_if<OrderPartiallyFilled>(&event)) return OnFill(*partial);
  if (const auto* filled = std::get_if<OrderFilled>(&event)) return OnFill(*filled);
  return {};
}

Result<void, PortfolioError> Portfolio::RevalueBook(InstrumentBook& book, Price price, UnixNanos ts) {
  Checked c;
  auto account_after = RevaluePosition(book.account, price, ts);
  if (!account_after.ok()) return Refuse(account_after.error());
  scratch_positions_.clear();
  scratch_summaries_.clear();
  for (const Holding& h : book.holdings) {
    auto after = RevaluePosition(*h.position, price, ts);
    if (!after.ok()) return Refuse(after.error());
    scratch_summaries_.push_back(Advance(h.book->summary, Diff(*h.position, *after, c), c));
    scratch_positions_.push_back(*after);
  }
  const Delta d = Diff(book.account, *account_after, c);
  AccountFigures next = account_;
  next.unrealized = c.Add(account_.unrealized, d.unrealized);
  if (c.failed() || !Settle(next)) return Refuse(PortfolioError::kOverflow);

  book.account = *account_after;
  for (std::size_t i = 0; i < book.holdings.size(); ++i) {
    *book.holdings[i].position = scratch_positions_[i];
    book.holdings[i].book->summary = scratch_summaries_[i];
  }
  Commit(next);
  return {};
}

Result<void, PortfolioError> Portfolio::Mark(InstrumentId instrument, Price mid, UnixNanos ts) {
  if (auto ok = CheckInstrument(instrument); !ok.ok()) return Refuse(ok.error());
  if (!mid.IsDefined() || !mid.IsPositive()) return Refuse(PortfolioError::kBadPrice);
  InstrumentBook* book = FindBook(instrument);
  if (book == nullptr) {
    InstrumentBook& added = AddBook(instrument);
    added.mid = mid;
    added.account.valuation_price = mid;
    return {};
  }
  if (!book->mark.IsDefined()) {
    auto r = RevalueBook(*book, mid, ts);
    if (!r.ok()) return r;
  }
  book->mid = mid;
  return {};
}

Result<void, PortfolioError> Portfolio::SetMarkPrice(InstrumentId instrument, Price mark, UnixNanos ts) {
  if (auto ok = CheckInstrument(instrument); !ok.ok()) return Refuse(ok.error());
  if (!mark.IsDefined() || !mark.IsPositive()) return Refuse(PortfolioError::kBadPrice);
  InstrumentBook* book = FindBook(instrument);
  if (book == nullptr) {
    InstrumentBook& added = AddBook(instrument);
    added.mark = mark;
    added.account.valuation_price = mark;
    return {};
  }
  auto r = RevalueBook(*book, mark, ts);
  if (!r.ok()) return r;
  book->mark = mark;
  return {};
}

Result<void, PortfolioError> Portfolio::ApplyFunding(InstrumentId instrument, Rate rate, Price mark, UnixNanos ts) {
  if (auto ok = CheckInstrument(instrument); !ok.ok()) return Refuse(ok.error());
  if (!mark.IsDefined() || !mark.IsPositive()) return Refuse(PortfolioError::kBadPrice);
  if (!rate.IsDefined()) return Refuse(PortfolioError::kBadRate);
  InstrumentBook* book = FindBook(instrument);
  if (book == nullptr) return {};  // nothing held, nothing to pay

  Checked c;
  Notional account_payment;
  scratch_positions_.clear();
  scratch_summaries_.clear();
  for (const Holding& h : book->holdings) {
    Position after = *h.position;
    if (!after.is_flat()) {
      auto payment = FundingPayment(after.qty, mark, rate);
      if (!payment.ok()) return Refuse(payment.error());
      after.funding = c.Add(after.funding, *payment);
      after.ts_last = ts;
      account_payment = c.Add(account_payment, *payment);
    }
    scratch_summaries_.push_back(Advance(h.book->summary, Diff(*h.position, after, c), c));
    scratch_positions_.push_back(after);
  }
  Position account_after = book->account;
  account_after.funding = c.Add(account_after.funding, account_payment);
  if (!account_after.is_flat()) account_after.ts_last = ts;
  AccountFigures next = account_;
  next.funding = c.Add(account_.funding, account_payment);
  if (c.failed() || !Settle(next)) return Refuse(PortfolioError::kOverflow);

  book->account = account_after;
  for (std::size_t i = 0; i < book->holdings.size(); ++i) {
    *book->holdings[i].position = scratch_positions_[i];
    book->holdings[i].book->summary = scratch_summaries_[i];
  }
  Commit(next);
  return {};
}

void Portfolio::SampleEquity(UnixNanos ts) {
  series_.push_back(EquitySample{ts, account_.equity, account_.realized, account_.unrealized, account_.fees,
                                 account_.funding, account_.drawdown});
}

TimerId Portfolio::ScheduleSampling(TimerQueue& timers, UnixNanos first, Duration interval) {
  if (interval <= Duration::Zero()) return TimerId{};
  return timers.SchedulePeriodic(first, interval, [this](TimerId, UnixNanos deadline) { SampleEquity(deadline); });
}

const Position* Portfolio::Find(InstrumentId instrument) const noexcept {
  const InstrumentBook* book = FindBook(instrument);
  return book != nullptr ? &book->account : nullptr;
}

const Position* Portfolio::Find(const StrategyId& strategy, InstrumentId instrument) const noexcept {
  auto it = strategies_.find(strategy);
  if (it == strategies_.end()) return nullptr;
  auto pos = it->second.positions.find(instrument);
  return pos != it->second.positions.end() ? &pos->second : nullptr;
}

StrategySummary Portfolio::StrategyPnl(const StrategyId& strategy) const {
  auto it = strategies_.find(strategy);
  if (it != strategies_.end()) return it->second.summary;
  StrategySummary s;
  s.strategy = strategy;
  return s;
}

std::vector<StrategyId> Portfolio::StrategyIds() const {
  std::vector<StrategyId> ids;
  ids.reserve(strategies_.size());
  for (const auto& [id, book] : strategies_) ids.push_back(id);
  return ids;
}

Price Portfolio::ValuationPrice(InstrumentId instrument) const noexcept {
  const InstrumentBook* book = FindBook(instrument);
  return book != nullptr ? book->valuation() : Price::Undefined();
}

PositionUpdate Portfolio::MakePositionUpdate(InstrumentId instrument, UnixNanos ts) const noexcept {
  if (const Position* p = Find(instrument)) return ToPositionUpdate(*p, ts);
  return ToPositionUpdate(NewPosition(instrument, StrategyId(), Price::Undefined()), ts);
}

PositionUpdate Portfolio::MakePositionUpdate(const StrategyId& strategy, InstrumentId instrument,
                                             UnixNanos ts) const noexcept {
  if (const Position* p = Find(strategy, instrument)) return ToPositionUpdate(*p, ts);
  return ToPositionUpdate(NewPosition(instrument, strategy, Price::Undefined()), ts);
}

PnlUpdate Portfolio::MakePnlUpdate(UnixNanos ts) const noexcept {
  PnlUpdate u;
  u.ts_event = ts;
  u.ts_recv = ts;
  u.equity = account_.equity;
  u.peak_equity = account_.peak;
  u.realized_pnl = account_.realized;
  u.unrealized_pnl = account_.unrealized;
  u.fees = account_.fees;
  u.drawdown = drawdown_fraction();
  return u;
}

}  // namespace hean
