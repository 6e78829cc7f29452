#include "hean/analytics/analytics_config.h"

namespace hean {

Status AnalyticsConfig::Validate() const {
  for (const Status& s :
       {bars.Validate(), atr.Validate(), volume_spike.Validate(), ofi.Validate(), volume_profile.Validate(),
        traded_profile.Validate(), trade_flow.Validate(), iceberg.Validate(), flash_crash.Validate()}) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status LoadAnalyticsConfig(Config& c, AnalyticsConfig& o) {
  const Status reads[] = {
      c.Get("analytics.bars.interval", o.bars.interval),
      c.Get("analytics.atr.period", o.atr.period),
      c.Get("analytics.atr.multiplier", o.atr.multiplier),
      c.Get("analytics.atr.floor", o.atr.floor),
      c.Get("analytics.atr.cap", o.atr.cap),
      c.Get("analytics.atr.base_threshold", o.atr.base_threshold),
      c.Get("analytics.volume_spike.history", o.volume_spike.history),
      c.Get("analytics.volume_spike.recent", o.volume_spike.recent),
      c.Get("analytics.volume_spike.multiplier", o.volume_spike.multiplier),
      c.Get("analytics.volume_spike.min_history", o.volume_spike.min_history),
      c.Get("analytics.ofi.window", o.ofi.window),
      c.Get("analytics.volume_profile.bucket_ticks", o.volume_profile.bucket_ticks),
      c.Get("analytics.volume_profile.levels", o.volume_profile.levels),
      c.Get("analytics.volume_profile.value_area", o.volume_profile.value_area),
      c.Get("analytics.traded_profile.window", o.traded_profile.window),
      c.Get("analytics.traded_profile.bucket_ticks", o.traded_profile.bucket_ticks),
      c.Get("analytics.trade_flow.window", o.trade_flow.window),
      c.Get("analytics.trade_flow.sell_floor", o.trade_flow.sell_floor),
      c.Get("analytics.trade_flow.large_percentile", o.trade_flow.large_percentile),
      c.Get("analytics.trade_flow.large_count", o.trade_flow.large_count),
      c.Get("analytics.trade_flow.min_trades_for_large", o.trade_flow.min_trades_for_large),
      c.Get("analytics.iceberg.max_levels", o.iceberg.max_levels),
      c.Get("analytics.iceberg.level_timeout", o.iceberg.level_timeout),
      c.Get("analytics.iceberg.refill_tolerance", o.iceberg.refill_tolerance),
      c.Get("analytics.iceberg.min_replenishments", o.iceberg.min_replenishments),
      c.Get("analytics.iceberg.absorption_target", o.iceberg.absorption_target),
      c.Get("analytics.iceberg.consistency_cv", o.iceberg.consistency_cv),
      c.Get("analytics.iceberg.report_score", o.iceberg.report_score),
      c.Get("analytics.iceberg.depth_ticks", o.iceberg.depth_ticks),
      c.Get("analytics.flash_crash.move", o.flash_crash.move),
      c.Get("analytics.flash_crash.window", o.flash_crash.window),
      c.Get("analytics.flash_crash.recovery", o.flash_crash.recovery),
      c.Get("analytics.flash_crash.recovery_window", o.flash_crash.recovery_window),
  };
  for (const Status& s : reads) {
    if (!s.ok()) return s;
  }
  if (Status s = c.CheckUnknown("analytics"); !s.ok()) return s;
  if (Status s = o.Validate(); !s.ok()) return c.Locate(s);
  return Status::Ok();
}

}  // namespace hean
