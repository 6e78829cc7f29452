// The portfolio: hand-computed scenarios (every figure worked out in the
// comments), the rounding rules of position.h, valuation at mids and mark
// prices, funding, equity watermarks, sampling on a TimerQueue, attribution
// to strategies, refused inputs, and a conservation property over a seeded
// random sequence of fills.
#include "hean/portfolio/portfolio.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"

namespace hean {

// Readable failures: fixed-point values print as decimals.
template <class Tag>
void PrintTo(const FixedPoint<Tag>& v, std::ostream* os) {
  *os << (v.IsDefined() ? v.ToString() : std::string("undefined"));
}

namespace {

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
Notional N(std::string_view s) { return *Notional::Parse(s); }
Rate R(std::string_view s) { return *Rate::Parse(s); }
StrategyId S(std::string_view s) { return StrategyId::Of(s); }
UnixNanos At(std::int64_t ms) { return UnixNanos::FromMillis(ms); }

constexpr std::int64_t kHourMs = 3'600'000;
constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};

FillReport MakeFill(InstrumentId instrument, Side side, std::string_view price, std::string_view qty,
                    std::string_view fee, std::string_view strategy = "s1", std::int64_t ms = 0) {
  FillReport f;
  f.ts_event = At(ms);
  f.ts_recv = At(ms);
  f.instrument = instrument;
  f.side = side;
  f.last_price = P(price);
  f.last_qty = Q(qty);
  f.fee = N(fee);
  f.strategy = S(strategy);
  return f;
}

void AppendFigure(std::string& out, std::string_view name, Notional v) {
  out.append(name).append("=").append(v.IsDefined() ? v.ToString() : "undefined").append(" ");
}

void AppendPosition(std::string& out, const Position* p) {
  if (p == nullptr) {
    out.append("[none] ");
    return;
  }
  out.append("[qty=").append(p->qty.ToString()).append(" ");
  AppendFigure(out, "cost", p->cost);
  AppendFigure(out, "realized", p->realized_pnl);
  AppendFigure(out, "unrealized", p->unrealized_pnl);
  AppendFigure(out, "fees", p->fees);
  AppendFigure(out, "funding", p->funding);
  out.append("valued_at=").append(p->valuation_price.IsDefined() ? p->valuation_price.ToString() : "undefined");
  out.append(" fills=").append(std::to_string(p->fill_count)).append("] ");
}

// Every observable figure of a portfolio, for "nothing changed" checks.
std::string Describe(const Portfolio& pf) {
  std::string out;
  AppendFigure(out, "equity", pf.equity());
  AppendFigure(out, "cash", pf.cash());
  AppendFigure(out, "peak", pf.peak_equity());
  AppendFigure(out, "drawdown", pf.drawdown());
  AppendFigure(out, "max_drawdown", pf.max_drawdown());
  AppendFigure(out, "realized", pf.realized_pnl());
  AppendFigure(out, "unrealized", pf.unrealized_pnl());
  AppendFigure(out, "fees", pf.fees());
  AppendFigure(out, "funding", pf.funding());
  out.append("fills=").append(std::to_string(pf.fill_count())).append(" ");
  out.append("samples=").append(std::to_string(pf.series().size())).append(" ");
  for (InstrumentId id : {kBtc, kEth}) {
    AppendPosition(out, pf.Find(id));
    const Price v = pf.ValuationPrice(id);
    out.append("valuation=").append(v.IsDefined() ? v.ToString() : "undefined").append(" ");
    for (const StrategyId& s : pf.StrategyIds()) AppendPosition(out, pf.Find(s, id));
  }
  for (const StrategyId& s : pf.StrategyIds()) {
    const StrategySummary sum = pf.StrategyPnl(s);
    out.append(s.view()).append(": ");
    AppendFigure(out, "pnl", sum.pnl);
    AppendFigure(out, "peak", sum.peak_pnl);
    AppendFigure(out, "max_dd", sum.max_drawdown);
    out.append(std::to_string(sum.fill_count)).append(" ");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Hand-computed scenarios.

TEST(Portfolio, LongOpenAddReduceFlipAndCloseWithMakerTakerAndRebateFees) {
  Portfolio pf(N("10000"));
  // 1. Buy 1 @ 100 as taker (0.055%): fee 100 x 0.00055 = 0.055.
  //    qty 1, cost 100, avg 100.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0.055", "s1", 1)).ok());
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->qty, Q("1"));
  EXPECT_EQ(p->cost, N("100"));
  EXPECT_EQ(p->avg_entry_price(), P("100"));
  EXPECT_EQ(p->ts_opened, At(1));
  EXPECT_EQ(pf.fees(), N("0.055"));
  EXPECT_EQ(pf.cash(), N("9999.945"));
  EXPECT_EQ(pf.equity(), N("9999.945"));  // no price yet: carried at cost

  // 2. Buy 1 @ 110 as maker (0.02%): fee 110 x 0.0002 = 0.022.
  //    qty 2, cost 210, avg 210 / 2 = 105.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "110", "1", "0.022", "s1", 2)).ok());
  EXPECT_EQ(p->qty, Q("2"));
  EXPECT_EQ(p->cost, N("210"));
  EXPECT_EQ(p->avg_entry_price(), P("105"));
  EXPECT_EQ(p->ts_opened, At(1));

  // 3. Sell 0.5 @ 120 as maker with a rebate (-0.005%): fee 60 x -0.00005 =
  //    -0.003. Released cost 210 x 0.5 / 2 = 52.5, exit 60, realized 7.5.
  //    qty 1.5, cost 157.5, avg still 105; fees 0.077 - 0.003 = 0.074.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "120", "0.5", "-0.003", "s1", 3)).ok());
  EXPECT_EQ(p->qty, Q("1.5"));
  EXPECT_EQ(p->cost, N("157.5"));
  EXPECT_EQ(p->avg_entry_price(), P("105"));
  EXPECT_EQ(p->realized_pnl, N("7.5"));
  EXPECT_EQ(pf.fees(), N("0.074"));
  EXPECT_EQ(pf.cash(), N("10007.426"));  // 10000 + 7.5 - 0.074

  // 4. Sell 2.5 @ 90 as taker: fee 225 x 0.00055 = 0.12375. A flip: close
  //    1.5 at 90 (exit 135, all 157.5 of cost released: realized -22.5,
  //    total -15), then open short 1 with cost 225 - 135 = 90, avg 90.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "90", "2.5", "0.12375", "s1", 4)).ok());
  EXPECT_EQ(p->qty, -Q("1"));
  EXPECT_EQ(p->cost, N("90"));
  EXPECT_EQ(p->avg_entry_price(), P("90"));
  EXPECT_EQ(p->realized_pnl, N("-15"));
  EXPECT_EQ(p->ts_opened, At(4));
  EXPECT_EQ(pf.fees(), N("0.19775"));

  // 5. Buy 1 @ 95 as maker: fee 0.019. Closes the short: 90 - 95 = -5,
  //    realized total -20; flat, no cost left.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "95", "1", "0.019", "s1", 5)).ok());
  EXPECT_TRUE(p->is_flat());
  EXPECT_EQ(p->cost, Notional::Zero());
  EXPECT_FALSE(p->avg_entry_price().IsDefined());
  EXPECT_EQ(p->realized_pnl, N("-20"));
  EXPECT_EQ(p->fees, N("0.21675"));
  EXPECT_EQ(p->fill_count, 5u);
  EXPECT_EQ(pf.realized_pnl(), N("-20"));
  EXPECT_EQ(pf.unrealized_pnl(), Notional::Zero());
  EXPECT_EQ(pf.fees(), N("0.21675"));
  // Cash flows -100 - 110 + 60 + 225 - 95 = -20; 10000 - 20 - 0.21675.
  EXPECT_EQ(pf.cash(), N("9979.78325"));
  EXPECT_EQ(pf.equity(), N("9979.78325"));
  EXPECT_EQ(pf.fill_count(), 5u);
  // Fees fed to the portfolio match the instrument rates they came from.
  EXPECT_EQ(N("225") * R("0.00055"), N("0.12375"));
  EXPECT_EQ(N("60") * R("-0.00005"), N("-0.003"));
}

TEST(Portfolio, ShortOpenAddMarkReduceFlipToLongAndClose) {
  Portfolio pf(N("1000"));
  // Sell 2 @ 50, sell 1 @ 47: qty -3, cost 100 + 47 = 147, avg 49.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "50", "2", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "47", "1", "0")).ok());
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->is_short());
  EXPECT_EQ(p->qty, -Q("3"));
  EXPECT_EQ(p->cost, N("147"));
  EXPECT_EQ(p->avg_entry_price(), P("49"));

  // Mid 45: a short gains cost - |qty| x mid = 147 - 135 = 12.
  ASSERT_TRUE(pf.Mark(kBtc, P("45"), At(1)).ok());
  EXPECT_EQ(p->unrealized_pnl, N("12"));
  EXPECT_EQ(pf.equity(), N("1012"));

  // Buy 1 @ 44: released 147 x 1 / 3 = 49, realized 49 - 44 = 5; qty -2,
  // cost 98; unrealized at 45: 98 - 90 = 8; equity 1000 + 5 + 8 = 1013.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "44", "1", "0")).ok());
  EXPECT_EQ(p->qty, -Q("2"));
  EXPECT_EQ(p->cost, N("98"));
  EXPECT_EQ(p->realized_pnl, N("5"));
  EXPECT_EQ(p->unrealized_pnl, N("8"));
  EXPECT_EQ(pf.equity(), N("1013"));

  // Buy 3 @ 52: flip. Close 2 (exit 104, released 98: realized -6, total
  // -1), open long 1 with cost 156 - 104 = 52; at mid 45 unrealized
  // 45 - 52 = -7; equity 1000 - 1 - 7 = 992.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "52", "3", "0")).ok());
  EXPECT_TRUE(p->is_long());
  EXPECT_EQ(p->qty, Q("1"));
  EXPECT_EQ(p->cost, N("52"));
  EXPECT_EQ(p->avg_entry_price(), P("52"));
  EXPECT_EQ(p->realized_pnl, N("-1"));
  EXPECT_EQ(p->unrealized_pnl, N("-7"));
  EXPECT_EQ(pf.equity(), N("992"));

  // Sell 1 @ 52: flat at entry, realized unchanged; equity 999.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "52", "1", "0")).ok());
  EXPECT_TRUE(p->is_flat());
  EXPECT_EQ(p->cost, Notional::Zero());
  EXPECT_EQ(p->unrealized_pnl, Notional::Zero());
  EXPECT_EQ(pf.realized_pnl(), N("-1"));
  EXPECT_EQ(pf.equity(), N("999"));
}

// ---------------------------------------------------------------------------
// Rounding rules.

TEST(PortfolioRounding, ReleasedCostRoundsHalfAwayFromZero) {
  // 300.000000001 / 3 = 100.000000000333...: down.
  EXPECT_EQ(ReleasedCost(N("300.000000001"), Q("1"), Q("3")), N("100"));
  // 300.000000002 / 3 = 100.000000000666...: up.
  EXPECT_EQ(ReleasedCost(N("300.000000002"), Q("1"), Q("3")), N("100.000000001"));
  // 200.000000001 / 2 = 100.0000000005: a half, away from zero.
  EXPECT_EQ(ReleasedCost(N("200.000000001"), Q("1"), Q("2")), N("100.000000001"));
  EXPECT_EQ(ReleasedCost(N("-200.000000001"), Q("1"), Q("2")), N("-100.000000001"));
  EXPECT_EQ(ReleasedCost(N("-300.000000001"), Q("1"), Q("3")), N("-100"));
  // Lots of 0.001: 180.0005 x 0.001 / 0.003 = 60.00016666...67 -> 60.000166667.
  EXPECT_EQ(ReleasedCost(N("180.0005"), Q("0.001"), Q("0.003")), N("60.000166667"));
  // The whole is exact; nothing is nothing.
  EXPECT_EQ(ReleasedCost(N("300.000000001"), Q("3"), Q("3")), N("300.000000001"));
  EXPECT_EQ(ReleasedCost(N("300.000000001"), Q("0"), Q("3")), Notional::Zero());
  // A cost near the int64 limit times a large qty stays exact in 128 bits:
  // 9,000,000,000 x 3,000,000 / 9,000,000 = 3,000,000,000.
  EXPECT_EQ(ReleasedCost(N("9000000000"), Q("3000000"), Q("9000000")), N("3000000000"));
}

TEST(PortfolioRounding, ThreeLotsCloseOneByOneWithoutResidue) {
  Portfolio pf(N("0"));
  // Buy 1 @ 100.000000001, 1 @ 100, 1 @ 100: cost 300.000000001, avg
  // 100.000000000333... shown as 100.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100.000000001", "1", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0")).ok());
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->cost, N("300.000000001"));
  EXPECT_EQ(p->avg_entry_price(), P("100"));

