// Helpers shared by the queue tests (not a test itself: the CMake glob only picks *_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/test_helpers.hpp"

#if defined(__SANITIZE_THREAD__)
#define CONCUR_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONCUR_TEST_TSAN 1
#endif
#endif
#ifndef CONCUR_TEST_TSAN
#define CONCUR_TEST_TSAN 0
#endif

namespace concur_test {

using namespace std::chrono_literals;

/// The sizes the FIFO tests run on: 0 (unbounded, locked deque), the ring at 3 (not a power
/// of two), 4 and 1024, and 2^20 + 1 (bounded, but past the ring limit: locked deque).
///
/// maxsize 1 runs in separate MaxsizeOne instantiations: a one-cell ring once accepted a
/// second put while full; Queue(1) now uses the locked core, and these suites guard it.
inline constexpr std::ptrdiff_t kRingLimit = std::ptrdiff_t{1} << 20;
inline const std::vector<std::ptrdiff_t>& all_maxsizes() {
  static const std::vector<std::ptrdiff_t> sizes{0, 3, 4, 1024, kRingLimit + 1};
  return sizes;
}
inline const std::vector<std::ptrdiff_t>& bounded_maxsizes() {
  static const std::vector<std::ptrdiff_t> sizes{3, 4, 1024, kRingLimit + 1};
  return sizes;
}

inline std::string maxsize_name(const testing::TestParamInfo<std::ptrdiff_t>& info) {
  return "maxsize_" + std::to_string(info.param);
}

/// Stress scale: counts are multiplied by CONCUR_STRESS_SCALE (default 1) and divided by 10
/// under ThreadSanitizer.
inline double stress_scale() {
  double s = 1.0;
  if (const char* env = std::getenv("CONCUR_STRESS_SCALE")) {
    const double v = std::strtod(env, nullptr);
    if (v > 0) s = v;
  }
  if (CONCUR_TEST_TSAN) s /= 10.0;
  return s;
}

inline std::size_t scaled(std::size_t n, std::size_t minimum = 1) {
  const auto v = static_cast<std::size_t>(static_cast<double>(n) * stress_scale());
  return v < minimum ? minimum : v;
}

/// Milliseconds since t0.
inline std::chrono::milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

/// Gives a thread that was just started time to reach its blocking call.
inline void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

/// An item that counts its live instances and destructions (of live, non-moved-from objects).
struct Tracked {
  static inline std::atomic<int> live{0};
  static inline std::atomic<int> destroyed{0};

  int value = 0;
  bool owns = true;

  explicit Tracked(int v) : value(v) { live.fetch_add(1); }
  Tracked(Tracked&& o) noexcept : value(o.value), owns(o.owns) {
    o.owns = false;  // ownership moves: the live count is unchanged
  }
  Tracked& operator=(Tracked&& o) noexcept {
    if (this != &o) {
      release();
      value = o.value;
      owns = o.owns;
      o.owns = false;
    }
    return *this;
  }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { release(); }

  static void reset() {
    live.store(0);
    destroyed.store(0);
  }

 private:
  void release() noexcept {
    if (owns) {
      owns = false;
      live.fetch_sub(1);
      destroyed.fetch_add(1);
    }
  }
};

/// An item whose copy and move constructors stop, in threads that set hold_here, while the
/// gate is closed: they hold a put (moving the item in) or a get (moving it out) between
/// claiming its slot and finishing, as a preempted thread would. (Put rvalues: a queue may copy
/// a const item before it claims a slot.)
struct Gated {
  static inline std::atomic<bool> closed{false};
  static inline std::atomic<int> held{0};  // threads currently stopped at the gate
  static inline thread_local bool hold_here = false;

  int value = 0;

  explicit Gated(int v) : value(v) {}
  Gated(const Gated& o) : value(o.value) { wait_at_gate(); }
  Gated(Gated&& o) noexcept : value(o.value) { wait_at_gate(); }
  Gated& operator=(const Gated&) = default;
  Gated& operator=(Gated&&) noexcept = default;
  ~Gated() = default;

