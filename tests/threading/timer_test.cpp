// Tests for concur::threading::Timer (Python: threading.Timer).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/threading_test_util.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;
using tt::Clock;
using tt::eventually;
using tt::kLate;

TEST(Timer, FiresAfterInterval) {
  std::atomic<int> ran{0};
  std::atomic<Clock::rep> fired_at{0};
  const auto t0 = Clock::now();
  th::Timer t(50ms, [&] {
    fired_at = Clock::now().time_since_epoch().count();
    ran.fetch_add(1);
  });
  t.start();
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_EQ(ran.load(), 1);
  const auto delay = Clock::time_point(Clock::duration(fired_at.load())) - t0;
  EXPECT_GE(delay, 45ms);
  EXPECT_LT(delay, kLate);
}

TEST(Timer, DoesNotFireBeforeTheInterval) {
  std::atomic<int> ran{0};
  th::Timer t(300ms, [&] { ran.fetch_add(1); });
  t.start();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_TRUE(t.is_alive());
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_EQ(ran.load(), 1);
}

TEST(Timer, ZeroIntervalFiresPromptly) {
  std::atomic<int> ran{0};
  th::Timer t(0ms, [&] { ran.fetch_add(1); });
  const auto el = tt::elapsed([&] {
    t.start();
    t.join();
  });
  EXPECT_EQ(ran.load(), 1);
  EXPECT_LT(el, kLate);
}

TEST(Timer, FloatingPointInterval) {
  std::atomic<int> ran{0};
  th::Timer t(std::chrono::duration<double>(0.02), [&] { ran.fetch_add(1); });
  const auto el = tt::elapsed([&] {
    t.start();
    t.join();
  });
  EXPECT_EQ(ran.load(), 1);
  EXPECT_GE(el, 15ms);
}

TEST(Timer, ArgumentsCopied) {
  std::string got;
  std::string arg = "hello";
  th::Timer t(
      1ms, [&](const std::string& s, int n) { got = s + std::to_string(n); }, arg, 7);
  arg = "changed";
  t.start();
  t.join();
  EXPECT_EQ(got, "hello7");
}

TEST(Timer, StdRefArgumentShared) {
  int target = 0;
  th::Timer t(
      1ms, [](int& v, int add) { v += add; }, std::ref(target), 5);
  t.start();
  t.join();
  EXPECT_EQ(target, 5);
}

TEST(Timer, CancelBeforeStartNeverRuns) {
  std::atomic<int> ran{0};
  th::Timer t(10ms, [&] { ran.fetch_add(1); });
  t.cancel();
  t.start();
  EXPECT_TRUE(t.join(kLate * 5));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(ran.load(), 0);
}

TEST(Timer, CancelWhileWaitingNeverRunsAndEndsTheThread) {
  std::atomic<int> ran{0};
  th::Timer t(5s, [&] { ran.fetch_add(1); });
  t.start();
  std::this_thread::sleep_for(20ms);
  t.cancel();
  const auto el = tt::elapsed([&] { EXPECT_TRUE(t.join(kLate * 2)); });
  EXPECT_LT(el, kLate);  // the thread ends promptly instead of sleeping out its 5 s
  EXPECT_FALSE(t.is_alive());
  EXPECT_EQ(ran.load(), 0);
}

TEST(Timer, CancelFromAnotherThread) {
  std::atomic<int> ran{0};
  th::Timer t(5s, [&] { ran.fetch_add(1); });
  t.start();
  th::Thread canceller([&] { t.cancel(); });
  canceller.start();
  canceller.join();
  EXPECT_TRUE(t.join(kLate * 2));
  EXPECT_EQ(ran.load(), 0);
}

