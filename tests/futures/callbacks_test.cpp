// Future<T>::add_done_callback: when, where and how often callbacks run; exceptions in
// callbacks; registration racing completion; lifetimes of what callbacks capture.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <mutex>
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

TEST(Callbacks, RunOnceOnSetResultWithTheFuture) {
  cf::Future<int> f;
  int calls = 0;
  int seen = 0;
  bool same = false;
  bool was_done = false;
  f.add_done_callback([&](cf::Future<int> done) {
    ++calls;
    same = (done == f);
    was_done = done.done();
    seen = done.result();
  });
  EXPECT_EQ(calls, 0);
  f.set_result(5);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(same);
  EXPECT_TRUE(was_done);
  EXPECT_EQ(seen, 5);
  // Nothing later runs it again.
  EXPECT_FALSE(f.cancel());
  EXPECT_THROW(f.set_result(6), cf::InvalidStateError);
  EXPECT_EQ(calls, 1);
}

TEST(Callbacks, AcceptsConstRefAndValueParameters) {
  cf::Future<int> f;
  int sum = 0;
  f.add_done_callback([&](const cf::Future<int>& d) { sum += d.result(); });
  f.add_done_callback([&](cf::Future<int> d) { sum += 10 * d.result(); });
  f.set_result(2);
  EXPECT_EQ(sum, 22);
}

TEST(Callbacks, AlreadyDoneRunsAtOnceInTheCaller) {
  cf::Future<int> f;
  f.set_result(3);
  std::thread::id where;
  int seen = 0;
  f.add_done_callback([&](cf::Future<int> d) {
    where = std::this_thread::get_id();
    seen = d.result();
  });
  EXPECT_EQ(seen, 3);  // before add_done_callback returned
  EXPECT_EQ(where, std::this_thread::get_id());
}

TEST(Callbacks, RunInTheCompletingThread) {
  cf::Future<int> f;
  std::thread::id where;
  f.add_done_callback([&](cf::Future<int>) { where = std::this_thread::get_id(); });
  std::thread::id completer;
  std::thread t([&] {
    completer = std::this_thread::get_id();
    f.set_result(1);
  });
  t.join();
  EXPECT_EQ(where, completer);
  EXPECT_NE(where, std::this_thread::get_id());
}

TEST(Callbacks, RunBeforeSetResultReturns) {
  cf::Future<int> f;
  std::atomic<bool> ran{false};
  f.add_done_callback([&](cf::Future<int>) {
    std::this_thread::sleep_for(10ms);
    ran = true;
  });
  f.set_result(1);
  EXPECT_TRUE(ran.load());
}

TEST(Callbacks, RunInRegistrationOrder) {
  cf::Future<int> f;
  std::vector<int> order;
  for (int i = 0; i < 10; ++i)
    f.add_done_callback([&order, i](cf::Future<int>) { order.push_back(i); });
  f.set_result(0);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Callbacks, RunOnCancel) {
  cf::Future<int> f;
  int calls = 0;
  bool saw_cancel = false;
  f.add_done_callback([&](cf::Future<int> done) {
    ++calls;
    saw_cancel = done.cancelled();
    EXPECT_THROW((void)done.result(), concur::CancelledError);
  });
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(saw_cancel);
  EXPECT_TRUE(f.cancel());  // a second cancel does not call it again
  EXPECT_FALSE(f.set_running_or_notify_cancel());
  EXPECT_EQ(calls, 1);
}

TEST(Callbacks, AddedAfterCancelRunsAtOnce) {
  cf::Future<void> f;
  f.cancel();
  bool saw = false;
  f.add_done_callback([&](cf::Future<void> d) { saw = d.cancelled(); });
  EXPECT_TRUE(saw);
}

TEST(Callbacks, RunOnException) {
  cf::Future<int> f;
  bool got_custom = false;
  f.add_done_callback([&](cf::Future<int> d) {
    try {
      std::rethrow_exception(d.exception());
    } catch (const ft::CustomError& e) {
      got_custom = e.code == 4;
    } catch (...) {
    }
  });
  f.set_exception(std::make_exception_ptr(ft::CustomError("cb", 4)));
  EXPECT_TRUE(got_custom);
}

TEST(Callbacks, VoidFuture) {
  cf::Future<void> f;
  int calls = 0;
  f.add_done_callback([&](cf::Future<void> d) {
    d.result();
    ++calls;
  });
  f.set_result();
  EXPECT_EQ(calls, 1);
}

