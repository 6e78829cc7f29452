// MarketAnalytics: every analytic of every instrument, fed in event order
// on the engine thread.
//
// InstrumentAnalytics holds one instrument's bars / ATR / adaptive
// threshold, volume spike, OFI, book and traded volume profiles, trade
// flow, iceberg and flash-crash detectors, and routes each market event to
// the analytics that use it:
//   Trade        -> bars (a closed bar updates the ATR and threshold),
//                   volume spike, trade flow, traded profile, icebergs,
//                   flash-crash detector
//   BookDelta    -> iceberg detector per level (levels within
//                   analytics.iceberg.depth_ticks of the best); after the last delta of a
//                   message, OFI from the new top of book
//   BookSnapshot -> OFI from the new top of book
//   BookInvalid  -> OFI and iceberg state reset (nothing is inferred across
//                   a broken book)
// The book volume profile is computed lazily, once per book change, when
// someone asks for it (a strategy on a trade, the features sampler).
//
// Outputs that other components act on (FlashCrash, IcebergDetected) are
// appended to the caller's vector; MarketAnalytics::Attach publishes them
// on the bus. Not thread-safe: engine thread. Steady state allocates nothing
// per event.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hean/analytics/analytics_config.h"
#include "hean/book/order_book.h"
#include "hean/core/log.h"
#include "hean/model/events.h"

namespace hean {

class BookSet;
class EventBus;

class InstrumentAnalytics {
 public:
  InstrumentAnalytics(InstrumentId instrument, std::string symbol, Price tick_size, const AnalyticsConfig& config,
                      Logger logger = {});

  InstrumentId instrument() const noexcept { return instrument_; }
  const std::string& symbol() const noexcept { return symbol_; }
  Price tick_size() const noexcept { return tick_size_; }

  void OnTrade(UnixNanos now, const Trade& t, std::vector<Event>& out);
  // One level change; `last_in_message` with the book after the whole
  // message (nullptr when the book is invalid).
  void OnBookDelta(UnixNanos now, const BookDelta& d, const OrderBook* book, std::vector<Event>& out);
  void OnBookSnapshot(UnixNanos now, const OrderBook* book);
  void OnBookInvalid();
  // Expires time windows up to `now` without a new event.
  void Advance(UnixNanos now);

  const BarBuilder& bars() const noexcept { return bars_; }
  const AdaptiveThreshold& threshold() const noexcept { return threshold_; }
  const VolumeSpike& volume_spike() const noexcept { return spike_; }
  const OrderFlowImbalance& ofi() const noexcept { return ofi_; }
  const TradeFlow& trade_flow() const noexcept { return flow_; }
  const TradedVolumeProfile& traded_profile() const noexcept { return traded_; }
  const IcebergDetector& icebergs() const noexcept { return icebergs_; }
  const FlashCrashDetector& flash_crash() const noexcept { return crash_; }

  // The book's volume profile, recomputed only when the book changed since
  // the last call. `book` must be this instrument's.
  const BookProfile& BookProfileOf(const OrderBook& book);

  Price last_price() const noexcept { return last_price_; }
  UnixNanos last_trade_time() const noexcept { return last_trade_time_; }
  std::uint64_t trades() const noexcept { return trades_; }
  std::uint64_t bars_closed() const noexcept { return bars_closed_; }
  // The last events reported (for features output).
  const std::optional<FlashCrash>& last_flash_crash() const noexcept { return last_crash_; }
  const std::optional<IcebergDetected>& last_iceberg() const noexcept { return last_iceberg_; }

 private:
  void OnTop(UnixNanos now, const OrderBook& book);
  bool NearTouch(const OrderBook& book, Side side, Price price) const noexcept;

  InstrumentId instrument_;
  std::string symbol_;
  Price tick_size_;
  BarBuilder bars_;
  AdaptiveThreshold threshold_;
  VolumeSpike spike_;
  OrderFlowImbalance ofi_;
  BookVolumeProfile book_profile_;
  BookProfile profile_;
  TradedVolumeProfile traded_;
  TradeFlow flow_;
  IcebergDetector icebergs_;
  FlashCrashDetector crash_;
  int iceberg_depth_ticks_;
  Price last_price_ = Price::Undefined();
  UnixNanos last_trade_time_;
  std::uint64_t trades_ = 0;
  std::uint64_t bars_closed_ = 0;
  std::uint64_t book_version_ = 0;     // bumped on every book change
  std::uint64_t profile_version_ = 0;  // book_version_ the profile was computed at (0: never)
  std::optional<FlashCrash> last_crash_;
  std::optional<IcebergDetected> last_iceberg_;
};

// The analytics of every instrument, created on an instrument's first
// event from the symbol and tick size the spec function gives.
class MarketAnalytics {
 public:
  struct Spec {
    std::string symbol;
    Price tick_size;
  };
  using SpecFn = std::function<Spec(InstrumentId)>;

  // `books` (optional) is where book events have already been applied, as
  // EngineReplaySink and the live feed do before publishing them.
  MarketAnalytics(AnalyticsConfig config, SpecFn spec, const BookSet* books, Logger logger = {});
  ~MarketAnalytics();
  MarketAnalytics(const MarketAnalytics&) = delete;
  MarketAnalytics& operator=(const MarketAnalytics&) = delete;

  // Routes one event; outputs (FlashCrash, IcebergDetected) are appended to
  // `out`. Non-market events are ignored.
  void OnEvent(UnixNanos now, const Event& e, std::vector<Event>& out);

  // Subscribes to the market events on `bus` (call before strategies
  // subscribe, so they see the analytics of the event already updated) and
  // publishes the outputs on it. `now` is read from `clock`.
  void Attach(EventBus& bus, const class Clock& clock);

  InstrumentAnalytics* Find(InstrumentId id) noexcept;
  const InstrumentAnalytics* Find(InstrumentId id) const noexcept;
  const AnalyticsConfig& config() const noexcept { return config_; }
  // Instruments seen so far, in order of first appearance.
  std::size_t size() const noexcept { return order_.size(); }
  InstrumentAnalytics& at(std::size_t i) noexcept { return *order_[i]; }

 private:
  InstrumentAnalytics& Get(InstrumentId id);

  AnalyticsConfig config_;
  SpecFn spec_;
  const BookSet* books_;
  Logger logger_;
  std::vector<std::unique_ptr<InstrumentAnalytics>> by_id_;  // indexed by InstrumentId::value
  std::vector<InstrumentAnalytics*> order_;
  std::vector<Event> scratch_;
};

}  // namespace hean