  static void wait_at_gate() noexcept {
    if (!hold_here || !closed.load()) return;
    held.fetch_add(1);
    while (closed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    held.fetch_sub(1);
  }
};

/// Closes Gated's gate for its lifetime (and always reopens it, also when a test fails).
class GateClosed {
 public:
  GateClosed() { Gated::closed.store(true); }
  GateClosed(const GateClosed&) = delete;
  GateClosed& operator=(const GateClosed&) = delete;
  ~GateClosed() { open(); }
  static void open() { Gated::closed.store(false); }
};

/// The exception CopyThrows throws.
struct CopyFailed : std::exception {
  [[nodiscard]] const char* what() const noexcept override { return "copy failed"; }
};

/// An item whose copy constructor throws when `fail` is set (bad_alloc copying a string, say).
struct CopyThrows {
  int value = 0;
  bool fail = false;
  CopyThrows(int v, bool f) : value(v), fail(f) {}
  CopyThrows(const CopyThrows& o) : value(o.value), fail(o.fail) {
    if (fail) throw CopyFailed();
  }
  CopyThrows(CopyThrows&&) noexcept = default;
  CopyThrows& operator=(const CopyThrows&) = default;
  CopyThrows& operator=(CopyThrows&&) noexcept = default;
  ~CopyThrows() = default;
};

/// An item whose move constructor may throw (not noexcept), and does when `fail` is set.
struct MoveMayThrow {
  int value = 0;
  bool fail = false;
  MoveMayThrow(int v, bool f) : value(v), fail(f) {}
  MoveMayThrow(const MoveMayThrow&) = default;
  MoveMayThrow(MoveMayThrow&& o) noexcept(false) : value(o.value), fail(o.fail) {
    if (fail) throw CopyFailed();
  }
  MoveMayThrow& operator=(const MoveMayThrow&) = default;
  MoveMayThrow& operator=(MoveMayThrow&&) = default;
  ~MoveMayThrow() = default;
};

/// A queue type and its maxsize, for typed tests that run on every queue flavour.
/// kOrder says in which order 1, 2, 3 put in that order come out.
enum class Order { fifo, lifo, sorted };

template <class Q, std::ptrdiff_t M, Order O>
struct Kind {
  using Queue = Q;
  static constexpr std::ptrdiff_t kMaxsize = M;
  static constexpr Order kOrder = O;
  static std::unique_ptr<Q> make() { return std::make_unique<Q>(M); }
};

/// Names typed-test instances after their queue kind: "Queue_4", "LifoQueue_0", ...
struct KindNames {
  template <class K>
  static std::string GetName(int /*index*/) {
    const char* base = K::kOrder == Order::fifo   ? "Queue_"
                       : K::kOrder == Order::lifo ? "LifoQueue_"
                                                  : "PriorityQueue_";
    return base + std::to_string(K::kMaxsize);
  }
};

/// Every queue flavour (both Queue cores, LifoQueue, PriorityQueue), unbounded and bounded.
using AllKinds = testing::Types<Kind<concur::queue::Queue<int>, 0, Order::fifo>,
                                Kind<concur::queue::Queue<int>, 3, Order::fifo>,
                                Kind<concur::queue::Queue<int>, 4, Order::fifo>,
                                Kind<concur::queue::Queue<int>, 1024, Order::fifo>,
                                Kind<concur::queue::Queue<int>, kRingLimit + 1, Order::fifo>,
                                Kind<concur::queue::LifoQueue<int>, 0, Order::lifo>,
                                Kind<concur::queue::LifoQueue<int>, 3, Order::lifo>,
                                Kind<concur::queue::PriorityQueue<int>, 0, Order::sorted>,
                                Kind<concur::queue::PriorityQueue<int>, 3, Order::sorted>>;
/// The bounded ones (blocking puts).
using BoundedKinds = testing::Types<Kind<concur::queue::Queue<int>, 3, Order::fifo>,
                                    Kind<concur::queue::Queue<int>, 4, Order::fifo>,
                                    Kind<concur::queue::Queue<int>, 1024, Order::fifo>,
                                    Kind<concur::queue::Queue<int>, kRingLimit + 1, Order::fifo>,
                                    Kind<concur::queue::LifoQueue<int>, 3, Order::lifo>,
                                    Kind<concur::queue::PriorityQueue<int>, 3, Order::sorted>>;
/// Queue(1) (see all_maxsizes()).
using MaxsizeOneKinds = testing::Types<Kind<concur::queue::Queue<int>, 1, Order::fifo>>;

/// task_done() that never throws: a ValueError (which would be spurious where it is used: the
/// caller got an item it has not marked done yet) is counted in `spurious` instead.
template <class Q>
void task_done_counting(Q& q, std::atomic<int>& spurious) {
  try {
    q.task_done();
  } catch (const concur::ValueError&) {
    spurious.fetch_add(1);
  }
}

/// q.join() from `joiners` threads, waiting for all of them, without hanging when a task_done()
/// failed spuriously: each such failure (counted in `spurious`; `compensated` of them already
/// made up for) leaves a task unfinished forever, so it is made up for with one more
/// task_done(). The caller asserts that `spurious` stayed 0.
template <class Q>
void join_compensating(Q& q, int joiners, std::atomic<int>& spurious, int& compensated) {
  std::atomic<int> joined{0};
  std::vector<std::thread> threads;
  for (int j = 0; j < joiners; ++j) {
    threads.emplace_back([&] {
      q.join();
      joined.fetch_add(1);
    });
  }
  while (joined.load() < joiners) {
    while (compensated < spurious.load()) {
      try {
        q.task_done();
        ++compensated;
      } catch (const concur::ValueError&) {
        break;  // spurious again: retry after a pause
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  for (auto& t : threads) t.join();
}

/// Puts maxsize items (0, 1, 2, ...) into a bounded queue.
template <class Q>
void fill_to_maxsize(Q& q) {
  const std::size_t n = q.maxsize();
  for (std::size_t i = 0; i < n; ++i) q.put_nowait(static_cast<int>(i));
}

}  // namespace concur_test
