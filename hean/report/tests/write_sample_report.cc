// Writes a sample report.html from a synthetic but realistic backtest
// record (two instruments, a few hundred mids each, a dozen fills, equity
// every minute) for the browser rendering check
// (hean/report/tests/render_html_test.sh).
//
// Usage: hean_write_sample_report OUT.html
//
// The stats are filled by hand from the synthetic run (ComputeStats is not
// used, so the page can be checked on its own); everything is derived from
// a fixed-seed generator, so the page is the same on every run.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "hean/report/html_report.h"

namespace {

using hean::EquityRecord;
using hean::FillRecord;
using hean::HistogramBin;
using hean::InstrumentId;
using hean::LiquiditySide;
using hean::Notional;
using hean::Price;
using hean::PricePoint;
using hean::Qty;
using hean::ReportStats;
using hean::RiskTransitionRow;
using hean::RunInstrument;
using hean::RunRecord;
using hean::Side;
using hean::SignalRecord;
using hean::UnixNanos;

// 2024-07-18 10:00:00 UTC.
constexpr std::int64_t kStartSeconds = 1'721'296'800;
constexpr int kSteps = 480;  // 15 s apart: two hours
constexpr int kStepSeconds = 15;

// A small deterministic generator (the same numbers on every platform).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  double Uniform() {  // [0, 1)
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * (1.0 / 9007199254740992.0);
  }
  double Normal() {  // Irwin-Hall approximation
    double sum = 0.0;
    for (int i = 0; i < 12; ++i) sum += Uniform();
    return sum - 6.0;
  }

 private:
  std::uint64_t state_;
};

UnixNanos At(int step, double offset_seconds = 0.0) {
  return UnixNanos::FromNanos((kStartSeconds + static_cast<std::int64_t>(step) * kStepSeconds) * 1'000'000'000LL +
                              static_cast<std::int64_t>(std::llround(offset_seconds * 1e9)));
}

Price RoundPrice(double price, double tick) { return *Price::FromDouble(std::round(price / tick) * tick); }

RunInstrument Instrument(std::uint32_t id, const char* symbol, const char* tick, const char* lot, int pp, int qp) {
  RunInstrument i;
  i.id = InstrumentId{id};
  i.symbol = symbol;
  i.tick_size = *Price::Parse(tick);
  i.lot_size = *Qty::Parse(lot);
  i.maker_fee = *hean::Rate::Parse("0.0002");
  i.taker_fee = *hean::Rate::Parse("0.00055");
  i.price_precision = pp;
  i.qty_precision = qp;
  return i;
}

// One planned trade: at `step`, buy (qty > 0) or sell (qty < 0).
struct Order {
  int step;
  double qty;
  bool maker;
};

