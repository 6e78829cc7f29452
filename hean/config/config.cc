#include "hean/config/config.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace hean {

struct Config::Impl {
  std::string source;
  toml::table table;
  std::set<std::string, std::less<>> used;
  toml::table effective;  // what the getters returned
};

namespace {

std::string_view TypeName(toml::node_type t) noexcept {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string Place(const std::string& source, const toml::node& n) {
  std::string out = source;
  if (n.source().begin.line != 0) out.append(":").append(std::to_string(n.source().begin.line));
  return out;
}

void CollectUnknown(const toml::table& t, const std::string& path, std::string_view prefix,
                    const std::set<std::string, std::less<>>& used, const toml::node** first, std::string* first_key) {
  for (const auto& [k, v] : t) {
    std::string key = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) {
      CollectUnknown(*sub, key, prefix, used, first, first_key);
      continue;
    }
    const bool under =
        prefix.empty() || key == prefix ||
        (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key[prefix.size()] == '.');
    if (!under || used.count(key) != 0) continue;
    if (*first == nullptr || v.source().begin.line < (*first)->source().begin.line) {
      *first = &v;
      *first_key = key;
    }
  }
}

}  // namespace

Config::Config() : impl_(std::make_unique<Impl>()) { impl_->source = "config"; }
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Result<Config, Status> Config::Parse(std::string_view text, std::string_view source) {
  toml::parse_result r = toml::parse(text, source);
  if (!r) {
    const toml::parse_error& e = r.error();
    std::string m(source);
    m.append(":")
        .append(std::to_string(e.source().begin.line))
        .append(":")
        .append(std::to_string(e.source().begin.column))
        .append(": ")
        .append(e.description());
    return MakeUnexpected(InvalidArgumentError(std::move(m)));
  }
  Config c;
  c.impl_->source = std::string(source);
  c.impl_->table = std::move(r).table();
  return c;
}

Result<Config, Status> Config::Load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::string m = path;
    return MakeUnexpected(NotFoundError(m.append(": cannot open config file")));
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path);
}

const std::string& Config::source() const noexcept { return impl_->source; }

bool Config::Has(std::string_view key) const { return impl_->table.at_path(key).node() != nullptr; }

std::string Config::Where(std::string_view key) const {
  const toml::node* n = impl_->table.at_path(key).node();
  return n != nullptr ? Place(impl_->source, *n) : impl_->source;
}

Status Config::Locate(const Status& s) const {
  if (s.ok()) return s;
  const std::size_t colon = s.message().find(": ");
  const std::string_view key =
      colon == std::string::npos ? std::string_view() : std::string_view(s.message()).substr(0, colon);
  return s.WithContext(!key.empty() && Has(key) ? Where(key) : impl_->source);
}

namespace {

// Finds the node (marking the key used) or returns nullptr.
const toml::node* Lookup(Config::Impl& impl, std::string_view key) {
  const toml::node* n = impl.table.at_path(key).node();
  if (n != nullptr && !n->is_table()) impl.used.emplace(key);
  return n;
}

Status TypeError(const Config::Impl& impl, std::string_view key, const toml::node& n, std::string_view expected) {
  std::string m = Place(impl.source, n);
  m.append(": ").append(key).append(": expected ").append(expected).append(", got ").append(TypeName(n.type()));
  return InvalidArgumentError(std::move(m));
}

// Puts `value` at dotted `key` in `root`, making the tables on the way.
template <class V>
void Record(toml::table& root, std::string_view key, V&& value) {
  toml::table* t = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    if (dot == std::string_view::npos) break;
    const std::string part(key.substr(start, dot - start));
    toml::node* sub = t->get(part);
    if (sub == nullptr || !sub->is_table()) {
      t->insert_or_assign(part, toml::table{});
      sub = t->get(part);
    }
    t = sub->as_table();
    start = dot + 1;
  }
  t->insert_or_assign(std::string(key.substr(start)), std::forward<V>(value));
}

}  // namespace

namespace {

std::string WhereImpl(const Config::Impl& impl, std::string_view key) {
  const toml::node* n = impl.table.at_path(key).node();
  return n != nullptr ? Place(impl.source, *n) : impl.source;
}

Status GetImpl(Config::Impl* impl, std::string_view key, double& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* f = n->as_floating_point()) {
    out = f->get();
    return Status::Ok();
  }
  if (const auto* i = n->as_integer()) {
    out = static_cast<double>(i->get());
    return Status::Ok();
  }
  return TypeError(*impl, key, *n, "a number");
}

Status GetImpl(Config::Impl* impl, std::string_view key, std::int64_t& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* i = n->as_integer()) {
    out = i->get();
    return Status::Ok();
  }
  return TypeError(*impl, key, *n, "an integer");
}

Status GetImpl(Config::Impl* impl, std::string_view key, int& out) {
  std::int64_t v = out;
  Status s = GetImpl(impl, key, v);
  if (!s.ok()) return s;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    std::string m = WhereImpl(*impl, key);
    m.append(": ").append(key).append(": ").append(std::to_string(v)).append(" is out of range");
    return OutOfRangeError(std::move(m));
  }
  out = static_cast<int>(v);
  return Status::Ok();
}

