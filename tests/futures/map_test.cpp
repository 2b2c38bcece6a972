// Executor::map: results in input order, several ranges zipped to the shortest, the
// trailing overall timeout, exceptions at their item, cancellation when the results are
// dropped, to_vector().
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <list>
#include <memory>
#include <ranges>
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

TEST(Map, KeepsInputOrderWhateverTheCompletionOrder) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<int> in{40, 30, 20, 10, 0};
  auto out = pool.map(
                     [](int ms) {
                       std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                       return ms;
                     },
                     in)
                 .to_vector();
  EXPECT_EQ(out, in);
}

TEST(Map, IteratesLazilyInOrder) {
  cf::ThreadPoolExecutor pool(3);
  std::vector<int> in(100);
  for (int i = 0; i < 100; ++i) in[static_cast<std::size_t>(i)] = i;
  auto results = pool.map([](int x) { return x * x; }, in);
  EXPECT_EQ(results.size(), 100U);
  int i = 0;
  for (int sq : results) {
    EXPECT_EQ(sq, i * i);
    ++i;
  }
  EXPECT_EQ(i, 100);
}

TEST(Map, ReturnsBeforeTheCallsFinish) {
  cf::ThreadPoolExecutor pool(2);
  auto gate = std::make_shared<th::Event>();
  std::vector<int> in{1, 2, 3};
  const auto t0 = Clock::now();
  auto results = pool.map(
      [gate](int x) {
        gate->wait();
        return x;
      },
      in);
  EXPECT_LT(since(t0), 5s);  // did not wait for the gated calls
  gate->set();
  EXPECT_EQ(results.to_vector(), in);
}

TEST(Map, SubmitsEveryCallUpFront) {
  // Python's map submits all calls at once: they run even if nobody iterates yet.
  cf::ThreadPoolExecutor pool(2);
  std::atomic<int> calls{0};
  std::vector<int> in{1, 2, 3, 4, 5};
  auto results = pool.map([&calls](int x) { return calls.fetch_add(1) + x * 0; }, in);
  EXPECT_TRUE(ft::eventually([&] { return calls.load() == 5; }));
  EXPECT_EQ(results.to_vector().size(), 5U);
}

TEST(Map, EmptyRange) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> none;
  auto results = pool.map([](int x) { return x; }, none);
  EXPECT_EQ(results.size(), 0U);
  EXPECT_TRUE(results.begin() == results.end());
  EXPECT_TRUE(results.to_vector().empty());
  EXPECT_EQ(pool.worker_count(), 0U);  // nothing was submitted
}

TEST(Map, SeveralRangesZipToTheShortest) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<int> a{1, 2, 3, 4};
  std::vector<int> b{10, 20, 30};
  EXPECT_EQ(pool.map([](int x, int y) { return x + y; }, a, b).to_vector(),
            (std::vector<int>{11, 22, 33}));
  std::list<std::string> c{"a", "b", "c", "d", "e"};
  std::array<int, 2> d{7, 8};
  EXPECT_EQ(pool.map([](int x, const std::string& s, int y) { return s + std::to_string(x + y); },
                     a, c, d)
                .to_vector(),
            (std::vector<std::string>{"a8", "b10"}));
  std::vector<int> empty;
  EXPECT_EQ(pool.map([](int x, int y) { return x + y; }, a, empty).size(), 0U);
}

TEST(Map, AcceptsViewsAndOtherContainers) {
  cf::ThreadPoolExecutor pool(2);
#if !defined(__clang__) || __clang_major__ >= 15
  // (clang 14 cannot use libstdc++ 12's views: a compiler limitation, not concur's.)
  EXPECT_EQ(pool.map([](int x) { return x * 2; }, std::views::iota(0, 5)).to_vector(),
            (std::vector<int>{0, 2, 4, 6, 8}));
  std::vector<int> base{1, 2, 3};
  EXPECT_EQ(pool.map([](int x) { return x * 2; }, std::views::all(base)).to_vector(),
            (std::vector<int>{2, 4, 6}));
#endif
  std::list<int> l{3, 1, 2};
  EXPECT_EQ(pool.map([](int x) { return -x; }, l).to_vector(), (std::vector<int>{-3, -1, -2}));
  const std::vector<std::string> words{"x", "yy", "zzz"};
  EXPECT_EQ(pool.map([](const std::string& s) { return s.size(); }, words).to_vector(),
            (std::vector<std::size_t>{1, 2, 3}));
}

