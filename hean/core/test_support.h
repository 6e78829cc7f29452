// Helpers shared by the test suites (not linked into the libraries).
#pragma once

#include <type_traits>
#include <utility>

// Sanitizers slow stress tests down 5-20x: tests move fewer items there.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define HEAN_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define HEAN_TEST_SANITIZED 1
#endif
#endif
#ifndef HEAN_TEST_SANITIZED
#define HEAN_TEST_SANITIZED 0
#endif

namespace hean::testing_support {

// Whether `A + B` compiles: used to prove that types refuse meaningless mixes.
template <class A, class B, class = void>
struct IsAddable : std::false_type {};
template <class A, class B>
struct IsAddable<A, B, std::void_t<decltype(std::declval<A>() + std::declval<B>())>> : std::true_type {};
template <class A, class B>
inline constexpr bool kAddable = IsAddable<A, B>::value;

}  // namespace hean::testing_support
