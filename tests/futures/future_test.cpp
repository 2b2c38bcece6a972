// concur::futures::Future<T>: states, result()/exception() with timeouts, cancel(),
// set_result()/set_exception()/set_running_or_notify_cancel(), shared state of copies.
// (Done-callbacks are in callbacks_test.cpp.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// ---- shared helpers of the futures suites (kept in each file: one self-contained file per
// concept)
#if defined(__SANITIZE_THREAD__)
#define CONCUR_FT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONCUR_FT_TSAN 1
#endif
#endif
#ifndef CONCUR_FT_TSAN
#define CONCUR_FT_TSAN 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CONCUR_FT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONCUR_FT_ASAN 1
#endif
#endif
#ifndef CONCUR_FT_ASAN
#define CONCUR_FT_ASAN 0
#endif

namespace ft {
using Clock = std::chrono::steady_clock;

/// Counts are multiplied by CONCUR_STRESS_SCALE (default 1) and divided by 10 under a
/// sanitizer (ThreadSanitizer is ~10x slower; ASan's allocator slows the big runs too).
[[maybe_unused]] inline std::size_t scaled(std::size_t n, std::size_t minimum = 1) {
  double s = 1.0;
  if (const char* env = std::getenv("CONCUR_STRESS_SCALE")) {
    const double v = std::strtod(env, nullptr);
    if (v > 0) s = v;
  }
  if (CONCUR_FT_TSAN != 0 || CONCUR_FT_ASAN != 0) s /= 10.0;
  const auto v = static_cast<std::size_t>(static_cast<double>(n) * s);
  return v < minimum ? minimum : v;
}

/// Time since t0.
[[maybe_unused]] inline std::chrono::milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

/// Polls f() every millisecond until it is true or `limit` passes; returns f()'s last value.
template <class F>
bool eventually(F f, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = Clock::now() + limit;
  while (!f()) {
    if (Clock::now() > end) return f();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// A distinct exception type, to check that result() rethrows the task's own type.
struct CustomError : std::runtime_error {
  explicit CustomError(const std::string& what, int code_ = 0)
      : std::runtime_error(what), code(code_) {}
  int code;
};

/// Keeps `workers` workers of a pool busy until release(), so later submissions stay queued.
class PoolBlocker {
 public:
  PoolBlocker(concur::futures::ThreadPoolExecutor& pool, std::size_t workers)
      : started_(std::make_shared<std::atomic<std::size_t>>(0)),
        gate_(std::make_shared<concur::threading::Event>()) {
    for (std::size_t i = 0; i < workers; ++i) {
      futures_.push_back(pool.submit([started = started_, gate = gate_] {
        started->fetch_add(1);
        gate->wait();
      }));
    }
    all_started_ = eventually([&] { return started_->load() == workers; });
  }
  PoolBlocker(const PoolBlocker&) = delete;
  PoolBlocker& operator=(const PoolBlocker&) = delete;
  ~PoolBlocker() { release(); }

  /// Whether every worker reached the gate.
  [[nodiscard]] bool all_started() const { return all_started_; }
  void release() { gate_->set(); }
  [[nodiscard]] const std::vector<concur::futures::Future<void>>& futures() const {
    return futures_;
  }

 private:
  std::shared_ptr<std::atomic<std::size_t>> started_;
  std::shared_ptr<concur::threading::Event> gate_;
  std::vector<concur::futures::Future<void>> futures_;
  bool all_started_ = false;
};
}  // namespace ft
// ---- end of shared helpers

using namespace std::chrono_literals;
namespace cf = concur::futures;
using ft::Clock;
using ft::since;

// The exception hierarchy of concurrent.futures (Python: BrokenThreadPool < BrokenExecutor <
// RuntimeError; CancelledError and TimeoutError distinct; InvalidStateError).
static_assert(std::is_base_of_v<concur::Error, concur::TimeoutError>);
static_assert(std::is_base_of_v<concur::Error, concur::CancelledError>);
static_assert(std::is_base_of_v<concur::Error, cf::InvalidStateError>);
static_assert(std::is_base_of_v<concur::RuntimeError, cf::BrokenExecutor>);
static_assert(std::is_base_of_v<cf::BrokenExecutor, cf::BrokenThreadPool>);
static_assert(!std::is_base_of_v<concur::TimeoutError, concur::CancelledError>);
static_assert(std::is_copy_constructible_v<cf::Future<int>>);
static_assert(std::is_same_v<cf::Future<int>::value_type, int>);

TEST(Future, DefaultConstructedIsPending) {
  cf::Future<int> f;
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_FALSE(f.cancelled());
  EXPECT_FALSE(f.wait(0ms));
  cf::Future<void> v;
  EXPECT_FALSE(v.done());
  EXPECT_FALSE(v.running());
  EXPECT_FALSE(v.cancelled());
}

TEST(Future, SetResultThenResult) {
  cf::Future<int> f;
  f.set_result(42);
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.result(), 42);
  EXPECT_EQ(f.result(), 42);  // result() can be read any number of times
  EXPECT_EQ(f.result(0s), 42);
  EXPECT_EQ(f.exception(), nullptr);
  EXPECT_EQ(f.exception(0s), nullptr);
  EXPECT_TRUE(f.wait());
  EXPECT_TRUE(f.wait(0ms));
}

TEST(Future, ResultOfDoneFutureIgnoresAnExpiredTimeout) {
  // Python: result(timeout) on a finished future returns at once, whatever the timeout.
  cf::Future<int> f;
  f.set_result(9);
  EXPECT_EQ(f.result(-1s), 9);
  EXPECT_EQ(f.exception(-1s), nullptr);
}

TEST(Future, ResultReturnsTheStoredValueByReference) {
  cf::Future<std::vector<int>> f;
  f.set_result(std::vector<int>{1, 2, 3});
  const auto& a = f.result();
  const auto& b = f.result();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a, (std::vector<int>{1, 2, 3}));
}

