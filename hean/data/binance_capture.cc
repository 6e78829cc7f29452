#include "hean/data/binance_capture.h"

#include <simdjson.h>

#include <charconv>
#include <string>

#include "hean/data/json_fields.h"
#include "hean/data/json_scan.h"
#include "hean/data/source.h"

namespace hean {

namespace sj = simdjson::ondemand;

namespace {

// What a stream message says, read by either parser.
struct StreamFields {
  std::string_view kind, symbol;
  std::uint64_t e_time = 0, t_time = 0, first_u = 0, u = 0, pu = 0, trade_id = 0;
  bool buyer_maker = false, have_m = false;
  Price p1 = Price::Undefined(), p2 = Price::Undefined();
  Qty q1, q2;
  bool have_b = false, have_a = false;
};

}  // namespace

struct BinanceCaptureParser::Impl {
  std::map<std::string, InstrumentId, std::less<>> symbols;
  InstrumentId snapshot_instrument;
  std::function<InstrumentId(std::string_view)> resolver;
  sj::parser parser;
  std::string padded;   // copy for lines without enough padding
  BookMessage message;  // ParseLine's buffer
  std::uint64_t scanned = 0;

  Status Slow(std::string_view json, std::size_t readable_after, UnixNanos ts_recv, BookMessage& book,
              bool* is_snapshot, StreamFields& f);
  Status Finish(const StreamFields& f, UnixNanos ts_recv, BookMessage& book, bool* is_book, std::vector<Event>& out);
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

namespace {

// Fast path for `{"stream":..,"data":{"e":..,...}}` lines (json_scan.h).
// False: not handled here (unusual layout or malformed): use simdjson.
bool ScanStream(std::string_view json, BookMessage& book, StreamFields& f) {
  json_scan::Scanner sc(json);
  if (!sc.Take('{')) return false;
  std::string_view key;
  if (!sc.Key(&key)) return false;
  if (key == "stream") {
    std::string_view stream;
    if (!sc.String(&stream) || !sc.Take(',') || !sc.Key(&key)) return false;
  }
  if (key != "data" || !sc.Take('{')) return false;
  do {
    if (!sc.Key(&key) || key.empty()) return false;
    bool ok = true;
    switch (key[0]) {
      case 'e':
        if (key.size() != 1) return false;
        ok = sc.String(&f.kind) && (f.kind == "depthUpdate" || f.kind == "trade" || f.kind == "bookTicker");
        break;
      case 'E': ok = key.size() == 1 && sc.U64(&f.e_time); break;
      case 'T': ok = key.size() == 1 && sc.U64(&f.t_time); break;
      case 's': ok = key.size() == 1 && sc.String(&f.symbol); break;
      default:
        if (f.kind.empty()) return false;  // "e" must come first
        if (f.kind[0] == 'd') {            // depthUpdate
          if (key == "b") {
            ok = sc.Levels(book.bids);
            f.have_b = true;
          } else if (key == "a") {
            ok = sc.Levels(book.asks);
            f.have_a = true;
          } else if (key == "u") {
            ok = sc.U64(&f.u);
          } else if (key == "U") {
            ok = sc.U64(&f.first_u);
          } else if (key == "pu") {
            ok = sc.U64(&f.pu);
          } else {
            ok = sc.SkipValue();
          }
        } else if (f.kind[0] == 'b') {  // bookTicker
          if (key == "u") {
            ok = sc.U64(&f.u);
          } else if (key == "b") {
            ok = sc.QuotedPrice(&f.p1);
            f.have_b = true;
          } else if (key == "B") {
            ok = sc.QuotedQty(&f.q1);
          } else if (key == "a") {
            ok = sc.QuotedPrice(&f.p2);
            f.have_a = true;
          } else if (key == "A") {
            ok = sc.QuotedQty(&f.q2);
          } else {
            ok = sc.SkipValue();
          }
        } else {  // trade
          if (key == "t") {
            ok = sc.U64(&f.trade_id);
          } else if (key == "p") {
            ok = sc.QuotedPrice(&f.p1);
          } else if (key == "q") {
            ok = sc.QuotedQty(&f.q1);
          } else if (key == "m") {
            ok = sc.Bool(&f.buyer_maker);
            f.have_m = true;
          } else {
            ok = sc.SkipValue();
          }
        }
    }
    if (!ok) return false;
  } while (sc.Take(','));
  return sc.Take('}') && sc.Take('}') && sc.AtEnd();
}

}  // namespace

Status BinanceCaptureParser::ParseLine(std::string_view line, std::size_t readable_after, std::vector<Event>& out) {
  bool is_book = false;
  Status s = ParseMessage(line, readable_after, impl_->message, &is_book, out);
  if (!s.ok() || !is_book) return s;
  AppendBookEvents(impl_->message, out);
  return Status::Ok();
}

std::uint64_t BinanceCaptureParser::scanned_lines() const noexcept { return impl_->scanned; }

Status BinanceCaptureParser::ParseMessage(std::string_view line, std::size_t readable_after, BookMessage& book,
                                          bool* is_book, std::vector<Event>& out) {
  Impl& m = *impl_;
  *is_book = false;
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

  StreamFields f;
  if (ScanStream(json, book, f)) {
    ++m.scanned;
  } else {
    f = StreamFields{};
    bool snapshot = false;
    if (Status s = m.Slow(json, readable_after, ts_recv, book, &snapshot, f); !s.ok() || snapshot) {
      *is_book = s.ok();
      return s;
    }
  }
  return m.Finish(f, ts_recv, book, is_book, out);
}

Status BinanceCaptureParser::Impl::Slow(std::string_view json, std::size_t readable_after, UnixNanos ts_recv,
                                        BookMessage& book, bool* is_snapshot, StreamFields& f) {
  sj::document doc;
  if (json_fields::Iterate(parser, json, readable_after, padded, doc)) return Bad("not JSON");
  sj::object root;
  if (doc.get_object().get(root)) return Bad("JSON is not an object");

  bool is_snap = false;
  std::uint64_t last_update_id = 0;
  sj::object data;
  bool have_data = false;
  bool have_bids = false, have_asks = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Bad("bad key");
    if (key == "stream") continue;
    if (key == "data") {
      if (field.value().get_object().get(data)) return BadField("data", "not an object");
      have_data = true;
      break;
    }
    is_snap = true;
    if (key == "lastUpdateId") {
      if (Status s = GetU64(field.value(), key, &last_update_id); !s.ok()) return s;
    } else if (key == "E") {
      if (Status s = GetU64(field.value(), key, &f.e_time); !s.ok()) return s;
    } else if (key == "T") {
      if (Status s = GetU64(field.value(), key, &f.t_time); !s.ok()) return s;
    } else if (key == "bids") {
      if (Status s = ParseLevels(field.value(), key, book.bids); !s.ok()) return s;
      have_bids = true;
    } else if (key == "asks") {
      if (Status s = ParseLevels(field.value(), key, book.asks); !s.ok()) return s;
      have_asks = true;
    }
  }

