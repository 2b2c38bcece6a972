// ThreadPoolExecutor::shutdown(wait, cancel_futures) and the destructor: waiting, not
// waiting, cancelling queued calls, refusing new work, shutting down from inside a task,
// and shutdown racing running tasks and concurrent submitters (no future is ever lost).
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

TEST(Shutdown, WaitTrueWaitsForRunningAndQueuedCalls) {
  std::atomic<int> done{0};
  cf::ThreadPoolExecutor pool(2);
  std::vector<cf::Future<void>> fs;
  for (int i = 0; i < 20; ++i) {
    fs.push_back(pool.submit([&] {
      std::this_thread::sleep_for(2ms);
      ++done;
    }));
  }
  pool.shutdown(true);
  EXPECT_EQ(done.load(), 20);
  for (auto& f : fs) {
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.cancelled());
  }
}

TEST(Shutdown, WaitFalseReturnsAtOnceAndCallsStillComplete) {
  cf::ThreadPoolExecutor pool(2);
  auto gate = std::make_shared<th::Event>();
  std::vector<cf::Future<int>> fs;
  for (int i = 0; i < 10; ++i) {
    fs.push_back(pool.submit([gate, i] {
      gate->wait();
      return i;
    }));
  }
  const auto t0 = Clock::now();
  pool.shutdown(false);  // returns although every call is blocked
  EXPECT_LT(since(t0), 2s);
  EXPECT_THROW(pool.submit([] { return 0; }), concur::RuntimeError);
  for (auto& f : fs) EXPECT_FALSE(f.done());
  gate->set();
  int sum = 0;
  for (auto& f : fs) sum += f.result(10s);
  EXPECT_EQ(sum, 45);
}

TEST(Shutdown, CancelFuturesCancelsQueuedAndLetsRunningFinish) {
  cf::ThreadPoolExecutor pool(1);
  th::Event started;
  auto release = std::make_shared<th::Event>();
  auto running = pool.submit([&started, release] {
    started.set();
    release->wait();
    return 1;
  });
  ASSERT_TRUE(started.wait(10s));
  auto ran_queued = std::make_shared<std::atomic<int>>(0);
  std::vector<cf::Future<int>> queued;
  std::atomic<int> cancel_callbacks{0};
  for (int i = 0; i < 5; ++i) {
    queued.push_back(pool.submit([ran_queued] {
      ++*ran_queued;
      return 2;
    }));
    queued.back().add_done_callback([&](cf::Future<int> d) {
      if (d.cancelled()) ++cancel_callbacks;
    });
  }
  std::thread t([release] {
    std::this_thread::sleep_for(30ms);
    release->set();
  });
  pool.shutdown(true, true);
  t.join();
  EXPECT_TRUE(running.done());
  EXPECT_FALSE(running.cancelled());
  EXPECT_EQ(running.result(), 1);
  for (auto& f : queued) {
    EXPECT_TRUE(f.cancelled());
    EXPECT_THROW((void)f.result(), concur::CancelledError);
  }
  EXPECT_EQ(cancel_callbacks.load(), 5);
  EXPECT_EQ(ran_queued->load(), 0);
}

TEST(Shutdown, CancelFuturesWithoutWait) {
  cf::ThreadPoolExecutor pool(1);
  ft::PoolBlocker blocker(pool, 1);
  ASSERT_TRUE(blocker.all_started());
  std::vector<cf::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([i] { return i; }));
  const auto t0 = Clock::now();
  pool.shutdown(false, true);
  EXPECT_LT(since(t0), 2s);
  for (auto& f : queued) EXPECT_TRUE(f.cancelled());
  EXPECT_FALSE(blocker.futures()[0].done());  // the running call is untouched
  blocker.release();
  blocker.futures()[0].result(10s);
}

TEST(Shutdown, CancelFuturesLeavesUserCancelledAndFinishedAlone) {
  cf::ThreadPoolExecutor pool(1);
  auto finished = pool.submit([] { return 7; });
  ASSERT_EQ(finished.result(10s), 7);
  ft::PoolBlocker blocker(pool, 1);
  ASSERT_TRUE(blocker.all_started());
  auto already = pool.submit([] { return 1; });
  ASSERT_TRUE(already.cancel());
  blocker.release();
  pool.shutdown(true, true);
  EXPECT_FALSE(finished.cancelled());
  EXPECT_EQ(finished.result(), 7);
  EXPECT_TRUE(already.cancelled());
}

TEST(Shutdown, SubmitAfterShutdownIsRuntimeError) {
  for (bool wait : {true, false}) {
    cf::ThreadPoolExecutor pool(2);
    pool.submit([] {}).result(10s);
    pool.shutdown(wait);
    try {
      pool.submit([] {});
      FAIL() << "expected RuntimeError";
    } catch (const cf::BrokenExecutor&) {
      FAIL() << "a shut-down pool is not broken";
    } catch (const concur::RuntimeError& e) {
      EXPECT_NE(std::string(e.what()), "");
    }
  }
  cf::ThreadPoolExecutor unused(2);
  unused.shutdown();
  EXPECT_THROW(unused.submit([] { return 1; }), concur::RuntimeError);
}

