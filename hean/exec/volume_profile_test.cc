#include "hean/exec/volume_profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "hean/data/csv_sources.h"
#include "hean/data/source.h"

#ifndef HEAN_SOURCE_DIR
#error "HEAN_SOURCE_DIR must be defined by the build (cmake/HeanHelpers.cmake)"
#endif

namespace hean {
namespace {

constexpr std::int64_t kDay = 86'400;
// 2022-01-03 00:00:00 UTC.
constexpr std::int64_t kMonday = 1'641'168'000;

UnixNanos Sec(std::int64_t s) { return UnixNanos::FromSeconds(s); }
Qty Q(const char* s) { return *Qty::Parse(s); }

TEST(VolumeProfileTest, EmptyProfileIsZeroEverywhere) {
  VolumeProfile p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.minutes_seen(), 0u);
  EXPECT_EQ(p.At(Sec(kMonday)), 0.0);
  EXPECT_EQ(p.Between(Sec(kMonday), Sec(kMonday + 3 * kDay)), 0.0);
}

TEST(VolumeProfileTest, AveragesAMinuteOverTheDaysSeenAtIt) {
  VolumeProfile p;
  // 00:00 on Monday, twice in the same minute: one day.
  p.AddVolume(Sec(kMonday + 30), 10.0);
  p.AddVolume(Sec(kMonday + 45), 5.0);
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.minutes_seen(), 1u);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday)), 15.0);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 59)), 15.0);
  EXPECT_EQ(p.At(Sec(kMonday + 60)), 0.0);                // 00:01: never seen
  EXPECT_EQ(p.At(Sec(kMonday - 1)), 0.0);                 // 23:59
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 5 * kDay)), 15.0);  // any day: minute of day
  // Tuesday 00:00: a second day at that minute.
  p.AddVolume(Sec(kMonday + kDay + 10), 30.0);
  EXPECT_EQ(p.minutes_seen(), 2u);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday)), 22.5);
  // A day with no volume at that minute still counts as a day seen.
  p.AddVolume(Sec(kMonday + 2 * kDay), 0.0);
  EXPECT_EQ(p.minutes_seen(), 3u);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday)), 15.0);
  // Negative and non-finite volumes are ignored.
  p.AddVolume(Sec(kMonday + 3 * kDay), -4.0);
  p.AddVolume(Sec(kMonday + 3 * kDay), std::nan(""));
  EXPECT_EQ(p.minutes_seen(), 3u);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday)), 15.0);
}

TEST(VolumeProfileTest, MinuteOfDayIsUtc) {
  VolumeProfile p;
  // 2022-01-03 13:37:59.999999999 UTC is minute 817.
  p.AddVolume(Sec(kMonday + 13 * 3600 + 37 * 60 + 59) + Duration::Nanos(999'999'999), 7.0);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 817 * 60)), 7.0);
  EXPECT_EQ(p.At(Sec(kMonday + 818 * 60)), 0.0);
  EXPECT_EQ(p.At(Sec(kMonday + 816 * 60)), 0.0);
}

TEST(VolumeProfileTest, OneMinuteBarGoesToItsOpenMinute) {
  VolumeProfile p;
  Bar bar;
  bar.interval = Duration::Minutes(1);
  bar.open_time = Sec(kMonday + 120);  // 00:02
  bar.ts_event = Sec(kMonday + 180);
  bar.volume = Q("12.5");
  p.Add(bar);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 120)), 12.5);
  EXPECT_EQ(p.At(Sec(kMonday + 180)), 0.0);

  // Without open_time: ts_event - interval is the start.
  Bar closing;
  closing.interval = Duration::Minutes(1);
  closing.ts_event = Sec(kMonday + 600);  // closes 00:10: the 00:09 minute
  closing.volume = Q("3");
  p.Add(closing);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 540)), 3.0);
  EXPECT_EQ(p.At(Sec(kMonday + 600)), 0.0);

  // A bar shorter than a minute goes whole to the minute it starts in.
  Bar short_bar;
  short_bar.interval = Duration::Seconds(15);
  short_bar.open_time = Sec(kMonday + 3 * 60 + 50);
  short_bar.ts_event = Sec(kMonday + 4 * 60 + 5);
  short_bar.volume = Q("2");
  p.Add(short_bar);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 180)), 2.0);
  EXPECT_EQ(p.At(Sec(kMonday + 240)), 0.0);
}

