#include "hean/core/status.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "hean/core/decimal.h"

namespace hean {
namespace {

// A Status converts into Result<T, Status> only; other error types need
// MakeUnexpected.
static_assert(std::is_convertible_v<Status, Result<int>>);
static_assert(!std::is_convertible_v<Status, Result<int, DecimalError>>);
static_assert(!std::is_constructible_v<Result<int, DecimalError>, Status>);
static_assert(std::is_convertible_v<int, Result<int>>);
static_assert(std::is_convertible_v<Unexpected<DecimalError>, Result<int, DecimalError>>);
static_assert(std::is_same_v<Result<int>::error_type, Status>);
static_assert(std::is_same_v<Result<int, DecimalError>::value_type, int>);

TEST(Status, DefaultIsOk) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(Status::Ok(), s);
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  const Status s(StatusCode::kDataLoss, "sequence gap: expected 5, got 7");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "sequence gap: expected 5, got 7");
  EXPECT_EQ(s.ToString(), "DATA_LOSS: sequence gap: expected 5, got 7");
}

TEST(Status, ToStringWithoutMessageIsJustTheCode) {
  EXPECT_EQ(Status(StatusCode::kNotFound, "").ToString(), "NOT_FOUND");
}

TEST(Status, ToStringMatchesHeaderExample) {
  EXPECT_EQ(InvalidArgumentError("price \"1.2x\" at config.toml:12: invalid character").ToString(),
            "INVALID_ARGUMENT: price \"1.2x\" at config.toml:12: invalid character");
}

TEST(Status, HelpersSetTheirCode) {
  struct Case {
    Status status;
    StatusCode code;
    const char* name;
  };
  const Case cases[] = {
      {InvalidArgumentError("m"), StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
      {OutOfRangeError("m"), StatusCode::kOutOfRange, "OUT_OF_RANGE"},
      {FailedPreconditionError("m"), StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
      {NotFoundError("m"), StatusCode::kNotFound, "NOT_FOUND"},
      {AlreadyExistsError("m"), StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
      {ResourceExhaustedError("m"), StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
      {UnavailableError("m"), StatusCode::kUnavailable, "UNAVAILABLE"},
      {DataLossError("m"), StatusCode::kDataLoss, "DATA_LOSS"},
      {InternalError("m"), StatusCode::kInternal, "INTERNAL"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(c.status.ok()) << c.name;
    EXPECT_EQ(c.status.code(), c.code) << c.name;
    EXPECT_EQ(c.status.message(), "m") << c.name;
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
  }
}

TEST(Status, EveryCodeHasADistinctName) {
  const StatusCode all[] = {StatusCode::kOk,
                            StatusCode::kInvalidArgument,
                            StatusCode::kOutOfRange,
                            StatusCode::kFailedPrecondition,
                            StatusCode::kNotFound,
                            StatusCode::kAlreadyExists,
                            StatusCode::kResourceExhausted,
                            StatusCode::kUnavailable,
                            StatusCode::kDataLoss,
                            StatusCode::kCancelled,
                            StatusCode::kUnimplemented,
                            StatusCode::kInternal};
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "CANCELLED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
  for (std::size_t i = 0; i < std::size(all); ++i) {
    EXPECT_FALSE(StatusCodeName(all[i]).empty());
    EXPECT_NE(StatusCodeName(all[i]), "UNKNOWN");
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(StatusCodeName(all[i]), StatusCodeName(all[j]));
  }
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(200)), "UNKNOWN");
}

TEST(Status, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(InvalidArgumentError("a"), Status(StatusCode::kInvalidArgument, "a"));
  EXPECT_FALSE(InvalidArgumentError("a") == InvalidArgumentError("b"));
  EXPECT_FALSE(InvalidArgumentError("a") == OutOfRangeError("a"));
  EXPECT_FALSE(Status() == InvalidArgumentError(""));
}

TEST(Status, WithContextPrependsAndKeepsCode) {
  const Status inner = InvalidArgumentError("price \"1.2x\": invalid character");
  const Status outer = inner.WithContext("config.toml:12");
  EXPECT_EQ(outer.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outer.message(), "config.toml:12: price \"1.2x\": invalid character");
  EXPECT_EQ(inner.message(), "price \"1.2x\": invalid character");  // original untouched
  EXPECT_EQ(outer.WithContext("loading risk limits").message(),
            "loading risk limits: config.toml:12: price \"1.2x\": invalid character");
}

TEST(Status, WithContextOnOkIsOk) {
  const Status s = Status::Ok().WithContext("anything");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s, Status::Ok());
}

TEST(Result, HoldsValue) {
  Result<int> r = 42;
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value_or(7), 42);
  r.value() = 43;
  EXPECT_EQ(*r, 43);
  *r = 44;
  EXPECT_EQ(r.value(), 44);
}

TEST(Result, HoldsStatusError) {
  const Result<int> r = NotFoundError("no instrument BTCUSDT");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.error().message(), "no instrument BTCUSDT");
  EXPECT_EQ(r.value_or(7), 7);
}

