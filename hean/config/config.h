// Config: one TOML file (toml++) read through typed getters that name the
// key, the file and the line in every error.
//
// Values are read by dotted key ("analytics.atr.period"); a missing key
// leaves the caller's default untouched, so a config struct's defaults are
// the documented defaults. Every key a getter read is remembered, and
// CheckUnknown() reports any key of the file that nothing read (a typo such
// as "perod" is an error, never silently ignored).
//
// Every getter also records the value the caller ends up with (the file's,
// or the caller's default when the key is absent): EffectiveToml() writes
// them all, so a run can save the config it really used, defaults filled in.
//
// toml++ is included by config.cc only. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

class Config {
 public:
  Config();  // empty: every getter keeps its default
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  // Errors: kNotFound (cannot open), kInvalidArgument with "file:line:col:
  // reason" for TOML syntax errors.
  static Result<Config, Status> Load(const std::string& path);
  static Result<Config, Status> Parse(std::string_view text, std::string_view source = "config");

  const std::string& source() const noexcept;
  bool Has(std::string_view key) const;

  // Each sets `out` when the key is present and has the right type, and
  // returns kInvalidArgument "source:line: key: expected T, got U"
  // otherwise (a missing key is OK and leaves `out` as it was). A double
  // accepts an integer; an unsigned rejects a negative value; a Duration is
  // a string such as "10s", "250ms", "1m" (ParseDuration).
  Status Get(std::string_view key, double& out);
  Status Get(std::string_view key, std::int64_t& out);
  Status Get(std::string_view key, int& out);
  Status Get(std::string_view key, std::size_t& out);
  Status Get(std::string_view key, bool& out);
  Status Get(std::string_view key, std::string& out);
  Status Get(std::string_view key, Duration& out);
  Status Get(std::string_view key, std::vector<std::string>& out);
  // An array of numbers (integers accepted); an element of another type is
  // "source:line: key[i]: expected a number, got U" (i from 0).
  Status Get(std::string_view key, std::vector<double>& out);

  // The first key at or under `prefix` ("" for the whole file) that no
  // getter read: kInvalidArgument "source:line: unknown key a.b.c".
  Status CheckUnknown(std::string_view prefix = {}) const;

  // Replaces (or adds) the value at dotted `key` with `literal`, a TOML
  // value ("0.5", "\"250ms\"", "true", "[1, 2]"); bare words that are not
  // TOML values are taken as strings (so "adaptive_ttl" works). Errors:
  // kInvalidArgument naming the key for an empty key, a key whose parent
  // is not a table, or an unparsable literal.
  [[nodiscard]] Status Override(std::string_view key, std::string_view literal);

  // The names of the tables directly under `prefix` ("" for the top level),
  // in file order ("instruments" -> {"BTCUSDT", "ETHUSDT"}).
  std::vector<std::string> Tables(std::string_view prefix) const;

  // Every value the getters returned so far, as a TOML document (tables in
  // key order). Durations are written as strings ParseDuration reads;
  // numbers in their shortest form that reads back to the same double
  // (0.0003, not 0.00029999999999999997).
  std::string EffectiveToml() const;
  // Replaces what the effective config records for `key` (read before by a
  // getter) with what the caller made of it: data paths made absolute, so
  // that a saved config runs from any directory.
  void SetEffective(std::string_view key, const std::vector<std::string>& value);
  void SetEffective(std::string_view key, const std::string& value);

  // "source:line" of a key, or just the source when the key is absent.
  std::string Where(std::string_view key) const;

  // A validation error whose message starts with "key: " gets the key's
  // place put before it ("run.toml:7: analytics.atr.cap: ..."); other
  // errors get the source. OK stays OK.
  Status Locate(const Status& s) const;

  struct Impl;  // the parsed table and the keys read (config.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hean
