#include "hean/data/bybit_json.h"

#include <simdjson.h>

#include <charconv>
#include <string>
#include <unordered_map>
#include <variant>

#include "hean/data/json_fields.h"
#include "hean/data/json_scan.h"
#include "hean/data/source.h"

namespace hean {

namespace sj = simdjson::ondemand;

namespace {

struct QuoteState {
  Price bid = Price::Undefined();
  Qty bid_qty;
  Price ask = Price::Undefined();
  Qty ask_qty;
};

Status Bad(std::string what) { return InvalidArgumentError(std::move(what)); }
// Joins without operator+ chains (GCC 12 warns falsely on those).
std::string Quoted(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r.push_back('"');
  r.append(s);
  r.push_back('"');
  return r;
}
using json_fields::BadField;
using json_fields::GetDecimal;
using json_fields::GetString;
using json_fields::ParseLevels;
// Bybit sends some times as strings in REST responses.
Status GetU64(sj::value v, std::string_view field, std::uint64_t* out) {
  return json_fields::GetU64(v, field, out, /*allow_string=*/true);
}

UnixNanos Ms(std::uint64_t ms) { return UnixNanos::FromMillis(static_cast<std::int64_t>(ms)); }

// What an order-book message says besides its levels, read by either parser.
struct BookFields {
  std::string_view topic, type, symbol;
  std::uint64_t ts = 0, cts = 0, u = 0, seq = 0;
  bool have_b = false, have_a = false;
  bool has_recv = false;
  UnixNanos ts_recv;
};

// Fast path for websocket order-book messages in Bybit's layout
// ({"topic":"orderbook..","type":..,"ts":..,"data":{"s","b","a","u","seq"},"cts":..}),
// keys in any order (json_scan.h). False: not handled here (another topic,
// another layout, or malformed): use simdjson.
bool ScanBook(std::string_view json, BookMessage& book, BookFields& f) {
  json_scan::Scanner sc(json);
  if (!sc.Take('{')) return false;
  std::string_view key;
  do {
    if (!sc.Key(&key)) return false;
    bool ok;
    if (key == "topic") {
      ok = sc.String(&f.topic) && f.topic.starts_with("orderbook.");
    } else if (key == "type") {
      ok = sc.String(&f.type);
    } else if (key == "ts") {
      ok = sc.U64(&f.ts);
    } else if (key == "cts") {
      ok = sc.U64(&f.cts);
    } else if (key == "data" && !f.topic.empty()) {
      ok = sc.Take('{');
      if (ok && !sc.Take('}')) {
        do {
          if (!sc.Key(&key)) return false;
          if (key == "b") {
            ok = sc.Levels(book.bids);
            f.have_b = true;
          } else if (key == "a") {
            ok = sc.Levels(book.asks);
            f.have_a = true;
          } else if (key == "u") {
            ok = sc.U64(&f.u);
          } else if (key == "seq") {
            ok = sc.U64(&f.seq);
          } else if (key == "s") {
            ok = sc.String(&f.symbol);
          } else {
            ok = false;
          }
          if (!ok) return false;
        } while (sc.Take(','));
        ok = sc.Take('}');
      }
    } else {
      ok = false;
    }
    if (!ok) return false;
  } while (sc.Take(','));
  return sc.Take('}') && sc.AtEnd() && f.have_b && f.have_a;
}

}  // namespace

struct BybitJsonParser::Impl {
  DataInstruments* instruments;
  sj::parser parser;
  std::string padded;
  std::vector<BookLevel> bids, asks;  // REST order books
  BookMessage message;                // ParseLine's buffer
  std::uint64_t scanned = 0;
  // Topic -> instrument cache for the common case of one topic per file.
  std::string last_symbol;
  InstrumentId last_id;
  bool have_last = false;
  std::unordered_map<std::uint32_t, QuoteState> quotes;

  InstrumentId Resolve(std::string_view symbol) {
    if (have_last && symbol == last_symbol) return last_id;
    last_id = instruments->Intern(Venue::kBybit, symbol);
    last_symbol.assign(symbol);
    have_last = true;
    return last_id;
  }

