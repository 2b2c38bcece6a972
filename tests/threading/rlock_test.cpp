// Tests for concur::threading::RLock (Python: threading.RLock).
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
using tt::kLate;

namespace {

// Runs f on a new concur thread and returns its result.
template <class F>
auto on_other_thread(F f) {
  decltype(f()) result{};
  th::Thread t([&] { result = f(); });
  t.start();
  t.join();
  return result;
}

}  // namespace

TEST(RLock, Reentrancy) {
  th::RLock r;
  EXPECT_EQ(r.recursion_level(), 0U);
  EXPECT_FALSE(r.is_owned());
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire(false));
  EXPECT_TRUE(r.acquire(10ms));
  EXPECT_EQ(r.recursion_level(), 4U);
  EXPECT_TRUE(r.is_owned());
  r.release();
  r.release();
  r.release();
  EXPECT_EQ(r.recursion_level(), 1U);
  EXPECT_TRUE(r.is_owned());
  r.release();
  EXPECT_EQ(r.recursion_level(), 0U);
  EXPECT_FALSE(r.is_owned());
  EXPECT_THROW(r.release(), concur::RuntimeError);
}

TEST(RLock, DeepRecursion) {
  th::RLock r;
  constexpr unsigned kDepth = 10000;
  for (unsigned i = 0; i < kDepth; ++i) ASSERT_TRUE(r.acquire());
  EXPECT_EQ(r.recursion_level(), kDepth);
  EXPECT_FALSE(on_other_thread([&] { return r.acquire(false); }));
  for (unsigned i = 0; i < kDepth; ++i) r.release();
  EXPECT_EQ(r.recursion_level(), 0U);
  EXPECT_TRUE(on_other_thread([&] {
    const bool got = r.acquire(false);
    if (got) r.release();
    return got;
  }));
}

TEST(RLock, OwnerReacquireNeverWaits) {
  th::RLock r;
  r.acquire();
  const auto el = tt::elapsed([&] {
    EXPECT_TRUE(r.acquire(false));
    EXPECT_TRUE(r.acquire(0ms));
    EXPECT_TRUE(r.acquire(true, 5s));
    EXPECT_TRUE(r.try_lock());
    EXPECT_TRUE(r.try_lock_for(5s));
  });
  EXPECT_LT(el, kLate);
  EXPECT_EQ(r.recursion_level(), 6U);
  for (int i = 0; i < 6; ++i) r.release();
  EXPECT_FALSE(r.is_owned());
}

TEST(RLock, OtherThreadBlockedUntilFullyReleased) {
  th::RLock r;
  r.acquire();
  r.acquire();
  auto probe = [&] {
    return on_other_thread([&] {
      const bool got = r.acquire(false);
      if (got) r.release();
      return got;
    });
  };
  EXPECT_FALSE(probe());
  r.release();
  EXPECT_FALSE(probe());  // still held once
  r.release();
  EXPECT_TRUE(probe());
}

TEST(RLock, BlockedAcquirerWokenByFullRelease) {
  th::RLock r;
  r.acquire();
  r.acquire();
  std::atomic<bool> got{false};
  std::atomic<unsigned> level_inside{0};
  th::Thread t([&] {
    if (r.acquire(10s)) {
      got = true;
      level_inside = r.recursion_level();
      r.release();
    }
  });
  t.start();
  std::this_thread::sleep_for(30ms);
  r.release();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(got.load());  // one level still held
  r.release();
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_TRUE(got.load());
  EXPECT_EQ(level_inside.load(), 1U);
}

TEST(RLock, RecursionLevelAndOwnershipArePerThread) {
  th::RLock r;
  r.acquire();
  r.acquire();
  EXPECT_EQ(on_other_thread([&] { return r.recursion_level(); }), 0U);
  EXPECT_FALSE(on_other_thread([&] { return r.is_owned(); }));
  EXPECT_EQ(r.recursion_level(), 2U);
  r.release();
  r.release();
}