TEST(Future, StringAndMoveOnlyValues) {
  cf::Future<std::string> s;
  std::string text(1000, 'x');
  s.set_result(text);
  EXPECT_EQ(s.result(), text);

  cf::Future<std::unique_ptr<int>> p;
  p.set_result(std::make_unique<int>(5));
  ASSERT_NE(p.result(), nullptr);
  EXPECT_EQ(*p.result(), 5);
}

TEST(Future, VoidFuture) {
  cf::Future<void> f;
  f.set_result();
  EXPECT_TRUE(f.done());
  EXPECT_NO_THROW(f.result());
  EXPECT_EQ(f.exception(), nullptr);
  static_assert(std::is_void_v<decltype(f.result())>);
}

TEST(Future, VoidFutureException) {
  cf::Future<void> f;
  f.set_exception(std::make_exception_ptr(ft::CustomError("void failed", 3)));
  try {
    f.result();
    FAIL() << "expected CustomError";
  } catch (const ft::CustomError& e) {
    EXPECT_EQ(e.code, 3);
    EXPECT_STREQ(e.what(), "void failed");
  }
}

TEST(Future, ExceptionRethrownWithItsTypeEveryTime) {
  cf::Future<int> f;
  f.set_exception(std::make_exception_ptr(ft::CustomError("boom", 7)));
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
  for (int i = 0; i < 3; ++i) {
    try {
      (void)f.result();
      FAIL() << "expected CustomError";
    } catch (const ft::CustomError& e) {
      EXPECT_EQ(e.code, 7);
      EXPECT_STREQ(e.what(), "boom");
    }
  }
  const std::exception_ptr e = f.exception();
  ASSERT_NE(e, nullptr);
  EXPECT_THROW(std::rethrow_exception(e), ft::CustomError);
  EXPECT_EQ(f.exception(), e);  // the same stored exception each time
}

