#include "hean/sim/latency_model.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace hean {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

std::string FormatDuration(Duration d) {
  const std::int64_t ns = d.nanos();
  std::string out;
  if (ns != 0 && ns % 1'000'000'000 == 0) {
    out = std::to_string(ns / 1'000'000'000);
    out.append("s");
  } else if (ns != 0 && ns % 1'000'000 == 0) {
    out = std::to_string(ns / 1'000'000);
    out.append("ms");
  } else if (ns != 0 && ns % 1'000 == 0) {
    out = std::to_string(ns / 1'000);
    out.append("us");
  } else {
    out = std::to_string(ns);
    out.append("ns");
  }
  return out;
}

Duration FromNanosDouble(double ns) {
  if (!(ns > 0)) return Duration::Zero();
  if (ns > 9.0e18) return Duration::Nanos(9'000'000'000'000'000'000);
  return Duration::Nanos(static_cast<std::int64_t>(std::llround(ns)));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<double, Status> ParseDouble(std::string_view text, std::string_view what) {
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v)) {
    std::string m(what);
    m.append(" \"").append(text).append("\" is not a number");
    return InvalidArgumentError(std::move(m));
  }
  return v;
}

std::string Prefixed(std::string_view prefix, const Status& s) {
  std::string m(prefix);
  m.append(s.message());
  return m;
}

}  // namespace

double SplitMix64::NextNormal() noexcept {
  // u1 in (0, 1] so that log(u1) is finite.
  const double u1 = 1.0 - NextUnit();
  const double u2 = NextUnit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

std::string ConstantLatency::Describe() const {
  std::string s = "constant(";
  s.append(FormatDuration(d_)).append(")");
  return s;
}

Duration NormalLatency::Sample(UnixNanos) {
  const double ns = static_cast<double>(mean_.nanos()) + static_cast<double>(stddev_.nanos()) * rng_.NextNormal();
  const Duration d = FromNanosDouble(ns);
  return d < floor_ ? floor_ : d;
}

std::string NormalLatency::Describe() const {
  std::string s = "normal(mean=";
  s.append(FormatDuration(mean_)).append(", stddev=").append(FormatDuration(stddev_));
  s.append(", floor=").append(FormatDuration(floor_)).append(")");
  return s;
}

Duration LogNormalLatency::Sample(UnixNanos) {
  const double ns = static_cast<double>(median_.nanos()) * std::exp(sigma_ * rng_.NextNormal());
  return floor_ + FromNanosDouble(ns);
}

std::string LogNormalLatency::Describe() const {
  std::string s = "lognormal(median=";
  s.append(FormatDuration(median_)).append(", sigma=").append(std::to_string(sigma_));
  s.append(", floor=").append(FormatDuration(floor_)).append(")");
  return s;
}

namespace {

// The rules of a quantile list; `where(i)` names point i in messages.
template <class Where>
Status CheckPoints(const std::vector<EmpiricalLatency::Point>& points, Where where) {
  if (points.size() < 2) return InvalidArgumentError("empirical latency needs at least two quantile points (0 and 1)");
  for (std::size_t i = 0; i < points.size(); ++i) {
    const EmpiricalLatency::Point& p = points[i];
    if (!(p.quantile >= 0.0 && p.quantile <= 1.0)) {
      return InvalidArgumentError(where(i).append("quantile must be within [0, 1]"));
    }
    if (p.latency.nanos() < 0) return InvalidArgumentError(where(i).append("latency must not be negative"));
    if (i > 0 && !(p.quantile > points[i - 1].quantile)) {
      return InvalidArgumentError(where(i).append("quantiles must increase"));
    }
    if (i > 0 && p.latency < points[i - 1].latency) {
      return InvalidArgumentError(where(i).append("latencies must not decrease"));
    }
  }
  if (points.front().quantile != 0.0) return InvalidArgumentError(where(0).append("the first quantile must be 0"));
  if (points.back().quantile != 1.0) {
    return InvalidArgumentError(where(points.size() - 1).append("the last quantile must be 1"));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<EmpiricalLatency>, Status> EmpiricalLatency::Make(std::vector<Point> points,
                                                                         std::uint64_t seed) {
  Status s = CheckPoints(points, [](std::size_t i) {
    std::string w = "empirical latency point ";
    w.append(std::to_string(i + 1)).append(": ");
    return w;
  });
  if (!s.ok()) return s;
  return std::unique_ptr<EmpiricalLatency>(new EmpiricalLatency(std::move(points), seed));
}

Result<std::unique_ptr<EmpiricalLatency>, Status> EmpiricalLatency::Parse(std::string_view text, std::string_view name,
                                                                          std::uint64_t seed) {
  std::vector<Point> points;
  std::vector<std::size_t> lines;  // line of each point, for messages
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    std::string place(name);
    place.append(":").append(std::to_string(line_no)).append(": ");
    const std::size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) {
      return InvalidArgumentError(place.append("expected \"<quantile> <latency>\""));
    }
    auto q = ParseDouble(line.substr(0, sp), "quantile");
    if (!q.ok()) return InvalidArgumentError(Prefixed(place, q.error()));
    auto l = ParseLatency(Trim(line.substr(sp + 1)));
    if (!l.ok()) return InvalidArgumentError(Prefixed(place, l.error()));
    points.push_back(Point{*q, *l});
    lines.push_back(line_no);
  }
  if (points.size() < 2) {
    std::string m(name);
    m.append(": at least two quantile points are needed (0 and 1), found ").append(std::to_string(points.size()));
    return InvalidArgumentError(std::move(m));
  }
  Status s = CheckPoints(points, [&](std::size_t i) {
    std::string w(name);
    w.append(":").append(std::to_string(lines[i])).append(": ");
    return w;
  });
  if (!s.ok()) return s;
  return std::unique_ptr<EmpiricalLatency>(new EmpiricalLatency(std::move(points), seed));
}

Result<std::unique_ptr<EmpiricalLatency>, Status> EmpiricalLatency::Load(const std::string& path, std::uint64_t seed) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::string m = path;
    return NotFoundError(m.append(": cannot open latency quantile file"));
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path, seed);
}