TEST(RLock, NonOwnerReleaseThrows) {
  th::RLock r;
  r.acquire();
  std::atomic<int> res{0};
  th::Thread t([&] {
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
  EXPECT_EQ(r.recursion_level(), 1U);  // untouched
  r.release();
  EXPECT_THROW(r.release(), concur::RuntimeError);  // un-acquired
}

TEST(RLock, TimedAcquireFromOtherThreadTimesOut) {
  th::RLock r;
  r.acquire();
  std::atomic<int> res{-1};
  Clock::duration el{};
  th::Thread t([&] { el = tt::elapsed([&] { res = r.acquire(50ms) ? 1 : 0; }); });
  t.start();
  t.join();
  EXPECT_EQ(res.load(), 0);
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  EXPECT_EQ(r.recursion_level(), 1U);
  r.release();
}

TEST(RLock, TimedAcquireSucceedsWhenReleasedDuringWait) {
  th::RLock r;
  th::Event held;
  th::Thread owner([&] {
    r.acquire();
    r.acquire();
    held.set();
    std::this_thread::sleep_for(50ms);
    r.release();
    r.release();
  });
  owner.start();
  ASSERT_TRUE(held.wait(kLate * 5));
  bool got = false;
  const auto el = tt::elapsed([&] { got = r.acquire(10s); });
  EXPECT_TRUE(got);
  EXPECT_LT(el, kLate);
  EXPECT_EQ(r.recursion_level(), 1U);
  owner.join();
  r.release();
}

TEST(RLock, ArgumentErrors) {
  th::RLock r;
  // Free lock, owned lock and a lock held elsewhere: the arguments are checked first.
  EXPECT_THROW(r.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(r.acquire(true, -1ms), concur::ValueError);
  EXPECT_FALSE(r.is_owned());
  r.acquire();
  EXPECT_THROW(r.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(r.acquire(-1ms), concur::ValueError);
  EXPECT_EQ(r.recursion_level(), 1U);
  r.release();
  th::Event held;
  th::Event done;
  th::Thread t([&] {
    r.acquire();
    held.set();
    done.wait();
    r.release();
  });
  t.start();
  ASSERT_TRUE(held.wait(kLate * 5));
  EXPECT_THROW(r.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(r.acquire(true, -1ms), concur::ValueError);
  done.set();
  t.join();
}

TEST(RLock, NonBlockingFromOtherThreadFails) {
  th::RLock r;
  r.acquire();
  EXPECT_FALSE(on_other_thread([&] { return r.acquire(false); }));
  EXPECT_FALSE(on_other_thread([&] { return r.try_lock(); }));
  EXPECT_FALSE(on_other_thread([&] { return r.try_lock_for(10ms); }));
  r.release();
}

TEST(RLock, StdLockGuardUniqueLockAndScopedLock) {
  th::RLock r;
  th::Lock l;
  {
    std::lock_guard g1(r);
    std::lock_guard g2(r);
    EXPECT_EQ(r.recursion_level(), 2U);
    std::unique_lock g3(r);
    EXPECT_EQ(r.recursion_level(), 3U);
    g3.unlock();
    EXPECT_EQ(r.recursion_level(), 2U);
  }
  EXPECT_EQ(r.recursion_level(), 0U);
  {
    std::scoped_lock g(r, l);
    EXPECT_TRUE(r.is_owned());
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(r.is_owned());
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(r.try_lock_for(10ms));
  EXPECT_TRUE(r.try_lock_until(Clock::now() - 1s));  // the owner re-enters at once
  r.release();
  r.release();
  EXPECT_FALSE(r.is_owned());
}

// ------------------------------------------------------------------ stress

TEST(RLockStress, EightThreadsCounterExact) {
  th::RLock r;
  const long per = tt::scaled(200000, 1000);
  long counter = 0;
  tt::ThreadGroup g;
  for (int i = 0; i < 8; ++i) {
    g.add([&] {
      for (long k = 0; k < per; ++k) {
        std::lock_guard g1(r);
        if ((k & 7) == 0) {
          std::lock_guard g2(r);  // nested: same owner, level 2
          ++counter;
        } else {
          ++counter;
        }
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  EXPECT_EQ(counter, 8L * per);
  EXPECT_TRUE(r.acquire(false));
  EXPECT_EQ(r.recursion_level(), 1U);
  r.release();
}

TEST(RLockStress, TinyTimeoutsRacingReleases) {
  th::RLock r;
  const int per = tt::scaled_int(20000, 500);
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::atomic<bool> wrong_level{false};
  std::atomic<long> acquired{0};
  std::atomic<long> failed{0};
  std::atomic<bool> stop{false};
  tt::ThreadGroup holders;
  for (int h = 0; h < 2; ++h) {
    holders.add([&] {
      while (!stop.load()) {
        std::lock_guard g1(r);
        std::lock_guard g2(r);
        if (inside.fetch_add(1) != 0) overlap = true;
        inside.fetch_sub(1);
      }
    });
  }
  holders.start();
  tt::ThreadGroup timed;
  for (int i = 0; i < 4; ++i) {
    timed.add([&, i] {
      for (int k = 0; k < per; ++k) {
        if (r.acquire(true, std::chrono::microseconds((k + i) % 7))) {
          if (inside.fetch_add(1) != 0) overlap = true;
          if (r.recursion_level() != 1) wrong_level = true;
          inside.fetch_sub(1);
          acquired.fetch_add(1);
          r.release();
        } else {
          if (r.is_owned()) wrong_level = true;
          failed.fetch_add(1);
        }
      }
    });
  }
  timed.start();
  EXPECT_TRUE(timed.join_for(120s));
  stop = true;
  EXPECT_TRUE(holders.join_for(30s));
  EXPECT_FALSE(overlap.load());
  EXPECT_FALSE(wrong_level.load());
  EXPECT_EQ(acquired.load() + failed.load(), 4L * per);
  EXPECT_GT(acquired.load(), 0);
  EXPECT_TRUE(r.acquire(false));
  r.release();
}
