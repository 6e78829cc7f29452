// Status and Result<T, E>: errors as values.
//
// Expected failures (bad input, exchange rejects, denials, I/O errors) are
// returned, never thrown. `Status` carries a coarse, typed code plus a
// human-readable message naming the input, the place and the reason.
// `Result<T, E>` holds either a value or an error of type E; modules with
// fine-grained reasons use their own enum as E (for example DecimalError) so
// that the hot path does not build strings, and convert to Status at the edge.
//
// Both types are values with no shared state: thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "hean/core/check.h"

namespace hean {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,     // malformed input: parse errors, bad config values
  kOutOfRange,          // a value outside what the type or the limit allows
  kFailedPrecondition,  // the call is not valid in the current state
  kNotFound,
  kAlreadyExists,
  kResourceExhausted,  // a bounded queue or pool is full
  kUnavailable,        // a peer or a resource is not reachable now
  kDataLoss,           // corrupted or truncated data, sequence gaps
  kCancelled,
  kUnimplemented,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code) noexcept;

// A success or an error code with a message. Default-constructed is OK.
//
// The message lives on the heap, so that an OK status (what the hot paths
// return) is one pointer and a byte: made and dropped without touching a
// string.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(message.empty() ? nullptr : std::make_unique<std::string>(std::move(message))) {}
  Status(const Status& o)
      : code_(o.code_), message_(o.message_ ? std::make_unique<std::string>(*o.message_) : nullptr) {}
  Status(Status&& o) noexcept = default;
  Status& operator=(const Status& o) {
    if (this != &o) {
      code_ = o.code_;
      message_ = o.message_ ? std::make_unique<std::string>(*o.message_) : nullptr;
    }
    return *this;
  }
  Status& operator=(Status&& o) noexcept = default;
  ~Status() = default;

  static Status Ok() noexcept { return Status(); }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_ ? *message_ : EmptyMessage(); }

  // "INVALID_ARGUMENT: price \"1.2x\" at config.toml:12: invalid character"
  std::string ToString() const;

  // Returns a copy with `context + ": "` put before the message, so callers
  // can say where an error happened without losing what the callee said.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_ && a.message() == b.message(); }

 private:
  static const std::string& EmptyMessage() noexcept;

  StatusCode code_ = StatusCode::kOk;
  std::unique_ptr<std::string> message_;  // null: no message
};

inline Status InvalidArgumentError(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
inline Status OutOfRangeError(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
inline Status FailedPreconditionError(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
inline Status NotFoundError(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status AlreadyExistsError(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
inline Status ResourceExhaustedError(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
inline Status UnavailableError(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status DataLossError(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
inline Status InternalError(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
inline Status CancelledError(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
inline Status UnimplementedError(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }

// Wraps an error so that Result's constructor can tell it from a value.
template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> MakeUnexpected(E&& e) {
  return {std::forward<E>(e)};
}

// A value of type T or an error of type E.
//
// Accessing value() on an error (or error() on a value) is a broken invariant
// and aborts. Check ok() first.
template <class T, class E = Status>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, E>, "value and error types must differ");
  static_assert(!std::is_reference_v<T>, "Result does not hold references");

 public:
  using value_type = T;  // NOLINT(readability-identifier-naming): std-style trait
  using error_type = E;  // NOLINT(readability-identifier-naming)

  // NOLINTNEXTLINE(google-explicit-constructor): a value converts implicitly.
  Result(const T& v) : data_(std::in_place_index<0>, v) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(T&& v) : data_(std::in_place_index<0>, std::move(v)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Unexpected<E> u) : data_(std::in_place_index<1>, std::move(u.error)) {}
  // A non-OK Status converts implicitly when E is Status; an OK status here is a bug.
  template <class S = E, class = std::enable_if_t<std::is_same_v<S, Status>>>
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Status s) : data_(std::in_place_index<1>, std::move(s)) {
    HEAN_CHECK(!std::get<1>(data_).ok(), "Result built from an OK Status");
  }

  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& {
    HEAN_CHECK(ok(), "value() on an error Result");
    return *std::get_if<0>(&data_);
  }
  T& value() & {
    HEAN_CHECK(ok(), "value() on an error Result");
    return *std::get_if<0>(&data_);
  }
  T&& value() && {
    HEAN_CHECK(ok(), "value() on an error Result");
    return std::move(*std::get_if<0>(&data_));
  }
  const E& error() const& {
    HEAN_CHECK(!ok(), "error() on an OK Result");
    return *std::get_if<1>(&data_);
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? *std::get_if<0>(&data_) : static_cast<T>(std::forward<U>(fallback));
  }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, E> data_;
};

// Result<void, E>: success or an error of type E.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Unexpected<E> u) : error_(std::move(u.error)), ok_(false) {}
  // A Status converts implicitly when E is Status (OK means success).
  template <class S = E, class = std::enable_if_t<std::is_same_v<S, Status>>>
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Status s) : error_(std::move(s)), ok_(error_.ok()) {}

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const E& error() const& {
    HEAN_CHECK(!ok_, "error() on an OK Result");
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace hean

// Returns early from the enclosing function with the error of `expr`
// (a Status or a Result) when it is not OK.
#define HEAN_RETURN_IF_ERROR(expr)                                          \
  do {                                                                      \
    auto&& hean_status_ = (expr);                                           \
    if (!hean_status_.ok()) return ::hean::internal::ErrorOf(hean_status_); \
  } while (0)

namespace hean::internal {
inline Status ErrorOf(const Status& s) { return s; }
template <class T>
Status ErrorOf(const Result<T, Status>& r) {
  return r.error();
}
}  // namespace hean::internal
