// Tests for concur::threading::Lock (Python: threading.Lock).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <mutex>
#include <vector>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {
using concur_test::Clock;
using concur_test::kScale;
}  // namespace

TEST(Lock, AcquireRelease) {
  th::Lock l;
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire());
  EXPECT_TRUE(l.locked());
  l.release();
  EXPECT_FALSE(l.locked());
}

TEST(Lock, NonBlockingOnHeldReturnsFalse) {
  th::Lock l;
  ASSERT_TRUE(l.acquire());
  EXPECT_FALSE(l.acquire(false));
  EXPECT_FALSE(l.try_lock());
  l.release();
  EXPECT_TRUE(l.acquire(false));
  l.release();
}

TEST(Lock, TimedAcquireTimesOut) {
  th::Lock l;
  ASSERT_TRUE(l.acquire());
  const auto t0 = Clock::now();
  EXPECT_FALSE(l.acquire(50ms));
  const auto el = Clock::now() - t0;
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  const auto t1 = Clock::now();
  EXPECT_FALSE(l.acquire(true, 20ms));
  EXPECT_GE(Clock::now() - t1, 15ms);
  EXPECT_FALSE(l.acquire(0ms));
  l.release();
  EXPECT_TRUE(l.acquire(50ms));
  l.release();
}

TEST(Lock, ReleaseUnlockedThrows) {
  th::Lock l;
  EXPECT_THROW(l.release(), concur::RuntimeError);
  l.acquire();
  l.release();
  EXPECT_THROW(l.release(), concur::RuntimeError);
  EXPECT_FALSE(l.locked());
}

TEST(Lock, NonBlockingWithTimeoutThrowsWhenHeld) {
  th::Lock l;
  l.acquire();
  EXPECT_THROW(l.acquire(false, 10ms), concur::ValueError);
  l.release();
}

// Python checks the arguments before trying the lock: Lock().acquire(False, 1) raises.
TEST(Lock, NonBlockingWithTimeoutThrowsWhenFree) {
  th::Lock l;
  EXPECT_THROW(l.acquire(false, 10ms), concur::ValueError);
  EXPECT_FALSE(l.locked());
  if (l.locked()) l.release();
}

TEST(Lock, NegativeTimeoutThrowsWhenHeld) {
  th::Lock l;
  l.acquire();
  EXPECT_THROW(l.acquire(true, -5ms), concur::ValueError);
  l.release();
}

// Python: Lock().acquire(timeout=-5) raises ValueError even though the lock is free.
TEST(Lock, NegativeTimeoutThrowsWhenFree) {
  th::Lock l;
  EXPECT_THROW(l.acquire(true, -5ms), concur::ValueError);
  EXPECT_FALSE(l.locked());
  if (l.locked()) l.release();
}

TEST(Lock, ReleaseFromAnotherThread) {
  th::Lock l;
  l.acquire();
  th::Thread t([&] { l.release(); });
  t.start();
  t.join();
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire(false));
  l.release();
}

TEST(Lock, BlockedAcquireWokenByRelease) {
  th::Lock l;
  l.acquire();
  std::atomic<bool> got{false};
  th::Thread t([&] {
    l.acquire();
    got = true;
    l.release();
  });
  t.start();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(got.load());
  l.release();
  EXPECT_TRUE(t.join(5s));
  EXPECT_TRUE(got.load());
}

TEST(Lock, ScopedLockOfTwo) {
  th::Lock a;
  th::Lock b;
  {
    std::scoped_lock g(a, b);
    EXPECT_TRUE(a.locked());
    EXPECT_TRUE(b.locked());
  }
  EXPECT_FALSE(a.locked());
  EXPECT_FALSE(b.locked());
  {
    std::lock_guard g(a);
    EXPECT_TRUE(a.locked());
  }
  EXPECT_FALSE(a.locked());
}

TEST(Lock, ScopedLockOppositeOrderNoDeadlock) {
  th::Lock a;
  th::Lock b;
  const int n = 2000 / kScale;
  std::atomic<int> c{0};
  th::Thread t1([&] {
    for (int i = 0; i < n; ++i) {
      std::scoped_lock g(a, b);
      c.fetch_add(1);
    }
  });
  th::Thread t2([&] {
    for (int i = 0; i < n; ++i) {
      std::scoped_lock g(b, a);
      c.fetch_add(1);
    }
  });
  t1.start();
  t2.start();
  EXPECT_TRUE(t1.join(15s));
  EXPECT_TRUE(t2.join(15s));
  EXPECT_EQ(c.load(), 2 * n);
}

TEST(Lock, TryLockFor) {
  th::Lock l;
  EXPECT_TRUE(l.try_lock_for(10ms));
  const auto t0 = Clock::now();
  EXPECT_FALSE(l.try_lock_for(30ms));
  EXPECT_GE(Clock::now() - t0, 25ms);
  EXPECT_FALSE(l.try_lock_until(Clock::now() + 10ms));
  l.release();
  std::unique_lock g(l, std::defer_lock);
  EXPECT_TRUE(g.try_lock_for(10ms));
  EXPECT_TRUE(l.locked());
}

TEST(LockStress, CounterExact) {
  th::Lock l;
  const int per = 100000 / kScale;
  long counter = 0;
  std::vector<th::Thread> v;
  for (int i = 0; i < 8; ++i) {
    v.emplace_back([&] {
      for (int k = 0; k < per; ++k) {
        std::lock_guard g(l);
        ++counter;
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_EQ(counter, 8L * per);
  EXPECT_FALSE(l.locked());
}

TEST(LockStress, TinyTimeoutsRacingReleases) {
  th::Lock l;
  const int per = 20000 / kScale;
  std::atomic<long> inside{0};
  std::atomic<long> acquired{0};
  std::atomic<bool> overlap{false};
  std::vector<th::Thread> v;
  for (int i = 0; i < 4; ++i) {
    v.emplace_back([&, i] {
      for (int k = 0; k < per; ++k) {
        const auto to = std::chrono::microseconds((k + i) % 7);
        if (l.acquire(true, to)) {
          if (inside.fetch_add(1) != 0) overlap = true;
          acquired.fetch_add(1);
          inside.fetch_sub(1);
          l.release();
        }
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GT(acquired.load(), 0);
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire(false));
  l.release();
}
