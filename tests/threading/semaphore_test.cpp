// Tests for concur::threading::Semaphore and BoundedSemaphore
// (Python: threading.Semaphore, threading.BoundedSemaphore).
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

TEST(Semaphore, DefaultValueIsOne) {
  th::Semaphore s;
  EXPECT_EQ(s.value(), 1U);
  EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
  s.release();
  EXPECT_EQ(s.value(), 1U);
}

TEST(Semaphore, CountsDownAndUp) {
  th::Semaphore s(3);
  EXPECT_TRUE(s.acquire());
  EXPECT_EQ(s.value(), 2U);
  EXPECT_TRUE(s.acquire(true));
  EXPECT_TRUE(s.acquire(10ms));
  EXPECT_EQ(s.value(), 0U);
  EXPECT_FALSE(s.acquire(false));
  EXPECT_FALSE(s.try_lock());
  s.release();
  EXPECT_EQ(s.value(), 1U);
  EXPECT_TRUE(s.try_lock());
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, ZeroInitialValueBlocks) {
  th::Semaphore s(0);
  EXPECT_EQ(s.value(), 0U);
  EXPECT_FALSE(s.acquire(false));
  s.release();
  EXPECT_TRUE(s.acquire(false));
}

TEST(Semaphore, AcquireTimesOut) {
  th::Semaphore s(0);
  auto el = tt::elapsed([&] { EXPECT_FALSE(s.acquire(50ms)); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(s.acquire(true, 20ms)); });
  EXPECT_GE(el, 15ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(s.acquire(0ms)); });
  EXPECT_LT(el, kLate);
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, BlockingAcquireWokenByRelease) {
  th::Semaphore s(0);
  std::atomic<bool> got{false};
  th::Thread t([&] {
    s.acquire();
    got = true;
  });
  t.start();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(got.load());
  s.release();
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_TRUE(got.load());
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, TimedAcquireSucceedsWhenReleasedDuringWait) {
  th::Semaphore s(0);
  th::Thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    s.release();
  });
  releaser.start();
  bool got = false;
  const auto el = tt::elapsed([&] { got = s.acquire(10s); });
  EXPECT_TRUE(got);
  EXPECT_GE(el, 40ms);
  EXPECT_LT(el, kLate);
  releaser.join();
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, ReleaseNWakesExactlyN) {
  th::Semaphore s(0);
  std::atomic<int> got{0};
  std::atomic<int> started{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 5; ++i) {
    g.add([&] {
      started.fetch_add(1);
      if (s.acquire(20s)) got.fetch_add(1);
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return started.load() == 5; }));
  std::this_thread::sleep_for(20ms);
  s.release(3);
  ASSERT_TRUE(eventually([&] { return got.load() == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(got.load(), 3);
  EXPECT_EQ(s.value(), 0U);
  s.release(2);
  EXPECT_TRUE(g.join_for(20s));
  EXPECT_EQ(got.load(), 5);
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, ReleaseNWithoutWaitersAccumulates) {
  th::Semaphore s(1);
  s.release(5);
  EXPECT_EQ(s.value(), 6U);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
}

TEST(Semaphore, ReleaseZeroThrows) {
  th::Semaphore s(0);
  EXPECT_THROW(s.release(0), concur::ValueError);
  EXPECT_EQ(s.value(), 0U);
  th::BoundedSemaphore b(1);
  b.acquire();
  EXPECT_THROW(b.release(0), concur::ValueError);
  EXPECT_EQ(b.value(), 0U);
}

TEST(Semaphore, NegativeInitialValueThrows) {
  EXPECT_THROW(th::Semaphore(-1), concur::ValueError);
  EXPECT_THROW(th::Semaphore(-100), concur::ValueError);
  EXPECT_THROW(th::BoundedSemaphore(-1), concur::ValueError);
  EXPECT_NO_THROW(th::Semaphore(0));
  EXPECT_NO_THROW(th::BoundedSemaphore(0));
}

// Python validates the arguments before trying: Semaphore(1).acquire(False, 1) raises.
TEST(Semaphore, ArgumentErrors) {
  th::Semaphore empty(0);
  EXPECT_THROW(empty.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(empty.acquire(true, -1ms), concur::ValueError);
  th::Semaphore avail(1);
  EXPECT_THROW(avail.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(avail.acquire(-1ms), concur::ValueError);
  EXPECT_EQ(avail.value(), 1U);  // nothing was taken
}

TEST(Semaphore, LockGuardTakesAndReturnsAUnit) {
  th::Semaphore s(2);
  {
    std::lock_guard g(s);
    EXPECT_EQ(s.value(), 1U);
    std::lock_guard h(s);
    EXPECT_EQ(s.value(), 0U);
  }
  EXPECT_EQ(s.value(), 2U);
}

TEST(Semaphore, ReleasedByAnotherThread) {
  th::Semaphore s(0);
  th::Thread t([&] { s.release(2); });
  t.start();
  t.join();
  EXPECT_EQ(s.value(), 2U);
}

// ------------------------------------------------------------------ BoundedSemaphore

TEST(BoundedSemaphore, DefaultValueIsOne) {
  th::BoundedSemaphore b;
  EXPECT_EQ(b.value(), 1U);
  EXPECT_THROW(b.release(), concur::ValueError);
  EXPECT_TRUE(b.acquire(false));
  EXPECT_FALSE(b.acquire(false));
  b.release();
  EXPECT_EQ(b.value(), 1U);
}

TEST(BoundedSemaphore, OverReleaseThrows) {
  th::BoundedSemaphore b(2);
  EXPECT_THROW(b.release(), concur::ValueError);
  EXPECT_EQ(b.value(), 2U);
  b.acquire();
  b.acquire();
  b.release(2);
  EXPECT_EQ(b.value(), 2U);
  b.acquire();
  EXPECT_THROW(b.release(2), concur::ValueError);  // would reach 3
  EXPECT_EQ(b.value(), 1U);                        // unchanged by the failed release
  b.release();
  EXPECT_EQ(b.value(), 2U);
  EXPECT_THROW(b.release(100), concur::ValueError);
  EXPECT_EQ(b.value(), 2U);
}

TEST(BoundedSemaphore, ZeroBoundNeverReleases) {
  th::BoundedSemaphore b(0);
  EXPECT_FALSE(b.acquire(false));
  EXPECT_THROW(b.release(), concur::ValueError);
  EXPECT_EQ(b.value(), 0U);
}

TEST(BoundedSemaphore, OverReleaseThroughBaseReference) {
  th::BoundedSemaphore b(1);
  th::Semaphore& s = b;
  EXPECT_THROW(s.release(), concur::ValueError);
  EXPECT_THROW(s.unlock(), concur::ValueError);
  EXPECT_EQ(s.value(), 1U);
}

TEST(BoundedSemaphore, WakesBlockedAcquirer) {
  th::BoundedSemaphore b(1);
  b.acquire();
  std::atomic<bool> got{false};
  th::Thread t([&] {
    if (b.acquire(10s)) got = true;
  });
  t.start();
  std::this_thread::sleep_for(20ms);
  b.release();
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_TRUE(got.load());
  EXPECT_EQ(b.value(), 0U);
}

TEST(BoundedSemaphore, LockGuard) {
  th::BoundedSemaphore b(1);
  {
    std::lock_guard g(b);
    EXPECT_EQ(b.value(), 0U);
  }
  EXPECT_EQ(b.value(), 1U);
}

// ------------------------------------------------------------------ stress

namespace {

void never_more_than_three_inside(th::Semaphore& s) {
  const long per = tt::scaled(20000, 300);
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 8; ++i) {
    g.add([&] {
      for (long k = 0; k < per; ++k) {
        std::lock_guard lk(s);
        tt::raise_max(max_inside, inside.fetch_add(1) + 1);
        if ((k & 63) == 0) std::this_thread::yield();
        inside.fetch_sub(1);
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  EXPECT_LE(max_inside.load(), 3);
  EXPECT_GE(max_inside.load(), 1);
  EXPECT_EQ(s.value(), 3U);
}

}  // namespace

TEST(SemaphoreStress, SemaphoreThreeNeverMoreThanThreeInside) {
  th::Semaphore s(3);
  never_more_than_three_inside(s);
}

TEST(SemaphoreStress, BoundedSemaphoreThreeNeverMoreThanThreeInside) {
  th::BoundedSemaphore s(3);
  never_more_than_three_inside(s);
}

// 4 threads acquire with tiny timeouts while 2 others release: no unit lost or duplicated.
TEST(SemaphoreStress, TinyTimeoutsRacingReleases) {
  th::Semaphore s(0);
  const int per = tt::scaled_int(20000, 300);
  std::atomic<long> taken{0};
  std::atomic<long> released{0};
  std::atomic<bool> stop{false};
  tt::ThreadGroup releasers;
  for (int r = 0; r < 2; ++r) {
    releasers.add([&, r] {
      for (long k = 0; !stop.load(); ++k) {
        const auto n = static_cast<std::uint32_t>(1 + (k + r) % 2);
        s.release(n);
        released.fetch_add(n);
        std::this_thread::yield();
      }
    });
  }
  releasers.start();
  tt::ThreadGroup acquirers;
  for (int i = 0; i < 4; ++i) {
    acquirers.add([&, i] {
      for (int k = 0; k < per; ++k) {
        if (s.acquire(std::chrono::microseconds((k + i) % 5))) taken.fetch_add(1);
      }
    });
  }
  acquirers.start();
  EXPECT_TRUE(acquirers.join_for(120s));
  stop = true;
  EXPECT_TRUE(releasers.join_for(30s));
  EXPECT_EQ(taken.load() + static_cast<long>(s.value()), released.load());
  EXPECT_GT(taken.load(), 0);
}

// Rounds of: k waiters block, release(k) lets exactly all of them through.
TEST(SemaphoreStress, ReleaseNRounds) {
  const int rounds = tt::scaled_int(300, 10);
  constexpr int kWaiters = 4;
  th::Semaphore s(0);
  std::atomic<long> through{0};
  tt::ThreadGroup g;
  for (int i = 0; i < kWaiters; ++i) {
    g.add([&] {
      for (int r = 0; r < rounds; ++r) {
        if (!s.acquire(30s)) return;
        through.fetch_add(1);
      }
    });
  }
  g.start();
  for (int r = 0; r < rounds; ++r) {
    s.release(kWaiters);
    const long want = static_cast<long>(r + 1) * kWaiters;
    if (!eventually([&] { return through.load() >= want; }, 30s)) break;
  }
  EXPECT_TRUE(g.join_for(60s));
  EXPECT_EQ(through.load(), static_cast<long>(rounds) * kWaiters);
  EXPECT_EQ(s.value(), 0U);
}