  Status Trades(sj::value data, UnixNanos ts_recv, bool has_recv, std::vector<Event>& out);
  Status Ticker(sj::value data, std::string_view topic_symbol, std::uint64_t ts, UnixNanos ts_recv, bool has_recv,
                std::vector<Event>& out);
  Status Kline(sj::value data, std::string_view topic_symbol, UnixNanos ts_recv, bool has_recv,
               std::vector<Event>& out);
  Status Rest(sj::value result, UnixNanos ts_recv, bool has_recv, std::vector<Event>& out, bool* market);
  Status FinishBook(const BookFields& f, BookMessage& book);
};

// The checks and ids shared by both parsers of order-book messages; the
// levels are already in `book`.
Status BybitJsonParser::Impl::FinishBook(const BookFields& f, BookMessage& book) {
  if (f.ts == 0) return BadField("ts", "missing");
  if (f.u == 0) return BadField("u", "missing");
  if (!f.have_b || !f.have_a) return BadField(!f.have_b ? "b" : "a", "missing");
  book.snapshot = f.type == "snapshot" || f.u == 1;
  if (!book.snapshot && f.type != "delta") return BadField("type", Quoted(f.type).append(" is not snapshot or delta"));
  const std::string_view symbol = f.symbol.empty() ? f.topic.substr(f.topic.rfind('.') + 1) : f.symbol;
  book.instrument = Resolve(symbol);
  book.ts_event = Ms(f.cts != 0 ? f.cts : f.ts);
  book.ts_recv = f.has_recv ? f.ts_recv : Ms(f.ts);
  book.update_id = f.u;
  book.sequence = f.seq;
  book.first_update_id = book.prev_update_id = 0;
  return Status::Ok();
}

BybitJsonParser::BybitJsonParser(DataInstruments* instruments) : impl_(std::make_unique<Impl>()) {
  impl_->instruments = instruments;
}
BybitJsonParser::~BybitJsonParser() = default;

Status BybitJsonParser::Impl::Trades(sj::value data, UnixNanos ts_recv, bool has_recv, std::vector<Event>& out) {
  sj::array arr;
  if (data.get_array().get(arr)) return BadField("data", "not an array");
  for (auto item : arr) {
    sj::object o;
    if (item.get_object().get(o)) return BadField("data", "trade is not an object");
    Trade t;
    std::uint64_t time = 0;
    std::string_view symbol, side, id;
    bool have_p = false, have_v = false;
    for (auto f : o) {
      std::string_view key;
      if (f.unescaped_key().get(key)) return Bad("bad key in trade");
      sj::value v;
      if (f.value().get(v)) return BadField(key, "bad value");
      Status s;
      if (key == "T") {
        s = GetU64(v, key, &time);
      } else if (key == "s") {
        s = GetString(v, key, &symbol);
      } else if (key == "S") {
        s = GetString(v, key, &side);
      } else if (key == "v") {
        s = GetDecimal(v, key, &t.qty);
        have_v = true;
      } else if (key == "p") {
        s = GetDecimal(v, key, &t.price);
        have_p = true;
      } else if (key == "i") {
        s = GetString(v, key, &id);
      }
      if (!s.ok()) return s;
    }
    if (symbol.empty()) return BadField("s", "missing");
    if (!have_p || !have_v || time == 0) return BadField(!have_p ? "p" : (!have_v ? "v" : "T"), "missing");
    if (side == "Buy") {
      t.aggressor = AggressorSide::kBuyer;
    } else if (side == "Sell") {
      t.aggressor = AggressorSide::kSeller;
    } else {
      return BadField("S", Quoted(side).append(" is not Buy or Sell"));
    }
    if (id.size() > TradeId::kCapacity)
      return BadField("i", "trade id longer than " + std::to_string(TradeId::kCapacity));
    t.trade_id = TradeId::Of(id);
    t.instrument = Resolve(symbol);
    t.ts_event = Ms(time);
    t.ts_recv = has_recv ? ts_recv : t.ts_event;
    out.emplace_back(t);
  }
  return Status::Ok();
}

Status BybitJsonParser::Impl::Ticker(sj::value data, std::string_view topic_symbol, std::uint64_t ts, UnixNanos ts_recv,
                                     bool has_recv, std::vector<Event>& out) {
  sj::object o;
  if (data.get_object().get(o)) return BadField("data", "not an object");
  std::string_view symbol = topic_symbol;
  Price bid = Price::Undefined(), ask = Price::Undefined();
  Qty bid_qty = Qty::Undefined(), ask_qty = Qty::Undefined();
  for (auto f : o) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return Bad("bad key in ticker");
    sj::value v;
    if (f.value().get(v)) return BadField(key, "bad value");
    Status s;
    if (key == "symbol") {
      s = GetString(v, key, &symbol);
    } else if (key == "bid1Price" || key == "bidPrice") {
      s = GetDecimal(v, key, &bid);
    } else if (key == "bid1Size" || key == "bidSize") {
      s = GetDecimal(v, key, &bid_qty);
    } else if (key == "ask1Price" || key == "askPrice") {
      s = GetDecimal(v, key, &ask);
    } else if (key == "ask1Size" || key == "askSize") {
      s = GetDecimal(v, key, &ask_qty);
    }
    if (!s.ok()) return s;
  }
  if (symbol.empty()) return BadField("symbol", "missing");
  if (!bid.IsDefined() && !ask.IsDefined() && !bid_qty.IsDefined() && !ask_qty.IsDefined()) {
    return Status::Ok();  // a ticker delta without best bid/ask changes
  }
  const InstrumentId id = Resolve(symbol);
  QuoteState& q = quotes[id.value];
  if (bid.IsDefined()) q.bid = bid;
  if (bid_qty.IsDefined()) q.bid_qty = bid_qty;
  if (ask.IsDefined()) q.ask = ask;
  if (ask_qty.IsDefined()) q.ask_qty = ask_qty;
  Quote quote;
  quote.ts_event = Ms(ts);
  quote.ts_recv = has_recv ? ts_recv : quote.ts_event;
  quote.instrument = id;
  // Bybit writes "0" for an empty side (e.g. an option without bids).
  quote.bid_price = q.bid.IsDefined() && q.bid.IsPositive() ? q.bid : Price::Undefined();
  quote.bid_qty = q.bid_qty;
  quote.ask_price = q.ask.IsDefined() && q.ask.IsPositive() ? q.ask : Price::Undefined();
  quote.ask_qty = q.ask_qty;
  out.emplace_back(quote);
  return Status::Ok();
}