TEST(Callbacks, ThrowingCallbackIsReportedAndOthersStillRun) {
  cf::Future<int> f;
  int before = 0;
  int later = 0;
  f.add_done_callback([&](cf::Future<int>) { ++before; });
  f.add_done_callback([](cf::Future<int>) { throw std::runtime_error("callback broke"); });
  f.add_done_callback([&](cf::Future<int>) { ++later; });
  testing::internal::CaptureStderr();
  EXPECT_NO_THROW(f.set_result(1));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(before, 1);
  EXPECT_EQ(later, 1);
  EXPECT_NE(err.find("exception calling callback for future"), std::string::npos) << err;
  EXPECT_NE(err.find("callback broke"), std::string::npos) << err;
  EXPECT_EQ(f.result(), 1);  // the future itself is unaffected
}

TEST(Callbacks, ThrowingCallbackOnDoneFutureIsReportedNotThrown) {
  cf::Future<int> f;
  f.set_result(1);
  testing::internal::CaptureStderr();
  EXPECT_NO_THROW(
      f.add_done_callback([](cf::Future<int>) { throw ft::CustomError("late callback broke"); }));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("exception calling callback for future"), std::string::npos) << err;
  EXPECT_NE(err.find("late callback broke"), std::string::npos) << err;
}

TEST(Callbacks, NonStdExceptionInCallbackIsReported) {
  cf::Future<int> f;
  bool later = false;
  f.add_done_callback([](cf::Future<int>) { throw 17; });
  f.add_done_callback([&](cf::Future<int>) { later = true; });
  testing::internal::CaptureStderr();
  EXPECT_NO_THROW(f.cancel());
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(later);
  EXPECT_NE(err.find("exception calling callback for future"), std::string::npos) << err;
}

TEST(Callbacks, ThrowingCallbackInPoolDoesNotKillTheWorker) {
  cf::ThreadPoolExecutor pool(1);
  auto f = pool.submit([] { return 1; });
  testing::internal::CaptureStderr();
  f.add_done_callback([](cf::Future<int>) { throw std::runtime_error("pool callback broke"); });
  EXPECT_EQ(f.result(10s), 1);
  // The one worker keeps serving.
  EXPECT_EQ(pool.submit([] { return 2; }).result(10s), 2);
  pool.shutdown();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("pool callback broke"), std::string::npos) << err;
}

TEST(Callbacks, CallbackMayReadResultAndAddMoreCallbacks) {
  // The future is done and unlocked while its callbacks run: they may use it freely.
  cf::Future<int> f;
  std::vector<std::string> log;
  f.add_done_callback([&](cf::Future<int> d) {
    log.push_back("outer " + std::to_string(d.result(0s)));
    d.add_done_callback(
        [&](cf::Future<int> d2) { log.push_back("inner " + std::to_string(d2.result())); });
    log.push_back("outer end");
  });
  f.set_result(4);
  EXPECT_EQ(log, (std::vector<std::string>{"outer 4", "inner 4", "outer end"}));
}

TEST(Callbacks, CallbackMayCompleteAnotherFuture) {
  cf::Future<int> a;
  cf::Future<int> b;
  a.add_done_callback([b](cf::Future<int> d) { b.set_result(d.result() * 2); });
  int chained = 0;
  b.add_done_callback([&](cf::Future<int> d) { chained = d.result(); });
  a.set_result(21);
  EXPECT_EQ(chained, 42);
  EXPECT_EQ(b.result(0s), 42);
}

TEST(Callbacks, PoolCallbackRunsInWorkerThread) {
  cf::ThreadPoolExecutor pool(1, "cbworker");
  th::Event release;
  auto f = pool.submit([&] {
    release.wait();
    return 1;
  });
  std::string name;
  th::Event ran;
  f.add_done_callback([&](cf::Future<int>) {
    name = th::current_thread().name();
    ran.set();
  });
  release.set();
  ASSERT_TRUE(ran.wait(10s));
  EXPECT_EQ(name.rfind("cbworker", 0), 0U) << name;
}

TEST(Callbacks, PoolCancelledTaskRunsCallbackInCancellingThread) {
  cf::ThreadPoolExecutor pool(1);
  ft::PoolBlocker blocker(pool, 1);
  ASSERT_TRUE(blocker.all_started());
  auto queued = pool.submit([] { return 1; });
  std::thread::id where;
  int calls = 0;
  queued.add_done_callback([&](cf::Future<int> d) {
    where = std::this_thread::get_id();
    ++calls;
    EXPECT_TRUE(d.cancelled());
  });
  EXPECT_TRUE(queued.cancel());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(where, std::this_thread::get_id());
  blocker.release();
  pool.shutdown();
  EXPECT_EQ(calls, 1);  // the worker skipping it does not run it again
}

