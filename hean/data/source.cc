#include "hean/data/source.h"

#include <cctype>
#include <numeric>
#include <variant>

namespace hean {

Result<OnError, Status> ParseOnError(std::string_view s) {
  if (s == "fail") return OnError::kFail;
  if (s == "skip") return OnError::kSkip;
  return InvalidArgumentError("--on-error: \"" + std::string(s) + "\" is not one of fail, skip");
}

// ---------------------------------------------------------------- instruments

namespace {
std::string SymbolKey(Venue venue, std::string_view symbol) {
  std::string k(ToString(venue));
  k.push_back(':');
  k.append(symbol);
  return k;
}
}  // namespace

InstrumentId DataInstruments::Intern(Venue venue, std::string_view symbol) {
  std::string key = SymbolKey(venue, symbol);
  if (auto it = by_symbol_.find(key); it != by_symbol_.end()) {
    return InstrumentId{it->second};
  }
  const auto idx = static_cast<std::uint32_t>(entries_.size());
  Entry e;
  e.id = InstrumentId{idx};
  e.venue = venue;
  e.symbol = std::string(symbol);
  e.tick_size = Price::Undefined();
  e.lot_size = Qty::Undefined();
  entries_.push_back(std::move(e));
  by_symbol_.emplace(std::move(key), idx);
  return InstrumentId{idx};
}

const DataInstruments::Entry* DataInstruments::Find(Venue venue, std::string_view symbol) const {
  auto it = by_symbol_.find(SymbolKey(venue, symbol));
  return it == by_symbol_.end() ? nullptr : &entries_[it->second];
}

Status DataInstruments::AddSpec(Venue venue, std::string_view symbol, Price tick, Qty lot) {
  if (!tick.IsDefined() || !tick.IsPositive()) {
    return InvalidArgumentError("instrument " + std::string(symbol) + ": tick size must be positive");
  }
  if (!lot.IsDefined() || !lot.IsPositive()) {
    return InvalidArgumentError("instrument " + std::string(symbol) + ": lot size must be positive");
  }
  Entry& e = entries_[Intern(venue, symbol).value];
  e.tick_size = tick;
  e.lot_size = lot;
  return Status::Ok();
}

void DataInstruments::ObservePrice(InstrumentId id, Price p) {
  if (!p.IsDefined() || p.raw() <= 0 || id.value >= entries_.size()) return;
  std::int64_t& g = entries_[id.value].price_grid;
  g = std::gcd(g, p.raw());
}

void DataInstruments::ObserveQty(InstrumentId id, Qty q) {
  if (!q.IsDefined() || q.raw() <= 0 || id.value >= entries_.size()) return;
  std::int64_t& g = entries_[id.value].qty_grid;
  g = std::gcd(g, q.raw());
}

void DataInstruments::MergeGrid(InstrumentId id, std::int64_t price_grid, std::int64_t qty_grid) {
  if (id.value >= entries_.size()) return;
  Entry& e = entries_[id.value];
  if (price_grid > 0) e.price_grid = std::gcd(e.price_grid, price_grid);
  if (qty_grid > 0) e.qty_grid = std::gcd(e.qty_grid, qty_grid);
}

void DataInstruments::Observe(const Event& ev) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, BookDelta>) {
          if ((e.flags & BookDelta::kNoLevels) == 0) {
            ObservePrice(e.instrument, e.price);
            ObserveQty(e.instrument, e.qty);
          }
        } else if constexpr (std::is_same_v<T, BookSnapshot>) {
          if (e.levels) {
            for (const auto* side : {&e.levels->bids, &e.levels->asks}) {
              for (const BookLevel& l : *side) {
                ObservePrice(e.instrument, l.price);
                ObserveQty(e.instrument, l.qty);
              }
            }
          }
        } else if constexpr (std::is_same_v<T, Trade>) {
          ObservePrice(e.instrument, e.price);
          ObserveQty(e.instrument, e.qty);
        } else if constexpr (std::is_same_v<T, Quote>) {
          ObservePrice(e.instrument, e.bid_price);
          ObservePrice(e.instrument, e.ask_price);
          ObserveQty(e.instrument, e.bid_qty);
          ObserveQty(e.instrument, e.ask_qty);
        }
      },
      ev);
}

Price DataInstruments::BookTick(InstrumentId id) const {
  const Entry& e = Get(id);
  if (e.tick_size.IsDefined() && e.tick_size.IsPositive()) return e.tick_size;
  if (e.price_grid > 0) return Price::FromRaw(e.price_grid);
  return Price::FromRaw(10);  // 1e-8: the finest tick any venue we read uses
}

// ---------------------------------------------------------------- skip log

std::string SkipReasonKey(std::string_view m) {
  std::string key;
  key.reserve(m.size());
  bool first_quote_done = false;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const char c = m[i];
    if (c == '"') {
      const std::size_t close = m.find('"', i + 1);
      if (close == std::string_view::npos) {
        key.append(m.substr(i));
        break;
      }
      if (!first_quote_done) {
        key.append(m.substr(i, close - i + 1));
        first_quote_done = true;
      } else {
        key.append("\"...\"");
      }
      i = close;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      key.push_back('N');
      while (i + 1 < m.size() && std::isdigit(static_cast<unsigned char>(m[i + 1]))) ++i;
    } else {
      key.push_back(c);
    }
  }
  return key;
}

void SkipLog::Add(std::string_view message_without_place, const std::string& full_message) {
  ++total_;
  Entry& e = by_reason_[SkipReasonKey(message_without_place)];
  if (e.count++ == 0) e.first = full_message;
}

Status DecimalFieldError(DecimalError e, std::string_view field, std::string_view text) {
  std::string m("field \"");
  m.append(field).append("\": \"").append(text.substr(0, 64));
  if (text.size() > 64) m.append("...");
  m.append("\" is not a decimal (").append(DecimalErrorName(e)).append(")");
  return e == DecimalError::kOverflow ? OutOfRangeError(std::move(m)) : InvalidArgumentError(std::move(m));
}

// ---------------------------------------------------------------- source

bool EventSource::LineError(std::uint64_t line, std::string_view reason) {
  std::string full = path_ + ":" + std::to_string(line) + ": " + std::string(reason);
  if (on_error_ == OnError::kSkip) {
    skipped_.Add(reason, full);
    return true;
  }
  status_ = InvalidArgumentError(std::move(full));
  return false;
}

bool EventSource::LineError(std::uint64_t line, const Status& reason) { return LineError(line, reason.message()); }

}  // namespace hean