Status BybitJsonParser::Impl::Kline(sj::value data, std::string_view topic_symbol, UnixNanos ts_recv, bool has_recv,
                                    std::vector<Event>& out) {
  sj::array arr;
  if (data.get_array().get(arr)) return BadField("data", "not an array");
  const InstrumentId id = Resolve(topic_symbol);
  for (auto item : arr) {
    sj::object o;
    if (item.get_object().get(o)) return BadField("data", "kline is not an object");
    Bar b;
    std::uint64_t start = 0, end = 0;
    bool confirm = false;
    for (auto f : o) {
      std::string_view key;
      if (f.unescaped_key().get(key)) return Bad("bad key in kline");
      sj::value v;
      if (f.value().get(v)) return BadField(key, "bad value");
      Status s;
      if (key == "start") {
        s = GetU64(v, key, &start);
      } else if (key == "end") {
        s = GetU64(v, key, &end);
      } else if (key == "open") {
        s = GetDecimal(v, key, &b.open);
      } else if (key == "high") {
        s = GetDecimal(v, key, &b.high);
      } else if (key == "low") {
        s = GetDecimal(v, key, &b.low);
      } else if (key == "close") {
        s = GetDecimal(v, key, &b.close);
      } else if (key == "volume") {
        s = GetDecimal(v, key, &b.volume);
      } else if (key == "confirm") {
        if (v.get_bool().get(confirm)) s = BadField(key, "not a boolean");
      }
      if (!s.ok()) return s;
    }
    if (end <= start) return BadField("end", "not after start");
    if (!confirm) continue;
    b.instrument = id;
    b.open_time = Ms(start);
    b.interval = Duration::Millis(static_cast<std::int64_t>(end + 1 - start));
    b.ts_event = Ms(end + 1);
    b.ts_recv = has_recv ? ts_recv : b.ts_event;
    out.emplace_back(b);
  }
  return Status::Ok();
}