TEST(Map, ArgumentsAreCopiedWhenSubmitted) {
  cf::ThreadPoolExecutor pool(1);
  auto gate = std::make_shared<th::Event>();
  std::vector<std::string> in{"a", "b"};
  auto results = pool.map(
      [gate](const std::string& s) {
        gate->wait();
        return s + "!";
      },
      in);
  in[0] = "changed";
  in[1] = "changed";
  gate->set();
  EXPECT_EQ(results.to_vector(), (std::vector<std::string>{"a!", "b!"}));
}

TEST(Map, VoidFunction) {
  cf::ThreadPoolExecutor pool(2);
  std::atomic<int> sum{0};
  std::vector<int> in{1, 2, 3};
  auto results = pool.map([&sum](int x) { sum += x; }, in);
  const auto out = results.to_vector();
  EXPECT_EQ(out.size(), 3U);
  EXPECT_EQ(sum.load(), 6);
}

TEST(Map, ExceptionRethrownWhenItsResultIsReached) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> in{1, 2, 3};
  std::atomic<int> calls{0};
  auto results = pool.map(
      [&calls](int x) {
        ++calls;
        if (x == 2) throw ft::CustomError("two", x);
        return x;
      },
      in);
  auto it = results.begin();
  EXPECT_EQ(*it, 1);  // the items before the failing one are delivered
  ++it;
  try {
    (void)*it;
    FAIL() << "expected CustomError";
  } catch (const ft::CustomError& e) {
    EXPECT_EQ(e.code, 2);
  }
  ++it;
  EXPECT_EQ(*it, 3);  // the other calls were not affected
  EXPECT_EQ(calls.load(), 3);
}

TEST(Map, ToVectorThrowsTheFirstException) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> in{1, 2, 3, 4};
  auto results = pool.map(
      [](int x) {
        if (x >= 3) throw std::out_of_range("big " + std::to_string(x));
        return x;
      },
      in);
  try {
    (void)results.to_vector();
    FAIL() << "expected out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "big 3");
  }
}

TEST(Map, TimeoutRaisedFromTheIterator) {
  cf::ThreadPoolExecutor pool(1);
  auto gate = std::make_shared<th::Event>();
  std::vector<int> in{1, 2};
  const auto t0 = Clock::now();
  auto results = pool.map(
      [gate](int x) {
        gate->wait();
        return x;
      },
      in, 50ms);
  auto it = results.begin();
  EXPECT_THROW((void)*it, concur::TimeoutError);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  gate->set();
}

TEST(Map, TimeoutIsOverallNotPerItem) {
  cf::ThreadPoolExecutor pool(2);
  auto gate = std::make_shared<th::Event>();
  std::vector<int> in{0, 1, 2};
  auto results = pool.map(
      [gate](int x) {
        if (x == 2) gate->wait();
        return x;
      },
      in, 300ms);
  auto it = results.begin();
  EXPECT_EQ(*it, 0);
  ++it;
  EXPECT_EQ(*it, 1);
  ++it;
  std::this_thread::sleep_for(350ms);  // the overall time is now spent
  const auto t0 = Clock::now();
  EXPECT_THROW((void)*it, concur::TimeoutError);
  EXPECT_LT(since(t0), 250ms) << "a per-item timeout would have waited another 300 ms";
  gate->set();
}

TEST(Map, DoneResultsAreDeliveredAfterTheDeadline) {
  // Python's map: fs.pop().result(end_time - now) returns a finished result even when the
  // remaining time is negative.
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> in{5, 6};
  auto results = pool.map([](int x) { return x; }, in, 30ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(results.to_vector(), (std::vector<int>{5, 6}));
}

TEST(Map, TimeoutInOtherUnits) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> a{1, 2};
  std::vector<int> b{3, 4};
  EXPECT_EQ(pool.map([](int x, int y) { return x * y; }, a, b, 10s).to_vector(),
            (std::vector<int>{3, 8}));
  EXPECT_EQ(pool.map([](int x) { return x; }, a, std::chrono::duration<double>(5.0)).to_vector(),
            a);
  EXPECT_EQ(pool.map([](int x) { return x; }, a, concur::Timeout{}).to_vector(), a);
  const auto limit = 5s;  // an lvalue duration
  EXPECT_EQ(pool.map([](int x) { return x; }, a, limit).to_vector(), a);

  auto gate = std::make_shared<th::Event>();
  const auto t0 = Clock::now();
  auto slow = pool.map(
      [gate](int x) {
        gate->wait();
        return x;
      },
      a, std::chrono::duration<double>(0.05));
  EXPECT_THROW((void)slow.to_vector(), concur::TimeoutError);
  EXPECT_GE(since(t0), 45ms);
  EXPECT_LT(since(t0), 2s);
  gate->set();
}

