// report.html: one self-contained page, charts as inline SVG drawn here.
//
// Nothing on the page comes from the network (no script, font, stylesheet
// or image; a Content-Security-Policy says so to the browser too), and
// nothing depends on the clock or the machine: every number is formatted
// with fmt at fixed decimals, every collection is walked in a fixed order,
// and long series are thinned deterministically, so the same record and
// stats give the same bytes.
#include "hean/report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hean {
namespace {

// At most this many points in one polyline (or polygon): a long run's
// price series is thinned to it, first and last point kept.
constexpr std::size_t kMaxPolylinePoints = 2000;
// At most this many fill markers per price chart (the rest are counted in
// the caption).
constexpr std::size_t kMaxMarkers = 4000;
// At most this many rows in the risk transitions table.
constexpr std::size_t kMaxTableRows = 500;

constexpr std::string_view kBuyColor = "#1a9850";
constexpr std::string_view kSellColor = "#d73027";
constexpr std::string_view kLineColor = "#2f6db5";
constexpr std::string_view kBarColor = "#6b9bd1";
constexpr std::string_view kDrawdownColor = "#d73027";
constexpr std::string_view kRefColor = "#888888";
constexpr std::string_view kP50Color = "#9ecae1";
constexpr std::string_view kP95Color = "#4292c6";
constexpr std::string_view kP99Color = "#08519c";

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

template <typename... T>
void Put(std::string& out, fmt::format_string<T...> format, T&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<T>(args)...);
}

// ---------------------------------------------------------------- text

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c; break;
    }
  }
  return out;
}

// Fixed decimals; "-" for NaN and infinities; never "-0.00".
std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (!text.empty() && text[0] == '-' && text.find_first_not_of("0.", 1) == std::string::npos) {
    text.erase(0, 1);
  }
  return text;
}

// Fixed with thousands separators: "12,345.67".
std::string Grouped(double value, int decimals) {
  std::string text = Fixed(value, decimals);
  if (text == "-") return text;
  std::size_t begin = text[0] == '-' ? 1 : 0;
  std::size_t end = text.find('.');
  if (end == std::string::npos) end = text.size();
  std::string out = text.substr(0, begin);
  for (std::size_t i = begin; i < end; ++i) {
    out += text[i];
    std::size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  out += text.substr(end);
  return out;
}

std::string Percent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return "-";
  return Fixed(fraction * 100.0, decimals) + "%";
}

std::string PercentOf(double pct, int decimals) {
  if (!std::isfinite(pct)) return "-";
  return Fixed(pct, decimals) + "%";
}

// An exact count with thousands separators: "1,284,551".
std::string Count(std::uint64_t n) {
  std::string digits = fmt::format("{}", n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Signed number class for colouring: "pos", "neg" or "".
std::string_view SignClass(double value) {
  if (!std::isfinite(value) || value == 0.0) return "";
  return value > 0.0 ? "pos" : "neg";
}

struct Clock {
  CivilDate date;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
};

Clock ToClock(std::int64_t nanos) {
  std::int64_t secs = nanos / kNanosPerSecond;
  std::int64_t sub = nanos % kNanosPerSecond;
  if (sub < 0) {
    sub += kNanosPerSecond;
    --secs;
  }
  std::int64_t days = secs / kSecondsPerDay;
  std::int64_t sod = secs % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  Clock clock;
  clock.date = CivilFromDays(days);
  clock.hour = static_cast<int>(sod / 3600);
  clock.minute = static_cast<int>(sod / 60 % 60);
  clock.second = static_cast<int>(sod % 60);
  clock.millis = static_cast<int>(sub / 1'000'000);
  return clock;
}

// "2024-07-18 23:57:00.984 UTC".
std::string DateTime(UnixNanos ts) {
  Clock c = ToClock(ts.nanos());
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}.{:03d} UTC", c.date.year, c.date.month, c.date.day,
                     c.hour, c.minute, c.second, c.millis);
}

// "1h 02m 03s", "4m 05s", "12.345s", "2d 03h 04m".
std::string SpanText(Duration span) {
  std::int64_t ns = span.nanos();
  if (ns < 0) return "-";
  std::int64_t secs = ns / kNanosPerSecond;
  if (secs < 60) return fmt::format("{:.3f}s", static_cast<double>(ns) * 1e-9);
  std::int64_t days = secs / kSecondsPerDay;
  std::int64_t hours = secs / 3600 % 24;
  std::int64_t minutes = secs / 60 % 60;
  std::int64_t seconds = secs % 60;
  if (days > 0) return fmt::format("{}d {:02d}h {:02d}m", days, hours, minutes);
  if (hours > 0) return fmt::format("{}h {:02d}m {:02d}s", hours, minutes, seconds);
  return fmt::format("{}m {:02d}s", minutes, seconds);
}

std::string Ms(double ms) {
  if (!std::isfinite(ms)) return "-";
  double a = std::fabs(ms);
  return Fixed(ms, a < 10.0 ? 2 : (a < 100.0 ? 1 : 0));
}

// ---------------------------------------------------------------- scales

struct Ticks {
  std::vector<double> values;
  int decimals = 0;
};

double NiceStep(double span, int target) {
  double raw = span / std::max(target, 1);
  if (!(raw > 0.0) || !std::isfinite(raw)) return 1.0;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / magnitude;
  double nice = norm < 1.5 ? 1.0 : (norm < 3.0 ? 2.0 : (norm < 7.0 ? 5.0 : 10.0));
  return nice * magnitude;
}

int DecimalsForStep(double step) {
  if (!(step > 0.0)) return 0;
  int decimals = static_cast<int>(-std::floor(std::log10(step) + 1e-9));
  return std::clamp(decimals, 0, 9);
}