Status GetImpl(Config::Impl* impl, std::string_view key, std::size_t& out) {
  std::int64_t v = static_cast<std::int64_t>(out);
  Status s = GetImpl(impl, key, v);
  if (!s.ok()) return s;
  if (v < 0) {
    std::string m = WhereImpl(*impl, key);
    m.append(": ").append(key).append(": expected a non-negative integer, got ").append(std::to_string(v));
    return InvalidArgumentError(std::move(m));
  }
  out = static_cast<std::size_t>(v);
  return Status::Ok();
}

Status GetImpl(Config::Impl* impl, std::string_view key, bool& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* b = n->as_boolean()) {
    out = b->get();
    return Status::Ok();
  }
  return TypeError(*impl, key, *n, "a boolean");
}

Status GetImpl(Config::Impl* impl, std::string_view key, std::string& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* s = n->as_string()) {
    out = s->get();
    return Status::Ok();
  }
  return TypeError(*impl, key, *n, "a string");
}

Status GetImpl(Config::Impl* impl, std::string_view key, Duration& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  const auto* s = n->as_string();
  if (s == nullptr) return TypeError(*impl, key, *n, "a duration string such as \"10s\" or \"250ms\"");
  const std::optional<Duration> d = ParseDuration(s->get());
  if (!d) {
    std::string m = Place(impl->source, *n);
    m.append(": ").append(key).append(": \"").append(s->get()).append(
        "\" is not a duration (a number and a unit: ns, us, ms, s, m, h)");
    return InvalidArgumentError(std::move(m));
  }
  out = *d;
  return Status::Ok();
}

Status GetImpl(Config::Impl* impl, std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  const auto* a = n->as_array();
  if (a == nullptr) return TypeError(*impl, key, *n, "an array of strings");
  std::vector<std::string> v;
  for (const toml::node& e : *a) {
    const auto* s = e.as_string();
    if (s == nullptr) return TypeError(*impl, key, e, "an array of strings");
    v.push_back(s->get());
  }
  out = std::move(v);
  return Status::Ok();
}

Status GetImpl(Config::Impl* impl, std::string_view key, std::vector<double>& out) {
  const toml::node* n = Lookup(*impl, key);
  if (n == nullptr) return Status::Ok();
  const auto* a = n->as_array();
  if (a == nullptr) return TypeError(*impl, key, *n, "an array of numbers");
  std::vector<double> v;
  v.reserve(a->size());
  for (const toml::node& e : *a) {
    if (const auto* f = e.as_floating_point()) {
      v.push_back(f->get());
    } else if (const auto* i = e.as_integer()) {
      v.push_back(static_cast<double>(i->get()));
    } else {
      std::string element(key);
      element.append("[").append(std::to_string(v.size())).append("]");
      return TypeError(*impl, element, e, "a number");
    }
  }
  out = std::move(v);
  return Status::Ok();
}

}  // namespace

Status Config::Get(std::string_view key, double& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, out);
  }
  return s;
}

Status Config::Get(std::string_view key, std::int64_t& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, out);
  }
  return s;
}

Status Config::Get(std::string_view key, int& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, static_cast<std::int64_t>(out));
  }
  return s;
}

Status Config::Get(std::string_view key, std::size_t& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, static_cast<std::int64_t>(out));
  }
  return s;
}

Status Config::Get(std::string_view key, bool& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, out);
  }
  return s;
}

Status Config::Get(std::string_view key, std::string& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, out);
  }
  return s;
}

Status Config::Get(std::string_view key, Duration& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    Record(impl_->effective, key, out.ToString());
  }
  return s;
}

Status Config::Get(std::string_view key, std::vector<std::string>& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    toml::array a;
    for (const std::string& v : out) a.push_back(v);
    Record(impl_->effective, key, std::move(a));
  }
  return s;
}

Status Config::Get(std::string_view key, std::vector<double>& out) {
  Status s = GetImpl(impl_.get(), key, out);
  if (s.ok()) {
    toml::array a;
    for (double v : out) a.push_back(v);
    Record(impl_->effective, key, std::move(a));
  }
  return s;
}

Status Config::CheckUnknown(std::string_view prefix) const {
  const toml::node* first = nullptr;
  std::string key;
  CollectUnknown(impl_->table, "", prefix, impl_->used, &first, &key);
  if (first == nullptr) return Status::Ok();
  std::string m = Place(impl_->source, *first);
  m.append(": unknown key ").append(key);
  return InvalidArgumentError(std::move(m));
}

