// Field readers shared by the JSON parsers of hean/data (simdjson
// on-demand). Internal: include only from .cc files, it pulls in simdjson.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/status.h"
#include "hean/data/source.h"
#include "hean/model/events.h"

namespace hean::json_fields {

namespace sj = simdjson::ondemand;

inline Status BadField(std::string_view field, std::string_view why) {
  std::string m("field \"");
  m.append(field).append("\": ").append(why);
  return InvalidArgumentError(std::move(m));
}

// A decimal sent as a JSON string ("63943.90") into Price or Qty.
template <class T>
Status GetDecimal(sj::value v, std::string_view field, T* out) {
  std::string_view s;
  if (v.get_string().get(s)) return BadField(field, "not a string");
  auto r = T::Parse(s);
  if (!r.ok()) return DecimalFieldError(r.error(), field, s);
  *out = *r;
  return Status::Ok();
}

// An unsigned integer; with `allow_string`, also one sent as a string
// (Bybit's REST times: "start": "1672324800000").
inline Status GetU64(sj::value v, std::string_view field, std::uint64_t* out, bool allow_string = false) {
  if (!v.get_uint64().get(*out)) return Status::Ok();
  std::string_view s;
  if (!allow_string || v.get_string().get(s)) return BadField(field, "not an unsigned integer");
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec != std::errc() || p != s.data() + s.size()) return BadField(field, "not an unsigned integer");
  return Status::Ok();
}

inline Status GetString(sj::value v, std::string_view field, std::string_view* out) {
  if (v.get_string().get(*out)) return BadField(field, "not a string");
  return Status::Ok();
}

// [[price, qty], ...] into `out` (cleared first).
inline Status ParseLevels(sj::value v, std::string_view field, std::vector<BookLevel>& out) {
  out.clear();
  sj::array arr;
  if (v.get_array().get(arr)) return BadField(field, "not an array");
  for (auto item : arr) {
    sj::array pair;
    if (item.get_array().get(pair)) return BadField(field, "level is not an array");
    std::string_view ps, qs;
    auto it = pair.begin();
    if (it == pair.end() || (*it).get_string().get(ps)) return BadField(field, "level price is not a string");
    ++it;
    if (it == pair.end() || (*it).get_string().get(qs)) return BadField(field, "level qty is not a string");
    auto p = Price::Parse(ps);
    if (!p.ok()) return DecimalFieldError(p.error(), std::string(field).append(" price"), ps);
    auto q = Qty::Parse(qs);
    if (!q.ok()) return DecimalFieldError(q.error(), std::string(field).append(" qty"), qs);
    out.push_back(BookLevel{*p, *q});
  }
  return Status::Ok();
}

// Starts an on-demand parse of `json`: in place when at least
// SIMDJSON_PADDING bytes after it may be read, otherwise from a padded copy
// in `scratch` (which must outlive `doc`).
inline simdjson::error_code Iterate(sj::parser& parser, std::string_view json, std::size_t readable_after,
                                    std::string& scratch, sj::document& doc) {
  std::size_t capacity = json.size() + readable_after;
  if (readable_after < simdjson::SIMDJSON_PADDING) {
    scratch.assign(json);
    scratch.resize(json.size() + simdjson::SIMDJSON_PADDING, '\0');
    json = std::string_view(scratch.data(), json.size());
    capacity = scratch.size();
  }
  return parser.iterate(json.data(), json.size(), capacity).get(doc);
}

// Both sides of a snapshot, shared and immutable.
inline std::shared_ptr<const BookLevels> MakeLevels(const std::vector<BookLevel>& bids,
                                                    const std::vector<BookLevel>& asks) {
  auto levels = std::make_shared<BookLevels>();
  levels->bids = bids;
  levels->asks = asks;
  return levels;
}

}  // namespace hean::json_fields
