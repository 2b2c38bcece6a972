// Tests for concur::threading::Semaphore and BoundedSemaphore.
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

TEST(Semaphore, DefaultValueIsOne) {
  th::Semaphore s;
  EXPECT_EQ(s.value(), 1U);
  EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
  s.release();
  EXPECT_EQ(s.value(), 1U);
}

TEST(Semaphore, CountsDown) {
  th::Semaphore s(3);
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire());
  EXPECT_EQ(s.value(), 0U);
  EXPECT_FALSE(s.acquire(false));
  EXPECT_FALSE(s.try_lock());
}

TEST(Semaphore, AcquireTimesOut) {
  th::Semaphore s(0);
  const auto t0 = Clock::now();
  EXPECT_FALSE(s.acquire(50ms));
  const auto el = Clock::now() - t0;
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  EXPECT_FALSE(s.acquire(0ms));
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
  EXPECT_TRUE(t.join(5s));
  EXPECT_TRUE(got.load());
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, ReleaseNWakesN) {
  th::Semaphore s(0);
  std::atomic<int> got{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < 4; ++i) {
    v.emplace_back([&] {
      if (s.acquire(5s)) got.fetch_add(1);
    });
  }
  for (auto& t : v) t.start();
  std::this_thread::sleep_for(20ms);
  s.release(3);
  const auto end = Clock::now() + 5s;
  while (got.load() < 3 && Clock::now() < end) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(got.load(), 3);
  s.release();
  for (auto& t : v) t.join();
  EXPECT_EQ(got.load(), 4);
  EXPECT_EQ(s.value(), 0U);
}

TEST(Semaphore, ReleaseZeroThrows) {
  th::Semaphore s(0);
  EXPECT_THROW(s.release(0), concur::ValueError);
  th::BoundedSemaphore b(1);
  EXPECT_THROW(b.release(0), concur::ValueError);
}

TEST(Semaphore, NegativeInitialThrows) {
  EXPECT_THROW(th::Semaphore(-1), concur::ValueError);
  EXPECT_THROW(th::BoundedSemaphore(-1), concur::ValueError);
  EXPECT_NO_THROW(th::Semaphore(0));
}

TEST(Semaphore, ArgumentErrorsWhenEmpty) {
  th::Semaphore s(0);
  EXPECT_THROW(s.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(s.acquire(true, -1ms), concur::ValueError);
}

// Python validates before taking: Semaphore(1).acquire(False, 1) raises ValueError.
TEST(Semaphore, ArgumentErrorsWhenAvailable) {
  th::Semaphore s(1);
  EXPECT_THROW(s.acquire(false, 10ms), concur::ValueError);
  EXPECT_EQ(s.value(), 1U);
}

TEST(Semaphore, UnboundedReleaseGrows) {
  th::Semaphore s(1);
  s.release(5);
  EXPECT_EQ(s.value(), 6U);
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
  EXPECT_THROW(b.release(2), concur::ValueError);
  EXPECT_EQ(b.value(), 1U);
  b.release();
  EXPECT_EQ(b.value(), 2U);
}

TEST(BoundedSemaphore, ThroughBaseReference) {
  th::BoundedSemaphore b(1);
  th::Semaphore& s = b;
  EXPECT_THROW(s.release(), concur::ValueError);
}

TEST(BoundedSemaphore, LockGuard) {
  th::BoundedSemaphore b(1);
  {
    std::lock_guard g(b);
    EXPECT_EQ(b.value(), 0U);
  }
  EXPECT_EQ(b.value(), 1U);
}

TEST(SemaphoreStress, NeverMoreThanThreeInside) {
  th::BoundedSemaphore s(3);
  const int per = 20000 / kScale;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < 8; ++i) {
    v.emplace_back([&] {
      for (int k = 0; k < per; ++k) {
        std::lock_guard g(s);
        const int now = inside.fetch_add(1) + 1;
        int m = max_inside.load();
        while (now > m && !max_inside.compare_exchange_weak(m, now)) {
        }
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  EXPECT_LE(max_inside.load(), 3);
  EXPECT_GE(max_inside.load(), 1);
  EXPECT_EQ(s.value(), 3U);
}

TEST(SemaphoreStress, TinyTimeoutsRacingReleases) {
  th::Semaphore s(0);
  const int per = 20000 / kScale;
  std::atomic<long> taken{0};
  std::atomic<bool> stop{false};
  std::atomic<long> released{0};
  th::Thread releaser([&] {
    while (!stop.load()) {
      s.release();
      released.fetch_add(1);
      std::this_thread::yield();
    }
  });
  releaser.start();
  std::vector<th::Thread> v;
  for (int i = 0; i < 3; ++i) {
    v.emplace_back([&, i] {
      for (int k = 0; k < per; ++k) {
        if (s.acquire(std::chrono::microseconds((k + i) % 5))) taken.fetch_add(1);
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  stop = true;
  releaser.join();
  // No unit lost or duplicated.
  EXPECT_EQ(taken.load() + static_cast<long>(s.value()), released.load());
}
