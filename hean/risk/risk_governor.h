// RiskGovernor: the only way to a venue. It turns a strategy's Signal into
// a sized OrderRequest or denies it, checks every request that anything
// else (an execution algorithm, a quoting loop) wants to send, keeps the
// trading states of the account and of each strategy, closes positions
// that outlive their time-to-live, and owns the kill switch.
//
// Approval is a type: ExecutionClient::Submit and ::Amend take an
// Approved<> that only this class can make (hean/exec/approved.h).
//
// Flow (DESIGN.md section 1): Strategy --Signal--> RiskGovernor::OnSignal ->
// approved: the OrderRequest is published on the bus (fast path, for every
// observer) and handed to the OrderGateway, which works it; denied: an
// OrderDenied with the reason and the signal id is published (queued).
// Venue answers come back through OnOrderEvent (open orders), fills also
// through the Portfolio (positions, equity), which the governor reads.
//
// Pre-trade checks, in this order (the first that fails is the reason; see
// docs/RISK.md for each one's exact rule):
//   kInvalidOrder, kUnknownInstrument, trading state (kTradingStateHardStop;
//   kTradingStateQuarantine for anything that is not reduce-only),
//   kFlashCrashHalt, kBookInvalid, kStaleMarketData, kQtyOffLot,
//   kBelowMinQty, kPriceOffTick, kBelowMinNotional, kPriceBand,
//   kSpreadTooWide, kReduceOnlyWouldIncrease, kTradingStateSoftBrake (an
//   order larger than the brake allows), kMaxOrderNotional,
//   kMaxPositionNotional, kMaxAccountNotional, kMaxOpenOrders,
//   kRateLimitPerSecond, kRateLimitPerMinute.
// A request takes rate-limit tokens only when every check passed.
//
// Exposure is counted conservatively and without netting: per instrument
// and side, the position's qty on that side plus the leaves of every open
// order that can add to it (reduce-only orders do not), valued at the new
// order's price (limit; a market order at the edge of the price band) for
// the checks of that order, at the mid for other instruments. The account's total
// is scaled by correlation: effective = gross x n / N_eff, where n is the
// number of instruments held and N_eff = sum of sqrt(eigenvalues) of their
// return correlation matrix (ReturnCorrelation): independent instruments
// count at their gross, n identical ones at sqrt(n) x gross.
//
// Not thread-safe: engine thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/status.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/order_approver.h"
#include "hean/exec/order_gateway.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/correlation.h"
#include "hean/risk/risk_config.h"
#include "hean/risk/risk_state.h"
#include "hean/risk/token_bucket.h"

namespace hean {

inline constexpr int kDenyReasonCount = static_cast<int>(DenyReason::kInvalidOrder) + 1;

struct RiskCounters {
  std::uint64_t signals = 0;
  std::uint64_t requests = 0;  // Approve / ApproveAmend calls, plus requests made from signals
  std::uint64_t approved = 0;
  std::uint64_t denied = 0;
  std::array<std::uint64_t, kDenyReasonCount> denied_by{};  // indexed by DenyReason
  std::uint64_t transitions = 0;
  std::uint64_t ttl_closes = 0;
  std::uint64_t flatten_orders = 0;  // reduce-only market orders sent by the kill switch
  std::uint64_t kill_switch_calls = 0;
  std::uint64_t gateway_errors = 0;   // Execute / CancelAll refused by the gateway
  std::uint64_t flatten_rejects = 0;  // kill switch orders the venue rejected (retried every check_interval)
  std::uint64_t of(DenyReason r) const noexcept { return denied_by[static_cast<std::size_t>(r)]; }
};

// A state change as the governor reports it (also published as
// RiskStateChange and logged).
struct RiskTransitionRecord {
  UnixNanos ts;
  StrategyId strategy;  // empty: the account
  StateTransition transition;
};

class RiskGovernor final : public OrderApprover {
 public:
  struct Services {
    const Clock* clock = nullptr;                     // required
    const InstrumentRegistry* instruments = nullptr;  // required
    const Portfolio* portfolio = nullptr;             // required: positions, costs, equity, strategy PnL
    const BookSet* books = nullptr;   // optional; without books, checks that need one deny (kStaleMarketData)
    OrderGateway* gateway = nullptr;  // optional: where signal orders, TTL closes and the kill switch go
    EventBus* bus = nullptr;          // optional: OrderRequest, OrderDenied, RiskStateChange are published
    TimerQueue* timers = nullptr;     // optional: Evaluate every check_interval; else call Evaluate yourself
    Logger logger;
  };

  // The config must be valid (Validate()); an invalid one aborts.
  RiskGovernor(RiskConfig config, Services services);
  ~RiskGovernor() override;
  RiskGovernor(const RiskGovernor&) = delete;
  RiskGovernor& operator=(const RiskGovernor&) = delete;

