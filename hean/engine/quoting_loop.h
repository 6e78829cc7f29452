// QuotingLoop: a fixed, simple two-sided quoting loop used to exercise the
// simulated exchange end to end (`hean sim`, the sim tests). Not a trading
// strategy: it has no edge. Every order and amend it sends passes its risk
// governor first (the venue takes nothing else), and the governor's kill
// switch cancels its quotes and flattens its position. It keeps
// one post-only bid and one post-only ask `offset_ticks` off the touch,
// moves a quote (amend) when its target has moved `requote_ticks` or more,
// stops quoting the side that would take |position| beyond max_position,
// and tracks its orders with an OrderManager and its PnL with a Portfolio.
//
// Wiring: SimRunner calls OnMarketData at local time; the exchange's
// answers come to OnOrderEvent (an OrderEventSink). A fill reaches the
// portfolio only when the OrderManager applied it, so a venue's duplicate
// never counts twice.
//
// Not thread-safe: one backtest thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/exec/execution_client.h"
#include "hean/exec/order_gateway.h"
#include "hean/exec/order_manager.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/risk_governor.h"

namespace hean {

struct SimStats;

struct QuotingLoopOptions {
  StrategyId strategy = StrategyId::Of("quoter");
  Qty qty;                                               // per quote (must be on the lot grid)
  std::int64_t offset_ticks = 0;                         // 0: quote at the best bid and ask
  std::int64_t requote_ticks = 2;                        // amend when the target is this far off
  Qty max_position;                                      // |position| limit; zero: qty x 5
  Duration min_action_interval = Duration::Millis(100);  // per side, between commands
  Duration equity_sample_interval = Duration::Seconds(1);

  // Checks the values against the instrument; the message names the option.
  [[nodiscard]] Status Validate(const Instrument& instrument) const;
};

struct QuotingLoopCounts {
  std::uint64_t market_events = 0;
  std::uint64_t submits = 0;
  std::uint64_t amends = 0;
  std::uint64_t cancels = 0;
  std::uint64_t send_errors = 0;        // the client refused to send
  std::uint64_t order_events = 0;       // answers received
  std::uint64_t not_applied = 0;        // answers the OrderManager did not apply (duplicate, late, unknown, refused)
  std::uint64_t portfolio_refused = 0;  // fills the portfolio refused (must stay 0)
  std::uint64_t rejects = 0;            // OrderRejected (e.g. post-only would take)
  std::uint64_t denied = 0;             // requests and amends the risk governor denied
};

// Also the governor's OrderGateway: what the kill switch sends goes through
// the loop's OrderManager like the loop's own orders.
class QuotingLoop final : public OrderEventSink, public OrderGateway {
 public:
  // Everything given must outlive the loop. `instrument` must be in
  // `registry`; `risk` must be valid (RiskConfig::Validate).
  QuotingLoop(const Clock& clock, ExecutionClient& client, const InstrumentRegistry& registry,
              const Instrument& instrument, QuotingLoopOptions options, Notional starting_balance, RiskConfig risk = {},
              Logger logger = {});

  // A market-data event as the strategy sees it.
  void OnMarketData(const Event& event);
  // An answer from the venue.
  void OnOrderEvent(const Event& event) override;
  // OrderGateway, for the governor's own orders (kill switch).
  [[nodiscard]] Status Execute(const ApprovedOrder& order) override;
  [[nodiscard]] Status CancelAll(InstrumentId instrument) override;

  // The kill switch (see RiskGovernor::KillSwitch): the loop stops quoting.
  void KillSwitch(std::string_view reason) { governor_.KillSwitch(reason); }
  const RiskGovernor& governor() const noexcept { return governor_; }

  const OrderManager& orders() const noexcept { return orders_; }
  const Portfolio& portfolio() const noexcept { return portfolio_; }
  const BookSet& books() const noexcept { return books_; }
  const QuotingLoopCounts& counts() const noexcept { return counts_; }
  // Every fill applied, in order.
  const std::vector<FillReport>& fills() const noexcept { return fills_; }

 private:
  struct Quote {
    ClientOrderId id;  // empty: none working
    UnixNanos last_action;
    bool ever = false;
  };
  void Requote(const OrderBook& book);
  void WorkSide(Side side, Price target, bool allowed);
  ClientOrderId NextId();

  const Clock& clock_;
  ExecutionClient& client_;
  const Instrument& instrument_;
  QuotingLoopOptions options_;
  BookSet books_;
  OrderManager orders_;
  Portfolio portfolio_;
  RiskGovernor governor_;
  UnixNanos next_risk_check_;
  Quote bid_;
  Quote ask_;
  std::uint64_t next_id_ = 1;
  UnixNanos next_sample_;
  QuotingLoopCounts counts_;
  std::vector<FillReport> fills_;
};

// A text report of a run: fills, fees, PnL, queue statistics. `fills_shown`
// limits the fill lines printed (the first and last ones).
std::string FormatQuotingReport(const QuotingLoop& loop, const SimStats& sim, const Instrument& instrument,
                                std::size_t fills_shown = 20);

}  // namespace hean
