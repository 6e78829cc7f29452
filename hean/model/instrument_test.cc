#include "hean/model/instrument.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hean/model/test_instruments.h"

namespace hean {
namespace {

using ::testing::HasSubstr;

Price P(std::string_view s) {
  auto r = Price::Parse(s);
  HEAN_CHECK(r.ok(), "bad price literal in test");
  return *r;
}
Qty Q(std::string_view s) {
  auto r = Qty::Parse(s);
  HEAN_CHECK(r.ok(), "bad qty literal in test");
  return *r;
}
Notional N(std::string_view s) {
  auto r = Notional::Parse(s);
  HEAN_CHECK(r.ok(), "bad notional literal in test");
  return *r;
}
Rate R(std::string_view s) {
  auto r = Rate::Parse(s);
  HEAN_CHECK(r.ok(), "bad rate literal in test");
  return *r;
}

// Bybit BTCUSDT linear perpetual (tick 0.1, lot 0.001, min notional 5).
Instrument BtcUsdt() { return testing_support::BybitBtcUsdt(); }

Instrument EthUsdt() {
  Instrument i = BtcUsdt();
  i.symbol = "ETHUSDT";
  i.tick_size = P("0.01");
  i.lot_size = Q("0.01");
  i.min_qty = Q("0.01");
  i.price_precision = 2;
  i.qty_precision = 2;
  return i;
}

// ---------------------------------------------------------------------------
// Validate

TEST(Instrument, ValidDescriptionPasses) {
  EXPECT_TRUE(BtcUsdt().Validate().ok());
  EXPECT_TRUE(EthUsdt().Validate().ok());
  Instrument i = BtcUsdt();
  i.min_qty = Qty::Zero();  // no minimum
  i.min_notional = Notional::Zero();
  i.maker_fee = R("-0.0001");  // a rebate
  i.price_precision = 9;       // finer than needed is fine
  i.qty_precision = 9;
  EXPECT_TRUE(i.Validate().ok());
}

struct ValidateCase {
  const char* name;
  void (*mutate)(Instrument&);
  const char* field;  // the message must name it
};

class InstrumentValidate : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(InstrumentValidate, NamesSymbolAndField) {
  Instrument i = BtcUsdt();
  GetParam().mutate(i);
  const Status s = i.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(GetParam().field));
  if (!i.symbol.empty()) {
    EXPECT_THAT(s.message(), HasSubstr(i.symbol));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fields, InstrumentValidate,
    ::testing::Values(
        ValidateCase{"EmptySymbol", [](Instrument& i) { i.symbol.clear(); }, "symbol"},
        ValidateCase{"ZeroTick", [](Instrument& i) { i.tick_size = Price::Zero(); }, "tick_size"},
        ValidateCase{"NegativeTick", [](Instrument& i) { i.tick_size = P("-0.1"); }, "tick_size"},
        ValidateCase{"UndefinedTick", [](Instrument& i) { i.tick_size = Price::Undefined(); }, "tick_size"},
        ValidateCase{"ZeroLot", [](Instrument& i) { i.lot_size = Qty::Zero(); }, "lot_size"},
        ValidateCase{"NegativeLot", [](Instrument& i) { i.lot_size = Qty::FromRaw(-1'000'000); }, "lot_size"},
        ValidateCase{"UndefinedLot", [](Instrument& i) { i.lot_size = Qty::Undefined(); }, "lot_size"},
        ValidateCase{"NegativeMinQty", [](Instrument& i) { i.min_qty = Qty::FromRaw(-1'000'000); }, "min_qty"},
        ValidateCase{"MinQtyOffLot", [](Instrument& i) { i.min_qty = Q("0.0015"); }, "min_qty"},
        ValidateCase{"NegativeMinNotional", [](Instrument& i) { i.min_notional = N("-1"); }, "min_notional"},
        ValidateCase{"NegativePricePrecision", [](Instrument& i) { i.price_precision = -1; }, "price_precision"},
        ValidateCase{"PricePrecisionTooLarge", [](Instrument& i) { i.price_precision = 10; }, "price_precision"},
        ValidateCase{"PricePrecisionTooCoarseForTick", [](Instrument& i) { i.price_precision = 0; }, "price_precision"},
        ValidateCase{"NegativeQtyPrecision", [](Instrument& i) { i.qty_precision = -1; }, "qty_precision"},
        ValidateCase{"QtyPrecisionTooLarge", [](Instrument& i) { i.qty_precision = 10; }, "qty_precision"},
        ValidateCase{"QtyPrecisionTooCoarseForLot", [](Instrument& i) { i.qty_precision = 2; }, "qty_precision"}),
    [](const ::testing::TestParamInfo<ValidateCase>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// Order-level checks

TEST(Instrument, CheckPriceEveryError) {
  const Instrument i = BtcUsdt();
  EXPECT_TRUE(i.CheckPrice(P("63943.9")).ok());
  EXPECT_TRUE(i.CheckPrice(P("0.1")).ok());
  auto err = [&](Price p) { return i.CheckPrice(p).error(); };
  EXPECT_EQ(err(Price::Undefined()), InstrumentError::kPriceUndefined);
  EXPECT_EQ(err(Price::Zero()), InstrumentError::kPriceNotPositive);
  EXPECT_EQ(err(P("-0.1")), InstrumentError::kPriceNotPositive);
  EXPECT_EQ(err(P("63943.95")), InstrumentError::kPriceOffTick);
  EXPECT_EQ(err(Price::FromRaw(1)), InstrumentError::kPriceOffTick);
}

TEST(Instrument, CheckQtyEveryError) {
  Instrument i = BtcUsdt();
  i.min_qty = Q("0.002");
  EXPECT_TRUE(i.CheckQty(Q("0.002")).ok());
  EXPECT_TRUE(i.CheckQty(Q("12.345")).ok());
  auto err = [&](Qty q) { return i.CheckQty(q).error(); };
  EXPECT_EQ(err(Qty::Zero()), InstrumentError::kQtyNotPositive);
  EXPECT_EQ(err(Qty::FromRaw(-1'000'000)), InstrumentError::kQtyNotPositive);
  EXPECT_EQ(err(Qty::Undefined()), InstrumentError::kQtyNotPositive);
  EXPECT_EQ(err(Q("0.0025")), InstrumentError::kQtyOffLot);
  EXPECT_EQ(err(Q("0.001")), InstrumentError::kQtyBelowMin);
}

TEST(Instrument, CheckOrderEveryError) {
  const Instrument i = BtcUsdt();  // min notional 5
  EXPECT_TRUE(i.CheckOrder(P("63943.9"), Q("0.001")).ok());
  EXPECT_TRUE(i.CheckOrder(P("5000"), Q("0.001")).ok());  // exactly the minimum notional
  auto err = [&](Price p, Qty q) { return i.CheckOrder(p, q).error(); };
  EXPECT_EQ(err(P("4999.9"), Q("0.001")), InstrumentError::kNotionalBelowMin);
  EXPECT_EQ(err(P("100"), Q("0.001")), InstrumentError::kNotionalBelowMin);
  EXPECT_EQ(err(Price::Undefined(), Q("1")), InstrumentError::kPriceUndefined);
  EXPECT_EQ(err(Price::Zero(), Q("1")), InstrumentError::kPriceNotPositive);
  EXPECT_EQ(err(P("100.05"), Q("1")), InstrumentError::kPriceOffTick);
  EXPECT_EQ(err(P("100"), Qty::Zero()), InstrumentError::kQtyNotPositive);
  EXPECT_EQ(err(P("100"), Q("0.0005")), InstrumentError::kQtyOffLot);
  // A quantity error is reported before a price error.
  EXPECT_EQ(err(P("100.05"), Q("0.0005")), InstrumentError::kQtyOffLot);

  Instrument j = BtcUsdt();
  j.min_qty = Q("0.01");
  EXPECT_EQ(j.CheckOrder(P("100000"), Q("0.001")).error(), InstrumentError::kQtyBelowMin);

  // No minimum notional: any positive order passes.
  j.min_notional = Notional::Zero();
  EXPECT_TRUE(j.CheckOrder(P("0.1"), Q("0.01")).ok());
}

TEST(Instrument, CheckOrderWithOverflowingNotionalIsNotBelowMinimum) {
  const Instrument i = BtcUsdt();
  // 9e9 * 9e9 does not fit a Notional: far above any minimum.
  const Price huge_price = Price::FromInt(9'000'000'000);
  const Qty huge_qty = Qty::FromInt(9'000'000'000);
  EXPECT_TRUE(i.CheckOrder(huge_price, huge_qty).ok());
}

TEST(Instrument, InstrumentErrorNames) {
  std::set<std::string_view> names;
  for (int e = static_cast<int>(InstrumentError::kPriceNotPositive);
       e <= static_cast<int>(InstrumentError::kNotionalBelowMin); ++e) {
    const std::string_view n = ToString(static_cast<InstrumentError>(e));
    EXPECT_NE(n, "unknown instrument error") << e;
    EXPECT_FALSE(n.empty());
    names.insert(n);
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(ToString(InstrumentError::kPriceOffTick), "price not a multiple of the tick size");
}

// ---------------------------------------------------------------------------
// Rounding and formatting

TEST(Instrument, RoundingHelpers) {
  const Instrument i = BtcUsdt();
  EXPECT_EQ(i.RoundPriceDown(P("63943.97")), P("63943.9"));
  EXPECT_EQ(i.RoundPriceUp(P("63943.91")), P("63944.0"));
  EXPECT_EQ(i.RoundPriceDown(P("63943.9")), P("63943.9"));  // on tick: unchanged
  EXPECT_EQ(i.RoundPriceUp(P("63943.9")), P("63943.9"));
  EXPECT_EQ(i.RoundPriceDown(P("0.05")), Price::Zero());
  EXPECT_EQ(i.RoundPriceUp(P("0.05")), P("0.1"));
  EXPECT_EQ(i.RoundPriceUp(Price::FromRaw(1)), P("0.1"));
  // Down and up mean toward minus and plus infinity for negative prices too.
  EXPECT_EQ(i.RoundPriceDown(P("-0.15")), P("-0.2"));
  EXPECT_EQ(i.RoundPriceUp(P("-0.15")), P("-0.1"));

  EXPECT_EQ(i.RoundQtyDown(Q("0.0019")), Q("0.001"));
  EXPECT_EQ(i.RoundQtyDown(Q("1.2345")), Q("1.234"));
  EXPECT_EQ(i.RoundQtyDown(Q("1.234")), Q("1.234"));
  EXPECT_EQ(i.RoundQtyDown(Q("0.0009")), Qty::Zero());
  // Rounded values pass the step checks.
  EXPECT_TRUE(i.CheckPrice(i.RoundPriceDown(P("123.456"))).ok());
  EXPECT_TRUE(i.CheckQty(i.RoundQtyDown(Q("0.123456"))).ok());
}

TEST(Instrument, FormatUsesDisplayPrecision) {
  Instrument i = BtcUsdt();
  EXPECT_EQ(i.FormatPrice(P("63943.9")), "63943.9");
  EXPECT_EQ(i.FormatPrice(P("63944")), "63944.0");
  EXPECT_EQ(i.FormatQty(Q("1.5")), "1.500");
  EXPECT_EQ(i.FormatQty(Q("0.001")), "0.001");
  i.price_precision = 2;
  i.qty_precision = 5;
  EXPECT_EQ(i.FormatPrice(P("63943.9")), "63943.90");
  EXPECT_EQ(i.FormatQty(Q("2")), "2.00000");

  Instrument whole = BtcUsdt();
  whole.tick_size = P("1");
  whole.lot_size = Q("1");
  whole.min_qty = Q("1");
  whole.price_precision = 0;
  whole.qty_precision = 0;
  ASSERT_TRUE(whole.Validate().ok());
  EXPECT_EQ(whole.FormatPrice(P("63944")), "63944");
  EXPECT_EQ(whole.FormatQty(Q("12")), "12");
  // A value finer than the display precision is rounded half away from zero.
  EXPECT_EQ(whole.FormatPrice(P("63943.5")), "63944");
  EXPECT_EQ(whole.FormatPrice(P("-2.5")), "-3");
}

TEST(Instrument, DecimalsOf) {
  EXPECT_EQ(DecimalsOf(P("0.1").raw()), 1);
  EXPECT_EQ(DecimalsOf(P("0.01").raw()), 2);
  EXPECT_EQ(DecimalsOf(P("0.001").raw()), 3);
  EXPECT_EQ(DecimalsOf(P("0.5").raw()), 1);
  EXPECT_EQ(DecimalsOf(P("0.25").raw()), 2);
  EXPECT_EQ(DecimalsOf(P("0.00000001").raw()), 8);
  EXPECT_EQ(DecimalsOf(1), 9);
  EXPECT_EQ(DecimalsOf(P("1").raw()), 0);
  EXPECT_EQ(DecimalsOf(P("10").raw()), 0);
  EXPECT_EQ(DecimalsOf(P("2.5").raw()), 1);
  EXPECT_EQ(DecimalsOf(0), 9);
  EXPECT_EQ(DecimalsOf(-5), 9);
}

// ---------------------------------------------------------------------------
// Venue and kind names

TEST(Instrument, VenueNamesAndParse) {
  EXPECT_EQ(ToString(Venue::kBybit), "BYBIT");
  EXPECT_EQ(ToString(Venue::kBinance), "BINANCE");
  for (std::string_view s : {"BYBIT", "bybit"}) {
    auto r = ParseVenue(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(*r, Venue::kBybit);
  }
  for (std::string_view s : {"BINANCE", "binance"}) {
    auto r = ParseVenue(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(*r, Venue::kBinance);
  }
  auto bad = ParseVenue("okx");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), HasSubstr("okx"));
  EXPECT_FALSE(ParseVenue("").ok());
  EXPECT_FALSE(ParseVenue(" bybit").ok());
}

TEST(Instrument, KindNames) {
  EXPECT_EQ(ToString(InstrumentKind::kLinearPerpetual), "LINEAR_PERPETUAL");
  EXPECT_EQ(ToString(InstrumentKind::kInversePerpetual), "INVERSE_PERPETUAL");
  EXPECT_EQ(ToString(InstrumentKind::kSpot), "SPOT");
}

// ---------------------------------------------------------------------------
// Registry

TEST(InstrumentRegistry, AddAssignsIdsAndFindFinds) {
  InstrumentRegistry reg;
  EXPECT_EQ(reg.size(), 0u);
  auto btc = reg.Add(BtcUsdt());
  ASSERT_TRUE(btc.ok());
  auto eth = reg.Add(EthUsdt());
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(btc->value, 0u);
  EXPECT_EQ(eth->value, 1u);
  EXPECT_TRUE(btc->valid());
  EXPECT_EQ(reg.size(), 2u);

  const Instrument* f = reg.Find(Venue::kBybit, "BTCUSDT");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->id, *btc);
  EXPECT_EQ(f->symbol, "BTCUSDT");
  EXPECT_EQ(f->tick_size, P("0.1"));
  EXPECT_EQ(&reg.Get(*btc), f);
  EXPECT_EQ(reg.Get(*eth).symbol, "ETHUSDT");
  EXPECT_EQ(reg.Get(*eth).id, *eth);
  EXPECT_TRUE(reg.Contains(*btc));
  EXPECT_TRUE(reg.Contains(*eth));
  EXPECT_FALSE(reg.Contains(InstrumentId{2}));
  EXPECT_FALSE(reg.Contains(InstrumentId{}));
  ASSERT_EQ(reg.all().size(), 2u);
  EXPECT_EQ(reg.all()[1].symbol, "ETHUSDT");

  EXPECT_EQ(reg.Find(Venue::kBybit, "SOLUSDT"), nullptr);
  EXPECT_EQ(reg.Find(Venue::kBinance, "BTCUSDT"), nullptr);  // venue is part of the key
  EXPECT_EQ(reg.Find(Venue::kBybit, "btcusdt"), nullptr);    // symbols are exact
}

TEST(InstrumentRegistry, DuplicateIsRefused) {
  InstrumentRegistry reg;
  ASSERT_TRUE(reg.Add(BtcUsdt()).ok());
  Instrument again = BtcUsdt();
  again.tick_size = P("0.5");
  auto dup = reg.Add(again);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.error().message(), HasSubstr("BTCUSDT"));
  EXPECT_THAT(dup.error().message(), HasSubstr("BYBIT"));
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.Find(Venue::kBybit, "BTCUSDT")->tick_size, P("0.1"));  // the first one stays

  // The same symbol on another venue is another instrument.
  Instrument binance = BtcUsdt();
  binance.venue = Venue::kBinance;
  auto b = reg.Add(binance);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value, 1u);
  EXPECT_EQ(reg.Find(Venue::kBinance, "BTCUSDT")->id, *b);
}

TEST(InstrumentRegistry, InvalidInstrumentIsRefused) {
  InstrumentRegistry reg;
  Instrument bad = BtcUsdt();
  bad.lot_size = Qty::Zero();
  auto r = reg.Add(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.error().message(), HasSubstr("lot_size"));
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_EQ(reg.Find(Venue::kBybit, "BTCUSDT"), nullptr);
  // The failed add used no id.
  auto ok = reg.Add(BtcUsdt());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->value, 0u);
}

TEST(InstrumentRegistryDeathTest, GetWithForeignIdAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  InstrumentRegistry reg;
  ASSERT_TRUE(reg.Add(BtcUsdt()).ok());
  EXPECT_DEATH((void)reg.Get(InstrumentId{5}), "InstrumentId not issued");
  EXPECT_DEATH((void)reg.Get(InstrumentId{}), "InstrumentId not issued");
}

}  // namespace
}  // namespace hean