TEST(Future, NonStdExceptionIsRethrownAsIs) {
  cf::Future<int> f;
  f.set_exception(std::make_exception_ptr(42));
  try {
    (void)f.result();
    FAIL() << "expected int";
  } catch (int v) {
    EXPECT_EQ(v, 42);
  }
}

TEST(Future, SecondSetIsInvalidState) {
  cf::Future<int> f;
  f.set_result(1);
  EXPECT_THROW(f.set_result(2), cf::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
               cf::InvalidStateError);
  EXPECT_EQ(f.result(), 1);
  EXPECT_EQ(f.exception(), nullptr);

  cf::Future<int> g;
  g.set_exception(std::make_exception_ptr(std::runtime_error("first")));
  EXPECT_THROW(g.set_result(2), cf::InvalidStateError);
  EXPECT_THROW(g.set_exception(std::make_exception_ptr(std::logic_error("second"))),
               cf::InvalidStateError);
  EXPECT_THROW((void)g.result(), std::runtime_error);

  cf::Future<void> v;
  v.set_result();
  EXPECT_THROW(v.set_result(), cf::InvalidStateError);
}

TEST(Future, SetOnCancelledFutureIsInvalidState) {
  // Python 3.8+: set_result()/set_exception() on a cancelled future raise InvalidStateError.
  cf::Future<int> f;
  ASSERT_TRUE(f.cancel());
  EXPECT_THROW(f.set_result(1), cf::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
               cf::InvalidStateError);
  EXPECT_TRUE(f.cancelled());
  EXPECT_THROW((void)f.result(), concur::CancelledError);
}

TEST(Future, ConcurrentSettersExactlyOneWins) {
  const int rounds = static_cast<int>(ft::scaled(2000, 100));
  for (int r = 0; r < rounds; ++r) {
    cf::Future<int> f;
    std::atomic<int> wins{0};
    std::atomic<int> invalid{0};
    std::atomic<bool> go{false};
    auto setter = [&](int v) {
      while (!go.load()) std::this_thread::yield();
      try {
        if (v == 1) {
          f.set_result(v);
        } else {
          f.set_exception(std::make_exception_ptr(ft::CustomError("loser", v)));
        }
        ++wins;
      } catch (const cf::InvalidStateError&) {
        ++invalid;
      }
    };
    std::thread a(setter, 1);
    std::thread b(setter, 2);
    go = true;
    a.join();
    b.join();
    ASSERT_EQ(wins.load(), 1) << "round " << r;
    ASSERT_EQ(invalid.load(), 1) << "round " << r;
    ASSERT_TRUE(f.done());
    if (f.exception() == nullptr) {
      EXPECT_EQ(f.result(), 1);
    } else {
      EXPECT_THROW((void)f.result(), ft::CustomError);
    }
  }
}

TEST(Future, ResultTimesOut) {
  cf::Future<int> f;
  auto t0 = Clock::now();
  EXPECT_THROW((void)f.result(50ms), concur::TimeoutError);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);

  t0 = Clock::now();
  EXPECT_THROW((void)f.exception(50ms), concur::TimeoutError);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);

  t0 = Clock::now();
  EXPECT_FALSE(f.wait(50ms));
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  EXPECT_FALSE(f.done());  // a timeout changes nothing
}

TEST(Future, ZeroAndNegativeTimeoutsFailAtOnce) {
  cf::Future<int> f;
  const auto t0 = Clock::now();
  EXPECT_THROW((void)f.result(0s), concur::TimeoutError);
  EXPECT_THROW((void)f.result(-5s), concur::TimeoutError);
  EXPECT_THROW((void)f.exception(0ms), concur::TimeoutError);
  EXPECT_FALSE(f.wait(0ns));
  EXPECT_LT(since(t0), 1s);
}

