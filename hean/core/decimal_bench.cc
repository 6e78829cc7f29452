// Decimal parse and format of prices and quantities.
// Peer in the same run: std::from_chars to double (the usual shortcut that
// HEAN's fixed point replaces; it is not exact).
#include <benchmark/benchmark.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "hean/core/decimal.h"

namespace {

// Price and qty strings as they appear in the Binance BTCUSDT capture of
// 2024-07-18 (testdata/binance-usdm-btcusdt-2024-07-18).
const std::vector<std::string_view>& Inputs() {
  static const std::vector<std::string_view> kInputs = {
      "9.192",    "63903.90", "1.274",    "63917.10", "0.009",    "0.024",    "2.436",    "63809.40",
      "63929.10", "0.090",    "0.428",    "0.117",    "0.046",    "3.156",    "63918.50", "1.180",
      "5.248",    "1.853",    "1.758",    "63969.80", "63916.80", "3.559",    "63490.00", "0.013",
      "63883.80", "63915.40", "63905.20", "0.033",    "1.774",    "1.752",    "63969.40", "10.498",
      "63903.60", "0.007",    "63307.10", "0.062",    "13.602",   "64065.40", "63726.80", "63999.30",
      "0.381",    "63334.00", "63189.70", "0.360",    "64026.40", "63970.10", "63862.50", "0.034",
      "63809.10", "0.562",    "63738.80", "0.604",    "63892.20", "63916.50", "0.121",    "63808.30",
      "63816.20", "63970.90", "3.382",    "63948.60", "63878.60", "0.015",    "63915.10", "63853.50",
  };
  return kInputs;
}

void BM_Decimal_ParsePrice(benchmark::State& state) {
  const auto& in = Inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = hean::Price::Parse(in[i]);
    benchmark::DoNotOptimize(r);
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decimal_ParsePrice);

void BM_Decimal_ParseQty(benchmark::State& state) {
  const auto& in = Inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = hean::Qty::Parse(in[i]);
    benchmark::DoNotOptimize(r);
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decimal_ParseQty);

// Peer: std::from_chars into double (inexact, shown for scale).
void BM_Decimal_FromCharsDouble_Peer(benchmark::State& state) {
  const auto& in = Inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    double v = 0;
    auto r = std::from_chars(in[i].data(), in[i].data() + in[i].size(), v);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(v);
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decimal_FromCharsDouble_Peer);

void BM_Decimal_FormatPrice(benchmark::State& state) {
  std::vector<hean::Price> prices;
  for (auto s : Inputs()) prices.push_back(*hean::Price::Parse(s));
  char buf[hean::decimal_detail::kMaxFormattedLength];
  std::size_t i = 0;
  for (auto _ : state) {
    std::size_t n = prices[i].Format(buf, 2);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
    if (++i == prices.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decimal_FormatPrice);

void BM_Decimal_PriceTimesQty(benchmark::State& state) {
  std::vector<hean::Price> v;
  for (auto s : Inputs()) v.push_back(*hean::Price::Parse(s));
  std::size_t i = 0;
  for (auto _ : state) {
    hean::Notional n = v[i] * hean::Qty::FromRaw(v[(i + 7) % v.size()].raw());
    benchmark::DoNotOptimize(n);
    if (++i == v.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decimal_PriceTimesQty);

}  // namespace
