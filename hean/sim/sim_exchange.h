// SimExchange: a simulated venue that matches our orders against recorded
// market data, honest about queue position, latency and fees. An
// ExecutionClient, so strategies, risk and execution cannot tell it from a
// real venue.
//
// Two clocks, as in reality:
//   * local time: when we send commands and receive answers (the Clock given
//     to the constructor, a SimClock in a backtest);
//   * exchange time: when the exchange acts. It advances with the market
//     data fed to OnMarketEvent (each event's ts_event, never backwards) and
//     with AdvanceTo.
// A command sent at local time t reaches the exchange at t + order latency
// and acts on the book as it is then, not as it was when sent. Its answers
// are made at that exchange time and reach us a response latency later.
// One connection carries all commands, one all answers: both stay in order
// (a message never overtakes an earlier one), so arrival and delivery times
// are max(sampled, previous).
//
// Matching (details in docs/SIM.md):
//   * The exchange keeps its own book of each instrument from the market
//     data (a BookSet, with the same sequence checks as the strategy's).
//     Our orders are not in the recorded book; liquidity we take is
//     remembered per level and not taken twice until the feed next updates
//     that level.
//   * Limit GTC: takes what crosses on arrival (taker), rests the rest at
//     the back of its level (queue ahead = displayed qty, see QueueModel).
//     IOC: takes what it can, the rest expires. FOK: fills entirely on
//     arrival or expires whole. Post-only: rejected if it would take.
//   * Market: walks the book on arrival up to a protection price
//     (best opposite +/- protection_bps); what is left expires.
//   * Reduce-only: rejected when it would open or increase the position.
//     It keeps the qty we sent, but each fill is capped at what is left of
//     the position, and once nothing is left the order is canceled
//     (OrderCanceled), at once if it would otherwise rest.
//   * Resting orders fill from trades at their price after the queue ahead
//     (QueueModel), entirely on a trade through their price, and entirely
//     when the opposite side of the book reaches their price.
//   * Cancel and amend take the order latency; a cancel that arrives after
//     the fill is answered OrderCancelRejected(kOrderClosed). An amend that
//     only lowers qty keeps the queue position; a new price or a larger qty
//     goes to the back of the queue.
//   * Rejects, as a venue would: unknown instrument, price off the tick grid,
//     qty off the lot grid, below min qty or min notional, duplicate client
//     order id, book invalid, post-only would take, reduce-only would
//     increase, market order with an empty opposite side.
//
// Deterministic: the same market data, commands, models and seeds give the
// same answers, byte for byte. Not thread-safe: engine thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/exec/execution_client.h"
#include "hean/model/instrument.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"

namespace hean {

struct SimExchangeOptions {
  // Market orders fill no further than this from the best opposite price
  // on arrival (Bybit protects market orders the same way).
  std::int64_t market_protection_bps = 100;
  // Remember liquidity our taker orders consumed so that it is not taken
  // again before the feed updates the level.
  bool track_taken_liquidity = true;
};

// Where the fills came from: for queue statistics and reports.
struct SimStats {
  std::uint64_t market_events = 0;
  std::uint64_t commands = 0;  // submits, cancels, amends, cancel-alls processed
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t canceled = 0;
  std::uint64_t expired = 0;
  std::uint64_t amended = 0;
  std::uint64_t cancel_rejected = 0;
  std::uint64_t amend_rejected = 0;
  std::uint64_t fills = 0;
  std::uint64_t maker_fills = 0;
  std::uint64_t taker_fills = 0;
  std::uint64_t queue_fills = 0;          // maker fills from trades at our price after the queue
  std::uint64_t trade_through_fills = 0;  // maker fills from a trade beyond our price
  std::uint64_t cross_fills = 0;          // maker fills from the book reaching our price
  Qty maker_qty;
  Qty taker_qty;
  Notional fees;
  // Queue position of resting orders: the displayed qty ahead when they
  // joined, summed (divide by joins), and the qty that trades consumed
  // from queues ahead of our orders.
  std::uint64_t joins = 0;
  Qty ahead_at_join;
  Qty queue_consumed_by_trades;
  Qty queue_removed_by_cancels;
  // Time from arrival at the exchange to the first maker fill, summed over
  // orders that got one (divide by maker_first_fills).
  std::uint64_t maker_first_fills = 0;
  Duration time_to_first_maker_fill;
};

class SimExchange final : public ExecutionClient {
 public:
  // `instruments`, `local_clock`, `sink` and the models must outlive the
  // exchange. Instruments not in the registry are rejected
  // (kUnknownInstrument); instrument ids must be the ones the market data
  // uses.
  SimExchange(const InstrumentRegistry& instruments, const Clock& local_clock, OrderEventSink& sink,
              LatencyModel& order_latency, LatencyModel& response_latency, const QueueModel& queue,
              const FeeModel& fees, SimExchangeOptions options = {});
  ~SimExchange() override;
  SimExchange(const SimExchange&) = delete;
  SimExchange& operator=(const SimExchange&) = delete;

