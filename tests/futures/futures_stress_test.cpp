// Stress: a million tiny tasks from one and from four submitters (every result checked
// exactly once), callbacks added from many threads while tasks complete, nested submits,
// wait/as_completed over many futures, cancel/shutdown races under load.
// Counts scale with CONCUR_STRESS_SCALE (default 1) and are divided by 10 under sanitizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdint>
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

namespace {
/// Per-index run counters: each task bumps its own slot, so double runs are caught too.
class RunCounts {
 public:
  explicit RunCounts(std::size_t n)
      : counts_(std::make_unique<std::atomic<std::uint8_t>[]>(n)), n_(n) {
    for (std::size_t i = 0; i < n; ++i) counts_[i].store(0, std::memory_order_relaxed);
  }
  void hit(std::size_t i) noexcept { counts_[i].fetch_add(1, std::memory_order_relaxed); }
  /// The first index not hit exactly once, or n.
  [[nodiscard]] std::size_t first_bad() const noexcept {
    for (std::size_t i = 0; i < n_; ++i) {
      if (counts_[i].load(std::memory_order_relaxed) != 1) return i;
    }
    return n_;
  }
  [[nodiscard]] int at(std::size_t i) const noexcept { return counts_[i].load(); }

 private:
  std::unique_ptr<std::atomic<std::uint8_t>[]> counts_;
  std::size_t n_;
};

std::int64_t triangle(std::int64_t n) {
  return n * (n - 1) / 2;
}
}  // namespace

TEST(FuturesStress, MillionTasksFromOneThread) {
  const std::size_t n = ft::scaled(1'000'000, 10'000);
  RunCounts runs(n);
  std::int64_t sum = 0;
  {
    cf::ThreadPoolExecutor pool(4);
    std::vector<cf::Future<std::int64_t>> fs;
    fs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      fs.push_back(pool.submit([&runs, i] {
        runs.hit(i);
        return static_cast<std::int64_t>(i);
      }));
    }
    for (auto& f : fs) sum += f.result(60s);
  }
  EXPECT_EQ(sum, triangle(static_cast<std::int64_t>(n)));
  const std::size_t bad = runs.first_bad();
  EXPECT_EQ(bad, n) << "task " << bad << " ran " << (bad < n ? runs.at(bad) : 0) << " times";
}

TEST(FuturesStress, MillionTasksFromFourThreads) {
  constexpr std::size_t kSubmitters = 4;
  const std::size_t per = ft::scaled(250'000, 2'500);
  const std::size_t n = per * kSubmitters;
  RunCounts runs(n);
  std::atomic<std::int64_t> sum{0};
  std::atomic<int> errors{0};
  {
    cf::ThreadPoolExecutor pool(4);
    std::vector<std::thread> submitters;
    for (std::size_t s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&, s] {
        std::vector<cf::Future<std::int64_t>> mine;
        mine.reserve(per);
        for (std::size_t i = 0; i < per; ++i) {
          const std::size_t id = s * per + i;
          mine.push_back(pool.submit([&runs, id] {
            runs.hit(id);
            return static_cast<std::int64_t>(id);
          }));
        }
        std::int64_t local = 0;
        try {
          for (auto& f : mine) local += f.result(60s);
        } catch (...) {
          ++errors;
        }
        sum += local;
      });
    }
    for (auto& t : submitters) t.join();
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(sum.load(), triangle(static_cast<std::int64_t>(n)));
  EXPECT_EQ(runs.first_bad(), n);
}

TEST(FuturesStress, SubmittersWithCallbacks) {
  constexpr std::size_t kSubmitters = 4;
  const std::size_t per = ft::scaled(100'000, 1'000);
  const std::size_t n = per * kSubmitters;
  RunCounts callback_runs(n);
  std::atomic<std::int64_t> via_callbacks{0};
  std::atomic<std::int64_t> via_results{0};
  {
    cf::ThreadPoolExecutor pool(4);
    std::vector<std::thread> submitters;
    for (std::size_t s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&, s] {
        std::vector<cf::Future<std::int64_t>> mine;
        mine.reserve(per);
        for (std::size_t i = 0; i < per; ++i) {
          const auto id = static_cast<std::int64_t>(s * per + i);
          auto f = pool.submit([id] { return id; });
          f.add_done_callback([&](cf::Future<std::int64_t> d) {
            const std::int64_t v = d.result();
            callback_runs.hit(static_cast<std::size_t>(v));
            via_callbacks += v;
          });
          mine.push_back(std::move(f));
        }
        std::int64_t local = 0;
        for (auto& f : mine) local += f.result(60s);
        via_results += local;
      });
    }
    for (auto& t : submitters) t.join();
    // Callbacks run in the completing worker after the waiters are woken, so one may still
    // be running when result() returns; after shutdown(wait=true) all have run.
    pool.shutdown();
  }
  EXPECT_EQ(via_results.load(), triangle(static_cast<std::int64_t>(n)));
  EXPECT_EQ(via_callbacks.load(), triangle(static_cast<std::int64_t>(n)));
  EXPECT_EQ(callback_runs.first_bad(), n);
}

