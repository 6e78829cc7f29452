// Small number helpers shared by the analytics sources (internal, not API).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "hean/core/decimal.h"

namespace hean::analytics_detail {

// `x` as printf's %g writes it, for config error messages.
inline std::string FormatDouble(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// A sum of raw fixed-point values (units of 1e-9) as a double in whole units.
inline double ToUnits(Int128 raw) noexcept { return static_cast<double>(raw) / static_cast<double>(kFixedScale); }

// floor(a / b) for b > 0.
inline std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

}  // namespace hean::analytics_detail