  // ExecutionClient. Each stamps the command with local_clock.Now() and the
  // sampled order latency; nothing happens at the exchange before
  // exchange time reaches the arrival. Submit answers OrderSubmitted at
  // once (local). Errors (nothing sent): an empty client order id.
  std::string_view name() const noexcept override { return "sim"; }
  [[nodiscard]] Status Submit(const ApprovedOrder& request) override;
  [[nodiscard]] Status Cancel(InstrumentId instrument, const ClientOrderId& client_order_id) override;
  [[nodiscard]] Status Amend(const ApprovedAmend& amend) override;
  [[nodiscard]] Status CancelAll(InstrumentId instrument) override;

  // Exchange side. A market-data event (BookSnapshot, BookDelta, Trade;
  // others are ignored) at exchange time max(ts_event, now): commands that
  // arrive no later are processed first, then the event.
  void OnMarketEvent(const Event& event);
  // Processes every command that arrives at or before exchange time `t` and
  // moves exchange time to t (never backwards).
  void AdvanceTo(UnixNanos t);
  UnixNanos exchange_time() const noexcept { return now_; }
  // Arrival time of the next command in flight, if any.
  std::optional<UnixNanos> NextArrival() const noexcept {
    if (inbox_.empty()) return std::nullopt;
    return inbox_.front().arrival;
  }
  // The same, UnixNanos::Max() when none (for a loop asking once per event).
  UnixNanos NextArrivalOrMax() const noexcept { return inbox_.empty() ? UnixNanos::Max() : inbox_.front().arrival; }

  // Local side. Answers are held until their delivery time: Deliver hands
  // to the sink, in order, every answer due at or before local time `t`.
  std::size_t DeliverUpTo(UnixNanos t);
  std::optional<UnixNanos> NextDelivery() const noexcept {
    if (local_.empty() && outbox_.empty()) return std::nullopt;
    if (local_.empty()) return TsRecv(outbox_.front());
    if (outbox_.empty()) return TsRecv(local_.front());
    return std::min(TsRecv(local_.front()), TsRecv(outbox_.front()));
  }
  UnixNanos NextDeliveryOrMax() const noexcept {
    if (local_.empty() && outbox_.empty()) return UnixNanos::Max();
    return *NextDelivery();
  }
  std::size_t pending_answers() const noexcept { return outbox_.size(); }

  // The exchange's own view, for tests and reports.
  const BookSet& books() const noexcept { return books_; }
  // Signed position the exchange holds for us (> 0 long).
  Qty position(InstrumentId instrument) const noexcept;
  std::size_t open_orders() const noexcept { return resting_count_; }
  // Queue ahead of a resting order (nullopt if it is not resting).
  std::optional<Qty> QueueAhead(const ClientOrderId& client_order_id) const;
  const SimStats& stats() const noexcept { return stats_; }

