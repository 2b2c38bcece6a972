// concur::futures::wait(fs, timeout, return_when): ALL_COMPLETED, FIRST_COMPLETED,
// FIRST_EXCEPTION; {done, not_done} in input order; never throws on timeout; cancelled
// futures count as done.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <memory>
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

bool same(const std::vector<cf::Future<int>>& a, const std::vector<cf::Future<int>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i])) return false;
  }
  return true;
}

/// Completes f with value after `delay`, from another thread.
std::thread complete_later(cf::Future<int> f, std::chrono::milliseconds delay, int value) {
  return std::thread([f, delay, value] {
    std::this_thread::sleep_for(delay);
    f.set_result(value);
  });
}
}  // namespace

TEST(Wait, EmptyListReturnsAtOnce) {
  for (auto when : {cf::ALL_COMPLETED, cf::FIRST_COMPLETED, cf::FIRST_EXCEPTION}) {
    const auto t0 = Clock::now();
    auto [done, not_done] = cf::wait(std::vector<cf::Future<int>>{}, 5s, when);
    EXPECT_TRUE(done.empty());
    EXPECT_TRUE(not_done.empty());
    EXPECT_LT(since(t0), 1s);
  }
}

TEST(Wait, AllCompletedIsTheDefault) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs;
  for (int ms : {30, 10, 20}) {
    fs.push_back(pool.submit([ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    }));
  }
  auto [done, not_done] = cf::wait(fs);
  EXPECT_TRUE(not_done.empty());
  EXPECT_TRUE(same(done, fs));  // input order, not completion order
  for (auto& f : fs) EXPECT_TRUE(f.done());
}

TEST(Wait, AllAlreadyDoneReturnsAtOnce) {
  auto fs = pending(3);
  fs[0].set_result(1);
  fs[1].set_exception(std::make_exception_ptr(std::runtime_error("x")));
  fs[2].cancel();
  for (auto when : {cf::ALL_COMPLETED, cf::FIRST_COMPLETED, cf::FIRST_EXCEPTION}) {
    const auto t0 = Clock::now();
    auto [done, not_done] = cf::wait(fs, 0s, when);
    EXPECT_TRUE(same(done, fs));
    EXPECT_TRUE(not_done.empty());
    EXPECT_LT(since(t0), 1s);
  }
}

TEST(Wait, InputOrderKeptInBothLists) {
  auto fs = pending(6);
  fs[4].set_result(4);
  fs[1].set_result(1);
  fs[3].cancel();
  auto [done, not_done] = cf::wait(fs, 10ms);
  EXPECT_TRUE(same(done, {fs[1], fs[3], fs[4]}));
  EXPECT_TRUE(same(not_done, {fs[0], fs[2], fs[5]}));
}

TEST(Wait, FirstCompleted) {
  auto fs = pending(3);
  std::thread t = complete_later(fs[1], 20ms, 10);
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_COMPLETED);
  EXPECT_LT(since(t0), 5s);
  ASSERT_EQ(done.size(), 1U);
  EXPECT_TRUE(done[0] == fs[1]);
  EXPECT_EQ(done[0].result(), 10);
  EXPECT_TRUE(same(not_done, {fs[0], fs[2]}));
  t.join();
}

TEST(Wait, FirstCompletedWithOneAlreadyDoneReturnsAtOnce) {
  auto fs = pending(3);
  fs[2].set_result(2);
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_COMPLETED);
  EXPECT_LT(since(t0), 1s);
  EXPECT_TRUE(same(done, {fs[2]}));
  EXPECT_TRUE(same(not_done, {fs[0], fs[1]}));
}

TEST(Wait, FirstCompletedWakesOnCancel) {
  auto fs = pending(2);
  std::thread t([f = fs[0]] {
    std::this_thread::sleep_for(20ms);
    f.cancel();
  });
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_COMPLETED);
  ASSERT_EQ(done.size(), 1U);
  EXPECT_TRUE(done[0].cancelled());
  EXPECT_EQ(not_done.size(), 1U);
  t.join();
}

TEST(Wait, FirstCompletedWakesOnException) {
  auto fs = pending(2);
  std::thread t([f = fs[1]] {
    std::this_thread::sleep_for(20ms);
    f.set_exception(std::make_exception_ptr(ft::CustomError("x")));
  });
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_COMPLETED);
  EXPECT_TRUE(same(done, {fs[1]}));
  EXPECT_TRUE(same(not_done, {fs[0]}));
  t.join();
}