  // Sell 1 @ 101: released 300.000000001 / 3 -> 100 (0.333 rounds down),
  // realized 1; cost 200.000000001; avg 100.0000000005 -> 100.000000001.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "101", "1", "0")).ok());
  EXPECT_EQ(p->realized_pnl, N("1"));
  EXPECT_EQ(p->cost, N("200.000000001"));
  EXPECT_EQ(p->avg_entry_price(), P("100.000000001"));

  // Sell 1 @ 101: released 200.000000001 / 2 = 100.0000000005 -> half away
  // from zero: 100.000000001; realized 0.999999999, total 1.999999999;
  // cost 100 exactly.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "101", "1", "0")).ok());
  EXPECT_EQ(p->realized_pnl, N("1.999999999"));
  EXPECT_EQ(p->cost, N("100"));

  // Sell the last 1 @ 101: releases all that is left (100): realized 1,
  // total 2.999999999 = cash flows -300.000000001 + 303. No residue.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "101", "1", "0")).ok());
  EXPECT_TRUE(p->is_flat());
  EXPECT_EQ(p->cost, Notional::Zero());
  EXPECT_EQ(p->realized_pnl, N("2.999999999"));
  EXPECT_EQ(pf.equity(), N("2.999999999"));
}

TEST(PortfolioRounding, ShortLotsMirrorTheLongRule) {
  Portfolio pf(N("0"));
  // Sell 1 @ 100.000000001, 1 @ 100, 1 @ 100: cost 300.000000001.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "100.000000001", "1", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "100", "1", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "100", "1", "0")).ok());
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  // Buy 1 @ 99: released 100 (down), realized 100 - 99 = 1.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "99", "1", "0")).ok());
  EXPECT_EQ(p->realized_pnl, N("1"));
  // Buy 1 @ 99: released 100.000000001 (half up), realized 1.000000001.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "99", "1", "0")).ok());
  EXPECT_EQ(p->realized_pnl, N("2.000000001"));
  EXPECT_EQ(p->cost, N("100"));
  // Buy 1 @ 99: the rest, realized 1; total 3.000000001 = 300.000000001 - 297.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "99", "1", "0")).ok());
  EXPECT_TRUE(p->is_flat());
  EXPECT_EQ(p->cost, Notional::Zero());
  EXPECT_EQ(p->realized_pnl, N("3.000000001"));
}

