#include "hean/model/types.h"

namespace hean {

std::string_view ToString(Side s) noexcept { return s == Side::kBuy ? "BUY" : "SELL"; }

std::string_view ToString(AggressorSide s) noexcept {
  switch (s) {
    case AggressorSide::kBuyer: return "BUYER";
    case AggressorSide::kSeller: return "SELLER";
    case AggressorSide::kUnknown: break;
  }
  return "UNKNOWN";
}

std::string_view ToString(OrderType t) noexcept { return t == OrderType::kLimit ? "LIMIT" : "MARKET"; }

std::string_view ToString(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
    case TimeInForce::kPostOnly: return "POST_ONLY";
  }
  return "UNKNOWN";
}

std::string_view ToString(LiquiditySide l) noexcept {
  switch (l) {
    case LiquiditySide::kMaker: return "MAKER";
    case LiquiditySide::kTaker: return "TAKER";
    case LiquiditySide::kUnknown: break;
  }
  return "UNKNOWN";
}

std::string_view ToString(DenyReason r) noexcept {
  switch (r) {
    case DenyReason::kUnknownInstrument: return "UNKNOWN_INSTRUMENT";
    case DenyReason::kPriceOffTick: return "PRICE_OFF_TICK";
    case DenyReason::kQtyOffLot: return "QTY_OFF_LOT";
    case DenyReason::kBelowMinQty: return "BELOW_MIN_QTY";
    case DenyReason::kBelowMinNotional: return "BELOW_MIN_NOTIONAL";
    case DenyReason::kMaxOrderNotional: return "MAX_ORDER_NOTIONAL";
    case DenyReason::kMaxPositionNotional: return "MAX_POSITION_NOTIONAL";
    case DenyReason::kMaxAccountNotional: return "MAX_ACCOUNT_NOTIONAL";
    case DenyReason::kMaxOpenOrders: return "MAX_OPEN_ORDERS";
    case DenyReason::kPriceBand: return "PRICE_BAND";
    case DenyReason::kSpreadTooWide: return "SPREAD_TOO_WIDE";
    case DenyReason::kRateLimitPerSecond: return "RATE_LIMIT_PER_SECOND";
    case DenyReason::kRateLimitPerMinute: return "RATE_LIMIT_PER_MINUTE";
    case DenyReason::kReduceOnlyWouldIncrease: return "REDUCE_ONLY_WOULD_INCREASE";
    case DenyReason::kTradingStateSoftBrake: return "TRADING_STATE_SOFT_BRAKE";
    case DenyReason::kTradingStateQuarantine: return "TRADING_STATE_QUARANTINE";
    case DenyReason::kTradingStateHardStop: return "TRADING_STATE_HARD_STOP";
    case DenyReason::kFlashCrashHalt: return "FLASH_CRASH_HALT";
    case DenyReason::kBookInvalid: return "BOOK_INVALID";
    case DenyReason::kStaleMarketData: return "STALE_MARKET_DATA";
    case DenyReason::kInvalidOrder: return "INVALID_ORDER";
  }
  return "UNKNOWN";
}

std::string_view ToString(RiskState s) noexcept {
  switch (s) {
    case RiskState::kNormal: return "NORMAL";
    case RiskState::kSoftBrake: return "SOFT_BRAKE";
    case RiskState::kQuarantine: return "QUARANTINE";
    case RiskState::kHardStop: return "HARD_STOP";
  }
  return "UNKNOWN";
}

std::string_view ToString(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::kUnknown: return "UNKNOWN";
    case RejectReason::kPostOnlyWouldTake: return "POST_ONLY_WOULD_TAKE";
    case RejectReason::kInsufficientMargin: return "INSUFFICIENT_MARGIN";
    case RejectReason::kInvalidPrice: return "INVALID_PRICE";
    case RejectReason::kInvalidQty: return "INVALID_QTY";
    case RejectReason::kReduceOnlyWouldIncrease: return "REDUCE_ONLY_WOULD_INCREASE";
    case RejectReason::kRateLimited: return "RATE_LIMITED";
    case RejectReason::kDuplicateClientOrderId: return "DUPLICATE_CLIENT_ORDER_ID";
    case RejectReason::kUnknownInstrument: return "UNKNOWN_INSTRUMENT";
    case RejectReason::kVenueError: return "VENUE_ERROR";
    case RejectReason::kPriceOffTick: return "PRICE_OFF_TICK";
    case RejectReason::kQtyOffLot: return "QTY_OFF_LOT";
    case RejectReason::kBelowMinQty: return "BELOW_MIN_QTY";
    case RejectReason::kBelowMinNotional: return "BELOW_MIN_NOTIONAL";
    case RejectReason::kBookInvalid: return "BOOK_INVALID";
    case RejectReason::kNoLiquidity: return "NO_LIQUIDITY";
    case RejectReason::kFokCannotFill: return "FOK_CANNOT_FILL";
    case RejectReason::kUnknownOrder: return "UNKNOWN_ORDER";
    case RejectReason::kOrderClosed: return "ORDER_CLOSED";
    case RejectReason::kAmendInvalid: return "AMEND_INVALID";
  }
  return "UNKNOWN";
}

std::string_view ToString(BookError e) noexcept {
  switch (e) {
    case BookError::kPriceOffTick: return "PRICE_OFF_TICK";
    case BookError::kBadPrice: return "BAD_PRICE";
    case BookError::kNegativeQty: return "NEGATIVE_QTY";
    case BookError::kDeltaBeforeSnapshot: return "DELTA_BEFORE_SNAPSHOT";
    case BookError::kSequenceGap: return "SEQUENCE_GAP";
    case BookError::kCrossed: return "CROSSED";
    case BookError::kUnparseable: return "UNPARSEABLE";
    case BookError::kBufferOverflow: return "BUFFER_OVERFLOW";
    case BookError::kStaleSnapshot: return "STALE_SNAPSHOT";
  }
  return "UNKNOWN";
}

}  // namespace hean
