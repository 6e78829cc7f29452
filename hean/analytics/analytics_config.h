// AnalyticsConfig: every analytics parameter, with the original design's
// defaults, and its loading from the `[analytics.*]` tables of a config
// file (docs/STRATEGY.md lists every key).
#pragma once

#include "hean/analytics/bars.h"
#include "hean/analytics/flash_crash.h"
#include "hean/analytics/iceberg.h"
#include "hean/analytics/ofi.h"
#include "hean/analytics/trade_flow.h"
#include "hean/analytics/volume_profile.h"
#include "hean/analytics/volume_spike.h"
#include "hean/config/config.h"
#include "hean/core/status.h"

namespace hean {

struct AnalyticsConfig {
  BarConfig bars;
  AtrConfig atr;
  VolumeSpikeConfig volume_spike;
  OfiConfig ofi;
  VolumeProfileConfig volume_profile;
  TradedProfileConfig traded_profile;
  TradeFlowConfig trade_flow;
  IcebergConfig iceberg;
  FlashCrashConfig flash_crash;

  // The first invalid value, its message naming the key.
  [[nodiscard]] Status Validate() const;
};

// Reads analytics.* keys present in `config` over the defaults in `out`,
// then validates. Errors name the file, line and key; keys under
// analytics. that nothing reads are errors too.
[[nodiscard]] Status LoadAnalyticsConfig(Config& config, AnalyticsConfig& out);

}  // namespace hean