TEST(PortfolioRounding, FlipSplitsTheFillNotionalExactly) {
  // Long 0.000000001 @ 1: cost 0.000000001. Sell 0.000000002 @ 0.5: the
  // fill's notional is 0.000000001 exactly; the closing part 0.000000001 x
  // 0.5 = 0.0000000005 rounds (half away from zero) to 0.000000001; so the
  // new short's cost is 0.000000001 - 0.000000001 = 0, not the 0.000000001
  // that rounding 0.000000001 x 0.5 on its own would give: the two parts add
  // up to the fill's notional.
  Portfolio pf(N("0"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "1", "0.000000001", "0")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "0.5", "0.000000002", "0")).ok());
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->qty, -Q("0.000000001"));
  EXPECT_EQ(p->cost, Notional::Zero());
  // Realized: exit 0.000000001 - released 0.000000001 = 0.
  EXPECT_EQ(p->realized_pnl, Notional::Zero());
  // Cash flows: -0.000000001 + 0.000000001 = 0; at mid 0.5 the short is
  // worth -(0.000000001 x 0.5) -> -0.000000001, and so is equity.
  ASSERT_TRUE(pf.Mark(kBtc, P("0.5"), At(1)).ok());
  EXPECT_EQ(p->unrealized_pnl, N("-0.000000001"));
  EXPECT_EQ(pf.equity(), N("-0.000000001"));
}

// ---------------------------------------------------------------------------
// Valuation, funding, equity.

TEST(Portfolio, UnrealizedAtMidThenAtMarkPriceWhichTakesPrecedence) {
  Portfolio pf(N("1000"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "2", "0", "s1")).ok());
  const Position* p = pf.Find(kBtc);
  const Position* sp = pf.Find(S("s1"), kBtc);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(sp, nullptr);
  EXPECT_FALSE(p->valuation_price.IsDefined());
  EXPECT_EQ(p->unrealized_pnl, Notional::Zero());

  // Long 2, cost 200. Mid 101: 202 - 200 = 2. Mid 99: -2.
  ASSERT_TRUE(pf.Mark(kBtc, P("101"), At(1)).ok());
  EXPECT_EQ(p->unrealized_pnl, N("2"));
  EXPECT_EQ(sp->unrealized_pnl, N("2"));
  EXPECT_EQ(pf.equity(), N("1002"));
  ASSERT_TRUE(pf.Mark(kBtc, P("99"), At(2)).ok());
  EXPECT_EQ(pf.unrealized_pnl(), N("-2"));
  EXPECT_EQ(pf.equity(), N("998"));
  EXPECT_EQ(p->ts_last, At(2));

  // Mark price 100.5: 201 - 200 = 1; from now on mids are ignored.
  ASSERT_TRUE(pf.SetMarkPrice(kBtc, P("100.5"), At(3)).ok());
  EXPECT_EQ(p->unrealized_pnl, N("1"));
  ASSERT_TRUE(pf.Mark(kBtc, P("103"), At(4)).ok());
  EXPECT_EQ(p->unrealized_pnl, N("1"));
  EXPECT_EQ(sp->unrealized_pnl, N("1"));
  EXPECT_EQ(pf.ValuationPrice(kBtc), P("100.5"));
  EXPECT_EQ(pf.equity(), N("1001"));

  // Mark price 98: 196 - 200 = -4.
  ASSERT_TRUE(pf.SetMarkPrice(kBtc, P("98"), At(5)).ok());
  EXPECT_EQ(pf.unrealized_pnl(), N("-4"));

  // A fill is valued at once: buy 1 @ 97, cost 297, at 98: 294 - 297 = -3.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "97", "1", "0", "s1")).ok());
  EXPECT_EQ(p->unrealized_pnl, N("-3"));
  EXPECT_EQ(pf.equity(), N("997"));

  // A mid before the first fill values the new position at once: buy ETH
  // 1 @ 1990 at mid 2000: +10.
  ASSERT_TRUE(pf.Mark(kEth, P("2000"), At(6)).ok());
  EXPECT_EQ(pf.Find(kEth)->qty, Qty::Zero());
  ASSERT_TRUE(pf.OnFill(MakeFill(kEth, Side::kBuy, "1990", "1", "0", "s2")).ok());
  EXPECT_EQ(pf.Find(kEth)->unrealized_pnl, N("10"));
  EXPECT_EQ(pf.Find(S("s2"), kEth)->unrealized_pnl, N("10"));
  EXPECT_EQ(pf.unrealized_pnl(), N("7"));  // -3 + 10
}

