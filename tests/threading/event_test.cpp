// Tests for concur::threading::Event (Python: threading.Event).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "support/threading_test_util.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;
using tt::Clock;
using tt::eventually;
using tt::kLate;

TEST(Event, SetClearIsSet) {
  th::Event e;
  EXPECT_FALSE(e.is_set());
  e.set();
  EXPECT_TRUE(e.is_set());
  e.set();  // idempotent
  EXPECT_TRUE(e.is_set());
  EXPECT_TRUE(e.wait());
  EXPECT_TRUE(e.wait(0ms));
  EXPECT_TRUE(e.wait(-1ms));  // set: returns true whatever the timeout
  e.clear();
  EXPECT_FALSE(e.is_set());
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST(Event, WaitTimeoutReturnsFalse) {
  th::Event e;
  auto el = tt::elapsed([&] { EXPECT_FALSE(e.wait(50ms)); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] {
    EXPECT_FALSE(e.wait(0ms));
    EXPECT_FALSE(e.wait(-1ms));  // a negative timeout does not block
  });
  EXPECT_LT(el, kLate);
  EXPECT_FALSE(e.is_set());
}

TEST(Event, WaitReturnsTrueWhenSetDuringWait) {
  th::Event e;
  th::Thread setter([&] {
    std::this_thread::sleep_for(50ms);
    e.set();
  });
  setter.start();
  bool result = false;
  const auto el = tt::elapsed([&] { result = e.wait(10s); });
  EXPECT_TRUE(result);
  EXPECT_GE(el, 40ms);
  EXPECT_LT(el, kLate);
  setter.join();
}

TEST(Event, WaitWithoutTimeoutBlocksUntilSet) {
  th::Event e;
  std::atomic<bool> returned{false};
  th::Thread waiter([&] {
    EXPECT_TRUE(e.wait());
    returned = true;
  });
  waiter.start();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(returned.load());
  e.set();
  EXPECT_TRUE(waiter.join(kLate * 5));
  EXPECT_TRUE(returned.load());
}

TEST(Event, SetWakesAllWaiters) {
  th::Event e;
  constexpr int kN = 32;
  std::atomic<int> woke{0};
  std::atomic<int> started{0};
  tt::ThreadGroup g;
  for (int i = 0; i < kN; ++i) {
    g.add([&] {
      started.fetch_add(1);
      if (e.wait(20s)) woke.fetch_add(1);
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return started.load() == kN; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(woke.load(), 0);
  e.set();
  EXPECT_TRUE(g.join_for(20s));
  EXPECT_EQ(woke.load(), kN);
}

TEST(Event, ClearMakesWaitBlockAgain) {
  th::Event e;
  e.set();
  e.clear();
  const auto el = tt::elapsed([&] { EXPECT_FALSE(e.wait(20ms)); });
  EXPECT_GE(el, 15ms);
  e.set();
  EXPECT_TRUE(e.wait(0ms));
}

// Python (issue 13502, Lib/test/lock_tests.py test_set_and_clear): wait() returns True if
// the flag was set after the wait started, even when it is cleared again before the
// waiting thread wakes up.
TEST(Event, SetThenClearStillWakesBlockedWaiters) {
  th::Event e;
  constexpr int kN = 5;
  std::mutex m;
  std::vector<bool> results;
  tt::ThreadGroup g;
  for (int i = 0; i < kN; ++i) {
    g.add([&] {
      const bool r = e.wait(2s);
      std::lock_guard lk(m);
      results.push_back(r);
    });
  }
  g.start();
  std::this_thread::sleep_for(250ms);  // let them all block
  e.set();
  e.clear();
  EXPECT_TRUE(g.join_for(30s));
  std::lock_guard lk(m);
  EXPECT_EQ(results, std::vector<bool>(kN, true));
}

// The same with a single waiter, over several rounds (the wake-up then reliably arrives
// after clear()).
TEST(Event, SetThenClearStillWakesASingleWaiter) {
  constexpr int kRounds = 10;
  int false_results = 0;
  for (int r = 0; r < kRounds && false_results == 0; ++r) {
    th::Event e;
    std::atomic<int> result{-1};
    th::Thread waiter([&] { result = e.wait(1s) ? 1 : 0; });
    waiter.start();
    std::this_thread::sleep_for(20ms);
    e.set();
    e.clear();
    waiter.join();
    if (result.load() != 1) ++false_results;
  }
  EXPECT_EQ(false_results, 0) << "wait() returned false although set() ran while it waited";
}

// ------------------------------------------------------------------ stress

TEST(EventStress, PingPongTenThousandRounds) {
  th::Event ping;
  th::Event pong;
  const int rounds = tt::scaled_int(10000, 200);
  int shared = 0;  // handed back and forth; the events order the accesses
  th::Thread t([&] {
    for (int i = 0; i < rounds; ++i) {
      if (!ping.wait(30s)) return;
      ping.clear();
      ++shared;
      pong.set();
    }
  });
  t.start();
  bool ok = true;
  int completed = 0;
  for (int i = 0; i < rounds && ok; ++i) {
    ping.set();
    ok = pong.wait(30s);
    pong.clear();
    ok = ok && shared == i + 1;
    if (ok) ++completed;
  }
  EXPECT_TRUE(ok);
  EXPECT_EQ(completed, rounds);
  EXPECT_TRUE(t.join(30s));
  EXPECT_EQ(shared, rounds);
}

TEST(EventStress, BroadcastRounds) {
  const int rounds = tt::scaled_int(200, 10);
  constexpr int kWaiters = 6;
  std::atomic<long> woke{0};
  for (int r = 0; r < rounds; ++r) {
    th::Event e;
    tt::ThreadGroup g;
    for (int i = 0; i < kWaiters; ++i) {
      g.add([&] {
        if (e.wait(30s)) woke.fetch_add(1);
      });
    }
    g.start();
    if ((r & 1) == 0) std::this_thread::yield();  // sometimes set before they block
    e.set();
    ASSERT_TRUE(g.join_for(30s));
  }
  EXPECT_EQ(woke.load(), static_cast<long>(rounds) * kWaiters);
}

TEST(EventStress, SetClearRacingTimedWaits) {
  th::Event e;
  std::atomic<bool> stop{false};
  std::atomic<long> toggles{0};
  th::Thread toggler([&] {
    while (!stop.load()) {
      e.set();
      e.clear();
      toggles.fetch_add(1);
    }
  });
  toggler.start();
  const int per = tt::scaled_int(5000, 100);
  std::atomic<long> returned{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 3; ++i) {
    g.add([&] {
      for (int k = 0; k < per; ++k) {
        (void)e.wait(std::chrono::microseconds(k % 4));
        returned.fetch_add(1);
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));  // timed waits always come back
  stop = true;
  toggler.join();
  EXPECT_EQ(returned.load(), 3L * per);
  EXPECT_GT(toggles.load(), 0);
  e.set();
  EXPECT_TRUE(e.wait(0ms));
}