  // A strategy's signal: sized (entries) or turned into a reduce-only
  // close (exits), checked, and sent to the gateway; the denial otherwise
  // (published, and returned).
  Result<ApprovedOrder, DenyReason> OnSignal(const Signal& signal);

  // An already sized request: checked; approved ones are counted as open
  // orders from now on and take rate tokens. The caller sends the approval
  // (ExecutionClient::Submit or a gateway). A denial is published.
  Result<ApprovedOrder, DenyReason> Approve(const OrderRequest& request) override;
  // A change to an open order: a new price is checked against the tick and
  // the price band, a larger qty against the exposure limits; takes a rate
  // token.
  Result<ApprovedAmend, DenyReason> ApproveAmend(const AmendRequest& amend);
  // The caller could not send an approved request after all (the client
  // refused it): it no longer counts as open.
  void OnSendFailed(const ClientOrderId& id);
  // OrderApprover: the execution router works an approved request through
  // child orders it gets approved one by one; the request itself stops
  // counting (as OnSendFailed).
  void Release(const ClientOrderId& id) override { OnSendFailed(id); }

  // Venue answers for open orders (others ignored). Fills also re-evaluate
  // the trading states.
  void OnOrderEvent(const Event& event);
  // Halts new exposure on the instrument for flash_crash_halt.
  void OnFlashCrash(const FlashCrash& event);

  // States from the current equity, position TTLs, correlation sampling,
  // kill switch follow-up. Called by the timer every check_interval when a
  // TimerQueue was given.
  void Evaluate();

  // The kill switch: HARD_STOP for the account, cancel every open order,
  // flatten every position with reduce-only market orders, and keep at it
  // (every check_interval and on each fill) until flat with no open order,
  // which is then logged and kept (kill_switch_flat_at). Calling it again
  // sends nothing new for what is already being done.
  void KillSwitch(std::string_view reason);
  // Manual reset out of HARD_STOP (account back to NORMAL, figures
  // re-based at the current equity). Error kFailedPrecondition when the
  // account is not in HARD_STOP.
  [[nodiscard]] Status Reset(std::string_view who);

  RiskState state() const noexcept { return account_.level(); }
  // The state that applies to the strategy's orders: the worse of the
  // account's and its own.
  RiskState state(const StrategyId& strategy) const noexcept;
  const TradingState& account_state() const noexcept { return account_; }
  const TradingState* strategy_state(const StrategyId& strategy) const noexcept;

  bool kill_switch_active() const noexcept { return kill_.active; }
  // When the kill switch found the account flat with no open orders.
  std::optional<UnixNanos> kill_switch_flat_at() const noexcept { return kill_.flat_at; }
  // No position and no open order anywhere.
  bool Flat() const noexcept;

  std::size_t open_orders() const noexcept { return open_.size(); }
  std::size_t open_orders(InstrumentId instrument) const noexcept;
  // Exposure as the checks count it (see the top of this file).
  double SideExposure(InstrumentId instrument, Side side) const noexcept;
  double EffectiveAccountExposure() const;
  double EffectivePositions() const;

  const RiskCounters& counters() const noexcept { return counters_; }
  const std::vector<RiskTransitionRecord>& transitions() const noexcept { return transitions_; }
  const RiskConfig& config() const noexcept { return config_; }
  const ReturnCorrelation& correlation() const noexcept { return correlation_; }

 private:
  struct OpenOrder {
    InstrumentId instrument;
    StrategyId strategy;
    Side side = Side::kBuy;
    bool reduce_only = false;
    bool flatten = false;  // sent by the kill switch
    Qty qty;               // the order's total
    double price = 0.0;    // what one unit counts at (the limit price; a market order's band edge)
    Qty filled;
    Qty leaves;  // qty - filled: what can still fill
  };
  struct InstrumentRisk {
    std::size_t open = 0;
    std::array<Qty, 2> open_qty{};         // leaves of open orders that can add exposure, per side (kBuy, kSell)
    std::array<Qty, 2> reduce_only_qty{};  // leaves of open reduce-only orders, per side
    std::size_t flatten_open = 0;
    UnixNanos halted_until;
    std::optional<UnixNanos> last_cancel_all;  // when the kill switch last asked to cancel them
    UnixNanos flatten_retry_at;                // after a flatten order was rejected: not before this
  };
  struct StrategyRisk {
    TradingState state;
    std::unordered_map<std::uint32_t, Duration> ttl;  // by instrument: position TTL from its entry signal
  };
  struct IdHash {
    std::size_t operator()(const ClientOrderId& id) const noexcept;
  };
  struct StrategyHash {
    std::size_t operator()(const StrategyId& id) const noexcept;
  };
  // What a check needs about the market.
  struct Market {
    double mid = 0.0;
    double bid = 0.0;
    double ask = 0.0;
  };