TEST(Portfolio, FundingLongAndShortWithPositiveAndNegativeRates) {
  Portfolio pf(N("10000"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "60000", "2", "0", "L")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kEth, Side::kSell, "2000", "3", "0", "S")).ok());

  // Long 2 at mark 60000, rate +0.0001: 120000 x 0.0001 = 12 paid.
  ASSERT_TRUE(pf.ApplyFunding(kBtc, R("0.0001"), P("60000"), At(8 * kHourMs)).ok());
  EXPECT_EQ(pf.Find(kBtc)->funding, N("12"));
  EXPECT_EQ(pf.funding(), N("12"));
  EXPECT_EQ(pf.cash(), N("9988"));
  // Long 2 at mark 61000, rate -0.0002: 122000 x -0.0002 = -24.4 (received).
  ASSERT_TRUE(pf.ApplyFunding(kBtc, R("-0.0002"), P("61000"), At(16 * kHourMs)).ok());
  EXPECT_EQ(pf.Find(kBtc)->funding, N("-12.4"));
  EXPECT_EQ(pf.Find(S("L"), kBtc)->funding, N("-12.4"));

  // Short 3 at mark 2100, rate +0.0001: 6300 x 0.0001 = 0.63 received.
  ASSERT_TRUE(pf.ApplyFunding(kEth, R("0.0001"), P("2100"), At(8 * kHourMs)).ok());
  EXPECT_EQ(pf.Find(kEth)->funding, N("-0.63"));
  // Short 3 at mark 2000, rate -0.0003: 6000 x 0.0003 = 1.8 paid.
  ASSERT_TRUE(pf.ApplyFunding(kEth, R("-0.0003"), P("2000"), At(16 * kHourMs)).ok());
  EXPECT_EQ(pf.Find(kEth)->funding, N("1.17"));
  EXPECT_EQ(pf.StrategyPnl(S("S")).funding, N("1.17"));

  // Account: -12.4 + 1.17 = -11.23 paid, so cash 10011.23. Funding's mark
  // price does not value the positions.
  EXPECT_EQ(pf.funding(), N("-11.23"));
  EXPECT_EQ(pf.cash(), N("10011.23"));
  EXPECT_EQ(pf.equity(), N("10011.23"));
  EXPECT_FALSE(pf.ValuationPrice(kBtc).IsDefined());
  EXPECT_EQ(pf.unrealized_pnl(), Notional::Zero());

  // A flat position pays nothing; an instrument never touched neither.
  ASSERT_TRUE(pf.OnFill(MakeFill(kEth, Side::kBuy, "2000", "3", "0", "S")).ok());
  ASSERT_TRUE(pf.ApplyFunding(kEth, R("0.01"), P("2000"), At(24 * kHourMs)).ok());
  ASSERT_TRUE(pf.ApplyFunding(InstrumentId{7}, R("0.01"), P("2000"), At(24 * kHourMs)).ok());
  EXPECT_EQ(pf.funding(), N("-11.23"));
  EXPECT_EQ(pf.Find(InstrumentId{7}), nullptr);
}

TEST(PortfolioRounding, FundingPaymentRoundsTwiceHalfAwayFromZero) {
  // 0.001 x 60000.1 = 60.0001; x 0.000123 = 0.0073800123 -> 0.007380012.
  EXPECT_EQ(*FundingPayment(Q("0.001"), P("60000.1"), R("0.000123")), N("0.007380012"));
  EXPECT_EQ(*FundingPayment(-Q("0.001"), P("60000.1"), R("0.000123")), N("-0.007380012"));
  // 1 x 0.5 x 0.000000001 = 0.0000000005: a half, away from zero.
  EXPECT_EQ(*FundingPayment(Q("1"), P("0.5"), R("0.000000001")), N("0.000000001"));
  EXPECT_EQ(*FundingPayment(-Q("1"), P("0.5"), R("0.000000001")), N("-0.000000001"));
  EXPECT_EQ(*FundingPayment(Q("1"), P("0.5"), R("-0.000000001")), N("-0.000000001"));
  EXPECT_EQ(*FundingPayment(Qty::Zero(), P("100"), R("0.01")), Notional::Zero());
  EXPECT_EQ(FundingPayment(Q("1"), Price::Undefined(), R("0.01")).error(), PortfolioError::kBadPrice);
  EXPECT_EQ(FundingPayment(Q("1"), P("1"), Rate::Undefined()).error(), PortfolioError::kBadRate);
}