TEST(FuturesStress, CallbacksAddedFromManyThreadsWhileCompleting) {
  const std::size_t n = ft::scaled(20'000, 1'000);
  constexpr std::size_t kAdders = 4;
  cf::ThreadPoolExecutor pool(2);
  std::vector<cf::Future<int>> fs;
  fs.reserve(n);
  auto per_future = std::make_unique<std::atomic<int>[]>(n);
  for (std::size_t i = 0; i < n; ++i) per_future[i].store(0);
  std::atomic<bool> go{false};
  std::vector<std::thread> adders;
  // The adders start on the futures while the pool is completing them.
  for (std::size_t i = 0; i < n; ++i)
    fs.push_back(pool.submit([i] { return static_cast<int>(i); }));
  for (std::size_t a = 0; a < kAdders; ++a) {
    adders.emplace_back([&, a] {
      while (!go.load()) std::this_thread::yield();
      // Each adder walks the futures from a different starting point.
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (k + a * n / kAdders) % n;
        fs[i].add_done_callback([&per_future](cf::Future<int> d) {
          per_future[static_cast<std::size_t>(d.result())].fetch_add(1);
        });
      }
    });
  }
  go = true;
  for (auto& t : adders) t.join();
  pool.shutdown(true);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(per_future[i].load(), static_cast<int>(kAdders)) << "future " << i;
  }
}

TEST(FuturesStress, NestedSubmitDoesNotDeadlock) {
  // Submitting from a worker never blocks, even with every worker busy and the queue long.
  // (Waiting inside a worker for an inner result can deadlock a full pool, in Python as
  // here, so the inner futures are returned and awaited outside.)
  const int n = static_cast<int>(ft::scaled(20'000, 1'000));
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<std::vector<cf::Future<int>>>> outer;
  outer.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    outer.push_back(pool.submit([&pool, i] {
      std::vector<cf::Future<int>> inner;
      inner.push_back(pool.submit([i] { return i; }));
      inner.push_back(pool.submit([i] { return -i; }));
      inner.push_back(pool.submit([i] { return 2 * i; }));
      return inner;
    }));
  }
  std::int64_t sum = 0;
  for (auto& f : outer) {
    for (const auto& g : f.result(60s)) sum += g.result(60s);
  }
  EXPECT_EQ(sum, 2 * triangle(n));
}