  static std::size_t SideIndex(Side s) noexcept { return s == Side::kBuy ? 0 : 1; }
  InstrumentRisk& Risk(InstrumentId id);
  const InstrumentRisk* FindRisk(InstrumentId id) const noexcept;
  StrategyRisk& Strategy(const StrategyId& id);

  // The checks; `own` marks the governor's own flatten orders (kill
  // switch), which pass the state, data, band, spread, open-order and rate
  // checks. Fills `m` with the market the checks saw.
  std::optional<DenyReason> Check(const OrderRequest& r, bool own, Market& m) const;
  std::optional<DenyReason> CheckData(InstrumentId id, Market& m) const;
  std::optional<DenyReason> CheckExposure(const OrderRequest& r, double unit_price) const;
  double UnitPrice(const OrderRequest& r, const Market& m) const noexcept;
  // Effective account exposure with `added` notional on (id, side).
  double AccountExposureWith(InstrumentId id, Side side, double added) const;
  Qty HeldOnSide(InstrumentId id, Side side) const noexcept;
  // What a reduce-only order on `side` may still take: the account's
  // position on the other side less the open reduce-only orders on `side`
  // (zero when nothing is held there).
  Qty Reducible(InstrumentId id, Side side) const noexcept;
  // What the strategy may still close of its position `mine` with orders on
  // `side`: its share less its own working reduce-only orders, within
  // Reducible.
  Qty StrategyReducible(const StrategyId& strategy, const Position& mine, Side side) const noexcept;
  // An IOC limit for a signal: the touch plus signal_slippage_bps, on the
  // tick grid away from the touch; nullopt if the price is out of range.
  std::optional<Price> MarketableLimit(const Instrument& inst, Side side, const Market& m) const;
  // Leaves of the strategy's own open reduce-only orders on (id, side).
  Qty WorkingReduceOnly(const StrategyId& strategy, InstrumentId id, Side side) const noexcept;

  Result<ApprovedOrder, DenyReason> Decide(const OrderRequest& r, bool own, std::uint64_t signal_id);
  Result<ApprovedOrder, DenyReason> Deny(const OrderRequest& r, DenyReason reason, std::uint64_t signal_id);
  Result<ApprovedOrder, DenyReason> DenySignal(const Signal& s, DenyReason reason);
  void Track(const OrderRequest& r, bool own, double unit_price);
  void Untrack(const ClientOrderId& id);
  void SetLeaves(OpenOrder& o, Qty leaves);
  void Send(const ApprovedOrder& order);
  ClientOrderId NextId();

  Result<ApprovedOrder, DenyReason> EntryFromSignal(const Signal& s);
  Result<ApprovedOrder, DenyReason> ExitFromSignal(const Signal& s);

  void Record(const StrategyId& strategy, const StateTransition& t);
  void EvaluateStates(UnixNanos now);
  void CloseExpiredPositions(UnixNanos now);
  void SampleCorrelation(UnixNanos now);
  void FollowKillSwitch(UnixNanos now);
  double StrategyEquity(const StrategyId& id) const;

  RiskConfig config_;
  Services s_;
  Logger log_;
  TradingState account_;
  std::unordered_map<StrategyId, StrategyRisk, StrategyHash> strategies_;
  std::unordered_map<ClientOrderId, OpenOrder, IdHash> open_;
  std::vector<InstrumentRisk> instruments_;  // by InstrumentId::value
  mutable std::vector<InstrumentId> held_scratch_;
  TokenBucket per_second_;
  TokenBucket per_minute_;
  ReturnCorrelation correlation_;
  // Cache of N_eff for the held set: valid while the correlation version
  // and the held set are unchanged.
  mutable std::vector<InstrumentId> neff_set_;
  mutable std::uint64_t neff_version_ = UINT64_MAX;
  mutable double neff_ = 0.0;
  double strategy_capital_ = 0.0;
  std::size_t strategies_not_normal_ = 0;  // strategies whose own state is not NORMAL
  StrategyId last_strategy_;               // the last strategy Approve registered
  bool following_kill_ = false;            // inside FollowKillSwitch
  TimerId timer_;
  std::uint64_t next_id_ = 1;
  struct KillSwitchState {
    bool active = false;
    UnixNanos requested_at;
    std::optional<UnixNanos> flat_at;
    std::string reason;
  } kill_;
  RiskCounters counters_;
  std::vector<RiskTransitionRecord> transitions_;
};

// Subscribes the governor to the bus: Signal (fast path), the order events
// and FlashCrash. The governor must outlive the subscriptions.
void AttachRiskGovernor(EventBus& bus, RiskGovernor& governor);

}  // namespace hean