  if (is_snap) {
    if (last_update_id == 0) return BadField("lastUpdateId", "missing");
    if (!have_bids || !have_asks) return BadField(have_bids ? "asks" : "bids", "missing");
    book.snapshot = true;
    book.ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(f.t_time != 0 ? f.t_time : f.e_time));
    book.ts_recv = ts_recv;
    book.instrument = snapshot_instrument;
    book.update_id = last_update_id;
    book.first_update_id = book.prev_update_id = book.sequence = 0;
    *is_snapshot = true;
    return Status::Ok();
  }
  if (!have_data) return Bad("neither a stream message nor a depth snapshot");

  // The stream message: "e" first, then its fields.
  for (auto field : data) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Bad("bad key in data");
    sj::value v;
    if (field.value().get(v)) return BadField(key, "bad value");
    Status s;
    if (key == "e") {
      if (v.get_string().get(f.kind)) s = BadField(key, "not a string");
    } else if (key == "E") {
      s = GetU64(v, key, &f.e_time);
    } else if (key == "T") {
      s = GetU64(v, key, &f.t_time);
    } else if (key == "s") {
      if (v.get_string().get(f.symbol)) s = BadField(key, "not a string");
    } else if (f.kind == "depthUpdate") {
      if (key == "U") {
        s = GetU64(v, key, &f.first_u);
      } else if (key == "u") {
        s = GetU64(v, key, &f.u);
      } else if (key == "pu") {
        s = GetU64(v, key, &f.pu);
      } else if (key == "b") {
        s = ParseLevels(v, key, book.bids);
        f.have_b = true;
      } else if (key == "a") {
        s = ParseLevels(v, key, book.asks);
        f.have_a = true;
      }
    } else if (f.kind == "trade") {
      if (key == "t") {
        s = GetU64(v, key, &f.trade_id);
      } else if (key == "p") {
        s = GetPrice(v, key, &f.p1);
      } else if (key == "q") {
        s = GetQty(v, key, &f.q1);
      } else if (key == "m") {
        if (v.get_bool().get(f.buyer_maker)) s = BadField(key, "not a boolean");
        f.have_m = true;
      }
    } else if (f.kind == "bookTicker") {
      if (key == "u") {
        s = GetU64(v, key, &f.u);
      } else if (key == "b") {
        s = GetPrice(v, key, &f.p1);
        f.have_b = true;
      } else if (key == "B") {
        s = GetQty(v, key, &f.q1);
      } else if (key == "a") {
        s = GetPrice(v, key, &f.p2);
        f.have_a = true;
      } else if (key == "A") {
        s = GetQty(v, key, &f.q2);
      }
    } else if (f.kind.empty()) {
      s = Bad("data does not start with \"e\"");
    } else {
      s = Bad("unknown message type \"" + std::string(f.kind) + "\"");
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status BinanceCaptureParser::Impl::Finish(const StreamFields& f, UnixNanos ts_recv, BookMessage& book, bool* is_book,
                                          std::vector<Event>& out) {
  auto it = symbols.find(f.symbol);
  if (it == symbols.end() && resolver && !f.symbol.empty()) {
    it = symbols.emplace(std::string(f.symbol), resolver(f.symbol)).first;
  }
  if (it == symbols.end()) {
    return BadField("s", f.symbol.empty() ? "missing" : "unknown symbol \"" + std::string(f.symbol) + "\"");
  }
  const InstrumentId inst = it->second;
  const UnixNanos ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(f.t_time != 0 ? f.t_time : f.e_time));

  if (f.kind == "depthUpdate") {
    if (f.u == 0 || f.first_u == 0) return BadField(f.u == 0 ? "u" : "U", "missing");
    if (!f.have_b || !f.have_a) return BadField(f.have_b ? "a" : "b", "missing");
    book.snapshot = false;
    book.ts_event = ts_event;
    book.ts_recv = ts_recv;
    book.instrument = inst;
    book.update_id = f.u;
    book.first_update_id = f.first_u;
    book.prev_update_id = f.pu;
    book.sequence = 0;
    *is_book = true;
    return Status::Ok();
  }
  if (f.kind == "trade") {
    if (!f.p1.IsDefined() || !f.have_m || f.trade_id == 0) {
      return BadField(!f.p1.IsDefined() ? "p" : (!f.have_m ? "m" : "t"), "missing");
    }
    Trade t;
    t.ts_event = ts_event;
    t.ts_recv = ts_recv;
    t.instrument = inst;
    t.price = f.p1;
    t.qty = f.q1;
    t.aggressor = f.buyer_maker ? AggressorSide::kSeller : AggressorSide::kBuyer;
    char buf[24];
    auto [end, ec2] = std::to_chars(buf, buf + sizeof(buf), f.trade_id);
    (void)ec2;
    t.trade_id = TradeId::Of(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    out.emplace_back(t);
    return Status::Ok();
  }
  if (f.kind == "bookTicker") {
    if (!f.have_b || !f.have_a || f.u == 0) return BadField(!f.have_b ? "b" : (!f.have_a ? "a" : "u"), "missing");
    Quote q;
    q.ts_event = ts_event;
    q.ts_recv = ts_recv;
    q.instrument = inst;
    q.bid_price = f.p1;
    q.bid_qty = f.q1;
    q.ask_price = f.p2;
    q.ask_qty = f.q2;
    q.update_id = f.u;
    out.emplace_back(q);
    return Status::Ok();
  }
  return Bad("unknown message type \"" + std::string(f.kind) + "\"");
}

}  // namespace hean