TEST(Portfolio, EquityPeakDrawdownAndMaxDrawdownAcrossASequence) {
  Portfolio pf(N("1000"));
  EXPECT_EQ(pf.peak_equity(), N("1000"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0")).ok());
  EXPECT_EQ(pf.equity(), N("1000"));
  EXPECT_EQ(pf.drawdown(), Notional::Zero());

  // Mid 110: equity 1010, a new peak.
  ASSERT_TRUE(pf.Mark(kBtc, P("110"), At(1)).ok());
  EXPECT_EQ(pf.equity(), N("1010"));
  EXPECT_EQ(pf.peak_equity(), N("1010"));
  // Mid 95: equity 995, drawdown 15 = 15 / 1010 of the peak.
  ASSERT_TRUE(pf.Mark(kBtc, P("95"), At(2)).ok());
  EXPECT_EQ(pf.equity(), N("995"));
  EXPECT_EQ(pf.drawdown(), N("15"));
  EXPECT_DOUBLE_EQ(pf.drawdown_fraction(), 15.0 / 1010.0);
  EXPECT_EQ(pf.max_drawdown(), N("15"));
  // Mid 105: drawdown 5, the maximum stays 15.
  ASSERT_TRUE(pf.Mark(kBtc, P("105"), At(3)).ok());
  EXPECT_EQ(pf.drawdown(), N("5"));
  EXPECT_EQ(pf.max_drawdown(), N("15"));
  EXPECT_DOUBLE_EQ(pf.max_drawdown_fraction(), 15.0 / 1010.0);
  // Mid 120: equity 1020, new peak, drawdown 0.
  ASSERT_TRUE(pf.Mark(kBtc, P("120"), At(4)).ok());
  EXPECT_EQ(pf.peak_equity(), N("1020"));
  EXPECT_EQ(pf.drawdown(), Notional::Zero());
  // Mid 100: equity 1000, drawdown 20 (20 / 1020), both maxima move.
  ASSERT_TRUE(pf.Mark(kBtc, P("100"), At(5)).ok());
  EXPECT_EQ(pf.drawdown(), N("20"));
  EXPECT_EQ(pf.max_drawdown(), N("20"));
  EXPECT_DOUBLE_EQ(pf.max_drawdown_fraction(), 20.0 / 1020.0);
  // Sell 1 @ 100 with fee 0.1: realized 0, equity 999.9, drawdown 20.1.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "100", "1", "0.1")).ok());
  EXPECT_EQ(pf.equity(), N("999.9"));
  EXPECT_EQ(pf.drawdown(), N("20.1"));
  EXPECT_EQ(pf.max_drawdown(), N("20.1"));

  const PnlUpdate u = pf.MakePnlUpdate(At(6));
  EXPECT_EQ(u.ts_event, At(6));
  EXPECT_EQ(u.ts_recv, At(6));
  EXPECT_EQ(u.equity, N("999.9"));
  EXPECT_EQ(u.peak_equity, N("1020"));
  EXPECT_EQ(u.realized_pnl, Notional::Zero());
  EXPECT_EQ(u.unrealized_pnl, Notional::Zero());
  EXPECT_EQ(u.fees, N("0.1"));
  EXPECT_DOUBLE_EQ(u.drawdown, 20.1 / 1020.0);
}

TEST(Portfolio, MaxDrawdownInMoneyAndAsAFractionCanComeFromDifferentMoments) {
  Portfolio pf(N("100"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "50", "1", "0")).ok());
  // Mid 40: equity 90, drawdown 10 = 10% of 100.
  ASSERT_TRUE(pf.Mark(kBtc, P("40"), At(1)).ok());
  // Mid 250: equity 300 (peak). Mid 235: drawdown 15 = 5% of 300.
  ASSERT_TRUE(pf.Mark(kBtc, P("250"), At(2)).ok());
  ASSERT_TRUE(pf.Mark(kBtc, P("235"), At(3)).ok());
  EXPECT_EQ(pf.max_drawdown(), N("15"));
  EXPECT_DOUBLE_EQ(pf.max_drawdown_fraction(), 0.1);
  EXPECT_DOUBLE_EQ(pf.drawdown_fraction(), 0.05);
}

TEST(Portfolio, PeriodicSamplingOnATimerQueueWithASimClock) {
  SimClock clock(At(0));
  TimerQueue timers(clock);
  Portfolio pf(N("1000"));
  const TimerId id = pf.ScheduleSampling(timers, At(1000), Duration::Seconds(1));
  ASSERT_TRUE(id.valid());

  // Fires every timer due up to `t` (clock at each deadline), then moves
  // the clock to `t`: what the engine loop does in a backtest.
  auto run_until = [&](UnixNanos t) {
    while (true) {
      auto next = timers.NextDeadline();
      if (!next || *next > t) break;
      ASSERT_TRUE(clock.AdvanceTo(*next).ok());
      timers.FireNext(*next);
    }
    ASSERT_TRUE(clock.AdvanceTo(t).ok());
  };
  run_until(At(500));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0", "s1", 500)).ok());
  run_until(At(1500));
  ASSERT_TRUE(pf.Mark(kBtc, P("110"), At(1500)).ok());
  run_until(At(2500));
  ASSERT_TRUE(pf.Mark(kBtc, P("90"), At(2500)).ok());
  run_until(At(2600));
  // Long 1 at mark 90, rate 0.001: 0.09 paid.
  ASSERT_TRUE(pf.ApplyFunding(kBtc, R("0.001"), P("90"), At(2600)).ok());
  run_until(At(3200));
  // Sell 1 @ 95, fee 0.05: realized -5.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "95", "1", "0.05", "s1", 3200)).ok());
  run_until(At(4000));
  EXPECT_TRUE(timers.Cancel(id));
  run_until(At(6000));

  const std::vector<EquitySample> expected = {
      // t=1s: long 1 @ 100 carried at cost.
      {At(1000), N("1000"), N("0"), N("0"), N("0"), N("0"), N("0")},
      // t=2s: mid 110, equity 1010 (the peak).
      {At(2000), N("1010"), N("0"), N("10"), N("0"), N("0"), N("0")},
      // t=3s: mid 90 and 0.09 funding: 1000 - 10 - 0.09 = 989.91, 20.09 below the peak.
      {At(3000), N("989.91"), N("0"), N("-10"), N("0"), N("0.09"), N("20.09")},
      // t=4s: flat; 1000 - 5 - 0.05 - 0.09 = 994.86, 15.14 below the peak.
      {At(4000), N("994.86"), N("-5"), N("0"), N("0.05"), N("0.09"), N("15.14")},
  };
  ASSERT_EQ(pf.series().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const EquitySample& got = pf.series()[i];
    EXPECT_EQ(got.ts, expected[i].ts);
    EXPECT_EQ(got.equity, expected[i].equity);
    EXPECT_EQ(got.realized_pnl, expected[i].realized_pnl);
    EXPECT_EQ(got.unrealized_pnl, expected[i].unrealized_pnl);
    EXPECT_EQ(got.fees, expected[i].fees);
    EXPECT_EQ(got.funding, expected[i].funding);
    EXPECT_EQ(got.drawdown, expected[i].drawdown);
    EXPECT_EQ(got, expected[i]);
  }
  EXPECT_FALSE(pf.ScheduleSampling(timers, At(7000), Duration::Zero()).valid());
}

// ---------------------------------------------------------------------------
// Attribution to strategies.

// Sums of the strategies' figures against the account's.
struct StrategySums {
  Notional realized, unrealized, fees, funding, pnl;
};
StrategySums SumStrategies(const Portfolio& pf) {
  StrategySums s;
  for (const StrategyId& id : pf.StrategyIds()) {
    const StrategySummary x = pf.StrategyPnl(id);
    s.realized += x.realized_pnl;
    s.unrealized += x.unrealized_pnl;
    s.fees += x.fees;
    s.funding += x.funding;
    s.pnl += x.pnl;
  }
  return s;
}

TEST(PortfolioAttribution, AccountEqualsTheSumOverStrategies) {
  Portfolio pf(N("5000"));
  // alpha trades BTC, beta trades ETH; later beta also trades BTC once
  // alpha is flat there.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "60000", "0.01", "0.33", "alpha")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kEth, Side::kSell, "3000", "0.5", "-0.075", "beta")).ok());
  ASSERT_TRUE(pf.Mark(kBtc, P("60500"), At(1)).ok());
  ASSERT_TRUE(pf.Mark(kEth, P("2950"), At(1)).ok());
  ASSERT_TRUE(pf.ApplyFunding(kBtc, R("0.0001"), P("60400"), At(2)).ok());
  ASSERT_TRUE(pf.ApplyFunding(kEth, R("0.0001"), P("2960"), At(2)).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "60700", "0.01", "0.33385", "alpha")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "60600", "0.02", "0.6666", "beta")).ok());
  ASSERT_TRUE(pf.SetMarkPrice(kBtc, P("60650"), At(3)).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kEth, Side::kBuy, "2940", "0.2", "0.1176", "beta")).ok());

  // alpha: realized (60700 - 60000) x 0.01 = 7; fees 0.33 + 0.33385 = 0.66385;
  //        funding 0.01 x 60400 x 0.0001 = 0.0604; pnl 7 - 0.66385 - 0.0604.
  const StrategySummary alpha = pf.StrategyPnl(S("alpha"));
  EXPECT_EQ(alpha.realized_pnl, N("7"));
  EXPECT_EQ(alpha.unrealized_pnl, Notional::Zero());
  EXPECT_EQ(alpha.fees, N("0.66385"));
  EXPECT_EQ(alpha.funding, N("0.0604"));
  EXPECT_EQ(alpha.pnl, N("6.27575"));
  EXPECT_EQ(alpha.fill_count, 2u);
  // beta: ETH short 0.5 @ 3000, bought back 0.2 @ 2940: realized 12;
  //       0.3 left, cost 900, at mid 2950: 900 - 885 = 15. ETH funding:
  //       short 0.5 x 2960 x 0.0001 = 0.148 received. BTC short 0.02 @
  //       60600 (cost 1212) at mark 60650: 1212 - 1213 = -1.
  const StrategySummary beta = pf.StrategyPnl(S("beta"));
  EXPECT_EQ(beta.realized_pnl, N("12"));
  EXPECT_EQ(beta.unrealized_pnl, N("14"));
  EXPECT_EQ(beta.funding, N("-0.148"));
  EXPECT_EQ(beta.fees, N("0.7092"));  // -0.075 + 0.6666 + 0.1176

  const StrategySums sums = SumStrategies(pf);
  EXPECT_EQ(pf.realized_pnl(), sums.realized);
  EXPECT_EQ(pf.unrealized_pnl(), sums.unrealized);
  EXPECT_EQ(pf.fees(), sums.fees);
  EXPECT_EQ(pf.funding(), sums.funding);
  EXPECT_EQ(pf.equity(), pf.starting_balance() + sums.pnl);
  for (InstrumentId id : {kBtc, kEth}) {
    Qty net;
    for (const StrategyId& s : pf.StrategyIds()) {
      if (const Position* p = pf.Find(s, id)) net += p->qty;
    }
    EXPECT_EQ(pf.Find(id)->qty, net);
  }
  // alpha's pnl went -0.33 (first fee: its maximum drawdown), 4.67 (mid
  // 60500), 4.6096 (funding), 6.27575 (closed: its peak).
  EXPECT_EQ(alpha.peak_pnl, N("6.27575"));
  EXPECT_EQ(alpha.drawdown, Notional::Zero());
  EXPECT_EQ(alpha.max_drawdown, N("0.33"));
  EXPECT_EQ(pf.StrategyIds().size(), 2u);
  // Unknown strategy: zeros.
  const StrategySummary none = pf.StrategyPnl(S("nobody"));
  EXPECT_EQ(none.strategy, S("nobody"));
  EXPECT_EQ(none.pnl, Notional::Zero());
  EXPECT_EQ(pf.Find(S("nobody"), kBtc), nullptr);
}

