// concur/detail/deadline.hpp - absolute CLOCK_MONOTONIC deadlines for timed waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

#include "concur/timeout.hpp"

namespace concur::detail {

/// Nanoseconds on CLOCK_MONOTONIC (the clock std::chrono::steady_clock uses on Linux).
inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// A point on CLOCK_MONOTONIC after which a wait gives up; or never.
class Deadline {
 public:
  /// Never expires.
  constexpr Deadline() noexcept = default;

  /// now + timeout (a negative timeout is already expired); forever stays forever.
  explicit Deadline(Timeout t) noexcept {
    if (!t.forever()) {
      const std::int64_t d = t.duration().count() < 0 ? 0 : t.duration().count();
      const std::int64_t now = monotonic_ns();
      at_ns_ = (d > kNever - now) ? kNever - 1 : now + d;
    }
  }

  static Deadline never() noexcept { return Deadline{}; }

  [[nodiscard]] bool is_never() const noexcept { return at_ns_ == kNever; }
  [[nodiscard]] bool expired() const noexcept { return !is_never() && monotonic_ns() >= at_ns_; }
  /// Absolute time in nanoseconds on CLOCK_MONOTONIC.
  [[nodiscard]] std::int64_t at_ns() const noexcept { return at_ns_; }
  /// Time left (zero when expired); meaningless when is_never().
  [[nodiscard]] std::chrono::nanoseconds remaining() const noexcept {
    const std::int64_t left = at_ns_ - monotonic_ns();
    return std::chrono::nanoseconds{left > 0 ? left : 0};
  }
  /// What is left as a Timeout for another wait (forever when is_never()).
  [[nodiscard]] Timeout timeout_left() const noexcept {
    return is_never() ? Timeout{} : Timeout(remaining());
  }
  [[nodiscard]] timespec as_timespec() const noexcept {
    return timespec{static_cast<time_t>(at_ns_ / 1'000'000'000),
                    static_cast<long>(at_ns_ % 1'000'000'000)};
  }

 private:
  static constexpr std::int64_t kNever = INT64_MAX;
  std::int64_t at_ns_ = kNever;
};

/// Condition.wait_for(): calls wait_until(deadline) until pred() holds or the deadline
/// passes; returns pred()'s last value (shared by threading and multiprocessing Condition).
template <class Pred, class WaitUntil>
bool wait_for_predicate(Pred& pred, const Deadline& deadline, WaitUntil wait_until) {
  bool result = pred();
  while (!result) {
    if (!deadline.is_never() && deadline.expired()) break;
    wait_until(deadline);
    result = pred();
  }
  return result;
}

}  // namespace concur::detail