TEST(Shutdown, RepeatedShutdownIsHarmless) {
  cf::ThreadPoolExecutor pool(2);
  auto f = pool.submit([] { return 1; });
  pool.shutdown(false);
  pool.shutdown(true);
  pool.shutdown(true, true);
  pool.shutdown(false, false);
  EXPECT_EQ(f.result(10s), 1);
}

TEST(Shutdown, UnusedPoolStartsNoThreads) {
  cf::ThreadPoolExecutor pool(4);
  const auto t0 = Clock::now();
  pool.shutdown(true);
  EXPECT_LT(since(t0), 2s);
  EXPECT_EQ(pool.worker_count(), 0U);
}

TEST(Shutdown, DestructorWaitsForEverything) {
  std::atomic<int> done{0};
  std::vector<cf::Future<int>> fs;
  {
    cf::ThreadPoolExecutor pool(2);
    for (int i = 0; i < 10; ++i) {
      fs.push_back(pool.submit([&done, i] {
        std::this_thread::sleep_for(3ms);
        ++done;
        return i;
      }));
    }
  }
  EXPECT_EQ(done.load(), 10);
  for (auto& f : fs) EXPECT_TRUE(f.done());
}

TEST(Shutdown, DestructorAfterShutdownWithoutWaitJoins) {
  std::atomic<int> done{0};
  {
    cf::ThreadPoolExecutor pool(2);
    for (int i = 0; i < 6; ++i) {
      pool.submit([&done] {
        std::this_thread::sleep_for(5ms);
        ++done;
      });
    }
    pool.shutdown(false);
  }  // the destructor still waits: nothing may touch `done` after this
  EXPECT_EQ(done.load(), 6);
}

TEST(Shutdown, WorkersHaveExitedAfterShutdownWait) {
  cf::ThreadPoolExecutor pool(3);
  ft::PoolBlocker blocker(pool, 3);
  ASSERT_TRUE(blocker.all_started());
  blocker.release();
  std::vector<cf::Future<th::ThreadRef>> refs;
  for (int i = 0; i < 6; ++i) refs.push_back(pool.submit([] { return th::current_thread(); }));
  for (auto& r : refs) (void)r.result(10s);
  pool.shutdown(true);
  for (auto& r : refs) EXPECT_FALSE(r.result().is_alive()) << r.result().name();
}

TEST(Shutdown, IdleWorkersExitPromptly) {
  cf::ThreadPoolExecutor pool(4);
  ft::PoolBlocker blocker(pool, 4);
  ASSERT_TRUE(blocker.all_started());
  blocker.release();
  for (const auto& f : blocker.futures()) f.result(10s);
  const auto t0 = Clock::now();
  pool.shutdown(true);  // four idle workers blocked in the queue must wake and leave
  EXPECT_LT(since(t0), 2s);
}

TEST(Shutdown, FromInsideATaskDoesNotDeadlock) {
  cf::ThreadPoolExecutor pool(2);
  auto f = pool.submit([&pool] {
    pool.shutdown(true);
    return 3;
  });
  EXPECT_EQ(f.result(10s), 3);
  EXPECT_THROW(pool.submit([] {}), concur::RuntimeError);
}

TEST(Shutdown, FromInsideATaskQueuedCallsStillRun) {
  cf::ThreadPoolExecutor pool(1);
  th::Event go;
  auto first = pool.submit([&] {
    go.wait(10s);
    pool.shutdown(true);  // the only worker: it must not wait for itself
    return 1;
  });
  std::vector<cf::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([i] { return 10 + i; }));
  go.set();
  EXPECT_EQ(first.result(10s), 1);
  int sum = 0;
  for (auto& f : queued) sum += f.result(10s);
  EXPECT_EQ(sum, 60);
}

TEST(Shutdown, FromInsideATaskWithCancelFutures) {
  cf::ThreadPoolExecutor pool(1);
  th::Event go;
  auto first = pool.submit([&] {
    go.wait(10s);
    pool.shutdown(true, true);
    return 1;
  });
  std::vector<cf::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([i] { return i; }));
  go.set();
  EXPECT_EQ(first.result(10s), 1);
  for (auto& f : queued) {
    EXPECT_TRUE(f.wait(10s));
    EXPECT_TRUE(f.cancelled());
  }
}

TEST(Shutdown, SubmitFromTaskAfterShutdownIsRuntimeError) {
  cf::ThreadPoolExecutor pool(1);
  th::Event shut;
  auto f = pool.submit([&]() -> bool {
    shut.wait(10s);
    try {
      pool.submit([] {});
      return false;
    } catch (const concur::RuntimeError&) {
      return true;
    }
  });
  pool.shutdown(false);
  shut.set();
  EXPECT_TRUE(f.result(10s));
}

TEST(Shutdown, ConcurrentShutdownsFromSeveralThreads) {
  cf::ThreadPoolExecutor pool(3);
  std::vector<cf::Future<int>> fs;
  for (int i = 0; i < 100; ++i) fs.push_back(pool.submit([i] { return i; }));
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) ts.emplace_back([&pool, t] { pool.shutdown(t % 2 == 0); });
  for (auto& t : ts) t.join();
  pool.shutdown(true);
  for (auto& f : fs) {
    ASSERT_TRUE(f.wait(10s));
    EXPECT_FALSE(f.cancelled());
  }
}