TEST(Map, DroppingResultsCancelsCallsNotStarted) {
  std::atomic<int> ran{0};
  {
    cf::ThreadPoolExecutor pool(1);
    ft::PoolBlocker blocker(pool, 1);
    ASSERT_TRUE(blocker.all_started());
    std::vector<int> in(10, 1);
    {
      auto results = pool.map([&ran](int x) { ran += x; }, in);
      EXPECT_EQ(results.size(), 10U);
    }  // dropped before any call could start
    blocker.release();
    pool.shutdown(true);
  }
  EXPECT_EQ(ran.load(), 0);
}

TEST(Map, BreakingOutEarlyCancelsTheRest) {
  std::atomic<int> ran{0};
  {
    cf::ThreadPoolExecutor pool(1);
    auto gate = std::make_shared<th::Event>();
    auto second_started = std::make_shared<th::Event>();
    std::vector<int> in(20);
    for (int i = 0; i < 20; ++i) in[static_cast<std::size_t>(i)] = i;
    {
      auto results = pool.map(
          [&ran, gate, second_started](int x) {
            ++ran;
            if (x == 1) {
              second_started->set();
              gate->wait();  // the worker stays on item 1 until the loop is left
            }
            return x;
          },
          in);
      for (int v : results) {
        EXPECT_EQ(v, 0);
        ASSERT_TRUE(second_started->wait(10s));
        break;
      }
    }
    gate->set();
    pool.shutdown(true);
  }
  // Items 0 and 1 started; 2..19 were cancelled when the results went away.
  EXPECT_EQ(ran.load(), 2);
}

TEST(Map, DroppingResultsLetsRunningCallsFinish) {
  cf::ThreadPoolExecutor pool(1);
  th::Event started;
  auto gate = std::make_shared<th::Event>();
  std::atomic<int> finished{0};
  std::vector<int> in{1};
  {
    auto results = pool.map(
        [&, gate](int) {
          started.set();
          gate->wait();
          ++finished;
        },
        in);
    ASSERT_TRUE(started.wait(10s));
  }
  gate->set();
  pool.shutdown(true);
  EXPECT_EQ(finished.load(), 1);
}

TEST(Map, MovedResultsStillWork) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> in{1, 2, 3};
  auto a = pool.map([](int x) { return x + 1; }, in);
  cf::MapResults<int> b = std::move(a);
  EXPECT_EQ(b.to_vector(), (std::vector<int>{2, 3, 4}));
}

TEST(Map, AfterShutdownIsRuntimeError) {
  cf::ThreadPoolExecutor pool(2);
  pool.shutdown();
  std::vector<int> in{1};
  EXPECT_THROW((void)pool.map([](int x) { return x; }, in), concur::RuntimeError);
}

TEST(Map, ThroughTheExecutorBase) {
  cf::ThreadPoolExecutor pool(2);
  cf::Executor& ex = pool;
  std::vector<int> in{1, 2, 3};
  EXPECT_EQ(ex.map([](int x) { return x * 10; }, in).to_vector(), (std::vector<int>{10, 20, 30}));
}

TEST(Map, LargeInputKeepsOrder) {
  cf::ThreadPoolExecutor pool(4);
  const int n = static_cast<int>(ft::scaled(20'000, 2'000));
  std::vector<int> in(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) in[static_cast<std::size_t>(i)] = i;
  int expect = 0;
  for (int v : pool.map([](int x) { return x; }, in)) {
    ASSERT_EQ(v, expect);
    ++expect;
  }
  EXPECT_EQ(expect, n);
}

TEST(Map, TimedOutResultsCancelTheRestWhenDropped) {
  // Python's map generator cancels the pending calls when it is closed after a timeout.
  auto ran = std::make_shared<std::atomic<int>>(0);
  auto gate = std::make_shared<th::Event>();
  cf::ThreadPoolExecutor pool(1);
  std::vector<int> in{0, 1, 2, 3};
  {
    auto results = pool.map(
        [ran, gate](int x) {
          ++*ran;
          gate->wait();
          return x;
        },
        in, 30ms);
    EXPECT_THROW((void)results.to_vector(), concur::TimeoutError);
  }
  gate->set();
  pool.shutdown(true);
  EXPECT_EQ(ran->load(), 1);  // only the call that was running when the results went away
}
