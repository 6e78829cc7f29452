#include "hean/analytics/market_analytics.h"

#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/core/clock.h"

namespace hean {

InstrumentAnalytics::InstrumentAnalytics(InstrumentId instrument, std::string symbol, Price tick_size,
                                         const AnalyticsConfig& config, Logger logger)
    : instrument_(instrument),
      symbol_(std::move(symbol)),
      tick_size_(tick_size),
      bars_(instrument, config.bars),
      threshold_(config.atr, logger, symbol_),
      spike_(config.volume_spike),
      ofi_(config.ofi),
      book_profile_(config.volume_profile),
      traded_(tick_size, config.traded_profile),
      flow_(config.trade_flow),
      icebergs_(instrument, config.iceberg),
      crash_(instrument, config.flash_crash),
      iceberg_depth_ticks_(config.iceberg.depth_ticks) {}

void InstrumentAnalytics::OnTrade(UnixNanos now, const Trade& t, std::vector<Event>& out) {
  if (!t.price.IsDefined() || !t.price.IsPositive() || !t.qty.IsDefined() || t.qty.IsNegative()) return;
  ++trades_;
  if (std::optional<Bar> bar = bars_.OnTrade(now, t.price, t.qty)) {
    ++bars_closed_;
    threshold_.OnBar(*bar);
  }
  spike_.OnTrade(t.qty);
  (void)flow_.OnTrade(now, t.aggressor, t.price, t.qty);
  traded_.OnTrade(now, t.price, t.qty);
  icebergs_.OnTrade(now, t.aggressor, t.price, t.qty);
  if (std::optional<FlashCrash> c = crash_.OnPrice(now, t.price)) {
    c->ts_recv = now;
    last_crash_ = *c;
    out.emplace_back(*c);
  }
  last_price_ = t.price;
  last_trade_time_ = now;
}

void InstrumentAnalytics::OnBookDelta(UnixNanos now, const BookDelta& d, const OrderBook* book,
                                      std::vector<Event>& out) {
  ++book_version_;
  if (book == nullptr || !book->IsValid()) return;
  if ((d.flags & BookDelta::kNoLevels) == 0 && NearTouch(*book, d.side, d.price)) {
    if (std::optional<IcebergDetected> i = icebergs_.OnLevel(now, d.side, d.price, d.qty)) {
      i->ts_recv = now;
      last_iceberg_ = *i;
      out.emplace_back(*i);
    }
  }
  if ((d.flags & BookDelta::kLastInMessage) != 0) OnTop(now, *book);
}

bool InstrumentAnalytics::NearTouch(const OrderBook& book, Side side, Price price) const noexcept {
  const std::optional<BookLevel> best = book.Best(side);
  if (!best || !tick_size_.IsPositive()) return true;  // a removal that emptied the side, or no grid
  const std::int64_t away = side == Side::kBuy ? best->price.raw() - price.raw() : price.raw() - best->price.raw();
  // Levels better than the best (just removed) or within depth_ticks behind it.
  return away <= static_cast<std::int64_t>(iceberg_depth_ticks_) * tick_size_.raw();
}

void InstrumentAnalytics::OnBookSnapshot(UnixNanos now, const OrderBook* book) {
  ++book_version_;
  if (book != nullptr && book->IsValid()) OnTop(now, *book);
}

void InstrumentAnalytics::OnTop(UnixNanos now, const OrderBook& book) {
  const std::optional<BookLevel> bid = book.BestBid();
  const std::optional<BookLevel> ask = book.BestAsk();
  if (!bid || !ask) {
    ofi_.Reset();  // no top of book: the next one only primes
    return;
  }
  ofi_.OnTop(now, bid->price, bid->qty, ask->price, ask->qty);
}

void InstrumentAnalytics::OnBookInvalid() {
  ++book_version_;
  ofi_.Reset();
  icebergs_.Reset();
}

void InstrumentAnalytics::Advance(UnixNanos now) {
  ofi_.Advance(now);
  flow_.Advance(now);
  traded_.Advance(now);
  icebergs_.Advance(now);
}

const BookProfile& InstrumentAnalytics::BookProfileOf(const OrderBook& book) {
  if (profile_version_ != book_version_ + 1) {
    if (book.IsValid()) {
      book_profile_.Compute(book, profile_);
    } else {
      profile_ = BookProfile{};
    }
    profile_version_ = book_version_ + 1;
  }
  return profile_;
}

MarketAnalytics::MarketAnalytics(AnalyticsConfig config, SpecFn spec, const BookSet* books, Logger logger)
    : config_(std::move(config)), spec_(std::move(spec)), books_(books), logger_(logger) {
  scratch_.reserve(4);
}

MarketAnalytics::~MarketAnalytics() = default;

InstrumentAnalytics* MarketAnalytics::Find(InstrumentId id) noexcept {
  return id.value < by_id_.size() ? by_id_[id.value].get() : nullptr;
}

const InstrumentAnalytics* MarketAnalytics::Find(InstrumentId id) const noexcept {
  return id.value < by_id_.size() ? by_id_[id.value].get() : nullptr;
}

InstrumentAnalytics& MarketAnalytics::Get(InstrumentId id) {
  if (InstrumentAnalytics* a = Find(id)) return *a;
  if (by_id_.size() <= id.value) by_id_.resize(id.value + 1);
  Spec s = spec_(id);
  by_id_[id.value] = std::make_unique<InstrumentAnalytics>(id, std::move(s.symbol), s.tick_size, config_, logger_);
  order_.push_back(by_id_[id.value].get());
  return *by_id_[id.value];
}

void MarketAnalytics::OnEvent(UnixNanos now, const Event& e, std::vector<Event>& out) {
  switch (e.index()) {
    case kEventTypeOf<Trade>: {
      const Trade& t = std::get<Trade>(e);
      Get(t.instrument).OnTrade(now, t, out);
      break;
    }
    case kEventTypeOf<BookDelta>: {
      const BookDelta& d = std::get<BookDelta>(e);
      Get(d.instrument).OnBookDelta(now, d, books_ != nullptr ? books_->Find(d.instrument) : nullptr, out);
      break;
    }
    case kEventTypeOf<BookSnapshot>: {
      const BookSnapshot& s = std::get<BookSnapshot>(e);
      Get(s.instrument).OnBookSnapshot(now, books_ != nullptr ? books_->Find(s.instrument) : nullptr);
      break;
    }
    case kEventTypeOf<BookInvalid>: Get(std::get<BookInvalid>(e).instrument).OnBookInvalid(); break;
    default: break;
  }
}

void MarketAnalytics::Attach(EventBus& bus, const Clock& clock) {
  // Typed handlers: each event reaches its analytics without being copied
  // back into an Event; outputs are published after the update.
  auto publish = [this, &bus] {
    for (const Event& out : scratch_) (void)bus.Publish(out);
    scratch_.clear();
  };
  auto book = [this](InstrumentId id) { return books_ != nullptr ? books_->Find(id) : nullptr; };
  bus.Subscribe<Trade>([this, &clock, publish](const Trade& t) {
    Get(t.instrument).OnTrade(clock.Now(), t, scratch_);
    publish();
  });
  bus.Subscribe<BookDelta>([this, &clock, publish, book](const BookDelta& d) {
    Get(d.instrument).OnBookDelta(clock.Now(), d, book(d.instrument), scratch_);
    publish();
  });
  bus.Subscribe<BookSnapshot>([this, &clock, book](const BookSnapshot& s) {
    Get(s.instrument).OnBookSnapshot(clock.Now(), book(s.instrument));
  });
  bus.Subscribe<BookInvalid>([this](const BookInvalid& b) { Get(b.instrument).OnBookInvalid(); });
}

}  // namespace hean
