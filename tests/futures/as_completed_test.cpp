// concur::futures::as_completed(fs, timeout): every future once, in completion order
// (finished ones first), duplicates once, TimeoutError("N (of M) futures unfinished").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
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
namespace th = concur::threading;
using ft::Clock;
using ft::since;

namespace {
std::vector<cf::Future<int>> pending(std::size_t n) {
  std::vector<cf::Future<int>> fs;
  for (std::size_t i = 0; i < n; ++i) fs.emplace_back();
  return fs;
}

/// Index in fs of the future equal to f, or -1.
int index_of(const std::vector<cf::Future<int>>& fs, const cf::Future<int>& f) {
  for (std::size_t i = 0; i < fs.size(); ++i) {
    if (fs[i] == f) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

TEST(AsCompleted, EmptyInputYieldsNothing) {
  const auto t0 = Clock::now();
  int n = 0;
  for (const auto& f : cf::as_completed(std::vector<cf::Future<int>>{}, 0s)) {
    (void)f;
    ++n;
  }
  EXPECT_EQ(n, 0);
  EXPECT_LT(since(t0), 1s);
}

TEST(AsCompleted, YieldsInCompletionOrder) {
  // One thread completes them in the order 2, 0, 3, 1: that is the order seen.
  auto fs = pending(4);
  std::thread t([fs] {
    for (int i : {2, 0, 3, 1}) {
      std::this_thread::sleep_for(5ms);
      fs[static_cast<std::size_t>(i)].set_result(i);
    }
  });
  std::vector<int> order;
  for (const auto& f : cf::as_completed(fs, 20s)) {
    EXPECT_TRUE(f.done());
    order.push_back(index_of(fs, f));
  }
  EXPECT_EQ(order, (std::vector<int>{2, 0, 3, 1}));
  t.join();
}

TEST(AsCompleted, FinishedBetweenCallAndIterationAreYielded) {
  auto fs = pending(4);
  auto ac = cf::as_completed(fs, 20s);
  for (int i : {3, 1, 0, 2}) fs[static_cast<std::size_t>(i)].set_result(i);
  std::multiset<int> got;
  for (const auto& f : ac) got.insert(f.result());
  EXPECT_EQ(got, (std::multiset<int>{0, 1, 2, 3}));
}

TEST(AsCompleted, PoolFuturesInCompletionOrder) {
  cf::ThreadPoolExecutor pool(3);
  std::vector<cf::Future<int>> fs;
  for (int ms : {300, 10, 120}) {
    fs.push_back(pool.submit([ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    }));
  }
  std::vector<int> order;
  for (const auto& f : cf::as_completed(fs, 20s)) order.push_back(f.result());
  EXPECT_EQ(order, (std::vector<int>{10, 120, 300}));
}

TEST(AsCompleted, AlreadyDoneComeFirst) {
  auto fs = pending(4);
  fs[3].set_result(3);
  fs[1].cancel();
  auto gate = std::make_shared<th::Event>();
  std::thread t([fs, gate] {
    gate->wait();
    fs[2].set_result(2);
    fs[0].set_result(0);
  });
  std::vector<int> order;
  for (const auto& f : cf::as_completed(fs, 20s)) {
    order.push_back(index_of(fs, f));
    if (order.size() == 2) gate->set();  // the pending ones finish only after two yields
  }
  ASSERT_EQ(order.size(), 4U);
  // The two finished ones first (in either order), then 2 and 0 in completion order.
  EXPECT_EQ(std::set<int>(order.begin(), order.begin() + 2), (std::set<int>{1, 3}));
  EXPECT_EQ(order[2], 2);
  EXPECT_EQ(order[3], 0);
  t.join();
}

TEST(AsCompleted, FirstFinishedYieldedWithoutWaitingForTheRest) {
  auto fs = pending(2);
  fs[1].set_result(1);
  auto ac = cf::as_completed(fs, 20s);
  const auto t0 = Clock::now();
  auto it = ac.begin();
  ASSERT_FALSE(it == ac.end());
  EXPECT_TRUE(*it == fs[1]);
  EXPECT_LT(since(t0), 1s);
  fs[0].set_result(0);
  ++it;
  ASSERT_FALSE(it == ac.end());
  EXPECT_TRUE(*it == fs[0]);
  ++it;
  EXPECT_TRUE(it == ac.end());
}

TEST(AsCompleted, EachFutureExactlyOnce) {
  auto fs = pending(50);
  std::thread t([fs] {
    for (std::size_t i = 0; i < fs.size(); ++i) {
      if (i % 7 == 0) {
        fs[i].cancel();
      } else if (i % 5 == 0) {
        fs[i].set_exception(std::make_exception_ptr(std::runtime_error("x")));
      } else {
        fs[i].set_result(static_cast<int>(i));
      }
      if (i % 10 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  std::vector<int> seen(fs.size(), 0);
  for (const auto& f : cf::as_completed(fs, 20s)) {
    const int i = index_of(fs, f);
    ASSERT_GE(i, 0);
    ++seen[static_cast<std::size_t>(i)];
  }
  t.join();
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << i;
}

TEST(AsCompleted, DuplicatesYieldedOnce) {
  cf::Future<int> f;
  f.set_result(1);
  cf::Future<int> g;
  std::thread t([g] {
    std::this_thread::sleep_for(10ms);
    g.set_result(2);
  });
  int n = 0;
  int sum = 0;
  for (const auto& h : cf::as_completed(std::vector{f, g, f, g, f}, 20s)) {
    ++n;
    sum += h.result();
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(sum, 3);
  t.join();
}

TEST(AsCompleted, CancelledFuturesAreYielded) {
  auto fs = pending(2);
  std::thread t([fs] {
    std::this_thread::sleep_for(10ms);
    fs[0].cancel();
    fs[1].set_result(1);
  });
  std::vector<bool> cancelled;
  for (const auto& f : cf::as_completed(fs, 20s)) cancelled.push_back(f.cancelled());
  EXPECT_EQ(cancelled, (std::vector<bool>{true, false}));
  t.join();
}

TEST(AsCompleted, TimeoutNamesUnfinishedCount) {
  cf::Future<int> ready;
  ready.set_result(1);
  cf::Future<int> never;
  int seen = 0;
  const auto t0 = Clock::now();
  try {
    for (const auto& f : cf::as_completed(std::vector{ready, never}, 50ms)) seen += f.result();
    FAIL() << "expected TimeoutError";
  } catch (const concur::TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "1 (of 2) futures unfinished");
  }
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  EXPECT_EQ(seen, 1);
}

TEST(AsCompleted, TimeoutCountsUniqueFutures) {
  auto fs = pending(3);
  fs[0].set_result(0);
  try {
    for (const auto& f : cf::as_completed(std::vector{fs[0], fs[1], fs[1], fs[2], fs[2]}, 20ms)) {
      (void)f;
    }
    FAIL() << "expected TimeoutError";
  } catch (const concur::TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "2 (of 3) futures unfinished");
  }
}

TEST(AsCompleted, TimeoutBeforeAnythingFinishes) {
  auto fs = pending(3);
  const auto t0 = Clock::now();
  auto ac = cf::as_completed(fs, 50ms);
  try {
    for (const auto& f : ac) (void)f;
    FAIL() << "expected TimeoutError";
  } catch (const concur::TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "3 (of 3) futures unfinished");
  }
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
}

TEST(AsCompleted, TimeoutIsOverallFromTheCall) {
  // Python measures the timeout from the as_completed() call, across all yields.
  auto fs = pending(2);
  fs[0].set_result(0);
  const auto t0 = Clock::now();
  auto ac = cf::as_completed(fs, 200ms);
  auto it = ac.begin();
  EXPECT_TRUE(*it == fs[0]);
  std::this_thread::sleep_for(150ms);  // spend most of the time here
  const auto t1 = Clock::now();
  EXPECT_THROW(++it, concur::TimeoutError);
  EXPECT_LT(since(t1), 190ms) << "the wait restarted the timeout";
  EXPECT_GE(since(t0), 195ms);
  EXPECT_LT(since(t0), 2s);
}

TEST(AsCompleted, ZeroTimeoutWithEverythingDone) {
  auto fs = pending(3);
  for (std::size_t i = 0; i < fs.size(); ++i) fs[i].set_result(static_cast<int>(i));
  int n = 0;
  EXPECT_NO_THROW({
    for (const auto& f : cf::as_completed(fs, 0s)) {
      (void)f;
      ++n;
    }
  });
  EXPECT_EQ(n, 3);
}

TEST(AsCompleted, WithoutTimeoutWaitsAsLongAsNeeded) {
  auto fs = pending(2);
  std::thread t([fs] {
    std::this_thread::sleep_for(60ms);
    fs[0].set_result(0);
    std::this_thread::sleep_for(60ms);
    fs[1].set_result(1);
  });
  int n = 0;
  for (const auto& f : cf::as_completed(fs)) n += 1 + f.result() * 0;
  EXPECT_EQ(n, 2);
  t.join();
}

TEST(AsCompleted, YieldedFuturesAreTheOriginals) {
  std::vector<cf::Future<std::string>> fs(2);
  fs[0].set_result("a");
  fs[1].set_result("b");
  std::set<std::string> got;
  for (const auto& f : cf::as_completed(fs)) {
    EXPECT_TRUE(f == fs[0] || f == fs[1]);
    got.insert(f.result());
  }
  EXPECT_EQ(got, (std::set<std::string>{"a", "b"}));
}

TEST(AsCompleted, VoidFutures) {
  std::vector<cf::Future<void>> fs(3);
  std::thread t([fs] {
    for (const auto& f : fs) f.set_result();
  });
  int n = 0;
  for (const auto& f : cf::as_completed(fs, 20s)) {
    f.result();
    ++n;
  }
  EXPECT_EQ(n, 3);
  t.join();
}

TEST(AsCompleted, AbandonedIterationLeavesFuturesUsable) {
  // Leaving the loop early (or timing out) must unregister from the pending futures.
  auto fs = pending(20);
  fs[0].set_result(0);
  {
    auto ac = cf::as_completed(fs, 10s);
    for (const auto& f : ac) {
      EXPECT_TRUE(f == fs[0]);
      break;
    }
  }
  try {
    for (const auto& f : cf::as_completed(fs, 5ms)) (void)f;
  } catch (const concur::TimeoutError&) {
  }
  std::atomic<int> callbacks{0};
  for (auto& f : fs) f.add_done_callback([&](cf::Future<int>) { ++callbacks; });
  for (std::size_t i = 1; i < fs.size(); ++i) fs[i].set_result(static_cast<int>(i));
  EXPECT_EQ(callbacks.load(), 20);
}

TEST(AsCompleted, CompletedFromManyThreads) {
  const std::size_t n = ft::scaled(2'000, 200);
  auto fs = pending(n);
  std::vector<std::thread> ts;
  constexpr std::size_t kThreads = 4;
  for (std::size_t t = 0; t < kThreads; ++t) {
    ts.emplace_back([&fs, t, n] {
      for (std::size_t i = t; i < n; i += kThreads) fs[i].set_result(static_cast<int>(i));
    });
  }
  std::vector<int> seen(n, 0);
  std::size_t count = 0;
  for (const auto& f : cf::as_completed(fs, 30s)) {
    ++seen[static_cast<std::size_t>(f.result())];
    ++count;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(count, n);
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
}

TEST(AsCompleted, StressTenThousandPoolFutures) {
  const std::size_t n = ft::scaled(10'000, 1'000);
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs;
  fs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    fs.push_back(pool.submit([i] { return static_cast<int>(i); }));
  std::vector<int> seen(n, 0);
  std::size_t count = 0;
  for (const auto& f : cf::as_completed(fs, 60s)) {
    ++seen[static_cast<std::size_t>(f.result())];
    ++count;
  }
  EXPECT_EQ(count, n);
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
}