Duration EmpiricalLatency::At(double u) const noexcept {
  if (u <= 0.0) return points_.front().latency;
  if (u >= 1.0) return points_.back().latency;
  std::size_t i = 1;
  while (i + 1 < points_.size() && points_[i].quantile < u) ++i;
  const Point& a = points_[i - 1];
  const Point& b = points_[i];
  const double f = (u - a.quantile) / (b.quantile - a.quantile);
  const double ns =
      static_cast<double>(a.latency.nanos()) + f * static_cast<double>(b.latency.nanos() - a.latency.nanos());
  return FromNanosDouble(ns);
}

Duration EmpiricalLatency::Sample(UnixNanos) { return At(rng_.NextUnit()); }

std::string EmpiricalLatency::Describe() const {
  std::string s = "empirical(";
  s.append(std::to_string(points_.size())).append(" points, median=").append(FormatDuration(At(0.5))).append(")");
  return s;
}

Result<Duration, Status> ParseLatency(std::string_view text) {
  text = Trim(text);
  std::size_t unit_at = text.size();
  while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(text[unit_at - 1]))) --unit_at;
  const std::string_view unit = text.substr(unit_at);
  const std::string_view number = text.substr(0, unit_at);
  double scale = 0;
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else {
    std::string m = "latency \"";
    m.append(text).append("\" needs a unit: ns, us, ms or s");
    return InvalidArgumentError(std::move(m));
  }
  auto v = ParseDouble(number, "latency");
  if (!v.ok()) return v.error();
  if (*v < 0 || *v * scale > 9.0e18) {
    std::string m = "latency \"";
    m.append(text).append("\" is out of range");
    return OutOfRangeError(std::move(m));
  }
  return Duration::Nanos(static_cast<std::int64_t>(std::llround(*v * scale)));
}

Result<std::unique_ptr<LatencyModel>, Status> MakeLatencyModel(std::string_view spec, std::uint64_t seed) {
  const std::size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const std::string_view args = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  std::string where = "latency model \"";
  where.append(spec).append("\": ");
  std::vector<std::string_view> parts;
  for (std::string_view rest = args; !rest.empty();) {
    const std::size_t c = rest.find(',');
    parts.push_back(Trim(rest.substr(0, c)));
    rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
  }
  auto latency = [&](std::size_t i) { return ParseLatency(parts[i]); };
  if (kind == "constant") {
    if (parts.size() != 1) return InvalidArgumentError(where.append("expected constant:<latency>"));
    auto d = latency(0);
    if (!d.ok()) return InvalidArgumentError(Prefixed(where, d.error()));
    return std::unique_ptr<LatencyModel>(new ConstantLatency(*d));
  }
  if (kind == "normal" || kind == "lognormal") {
    if (parts.size() != 2 && parts.size() != 3) {
      return InvalidArgumentError(where.append(kind == "normal" ? "expected normal:<mean>,<stddev>[,<floor>]"
                                                                : "expected lognormal:<median>,<sigma>[,<floor>]"));
    }
    auto centre = latency(0);
    if (!centre.ok()) return InvalidArgumentError(Prefixed(where, centre.error()));
    Duration floor;
    if (parts.size() == 3) {
      auto f = latency(2);
      if (!f.ok()) return InvalidArgumentError(Prefixed(where, f.error()));
      floor = *f;
    }
    if (kind == "normal") {
      auto sd = latency(1);
      if (!sd.ok()) return InvalidArgumentError(Prefixed(where, sd.error()));
      return std::unique_ptr<LatencyModel>(new NormalLatency(*centre, *sd, floor, seed));
    }
    auto sigma = ParseDouble(parts[1], "sigma");
    if (!sigma.ok()) return InvalidArgumentError(Prefixed(where, sigma.error()));
    if (*sigma < 0 || *sigma > 10) return InvalidArgumentError(where.append("sigma must be within [0, 10]"));
    return std::unique_ptr<LatencyModel>(new LogNormalLatency(*centre, *sigma, floor, seed));
  }
  if (kind == "empirical") {
    if (args.empty()) return InvalidArgumentError(where.append("expected empirical:<quantile file>"));
    auto e = EmpiricalLatency::Load(std::string(args), seed);
    if (!e.ok()) return e.error();
    return std::unique_ptr<LatencyModel>(std::move(*e));
  }
  return InvalidArgumentError(where.append("unknown kind (constant, normal, lognormal, empirical)"));
}

}  // namespace hean
