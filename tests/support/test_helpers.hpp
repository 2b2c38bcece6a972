// Helpers shared by concur's test suites.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace concur_test {

using Clock = std::chrono::steady_clock;

/// True in a ThreadSanitizer build (g++ defines __SANITIZE_THREAD__, clang has the feature).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kUnderTsan = true;
#else
inline constexpr bool kUnderTsan = false;
#endif
#else
inline constexpr bool kUnderTsan = false;
#endif

/// Stress iterations are divided by this under ThreadSanitizer (about 10x slower).
inline constexpr int kScale = kUnderTsan ? 10 : 1;

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

/// n bytes whose content depends on (seed, position), so corrupted or mixed-up messages show.
inline std::string pattern(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761U + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525U + 1013904223U;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace concur_test
