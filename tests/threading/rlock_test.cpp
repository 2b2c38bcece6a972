// Tests for concur::threading::RLock (Python: threading.RLock).
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
using concur_test::kScale;
}  // namespace

TEST(RLock, Reentrancy) {
  th::RLock r;
  EXPECT_EQ(r.recursion_level(), 0U);
  EXPECT_FALSE(r.is_owned());
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire(false));
  EXPECT_EQ(r.recursion_level(), 3U);
  EXPECT_TRUE(r.is_owned());
  r.release();
  r.release();
  EXPECT_EQ(r.recursion_level(), 1U);
  r.release();
  EXPECT_EQ(r.recursion_level(), 0U);
  EXPECT_FALSE(r.is_owned());
  EXPECT_THROW(r.release(), concur::RuntimeError);
}

TEST(RLock, OtherThreadBlockedUntilFullyReleased) {
  th::RLock r;
  r.acquire();
  r.acquire();
  std::atomic<int> res{-1};
  auto probe = [&] {
    th::Thread t([&] {
      res = r.acquire(false) ? 1 : 0;
      if (res == 1) r.release();
    });
    t.start();
    t.join();
    return res.load();
  };
  EXPECT_EQ(probe(), 0);
  r.release();
  EXPECT_EQ(probe(), 0);
  r.release();
  EXPECT_EQ(probe(), 1);
}

TEST(RLock, NonOwnerReleaseThrows) {
  th::RLock r;
  r.acquire();
  std::atomic<int> res{0};
  unsigned other_level = 99;
  th::Thread t([&] {
    other_level = r.recursion_level();
    try {
      r.release();
      res = 1;
    } catch (const concur::RuntimeError&) {
      res = 2;
    }
  });
  t.start();
  t.join();
  EXPECT_EQ(res.load(), 2);
  EXPECT_EQ(other_level, 0U);
  EXPECT_EQ(r.recursion_level(), 1U);
  r.release();
}

TEST(RLock, TimedAcquireFromOtherThread) {
  th::RLock r;
  r.acquire();
  std::atomic<int> res{-1};
  std::chrono::steady_clock::duration el{};
  th::Thread t([&] {
    const auto t0 = std::chrono::steady_clock::now();
    res = r.acquire(50ms) ? 1 : 0;
    el = std::chrono::steady_clock::now() - t0;
  });
  t.start();
  t.join();
  EXPECT_EQ(res.load(), 0);
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  r.release();
}

TEST(RLock, ArgumentErrors) {
  th::RLock r;
  th::Thread t([&] { r.acquire(); });
  t.start();
  t.join();  // r is now held by a finished thread
  EXPECT_THROW(r.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(r.acquire(true, -1ms), concur::ValueError);
}

TEST(RLock, StdLockGuardAndScopedLock) {
  th::RLock r;
  th::Lock l;
  {
    std::lock_guard g1(r);
    std::lock_guard g2(r);
    EXPECT_EQ(r.recursion_level(), 2U);
  }
  EXPECT_EQ(r.recursion_level(), 0U);
  {
    std::scoped_lock g(r, l);
    EXPECT_TRUE(r.is_owned());
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(r.try_lock_for(10ms));
  r.release();
}

TEST(RLockStress, CounterExact) {
  th::RLock r;
  const int per = 100000 / kScale;
  long counter = 0;
  std::vector<th::Thread> v;
  for (int i = 0; i < 8; ++i) {
    v.emplace_back([&] {
      for (int k = 0; k < per; ++k) {
        std::lock_guard g(r);
        if ((k & 7) == 0) {
          std::lock_guard g2(r);
          ++counter;
        } else {
          ++counter;
        }
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_EQ(counter, 8L * per);
  EXPECT_TRUE(r.acquire(false));
  r.release();
}