TEST(VolumeProfileTest, LongerBarSpreadsEvenlyOverItsMinutes) {
  VolumeProfile p;
  Bar bar;
  bar.interval = Duration::Minutes(5);
  bar.open_time = Sec(kMonday + 3600);  // 01:00 .. 01:05
  bar.ts_event = Sec(kMonday + 3600 + 300);
  bar.volume = Q("100");
  p.Add(bar);
  EXPECT_EQ(p.minutes_seen(), 5u);
  for (int m = 0; m < 5; ++m) EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 3600 + m * 60)), 20.0) << m;
  EXPECT_EQ(p.At(Sec(kMonday + 3600 - 60)), 0.0);
  EXPECT_EQ(p.At(Sec(kMonday + 3600 + 300)), 0.0);
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 3600), Sec(kMonday + 3600 + 300)), 100.0);

  // An hourly bar, closing-time stamped.
  VolumeProfile h;
  Bar hour;
  hour.interval = Duration::Hours(1);
  hour.ts_event = Sec(kMonday + 2 * 3600);  // 01:00 .. 02:00
  hour.volume = Q("60");
  h.Add(hour);
  EXPECT_EQ(h.minutes_seen(), 60u);
  EXPECT_DOUBLE_EQ(h.At(Sec(kMonday + 3600)), 1.0);
  EXPECT_DOUBLE_EQ(h.At(Sec(kMonday + 2 * 3600 - 60)), 1.0);
  EXPECT_EQ(h.At(Sec(kMonday + 2 * 3600)), 0.0);
}

TEST(VolumeProfileTest, TradeGoesToTheMinuteOfItsEventTime) {
  VolumeProfile p;
  Trade t;
  t.ts_event = Sec(kMonday + 61);
  t.ts_recv = Sec(kMonday + 200);  // not used
  t.qty = Q("0.25");
  p.Add(t);
  t.ts_event = Sec(kMonday + 119);
  t.qty = Q("0.5");
  p.Add(t);
  EXPECT_EQ(p.minutes_seen(), 1u);
  EXPECT_DOUBLE_EQ(p.At(Sec(kMonday + 60)), 0.75);
  EXPECT_EQ(p.At(Sec(kMonday + 180)), 0.0);
}

TEST(VolumeProfileTest, BetweenProratesPartialMinutes) {
  VolumeProfile p;
  p.AddVolume(Sec(kMonday + 0), 60.0);    // 00:00
  p.AddVolume(Sec(kMonday + 60), 120.0);  // 00:01
  p.AddVolume(Sec(kMonday + 120), 6.0);   // 00:02
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday), Sec(kMonday + 180)), 186.0);
  // 00:00:30 .. 00:02:10: half of 60, all of 120, a sixth of 6.
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 30), Sec(kMonday + 130)), 30.0 + 120.0 + 1.0);
  // Inside one minute.
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 60 + 15), Sec(kMonday + 60 + 45)), 60.0);
  EXPECT_EQ(p.Between(Sec(kMonday + 60), Sec(kMonday + 60)), 0.0);
  EXPECT_EQ(p.Between(Sec(kMonday + 90), Sec(kMonday + 60)), 0.0);
  // Any 24 hours hold the day's total; 2.5 days from 00:00:30 hold 2 days and
  // 12 hours from 00:00:30 (the rest of 00:00 and all of 00:01, 00:02).
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 30), Sec(kMonday + 30 + kDay)), 186.0);
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 30), Sec(kMonday + 30 + 2 * kDay + kDay / 2)), 2 * 186.0 + 156.0);
  // Another day: the same minutes of day.
  EXPECT_DOUBLE_EQ(p.Between(Sec(kMonday + 3 * kDay), Sec(kMonday + 3 * kDay + 120)), 180.0);
}

