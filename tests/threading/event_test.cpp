// Tests for concur::threading::Event (Python: threading.Event).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <vector>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {
using concur_test::Clock;
using concur_test::kScale;
}  // namespace

TEST(Event, SetClearIsSet) {
  th::Event e;
  EXPECT_FALSE(e.is_set());
  e.set();
  EXPECT_TRUE(e.is_set());
  e.set();
  EXPECT_TRUE(e.is_set());
  EXPECT_TRUE(e.wait());
  EXPECT_TRUE(e.wait(0ms));
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST(Event, WaitTimeout) {
  th::Event e;
  const auto t0 = Clock::now();
  EXPECT_FALSE(e.wait(50ms));
  const auto el = Clock::now() - t0;
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  EXPECT_FALSE(e.wait(0ms));
  EXPECT_FALSE(e.wait(-1ms));
}

TEST(Event, SetWakesAllWaiters) {
  th::Event e;
  std::atomic<int> woke{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < 5; ++i) {
    v.emplace_back([&] {
      if (e.wait(10s)) woke.fetch_add(1);
    });
  }
  for (auto& t : v) t.start();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(woke.load(), 0);
  e.set();
  for (auto& t : v) EXPECT_TRUE(t.join(5s));
  EXPECT_EQ(woke.load(), 5);
}

TEST(Event, ClearMakesWaitBlockAgain) {
  th::Event e;
  e.set();
  e.clear();
  EXPECT_FALSE(e.wait(10ms));
}

TEST(EventStress, PingPong) {
  th::Event ping;
  th::Event pong;
  const int rounds = 5000 / kScale;
  int shared = 0;
  th::Thread t([&] {
    for (int i = 0; i < rounds; ++i) {
      ping.wait();
      ping.clear();
      ++shared;
      pong.set();
    }
  });
  t.start();
  bool ok = true;
  for (int i = 0; i < rounds && ok; ++i) {
    ping.set();
    ok = pong.wait(10s);
    pong.clear();
    ok = ok && shared == i + 1;
  }
  EXPECT_TRUE(ok);
  EXPECT_TRUE(t.join(10s));
  EXPECT_EQ(shared, rounds);
}

TEST(EventStress, SetClearRacingTimedWaits) {
  th::Event e;
  std::atomic<bool> stop{false};
  th::Thread toggler([&] {
    while (!stop.load()) {
      e.set();
      e.clear();
    }
  });
  toggler.start();
  std::vector<th::Thread> v;
  for (int i = 0; i < 3; ++i) {
    v.emplace_back([&] {
      for (int k = 0; k < 5000 / kScale; ++k) (void)e.wait(std::chrono::microseconds(k % 4));
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  stop = true;
  toggler.join();
  e.set();
  EXPECT_TRUE(e.wait(0ms));
}
