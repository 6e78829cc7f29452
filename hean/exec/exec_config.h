// ExecConfig: how the execution router works approved requests, with every
// default. The keys (under [execution] in a run's TOML) and their meaning
// are in docs/EXECUTION.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "hean/config/config.h"
#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

// How the router places a limit request.
enum class ExecMode : std::uint8_t {
  kFixedTtl = 1,  // maker first, every maker order lives fixed_ttl
  kAdaptiveTtl,   // maker first, time-to-live from AdaptiveTtl
  kTakerOnly,     // an IOC limit at once (bounded by max_slippage_bps)
};
std::string_view ExecModeName(ExecMode m) noexcept;  // "fixed_ttl", "adaptive_ttl", "taker_only"
// Parses a name above; kInvalidArgument naming the accepted values.
Result<ExecMode, Status> ParseExecMode(std::string_view name);

// The adaptive time-to-live (adaptive_ttl.h): base x spread factor x
// volatility factor x fill-rate factor, clamped to [min_ttl, max_ttl].
struct AdaptiveTtlConfig {
  Duration base = Duration::Millis(150);
  Duration min_ttl = Duration::Millis(50);
  Duration max_ttl = Duration::Millis(500);
  // Realised volatility of the mid over this window, in % (adaptive_ttl.h).
  Duration volatility_window = Duration::Minutes(60);
  Duration volatility_sample = Duration::Seconds(1);  // the mid is sampled this often
  std::size_t fill_rate_window = 20;                  // maker attempts remembered
};

// The slippage model and its cache (slippage.h).
struct SlippageConfig {
  double impact_bps = 1.0;         // impact term: impact_bps x sqrt(qty / depth of depth_levels levels)
  std::size_t depth_levels = 20;   // levels counted as visible depth for the impact term
  double beyond_book_bps = 25.0;   // added for qty the visible book cannot fill, over its last level
  double stale_fallback_bps = 50;  // the prediction when the cache entry is stale or missing
  Duration refresh_interval = Duration::Millis(50);
  Duration valid_for = Duration::Millis(100);
  // Notional (quote currency) of the standard sizes the cache precomputes,
  // ascending.
  std::vector<double> ladder = {1'000, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000};
};

// TWAP and VWAP (algos.h).
enum class ExecAlgo : std::uint8_t { kNone = 0, kTwap, kVwap };
std::string_view ExecAlgoName(ExecAlgo a) noexcept;  // "none", "twap", "vwap"
Result<ExecAlgo, Status> ParseExecAlgo(std::string_view name);
// What a TWAP or VWAP does with what is still unfilled at its end.
enum class CatchUp : std::uint8_t {
  kNone = 0,  // stop; the remainder stays unfilled
  kCross,     // one last IOC within max_slippage_bps for the remainder
};
std::string_view CatchUpName(CatchUp c) noexcept;  // "none", "cross"
Result<CatchUp, Status> ParseCatchUp(std::string_view name);

struct AlgoConfig {
  ExecAlgo algo = ExecAlgo::kNone;  // applied to requests of at least min_notional
  double min_notional = 0.0;        // smaller requests go straight to the router
  Duration duration = Duration::Minutes(5);
  std::size_t slices = 10;                      // TWAP: slices over duration
  Duration vwap_bucket = Duration::Minutes(1);  // VWAP: one slice per bucket of the profile
  CatchUp catch_up = CatchUp::kCross;
};

struct ExecConfig {
  ExecMode mode = ExecMode::kAdaptiveTtl;
  Duration fixed_ttl = Duration::Millis(150);
  AdaptiveTtlConfig ttl;
  int max_reposts = 3;             // maker re-posts after the first maker order
  bool improve_one_tick = false;   // post one tick inside the spread when it is wider than a tick
  double max_slippage_bps = 10.0;  // the IOC fallback (and taker_only) limit: this far beyond the mid
  // Urgency (smart limit executor): take at once when the predicted cost of
  // taking, less the cost of making, is at most this many bps.
  double passive_take_edge_bps = -1e9;  // never
  double normal_take_edge_bps = 0.0;
  double aggressive_take_edge_bps = 10.0;
  // Iceberg: a maker order shows at most this notional (0: off); the next
  // slice is posted when the previous one filled.
  double iceberg_visible_notional = 0.0;
  // Re-post at once when the touch moved this many ticks away from a maker
  // order (0: only on expiry).
  std::int64_t chase_ticks = 0;
  // After a rate-limit denial of a child order: try again this much later.
  Duration retry_delay = Duration::Millis(200);
  SlippageConfig slippage;
  AlgoConfig algo;

  // The message starts with the key ("execution.max_reposts: ...").
  [[nodiscard]] Status Validate() const;
};

// Reads the [execution] table (every key optional; unknown keys are errors
// with their line) and validates.
[[nodiscard]] Status LoadExecConfig(Config& config, ExecConfig& out);

}  // namespace hean