// The real 1-minute candles: 2021-12-31 23:01 .. 2022-01-01 03:59 UTC, 299
// rows, read with the project's candle reader.
class VolumeProfileCandlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path =
        std::string(HEAN_SOURCE_DIR) + "/testdata/candles-1m/btc-perp-20211231-20220201_1m_head300.csv";
    SourceOptions options;
    options.instruments = &instruments_;
    auto src = OpenCsvSource(path, CsvFormat::kCandles, options);
    ASSERT_TRUE(src.ok()) << src.error().ToString();
    std::vector<Event> events;
    while ((*src)->Next(events)) {
    }
    ASSERT_TRUE((*src)->status().ok()) << (*src)->status().ToString();
    for (const Event& e : events) {
      const Bar* bar = std::get_if<Bar>(&e);
      ASSERT_NE(bar, nullptr);
      bars_.push_back(*bar);
    }
  }

  DataInstruments instruments_;
  std::vector<Bar> bars_;
};

TEST_F(VolumeProfileCandlesTest, TotalsAndMinutesByHand) {
  ASSERT_EQ(bars_.size(), 299u);
  VolumeProfile p;
  double total = 0;
  for (const Bar& b : bars_) {
    p.Add(b);
    total += b.volume.ToDouble();
  }
  EXPECT_EQ(p.minutes_seen(), 299u);
  const UnixNanos first = bars_.front().open_time;
  const UnixNanos end = bars_.back().ts_event;
  ASSERT_EQ(first, Sec(1640991660));  // 2021-12-31 23:01
  ASSERT_EQ(end, Sec(1641009600));    // 2022-01-01 04:00

  double sum_at = 0;
  for (UnixNanos t = first; t < end; t += Duration::Minutes(1)) sum_at += p.At(t);
  EXPECT_NEAR(sum_at, total, total * 1e-12);
  EXPECT_NEAR(p.Between(first, end), total, total * 1e-12);
  // The minute before and the minute after were never seen.
  EXPECT_EQ(p.At(first - Duration::Minutes(1)), 0.0);
  EXPECT_EQ(p.At(end), 0.0);
  EXPECT_NEAR(p.Between(first - Duration::Hours(3), end + Duration::Hours(3)), total, total * 1e-12);

  // Rows of the file, by hand.
  EXPECT_DOUBLE_EQ(p.At(Sec(1640991660)), 2300413.7295);       // 23:01
  EXPECT_DOUBLE_EQ(p.At(Sec(1640991720 + 59)), 1829623.1938);  // 23:02
  EXPECT_DOUBLE_EQ(p.At(Sec(1641006480)), 218102.595075);      // 03:08, rounded from a double
  EXPECT_DOUBLE_EQ(p.At(Sec(1641009540)), 218655.2088);        // 03:59
  // Half of 23:01 and half of 23:02.
  EXPECT_DOUBLE_EQ(p.Between(Sec(1640991690), Sec(1640991750)), (2300413.7295 + 1829623.1938) / 2);
  // The same minutes of day on any other day.
  EXPECT_DOUBLE_EQ(p.At(Sec(1640991660 + 10 * kDay)), 2300413.7295);
}

TEST_F(VolumeProfileCandlesTest, SecondDayAveragesEachMinute) {
  VolumeProfile p;
  for (const Bar& b : bars_) p.Add(b);
  // The same file a day later with three times the volume: every minute
  // now averages two days, (v + 3v) / 2 = 2v.
  for (Bar b : bars_) {
    b.open_time += Duration::Hours(24);
    b.ts_event += Duration::Hours(24);
    b.volume = b.volume * 3;
    p.Add(b);
  }
  EXPECT_EQ(p.minutes_seen(), 2 * 299u);
  EXPECT_DOUBLE_EQ(p.At(Sec(1640991660)), 2 * 2300413.7295);
  EXPECT_DOUBLE_EQ(p.At(Sec(1641009540)), 2 * 218655.2088);
  double total = 0;
  for (const Bar& b : bars_) total += b.volume.ToDouble();
  EXPECT_NEAR(p.Between(bars_.front().open_time, bars_.back().ts_event), 2 * total, total * 1e-12);
}

}  // namespace
}  // namespace hean
