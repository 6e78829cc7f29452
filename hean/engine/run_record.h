// RunRecord: everything a backtest keeps for its report, as plain values.
// The runner (hean/engine/backtest.h) fills it; the report code
// (hean/report: report_stats.h, report_writer.h, html_report.h) only reads it, so a
// report can be made (and tested) from a hand-built record.
//
// Money and sizes that come from events stay fixed-point (Price, Qty,
// Notional) so the CSV files print them exactly; figures derived for the
// report are doubles. Times are engine (simulated) time unless a name says
// wall. Plain value, not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hean/bus/event_bus.h"
#include "hean/core/decimal.h"
#include "hean/core/time.h"
#include "hean/exec/exec_metrics.h"
#include "hean/model/types.h"

namespace hean {

struct RunInstrument {
  InstrumentId id;
  std::string symbol;
  Price tick_size;
  Qty lot_size;
  Rate maker_fee;
  Rate taker_fee;
  int price_precision = 0;
  int qty_precision = 0;
};

// One order at the (simulated) venue: a child of the execution router or a
// kill-switch flatten order, at the end of the run.
struct OrderRecord {
  std::string client_order_id;
  std::string parent;  // the strategy's request it works ("" when sent as it is)
  std::string strategy;
  InstrumentId instrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  Price price = Price::Undefined();  // Undefined for market orders
  Qty qty;
  Qty filled;
  Price avg_fill_price = Price::Undefined();  // Undefined when nothing filled
  Notional fees;
  std::string status;  // final status, OrderStatusName ("Filled", "Canceled", ... "Accepted" if still open)
  UnixNanos created;
  UnixNanos closed;  // zero when still open at the end
};

// One execution, as the portfolio booked it.
struct FillRecord {
  UnixNanos ts;
  std::string client_order_id;
  std::string strategy;
  InstrumentId instrument;
  Side side = Side::kBuy;
  LiquiditySide liquidity = LiquiditySide::kUnknown;
  Price price;
  Qty qty;
  Notional fee;
  // The account's position in the instrument right after this fill.
  Qty position_after;
  // Realized PnL (gross, before fees) this fill made on the account's
  // position (0 for a fill that only adds).
  Notional realized;
};

// The account's position in one instrument after a change (every fill),
// and at every equity sample while open.
struct PositionRecord {
  UnixNanos ts;
  InstrumentId instrument;
  Qty qty;                               // signed
  Price avg_entry = Price::Undefined();  // Undefined when flat
  Price mark = Price::Undefined();       // valuation price (mid) at ts
  Notional realized_pnl;                 // cumulative, gross
  Notional unrealized_pnl;
  Notional fees;  // cumulative
};

// The account's equity at one time: sampled every report interval (one
// minute by default), at the first event and at the end.
struct EquityRecord {
  UnixNanos ts;
  double equity = 0.0;
  double realized_pnl = 0.0;  // cumulative, gross
  double unrealized_pnl = 0.0;
  double fees = 0.0;            // cumulative
  double drawdown = 0.0;        // peak equity so far - equity (>= 0)
  double gross_exposure = 0.0;  // sum of |qty| x mark over instruments
};

// One strategy signal and what the risk governor made of it.
struct SignalRecord {
  UnixNanos ts;
  std::uint64_t signal_id = 0;
  std::string strategy;
  InstrumentId instrument;
  bool entry = true;  // false: an exit
  Side side = Side::kBuy;
  Price reference_price;
  double confidence = 0.0;
  std::string reasons;  // "impulse|volume_spike|..."
  bool approved = false;
  std::string deny_reason;  // when denied (ToString(DenyReason))
  std::string request_id;   // the request's client order id when approved
  Qty qty;                  // the request's qty when approved
};

// A price point for the chart (the mid, thinned to at most one point per
// report price interval per instrument).
struct PricePoint {
  UnixNanos ts;
  InstrumentId instrument;
  double mid = 0.0;
};

struct RiskTransitionRow {
  UnixNanos ts;
  std::string scope;  // "account" or the strategy id
  std::string from;
  std::string to;
  std::string reason;
};

struct RunRecord {
  // What ran.
  std::string name;
  std::string config_path;
  std::vector<std::string> data_files;
  std::uint64_t seed = 0;
  std::string exec_mode;  // fixed_ttl / adaptive_ttl / taker_only
  std::string queue_model;
  double starting_balance = 0.0;
  std::vector<RunInstrument> instruments;  // indexed by InstrumentId::value

  // Time span and counts.
  UnixNanos first_event;
  UnixNanos last_event;
  Duration equity_every = Duration::Minutes(1);  // the interval of `equity` (annualises Sharpe / Sortino)
  std::uint64_t events = 0;                      // market events replayed
  std::uint64_t events_not_traded = 0;           // events of instruments the config does not name (skipped)
  double wall_seconds = 0.0;                     // not part of the deterministic outputs

  std::vector<OrderRecord> orders;
  std::vector<FillRecord> fills;
  std::vector<PositionRecord> positions;
  std::vector<EquityRecord> equity;
  std::vector<SignalRecord> signals;
  std::vector<PricePoint> prices;
  std::vector<RiskTransitionRow> risk_transitions;

  // Router measurements (fills with arrival mid, slippage, predictions;
  // TTLs; latencies).
  ExecutionMetrics exec;
  // Requests the governor denied other than signals (router child orders),
  // by reason name, and signal denials by reason name; both sorted by name.
  std::vector<std::pair<std::string, std::uint64_t>> signal_denials;
  std::vector<std::pair<std::string, std::uint64_t>> order_denials;
  EventBusMetrics bus;
  // Exact, from the portfolio (marked at every mid change), not from the
  // sampled equity.
  double max_drawdown = 0.0;
  double max_drawdown_fraction = 0.0;
  std::uint64_t sim_fills = 0;
  std::uint64_t kill_switch_calls = 0;
  std::string final_risk_state;

  const RunInstrument* Instrument(InstrumentId id) const noexcept {
    return id.value < instruments.size() && instruments[id.value].id == id ? &instruments[id.value] : nullptr;
  }
};

}  // namespace hean