TEST(Wait, FirstException) {
  cf::ThreadPoolExecutor pool(4);
  auto gate = std::make_shared<th::Event>();
  std::vector<cf::Future<int>> fs;
  fs.push_back(pool.submit([gate] {
    gate->wait();
    return 1;
  }));
  fs.push_back(pool.submit([]() -> int {
    std::this_thread::sleep_for(10ms);
    throw ft::CustomError("x");
  }));
  fs.push_back(pool.submit([] { return 3; }));
  ASSERT_EQ(fs[2].result(10s), 3);
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_EXCEPTION);
  EXPECT_TRUE(same(not_done, {fs[0]}));
  // fs[1] failed; fs[2] had finished.
  ASSERT_EQ(done.size(), 2U);
  EXPECT_TRUE(done[0] == fs[1]);
  EXPECT_THROW((void)done[0].result(), ft::CustomError);
  EXPECT_TRUE(done[1] == fs[2]);
  gate->set();
}

TEST(Wait, FirstExceptionIgnoresSuccessesUntilAFailure) {
  auto fs = pending(3);
  std::thread t([fs] {
    std::this_thread::sleep_for(10ms);
    fs[0].set_result(0);
    std::this_thread::sleep_for(20ms);
    fs[2].set_exception(std::make_exception_ptr(std::runtime_error("late")));
  });
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_EXCEPTION);
  EXPECT_TRUE(same(done, {fs[0], fs[2]}));
  EXPECT_TRUE(same(not_done, {fs[1]}));
  t.join();
}

TEST(Wait, FirstExceptionAlreadyFailedReturnsAtOnce) {
  auto fs = pending(2);
  fs[1].set_exception(std::make_exception_ptr(std::runtime_error("x")));
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_EXCEPTION);
  EXPECT_LT(since(t0), 1s);
  EXPECT_TRUE(same(done, {fs[1]}));
  EXPECT_TRUE(same(not_done, {fs[0]}));
}

TEST(Wait, FirstExceptionWithoutFailureWaitsForAll) {
  auto fs = pending(3);
  std::thread t([fs] {
    for (const auto& f : fs) {
      std::this_thread::sleep_for(10ms);
      f.set_result(1);
    }
  });
  auto [done, not_done] = cf::wait(fs, 10s, cf::FIRST_EXCEPTION);
  EXPECT_TRUE(same(done, fs));
  EXPECT_TRUE(not_done.empty());
  t.join();
}

TEST(Wait, FirstExceptionDoesNotCountCancellation) {
  auto fs = pending(2);
  fs[0].cancel();
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(fs, 50ms, cf::FIRST_EXCEPTION);
  EXPECT_GE(since(t0), 45ms);  // a cancelled future is not a failure: waited until timeout
  EXPECT_LT(since(t0), 2s);
  EXPECT_TRUE(same(done, {fs[0]}));
  EXPECT_TRUE(same(not_done, {fs[1]}));
}

TEST(Wait, TimeoutReturnsNotDoneWithoutThrowing) {
  cf::Future<int> never;
  cf::Future<int> ready;
  ready.set_result(1);
  for (auto when : {cf::ALL_COMPLETED, cf::FIRST_EXCEPTION}) {
    const auto t0 = Clock::now();
    cf::DoneAndNotDone<int> r;
    EXPECT_NO_THROW(r = cf::wait(std::vector{never, ready}, 50ms, when));
    EXPECT_GE(since(t0), 45ms);
    EXPECT_LT(since(t0), 2s);
    EXPECT_TRUE(same(r.done, {ready}));
    EXPECT_TRUE(same(r.not_done, {never}));
  }
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(std::vector{never}, 50ms, cf::FIRST_COMPLETED);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(not_done.size(), 1U);
}

TEST(Wait, ZeroAndNegativeTimeoutPollOnce) {
  auto fs = pending(2);
  fs[0].set_result(0);
  const auto t0 = Clock::now();
  auto r1 = cf::wait(fs, 0s);
  auto r2 = cf::wait(fs, -1s, cf::FIRST_EXCEPTION);
  EXPECT_LT(since(t0), 1s);
  EXPECT_TRUE(same(r1.done, {fs[0]}));
  EXPECT_TRUE(same(r1.not_done, {fs[1]}));
  EXPECT_TRUE(same(r2.not_done, {fs[1]}));
}

TEST(Wait, CancelledCountsAsDone) {
  auto fs = pending(2);
  fs[0].cancel();
  fs[1].set_result(1);
  auto [done, not_done] = cf::wait(fs, 1s);
  EXPECT_EQ(done.size(), 2U);
  EXPECT_TRUE(not_done.empty());
}

TEST(Wait, AllCompletedWakesWhenTheLastCompletes) {
  auto fs = pending(4);
  std::thread t([fs] {
    for (const auto& f : fs) {
      std::this_thread::sleep_for(5ms);
      f.set_result(1);
    }
  });
  const auto t0 = Clock::now();
  auto [done, not_done] = cf::wait(fs, 20s);
  EXPECT_LT(since(t0), 10s);
  EXPECT_EQ(done.size(), 4U);
  EXPECT_TRUE(not_done.empty());
  t.join();
}