TEST(PortfolioAttribution, SharedInstrumentSplitsPnlDifferentlyButEquityStillAdds) {
  Portfolio pf(N("1000"));
  // A buys 1 @ 100, B buys 1 @ 110, A sells 1 @ 120, mark 120.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0.01", "A")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "110", "1", "0.02", "B")).ok());
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "120", "1", "0.03", "A")).ok());
  ASSERT_TRUE(pf.SetMarkPrice(kBtc, P("120"), At(1)).ok());
  // Account (one average cost, like the venue): cost 210 for 2, selling 1
  // releases 105: realized 15; 1 left at cost 105, unrealized 15.
  EXPECT_EQ(pf.realized_pnl(), N("15"));
  EXPECT_EQ(pf.unrealized_pnl(), N("15"));
  // Strategies: A realized 20, B unrealized 10. The split differs, the sum
  // (30) and so equity match; fees always match.
  EXPECT_EQ(pf.StrategyPnl(S("A")).realized_pnl, N("20"));
  EXPECT_EQ(pf.StrategyPnl(S("B")).unrealized_pnl, N("10"));
  const StrategySums sums = SumStrategies(pf);
  EXPECT_EQ(sums.realized + sums.unrealized, pf.realized_pnl() + pf.unrealized_pnl());
  EXPECT_EQ(pf.fees(), sums.fees);
  EXPECT_EQ(pf.equity(), pf.starting_balance() + sums.pnl);

  // A goes short 1 while B is long 1: the account is flat, and the funding
  // the two strategies pay and receive cancels out in the account.
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kSell, "120", "1", "0", "A")).ok());
  EXPECT_TRUE(pf.Find(kBtc)->is_flat());
  ASSERT_TRUE(pf.ApplyFunding(kBtc, R("0.0001"), P("120"), At(2)).ok());
  EXPECT_EQ(pf.StrategyPnl(S("A")).funding, N("-0.012"));
  EXPECT_EQ(pf.StrategyPnl(S("B")).funding, N("0.012"));
  EXPECT_EQ(pf.funding(), Notional::Zero());
  EXPECT_EQ(pf.Find(kBtc)->funding, Notional::Zero());
  EXPECT_EQ(pf.equity(), pf.starting_balance() + SumStrategies(pf).pnl);
}

