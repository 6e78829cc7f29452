// Fee models for the simulated exchange (DESIGN.md habit 9). A fee is
// positive when paid and negative when it is a rebate (a negative maker
// rate). fee = price x qty x rate, each product rounded half away from zero
// to 1e-9 USDT. Thread-compatible.
#pragma once

#include "hean/core/decimal.h"
#include "hean/model/instrument.h"
#include "hean/model/types.h"

namespace hean {

// Bybit's base (VIP 0) rates for USDT linear perpetuals: 0.02% maker,
// 0.055% taker.
inline const Rate kBybitLinearMakerFee = Rate::FromRaw(200'000);  // 0.0002
inline const Rate kBybitLinearTakerFee = Rate::FromRaw(550'000);  // 0.00055

class FeeModel {
 public:
  virtual ~FeeModel() = default;
  virtual Notional Fee(const Instrument& instrument, LiquiditySide liquidity, Price price, Qty qty) const noexcept = 0;
};

// The instrument's own maker and taker rates (Instrument::maker_fee,
// taker_fee): the default.
class InstrumentFees final : public FeeModel {
 public:
  Notional Fee(const Instrument& instrument, LiquiditySide liquidity, Price price, Qty qty) const noexcept override {
    return (price * qty) * (liquidity == LiquiditySide::kMaker ? instrument.maker_fee : instrument.taker_fee);
  }
};

// The same two rates for every instrument (e.g. a what-if at another fee
// tier).
class FixedFees final : public FeeModel {
 public:
  FixedFees(Rate maker = kBybitLinearMakerFee, Rate taker = kBybitLinearTakerFee) : maker_(maker), taker_(taker) {}
  Notional Fee(const Instrument&, LiquiditySide liquidity, Price price, Qty qty) const noexcept override {
    return (price * qty) * (liquidity == LiquiditySide::kMaker ? maker_ : taker_);
  }

 private:
  Rate maker_, taker_;
};

}  // namespace hean