TEST(Future, FractionalAndOptionalTimeouts) {
  cf::Future<void> f;
  const auto t0 = Clock::now();
  EXPECT_THROW(f.result(std::chrono::duration<double>(0.05)), concur::TimeoutError);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  std::thread t([f] {
    std::this_thread::sleep_for(20ms);
    f.set_result();
  });
  // An empty optional duration means "block forever".
  EXPECT_NO_THROW(f.result(std::optional<std::chrono::milliseconds>{}));
  t.join();
}

TEST(Future, HugeTimeoutsDoNotOverflow) {
  cf::Future<int> f;
  std::thread t([f] {
    std::this_thread::sleep_for(20ms);
    f.set_result(1);
  });
  EXPECT_EQ(f.result(std::chrono::hours::max()), 1);
  EXPECT_EQ(f.result(std::chrono::nanoseconds::max()), 1);
  EXPECT_TRUE(f.wait(std::chrono::seconds::max()));
  t.join();
}

TEST(Future, TimedOutFutureCanStillComplete) {
  cf::Future<int> f;
  EXPECT_THROW((void)f.result(1ms), concur::TimeoutError);
  f.set_result(3);
  EXPECT_EQ(f.result(1ms), 3);
}

TEST(Future, ResultWaitsForAnotherThread) {
  cf::Future<int> f;
  std::thread t([f] {
    std::this_thread::sleep_for(20ms);
    f.set_result(7);
  });
  EXPECT_EQ(f.result(), 7);
  t.join();
}

TEST(Future, TimedResultReturnsAsSoonAsSet) {
  cf::Future<int> f;
  std::thread t([f] {
    std::this_thread::sleep_for(20ms);
    f.set_result(8);
  });
  const auto t0 = Clock::now();
  EXPECT_EQ(f.result(30s), 8);
  EXPECT_LT(since(t0), 10s);
  t.join();
}

TEST(Future, ManyWaitersAllWake) {
  cf::Future<int> f;
  std::atomic<int> sum{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back([&, i] {
      try {
        if (i % 2 == 0) {
          sum += f.result();
        } else {
          sum += f.result(30s);
        }
      } catch (...) {
        ++failed;
      }
    });
  }
  std::this_thread::sleep_for(30ms);  // most of them asleep in the kernel by now
  f.set_result(5);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(sum.load(), 40);
  EXPECT_EQ(failed.load(), 0);
}

TEST(Future, WaitersWokenByException) {
  cf::Future<int> f;
  std::atomic<int> custom{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      try {
        (void)f.result(30s);
      } catch (const ft::CustomError&) {
        ++custom;
      } catch (...) {
      }
    });
  }
  std::this_thread::sleep_for(20ms);
  f.set_exception(std::make_exception_ptr(ft::CustomError("wake")));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(custom.load(), 4);
}

TEST(Future, CancelPendingThenResultThrowsCancelled) {
  cf::Future<int> f;
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_TRUE(f.cancel());  // already cancelled: still true
  EXPECT_THROW((void)f.result(), concur::CancelledError);
  EXPECT_THROW((void)f.result(0s), concur::CancelledError);  // not TimeoutError
  EXPECT_THROW((void)f.exception(), concur::CancelledError);
  EXPECT_TRUE(f.wait(0s));
}

TEST(Future, CancelVoidFuture) {
  cf::Future<void> f;
  EXPECT_TRUE(f.cancel());
  EXPECT_THROW(f.result(), concur::CancelledError);
}

TEST(Future, CancelWakesWaiters) {
  cf::Future<int> f;
  std::atomic<int> cancelled{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      try {
        (void)f.result(30s);
      } catch (const concur::CancelledError&) {
        ++cancelled;
      } catch (...) {
      }
    });
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(f.cancel());
  for (auto& t : waiters) t.join();
  EXPECT_EQ(cancelled.load(), 3);
}

