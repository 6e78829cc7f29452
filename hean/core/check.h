// Invariant checks. A broken invariant is a bug, not an expected failure:
// it aborts loudly with the file, line and condition. Expected failures are
// returned as Status / Result values instead (see status.h).
#pragma once

#include <cstdio>
#include <cstdlib>

namespace hean::internal {

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond, const char* msg) noexcept {
  std::fprintf(stderr, "HEAN check failed at %s:%d: %s%s%s\n", file, line, cond, msg[0] != '\0' ? " -- " : "", msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace hean::internal

// Always on, also in release builds.
#define HEAN_CHECK(cond, ...)                                                                                   \
  do {                                                                                                          \
    if (__builtin_expect(!(cond), 0)) ::hean::internal::CheckFailed(__FILE__, __LINE__, #cond, "" __VA_ARGS__); \
  } while (0)

// On in debug and sanitizer builds, compiled out when NDEBUG is defined
// (release): used on hot paths such as fixed-point arithmetic.
#ifdef NDEBUG
#define HEAN_DCHECK(cond, ...) \
  do {                         \
  } while (0)
#define HEAN_DEBUG_CHECKS 0
#else
#define HEAN_DCHECK(cond, ...) HEAN_CHECK(cond, __VA_ARGS__)
#define HEAN_DEBUG_CHECKS 1
#endif