TEST(PortfolioAttribution, FillsWithoutAStrategyBookToTheEmptyId) {
  Portfolio pf(N("0"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0.1", "")).ok());
  ASSERT_EQ(pf.StrategyIds().size(), 1u);
  EXPECT_TRUE(pf.StrategyIds()[0].empty());
  EXPECT_EQ(pf.StrategyPnl(StrategyId()).fees, N("0.1"));
  ASSERT_NE(pf.Find(StrategyId(), kBtc), nullptr);
  EXPECT_EQ(pf.Find(StrategyId(), kBtc)->qty, Q("1"));
}

// ---------------------------------------------------------------------------
// Refused inputs.

TEST(PortfolioRefusals, BadInputsAreRefusedCountedAndChangeNothing) {
  Portfolio pf(N("1000"));
  ASSERT_TRUE(pf.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0.05")).ok());
  ASSERT_TRUE(pf.Mark(kBtc, P("101"), At(1)).ok());
  pf.SampleEquity(At(1));
  const std::string before = Describe(pf);

  auto bad = [](auto&& mutate) {
    FillReport f = MakeFill(kBtc, Side::kBuy, "100", "1", "0.05");
    mutate(f);
    return f;
  };
  struct Case {
    const char* name;
    FillReport fill;
    PortfolioError want;
  };
  const std::vector<Case> cases = {
      {"zero qty", bad([](FillReport& f) { f.last_qty = Qty::Zero(); }), PortfolioError::kBadQty},
      {"negative qty", bad([](FillReport& f) { f.last_qty = Qty::FromRaw(-1); }), PortfolioError::kBadQty},
      {"undefined qty", bad([](FillReport& f) { f.last_qty = Qty::Undefined(); }), PortfolioError::kBadQty},
      {"undefined price", bad([](FillReport& f) { f.last_price = Price::Undefined(); }), PortfolioError::kBadPrice},
      {"zero price", bad([](FillReport& f) { f.last_price = Price::Zero(); }), PortfolioError::kBadPrice},
      {"negative price", bad([](FillReport& f) { f.last_price = P("-1"); }), PortfolioError::kBadPrice},
      {"undefined fee", bad([](FillReport& f) { f.fee = Notional::Undefined(); }), PortfolioError::kBadFee},
      {"bad side", bad([](FillReport& f) { f.side = static_cast<Side>(0); }), PortfolioError::kBadSide},
      {"invalid instrument", bad([](FillReport& f) { f.instrument = InstrumentId{}; }),
       PortfolioError::kUnknownInstrument},
      {"id out of range", bad([](FillReport& f) { f.instrument = InstrumentId{Portfolio::kMaxUnregisteredId}; }),
       PortfolioError::kUnknownInstrument},
      // 9,000,000,000 x 2 = 1.8e10 USDT: outside the Notional range.
      {"notional overflow", bad([](FillReport& f) {
         f.last_price = P("9000000000");
         f.last_qty = Q("2");
       }),
       PortfolioError::kOverflow},
  };
  std::uint64_t refused = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = pf.OnFill(c.fill);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), c.want);
    EXPECT_EQ(pf.refused_count(), ++refused);
    EXPECT_EQ(Describe(pf), before);
  }
  // Through OnEvent as well.
  OrderFilled ev;
  static_cast<FillReport&>(ev) = cases[0].fill;
  EXPECT_EQ(pf.OnEvent(Event(ev)).error(), PortfolioError::kBadQty);
  ++refused;

  EXPECT_EQ(pf.Mark(kBtc, Price::Undefined(), At(2)).error(), PortfolioError::kBadPrice);
  EXPECT_EQ(pf.Mark(kBtc, Price::Zero(), At(2)).error(), PortfolioError::kBadPrice);
  EXPECT_EQ(pf.Mark(InstrumentId{}, P("1"), At(2)).error(), PortfolioError::kUnknownInstrument);
  EXPECT_EQ(pf.SetMarkPrice(kBtc, P("-5"), At(2)).error(), PortfolioError::kBadPrice);
  EXPECT_EQ(pf.ApplyFunding(kBtc, Rate::Undefined(), P("100"), At(2)).error(), PortfolioError::kBadRate);
  EXPECT_EQ(pf.ApplyFunding(kBtc, R("0.0001"), Price::Undefined(), At(2)).error(), PortfolioError::kBadPrice);
  // Long 1 at a funding mark of 9e9 with rate 2: 1.8e10 to pay, out of range.
  EXPECT_EQ(pf.ApplyFunding(kBtc, R("2"), P("9000000000"), At(2)).error(), PortfolioError::kOverflow);
  refused += 7;
  EXPECT_EQ(Describe(pf), before);
  EXPECT_EQ(pf.refused_count(), refused);
  EXPECT_EQ(pf.refused_count(PortfolioError::kBadQty), 4u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kBadPrice), 7u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kBadFee), 1u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kBadSide), 1u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kBadRate), 1u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kUnknownInstrument), 3u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kOverflow), 2u);
  EXPECT_EQ(pf.refused_count(PortfolioError::kUnsupportedKind), 0u);
  EXPECT_EQ(ToString(PortfolioError::kOverflow), "overflow");
}

TEST(PortfolioRefusals, OverflowInAccumulatedFiguresIsRefusedWhole) {
  // Entry cost: 5e9 + 5e9 = 1e10 does not fit.
  Portfolio a(N("0"));
  ASSERT_TRUE(a.OnFill(MakeFill(kBtc, Side::kBuy, "5000000000", "1", "0", "x")).ok());
  const std::string before_a = Describe(a);
  EXPECT_EQ(a.OnFill(MakeFill(kBtc, Side::kBuy, "5000000000", "1", "0", "y")).error(), PortfolioError::kOverflow);
  EXPECT_EQ(Describe(a), before_a);
  EXPECT_EQ(a.Find(S("y"), kBtc), nullptr);  // no strategy book left behind
  EXPECT_EQ(a.StrategyIds().size(), 1u);

  // Valuation: long 2 @ 4e9 at mid 9e9 is worth 1.8e10. The mid is not kept.
  Portfolio b(N("0"));
  ASSERT_TRUE(b.OnFill(MakeFill(kBtc, Side::kBuy, "4000000000", "2", "0")).ok());
  ASSERT_TRUE(b.Mark(kBtc, P("4000000001"), At(1)).ok());
  const std::string before_b = Describe(b);
  EXPECT_EQ(b.Mark(kBtc, P("9000000000"), At(2)).error(), PortfolioError::kOverflow);
  EXPECT_EQ(b.SetMarkPrice(kBtc, P("9000000000"), At(2)).error(), PortfolioError::kOverflow);
  EXPECT_EQ(Describe(b), before_b);
  EXPECT_EQ(b.ValuationPrice(kBtc), P("4000000001"));

  // Account equity: 9e9 of cash plus 4.99999e8 unrealized does not fit.
  Portfolio c(N("9000000000"));
  ASSERT_TRUE(c.OnFill(MakeFill(kBtc, Side::kBuy, "100", "1", "0")).ok());
  const std::string before_c = Describe(c);
  EXPECT_EQ(c.Mark(kBtc, P("500000000"), At(1)).error(), PortfolioError::kOverflow);
  EXPECT_EQ(Describe(c), before_c);
  EXPECT_EQ(c.refused_count(PortfolioError::kOverflow), 1u);
}

TEST(PortfolioRefusals, RegistryRefusesUnknownIdsAndNonLinearKinds) {
  InstrumentRegistry reg;
  Instrument btc;
  btc.symbol = "BTCUSDT";
  btc.kind = InstrumentKind::kLinearPerpetual;
  btc.tick_size = P("0.1");
  btc.lot_size = Q("0.001");
  btc.min_qty = Q("0.001");
  btc.price_precision = 1;
  btc.qty_precision = 3;
  Instrument inverse = btc;
  inverse.symbol = "BTCUSD";
  inverse.kind = InstrumentKind::kInversePerpetual;
  auto btc_id = reg.Add(btc);
  auto inverse_id = reg.Add(inverse);
  ASSERT_TRUE(btc_id.ok());
  ASSERT_TRUE(inverse_id.ok());

  Portfolio pf(N("1000"), reg);
  EXPECT_TRUE(pf.OnFill(MakeFill(*btc_id, Side::kBuy, "100", "1", "0")).ok());
  EXPECT_EQ(pf.OnFill(MakeFill(*inverse_id, Side::kBuy, "100", "1", "0")).error(), PortfolioError::kUnsupportedKind);
  EXPECT_EQ(pf.OnFill(MakeFill(InstrumentId{5}, Side::kBuy, "100", "1", "0")).error(),
            PortfolioError::kUnknownInstrument);
  EXPECT_EQ(pf.Mark(*inverse_id, P("100"), At(1)).error(), PortfolioError::kUnsupportedKind);
  EXPECT_EQ(pf.ApplyFunding(InstrumentId{5}, R("0.0001"), P("100"), At(1)).error(), PortfolioError::kUnknownInstrument);
  EXPECT_EQ(pf.refused_count(), 4u);
  EXPECT_EQ(pf.Find(*inverse_id), nullptr);
}