struct Book {
  double position = 0.0;
  double avg_entry = 0.0;
  double realized = 0.0;
  double fees = 0.0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
    return 2;
  }

  RunRecord r;
  r.name = "impulse-maker sample (BTC & ETH)";
  r.config_path = "config/backtest.sample.toml";
  r.data_files = {"testdata/bybit/BTCUSDT_2024-07-18.hev", "testdata/bybit/ETHUSDT_2024-07-18.hev"};
  r.seed = 20240718;
  r.exec_mode = "adaptive_ttl";
  r.queue_model = "probabilistic";
  r.starting_balance = 10'000.0;
  r.instruments = {Instrument(0, "BTCUSDT", "0.1", "0.001", 1, 3), Instrument(1, "ETHUSDT", "0.01", "0.01", 2, 2)};
  r.first_event = At(0);
  r.last_event = At(kSteps - 1);
  r.events = 1'284'551;

  // Mids: a random walk with a drift change half way.
  Rng rng(r.seed);
  const double start[2] = {64'120.0, 3'452.0};
  const double vol[2] = {9.0, 0.7};
  const double tick[2] = {0.1, 0.01};
  std::vector<double> mids[2];
  for (int k = 0; k < 2; ++k) {
    double mid = start[k];
    for (int i = 0; i < kSteps; ++i) {
      double drift = (i < kSteps / 2 ? 0.6 : -0.8) * vol[k] / 9.0;
      mid += drift + vol[k] * rng.Normal();
      mids[k].push_back(std::round(mid / tick[k] * 2.0) * tick[k] / 2.0);
      r.prices.push_back({At(i), InstrumentId{static_cast<std::uint32_t>(k)}, mids[k].back()});
    }
  }
  std::stable_sort(r.prices.begin(), r.prices.end(),
                   [](const PricePoint& a, const PricePoint& b) { return a.ts < b.ts; });

  // A dozen fills: long BTC scaled in and out, a short, ETH round trips.
  const std::vector<Order> orders[2] = {
      {{40, 0.05, true},
       {75, 0.05, true},
       {150, -0.10, false},
       {260, -0.08, true},
       {330, 0.08, false},
       {400, 0.03, true},
       {455, -0.03, false}},
      {{60, 1.5, true}, {190, -1.5, true}, {300, -2.0, false}, {350, -1.0, true}, {430, 3.0, true}},
  };
  Book books[2];
  std::vector<FillRecord> fills;
  int order_id = 0;
  for (int k = 0; k < 2; ++k) {
    for (const Order& o : orders[k]) {
      FillRecord f;
      double half_spread = tick[k] * (o.maker ? -1.0 : 3.0);  // maker gets inside, taker pays
      bool buy = o.qty > 0;
      double price = mids[k][o.step] + (buy ? half_spread : -half_spread);
      f.ts = At(o.step, 3.5);
      f.client_order_id = "hean-" + std::to_string(++order_id);
      f.strategy = k == 0 ? "impulse" : "mean_revert";
      f.instrument = InstrumentId{static_cast<std::uint32_t>(k)};
      f.side = buy ? Side::kBuy : Side::kSell;
      f.liquidity = o.maker ? LiquiditySide::kMaker : LiquiditySide::kTaker;
      f.price = RoundPrice(price, tick[k]);
      double qty = std::fabs(o.qty);
      f.qty = *Qty::FromDouble(qty);
      double fee = f.price.ToDouble() * qty * (o.maker ? 0.0002 : 0.00055);
      f.fee = *Notional::FromDouble(std::round(fee * 1e6) / 1e6);

      Book& b = books[k];
      double fill_price = f.price.ToDouble();
      double realized = 0.0;
      if (b.position == 0.0 || (b.position > 0) == buy) {
        b.avg_entry = (b.avg_entry * std::fabs(b.position) + fill_price * qty) / (std::fabs(b.position) + qty);
        b.position += o.qty;
      } else {
        double closing = std::min(qty, std::fabs(b.position));
        realized = (fill_price - b.avg_entry) * closing * (b.position > 0 ? 1.0 : -1.0);
        b.position += o.qty;
        if (std::fabs(b.position) < 1e-12) {
          b.position = 0.0;
          b.avg_entry = 0.0;
        } else if ((b.position > 0) == buy) {
          b.avg_entry = fill_price;  // flipped: the rest opens at this price
        }
      }
      b.realized += realized;
      b.fees += f.fee.ToDouble();
      double rounded = std::round(b.position * 1e6) / 1e6;
      Qty pos = *Qty::FromDouble(std::fabs(rounded));
      f.position_after = rounded < 0 ? -pos : pos;
      f.realized = *Notional::FromDouble(std::round(realized * 1e6) / 1e6);
      fills.push_back(f);
    }
  }
  std::stable_sort(fills.begin(), fills.end(), [](const FillRecord& a, const FillRecord& b) { return a.ts < b.ts; });
  r.fills = fills;

  // Equity every minute (every 4th step), replaying the fills.
  double peak = r.starting_balance;
  double max_dd = 0.0;
  double max_dd_frac = 0.0;
  {
    Book replay[2];
    std::size_t next = 0;
    for (int i = 0; i < kSteps; i += 4) {
      UnixNanos ts = At(i);
      while (next < fills.size() && fills[next].ts <= ts) {
        const FillRecord& f = fills[next++];
        Book& b = replay[f.instrument.value];
        double q = f.qty.ToDouble() * (f.side == Side::kBuy ? 1.0 : -1.0);
        double p = f.price.ToDouble();
        if (b.position == 0.0 || (b.position > 0) == (q > 0)) {
          b.avg_entry =
              (b.avg_entry * std::fabs(b.position) + p * std::fabs(q)) / (std::fabs(b.position) + std::fabs(q));
        } else {
          b.realized += (p - b.avg_entry) * std::min(std::fabs(q), std::fabs(b.position)) * (b.position > 0 ? 1 : -1);
          if (std::fabs(b.position + q) > 1e-12 && (b.position + q > 0) == (q > 0)) b.avg_entry = p;
        }
        b.position += q;
        if (std::fabs(b.position) < 1e-12) b.position = 0.0;
        b.fees += f.fee.ToDouble();
      }
      EquityRecord e;
      e.ts = ts;
      for (int k = 0; k < 2; ++k) {
        e.realized_pnl += replay[k].realized;
        e.unrealized_pnl += (mids[k][i] - replay[k].avg_entry) * replay[k].position;
        e.fees += replay[k].fees;
        e.gross_exposure += std::fabs(replay[k].position) * mids[k][i];
      }
      e.equity = r.starting_balance + e.realized_pnl + e.unrealized_pnl - e.fees;
      peak = std::max(peak, e.equity);
      e.drawdown = peak - e.equity;
      max_dd = std::max(max_dd, e.drawdown);
      max_dd_frac = std::max(max_dd_frac, e.drawdown / peak);
      r.equity.push_back(e);
    }
  }
  r.max_drawdown = max_dd;
  r.max_drawdown_fraction = max_dd_frac;
  r.sim_fills = r.fills.size();

  // Signals: approved ones for the fills' entries, a few denied.
  const char* denials[] = {"MAX_POSITION_NOTIONAL", "SPREAD_TOO_WIDE",       "TRADING_STATE_SOFT_BRAKE",
                           "MAX_POSITION_NOTIONAL", "RATE_LIMIT_PER_SECOND", "MAX_POSITION_NOTIONAL"};
  std::uint64_t signal_id = 0;
  for (const FillRecord& f : r.fills) {
    SignalRecord s;
    s.ts = f.ts;
    s.signal_id = ++signal_id;
    s.strategy = f.strategy;
    s.instrument = f.instrument;
    s.side = f.side;
    s.reference_price = f.price;
    s.confidence = 0.6;
    s.reasons = "impulse|volume_spike";
    s.approved = true;
    s.request_id = f.client_order_id;
    s.qty = f.qty;
    r.signals.push_back(s);
  }
  for (const char* reason : denials) {
    SignalRecord s;
    s.ts = At(static_cast<int>(signal_id * 37 % kSteps));
    s.signal_id = ++signal_id;
    s.strategy = "impulse";
    s.instrument = InstrumentId{0};
    s.approved = false;
    s.deny_reason = reason;
    r.signals.push_back(s);
  }
  r.signal_denials = {{"MAX_POSITION_NOTIONAL", 3},
                      {"RATE_LIMIT_PER_SECOND", 1},
                      {"SPREAD_TOO_WIDE", 1},
                      {"TRADING_STATE_SOFT_BRAKE", 1}};
  r.order_denials = {{"RATE_LIMIT_PER_SECOND", 2}};
  r.risk_transitions = {
      {At(262, 1.2), "account", "NORMAL", "SOFT_BRAKE", "drawdown 0.52% >= soft brake 0.50%"},
      {At(310, 0.4), "impulse", "NORMAL", "QUARANTINE", "3 losing trades in a row"},
      {At(371, 8.0), "account", "SOFT_BRAKE", "NORMAL", "drawdown recovered below 0.25%"},
      {At(430, 0.0), "impulse", "QUARANTINE", "NORMAL", "quarantine of 30m elapsed"},
  };
  r.final_risk_state = "NORMAL";
  r.wall_seconds = 3.21;

  // Stats, by hand from the run above.
  ReportStats s;
  s.starting_balance = r.starting_balance;
  s.final_equity = r.equity.back().equity;
  s.net_pnl = s.final_equity - s.starting_balance;
  s.return_pct = s.net_pnl / s.starting_balance * 100.0;
  s.fees = r.equity.back().fees;
  s.gross_pnl = s.net_pnl + s.fees;
  s.sharpe = 2.41;
  s.sortino = 3.87;
  s.equity_returns = r.equity.size() - 1;
  s.max_drawdown = max_dd;
  s.max_drawdown_pct = max_dd_frac * 100.0;
  s.fills = r.fills.size();
  s.round_trips = 6;
  s.win_rate = 4.0 / 6.0;
  s.avg_trade_bps = 3.6;
  s.median_trade_bps = 2.9;
  s.profit_factor = 1.84;
  s.exposure_pct = 71.5;
  for (const FillRecord& f : r.fills) s.turnover += f.price.ToDouble() * f.qty.ToDouble();
  s.turnover_x = s.turnover / s.starting_balance;
  s.maker_share = 0.68;
  s.maker_fill_rate = 0.57;
  s.maker_attempts = 14;
  s.slippage_mean_bps = 0.42;
  s.slippage_median_bps = 0.18;
  s.slippage_p95_bps = 2.35;
  s.predicted_minus_realised_bps = -0.12;
  s.taker_fills_predicted = 4;
  s.ttl_ms = {1'850.0, 4'600.0, 5'000.0, 14};
  s.signal_to_order_ms = {0.05, 0.21, 0.48, 12};
  s.order_to_fill_ms = {420.0, 2'900.0, 4'750.0, 12};
  s.requests = 12;
  s.child_orders = 21;
  s.reposts = 7;
  s.signals = r.signals.size();
  s.signals_approved = r.fills.size();
  s.signals_denied = 6;
  s.signal_denials = r.signal_denials;
  s.order_denials = r.order_denials;
  s.risk_state_changes = r.risk_transitions.size();
  s.final_risk_state = r.final_risk_state;
  s.events = r.events;
  s.span_seconds = (r.last_event - r.first_event).ToSecondsDouble();
  s.wall_seconds = r.wall_seconds;
  s.events_per_second = static_cast<double>(r.events) / r.wall_seconds;
  const std::uint64_t slip_counts[] = {1, 2, 4, 2, 1, 0, 1, 1};
  for (int i = 0; i < 8; ++i) {
    s.slippage_histogram.push_back(HistogramBin{-1.5 + 0.5 * i, -1.0 + 0.5 * i, slip_counts[i]});
  }
  const std::uint64_t ttl_counts[] = {2, 3, 4, 1, 1, 0, 1, 0, 0, 2};
  for (int i = 0; i < 10; ++i) s.ttl_histogram.push_back(HistogramBin{500.0 * i, 500.0 * (i + 1), ttl_counts[i]});

  std::string html = hean::RenderHtmlReport(r, s);
  std::ofstream out(argv[1], std::ios::binary);
  out << html;
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  std::printf("wrote %s (%zu bytes, %zu fills, %zu price points)\n", argv[1], html.size(), r.fills.size(),
              r.prices.size());
  return 0;
}
