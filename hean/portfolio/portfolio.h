// Portfolio: the account's positions, PnL, fees, funding, equity and
// drawdown for linear (USDT-margined) perpetuals, kept exactly in fixed
// point, and the same figures attributed to each strategy.
//
// Two ledgers book every fill:
//   * the account ledger: one net Position per instrument, netted the way
//     the venue nets it (one average cost per instrument);
//   * the strategy ledger: one Position per (strategy, instrument). A fill
//     with an empty strategy id books to the empty-id strategy, so every
//     fill is attributed somewhere.
// Position accounting and its rounding rules are in position.h (entry cost
// kept exactly; a reduction of q out of |Q| releases cost x q / |Q| in 128
// bits rounded half away from zero; a full close releases all that is left;
// a flip closes at the fill price and opens the rest on the other side).
//
// What adds up exactly. The account's fees, funding, cash flows and net qty
// always equal the sums over strategies (funding of the account is booked as
// the sum of the strategies' payments, each rounded on its own). Realized
// and unrealized PnL split the same way too while each instrument is held by
// one strategy at a time; when two strategies hold the same instrument at
// once the account's single average cost moves PnL between "realized" and
// "unrealized" compared with the strategies' own costs, but the sum
// (realized + unrealized, hence equity) still matches exactly whenever
// |qty| x price has no digit beyond 1e-9 (any instrument whose tick and lot
// have at most 9 decimals between them).
//
// Valuation. An instrument's positions are marked to its mark price once
// SetMarkPrice has given one (it then takes precedence over mids for good),
// otherwise to the last mid from Mark; before either they are carried at
// cost (unrealized zero). ApplyFunding's mark prices the payment only: it
// does not change the valuation.
//
// Account figures:
//   cash   = starting balance + realized - fees - funding
//   equity = cash + unrealized
//   peak   = highest equity seen (starts at the starting balance), updated
//            on every change, not only when sampled
//   drawdown = peak - equity (>= 0), drawdown_fraction = drawdown / peak
//            (0 when peak <= 0); max_drawdown and max_drawdown_fraction are
//            the largest of each seen (they need not come from one moment).
//
// Inputs are checked: a refused input (PortfolioError) changes nothing but
// the refusal counters.
//
// Not thread-safe: engine thread. Positions returned by Find stay valid for
// the portfolio's lifetime (their values change with later inputs).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/model/types.h"
#include "hean/portfolio/position.h"

namespace hean {

// One point of the equity series, for reports.
struct EquitySample {
  UnixNanos ts;
  Notional equity;
  Notional realized_pnl;
  Notional unrealized_pnl;
  Notional fees;
  Notional funding;
  Notional drawdown;  // peak - equity at ts
  friend bool operator==(const EquitySample&, const EquitySample&) = default;
};

// One strategy's figures over all its instruments. Plain value.
struct StrategySummary {
  StrategyId strategy;
  Notional realized_pnl;
  Notional unrealized_pnl;
  Notional fees;
  Notional funding;
  Notional pnl;           // realized - fees - funding + unrealized
  Notional peak_pnl;      // highest pnl seen, starting at 0
  Notional drawdown;      // peak_pnl - pnl
  Notional max_drawdown;  // largest drawdown seen
  std::uint64_t fill_count = 0;
};

// A position as a PositionUpdate event (ts_event = ts_recv = ts).
PositionUpdate ToPositionUpdate(const Position& p, UnixNanos ts) noexcept;

// The account and per-strategy books (see the top of this file).
// Not thread-safe: engine thread. Neither copyable nor movable: timers and
// positions handed out point into it.
class Portfolio {
 public:
  // Without a registry any valid InstrumentId below kMaxUnregisteredId is
  // taken and treated as a linear perpetual.
  static constexpr std::uint32_t kMaxUnregisteredId = 1u << 20;

  explicit Portfolio(Notional starting_balance) noexcept;
  // With a registry, ids it did not issue are refused (kUnknownInstrument)
  // and so are instruments that are not linear perpetuals
  // (kUnsupportedKind). The registry must outlive the portfolio.
  Portfolio(Notional starting_balance, const InstrumentRegistry& registry) noexcept;
  Portfolio(const Portfolio&) = delete;
  Portfolio& operator=(const Portfolio&) = delete;

  // Books one execution (instrument, side, last_price, last_qty, fee,
  // strategy, ts_event) in both ledgers. Errors: kUnknownInstrument,
  // kUnsupportedKind, kBadSide, kBadQty, kBadPrice, kBadFee, kOverflow.
  Result<void, PortfolioError> OnFill(const FillReport& fill);
  // OrderPartiallyFilled and OrderFilled go to OnFill; every other event is
  // ignored (ok).
  Result<void, PortfolioError> OnEvent(const Event& event);

  // A new mid (> 0). Revalues the instrument's positions unless a mark
  // price has been set for it (the mid is then only kept). Errors:
  // kUnknownInstrument, kUnsupportedKind, kBadPrice, kOverflow.
  Result<void, PortfolioError> Mark(InstrumentId instrument, Price mid, UnixNanos ts);
  // A venue mark price (> 0): from now on the instrument is valued at mark
  // prices, mids no longer move it. Errors as Mark.
  Result<void, PortfolioError> SetMarkPrice(InstrumentId instrument, Price mark, UnixNanos ts);
  // A funding settlement at `ts`: each strategy position pays
  // |qty| x mark x rate (long pays a positive rate, short receives it); the
  // account pays the sum. Errors: kUnknownInstrument, kUnsupportedKind,
  // kBadPrice, kBadRate, kOverflow.
  Result<void, PortfolioError> ApplyFunding(InstrumentId instrument, Rate rate, Price mark, UnixNanos ts);