TEST(Result, HoldsTypedError) {
  const Result<int, DecimalError> r = MakeUnexpected(DecimalError::kOverflow);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DecimalError::kOverflow);
  EXPECT_EQ(r.value_or(-1), -1);
  const Result<int, DecimalError> v = 5;
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(*v, 5);
}

TEST(Result, UnexpectedStatusWorksToo) {
  const Result<int> r = MakeUnexpected(UnavailableError("ws down"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
}

TEST(Result, ArrowAndMoveOut) {
  Result<std::string> r = std::string("BTCUSDT");
  EXPECT_EQ(r->size(), 7u);
  r->append("-PERP");
  EXPECT_EQ(*r, "BTCUSDT-PERP");
  const std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "BTCUSDT-PERP");
}

TEST(Result, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, 9);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 9);
}

TEST(Result, ValueOrConvertsFallback) {
  const Result<std::string> ok = std::string("a");
  const Result<std::string> err = InternalError("x");
  EXPECT_EQ(ok.value_or("fallback"), "a");
  EXPECT_EQ(err.value_or("fallback"), "fallback");
  const Result<double> d = InternalError("x");
  EXPECT_DOUBLE_EQ(d.value_or(1), 1.0);
}

TEST(Result, CopiesAreIndependent) {
  Result<std::string> a = std::string("x");
  Result<std::string> b = a;
  *b = "y";
  EXPECT_EQ(*a, "x");
  EXPECT_EQ(*b, "y");
  b = a;
  EXPECT_EQ(*b, "x");
  Result<std::string> e = InternalError("boom");
  b = e;
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.error().message(), "boom");
}

