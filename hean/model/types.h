// Basic trading enums and ids shared by every module.
#pragma once

#include <cstdint>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/inline_string.h"

namespace hean {

enum class Side : std::uint8_t { kBuy = 1, kSell = 2 };
constexpr Side Opposite(Side s) noexcept { return s == Side::kBuy ? Side::kSell : Side::kBuy; }
// +1 for buy, -1 for sell: the sign of a fill's effect on a position.
constexpr int SideSign(Side s) noexcept { return s == Side::kBuy ? 1 : -1; }

// Which side took liquidity in a trade. Unknown when the feed does not say.
enum class AggressorSide : std::uint8_t { kUnknown = 0, kBuyer = 1, kSeller = 2 };

enum class OrderType : std::uint8_t { kLimit = 1, kMarket = 2 };

// GTC rests until cancelled; IOC fills what it can now and cancels the rest;
// FOK fills entirely now or not at all; PostOnly is rejected (never
// modified) if it would take liquidity.
enum class TimeInForce : std::uint8_t { kGtc = 1, kIoc = 2, kFok = 3, kPostOnly = 4 };

enum class LiquiditySide : std::uint8_t { kUnknown = 0, kMaker = 1, kTaker = 2 };

std::string_view ToString(Side s) noexcept;
std::string_view ToString(AggressorSide s) noexcept;
std::string_view ToString(OrderType t) noexcept;
std::string_view ToString(TimeInForce t) noexcept;
std::string_view ToString(LiquiditySide l) noexcept;

// Index of an instrument in the engine's InstrumentRegistry: compact so that
// market-data events stay small. Only meaningful with the registry that
// issued it.
struct InstrumentId {
  std::uint32_t value = UINT32_MAX;
  constexpr bool valid() const noexcept { return value != UINT32_MAX; }
  friend constexpr auto operator<=>(InstrumentId, InstrumentId) = default;
};

// Our id of an order, unique per account; sent to the venue (Bybit's
// orderLinkId allows up to 36 characters).
using ClientOrderId = InlineString<36>;
// The venue's id of an order (Bybit: a UUID).
using VenueOrderId = InlineString<47>;
// The venue's id of a trade (Binance: an integer; Bybit: a UUID).
using TradeId = InlineString<39>;
// A strategy instance, e.g. "impulse-btc".
using StrategyId = InlineString<23>;

// Reasons the risk governor denies an order request. Fine-grained on purpose:
// each has its own counter and appears by name in reports.
enum class DenyReason : std::uint8_t {
  kUnknownInstrument = 1,
  kPriceOffTick,
  kQtyOffLot,
  kBelowMinQty,
  kBelowMinNotional,
  kMaxOrderNotional,
  kMaxPositionNotional,
  kMaxAccountNotional,
  kMaxOpenOrders,
  kPriceBand,
  kSpreadTooWide,
  kRateLimitPerSecond,
  kRateLimitPerMinute,
  kReduceOnlyWouldIncrease,
  kTradingStateSoftBrake,
  kTradingStateQuarantine,
  kTradingStateHardStop,
  kFlashCrashHalt,
  kBookInvalid,
  kStaleMarketData,
  kInvalidOrder,
};
std::string_view ToString(DenyReason r) noexcept;

// The governor's trading states, from least to most restrictive.
enum class RiskState : std::uint8_t { kNormal = 0, kSoftBrake = 1, kQuarantine = 2, kHardStop = 3 };
std::string_view ToString(RiskState s) noexcept;

// Why a venue (real or simulated) rejected an order.
enum class RejectReason : std::uint8_t {
  kUnknown = 0,
  kPostOnlyWouldTake,
  kInsufficientMargin,
  kInvalidPrice,
  kInvalidQty,
  kReduceOnlyWouldIncrease,
  kRateLimited,
  kDuplicateClientOrderId,
  kUnknownInstrument,
  kVenueError,
  kPriceOffTick,      // limit price not a multiple of the tick size
  kQtyOffLot,         // qty not a multiple of the lot size
  kBelowMinQty,       // qty below the instrument's minimum
  kBelowMinNotional,  // price x qty below the instrument's minimum value
  kBookInvalid,       // the venue's book for the instrument is not trustworthy (simulated venue)
  kNoLiquidity,       // a market order found nothing to take within its protection limit
  kFokCannotFill,     // fill-or-kill that could not fill entirely on arrival
  kUnknownOrder,      // cancel / amend of an order the venue does not know
  kOrderClosed,       // cancel / amend of an order already filled, canceled or expired
  kAmendInvalid,      // amend to a qty at or below what is filled, or to nothing new
};
std::string_view ToString(RejectReason r) noexcept;

// Why a book stopped being trustworthy (an integrity failure while
// rebuilding it from a feed). Carried by the BookInvalid event.
enum class BookError : std::uint8_t {
  kPriceOffTick = 1,     // level price not a multiple of the tick size
  kBadPrice,             // undefined, zero or negative price
  kNegativeQty,          // level quantity below zero
  kDeltaBeforeSnapshot,  // a delta arrived while no snapshot had been applied
  kSequenceGap,          // update ids do not chain
  kCrossed,              // best bid >= best ask after a whole message
  kUnparseable,          // the feed message's levels could not be read
  kBufferOverflow,       // too many deltas waiting for a snapshot
  kStaleSnapshot,        // a snapshot older than the deltas already seen
};
std::string_view ToString(BookError e) noexcept;

}  // namespace hean
