// concur/timeout.hpp - the timeout argument every blocking call takes.
//
// A Timeout is either "block forever" (the default, Python's timeout=None) or a
// std::chrono duration of any unit or representation, rounded up to nanoseconds:
//   q.get(true, 250ms);  lock.acquire(true, 1.5s);  ev.wait();  // forever
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace concur {

/// A relative timeout: forever (default-constructed or std::nullopt) or a duration.
class Timeout {
 public:
  /// Block forever (Python: timeout=None).
  constexpr Timeout() noexcept = default;
  constexpr Timeout(std::nullopt_t) noexcept {}  // NOLINT(google-explicit-constructor)

  /// Any std::chrono duration; fractional values are rounded up to whole nanoseconds.
  template <class Rep, class Period>
  constexpr Timeout(
      std::chrono::duration<Rep, Period> d) noexcept  // NOLINT(google-explicit-constructor)
      : forever_(false), ns_(to_ns(d)) {}

  /// An optional duration: empty means forever.
  template <class Rep, class Period>
  constexpr Timeout(std::optional<std::chrono::duration<Rep, Period>> d) noexcept  // NOLINT
      : forever_(!d.has_value()), ns_(d ? to_ns(*d) : std::chrono::nanoseconds{0}) {}

  [[nodiscard]] constexpr bool forever() const noexcept { return forever_; }
  /// The duration (meaningless when forever()).
  [[nodiscard]] constexpr std::chrono::nanoseconds duration() const noexcept { return ns_; }
  [[nodiscard]] constexpr bool negative() const noexcept { return !forever_ && ns_.count() < 0; }

 private:
  template <class Rep, class Period>
  static constexpr std::chrono::nanoseconds to_ns(std::chrono::duration<Rep, Period> d) noexcept {
    using namespace std::chrono;
    // Saturate at ~285 years instead of overflowing for huge durations (hours::max()...).
    constexpr long double kMax = 9.0e18L;
    const long double approx = std::chrono::duration<long double, std::nano>(d).count();
    if (approx >= kMax) return nanoseconds{static_cast<std::int64_t>(kMax)};
    if (approx <= -kMax) return nanoseconds{-static_cast<std::int64_t>(kMax)};
    if constexpr (treat_as_floating_point_v<Rep>) {
      auto whole = static_cast<std::int64_t>(approx);
      if (static_cast<long double>(whole) < approx) ++whole;
      return nanoseconds{whole};
    } else {
      return ceil<nanoseconds>(d);
    }
  }

  bool forever_ = true;
  std::chrono::nanoseconds ns_{0};
};

}  // namespace concur