// About `target` round values within [lo, hi].
Ticks NiceTicks(double lo, double hi, int target) {
  Ticks ticks;
  double step = NiceStep(hi - lo, target);
  ticks.decimals = DecimalsForStep(step);
  double first = std::ceil(lo / step - 1e-9);
  for (int i = 0; i < 64; ++i) {
    double v = (first + i) * step;
    if (v > hi + step * 1e-9) break;
    ticks.values.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

// [lo, hi] widened by `pad` of its span on both sides; a point range gets a
// small span around it.
std::pair<double, double> Padded(double lo, double hi, double pad) {
  if (hi < lo) return {0.0, 1.0};
  double span = hi - lo;
  if (span <= 0.0) {
    double half = std::max(std::fabs(lo) * 0.001, 1e-9);
    if (lo == 0.0) half = 1.0;
    return {lo - half, hi + half};
  }
  return {lo - span * pad, hi + span * pad};
}

// Round time steps, in ns.
constexpr std::int64_t kTimeSteps[] = {
    1'000'000LL,
    2'000'000LL,
    5'000'000LL,
    10'000'000LL,
    20'000'000LL,
    50'000'000LL,
    100'000'000LL,
    200'000'000LL,
    500'000'000LL,
    1 * kNanosPerSecond,
    2 * kNanosPerSecond,
    5 * kNanosPerSecond,
    10 * kNanosPerSecond,
    15 * kNanosPerSecond,
    30 * kNanosPerSecond,
    60 * kNanosPerSecond,
    120 * kNanosPerSecond,
    300 * kNanosPerSecond,
    600 * kNanosPerSecond,
    900 * kNanosPerSecond,
    1800 * kNanosPerSecond,
    3600 * kNanosPerSecond,
    7200 * kNanosPerSecond,
    10800 * kNanosPerSecond,
    21600 * kNanosPerSecond,
    43200 * kNanosPerSecond,
    kSecondsPerDay* kNanosPerSecond,
    2 * kSecondsPerDay* kNanosPerSecond,
    7 * kSecondsPerDay* kNanosPerSecond,
    14 * kSecondsPerDay* kNanosPerSecond,
    28 * kSecondsPerDay* kNanosPerSecond,
};

struct TimeTick {
  std::int64_t nanos = 0;
  std::string label;
};

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Ticks at round UTC times within [lo, hi], labelled HH:MM:SS (with
// milliseconds for sub-second steps; with the date for spans of days).
std::vector<TimeTick> TimeTicks(std::int64_t lo, std::int64_t hi, int target) {
  std::vector<TimeTick> ticks;
  if (hi <= lo) return ticks;
  std::int64_t span = hi - lo;
  std::int64_t step = kTimeSteps[std::size(kTimeSteps) - 1];
  for (std::int64_t s : kTimeSteps) {
    if (span / s <= target) {
      step = s;
      break;
    }
  }
  bool days = span >= kSecondsPerDay * kNanosPerSecond;
  std::int64_t first = FloorDiv(lo, step) * step;
  if (first < lo) first += step;
  for (std::int64_t t = first; t <= hi && ticks.size() < 64; t += step) {
    Clock c = ToClock(t);
    std::string label;
    if (step < kNanosPerSecond) {
      label = fmt::format("{:02d}:{:02d}:{:02d}.{:03d}", c.hour, c.minute, c.second, c.millis);
    } else if (days) {
      label = fmt::format("{:02d}-{:02d} {:02d}:{:02d}", c.date.month, c.date.day, c.hour, c.minute);
    } else {
      label = fmt::format("{:02d}:{:02d}:{:02d}", c.hour, c.minute, c.second);
    }
    ticks.push_back({t, std::move(label)});
  }
  return ticks;
}

// Indices of the points to draw: all of them when there are at most
// `max_points`, else the first, the last and, in equal buckets between,
// the lowest and highest value of each bucket (in order), so spikes stay.
std::vector<std::size_t> ThinIndices(const std::vector<double>& values, std::size_t max_points) {
  std::size_t n = values.size();
  std::vector<std::size_t> keep;
  if (n <= max_points) {
    keep.resize(n);
    for (std::size_t i = 0; i < n; ++i) keep[i] = i;
    return keep;
  }
  keep.push_back(0);
  std::size_t buckets = max_points >= 4 ? (max_points - 2) / 2 : 0;
  std::size_t interior = n - 2;
  for (std::size_t b = 0; b < buckets; ++b) {
    std::size_t begin = 1 + interior * b / buckets;
    std::size_t end = 1 + interior * (b + 1) / buckets;
    if (begin >= end) continue;
    std::size_t lo = begin;
    std::size_t hi = begin;
    for (std::size_t i = begin; i < end; ++i) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    keep.push_back(std::min(lo, hi));
    if (lo != hi) keep.push_back(std::max(lo, hi));
  }
  keep.push_back(n - 1);
  return keep;
}

// ---------------------------------------------------------------- SVG

// The plot area of a chart and the data ranges it maps.
struct Frame {
  double left = 0.0;
  double top = 0.0;
  double width = 0.0;
  double height = 0.0;
  double xmin = 0.0;
  double xmax = 1.0;
  double ymin = 0.0;
  double ymax = 1.0;

  double X(double v) const { return left + (xmax > xmin ? (v - xmin) / (xmax - xmin) : 0.5) * width; }
  double Y(double v) const { return top + height - (ymax > ymin ? (v - ymin) / (ymax - ymin) : 0.5) * height; }
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

void SvgOpen(std::string& out, int width, int height, std::string_view label) {
  Put(out,
      "<svg class=\"chart\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" aria-label=\"{2}\">\n",
      width, height, Escape(label));
  Put(out, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\"/>\n", width, height);
}

void SvgClose(std::string& out) { out += "</svg>\n"; }

// A chart with nothing to draw: a framed box saying so.
void NoDataSvg(std::string& out, int width, int chart_height, std::string_view label, std::string_view why) {
  int height = std::min(chart_height, 150);
  SvgOpen(out, width, height, label);
  Put(out, "<rect class=\"frame\" x=\"8.5\" y=\"8.5\" width=\"{}\" height=\"{}\"/>\n", width - 17, height - 17);
  Put(out, "<text class=\"nodata\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">no data</text>\n", width / 2.0,
      height / 2.0);
  if (!why.empty()) {
    Put(out, "<text class=\"nodata-why\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", width / 2.0,
        height / 2.0 + 20.0, Escape(why));
  }
  SvgClose(out);
}

// Horizontal grid lines and labels at the y ticks.
void YAxis(std::string& out, const Frame& f, const Ticks& ticks, bool grouped = false) {
  for (double v : ticks.values) {
    double y = f.Y(v);
    Put(out, "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", f.left, y, f.right(),
        y);
    Put(out, "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", f.left - 6.0, y + 4.0,
        grouped ? Grouped(v, ticks.decimals) : Fixed(v, ticks.decimals));
  }
  Put(out, "<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", f.left, f.top,
      f.bottom());
}

// Vertical grid lines at the time ticks; labels below when `labels`.
void TimeAxis(std::string& out, const Frame& f, std::int64_t origin, const std::vector<TimeTick>& ticks, bool labels) {
  for (const TimeTick& t : ticks) {
    double x = f.X(static_cast<double>(t.nanos - origin) * 1e-9);
    Put(out, "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", x, f.top,
        f.bottom());
    if (labels) {
      Put(out, "<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", x, f.bottom(),
          f.bottom() + 4.0);
      Put(out, "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x,
          f.bottom() + 17.0, t.label);
    }
  }
  Put(out, "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", f.left, f.bottom(),
      f.right(), f.bottom());
  if (labels) {
    Put(out, "<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">time (UTC)</text>\n", f.right(),
        f.bottom() + 32.0);
  }
}

// Numeric x axis with labels below, and its title.
void XAxis(std::string& out, const Frame& f, const Ticks& ticks, std::string_view title) {
  for (double v : ticks.values) {
    double x = f.X(v);
    Put(out, "<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", x, f.bottom(),
        f.bottom() + 4.0);
    Put(out, "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, f.bottom() + 17.0,
        Fixed(v, ticks.decimals));
  }
  Put(out, "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", f.left, f.bottom(),
      f.right(), f.bottom());
  Put(out, "<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
      f.left + f.width / 2.0, f.bottom() + 34.0, Escape(title));
}

enum class Swatch { kLine, kDashed, kArea, kBar, kTriangleUp, kTriangleDown, kDiamond };

struct LegendItem {
  Swatch swatch;
  std::string_view color;
  std::string label;  // plain text (escaped when drawn)
};

// Approximate width of a label in the 12px tick font.
double TextWidth(std::string_view text) { return 6.6 * static_cast<double>(text.size()); }

std::string TrianglePath(double x, double y, bool up) {
  if (up)
    return fmt::format("M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z", x, y - 7.5, x + 6.5, y + 4.5, x - 6.5, y + 4.5);
  return fmt::format("M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z", x, y + 7.5, x + 6.5, y - 4.5, x - 6.5, y - 4.5);
}

std::string DiamondPath(double x, double y) {
  return fmt::format("M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z", x, y - 6.5, x + 6.5, y, x, y + 6.5,
                     x - 6.5, y);
}

// One row of swatches and labels starting at (x, y) (the text baseline).
void Legend(std::string& out, double x, double y, const std::vector<LegendItem>& items) {
  out += "<g class=\"legend\">\n";
  for (const LegendItem& item : items) {
    double cx = x + 9.0;
    double cy = y - 4.0;
    switch (item.swatch) {
      case Swatch::kLine:
        Put(out, "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"/>\n",
            x, cy, x + 18.0, cy, item.color);
        break;
      case Swatch::kDashed:
        Put(out,
            "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"4 3\"/>\n",
            x, cy, x + 18.0, cy, item.color);
        break;
      case Swatch::kArea:
      case Swatch::kBar:
        Put(out, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" height=\"10\" fill=\"{}\" fill-opacity=\"{}\"/>\n", x,
            cy - 5.0, item.color, item.swatch == Swatch::kArea ? "0.35" : "1");
        break;
      case Swatch::kTriangleUp:
      case Swatch::kTriangleDown:
        Put(out, "<path class=\"lg-mk\" d=\"{}\" fill=\"{}\"/>\n",
            TrianglePath(cx, cy, item.swatch == Swatch::kTriangleUp), item.color);
        break;
      case Swatch::kDiamond:
        Put(out, "<path class=\"lg-mk\" d=\"{}\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"1.8\"/>\n",
            DiamondPath(cx, cy), item.color);
        break;
    }
    Put(out, "<text class=\"legend-text\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 24.0, y, Escape(item.label));
    x += 24.0 + TextWidth(item.label) + 18.0;
  }
  out += "</g>\n";
}

// "x,y x,y ..." of the kept points, consecutive duplicates dropped.
struct PointList {
  std::string text;
  std::size_t count = 0;
  void Add(double x, double y) {
    std::string p = fmt::format("{:.1f},{:.1f}", x, y);
    if (p == last_) return;
    if (count > 0) text += ' ';
    text += p;
    last_ = std::move(p);
    ++count;
  }

 private:
  std::string last_;
};

// ---------------------------------------------------------------- charts

constexpr int kWideWidth = 1160;
constexpr int kHalfWidth = 570;

struct TimeRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

// The span to draw: the data's, widened to the run's span when known.
TimeRange ChartTimeRange(const RunRecord& record, std::int64_t data_lo, std::int64_t data_hi) {
  TimeRange r{data_lo, data_hi};
  if (record.last_event > record.first_event && !record.first_event.IsZero()) {
    r.lo = std::min(r.lo, record.first_event.nanos());
    r.hi = std::max(r.hi, record.last_event.nanos());
  }
  if (r.hi <= r.lo) {
    r.lo -= 30 * kNanosPerSecond;
    r.hi += 30 * kNanosPerSecond;
  }
  return r;
}

bool IsEntry(const FillRecord& fill) {
  std::int64_t after = fill.position_after.raw();
  std::int64_t delta = fill.side == Side::kBuy ? fill.qty.raw() : -fill.qty.raw();
  std::int64_t before = after - delta;
  return (after < 0 ? -after : after) > (before < 0 ? -before : before);
}

std::string InstrumentName(const RunRecord& record, InstrumentId id) {
  const RunInstrument* instrument = record.Instrument(id);
  if (instrument != nullptr && !instrument->symbol.empty()) return instrument->symbol;
  return fmt::format("instrument {}", id.value);
}

void PriceChart(std::string& out, const RunRecord& record, InstrumentId id, const std::vector<PricePoint>& points,
                const std::vector<const FillRecord*>& fills) {
  std::string name = InstrumentName(record, id);
  std::size_t entries = 0;
  for (const FillRecord* fill : fills) entries += IsEntry(*fill) ? 1 : 0;
  std::size_t exits = fills.size() - entries;

  out += "<figure class=\"chart-box\">\n";
  Put(out, "<figcaption>{}: mid price, {} entr{} and {} exit{} ({} fill{})</figcaption>\n", Escape(name), entries,
      entries == 1 ? "y" : "ies", exits, exits == 1 ? "" : "s", fills.size(), fills.size() == 1 ? "" : "s");
  constexpr int kHeight = 330;
  std::string label = fmt::format("Price of {}", name);

  std::int64_t tlo = INT64_MAX;
  std::int64_t thi = INT64_MIN;
  double ylo = INFINITY;
  double yhi = -INFINITY;
  for (const PricePoint& p : points) {
    if (!std::isfinite(p.mid)) continue;
    tlo = std::min(tlo, p.ts.nanos());
    thi = std::max(thi, p.ts.nanos());
    ylo = std::min(ylo, p.mid);
    yhi = std::max(yhi, p.mid);
  }
  for (const FillRecord* fill : fills) {
    double price = fill->price.IsDefined() ? fill->price.ToDouble() : NAN;
    if (!std::isfinite(price)) continue;
    tlo = std::min(tlo, fill->ts.nanos());
    thi = std::max(thi, fill->ts.nanos());
    ylo = std::min(ylo, price);
    yhi = std::max(yhi, price);
  }
  if (tlo > thi) {
    NoDataSvg(out, kWideWidth, kHeight, label, "no price points and no fills");
    out += "</figure>\n";
    return;
  }

  TimeRange range = ChartTimeRange(record, tlo, thi);
  auto [y0, y1] = Padded(ylo, yhi, 0.06);
  Frame f{
      84.0, 40.0, kWideWidth - 84.0 - 36.0, kHeight - 40.0 - 46.0, 0.0, static_cast<double>(range.hi - range.lo) * 1e-9,
      y0,   y1};
  Ticks yt = NiceTicks(y0, y1, 6);

  SvgOpen(out, kWideWidth, kHeight, label);
  YAxis(out, f, yt);
  TimeAxis(out, f, range.lo, TimeTicks(range.lo, range.hi, 8), true);

  // Mid line, thinned.
  std::vector<const PricePoint*> valid;
  std::vector<double> mids;
  for (const PricePoint& p : points) {
    if (!std::isfinite(p.mid)) continue;
    valid.push_back(&p);
    mids.push_back(p.mid);
  }
  if (!valid.empty()) {
    PointList list;
    for (std::size_t i : ThinIndices(mids, kMaxPolylinePoints)) {
      list.Add(f.X(static_cast<double>(valid[i]->ts.nanos() - range.lo) * 1e-9), f.Y(valid[i]->mid));
    }
    Put(out, "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.4\" points=\"{}\"/>\n",
        kLineColor, list.text);
  } else {
    Put(out, "<text class=\"nodata-why\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">no price points</text>\n",
        f.left + f.width / 2.0, f.top + 20.0);
  }

  // Markers: at most kMaxMarkers, evenly chosen.
  std::size_t shown = std::min(fills.size(), kMaxMarkers);
  out += "<g class=\"markers\">\n";
  for (std::size_t k = 0; k < shown; ++k) {
    std::size_t i = shown == fills.size() ? k : k * (fills.size() - 1) / std::max<std::size_t>(shown - 1, 1);
    const FillRecord& fill = *fills[i];
    if (!fill.price.IsDefined()) continue;
    bool buy = fill.side == Side::kBuy;
    bool entry = IsEntry(fill);
    double x = f.X(static_cast<double>(fill.ts.nanos() - range.lo) * 1e-9);
    double y = f.Y(fill.price.ToDouble());
    std::string_view color = buy ? kBuyColor : kSellColor;
    std::string_view liquidity = fill.liquidity == LiquiditySide::kMaker
                                     ? "maker"
                                     : (fill.liquidity == LiquiditySide::kTaker ? "taker" : "unknown");
    std::string title =
        fmt::format("{} {} {} {} @ {} ({}), position {}{}{}", DateTime(fill.ts), entry ? "entry" : "exit",
                    buy ? "buy" : "sell", fill.qty.ToString(), fill.price.ToString(), liquidity,
                    fill.position_after.ToString(), fill.strategy.empty() ? "" : ", ", fill.strategy);
    if (entry) {
      Put(out,
          "<path class=\"mk entry {}\" d=\"{}\" fill=\"{}\" stroke=\"#ffffff\" "
          "stroke-width=\"0.8\"><title>{}</title></path>\n",
          buy ? "buy" : "sell", TrianglePath(x, y, buy), color, Escape(title));
    } else {
      Put(out,
          "<path class=\"mk exit {}\" d=\"{}\" fill=\"#ffffff\" stroke=\"{}\" "
          "stroke-width=\"1.8\"><title>{}</title></path>\n",
          buy ? "buy" : "sell", DiamondPath(x, y), color, Escape(title));
    }
  }
  out += "</g>\n";

  std::vector<LegendItem> legend = {
      {Swatch::kLine, kLineColor, "mid"},
      {Swatch::kTriangleUp, kBuyColor, "entry buy"},
      {Swatch::kTriangleDown, kSellColor, "entry sell"},
      {Swatch::kDiamond, kBuyColor, "exit buy"},
      {Swatch::kDiamond, kSellColor, "exit sell"},
  };
  Legend(out, f.left, 22.0, legend);
  if (fills.empty()) {
    Put(out, "<text class=\"note\" x=\"{:.1f}\" y=\"22\" text-anchor=\"end\">no fills</text>\n", f.right());
  } else if (shown < fills.size()) {
    Put(out, "<text class=\"note\" x=\"{:.1f}\" y=\"22\" text-anchor=\"end\">{} of {} fills marked</text>\n", f.right(),
        shown, fills.size());
  }
  SvgClose(out);
  out += "</figure>\n";
}

void PriceCharts(std::string& out, const RunRecord& record) {
  std::map<std::uint32_t, std::vector<PricePoint>> points;
  std::map<std::uint32_t, std::vector<const FillRecord*>> fills;
  for (const PricePoint& p : record.prices) points[p.instrument.value].push_back(p);
  for (const FillRecord& fill : record.fills) fills[fill.instrument.value].push_back(&fill);
  // One chart per instrument of the run and per instrument with data.
  std::vector<std::uint32_t> ids;
  for (const RunInstrument& instrument : record.instruments) {
    if (instrument.id.valid()) ids.push_back(instrument.id.value);
  }
  for (const auto& [id, unused] : points) ids.push_back(id);
  for (const auto& [id, unused] : fills) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) {
    out += "<figure class=\"chart-box\">\n<figcaption>Price: mid with entries and exits</figcaption>\n";
    NoDataSvg(out, kWideWidth, 330, "Price", "no price points and no fills");
    out += "</figure>\n";
    return;
  }
  for (std::uint32_t id : ids) {
    std::vector<PricePoint>& series = points[id];
    std::stable_sort(series.begin(), series.end(),
                     [](const PricePoint& a, const PricePoint& b) { return a.ts < b.ts; });
    std::vector<const FillRecord*>& marks = fills[id];
    std::stable_sort(marks.begin(), marks.end(),
                     [](const FillRecord* a, const FillRecord* b) { return a->ts < b->ts; });
    PriceChart(out, record, InstrumentId{id}, series, marks);
  }
}

void EquityChart(std::string& out, const RunRecord& record, const ReportStats& stats) {
  out += "<figure class=\"chart-box\">\n";
  Put(out, "<figcaption>Equity (USDT) and drawdown; max drawdown {} USDT ({})</figcaption>\n",
      Grouped(stats.max_drawdown, 2), PercentOf(stats.max_drawdown_pct, 2));
  constexpr int kHeight = 426;
  std::vector<const EquityRecord*> rows;
  for (const EquityRecord& e : record.equity) {
    if (std::isfinite(e.equity)) rows.push_back(&e);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const EquityRecord* a, const EquityRecord* b) { return a->ts < b->ts; });
  if (rows.empty()) {
    NoDataSvg(out, kWideWidth, kHeight, "Equity and drawdown", "no equity samples");
    out += "</figure>\n";
    return;
  }

  double elo = INFINITY;
  double ehi = -INFINITY;
  double dd_max = 0.0;
  std::vector<double> equity;
  std::vector<double> drawdown;
  for (const EquityRecord* e : rows) {
    elo = std::min(elo, e->equity);
    ehi = std::max(ehi, e->equity);
    double dd = std::isfinite(e->drawdown) ? std::max(e->drawdown, 0.0) : 0.0;
    dd_max = std::max(dd_max, dd);
    equity.push_back(e->equity);
    drawdown.push_back(-dd);
  }
  bool show_start = std::isfinite(record.starting_balance) && record.starting_balance > 0.0;
  if (show_start) {
    elo = std::min(elo, record.starting_balance);
    ehi = std::max(ehi, record.starting_balance);
  }
  TimeRange range = ChartTimeRange(record, rows.front()->ts.nanos(), rows.back()->ts.nanos());
  double xmax = static_cast<double>(range.hi - range.lo) * 1e-9;
  auto [e0, e1] = Padded(elo, ehi, 0.06);
  double left = 92.0;
  double width = kWideWidth - left - 36.0;
  Frame top{left, 40.0, width, 230.0, 0.0, xmax, e0, e1};
  double dd_floor = dd_max > 0.0 ? -dd_max * 1.08 : -1.0;
  Frame bottom{left, 296.0, width, 84.0, 0.0, xmax, dd_floor, 0.0};
  std::vector<TimeTick> tt = TimeTicks(range.lo, range.hi, 8);

  SvgOpen(out, kWideWidth, kHeight, "Equity and drawdown");
  YAxis(out, top, NiceTicks(e0, e1, 6), true);
  TimeAxis(out, top, range.lo, tt, false);
  Ticks dt = NiceTicks(dd_floor, 0.0, 3);
  YAxis(out, bottom, dt, true);
  TimeAxis(out, bottom, range.lo, tt, true);
  for (const auto& [frame, title] : {std::pair<const Frame*, std::string_view>{&top, "equity (USDT)"},
                                     std::pair<const Frame*, std::string_view>{&bottom, "drawdown"}}) {
    double y = frame->top + frame->height / 2.0;
    Put(out,
        "<text class=\"axis-title\" x=\"16\" y=\"{0:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
        "{0:.1f})\">{1}</text>\n",
        y, title);
  }

  if (show_start) {
    double y = top.Y(record.starting_balance);
    Put(out,
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"1.2\" "
        "stroke-dasharray=\"5 4\"/>\n",
        top.left, y, top.right(), y, kRefColor);
  }
  auto x_of = [&](std::size_t i) { return top.X(static_cast<double>(rows[i]->ts.nanos() - range.lo) * 1e-9); };

  // Drawdown area: the thinned curve closed along the zero line.
  {
    std::vector<std::size_t> keep = ThinIndices(drawdown, kMaxPolylinePoints - 2);
    PointList list;
    list.Add(x_of(keep.front()), bottom.Y(0.0));
    for (std::size_t i : keep) list.Add(x_of(i), bottom.Y(drawdown[i]));
    list.Add(x_of(keep.back()), bottom.Y(0.0));
    Put(out, "<polygon class=\"series area\" fill=\"{}\" fill-opacity=\"0.3\" stroke=\"none\" points=\"{}\"/>\n",
        kDrawdownColor, list.text);
    PointList line;
    for (std::size_t i : keep) line.Add(x_of(i), bottom.Y(drawdown[i]));
    Put(out, "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\" points=\"{}\"/>\n",
        kDrawdownColor, line.text);
  }
  {
    PointList list;
    for (std::size_t i : ThinIndices(equity, kMaxPolylinePoints)) list.Add(x_of(i), top.Y(equity[i]));
    Put(out, "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" points=\"{}\"/>\n",
        kLineColor, list.text);
  }
  std::vector<LegendItem> legend = {{Swatch::kLine, kLineColor, "equity"}};
  if (show_start) {
    legend.push_back(
        {Swatch::kDashed, kRefColor, fmt::format("starting balance {}", Grouped(record.starting_balance, 2))});
  }
  legend.push_back({Swatch::kArea, kDrawdownColor, "drawdown (peak - equity)"});
  Legend(out, top.left, 22.0, legend);
  SvgClose(out);
  out += "</figure>\n";
}

struct RefLine {
  double value = 0.0;
  std::string_view color;
  std::string label;
};

// A histogram of `bins` with optional dashed reference lines.
void HistogramChart(std::string& out, std::string_view caption, std::string_view x_title, std::string_view y_title,
                    const std::vector<HistogramBin>& bins, const std::vector<RefLine>& refs, std::string_view why) {
  out += "<figure class=\"chart-box\">\n";
  Put(out, "<figcaption>{}</figcaption>\n", Escape(caption));
  constexpr int kHeight = 290;
  std::vector<const HistogramBin*> valid;
  std::uint64_t total = 0;
  for (const HistogramBin& b : bins) {
    if (!std::isfinite(b.lo) || !std::isfinite(b.hi)) continue;
    valid.push_back(&b);
    total += b.count;
  }
  if (valid.empty() || total == 0) {
    NoDataSvg(out, kHalfWidth, kHeight, caption, why);
    out += "</figure>\n";
    return;
  }
  double xlo = INFINITY;
  double xhi = -INFINITY;
  std::uint64_t cmax = 0;
  for (const HistogramBin* b : valid) {
    xlo = std::min({xlo, b->lo, b->hi});
    xhi = std::max({xhi, b->lo, b->hi});
    cmax = std::max(cmax, b->count);
  }
  std::vector<RefLine> shown_refs;
  for (const RefLine& r : refs) {
    if (std::isfinite(r.value)) shown_refs.push_back(r);
  }
  for (const RefLine& r : shown_refs) {
    xlo = std::min(xlo, r.value);
    xhi = std::max(xhi, r.value);
  }
  auto [x0, x1] = Padded(xlo, xhi, 0.03);
  Ticks yt = NiceTicks(0.0, static_cast<double>(cmax), 4);
  double ytop = std::max(static_cast<double>(cmax), yt.values.empty() ? 1.0 : yt.values.back());
  if (ytop < static_cast<double>(cmax) * 1.05) ytop = static_cast<double>(cmax) * 1.08;
  Frame f{60.0, 40.0, kHalfWidth - 60.0 - 28.0, kHeight - 40.0 - 50.0, x0, x1, 0.0, ytop};
  SvgOpen(out, kHalfWidth, kHeight, caption);
  yt.decimals = 0;
  std::vector<double> integral;
  for (double v : yt.values) {
    if (v == std::floor(v)) integral.push_back(v);
  }
  yt.values = integral;
  YAxis(out, f, yt);
  XAxis(out, f, NiceTicks(x0, x1, 6), x_title);
  Put(out, "<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"start\">{}</text>\n", 6.0, f.top - 10.0,
      Escape(y_title));
  out += "<g class=\"bars\">\n";
  for (const HistogramBin* b : valid) {
    double a = f.X(b->lo);
    double c = f.X(b->hi);
    if (c - a < 3.0) {
      double mid = (a + c) / 2.0;
      a = mid - 1.5;
      c = mid + 1.5;
    } else {
      a += 0.5;
      c -= 0.5;
    }
    double y = f.Y(static_cast<double>(b->count));
    Put(out,
        "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>[{}, {}): "
        "{}</title></rect>\n",
        a, y, c - a, f.bottom() - y, kBarColor, Fixed(b->lo, 2), Fixed(b->hi, 2), b->count);
  }
  out += "</g>\n";
  std::vector<LegendItem> legend;
  for (const RefLine& r : shown_refs) {
    double x = f.X(r.value);
    Put(out,
        "<line class=\"ref\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n",
        x, f.top, f.bottom(), r.color);
    legend.push_back({Swatch::kDashed, r.color, r.label});
  }
  if (!legend.empty()) Legend(out, f.left + 40.0, 22.0, legend);
  SvgClose(out);
  out += "</figure>\n";
}

// p50 / p95 / p99 bars of signal-to-order and order-to-fill, each in its
// own panel with its own scale (they differ by orders of magnitude).
void LatencyChart(std::string& out, const ReportStats& stats) {
  out += "<figure class=\"chart-box\">\n";
  out += "<figcaption>Latency percentiles, engine time (ms)</figcaption>\n";
  constexpr int kHeight = 280;
  struct Group {
    std::string_view name;
    const Percentiles* p;
  };
  const Group groups[] = {{"signal \xE2\x86\x92 order", &stats.signal_to_order_ms},
                          {"order \xE2\x86\x92 fill", &stats.order_to_fill_ms}};
  if (stats.signal_to_order_ms.count == 0 && stats.order_to_fill_ms.count == 0) {
    NoDataSvg(out, kWideWidth, kHeight, "Latency percentiles", "no latency samples");
    out += "</figure>\n";
    return;
  }
  const std::string_view colors[] = {kP50Color, kP95Color, kP99Color};
  const std::string_view names[] = {"p50", "p95", "p99"};
  SvgOpen(out, kWideWidth, kHeight, "Latency percentiles");
  constexpr double kPanelWidth = 470.0;
  constexpr double kBarWidth = 64.0;
  for (std::size_t g = 0; g < 2; ++g) {
    const Percentiles& p = *groups[g].p;
    double left = 80.0 + static_cast<double>(g) * (kPanelWidth + 110.0);
    double vmax = 0.0;
    const double values[] = {p.p50, p.p95, p.p99};
    if (p.count > 0) {
      for (double v : values) {
        if (std::isfinite(v)) vmax = std::max(vmax, v);
      }
    }
    double ytop = vmax > 0.0 ? vmax * 1.15 : 1.0;
    Frame f{left, 52.0, kPanelWidth, kHeight - 52.0 - 44.0, 0.0, 1.0, 0.0, ytop};
    Put(out,
        "<text class=\"panel\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{} <tspan class=\"note\">(n = "
        "{})</tspan></text>\n",
        f.left + f.width / 2.0, 24.0, groups[g].name, Count(p.count));
    YAxis(out, f, NiceTicks(0.0, ytop, 4));
    Put(out, "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", f.left, f.bottom(),
        f.right(), f.bottom());
    Put(out, "<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">ms</text>\n", f.left - 6.0,
        f.top - 12.0);
    for (std::size_t k = 0; k < 3; ++k) {
      double center = f.left + f.width * (static_cast<double>(k) + 0.5) / 3.0;
      Put(out, "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", center,
          f.bottom() + 17.0, names[k]);
      if (p.count == 0) continue;
      double v = std::isfinite(values[k]) ? std::max(values[k], 0.0) : 0.0;
      double y = f.Y(v);
      Put(out,
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{} {}: "
          "{} ms</title></rect>\n",
          center - kBarWidth / 2.0, y, kBarWidth, f.bottom() - y, colors[k], groups[g].name, names[k], Ms(values[k]));
      Put(out, "<text class=\"value\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{} ms</text>\n", center, y - 5.0,
          Ms(values[k]));
    }
    if (p.count == 0) {
      Put(out, "<text class=\"nodata-why\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">no samples</text>\n",
          f.left + f.width / 2.0, f.top + f.height / 2.0);
    }
  }
  SvgClose(out);
  out += "</figure>\n";
}

// ---------------------------------------------------------------- tables

struct Row {
  std::string label;
  std::string value;  // already escaped / formatted
  std::string_view css = "";
};

void FigureTable(std::string& out, std::string_view title, const std::vector<Row>& rows) {
  Put(out, "<table class=\"figs\">\n<caption>{}</caption>\n<tbody>\n", Escape(title));
  for (const Row& row : rows) {
    if (row.css.empty()) {
      Put(out, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", Escape(row.label), row.value);
    } else {
      Put(out, "<tr><th scope=\"row\">{}</th><td class=\"{}\">{}</td></tr>\n", Escape(row.label), row.css, row.value);
    }
  }
  out += "</tbody>\n</table>\n";
}

std::string Trio(const Percentiles& p) {
  if (p.count == 0) return "-";
  return fmt::format("{} / {} / {} <span class=\"dim\">(n = {})</span>", Ms(p.p50), Ms(p.p95), Ms(p.p99),
                     Count(p.count));
}

std::string ReasonList(const std::vector<std::pair<std::string, std::uint64_t>>& reasons) {
  if (reasons.empty()) return "";
  std::string out = " <span class=\"dim\">(";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} {}", Escape(reasons[i].first), Count(reasons[i].second));
  }
  out += ")</span>";
  return out;
}

void KeyFigures(std::string& out, const RunRecord& record, const ReportStats& s) {
  out += "<section>\n<h2>Key figures</h2>\n<div class=\"fig-grid\">\n";
  FigureTable(
      out, "Performance",
      {
          {"Starting balance", Grouped(s.starting_balance, 2) + " USDT"},
          {"Final equity", Grouped(s.final_equity, 2) + " USDT"},
          {"Net PnL (after fees)", Grouped(s.net_pnl, 2) + " USDT", SignClass(s.net_pnl)},
          {"Return", PercentOf(s.return_pct, 3), SignClass(s.return_pct)},
          {"Gross PnL (before fees)", Grouped(s.gross_pnl, 2) + " USDT", SignClass(s.gross_pnl)},
          {"Fees", Grouped(s.fees, 2) + " USDT"},
          {"Sharpe (annualised)", Fixed(s.sharpe, 2)},
          {"Sortino (annualised)", Fixed(s.sortino, 2)},
          {"Equity returns", Count(s.equity_returns)},
          {"Max drawdown", fmt::format("{} USDT ({})", Grouped(s.max_drawdown, 2), PercentOf(s.max_drawdown_pct, 2))},
      });
  FigureTable(out, "Trades",
              {
                  {"Fills", Count(s.fills)},
                  {"Round trips", Count(s.round_trips)},
                  {"Win rate", Percent(s.win_rate, 1)},
                  {"Avg trade", Fixed(s.avg_trade_bps, 2) + " bps", SignClass(s.avg_trade_bps)},
                  {"Median trade", Fixed(s.median_trade_bps, 2) + " bps", SignClass(s.median_trade_bps)},
                  {"Profit factor", Fixed(s.profit_factor, 2)},
                  {"Exposure (time in a position)", PercentOf(s.exposure_pct, 1)},
                  {"Turnover", fmt::format("{} USDT ({}x)", Grouped(s.turnover, 2), Fixed(s.turnover_x, 2))},
              });
  FigureTable(
      out, "Execution",
      {
          {"Maker share (of filled qty)", Percent(s.maker_share, 1)},
          {"Maker fill rate", fmt::format("{} <span class=\"dim\">({} attempts)</span>", Percent(s.maker_fill_rate, 1),
                                          Count(s.maker_attempts))},
          {"Slippage mean / median / p95", fmt::format("{} / {} / {} bps", Fixed(s.slippage_mean_bps, 2),
                                                       Fixed(s.slippage_median_bps, 2), Fixed(s.slippage_p95_bps, 2))},
          {"Predicted - realised (taker)",
           fmt::format("{} bps <span class=\"dim\">(n = {})</span>", Fixed(s.predicted_minus_realised_bps, 2),
                       Count(s.taker_fills_predicted))},
          {"TTL p50 / p95 / p99 (ms)", Trio(s.ttl_ms)},
          {"Signal \xE2\x86\x92 order p50 / p95 / p99 (ms)", Trio(s.signal_to_order_ms)},
          {"Order \xE2\x86\x92 fill p50 / p95 / p99 (ms)", Trio(s.order_to_fill_ms)},
          {"Requests / child orders / reposts",
           fmt::format("{} / {} / {}", Count(s.requests), Count(s.child_orders), Count(s.reposts))},
      });
  std::uint64_t order_denied = 0;
  for (const auto& [reason, n] : s.order_denials) order_denied += n;
  FigureTable(out, "Signals, risk and run",
              {
                  {"Signals generated", Count(s.signals)},
                  {"Signals approved", Count(s.signals_approved)},
                  {"Signals denied", Count(s.signals_denied) + ReasonList(s.signal_denials)},
                  {"Orders denied", Count(order_denied) + ReasonList(s.order_denials)},
                  {"Risk state changes", Count(s.risk_state_changes)},
                  {"Final risk state", s.final_risk_state.empty() ? "-" : Escape(s.final_risk_state)},
                  {"Kill switch calls", Count(record.kill_switch_calls)},
                  {"Market events", Count(s.events)},
                  {"Simulated span", SpanText(Duration::Nanos(static_cast<std::int64_t>(
                                         std::isfinite(s.span_seconds) ? std::llround(s.span_seconds * 1e9) : -1)))},
              });
  out += "</div>\n</section>\n";
}

void DenialTable(std::string& out, std::string_view title,
                 const std::vector<std::pair<std::string, std::uint64_t>>& rows, std::string_view what) {
  std::uint64_t total = 0;
  for (const auto& [reason, n] : rows) total += n;
  Put(out, "<table class=\"list\">\n<caption>{}</caption>\n", Escape(title));
  out += "<thead><tr><th>Reason</th><th class=\"num\">Count</th><th class=\"num\">Share</th></tr></thead>\n<tbody>\n";
  if (rows.empty()) {
    Put(out, "<tr><td colspan=\"3\" class=\"empty\">no {} denied</td></tr>\n", what);
  }
  for (const auto& [reason, n] : rows) {
    Put(out, "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n", Escape(reason), Count(n),
        total > 0 ? Percent(static_cast<double>(n) / static_cast<double>(total), 1) : "-");
  }
  out += "</tbody>\n</table>\n";
}

void RiskTable(std::string& out, const RunRecord& record) {
  out += "<table class=\"list wide\">\n<caption>Risk state transitions</caption>\n";
  out += "<thead><tr><th>Time</th><th>Scope</th><th>From</th><th>To</th><th>Reason</th></tr></thead>\n<tbody>\n";
  if (record.risk_transitions.empty()) {
    out += "<tr><td colspan=\"5\" class=\"empty\">no risk state changes</td></tr>\n";
  }
  std::size_t shown = std::min(record.risk_transitions.size(), kMaxTableRows);
  for (std::size_t i = 0; i < shown; ++i) {
    const RiskTransitionRow& row = record.risk_transitions[i];
    Put(out, "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", DateTime(row.ts),
        Escape(row.scope), Escape(row.from), Escape(row.to), Escape(row.reason));
  }
  if (shown < record.risk_transitions.size()) {
    Put(out, "<tr><td colspan=\"5\" class=\"empty\">{} more not shown (see the run's CSV files)</td></tr>\n",
        record.risk_transitions.size() - shown);
  }
  out += "</tbody>\n</table>\n";
}

void Header(std::string& out, const RunRecord& record) {
  std::string name = record.name.empty() ? std::string("backtest") : record.name;
  Put(out, "<header>\n<h1>Backtest report: {}</h1>\n<dl class=\"meta\">\n", Escape(name));
  out += "<dt>Data</dt><dd>";
  if (record.data_files.empty()) out += "-";
  for (std::size_t i = 0; i < record.data_files.size(); ++i) {
    if (i > 0) out += "<br>";
    Put(out, "<span class=\"mono\">{}</span>", Escape(record.data_files[i]));
  }
  out += "</dd>\n";
  if (record.first_event.IsZero() && record.last_event.IsZero()) {
    out += "<dt>Span</dt><dd>-</dd>\n";
  } else {
    Put(out, "<dt>Span</dt><dd>{} &rarr; {} ({})</dd>\n", DateTime(record.first_event), DateTime(record.last_event),
        SpanText(record.last_event - record.first_event));
  }
  std::string instruments;
  for (const RunInstrument& instrument : record.instruments) {
    if (!instruments.empty()) instruments += ", ";
    instruments += Escape(instrument.symbol);
  }
  Put(out, "<dt>Instruments</dt><dd>{}</dd>\n", instruments.empty() ? "-" : instruments);
  Put(out, "<dt>Exec mode</dt><dd>{}</dd>\n", record.exec_mode.empty() ? "-" : Escape(record.exec_mode));
  if (!record.queue_model.empty()) Put(out, "<dt>Queue model</dt><dd>{}</dd>\n", Escape(record.queue_model));
  Put(out, "<dt>Seed</dt><dd class=\"mono\">{}</dd>\n", record.seed);
  if (!record.config_path.empty()) {
    Put(out, "<dt>Config</dt><dd class=\"mono\">{}</dd>\n", Escape(record.config_path));
  }
  out += "</dl>\n</header>\n";
}

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #1f2328;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
  font-size: 14px; line-height: 1.45; }
main { max-width: 1220px; margin: 0 auto; padding: 24px 28px 40px; }
header { background: #ffffff; border: 1px solid #d9dde3; border-radius: 8px; padding: 18px 22px; margin-bottom: 20px; }
h1 { font-size: 22px; margin: 0 0 10px; font-weight: 650; word-break: break-word; }
h2 { font-size: 17px; margin: 26px 0 10px; font-weight: 650; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
.meta dt { color: #5a6270; }
.meta dd { margin: 0; word-break: break-all; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.fig-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; align-items: start; }
table { border-collapse: collapse; background: #ffffff; border: 1px solid #d9dde3; border-radius: 8px; }
caption { text-align: left; font-weight: 650; padding: 0 0 6px 2px; }
table.figs { width: 100%; }
.figs th, .figs td, .list th, .list td { padding: 5px 12px; border-top: 1px solid #eceef1; vertical-align: baseline; }
.figs th { text-align: left; font-weight: normal; color: #4a5260; width: 52%; }
.figs td { text-align: right; font-variant-numeric: tabular-nums; }
.list th { text-align: left; background: #f0f2f5; font-weight: 600; }
.list td.num, .list th.num { text-align: right; font-variant-numeric: tabular-nums; }
.list { min-width: 420px; margin-bottom: 16px; }
.list.wide { width: 100%; }
.empty { color: #7a828e; font-style: italic; }
.dim { color: #7a828e; }
.pos { color: #1a7f37; }
.neg { color: #c62828; }
.tables { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure.chart-box { background: #ffffff; border: 1px solid #d9dde3; border-radius: 8px; margin: 0 0 16px; padding: 10px 10px 4px; }
figcaption { font-weight: 600; margin: 0 0 4px 4px; }
.chart-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.chart-grid { margin-bottom: 16px; }
.chart-grid figure.chart-box { margin: 0; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg .bg { fill: #ffffff; }
svg .frame { fill: #fafbfc; stroke: #d9dde3; }
svg .grid { stroke: #e8eaee; stroke-width: 1; }
svg .axis { stroke: #8a919c; stroke-width: 1; }
svg .tick { font-size: 12px; fill: #4a5260; }
svg .axis-title, svg .note { font-size: 12px; fill: #6a7280; }
svg .panel { font-size: 12px; fill: #6a7280; font-weight: 600; }
svg .legend-text { font-size: 12px; fill: #30363d; }
svg .value { font-size: 11.5px; fill: #30363d; }
svg .nodata { font-size: 20px; fill: #8a919c; font-weight: 600; }
svg .nodata-why { font-size: 13px; fill: #8a919c; }
footer { margin-top: 28px; color: #7a828e; font-size: 12px; }
)css";

}  // namespace

std::string RenderHtmlReport(const RunRecord& record, const ReportStats& stats) {
  std::string out;
  out.reserve(64 * 1024 + record.prices.size() * 16 + record.fills.size() * 300);
  std::string name = record.name.empty() ? std::string("backtest") : record.name;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:\">\n";
  Put(out, "<title>HEAN backtest: {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n", Escape(name), kStyle);
  Header(out, record);
  KeyFigures(out, record, stats);

  out += "<section>\n<h2>Price, entries and exits</h2>\n";
  PriceCharts(out, record);
  out += "</section>\n";

  out += "<section>\n<h2>Equity and drawdown</h2>\n";
  EquityChart(out, record, stats);
  out += "</section>\n";

  out += "<section>\n<h2>Execution</h2>\n<div class=\"chart-grid\">\n";
  HistogramChart(out, "Slippage vs arrival mid, per fill (bps; positive is worse)", "slippage (bps)", "fills",
                 stats.slippage_histogram,
                 {{stats.slippage_mean_bps, "#e08214", fmt::format("mean {}", Fixed(stats.slippage_mean_bps, 2))},
                  {stats.slippage_median_bps, "#542788", fmt::format("median {}", Fixed(stats.slippage_median_bps, 2))},
                  {stats.slippage_p95_bps, "#b2182b", fmt::format("p95 {}", Fixed(stats.slippage_p95_bps, 2))}},
                 "no fills with an arrival mid");
  std::vector<RefLine> ttl_refs;
  if (stats.ttl_ms.count > 0) {
    ttl_refs = {{stats.ttl_ms.p50, "#542788", fmt::format("p50 {}", Ms(stats.ttl_ms.p50))},
                {stats.ttl_ms.p95, "#e08214", fmt::format("p95 {}", Ms(stats.ttl_ms.p95))},
                {stats.ttl_ms.p99, "#b2182b", fmt::format("p99 {}", Ms(stats.ttl_ms.p99))}};
  }
  HistogramChart(out, "Maker order TTL distribution (ms)", "TTL (ms)", "orders", stats.ttl_histogram, ttl_refs,
                 "no maker orders");
  out += "</div>\n";
  LatencyChart(out, stats);
  out += "</section>\n";

  out += "<section>\n<h2>Signals and risk</h2>\n<div class=\"tables\">\n";
  DenialTable(out, "Signal denials", stats.signal_denials, "signals");
  DenialTable(out, "Order denials", stats.order_denials, "orders");
  out += "</div>\n";
  RiskTable(out, record);
  out += "</section>\n";

  out +=
      "<footer>Generated by HEAN from the run record; figures are defined in docs/REPORT.md. Times are simulated "
      "engine time, UTC.</footer>\n";
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace hean