TEST(Timer, CancelTwiceAndAfterFiringIsHarmless) {
  std::atomic<int> ran{0};
  th::Timer t(1ms, [&] { ran.fetch_add(1); });
  t.start();
  t.join();
  t.cancel();
  t.cancel();
  EXPECT_EQ(ran.load(), 1);
  th::Timer u(5s, [&] { ran.fetch_add(100); });
  u.cancel();
  u.cancel();
  u.start();
  u.join();
  EXPECT_EQ(ran.load(), 1);
}

TEST(Timer, IsAThread) {
  th::Timer t(1ms, [] {});
  th::Thread& as_thread = t;
  EXPECT_EQ(as_thread.name().rfind("Thread-", 0), 0U) << as_thread.name();
  t.set_name("my-timer");
  t.set_daemon(true);
  EXPECT_EQ(t.name(), "my-timer");
  EXPECT_TRUE(t.daemon());
  EXPECT_FALSE(t.is_alive());
  EXPECT_FALSE(t.ident().has_value());
  t.start();
  EXPECT_TRUE(t.ident().has_value());
  EXPECT_THROW(t.start(), concur::RuntimeError);
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_FALSE(t.is_alive());
}

TEST(Timer, FunctionRunsInTheTimerThread) {
  th::ThreadRef inside;
  th::Timer t(1ms, [&] { inside = th::current_thread(); });
  t.start();
  t.join();
  EXPECT_TRUE(inside == t);
  EXPECT_FALSE(inside == th::main_thread());
}

TEST(Timer, ExceptionGoesToExcepthook) {
  std::mutex m;
  std::string message;
  std::string thread_name;
  tt::HookGuard guard([&](const th::ExceptHookArgs& a) {
    std::lock_guard g(m);
    message = a.message;
    thread_name = a.thread.name();
  });
  th::Timer t(1ms, [] { throw std::runtime_error("timer failed"); });
  t.set_name("failing-timer");
  t.start();
  EXPECT_TRUE(t.join(kLate * 5));
  std::lock_guard g(m);
  EXPECT_EQ(message, "timer failed");
  EXPECT_EQ(thread_name, "failing-timer");
}

TEST(Timer, VectorOfTimers) {
  std::atomic<int> sum{0};
  std::vector<th::Timer> v;
  for (int i = 1; i <= 5; ++i)
    v.emplace_back(
        1ms, [&sum](int k) { sum += k; }, i);
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_EQ(sum.load(), 15);
}

// ------------------------------------------------------------------ stress

// Cancelled timers (long interval, cancelled right away) never run; the others run
// exactly once.
TEST(TimerStress, ManyTimersHalfCancelled) {
  const int n = tt::scaled_int(100, 10);
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(n));
  std::vector<th::Timer> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto interval = (i % 2 == 0) ? std::chrono::milliseconds(10s) : 10ms;
    v.emplace_back(interval, [&runs, i] { runs[static_cast<std::size_t>(i)].fetch_add(1); });
  }
  for (auto& t : v) t.start();
  for (std::size_t i = 0; i < v.size(); i += 2) v[i].cancel();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  int fired = 0;
  for (int i = 0; i < n; ++i) {
    const int r = runs[static_cast<std::size_t>(i)].load();
    if (i % 2 == 0) {
      EXPECT_EQ(r, 0) << "cancelled timer " << i << " ran";
    } else {
      EXPECT_EQ(r, 1) << "timer " << i;
      fired += r;
    }
  }
  EXPECT_EQ(fired, n / 2);
}

TEST(TimerStress, CancelRacingFiring) {
  // Cancel right around the firing time: each timer runs at most once, and join() returns.
  const int n = tt::scaled_int(200, 20);
  std::atomic<int> ran{0};
  for (int i = 0; i < n; ++i) {
    th::Timer t(std::chrono::microseconds(i % 50), [&] { ran.fetch_add(1); });
    t.start();
    if (i % 3 != 0) std::this_thread::sleep_for(std::chrono::microseconds(i % 60));
    t.cancel();
    ASSERT_TRUE(t.join(30s));
  }
  EXPECT_LE(ran.load(), n);
}