// REST market responses: {"retCode":0,"retMsg":"OK","result":{...},"time":ms}
// with result an order book ({"s","b","a","ts","u","seq","cts"}), recent
// trades or tickers ({"category","list":[{..}]}), or klines
// ({"symbol","category","list":[[start,open,high,low,close,volume,turnover],..]},
// newest first; the interval is the step between starts). Events that need
// the response's "time" (tickers) get it after the whole message is read.
Status BybitJsonParser::Impl::Rest(sj::value result, UnixNanos ts_recv, bool has_recv, std::vector<Event>& out,
                                   bool* market) {
  sj::object o;
  if (result.get_object().get(o)) return BadField("result", "not an object");
  std::string_view symbol;
  std::uint64_t ts = 0, cts = 0, u = 0, seq = 0;
  bool have_b = false, have_a = false;
  struct KlineRow {
    std::uint64_t start;
    Price open, high, low, close;
    Qty volume;
  };
  std::vector<KlineRow> klines;
  bool saw_market_entry = false;
  for (auto f : o) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return Bad("not JSON: bad key in result");
    sj::value v;
    if (f.value().get(v)) return BadField(key, "bad value");
    Status st;
    if (key == "s" || key == "symbol") {
      st = GetString(v, key, &symbol);
    } else if (key == "b") {
      st = ParseLevels(v, key, bids);
      have_b = true;
    } else if (key == "a") {
      st = ParseLevels(v, key, asks);
      have_a = true;
    } else if (key == "ts") {
      st = GetU64(v, key, &ts);
    } else if (key == "cts") {
      st = GetU64(v, key, &cts);
    } else if (key == "u") {
      st = GetU64(v, key, &u);
    } else if (key == "seq") {
      st = GetU64(v, key, &seq);
    } else if (key == "list") {
      sj::array arr;
      if (v.get_array().get(arr)) return BadField("list", "not an array");
      for (auto item : arr) {
        sj::value iv;
        if (item.get(iv)) return BadField("list", "bad entry");
        sj::json_type t;
        if (iv.type().get(t)) return BadField("list", "bad entry");
        if (t == sj::json_type::array) {
          // kline row
          KlineRow k{};
          sj::array row = iv.get_array();
          int col = 0;
          for (auto cell : row) {
            sj::value cv;
            if (cell.get(cv)) return BadField("list", "bad kline cell");
            Status cs;
            switch (col) {
              case 0: cs = GetU64(cv, "start", &k.start); break;
              case 1: cs = GetDecimal(cv, "open", &k.open); break;
              case 2: cs = GetDecimal(cv, "high", &k.high); break;
              case 3: cs = GetDecimal(cv, "low", &k.low); break;
              case 4: cs = GetDecimal(cv, "close", &k.close); break;
              case 5: cs = GetDecimal(cv, "volume", &k.volume); break;
              default: break;
            }
            if (!cs.ok()) return cs;
            ++col;
          }
          if (col < 6) return BadField("list", "kline row with fewer than 6 columns");
          klines.push_back(k);
          continue;
        }
        sj::object e;
        if (iv.get_object().get(e)) return BadField("list", "entry is neither an object nor an array");
        // A trade ("execId") or a ticker ("lastPrice"/"bid1Price").
        Trade tr;
        std::string_view esym, side, id;
        std::uint64_t time = 0;
        Price bid = Price::Undefined(), ask = Price::Undefined();
        Qty bid_qty, ask_qty;
        bool is_trade = false, is_ticker = false, is_private = false;
        for (auto ef : e) {
          std::string_view k;
          if (ef.unescaped_key().get(k)) return Bad("not JSON: bad key in list");
          sj::value ev;
          if (ef.value().get(ev)) return BadField(k, "bad value");
          Status es;
          if (k == "execId") {
            es = GetString(ev, k, &id);
            is_trade = true;
          } else if (k == "symbol") {
            es = GetString(ev, k, &esym);
          } else if (k == "price") {
            es = GetDecimal(ev, k, &tr.price);
          } else if (k == "size") {
            es = GetDecimal(ev, k, &tr.qty);
          } else if (k == "side") {
            es = GetString(ev, k, &side);
          } else if (k == "time") {
            es = GetU64(ev, k, &time);
          } else if (k == "bid1Price") {
            es = GetDecimal(ev, k, &bid);
            is_ticker = true;
          } else if (k == "bid1Size") {
            es = GetDecimal(ev, k, &bid_qty);
          } else if (k == "ask1Price") {
            es = GetDecimal(ev, k, &ask);
            is_ticker = true;
          } else if (k == "ask1Size") {
            es = GetDecimal(ev, k, &ask_qty);
          } else if (k == "lastPrice") {
            is_ticker = true;
          } else if (k == "orderId") {
            is_private = true;  // the account's own executions or orders
          }
          if (!es.ok()) return es;
        }
        if (is_private || (!is_trade && !is_ticker)) {
          *market = false;  // e.g. wallet balances, orders: not market data
          return Status::Ok();
        }
        saw_market_entry = true;
        if (esym.empty()) return BadField("symbol", "missing");
        if (is_trade) {
          if (side == "Buy") {
            tr.aggressor = AggressorSide::kBuyer;
          } else if (side == "Sell") {
            tr.aggressor = AggressorSide::kSeller;
          } else {
            return BadField("side", Quoted(side).append(" is not Buy or Sell"));
          }
          if (!tr.price.IsDefined() || time == 0) return BadField(!tr.price.IsDefined() ? "price" : "time", "missing");
          if (id.size() > TradeId::kCapacity) return BadField("execId", "too long");
          tr.trade_id = TradeId::Of(id);
          tr.instrument = Resolve(esym);
          tr.ts_event = Ms(time);
          tr.ts_recv = has_recv ? ts_recv : tr.ts_event;
          out.emplace_back(tr);
        } else if (is_ticker) {
          if (!bid.IsDefined() && !ask.IsDefined()) continue;  // no best bid / ask (e.g. spot)
          Quote q;
          q.instrument = Resolve(esym);
          q.bid_price = bid.IsDefined() && bid.IsPositive() ? bid : Price::Undefined();
          q.bid_qty = bid_qty;
          q.ask_price = ask.IsDefined() && ask.IsPositive() ? ask : Price::Undefined();
          q.ask_qty = ask_qty;
          q.ts_recv = ts_recv;  // times filled in by the caller from "time"
          out.emplace_back(q);
        }
      }
    }
    if (!st.ok()) return st;
  }
  if (have_b && have_a) {
    if (symbol.empty()) return BadField("s", "missing");
    BookSnapshot snap;
    snap.ts_event = Ms(cts != 0 ? cts : ts);
    snap.ts_recv = has_recv ? ts_recv : Ms(ts);
    snap.instrument = Resolve(symbol);
    snap.update_id = u;
    snap.sequence = seq;
    snap.levels = json_fields::MakeLevels(bids, asks);
    out.emplace_back(std::move(snap));
    *market = true;
    return Status::Ok();
  }
  if (!klines.empty()) {
    if (symbol.empty()) return BadField("symbol", "missing");
    if (klines.size() < 2) return BadField("list", "one kline: the interval cannot be told");
    const std::uint64_t step =
        klines[0].start > klines[1].start ? klines[0].start - klines[1].start : klines[1].start - klines[0].start;
    if (step == 0) return BadField("list", "two klines with the same start");
    const InstrumentId id = Resolve(symbol);
    // Oldest first; the newest row may be a candle still open.
    const bool newest_first = klines[0].start > klines[1].start;
    for (std::size_t i = 0; i < klines.size(); ++i) {
      const KlineRow& k = klines[newest_first ? klines.size() - 1 - i : i];
      Bar b;
      b.instrument = id;
      b.open_time = Ms(k.start);
      b.interval = Duration::Millis(static_cast<std::int64_t>(step));
      b.ts_event = Ms(k.start + step);
      b.ts_recv = has_recv ? ts_recv : b.ts_event;
      b.open = k.open;
      b.high = k.high;
      b.low = k.low;
      b.close = k.close;
      b.volume = k.volume;
      out.emplace_back(b);
    }
    *market = true;
    return Status::Ok();
  }
  *market = saw_market_entry;
  return Status::Ok();
}

