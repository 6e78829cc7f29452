#include "hean/data/binance_capture.h"

#include <simdjson.h>

#include <charconv>
#include <string>

#include "hean/data/json_fields.h"
#include "hean/data/source.h"

namespace hean {

namespace sj = simdjson::ondemand;

struct BinanceCaptureParser::Impl {
  std::map<std::string, InstrumentId, std::less<>> symbols;
  InstrumentId snapshot_instrument;
  std::function<InstrumentId(std::string_view)> resolver;
  sj::parser parser;
  std::string padded;  // copy for lines without enough padding
  std::vector<BookLevel> bids;
  std::vector<BookLevel> asks;
};

namespace {

Status Bad(std::string_view what) { return InvalidArgumentError(std::string(what)); }

using json_fields::BadField;
using json_fields::GetDecimal;
using json_fields::GetU64;
using json_fields::ParseLevels;

Status GetPrice(sj::value v, std::string_view field, Price* out) { return GetDecimal(v, field, out); }
Status GetQty(sj::value v, std::string_view field, Qty* out) { return GetDecimal(v, field, out); }

}  // namespace

BinanceCaptureParser::BinanceCaptureParser(std::map<std::string, InstrumentId, std::less<>> symbols,
                                           InstrumentId snapshot_instrument)
    : impl_(std::make_unique<Impl>()) {
  impl_->symbols = std::move(symbols);
  impl_->snapshot_instrument = snapshot_instrument;
}

BinanceCaptureParser::~BinanceCaptureParser() = default;

void BinanceCaptureParser::SetResolver(std::function<InstrumentId(std::string_view)> resolver) {
  impl_->resolver = std::move(resolver);
}

Status BinanceCaptureParser::ParseLine(std::string_view line, std::size_t readable_after, std::vector<Event>& out) {
  Impl& m = *impl_;
  // Receive timestamp.
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0) return Bad("expected \"<receive ns> <json>\"");
  std::int64_t recv_ns = 0;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + sp, recv_ns);
  if (ec != std::errc() || ptr != line.data() + sp || recv_ns <= 0) {
    return Bad("receive timestamp \"" + std::string(line.substr(0, std::min<std::size_t>(sp, 32))) +
               "\" is not a positive integer");
  }
  const UnixNanos ts_recv = UnixNanos::FromNanos(recv_ns);
  std::string_view json = line.substr(sp + 1);
  sj::document doc;
  if (json_fields::Iterate(m.parser, json, readable_after, m.padded, doc)) return Bad("not JSON");
  sj::object root;
  if (doc.get_object().get(root)) return Bad("JSON is not an object");

  const std::size_t mark = out.size();
  auto fail = [&](Status s) {
    out.resize(mark);
    return s;
  };

  bool is_snapshot = false;
  std::uint64_t last_update_id = 0, e_time = 0, t_time = 0;
  sj::object data;
  bool have_data = false;
  bool have_bids = false, have_asks = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail(Bad("bad key"));
    if (key == "stream") continue;
    if (key == "data") {
      if (field.value().get_object().get(data)) return fail(BadField("data", "not an object"));
      have_data = true;
      break;
    }
    is_snapshot = true;
    if (key == "lastUpdateId") {
      if (Status s = GetU64(field.value(), key, &last_update_id); !s.ok()) return fail(s);
    } else if (key == "E") {
      if (Status s = GetU64(field.value(), key, &e_time); !s.ok()) return fail(s);
    } else if (key == "T") {
      if (Status s = GetU64(field.value(), key, &t_time); !s.ok()) return fail(s);
    } else if (key == "bids") {
      if (Status s = ParseLevels(field.value(), key, m.bids); !s.ok()) return fail(s);
      have_bids = true;
    } else if (key == "asks") {
      if (Status s = ParseLevels(field.value(), key, m.asks); !s.ok()) return fail(s);
      have_asks = true;
    }
  }

  if (is_snapshot) {
    if (last_update_id == 0) return fail(BadField("lastUpdateId", "missing"));
    // m.bids / m.asks still hold the previous message's levels when a side is absent.
    if (!have_bids || !have_asks) return fail(BadField(have_bids ? "asks" : "bids", "missing"));
    BookSnapshot snap;
    snap.ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(t_time != 0 ? t_time : e_time));
    snap.ts_recv = ts_recv;
    snap.instrument = m.snapshot_instrument;
    snap.update_id = last_update_id;
    snap.levels = json_fields::MakeLevels(m.bids, m.asks);
    out.emplace_back(std::move(snap));
    return Status::Ok();
  }
  if (!have_data) return fail(Bad("neither a stream message nor a depth snapshot"));

  // The stream message: "e" first, then its fields.
  std::string_view kind, symbol;
  std::uint64_t first_u = 0, u = 0, pu = 0, trade_id = 0;
  bool buyer_maker = false, have_m = false;
  Price p1 = Price::Undefined(), p2 = Price::Undefined();
  Qty q1, q2;
  bool have_b = false, have_a = false;
  for (auto field : data) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail(Bad("bad key in data"));
    sj::value v;
    if (field.value().get(v)) return fail(BadField(key, "bad value"));
    Status s;
    if (key == "e") {
      if (v.get_string().get(kind)) s = BadField(key, "not a string");
    } else if (key == "E") {
      s = GetU64(v, key, &e_time);
    } else if (key == "T") {
      s = GetU64(v, key, &t_time);
    } else if (key == "s") {
      if (v.get_string().get(symbol)) s = BadField(key, "not a string");
    } else if (kind == "depthUpdate") {
      if (key == "U") {
        s = GetU64(v, key, &first_u);
      } else if (key == "u") {
        s = GetU64(v, key, &u);
      } else if (key == "pu") {
        s = GetU64(v, key, &pu);
      } else if (key == "b") {
        s = ParseLevels(v, key, m.bids);
        have_b = true;
      } else if (key == "a") {
        s = ParseLevels(v, key, m.asks);
        have_a = true;
      }
    } else if (kind == "trade") {
      if (key == "t") {
        s = GetU64(v, key, &trade_id);
      } else if (key == "p") {
        s = GetPrice(v, key, &p1);
      } else if (key == "q") {
        s = GetQty(v, key, &q1);
      } else if (key == "m") {
        if (v.get_bool().get(buyer_maker)) s = BadField(key, "not a boolean");
        have_m = true;
      }
    } else if (kind == "bookTicker") {
      if (key == "u") {
        s = GetU64(v, key, &u);
      } else if (key == "b") {
        s = GetPrice(v, key, &p1);
        have_b = true;
      } else if (key == "B") {
        s = GetQty(v, key, &q1);
      } else if (key == "a") {
        s = GetPrice(v, key, &p2);
        have_a = true;
      } else if (key == "A") {
        s = GetQty(v, key, &q2);
      }
    } else if (kind.empty()) {
      s = Bad("data does not start with \"e\"");
    } else {
      s = Bad("unknown message type \"" + std::string(kind) + "\"");
    }
    if (!s.ok()) return fail(s);
  }

  auto it = m.symbols.find(symbol);
  if (it == m.symbols.end() && m.resolver && !symbol.empty()) {
    it = m.symbols.emplace(std::string(symbol), m.resolver(symbol)).first;
  }
  if (it == m.symbols.end()) {
    return fail(BadField("s", symbol.empty() ? "missing" : "unknown symbol \"" + std::string(symbol) + "\""));
  }
  const InstrumentId inst = it->second;
  const UnixNanos ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(t_time != 0 ? t_time : e_time));

  if (kind == "depthUpdate") {
    if (u == 0 || first_u == 0) return fail(BadField(u == 0 ? "u" : "U", "missing"));
    if (!have_b || !have_a) return fail(BadField(have_b ? "a" : "b", "missing"));
    BookDelta d;
    d.ts_event = ts_event;
    d.ts_recv = ts_recv;
    d.instrument = inst;
    d.update_id = u;
    d.first_update_id = first_u;
    d.prev_update_id = pu;
    json_fields::AppendLevelDeltas(d, m.bids, m.asks, out);
    return Status::Ok();
  }
  if (kind == "trade") {
    if (!p1.IsDefined() || !have_m || trade_id == 0) {
      return fail(BadField(!p1.IsDefined() ? "p" : (!have_m ? "m" : "t"), "missing"));
    }
    Trade t;
    t.ts_event = ts_event;
    t.ts_recv = ts_recv;
    t.instrument = inst;
    t.price = p1;
    t.qty = q1;
    t.aggressor = buyer_maker ? AggressorSide::kSeller : AggressorSide::kBuyer;
    char buf[24];
    auto [end, ec2] = std::to_chars(buf, buf + sizeof(buf), trade_id);
    (void)ec2;
    t.trade_id = TradeId::Of(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    out.emplace_back(t);
    return Status::Ok();
  }
  if (kind == "bookTicker") {
    if (!have_b || !have_a || u == 0) return fail(BadField(!have_b ? "b" : (!have_a ? "a" : "u"), "missing"));
    Quote q;
    q.ts_event = ts_event;
    q.ts_recv = ts_recv;
    q.instrument = inst;
    q.bid_price = p1;
    q.bid_qty = q1;
    q.ask_price = p2;
    q.ask_qty = q2;
    q.update_id = u;
    out.emplace_back(q);
    return Status::Ok();
  }
  return fail(Bad("unknown message type \"" + std::string(kind) + "\""));
}

}  // namespace hean
