// Helpers shared by concur's test suites.
#pragma once

#include <chrono>
#include <thread>

namespace concur_test {

using Clock = std::chrono::steady_clock;

/// Stress iterations are divided by this under ThreadSanitizer (about 10x slower).
#if defined(__SANITIZE_THREAD__)
inline constexpr int kScale = 10;
#else
inline constexpr int kScale = 1;
#endif

/// Polls f() every millisecond until it is true or `limit` passes; returns f()'s last value.
template <class F>
bool eventually(F f, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = Clock::now() + limit;
  while (!f()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace concur_test