TEST(Future, SetRunningOrNotifyCancel) {
  cf::Future<int> f;
  EXPECT_TRUE(f.set_running_or_notify_cancel());
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.cancel());  // running: cannot cancel
  EXPECT_FALSE(f.cancelled());
  EXPECT_TRUE(f.running());
  EXPECT_THROW((void)f.result(10ms), concur::TimeoutError);
  f.set_result(1);
  EXPECT_FALSE(f.running());
  EXPECT_FALSE(f.cancel());  // finished: cannot cancel
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.result(), 1);
}

TEST(Future, SetRunningOnCancelledReturnsFalseAndStaysCancelled) {
  cf::Future<int> f;
  ASSERT_TRUE(f.cancel());
  EXPECT_FALSE(f.set_running_or_notify_cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.cancel());
  EXPECT_THROW((void)f.result(), concur::CancelledError);
}

TEST(Future, SetRunningInWrongStateThrows) {
  // Python raises RuntimeError('Future in unexpected state'); concur throws one of its errors.
  cf::Future<int> running;
  ASSERT_TRUE(running.set_running_or_notify_cancel());
  EXPECT_THROW(running.set_running_or_notify_cancel(), concur::RuntimeError);
  cf::Future<int> finished;
  finished.set_result(1);
  EXPECT_THROW(finished.set_running_or_notify_cancel(), concur::RuntimeError);
  EXPECT_EQ(finished.result(), 1);
}

TEST(Future, CannotCancelFinishedWithException) {
  cf::Future<int> f;
  f.set_exception(std::make_exception_ptr(std::runtime_error("x")));
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.cancelled());
  EXPECT_THROW((void)f.result(), std::runtime_error);
}

TEST(Future, CopiesShareState) {
  cf::Future<int> a;
  cf::Future<int> b = a;
  cf::Future<int> c;
  c = b;
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(a == c);
  EXPECT_FALSE(a == cf::Future<int>());
  EXPECT_TRUE(a.core() == c.core());
  b.set_result(3);
  EXPECT_TRUE(a.done());
  EXPECT_EQ(a.result(), 3);
  EXPECT_EQ(c.result(), 3);
  EXPECT_THROW(c.set_result(4), cf::InvalidStateError);
}

TEST(Future, CancelThroughACopy) {
  cf::Future<int> a;
  const cf::Future<int> b = a;
  EXPECT_TRUE(b.cancel());
  EXPECT_TRUE(a.cancelled());
}

TEST(Future, FutureOutlivesTheThreadThatCompletedIt) {
  std::vector<cf::Future<std::string>> fs(4);
  {
    std::vector<std::thread> ts;
    for (std::size_t i = 0; i < fs.size(); ++i) {
      ts.emplace_back([f = fs[i], i] { f.set_result(std::string("v").append(std::to_string(i))); });
    }
    for (auto& t : ts) t.join();
  }
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const std::string expected = std::string("v").append(std::to_string(i));
    EXPECT_EQ(fs[i].result(), expected);
  }
}

TEST(Future, PoolFutureStates) {
  cf::ThreadPoolExecutor pool(1);
  concur::threading::Event started;
  concur::threading::Event release;
  auto f = pool.submit([&] {
    started.set();
    release.wait();
    return 11;
  });
  ASSERT_TRUE(started.wait(10s));
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.cancel());
  EXPECT_THROW((void)f.result(20ms), concur::TimeoutError);
  release.set();
  EXPECT_EQ(f.result(10s), 11);
  EXPECT_FALSE(f.running());
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
}

TEST(Future, ValueIsReleasedWithTheLastHandle) {
  auto payload = std::make_shared<int>(1);
  std::weak_ptr<int> watch = payload;
  {
    cf::Future<std::shared_ptr<int>> f;
    f.set_result(std::move(payload));
    cf::Future<std::shared_ptr<int>> copy = f;
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_TRUE(watch.expired());
}