Status BybitJsonParser::ParseLine(std::string_view line, std::size_t readable_after, std::vector<Event>& out) {
  bool is_book = false;
  Status s = ParseMessage(line, readable_after, impl_->message, &is_book, out);
  if (!s.ok() || !is_book) return s;
  AppendBookEvents(impl_->message, out);
  return Status::Ok();
}

std::uint64_t BybitJsonParser::scanned_lines() const noexcept { return impl_->scanned; }

Status BybitJsonParser::ParseMessage(std::string_view line, std::size_t readable_after, BookMessage& book,
                                     bool* is_book, std::vector<Event>& out) {
  Impl& m = *impl_;
  *is_book = false;
  bool has_recv = false;
  UnixNanos ts_recv;
  std::string_view json = line;
  if (!line.empty() && line[0] >= '0' && line[0] <= '9') {
    const std::size_t sp = line.find(' ');
    std::int64_t recv_ns = 0;
    auto [ptr, ec] =
        std::from_chars(line.data(), line.data() + (sp == std::string_view::npos ? line.size() : sp), recv_ns);
    if (sp == std::string_view::npos || ec != std::errc() || ptr != line.data() + sp || recv_ns <= 0) {
      return Bad("receive time: expected \"<receive ns> <json>\"");
    }
    ts_recv = UnixNanos::FromNanos(recv_ns);
    has_recv = true;
    json = line.substr(sp + 1);
  }
  BookFields bf;
  if (ScanBook(json, book, bf)) {
    ++m.scanned;
    *is_book = true;
    bf.has_recv = has_recv;
    bf.ts_recv = ts_recv;
    return m.FinishBook(bf, book);
  }
  bf = BookFields{};
  bf.has_recv = has_recv;
  bf.ts_recv = ts_recv;
  sj::document doc;
  if (json_fields::Iterate(m.parser, json, readable_after, m.padded, doc)) return Bad("not JSON");
  sj::object root;
  if (doc.get_object().get(root)) return Bad("not JSON: not an object");

  const std::size_t mark = out.size();
  auto fail = [&](Status s) {
    out.resize(mark);
    return s;
  };

  std::string_view& topic = bf.topic;
  std::uint64_t& ts = bf.ts;
  // Book levels and ids are read as they come; the message is finished at
  // the end because `cts` follows `data` in Bybit's messages.
  bool have_book = false;
  enum class Kind : std::uint8_t { kNone, kBook, kTrade, kTicker, kKline } kind = Kind::kNone;
  bool rest = false, rest_market = false;
  std::size_t rest_from = 0;
  std::uint64_t rest_time = 0;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail(Bad("not JSON: bad key"));
    sj::value v;
    if (field.value().get(v)) return fail(BadField(key, "bad value"));
    Status s;
    if (key == "topic") {
      s = GetString(v, key, &topic);
      if (s.ok()) {
        if (topic.starts_with("orderbook.")) {
          kind = Kind::kBook;
        } else if (topic.starts_with("publicTrade.")) {
          kind = Kind::kTrade;
        } else if (topic.starts_with("tickers.")) {
          kind = Kind::kTicker;
        } else if (topic.starts_with("kline.")) {
          kind = Kind::kKline;
        } else {
          s = Bad(std::string("unknown topic ")
                      .append(Quoted(topic))
                      .append(" (HEAN reads orderbook, publicTrade, tickers and kline)"));
        }
      }
    } else if (key == "type") {
      s = GetString(v, key, &bf.type);
    } else if (key == "ts") {
      s = GetU64(v, key, &ts);
    } else if (key == "cts") {
      s = GetU64(v, key, &bf.cts);
    } else if (key == "result" && kind == Kind::kNone) {
      rest = true;
      rest_from = out.size();
      s = m.Rest(v, ts_recv, has_recv, out, &rest_market);
    } else if (key == "time" && kind == Kind::kNone) {
      s = GetU64(v, key, &rest_time);
    } else if (key == "retCode" || key == "retMsg" || key == "retExtInfo") {
      continue;
    } else if (key == "op" || key == "success" || key == "ret_msg" || key == "conn_id") {
      if (kind == Kind::kNone && topic.empty()) return Status::Ok();  // a control message: no event
    } else if (key == "data") {
      const std::string_view sym = topic.substr(topic.rfind('.') + 1);
      switch (kind) {
        case Kind::kNone: s = Bad("field \"data\" before \"topic\" (unsupported message layout)"); break;
        case Kind::kTrade: s = m.Trades(v, ts_recv, has_recv, out); break;
        case Kind::kTicker: s = m.Ticker(v, sym, ts, ts_recv, has_recv, out); break;
        case Kind::kKline: s = m.Kline(v, sym, ts_recv, has_recv, out); break;
        case Kind::kBook: {
          sj::object d;
          if (v.get_object().get(d)) {
            s = BadField("data", "not an object");
            break;
          }
          have_book = true;
          for (auto f : d) {
            std::string_view k;
            if (f.unescaped_key().get(k)) return fail(Bad("not JSON: bad key in data"));
            sj::value dv;
            if (f.value().get(dv)) return fail(BadField(k, "bad value"));
            if (k == "b") {
              s = ParseLevels(dv, k, book.bids);
              bf.have_b = true;
            } else if (k == "a") {
              s = ParseLevels(dv, k, book.asks);
              bf.have_a = true;
            } else if (k == "u") {
              s = GetU64(dv, k, &bf.u);
            } else if (k == "seq") {
              s = GetU64(dv, k, &bf.seq);
            } else if (k == "s") {
              s = GetString(dv, k, &bf.symbol);
            }
            if (!s.ok()) break;
          }
          break;
        }
      }
    }
    if (!s.ok()) return fail(s);
  }
  if (rest) {
    if (out.size() == rest_from && !rest_market) {
      return fail(
          Bad("not market data: a Bybit REST response HEAN does not read (it reads orderbook, "
              "recent-trade, tickers and kline responses)"));
    }
    for (std::size_t i = rest_from; i < out.size(); ++i) {
      if (auto* q = std::get_if<Quote>(&out[i])) {
        if (rest_time == 0) return fail(BadField("time", "missing"));
        q->ts_event = Ms(rest_time);
        if (!has_recv) q->ts_recv = q->ts_event;
      }
    }
    return Status::Ok();
  }
  if (kind == Kind::kNone) return fail(Bad(topic.empty() ? "unknown message: no \"topic\"" : "unknown topic"));
  if (ts == 0 && kind != Kind::kTrade) return fail(BadField("ts", "missing"));
  if (kind != Kind::kBook) {
    // Trades and bars are made while "data" is read, and "ts" may follow it
    // (kline messages put it last): without a receive time they get the
    // message's ts here, as every other message does.
    if (!has_recv && ts != 0) {
      for (std::size_t i = mark; i < out.size(); ++i) {
        std::visit([&](auto& e) { e.ts_recv = Ms(ts); }, out[i]);
      }
    }
    return Status::Ok();
  }

  // Order book.
  if (!have_book) return fail(BadField("data", "missing"));
  *is_book = true;
  return m.FinishBook(bf, book);
}

}  // namespace hean
