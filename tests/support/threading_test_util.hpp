// Helpers shared by the concur::threading test suites (tests/threading/*_test.cpp).
// Not a test itself: the CMake glob only picks tests/<module>/*_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#define CONCUR_TT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONCUR_TT_TSAN 1
#endif
#endif
#ifndef CONCUR_TT_TSAN
#define CONCUR_TT_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CONCUR_TT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONCUR_TT_ASAN 1
#endif
#endif
#ifndef CONCUR_TT_ASAN
#define CONCUR_TT_ASAN 0
#endif

namespace tt {

namespace th = concur::threading;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline constexpr bool kTsan = CONCUR_TT_TSAN != 0;
inline constexpr bool kAsan = CONCUR_TT_ASAN != 0;
inline constexpr bool kSanitized = kTsan || kAsan;

/// Upper bound for "returned soon after its timeout" checks. This VM is slow and shared,
/// so the bound is generous: it only catches waits that ignore their timeout.
inline constexpr std::chrono::milliseconds kLate{kSanitized ? 5000 : 2000};

/// Stress counts are multiplied by CONCUR_STRESS_SCALE (default 1) and divided by 10 under
/// ThreadSanitizer (which makes synchronisation-heavy code about ten times slower).
inline double stress_scale() {
  double s = 1.0;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before the test starts threads
  if (const char* env = std::getenv("CONCUR_STRESS_SCALE")) {
    const double v = std::strtod(env, nullptr);
    if (v > 0) s = v;
  }
  if (kTsan) s /= 10.0;
  return s;
}

/// n scaled by stress_scale(), at least `floor`.
inline long scaled(long n, long floor = 1) {
  const auto v = static_cast<long>(static_cast<double>(n) * stress_scale());
  return v < floor ? floor : v;
}
inline int scaled_int(int n, int floor = 1) {
  return static_cast<int>(scaled(n, floor));
}

/// Polls f() every millisecond until it is true or `limit` passes; returns f()'s last value.
template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 10s) {
  const auto end = Clock::now() + limit;
  while (!f()) {
    if (Clock::now() > end) return f();
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// How long f() took.
template <class F>
Clock::duration elapsed(F&& f) {
  const auto t0 = Clock::now();
  std::forward<F>(f)();
  return Clock::now() - t0;
}

/// Raises m to at least v.
inline void raise_max(std::atomic<int>& m, int v) {
  int cur = m.load();
  while (v > cur && !m.compare_exchange_weak(cur, v)) {
  }
}

/// A set of concur threads started together and always joined before the group dies, so a
/// failed ASSERT cannot leave a thread running on a test's stack variables.
class ThreadGroup {
 public:
  ThreadGroup() = default;
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;
  ~ThreadGroup() { join(); }

  template <class F, class... Args>
  th::Thread& add(F&& f, Args&&... args) {
    threads_.emplace_back(std::forward<F>(f), std::forward<Args>(args)...);
    return threads_.back();
  }
  template <class F, class... Args>
  th::Thread& add_opts(th::ThreadOptions opts, F&& f, Args&&... args) {
    threads_.emplace_back(std::move(opts), std::forward<F>(f), std::forward<Args>(args)...);
    return threads_.back();
  }
  /// Starts every thread added since the last start().
  void start() {
    for (; started_ < threads_.size(); ++started_) threads_[started_].start();
  }
  /// Joins every started thread; false if one is still running when `limit` has passed.
  bool join_for(std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    bool all = true;
    for (std::size_t i = 0; i < started_; ++i) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left < 0ms) left = 0ms;
      if (!threads_[i].join(left)) all = false;
    }
    return all;
  }
  /// Joins every started thread, however long it takes (the test watchdog bounds it).
  void join() {
    for (std::size_t i = 0; i < started_; ++i) threads_[i].join();
  }
  [[nodiscard]] std::size_t size() const noexcept { return threads_.size(); }
  th::Thread& operator[](std::size_t i) { return threads_[i]; }
  std::vector<th::Thread>& threads() noexcept { return threads_; }

 private:
  std::vector<th::Thread> threads_;
  std::size_t started_ = 0;
};

/// Installs an excepthook for one test and restores the default afterwards.
class HookGuard {
 public:
  HookGuard() = default;
  explicit HookGuard(th::ExceptHook hook) { th::set_excepthook(std::move(hook)); }
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
  ~HookGuard() { th::set_excepthook(nullptr); }
};

/// A hook that swallows exceptions silently (for tests that throw on purpose).
inline th::ExceptHook quiet_hook() {
  return [](const th::ExceptHookArgs&) {};
}

}  // namespace tt
