// Tests for concur::threading::Timer (Python: threading.Timer).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <string>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {
using concur_test::Clock;
}  // namespace

TEST(Timer, FiresAfterInterval) {
  std::atomic<int> ran{0};
  Clock::time_point fired{};
  const auto t0 = Clock::now();
  th::Timer t(50ms, [&] {
    fired = Clock::now();
    ran.fetch_add(1);
  });
  t.start();
  EXPECT_TRUE(t.join(5s));
  EXPECT_EQ(ran.load(), 1);
  EXPECT_GE(fired - t0, 45ms);
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

TEST(Timer, CancelBeforeStartNeverRuns) {
  std::atomic<int> ran{0};
  th::Timer t(10ms, [&] { ran.fetch_add(1); });
  t.cancel();
  t.start();
  EXPECT_TRUE(t.join(5s));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(ran.load(), 0);
}

TEST(Timer, CancelWhileWaitingNeverRuns) {
  std::atomic<int> ran{0};
  th::Timer t(300ms, [&] { ran.fetch_add(1); });
  t.start();
  std::this_thread::sleep_for(10ms);
  const auto t0 = Clock::now();
  t.cancel();
  EXPECT_TRUE(t.join(5s));
  EXPECT_LT(Clock::now() - t0, 250ms);
  EXPECT_EQ(ran.load(), 0);
}

TEST(Timer, CancelAfterFiringIsHarmless) {
  std::atomic<int> ran{0};
  th::Timer t(1ms, [&] { ran.fetch_add(1); });
  t.start();
  t.join();
  t.cancel();
  EXPECT_EQ(ran.load(), 1);
}

TEST(Timer, IsAThread) {
  th::Timer t(1ms, [] {});
  EXPECT_EQ(t.name().rfind("Thread-", 0), 0U);
  t.start();
  EXPECT_THROW(t.start(), concur::RuntimeError);
  t.join();
}

TEST(TimerStress, ManyTimersHalfCancelled) {
  std::atomic<int> ran{0};
  std::vector<th::Timer> v;
  for (int i = 0; i < 40; ++i) v.emplace_back(20ms, [&] { ran.fetch_add(1); });
  for (auto& t : v) t.start();
  for (std::size_t i = 0; i < v.size(); i += 2) v[i].cancel();
  for (auto& t : v) EXPECT_TRUE(t.join(5s));
  EXPECT_GE(ran.load(), 0);
  EXPECT_LE(ran.load(), 40);
  for (std::size_t i = 1; i < v.size(); i += 2) EXPECT_FALSE(v[i].is_alive());
  EXPECT_GE(ran.load(), 20);
}
