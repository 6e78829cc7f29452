#include "hean/analytics/bars.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "hean/analytics/format.h"
#include "hean/core/check.h"

namespace hean {

Status BarConfig::Validate() const {
  if (interval <= Duration::Zero()) {
    return InvalidArgumentError("analytics.bars.interval: must be > 0, got " + interval.ToString());
  }
  return Status::Ok();
}

BarBuilder::BarBuilder(InstrumentId instrument, BarConfig config) : instrument_(instrument), config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid BarConfig");
  bar_.instrument = instrument_;
  bar_.interval = config_.interval;
}

std::int64_t BarBuilder::IndexOf(UnixNanos t) const noexcept {
  // Floor division, so that times before the epoch fall in the right bar too.
  return analytics_detail::FloorDiv(t.nanos(), config_.interval.nanos());
}

void BarBuilder::Open(std::int64_t index, Price price, Qty qty) {
  has_open_ = true;
  open_index_ = index;
  bar_.open_time = UnixNanos::FromNanos(index * config_.interval.nanos());
  bar_.ts_event = bar_.open_time + config_.interval;
  bar_.ts_recv = bar_.ts_event;
  bar_.open = price;
  bar_.high = price;
  bar_.low = price;
  bar_.close = price;
  bar_.volume = qty;
  bar_.trade_count = 1;
}

Bar BarBuilder::Close() noexcept {
  has_open_ = false;
  return bar_;
}

std::optional<Bar> BarBuilder::OnTrade(UnixNanos now, Price price, Qty qty) {
  const std::int64_t index = IndexOf(now);
  if (!has_open_) {
    Open(index, price, qty);
    return std::nullopt;
  }
  if (index > open_index_) {
    const Bar closed = Close();
    Open(index, price, qty);
    return closed;
  }
  // Same interval, or time went backwards: part of the open bar.
  bar_.high = std::max(bar_.high, price);
  bar_.low = std::min(bar_.low, price);
  bar_.close = price;
  bar_.volume += qty;
  ++bar_.trade_count;
  return std::nullopt;
}

std::optional<Bar> BarBuilder::Flush(UnixNanos now) {
  if (!has_open_ || now < bar_.ts_event) return std::nullopt;
  return Close();
}

Status AtrConfig::Validate() const {
  if (period < 1) return InvalidArgumentError(fmt::format("analytics.atr.period: must be >= 1, got {}", period));
  if (!std::isfinite(multiplier) || multiplier <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.atr.multiplier: must be > 0, got {}", multiplier));
  }
  if (!std::isfinite(floor) || floor <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.atr.floor: must be > 0, got {}", floor));
  }
  if (!std::isfinite(cap) || cap < floor) {
    return InvalidArgumentError(
        fmt::format("analytics.atr.cap: must be >= analytics.atr.floor ({}), got {}", floor, cap));
  }
  if (!std::isfinite(base_threshold) || base_threshold <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.atr.base_threshold: must be > 0, got {}", base_threshold));
  }
  return Status::Ok();
}

Atr::Atr(int period) : period_(period) { HEAN_CHECK(period >= 1, "Atr period must be >= 1"); }

void Atr::OnBar(const Bar& bar) {
  const double high = bar.high.ToDouble();
  const double low = bar.low.ToDouble();
  double tr = high - low;
  if (bars_ != 0) tr = std::max({tr, std::abs(high - prev_close_), std::abs(low - prev_close_)});
  prev_close_ = bar.close.ToDouble();
  ++bars_;

  const auto period = static_cast<std::size_t>(period_);
  if (bars_ < period) {
    tr_sum_ += tr;
  } else if (bars_ == period) {
    value_ = (tr_sum_ + tr) / static_cast<double>(period_);
  } else {
    value_ = (value_ * static_cast<double>(period_ - 1) + tr) / static_cast<double>(period_);
  }
}

AdaptiveThreshold::AdaptiveThreshold(AtrConfig config, Logger logger, std::string_view symbol)
    : config_(config), logger_(logger), atr_(config.period), value_(config.base_threshold) {
  HEAN_CHECK(config_.Validate().ok(), "invalid AtrConfig");
  if (!symbol.empty()) {
    prefix_.assign(symbol);
    prefix_ += ' ';
  }
}

void AdaptiveThreshold::OnBar(const Bar& bar) {
  atr_.OnBar(bar);
  const double price = bar.close.ToDouble();
  if (!atr_.ready()) {
    value_ = config_.base_threshold;
    raw_ = 0.0;
    logger_.Debug("{}threshold {:.3f}% (atr not ready: {} of {} bars, price {}, base threshold)", prefix_,
                  value_ * 100.0, atr_.bars(), config_.period, price);
    return;
  }
  if (price <= 0.0) {
    logger_.Debug("{}threshold {:.3f}% unchanged (atr {:.6g}, price {} is not positive)", prefix_, value_ * 100.0,
                  atr_.value(), price);
    return;
  }
  raw_ = config_.multiplier * atr_.value() / price;
  const char* note = "within bounds";
  if (raw_ < config_.floor) {
    value_ = config_.floor;
    note = "clamped to floor";
  } else if (raw_ > config_.cap) {
    value_ = config_.cap;
    note = "clamped to cap";
  } else {
    value_ = raw_;
  }
  logger_.Debug("{}threshold {:.3f}% (atr {:.6g}, price {}, raw {:.3f}%, {})", prefix_, value_ * 100.0, atr_.value(),
                price, raw_ * 100.0, note);
}

}  // namespace hean