TEST(Callbacks, CapturedStateReleasedAfterRunning) {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  cf::Future<int> f;
  f.add_done_callback([t = std::move(token)](cf::Future<int>) { ++*t; });
  EXPECT_FALSE(watch.expired());
  f.set_result(1);
  EXPECT_TRUE(watch.expired());  // the future keeps no callback after running it

  auto token2 = std::make_shared<int>(0);
  std::weak_ptr<int> watch2 = token2;
  f.add_done_callback([t = std::move(token2)](cf::Future<int>) { ++*t; });
  EXPECT_TRUE(watch2.expired());
}

TEST(Callbacks, PendingFutureWithCallbackIsFreedWithItsLastHandle) {
  // A future nobody will complete, dropped with a callback registered: Python's garbage
  // collector frees both; the C++ handle must not keep its own state alive forever.
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  {
    cf::Future<int> f;
    f.add_done_callback([t = std::move(token)](cf::Future<int>) { ++*t; });
  }
  EXPECT_TRUE(watch.expired()) << "callback (and future state) leaked: the stored callback "
                                  "holds a Future handle to its own state";
}

TEST(Callbacks, RegisteredFromManyThreadsWhileCompletingEachRunOnce) {
  const int rounds = static_cast<int>(ft::scaled(300, 20));
  constexpr int kAdders = 4;
  constexpr int kPerAdder = 25;
  for (int round = 0; round < rounds; ++round) {
    cf::Future<int> f;
    std::vector<std::atomic<int>> calls(kAdders * kPerAdder);
    std::atomic<int> bad_value{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> adders;
    for (int t = 0; t < kAdders; ++t) {
      adders.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kPerAdder; ++i) {
          f.add_done_callback([&, slot = t * kPerAdder + i](cf::Future<int> d) {
            if (!d.done() || d.result(0s) != round) ++bad_value;
            ++calls[static_cast<std::size_t>(slot)];
          });
        }
      });
    }
    std::thread completer([&] {
      while (!go.load()) std::this_thread::yield();
      f.set_result(round);
    });
    go = true;
    for (auto& t : adders) t.join();
    completer.join();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      ASSERT_EQ(calls[i].load(), 1) << "round " << round << " callback " << i;
    }
    ASSERT_EQ(bad_value.load(), 0);
  }
}

TEST(Callbacks, RegisteredFromManyThreadsWhileCancellingEachRunOnce) {
  const int rounds = static_cast<int>(ft::scaled(300, 20));
  for (int round = 0; round < rounds; ++round) {
    cf::Future<void> f;
    std::atomic<int> calls{0};
    std::atomic<int> not_cancelled{0};
    std::vector<std::thread> adders;
    for (int t = 0; t < 3; ++t) {
      adders.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          f.add_done_callback([&](cf::Future<void> d) {
            if (!d.cancelled()) ++not_cancelled;
            ++calls;
          });
        }
      });
    }
    std::thread canceller([&] { f.cancel(); });
    for (auto& t : adders) t.join();
    canceller.join();
    ASSERT_EQ(calls.load(), 60) << "round " << round;
    ASSERT_EQ(not_cancelled.load(), 0);
  }
}

TEST(Callbacks, CallbackMayWaitOnItsOwnFuture) {
  // The future's lock is not held while callbacks run: wait()/as_completed() inside work.
  cf::Future<int> f;
  std::size_t done_in_wait = 0;
  int yielded = 0;
  f.add_done_callback([&](cf::Future<int> d) {
    done_in_wait = cf::wait(std::vector{d}, 5s).done.size();
    for (const auto& g : cf::as_completed(std::vector{d}, 5s)) yielded += g.result();
  });
  f.set_result(3);
  EXPECT_EQ(done_in_wait, 1U);
  EXPECT_EQ(yielded, 3);
}

TEST(Callbacks, CallbackMaySubmitFollowUpWork) {
  cf::ThreadPoolExecutor pool(2);
  cf::Future<int> follow_up;
  th::Event submitted;
  auto f = pool.submit([] { return 20; });
  f.add_done_callback([&](cf::Future<int> d) {
    follow_up = pool.submit([v = d.result()] { return v + 1; });
    submitted.set();
  });
  ASSERT_TRUE(submitted.wait(10s));
  EXPECT_EQ(follow_up.result(10s), 21);
}

TEST(Callbacks, CallbackInWorkerMayShutDownThePool) {
  cf::ThreadPoolExecutor pool(2);
  th::Event shut;
  auto f = pool.submit([] { return 1; });
  f.add_done_callback([&](cf::Future<int>) {
    pool.shutdown(true);  // may run in the worker: it must not wait for itself
    shut.set();
  });
  ASSERT_TRUE(shut.wait(10s));
  EXPECT_THROW(pool.submit([] { return 2; }), concur::RuntimeError);
}