// ---------------------------------------------------------------------------
// Events.

TEST(Portfolio, OnEventRoutesFillsAndIgnoresTheRest) {
  Portfolio pf(N("1000"));
  OrderPartiallyFilled partial;
  static_cast<FillReport&>(partial) = MakeFill(kBtc, Side::kBuy, "100", "0.4", "0.01", "s1", 1);
  OrderFilled filled;
  static_cast<FillReport&>(filled) = MakeFill(kBtc, Side::kBuy, "101", "0.6", "0.02", "s1", 2);
  ASSERT_TRUE(pf.OnEvent(Event(partial)).ok());
  ASSERT_TRUE(pf.OnEvent(Event(filled)).ok());
  Quote q;
  q.instrument = kBtc;
  q.bid_price = P("200");
  q.ask_price = P("201");
  ASSERT_TRUE(pf.OnEvent(Event(q)).ok());
  ASSERT_TRUE(pf.OnEvent(Event(Trade{})).ok());

  // 0.4 x 100 + 0.6 x 101 = 40 + 60.6 = 100.6 for 1: avg 100.6.
  const Position* p = pf.Find(kBtc);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->qty, Q("1"));
  EXPECT_EQ(p->cost, N("100.6"));
  EXPECT_EQ(pf.fees(), N("0.03"));
  EXPECT_EQ(pf.fill_count(), 2u);
  EXPECT_FALSE(pf.ValuationPrice(kBtc).IsDefined());  // the quote was ignored

  ASSERT_TRUE(pf.Mark(kBtc, P("102"), At(3)).ok());
  const PositionUpdate u = pf.MakePositionUpdate(kBtc, At(4));
  EXPECT_EQ(u.ts_event, At(4));
  EXPECT_EQ(u.ts_recv, At(4));
  EXPECT_EQ(u.instrument, kBtc);
  EXPECT_EQ(u.qty, Q("1"));
  EXPECT_EQ(u.avg_entry_price, P("100.6"));
  EXPECT_EQ(u.realized_pnl, Notional::Zero());
  EXPECT_EQ(u.unrealized_pnl, N("1.4"));
  EXPECT_TRUE(u.strategy.empty());
  const PositionUpdate su = pf.MakePositionUpdate(S("s1"), kBtc, At(4));
  EXPECT_EQ(su.strategy, S("s1"));
  EXPECT_EQ(su.unrealized_pnl, N("1.4"));
  const PositionUpdate none = pf.MakePositionUpdate(kEth, At(4));
  EXPECT_EQ(none.instrument, kEth);
  EXPECT_TRUE(none.qty.IsZero());
  EXPECT_FALSE(none.avg_entry_price.IsDefined());
}

// ---------------------------------------------------------------------------
// Conservation: equity = starting balance + sum of fill cash flows - fees
// + qty x mark, exactly.

struct RandomRun {
  bool fine_grid;  // prices and qtys at 1e-9 resolution, so products round
  std::uint64_t seed;
};

void RunConservation(const RandomRun& run) {
  std::mt19937_64 rng(run.seed);
  const Notional start = N("100000");
  Portfolio pf(start);
  const StrategyId strategies[] = {S("a"), S("b"), S("c")};
  const Rate fee_rates[] = {R("0.00055"), R("0.0002"), R("-0.00005")};
  Notional flows;
  Notional fees;
  Qty qty;
  Price mark = P("60000");
  ASSERT_TRUE(pf.Mark(kBtc, mark, At(0)).ok());
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  for (int step = 1; step <= 4000; ++step) {
    if (uniform(0, 4) == 0) {
      mark = run.fine_grid ? Price::FromRaw(P("60000").raw() + uniform(-3'000'000'000'000, 3'000'000'000'000))
                           : P("60000") + P("0.1") * uniform(-30000, 30000);
      ASSERT_TRUE(pf.Mark(kBtc, mark, At(step)).ok());
    } else {
      const Side side = uniform(0, 1) == 0 ? Side::kBuy : Side::kSell;
      const Qty q = run.fine_grid ? Qty::FromRaw(uniform(1, 2'000'000'000)) : Q("0.001") * uniform(1, 2000);
      const Price p = run.fine_grid ? Price::FromRaw(P("60000").raw() + uniform(-3'000'000'000'000, 3'000'000'000'000))
                                    : P("60000") + P("0.1") * uniform(-30000, 30000);
      const Notional n = p * q;
      const Notional fee = n * fee_rates[uniform(0, 2)];
      FillReport f = MakeFill(kBtc, side, "1", "1", "0", "a", step);
      f.last_price = p;
      f.last_qty = q;
      f.fee = fee;
      f.strategy = strategies[uniform(0, 2)];
      ASSERT_TRUE(pf.OnFill(f).ok());
      flows += side == Side::kBuy ? -n : n;
      fees += fee;
      qty += side == Side::kBuy ? q : -q;
    }
    const Notional expected = start + flows - fees + mark * qty;
    ASSERT_EQ(pf.equity(), expected) << "step " << step;
    ASSERT_EQ(pf.fees(), fees);
    const Position* p = pf.Find(kBtc);
    ASSERT_EQ(p->qty, qty);
    if (p->is_flat()) {
      ASSERT_EQ(p->cost, Notional::Zero()) << "residue at step " << step;
    }
    const StrategySums sums = SumStrategies(pf);
    ASSERT_EQ(sums.fees, fees);
    if (!run.fine_grid) {
      // On exchange grids (0.1 x 0.001) every product is exact, so the
      // strategies' PnL adds up to the account's to the last unit.
      ASSERT_EQ(start + sums.pnl, pf.equity()) << "step " << step;
    }
  }
  // About four in five steps are fills; many of them reduce or flip.
  EXPECT_GT(pf.fill_count(), 3000u);
  EXPECT_NE(pf.realized_pnl(), Notional::Zero());
}

TEST(PortfolioConservation, RandomFillsOnExchangeGridsConserveEquityExactly) { RunConservation({false, 20240718}); }

TEST(PortfolioConservation, RandomFillsAtNanoResolutionConserveEquityExactly) { RunConservation({true, 7}); }

}  // namespace
}  // namespace hean
