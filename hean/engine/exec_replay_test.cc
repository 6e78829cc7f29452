// The execution router's three modes on the real BTCUSDT capture in
// testdata/ (Binance USD-M, 2024-07-18, about 8 minutes): the same requests
// for each mode, every request worked to its end, and the comparison
// printed (fill rate, slippage, fees), as `hean exec` prints it.
#include "hean/engine/exec_replay.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "hean/model/test_instruments.h"

namespace hean {
namespace {

std::string Data(const char* name) {
  return std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/" + name;
}

ExecReplayOptions BtcOptions(ExecMode mode) {
  ExecReplayOptions o;
  o.files = {Data("usdm_btcusdt_20240718.gz"), Data("usdm_btcusdt_20240719_head20000.gz")};
  o.instrument = testing_support::BybitBtcUsdt();
  o.instrument.venue = Venue::kUnknown;  // as the files say (Binance)
  o.qty = *Qty::Parse("0.01");
  o.every = Duration::Seconds(10);
  o.exec.mode = mode;
  return o;
}

TEST(ExecReplay, ThreeModesRunToCompletionOnTheSameRequests) {
  std::vector<ExecReplayResult> results;
  for (ExecMode m : {ExecMode::kFixedTtl, ExecMode::kAdaptiveTtl, ExecMode::kTakerOnly}) {
    auto r = RunExecReplay(BtcOptions(m));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    results.push_back(std::move(*r));
  }
  std::cout << FormatExecComparison(results);
  for (const ExecReplayResult& r : results) {
    SCOPED_TRACE(std::string(ExecModeName(r.mode)));
    EXPECT_EQ(r.market_events, results[0].market_events);
    EXPECT_EQ(r.requests, results[0].requests);  // the same schedule
    EXPECT_GE(r.requests, 20u);
    EXPECT_EQ(r.requests_denied, 0u);
    EXPECT_EQ(r.unfinished, 0u);  // every request worked to its end
    EXPECT_EQ(r.metrics.works_ended.size(), r.requests);
    EXPECT_FALSE(r.metrics.fills.empty());
    EXPECT_GT(r.metrics.fees, 0.0);
    EXPECT_EQ(r.sim.rejected, r.metrics.post_only_rejects);  // no other rejection
    for (const ExecFillRecord& f : r.metrics.fills) {
      // Nothing ever paid more than the slippage bound beyond the mid it
      // was sent at.
      if (f.liquidity == LiquiditySide::kTaker) {
        EXPECT_LE(f.realised_bps, 10.0 + 1e-6);
      }
    }
  }
  // Taker only never rests an order; the maker modes mostly do.
  EXPECT_EQ(results[2].metrics.maker_orders, 0u);
  EXPECT_EQ(results[2].metrics.maker_qty, 0.0);
  EXPECT_GT(results[0].metrics.maker_orders, 0u);
  EXPECT_GT(results[1].metrics.maker_orders, 0u);
  EXPECT_GT(results[1].metrics.ttl_ns.count(), 0u);
}

TEST(ExecReplay, SameDataSameConfigSameFills) {
  auto a = RunExecReplay(BtcOptions(ExecMode::kAdaptiveTtl));
  auto b = RunExecReplay(BtcOptions(ExecMode::kAdaptiveTtl));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->metrics.fills.size(), b->metrics.fills.size());
  for (std::size_t i = 0; i < a->metrics.fills.size(); ++i) {
    EXPECT_EQ(a->metrics.fills[i].ts, b->metrics.fills[i].ts);
    EXPECT_EQ(a->metrics.fills[i].price, b->metrics.fills[i].price);
    EXPECT_EQ(a->metrics.fills[i].qty, b->metrics.fills[i].qty);
  }
}

TEST(ExecReplay, BadOptionsAreErrorsThatSayWhat) {
  ExecReplayOptions o = BtcOptions(ExecMode::kFixedTtl);
  o.qty = *Qty::Parse("0.0005");  // below the lot
  auto r = RunExecReplay(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("0.0005"), std::string::npos) << r.error().ToString();
  o = BtcOptions(ExecMode::kFixedTtl);
  o.instrument.symbol = "ETHBTC";
  r = RunExecReplay(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("ETHBTC"), std::string::npos) << r.error().ToString();
  o = BtcOptions(ExecMode::kFixedTtl);
  o.files = {Data("no_such_file.gz")};
  EXPECT_FALSE(RunExecReplay(o).ok());
}

}  // namespace
}  // namespace hean