TEST(Wait, VoidFutures) {
  std::vector<cf::Future<void>> fs(3);
  fs[0].set_result();
  auto [done, not_done] = cf::wait(fs, 10ms);
  EXPECT_EQ(done.size(), 1U);
  EXPECT_EQ(not_done.size(), 2U);
  fs[1].set_result();
  fs[2].set_exception(std::make_exception_ptr(std::runtime_error("x")));
  auto all = cf::wait(fs, 10s, cf::FIRST_EXCEPTION);
  EXPECT_EQ(all.done.size(), 3U);
}

TEST(Wait, FuturesCompletedAfterATimedOutWaitAreSafe) {
  // The wait's watcher must be gone from every future once wait() returns.
  auto fs = pending(50);
  for (int round = 0; round < 3; ++round) {
    auto [done, not_done] = cf::wait(fs, 5ms, round == 0 ? cf::ALL_COMPLETED : cf::FIRST_COMPLETED);
    EXPECT_EQ(not_done.size(), 50U);
  }
  std::atomic<int> callbacks{0};
  for (auto& f : fs) f.add_done_callback([&](cf::Future<int>) { ++callbacks; });
  for (std::size_t i = 0; i < fs.size(); ++i) fs[i].set_result(static_cast<int>(i));
  EXPECT_EQ(callbacks.load(), 50);
}

TEST(Wait, ManyConcurrentWaitersOnTheSameFutures) {
  auto fs = pending(100);
  constexpr int kWaiters = 4;
  std::atomic<int> ok{0};
  std::vector<std::thread> waiters;
  for (int w = 0; w < kWaiters; ++w) {
    waiters.emplace_back([&, w] {
      const auto when = w % 2 == 0 ? cf::ALL_COMPLETED : cf::FIRST_EXCEPTION;
      auto r = cf::wait(fs, 30s, when);
      if (r.done.size() == 100 && r.not_done.empty()) ++ok;
    });
  }
  std::this_thread::sleep_for(20ms);
  for (std::size_t i = 0; i < fs.size(); ++i) fs[i].set_result(static_cast<int>(i));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(ok.load(), kWaiters);
}

TEST(Wait, MixedPoolAndPlainFutures) {
  cf::ThreadPoolExecutor pool(2);
  cf::Future<int> plain;
  std::vector<cf::Future<int>> fs{pool.submit([] { return 1; }), plain};
  auto first = cf::wait(fs, 10s, cf::FIRST_COMPLETED);
  EXPECT_TRUE(same(first.done, {fs[0]}));
  std::thread t([plain] {
    std::this_thread::sleep_for(10ms);
    plain.set_result(2);
  });
  auto all = cf::wait(fs, 10s);
  EXPECT_EQ(all.done.size(), 2U);
  t.join();
}

TEST(Wait, StressTenThousandFutures) {
  const std::size_t n = ft::scaled(10'000, 1'000);
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs;
  fs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    fs.push_back(pool.submit([i] { return static_cast<int>(i); }));
  auto first = cf::wait(fs, 30s, cf::FIRST_COMPLETED);
  EXPECT_GE(first.done.size(), 1U);
  EXPECT_EQ(first.done.size() + first.not_done.size(), n);
  auto [done, not_done] = cf::wait(fs, 60s);
  ASSERT_EQ(done.size(), n);
  EXPECT_TRUE(not_done.empty());
  long sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(done[i] == fs[i]);
    sum += done[i].result();
  }
  EXPECT_EQ(sum, static_cast<long>(n) * static_cast<long>(n - 1) / 2);
}

TEST(Wait, StressFirstCompletedAmongManyPending) {
  const std::size_t n = ft::scaled(10'000, 1'000);
  auto fs = pending(n);
  std::thread t([f = fs[n / 2]] {
    std::this_thread::sleep_for(20ms);
    f.set_result(1);
  });
  auto [done, not_done] = cf::wait(fs, 30s, cf::FIRST_COMPLETED);
  ASSERT_EQ(done.size(), 1U);
  EXPECT_TRUE(done[0] == fs[n / 2]);
  EXPECT_EQ(not_done.size(), n - 1);
  t.join();
}

TEST(Wait, DuplicateFutureReportedOnce) {
  cf::Future<int> a;
  cf::Future<int> b;
  a.set_result(1);
  const auto [done, not_done] = cf::wait(std::vector<cf::Future<int>>{a, a, b, b}, 10ms);
  ASSERT_EQ(done.size(), 1U);
  ASSERT_EQ(not_done.size(), 1U);
  EXPECT_TRUE(done[0] == a);
  EXPECT_TRUE(not_done[0] == b);
}