TEST(Shutdown, BrokenPoolShutsDown) {
  testing::internal::CaptureStderr();
  cf::ThreadPoolExecutor pool(2, "", [] { throw std::runtime_error("init"); });
  auto f = pool.submit([] { return 1; });
  EXPECT_THROW((void)f.result(10s), cf::BrokenThreadPool);
  const auto t0 = Clock::now();
  pool.shutdown(true, true);
  EXPECT_LT(since(t0), 5s);
  (void)testing::internal::GetCapturedStderr();
}

TEST(Shutdown, WhileCallsRunEveryFutureEndsDone) {
  // With and without cancel_futures, shutdown(wait=true) leaves no future pending: each
  // one is finished or (only with cancel_futures) cancelled.
  const int rounds = static_cast<int>(ft::scaled(40, 8));
  for (int round = 0; round < rounds; ++round) {
    const bool cancel = round % 2 == 0;
    cf::ThreadPoolExecutor pool(3);
    auto ran = std::make_shared<std::atomic<int>>(0);
    std::vector<cf::Future<int>> fs;
    for (int i = 0; i < 500; ++i) {
      fs.push_back(pool.submit([ran, i] {
        ++*ran;
        if (i % 50 == 0) std::this_thread::sleep_for(100us);
        return i;
      }));
    }
    pool.shutdown(true, cancel);
    int finished = 0;
    int cancelled = 0;
    for (std::size_t i = 0; i < fs.size(); ++i) {
      auto& f = fs[i];
      ASSERT_TRUE(f.done()) << "round " << round << " future " << i;
      if (f.cancelled()) {
        ASSERT_TRUE(cancel) << "cancelled without cancel_futures";
        ++cancelled;
      } else {
        ASSERT_EQ(f.result(0s), static_cast<int>(i));
        ++finished;
      }
    }
    EXPECT_EQ(finished, ran->load()) << "round " << round;
    EXPECT_EQ(finished + cancelled, 500);
  }
}

TEST(Shutdown, WithoutWaitWhileCallsRunEveryFutureEndsDone) {
  const int rounds = static_cast<int>(ft::scaled(40, 8));
  for (int round = 0; round < rounds; ++round) {
    const bool cancel = round % 2 == 1;
    std::vector<cf::Future<int>> fs;
    {
      cf::ThreadPoolExecutor pool(2);
      for (int i = 0; i < 300; ++i) fs.push_back(pool.submit([i] { return i; }));
      pool.shutdown(false, cancel);
      for (std::size_t i = 0; i < fs.size(); ++i) {
        ASSERT_TRUE(fs[i].wait(10s)) << "round " << round << " future " << i;
      }
    }
    for (auto& f : fs) {
      ASSERT_TRUE(f.done());
      if (!cancel) {
        EXPECT_FALSE(f.cancelled());
      }
    }
  }
}

TEST(Shutdown, RacingSubmittersLoseNothing) {
  // Submitters keep submitting while the pool shuts down: each submit either throws
  // RuntimeError or returns a future that then completes (finished, or cancelled with
  // cancel_futures). Fresh pools each round also cover the race with the first worker start.
  const int rounds = static_cast<int>(ft::scaled(60, 10));
  for (int round = 0; round < rounds; ++round) {
    const bool cancel = round % 3 == 2;
    const bool wait = round % 2 == 0;
    std::vector<std::vector<cf::Future<int>>> got(3);
    std::atomic<int> refused{0};
    std::atomic<int> other_errors{0};
    {
      cf::ThreadPoolExecutor pool(2);
      std::atomic<bool> go{false};
      std::vector<std::thread> submitters;
      for (std::size_t s = 0; s < got.size(); ++s) {
        submitters.emplace_back([&, s] {
          while (!go.load()) std::this_thread::yield();
          for (int i = 0; i < 200; ++i) {
            try {
              got[s].push_back(pool.submit([i] { return i; }));
            } catch (const concur::RuntimeError&) {
              ++refused;
              break;  // shut down: every later submit would be refused as well
            } catch (...) {
              ++other_errors;
              break;
            }
          }
        });
      }
      go = true;
      if (round % 4 == 1) std::this_thread::sleep_for(100us);
      pool.shutdown(wait, cancel);
      for (auto& t : submitters) t.join();
      for (auto& list : got) {
        for (auto& f : list) ASSERT_TRUE(f.wait(10s)) << "round " << round << ": future lost";
      }
    }
    EXPECT_EQ(other_errors.load(), 0);
    for (auto& list : got) {
      for (std::size_t i = 0; i < list.size(); ++i) {
        ASSERT_TRUE(list[i].done());
        if (list[i].cancelled()) {
          ASSERT_TRUE(cancel) << "round " << round;
        } else {
          ASSERT_EQ(list[i].result(0s), static_cast<int>(i));
        }
      }
    }
  }
}
