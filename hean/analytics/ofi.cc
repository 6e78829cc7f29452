#include "hean/analytics/ofi.h"

#include <string>

#include "hean/analytics/format.h"
#include "hean/core/check.h"

namespace hean {
namespace {

// The window of a valid config; aborts on an invalid one (callers validate
// configs when they load them).
Duration CheckedWindow(const OfiConfig& c) {
  HEAN_CHECK(c.Validate().ok(), "invalid OfiConfig (validate it before constructing)");
  return c.window;
}

}  // namespace

Status OfiConfig::Validate() const {
  if (window <= Duration::Zero()) {
    return InvalidArgumentError("analytics.ofi.window: must be positive, got " + window.ToString());
  }
  return Status::Ok();
}

OrderFlowImbalance::OrderFlowImbalance(OfiConfig config) : config_(config), window_(CheckedWindow(config), 256) {}

void OrderFlowImbalance::Advance(UnixNanos now) {
  window_.Expire(now, [this](const Int128& e) {
    sum_ -= e;
    abs_sum_ -= e < 0 ? -e : e;
  });
}

void OrderFlowImbalance::OnTop(UnixNanos now, Price bid, Qty bid_qty, Price ask, Qty ask_qty) {
  Advance(now);
  if (!primed_) {
    primed_ = true;
  } else if (bid == bid_ && bid_qty == bid_qty_ && ask == ask_ && ask_qty == ask_qty_) {
    return;
  } else {
    Int128 e = 0;
    if (bid >= bid_) e += bid_qty.raw();
    if (bid <= bid_) e -= bid_qty_.raw();
    if (ask <= ask_) e -= ask_qty.raw();
    if (ask >= ask_) e += ask_qty_.raw();
    window_.Push(now, e);
    sum_ += e;
    abs_sum_ += e < 0 ? -e : e;
  }
  bid_ = bid;
  bid_qty_ = bid_qty;
  ask_ = ask;
  ask_qty_ = ask_qty;
}

void OrderFlowImbalance::Reset() noexcept {
  window_.Clear();
  sum_ = 0;
  abs_sum_ = 0;
  primed_ = false;
}

double OrderFlowImbalance::value() const noexcept { return analytics_detail::ToUnits(sum_); }

double OrderFlowImbalance::normalized() const noexcept {
  if (abs_sum_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(abs_sum_);
}

}  // namespace hean
