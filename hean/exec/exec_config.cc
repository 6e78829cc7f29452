#include "hean/exec/exec_config.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string>
#include <utility>

namespace hean {

namespace {

// The ring of squared returns in RealizedVolatility holds window / sample
// entries; this bounds its memory (8 MB per instrument).
constexpr std::int64_t kMaxVolatilitySamples = 1'000'000;
constexpr std::size_t kMaxFillRateWindow = 10'000;
constexpr int kMaxReposts = 100;
constexpr std::size_t kMaxLadder = 32;
constexpr std::size_t kMaxSlices = 10'000;

Status UnknownName(std::string_view what, std::string_view name, std::string_view accepted) {
  return InvalidArgumentError(fmt::format("unknown {} '{}' ({})", what, name, accepted));
}

// "execution.<key>: <why>"
template <class... A>
Status Bad(std::string_view key, fmt::format_string<A...> why, A&&... args) {
  std::string m = "execution.";
  m.append(key).append(": ");
  fmt::format_to(std::back_inserter(m), why, std::forward<A>(args)...);
  return InvalidArgumentError(std::move(m));
}

Status Positive(std::string_view key, Duration d) {
  if (d > Duration::Zero()) return Status::Ok();
  return Bad(key, "must be > 0, got {}", d.ToString());
}

Status Finite(std::string_view key, double v) {
  if (std::isfinite(v)) return Status::Ok();
  return Bad(key, "must be finite, got {}", v);
}

Status NonNegative(std::string_view key, double v) {
  if (Status s = Finite(key, v); !s.ok()) return s;
  if (v >= 0.0) return Status::Ok();
  return Bad(key, "must be >= 0, got {}", v);
}

template <class T>
Status InRange(std::string_view key, T v, T lo, T hi) {
  if (v < lo) return Bad(key, "must be >= {}, got {}", lo, v);
  if (v > hi) return Bad(key, "must be <= {}, got {}", hi, v);
  return Status::Ok();
}

Status ValidateTtl(const AdaptiveTtlConfig& t) {
  if (Status s = Positive("ttl.base", t.base); !s.ok()) return s;
  if (Status s = Positive("ttl.min_ttl", t.min_ttl); !s.ok()) return s;
  if (Status s = Positive("ttl.max_ttl", t.max_ttl); !s.ok()) return s;
  if (t.min_ttl > t.max_ttl) {
    return Bad("ttl.min_ttl", "must be <= execution.ttl.max_ttl ({}), got {}", t.max_ttl.ToString(),
               t.min_ttl.ToString());
  }
  if (t.base < t.min_ttl) {
    return Bad("ttl.base", "must be >= execution.ttl.min_ttl ({}), got {}", t.min_ttl.ToString(), t.base.ToString());
  }
  if (t.base > t.max_ttl) {
    return Bad("ttl.base", "must be <= execution.ttl.max_ttl ({}), got {}", t.max_ttl.ToString(), t.base.ToString());
  }
  if (Status s = Positive("ttl.volatility_window", t.volatility_window); !s.ok()) return s;
  if (Status s = Positive("ttl.volatility_sample", t.volatility_sample); !s.ok()) return s;
  if (t.volatility_sample > t.volatility_window) {
    return Bad("ttl.volatility_sample", "must be <= execution.ttl.volatility_window ({}), got {}",
               t.volatility_window.ToString(), t.volatility_sample.ToString());
  }
  if (t.volatility_window.nanos() / t.volatility_sample.nanos() > kMaxVolatilitySamples) {
    return Bad("ttl.volatility_sample", "must be >= execution.ttl.volatility_window / {} ({}), got {}",
               kMaxVolatilitySamples, (t.volatility_window / kMaxVolatilitySamples).ToString(),
               t.volatility_sample.ToString());
  }
  return InRange<std::size_t>("ttl.fill_rate_window", t.fill_rate_window, 1, kMaxFillRateWindow);
}

Status ValidateSlippage(const SlippageConfig& s) {
  if (Status st = NonNegative("slippage.impact_bps", s.impact_bps); !st.ok()) return st;
  if (s.depth_levels < 1) return Bad("slippage.depth_levels", "must be >= 1, got {}", s.depth_levels);
  if (Status st = NonNegative("slippage.beyond_book_bps", s.beyond_book_bps); !st.ok()) return st;
  if (Status st = NonNegative("slippage.stale_fallback_bps", s.stale_fallback_bps); !st.ok()) return st;
  if (Status st = Positive("slippage.refresh_interval", s.refresh_interval); !st.ok()) return st;
  if (Status st = Positive("slippage.valid_for", s.valid_for); !st.ok()) return st;
  if (s.valid_for < s.refresh_interval) {
    return Bad("slippage.valid_for", "must be >= execution.slippage.refresh_interval ({}), got {}",
               s.refresh_interval.ToString(), s.valid_for.ToString());
  }
  if (s.ladder.empty()) return Bad("slippage.ladder", "must not be empty");
  if (s.ladder.size() > kMaxLadder) {
    return Bad("slippage.ladder", "must have at most {} entries, got {}", kMaxLadder, s.ladder.size());
  }
  for (std::size_t i = 0; i < s.ladder.size(); ++i) {
    const double v = s.ladder[i];
    if (!(std::isfinite(v) && v > 0.0)) return Bad("slippage.ladder", "[{}] must be finite and > 0, got {}", i, v);
    if (i > 0 && !(v > s.ladder[i - 1])) {
      return Bad("slippage.ladder", "must be strictly ascending, got [{}] = {} after [{}] = {}", i, v, i - 1,
                 s.ladder[i - 1]);
    }
  }
  return Status::Ok();
}

Status ValidateAlgo(const AlgoConfig& a) {
  if (ExecAlgoName(a.algo) == "?") return Bad("algo.algo", "unknown algo {}", static_cast<int>(a.algo));
  if (Status s = NonNegative("algo.min_notional", a.min_notional); !s.ok()) return s;
  if (Status s = Positive("algo.duration", a.duration); !s.ok()) return s;
  if (Status s = InRange<std::size_t>("algo.slices", a.slices, 1, kMaxSlices); !s.ok()) return s;
  if (Status s = Positive("algo.vwap_bucket", a.vwap_bucket); !s.ok()) return s;
  if (a.vwap_bucket > a.duration) {
    return Bad("algo.vwap_bucket", "must be <= execution.algo.duration ({}), got {}", a.duration.ToString(),
               a.vwap_bucket.ToString());
  }
  if (CatchUpName(a.catch_up) == "?") return Bad("algo.catch_up", "unknown catch-up {}", static_cast<int>(a.catch_up));
  return Status::Ok();
}

}  // namespace

std::string_view ExecModeName(ExecMode m) noexcept {
  switch (m) {
    case ExecMode::kFixedTtl: return "fixed_ttl";
    case ExecMode::kAdaptiveTtl: return "adaptive_ttl";
    case ExecMode::kTakerOnly: return "taker_only";
  }
  return "?";
}

Result<ExecMode, Status> ParseExecMode(std::string_view name) {
  for (ExecMode m : {ExecMode::kFixedTtl, ExecMode::kAdaptiveTtl, ExecMode::kTakerOnly}) {
    if (name == ExecModeName(m)) return m;
  }
  return UnknownName("mode", name, "fixed_ttl, adaptive_ttl, taker_only");
}

std::string_view ExecAlgoName(ExecAlgo a) noexcept {
  switch (a) {
    case ExecAlgo::kNone: return "none";
    case ExecAlgo::kTwap: return "twap";
    case ExecAlgo::kVwap: return "vwap";
  }
  return "?";
}

Result<ExecAlgo, Status> ParseExecAlgo(std::string_view name) {
  for (ExecAlgo a : {ExecAlgo::kNone, ExecAlgo::kTwap, ExecAlgo::kVwap}) {
    if (name == ExecAlgoName(a)) return a;
  }
  return UnknownName("algo", name, "none, twap, vwap");
}

std::string_view CatchUpName(CatchUp c) noexcept {
  switch (c) {
    case CatchUp::kNone: return "none";
    case CatchUp::kCross: return "cross";
  }
  return "?";
}

Result<CatchUp, Status> ParseCatchUp(std::string_view name) {
  for (CatchUp c : {CatchUp::kNone, CatchUp::kCross}) {
    if (name == CatchUpName(c)) return c;
  }
  return UnknownName("catch-up", name, "none, cross");
}

Status ExecConfig::Validate() const {
  if (ExecModeName(mode) == "?") return Bad("mode", "unknown mode {}", static_cast<int>(mode));
  if (Status s = Positive("fixed_ttl", fixed_ttl); !s.ok()) return s;
  if (Status s = ValidateTtl(ttl); !s.ok()) return s;
  if (Status s = InRange("max_reposts", max_reposts, 0, kMaxReposts); !s.ok()) return s;
  if (Status s = Finite("max_slippage_bps", max_slippage_bps); !s.ok()) return s;
  if (!(max_slippage_bps > 0.0)) return Bad("max_slippage_bps", "must be > 0, got {}", max_slippage_bps);
  if (Status s = Finite("passive_take_edge_bps", passive_take_edge_bps); !s.ok()) return s;
  if (Status s = Finite("normal_take_edge_bps", normal_take_edge_bps); !s.ok()) return s;
  if (Status s = Finite("aggressive_take_edge_bps", aggressive_take_edge_bps); !s.ok()) return s;
  if (Status s = NonNegative("iceberg_visible_notional", iceberg_visible_notional); !s.ok()) return s;
  if (chase_ticks < 0) return Bad("chase_ticks", "must be >= 0, got {}", chase_ticks);
  if (Status s = Positive("retry_delay", retry_delay); !s.ok()) return s;
  if (Status s = ValidateSlippage(slippage); !s.ok()) return s;
  return ValidateAlgo(algo);
}

namespace {

// Reads a string key and parses it with `parse`; an error gets the key's
// place and name ("run.toml:7: execution.mode: unknown mode 'foo' (...)").
template <class T, class Parse>
Status GetEnum(Config& c, std::string_view key, T& out, Parse parse, std::string_view default_name) {
  std::string name(default_name);
  if (!c.Has(key)) return c.Get(key, name);  // absent: records the default for the effective config
  if (Status s = c.Get(key, name); !s.ok()) return s;
  Result<T, Status> r = parse(name);
  if (!r.ok()) {
    std::string where = c.Where(key);
    where.append(": ").append(key);
    return r.error().WithContext(where);
  }
  out = *r;
  return Status::Ok();
}

}  // namespace

Status LoadExecConfig(Config& c, ExecConfig& out) {
  ExecConfig o = out;
  const Status reads[] = {
      GetEnum(c, "execution.mode", o.mode, ParseExecMode, ExecModeName(o.mode)),
      c.Get("execution.fixed_ttl", o.fixed_ttl),
      c.Get("execution.ttl.base", o.ttl.base),
      c.Get("execution.ttl.min_ttl", o.ttl.min_ttl),
      c.Get("execution.ttl.max_ttl", o.ttl.max_ttl),
      c.Get("execution.ttl.volatility_window", o.ttl.volatility_window),
      c.Get("execution.ttl.volatility_sample", o.ttl.volatility_sample),
      c.Get("execution.ttl.fill_rate_window", o.ttl.fill_rate_window),
      c.Get("execution.max_reposts", o.max_reposts),
      c.Get("execution.improve_one_tick", o.improve_one_tick),
      c.Get("execution.max_slippage_bps", o.max_slippage_bps),
      c.Get("execution.passive_take_edge_bps", o.passive_take_edge_bps),
      c.Get("execution.normal_take_edge_bps", o.normal_take_edge_bps),
      c.Get("execution.aggressive_take_edge_bps", o.aggressive_take_edge_bps),
      c.Get("execution.iceberg_visible_notional", o.iceberg_visible_notional),
      c.Get("execution.chase_ticks", o.chase_ticks),
      c.Get("execution.retry_delay", o.retry_delay),
      c.Get("execution.slippage.impact_bps", o.slippage.impact_bps),
      c.Get("execution.slippage.depth_levels", o.slippage.depth_levels),
      c.Get("execution.slippage.beyond_book_bps", o.slippage.beyond_book_bps),
      c.Get("execution.slippage.stale_fallback_bps", o.slippage.stale_fallback_bps),
      c.Get("execution.slippage.refresh_interval", o.slippage.refresh_interval),
      c.Get("execution.slippage.valid_for", o.slippage.valid_for),
      c.Get("execution.slippage.ladder", o.slippage.ladder),
      GetEnum(c, "execution.algo.algo", o.algo.algo, ParseExecAlgo, ExecAlgoName(o.algo.algo)),
      c.Get("execution.algo.min_notional", o.algo.min_notional),
      c.Get("execution.algo.duration", o.algo.duration),
      c.Get("execution.algo.slices", o.algo.slices),
      c.Get("execution.algo.vwap_bucket", o.algo.vwap_bucket),
      GetEnum(c, "execution.algo.catch_up", o.algo.catch_up, ParseCatchUp, CatchUpName(o.algo.catch_up)),
  };
  for (const Status& s : reads) {
    if (!s.ok()) return s;
  }
  if (Status s = c.CheckUnknown("execution"); !s.ok()) return s;
  if (Status s = o.Validate(); !s.ok()) return c.Locate(s);
  out = std::move(o);
  return Status::Ok();
}

}  // namespace hean