 private:
  struct SimOrder;
  struct InstrumentState;
  // A command in flight to the exchange.
  struct Command {
    enum class Kind : std::uint8_t { kSubmit, kCancel, kAmend, kCancelAll };
    Kind kind = Kind::kSubmit;
    UnixNanos arrival;
    OrderRequest request;  // kSubmit
    AmendRequest amend;    // kAmend
    InstrumentId instrument;
    ClientOrderId client_order_id;  // kCancel
  };

  void ProcessDueCommands(UnixNanos t);
  void Process(Command& c);
  void ProcessSubmit(const OrderRequest& r);
  void ProcessCancel(InstrumentId instrument, const ClientOrderId& id);
  void ProcessCancelAll(InstrumentId instrument);
  void ProcessAmend(const AmendRequest& a);

  void OnBookEvent(const Event& e, InstrumentState& st, bool whole_message_end);
  void OnTrade(const Trade& t);
  void CheckCrossed(InstrumentState& st);
  void ResyncLevels(InstrumentState& st);

  // Takes liquidity for order `o` up to `limit` (Undefined: no limit);
  // returns the qty taken.
  Qty TakeLiquidity(SimOrder& o, InstrumentState& st, Price limit, Qty max_qty);
  Qty AvailableToTake(const InstrumentState& st, Side taker_side, Price limit) const;
  void Rest(SimOrder& o, InstrumentState& st);
  void Unrest(SimOrder& o, InstrumentState& st);
  enum class FillCause : std::uint8_t { kTaker, kQueue, kTradeThrough, kCross };
  // Fills `qty` of `o` at `price`; returns the qty actually filled (reduce
  // only can trim it). Removes the order when it completes.
  Qty Fill(SimOrder& o, InstrumentState& st, Price price, Qty qty, FillCause cause);
  void Close(SimOrder& o, InstrumentState& st);
  // What a reduce-only order of `side` may still fill: the position's size
  // when it is on the other side, else zero.
  static Qty Reducible(const InstrumentState& st, Side side) noexcept;
  // Cancels a reduce-only order left with nothing to reduce.
  void CancelStranded(SimOrder& o, InstrumentState& st);

  InstrumentState* State(InstrumentId id);
  SimOrder* FindOpen(const ClientOrderId& id);
  void Emit(Event e);
  template <class T>
  T Stamp(InstrumentId instrument);

  const InstrumentRegistry& instruments_;
  const Clock& local_clock_;
  OrderEventSink& sink_;
  LatencyModel& order_latency_;
  LatencyModel& response_latency_;
  const QueueModel& queue_;
  const FeeModel& fees_;
  SimExchangeOptions options_;

  BookSet books_;
  std::vector<std::unique_ptr<InstrumentState>> states_;
  struct IdHash {
    std::size_t operator()(const ClientOrderId& id) const noexcept;
  };
  std::deque<SimOrder> orders_;  // pool with stable addresses; closed slots are reused
  std::vector<SimOrder*> free_;
  std::unordered_map<ClientOrderId, SimOrder*, IdHash> open_by_id_;
  // Recently closed ids (bounded, oldest forgotten first): a cancel or amend
  // for one of them is answered kOrderClosed rather than kUnknownOrder.
  std::unordered_map<ClientOrderId, InstrumentId, IdHash> closed_ids_;
  std::deque<ClientOrderId> closed_order_;
  std::deque<Command> inbox_;
  std::deque<Event> outbox_;  // answers made at the exchange, by delivery time
  std::deque<Event> local_;   // OrderSubmitted, made locally at send time
  std::vector<SimOrder*> scratch_;
  std::vector<SimOrder*> scratch_stranded_;
  UnixNanos now_;
  UnixNanos last_arrival_;
  UnixNanos last_delivery_;
  std::uint64_t next_venue_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
  std::uint64_t next_seq_ = 1;
  std::size_t resting_count_ = 0;
  SimStats stats_;
};

}  // namespace hean