Status Config::Override(std::string_view key, std::string_view literal) {
  auto bad = [&](std::string_view why) {
    std::string m = "override ";
    m.append(key).append("=").append(literal).append(": ").append(why);
    return InvalidArgumentError(std::move(m));
  };
  if (key.empty() || key.front() == '.' || key.back() == '.')
    return bad("expected a dotted key such as risk.max_leverage");
  // The literal as a TOML value; a bare word that is not one is a string.
  std::string doc = "v = ";
  doc.append(literal);
  toml::parse_result r = toml::parse(doc);
  toml::table holder;
  if (r && r.table().contains("v")) {
    holder = std::move(r).table();
  } else {
    if (literal.find_first_of("\"'[]{}=\n") != std::string_view::npos) return bad("not a TOML value");
    holder.insert_or_assign("v", std::string(literal));
  }
  // Walk to the parent table, making missing tables; a value on the way is
  // an error (it would be replaced by a table).
  toml::table* t = &impl_->table;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    if (dot == std::string_view::npos) break;
    const std::string part(key.substr(start, dot - start));
    if (part.empty()) return bad("empty key part");
    toml::node* sub = t->get(part);
    if (sub == nullptr) {
      t->insert_or_assign(part, toml::table{});
      sub = t->get(part);
    } else if (!sub->is_table()) {
      return bad(std::string(key.substr(0, dot)).append(" is a value, not a table"));
    }
    t = sub->as_table();
    start = dot + 1;
  }
  const std::string leaf(key.substr(start));
  if (const toml::node* old = t->get(leaf); old != nullptr && old->is_table()) {
    return bad("is a table; override its keys one by one");
  }
  t->insert_or_assign(leaf, *holder.get("v"));
  return Status::Ok();
}

std::vector<std::string> Config::Tables(std::string_view prefix) const {
  const toml::table* t = &impl_->table;
  if (!prefix.empty()) t = impl_->table.at_path(prefix).as_table();
  std::vector<std::string> out;
  if (t == nullptr) return out;
  std::vector<std::pair<std::uint32_t, std::string>> named;
  for (const auto& [k, v] : *t) {
    if (v.is_table()) named.emplace_back(v.source().begin.line, std::string(k.str()));
  }
  std::stable_sort(named.begin(), named.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& n : named) out.push_back(std::move(n.second));
  return out;
}

namespace {

bool BareKey(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A TOML basic string: quoted, with backslash, quote and control
// characters escaped.
void WriteString(std::ostream& os, std::string_view v) {
  os << '"';
  for (const char c : v) {
    switch (c) {
      case '"': os << "\\\""; break;
      case '\\': os << "\\\\"; break;
      case '\b': os << "\\b"; break;
      case '\t': os << "\\t"; break;
      case '\n': os << "\\n"; break;
      case '\f': os << "\\f"; break;
      case '\r': os << "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          os << buf;
        } else {
          os << c;
        }
    }
  }
  os << '"';
}

void WriteKey(std::ostream& os, std::string_view k) {
  if (BareKey(k)) {
    os << k;
  } else {
    WriteString(os, k);
  }
}

// A double in the shortest form that reads back to it, always as a TOML
// float (with a '.' or an exponent).
void WriteFloat(std::ostream& os, double v) {
  if (std::isnan(v)) {
    os << "nan";
    return;
  }
  if (std::isinf(v)) {
    os << (v < 0 ? "-inf" : "inf");
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  os << text;
  if (text.find_first_of(".eE") == std::string_view::npos) os << ".0";
}

void WriteValue(std::ostream& os, const toml::node& n) {
  if (const auto* f = n.as_floating_point()) {
    WriteFloat(os, f->get());
  } else if (const auto* str = n.as_string()) {
    WriteString(os, str->get());
  } else if (const auto* a = n.as_array()) {
    os << '[';
    bool first = true;
    for (const toml::node& e : *a) {
      if (!first) os << ", ";
      first = false;
      WriteValue(os, e);
    }
    os << ']';
  } else {
    n.visit([&os](const auto& x) {
      if constexpr (toml::is_value<decltype(x)>) os << x;
    });
  }
}

// The plain keys of a table, then its sub-tables under their headers, a
// blank line before each header but the first line of the file.
void WriteTable(std::ostream& os, const toml::table& t, const std::string& path, bool& wrote) {
  for (const auto& [k, v] : t) {
    if (v.is_table()) continue;
    WriteKey(os, k.str());
    os << " = ";
    WriteValue(os, v);
    os << '\n';
    wrote = true;
  }
  for (const auto& [k, v] : t) {
    const toml::table* sub = v.as_table();
    if (sub == nullptr) continue;
    std::ostringstream key;
    WriteKey(key, k.str());
    const std::string sub_path = path.empty() ? key.str() : path + "." + key.str();
    bool has_values = false;
    for (const auto& [sk, sv] : *sub) has_values = has_values || !sv.is_table();
    if (has_values) {
      if (wrote) os << '\n';
      os << '[' << sub_path << "]\n";
      wrote = true;
    }
    WriteTable(os, *sub, sub_path, wrote);
  }
}

}  // namespace

std::string Config::EffectiveToml() const {
  std::ostringstream ss;
  bool wrote = false;
  WriteTable(ss, impl_->effective, "", wrote);
  return ss.str();
}

void Config::SetEffective(std::string_view key, const std::vector<std::string>& value) {
  toml::array a;
  for (const std::string& v : value) a.push_back(v);
  Record(impl_->effective, key, std::move(a));
}

void Config::SetEffective(std::string_view key, const std::string& value) { Record(impl_->effective, key, value); }

}  // namespace hean