TEST(Result, VoidSuccessAndError) {
  const Result<void> ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  const Result<void> err = MakeUnexpected(FailedPreconditionError("not connected"));
  EXPECT_FALSE(err.ok());
  EXPECT_FALSE(static_cast<bool>(err));
  EXPECT_EQ(err.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(err.error().message(), "not connected");

  const Result<void, DecimalError> typed = MakeUnexpected(DecimalError::kNegative);
  EXPECT_FALSE(typed.ok());
  EXPECT_EQ(typed.error(), DecimalError::kNegative);
  const Result<void, DecimalError> typed_ok;
  EXPECT_TRUE(typed_ok.ok());
}

// Helpers for HEAN_RETURN_IF_ERROR.
Status Step(bool fail, int* calls) {
  ++*calls;
  return fail ? DataLossError("step failed") : Status::Ok();
}
Result<int> Compute(bool fail, int* calls) {
  ++*calls;
  if (fail) return OutOfRangeError("compute failed");
  return 10;
}

Status TwoSteps(bool fail_first, bool fail_second, int* calls, bool* reached_end) {
  HEAN_RETURN_IF_ERROR(Step(fail_first, calls));
  HEAN_RETURN_IF_ERROR(Step(fail_second, calls));
  *reached_end = true;
  return Status::Ok();
}

Status StepThenCompute(bool fail, int* calls) {
  HEAN_RETURN_IF_ERROR(Compute(fail, calls));
  return Status::Ok();
}

Result<int> ComputeAndAdd(bool fail_step, int* calls) {
  HEAN_RETURN_IF_ERROR(Step(fail_step, calls));
  Result<int> r = Compute(false, calls);
  HEAN_RETURN_IF_ERROR(r);
  return *r + 1;
}

Status VoidResultStep(bool fail) {
  const Result<void> r =
      fail ? Result<void>(MakeUnexpected(Status(StatusCode::kCancelled, "cancelled"))) : Result<void>();
  HEAN_RETURN_IF_ERROR(r);
  return Status::Ok();
}

TEST(Status, ReturnIfErrorPassesThroughOk) {
  int calls = 0;
  bool reached = false;
  EXPECT_TRUE(TwoSteps(false, false, &calls, &reached).ok());
  EXPECT_EQ(calls, 2);  // each expression evaluated exactly once
  EXPECT_TRUE(reached);
}

TEST(Status, ReturnIfErrorReturnsFirstError) {
  int calls = 0;
  bool reached = false;
  const Status s = TwoSteps(true, false, &calls, &reached);
  EXPECT_EQ(s, DataLossError("step failed"));
  EXPECT_EQ(calls, 1);  // the second step never ran
  EXPECT_FALSE(reached);

  calls = 0;
  EXPECT_EQ(TwoSteps(false, true, &calls, &reached).code(), StatusCode::kDataLoss);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(reached);
}

TEST(Status, ReturnIfErrorOnResult) {
  int calls = 0;
  EXPECT_TRUE(StepThenCompute(false, &calls).ok());
  EXPECT_EQ(StepThenCompute(true, &calls), OutOfRangeError("compute failed"));
  EXPECT_EQ(calls, 2);
}

TEST(Status, ReturnIfErrorInFunctionReturningResult) {
  int calls = 0;
  const Result<int> ok = ComputeAndAdd(false, &calls);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 11);
  const Result<int> err = ComputeAndAdd(true, &calls);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error(), DataLossError("step failed"));
}

TEST(Status, ReturnIfErrorOnVoidResult) {
  EXPECT_TRUE(VoidResultStep(false).ok());
  EXPECT_EQ(VoidResultStep(true).code(), StatusCode::kCancelled);
}

using IntOrDecimalError = Result<int, DecimalError>;  // no comma inside EXPECT_DEATH

// Broken invariants abort in every build (HEAN_CHECK, not HEAN_DCHECK).
TEST(ResultDeathTest, ValueOnErrorAborts) {
  EXPECT_DEATH(
      {
        const Result<int> r = InternalError("boom");
        std::printf("%d\n", r.value());
      },
      "value\\(\\) on an error Result");
}

TEST(ResultDeathTest, DereferenceOnErrorAborts) {
  EXPECT_DEATH(
      {
        const IntOrDecimalError r = MakeUnexpected(DecimalError::kEmpty);
        std::printf("%d\n", *r);
      },
      "value\\(\\) on an error Result");
}

TEST(ResultDeathTest, ErrorOnValueAborts) {
  EXPECT_DEATH(
      {
        const Result<int> r = 1;
        std::printf("%s\n", r.error().message().c_str());
      },
      "error\\(\\) on an OK Result");
}

TEST(ResultDeathTest, VoidErrorOnOkAborts) {
  EXPECT_DEATH(
      {
        const Result<void> r;
        std::printf("%s\n", r.error().message().c_str());
      },
      "error\\(\\) on an OK Result");
}

TEST(ResultDeathTest, BuildingFromOkStatusAborts) {
  EXPECT_DEATH(
      {
        const Result<int> r = Status::Ok();
        std::printf("%d\n", r.ok() ? 1 : 0);
      },
      "Result built from an OK Status");
}

}  // namespace
}  // namespace hean