  // Appends the current figures to series() with time `ts`.
  void SampleEquity(UnixNanos ts);
  // Calls SampleEquity(deadline) at `first` and every `interval` after it.
  // Returns the periodic timer's id (cancel it with timers.Cancel before the
  // portfolio goes away), or an invalid id if interval <= 0.
  TimerId ScheduleSampling(TimerQueue& timers, UnixNanos first, Duration interval);

  // The account's net position in `instrument`; nullptr until a fill or a
  // price for it has been booked.
  const Position* Find(InstrumentId instrument) const noexcept;
  // One strategy's position in `instrument`; nullptr if none.
  const Position* Find(const StrategyId& strategy, InstrumentId instrument) const noexcept;
  // A strategy's figures; all zero (with the id set) for an unknown one.
  StrategySummary StrategyPnl(const StrategyId& strategy) const;
  // Every strategy that has booked a fill, in id order.
  std::vector<StrategyId> StrategyIds() const;
  // The price `instrument` is valued at: its mark price if set, else its
  // last mid, else Undefined.
  Price ValuationPrice(InstrumentId instrument) const noexcept;

  Notional starting_balance() const noexcept { return starting_balance_; }
  Notional equity() const noexcept { return account_.equity; }
  Notional cash() const noexcept { return account_.cash; }
  Notional peak_equity() const noexcept { return account_.peak; }
  Notional drawdown() const noexcept { return account_.drawdown; }
  double drawdown_fraction() const noexcept;
  Notional max_drawdown() const noexcept { return account_.max_drawdown; }
  double max_drawdown_fraction() const noexcept { return account_.max_drawdown_fraction; }
  Notional realized_pnl() const noexcept { return account_.realized; }
  Notional unrealized_pnl() const noexcept { return account_.unrealized; }
  Notional fees() const noexcept { return account_.fees; }
  Notional funding() const noexcept { return account_.funding; }
  const std::vector<EquitySample>& series() const noexcept { return series_; }

  std::uint64_t fill_count() const noexcept { return fill_count_; }
  // Inputs refused, in all and per reason.
  std::uint64_t refused_count() const noexcept { return refused_total_; }
  std::uint64_t refused_count(PortfolioError reason) const noexcept;

  // Events for publishing, stamped ts_event = ts_recv = ts. A position never
  // touched comes out flat.
  PositionUpdate MakePositionUpdate(InstrumentId instrument, UnixNanos ts) const noexcept;
  PositionUpdate MakePositionUpdate(const StrategyId& strategy, InstrumentId instrument, UnixNanos ts) const noexcept;
  PnlUpdate MakePnlUpdate(UnixNanos ts) const noexcept;

 private:
  // Account totals and watermarks; replaced whole when an input is booked.
  struct AccountFigures {
    Notional realized;
    Notional unrealized;
    Notional fees;
    Notional funding;
    Notional cash;
    Notional equity;
    Notional peak;
    Notional drawdown;
    Notional max_drawdown;
    double max_drawdown_fraction = 0.0;
  };
  struct StrategyBook {
    StrategySummary summary;
    std::map<InstrumentId, Position> positions;
  };
  // A strategy's position in one instrument (both pointers are stable:
  // std::map nodes).
  struct Holding {
    StrategyBook* book;
    Position* position;
  };
  struct InstrumentBook {
    Price mid = Price::Undefined();
    Price mark = Price::Undefined();
    Position account;
    std::vector<Holding> holdings;
    Price valuation() const noexcept { return mark.IsDefined() ? mark : mid; }
  };

  Result<void, PortfolioError> CheckInstrument(InstrumentId id) const noexcept;
  const InstrumentBook* FindBook(InstrumentId id) const noexcept;
  InstrumentBook* FindBook(InstrumentId id) noexcept;
  InstrumentBook& AddBook(InstrumentId id);
  // Counts the refusal and returns it as an error.
  Result<void, PortfolioError> Refuse(PortfolioError e) noexcept;
  // Fills in next's cash, equity, peak and drawdown from its totals;
  // false on overflow.
  bool Settle(AccountFigures& next) const noexcept;
  // Makes `next` the account's figures and raises the maximum drawdowns.
  void Commit(const AccountFigures& next) noexcept;
  // Values every position of `book` at `price`; all or nothing.
  Result<void, PortfolioError> RevalueBook(InstrumentBook& book, Price price, UnixNanos ts);

  Notional starting_balance_;
  const InstrumentRegistry* registry_ = nullptr;
  AccountFigures account_;
  std::deque<InstrumentBook> books_;      // stable addresses
  std::vector<std::int32_t> book_by_id_;  // InstrumentId.value -> index in books_, -1 none
  std::map<StrategyId, StrategyBook> strategies_;
  std::vector<EquitySample> series_;
  std::uint64_t fill_count_ = 0;
  std::uint64_t refused_total_ = 0;
  std::array<std::uint64_t, kPortfolioErrorCount + 1> refused_{};
  // Reused by RevalueBook and ApplyFunding: no allocation per input in
  // steady state.
  std::vector<Position> scratch_positions_;
  std::vector<StrategySummary> scratch_summaries_;
};

}  // namespace hean
