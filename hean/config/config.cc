#include "hean/config/config.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace hean {

struct Config::Impl {
  std::string source;
  toml::table table;
  std::set<std::string, std::less<>> used;
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

}  // namespace

Status Config::Get(std::string_view key, double& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* f = n->as_floating_point()) {
    out = f->get();
    return Status::Ok();
  }
  if (const auto* i = n->as_integer()) {
    out = static_cast<double>(i->get());
    return Status::Ok();
  }
  return TypeError(*impl_, key, *n, "a number");
}

Status Config::Get(std::string_view key, std::int64_t& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* i = n->as_integer()) {
    out = i->get();
    return Status::Ok();
  }
  return TypeError(*impl_, key, *n, "an integer");
}

Status Config::Get(std::string_view key, int& out) {
  std::int64_t v = out;
  Status s = Get(key, v);
  if (!s.ok()) return s;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    std::string m = Where(key);
    m.append(": ").append(key).append(": ").append(std::to_string(v)).append(" is out of range");
    return OutOfRangeError(std::move(m));
  }
  out = static_cast<int>(v);
  return Status::Ok();
}

Status Config::Get(std::string_view key, std::size_t& out) {
  std::int64_t v = static_cast<std::int64_t>(out);
  Status s = Get(key, v);
  if (!s.ok()) return s;
  if (v < 0) {
    std::string m = Where(key);
    m.append(": ").append(key).append(": expected a non-negative integer, got ").append(std::to_string(v));
    return InvalidArgumentError(std::move(m));
  }
  out = static_cast<std::size_t>(v);
  return Status::Ok();
}

Status Config::Get(std::string_view key, bool& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* b = n->as_boolean()) {
    out = b->get();
    return Status::Ok();
  }
  return TypeError(*impl_, key, *n, "a boolean");
}

Status Config::Get(std::string_view key, std::string& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  if (const auto* s = n->as_string()) {
    out = s->get();
    return Status::Ok();
  }
  return TypeError(*impl_, key, *n, "a string");
}

Status Config::Get(std::string_view key, Duration& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  const auto* s = n->as_string();
  if (s == nullptr) return TypeError(*impl_, key, *n, "a duration string such as \"10s\" or \"250ms\"");
  const std::optional<Duration> d = ParseDuration(s->get());
  if (!d) {
    std::string m = Place(impl_->source, *n);
    m.append(": ").append(key).append(": \"").append(s->get()).append(
        "\" is not a duration (a number and a unit: ns, us, ms, s, m, h)");
    return InvalidArgumentError(std::move(m));
  }
  out = *d;
  return Status::Ok();
}

Status Config::Get(std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  const auto* a = n->as_array();
  if (a == nullptr) return TypeError(*impl_, key, *n, "an array of strings");
  std::vector<std::string> v;
  for (const toml::node& e : *a) {
    const auto* s = e.as_string();
    if (s == nullptr) return TypeError(*impl_, key, e, "an array of strings");
    v.push_back(s->get());
  }
  out = std::move(v);
  return Status::Ok();
}

Status Config::Get(std::string_view key, std::vector<double>& out) {
  const toml::node* n = Lookup(*impl_, key);
  if (n == nullptr) return Status::Ok();
  const auto* a = n->as_array();
  if (a == nullptr) return TypeError(*impl_, key, *n, "an array of numbers");
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
      return TypeError(*impl_, element, e, "a number");
    }
  }
  out = std::move(v);
  return Status::Ok();
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

}  // namespace hean