TEST(FuturesStress, NestedSubmitTreeWithWaitsOnSparePool) {
  // A binary tree of calls, each submitting its children to a second pool and waiting for
  // them: waiting inside a worker is fine when the awaited work runs elsewhere.
  cf::ThreadPoolExecutor leaves(4);
  cf::ThreadPoolExecutor inner(4);
  const int n = static_cast<int>(ft::scaled(2'000, 200));
  std::vector<cf::Future<int>> fs;
  for (int i = 0; i < n; ++i) {
    fs.push_back(inner.submit([&leaves, i] {
      auto a = leaves.submit([i] { return i; });
      auto b = leaves.submit([i] { return i + 1; });
      return a.result(60s) + b.result(60s);
    }));
  }
  std::int64_t sum = 0;
  for (auto& f : fs) sum += f.result(60s);
  EXPECT_EQ(sum, 2 * triangle(n) + n);
}

TEST(FuturesStress, WaitOverTenThousandFutures) {
  const std::size_t n = ft::scaled(10'000, 1'000);
  cf::ThreadPoolExecutor pool(4);
  for (int round = 0; round < 3; ++round) {
    std::vector<cf::Future<int>> fs;
    fs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      fs.push_back(pool.submit([i, n]() -> int {
        if (i == n / 2) throw ft::CustomError("one fails");
        return static_cast<int>(i);
      }));
    }
    const auto when =
        round == 0 ? cf::ALL_COMPLETED : (round == 1 ? cf::FIRST_COMPLETED : cf::FIRST_EXCEPTION);
    auto r = cf::wait(fs, 60s, when);
    ASSERT_EQ(r.done.size() + r.not_done.size(), n);
    if (when == cf::ALL_COMPLETED) {
      EXPECT_EQ(r.done.size(), n);
    }
    EXPECT_GE(r.done.size(), 1U);
    if (when == cf::FIRST_EXCEPTION) {
      EXPECT_TRUE(std::any_of(r.done.begin(), r.done.end(),
                              [](const cf::Future<int>& f) { return f.exception() != nullptr; }));
    }
    for (const auto& f : r.done) EXPECT_TRUE(f.done());
    auto all = cf::wait(fs, 60s);
    EXPECT_EQ(all.done.size(), n);
  }
}

TEST(FuturesStress, AsCompletedOverTenThousandFutures) {
  const std::size_t n = ft::scaled(10'000, 1'000);
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs;
  fs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    fs.push_back(pool.submit([i] { return static_cast<int>(i); }));
  RunCounts seen(n);
  std::size_t count = 0;
  for (const auto& f : cf::as_completed(fs, 60s)) {
    seen.hit(static_cast<std::size_t>(f.result()));
    ++count;
  }
  EXPECT_EQ(count, n);
  EXPECT_EQ(seen.first_bad(), n);
}

TEST(FuturesStress, ConcurrentWaitersAndAsCompleted) {
  const std::size_t n = ft::scaled(5'000, 500);
  cf::ThreadPoolExecutor pool(2);
  auto gate = std::make_shared<th::Event>();
  std::vector<cf::Future<int>> fs;
  fs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    fs.push_back(pool.submit([gate, i] {
      gate->wait();
      return static_cast<int>(i);
    }));
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> watchers;
  for (int w = 0; w < 3; ++w) {
    watchers.emplace_back([&, w] {
      if (w == 0) {
        std::size_t c = 0;
        for (const auto& f : cf::as_completed(fs, 60s)) c += f.done() ? 1 : 0;
        if (c == n) ++ok;
      } else {
        auto r = cf::wait(fs, 60s, w == 1 ? cf::ALL_COMPLETED : cf::FIRST_EXCEPTION);
        if (r.done.size() == n) ++ok;
      }
    });
  }
  std::this_thread::sleep_for(20ms);
  gate->set();
  for (auto& t : watchers) t.join();
  EXPECT_EQ(ok.load(), 3);
}

TEST(FuturesStress, CancelWhileSubmittingUnderLoad) {
  // Half the futures are cancelled by another thread while the pool runs them: each one
  // ends either cancelled (and never ran) or finished (and ran once).
  const std::size_t n = ft::scaled(100'000, 5'000);
  RunCounts runs(n);
  std::vector<cf::Future<int>> fs(n, cf::Future<int>(nullptr));
  std::vector<std::uint8_t> cancel_ok(n, 0);
  {
    cf::ThreadPoolExecutor pool(3);
    std::atomic<std::size_t> published{0};
    std::thread canceller([&] {
      for (std::size_t i = 0; i < n; i += 2) {
        while (published.load(std::memory_order_acquire) <= i) std::this_thread::yield();
        cancel_ok[i] = fs[i].cancel() ? 1 : 0;
      }
    });
    for (std::size_t i = 0; i < n; ++i) {
      fs[i] = pool.submit([&runs, i] {
        runs.hit(i);
        return static_cast<int>(i);
      });
      published.store(i + 1, std::memory_order_release);
    }
    canceller.join();
  }
  std::size_t cancelled = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(fs[i].done()) << i;
    ASSERT_EQ(fs[i].cancelled(), cancel_ok[i] == 1) << i;
    ASSERT_EQ(runs.at(i), cancel_ok[i] == 1 ? 0 : 1) << i;
    if (!fs[i].cancelled()) {
      ASSERT_EQ(fs[i].result(0s), static_cast<int>(i));
    }
    cancelled += cancel_ok[i];
  }
  RecordProperty("cancelled", static_cast<int>(cancelled));
}

TEST(FuturesStress, ShutdownWhileBusyLosesNothing) {
  const int rounds = static_cast<int>(ft::scaled(40, 10));
  for (int round = 0; round < rounds; ++round) {
    const bool cancel = round % 2 == 0;
    std::vector<cf::Future<int>> fs;
    auto ran = std::make_shared<std::atomic<int>>(0);
    {
      cf::ThreadPoolExecutor pool(3);
      for (int i = 0; i < 5000; ++i) {
        fs.push_back(pool.submit([ran, i] {
          ran->fetch_add(1);
          return i;
        }));
      }
      pool.shutdown(round % 4 < 2, cancel);
    }
    int finished = 0;
    for (std::size_t i = 0; i < fs.size(); ++i) {
      ASSERT_TRUE(fs[i].done()) << "round " << round << " future " << i;
      if (fs[i].cancelled()) {
        ASSERT_TRUE(cancel);
      } else {
        ASSERT_EQ(fs[i].result(0s), static_cast<int>(i));
        ++finished;
      }
    }
    EXPECT_EQ(finished, ran->load());
  }
}

TEST(FuturesStress, ManyPoolsCreatedAndDestroyed) {
  const int pools = static_cast<int>(ft::scaled(500, 50));
  std::int64_t sum = 0;
  for (int p = 0; p < pools; ++p) {
    cf::ThreadPoolExecutor pool(static_cast<std::size_t>(1 + p % 4));
    std::vector<cf::Future<int>> fs;
    for (int i = 0; i < 8; ++i) fs.push_back(pool.submit([i] { return i; }));
    for (auto& f : fs) sum += f.result(30s);
  }
  EXPECT_EQ(sum, static_cast<std::int64_t>(pools) * 28);
}

TEST(FuturesStress, ManyThreadsWaitOnOneFutureRepeatedly) {
  const int rounds = static_cast<int>(ft::scaled(500, 50));
  cf::ThreadPoolExecutor pool(2);
  for (int r = 0; r < rounds; ++r) {
    auto f = pool.submit([r] { return r; });
    std::atomic<int> ok{0};
    std::vector<std::thread> waiters;
    for (int w = 0; w < 4; ++w) {
      waiters.emplace_back([&, w] {
        if ((w == 0 ? f.result() : f.result(30s)) == r) ++ok;
      });
    }
    for (auto& t : waiters) t.join();
    ASSERT_EQ(ok.load(), 4) << "round " << r;
  }
}
