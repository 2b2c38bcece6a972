// Tests for concur::threading::Condition (Python: threading.Condition).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <deque>
#include <mutex>
#include <vector>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {
using concur_test::Clock;
using concur_test::kScale;

using concur_test::eventually;

// Starts n waiters on cv; each increments `woken` after its wait returns true.
struct Waiters {
  th::Condition& cv;
  std::atomic<int> waiting{0};
  std::atomic<int> woken{0};
  std::vector<th::Thread> threads;
  Waiters(th::Condition& c, int n) : cv(c) {
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([this] {
        std::lock_guard g(cv);
        waiting.fetch_add(1);
        if (cv.wait(10s)) woken.fetch_add(1);
      });
    }
    for (auto& t : threads) t.start();
  }
  Waiters(const Waiters&) = delete;
  Waiters& operator=(const Waiters&) = delete;
  ~Waiters() {
    for (auto& t : threads) t.join();
  }
};

}  // namespace

TEST(Condition, NotifyWakesOne) {
  th::Condition cv;
  Waiters w(cv, 3);
  ASSERT_TRUE(eventually([&] { return w.waiting.load() == 3; }));
  // waiting is incremented under the lock before wait(); taking the lock ensures they wait.
  {
    std::lock_guard g(cv);
    cv.notify();
  }
  ASSERT_TRUE(eventually([&] { return w.woken.load() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.woken.load(), 1);
  {
    std::lock_guard g(cv);
    cv.notify_all();
  }
  ASSERT_TRUE(eventually([&] { return w.woken.load() == 3; }));
}

TEST(Condition, NotifyNWakesExactlyN) {
  th::Condition cv;
  Waiters w(cv, 5);
  ASSERT_TRUE(eventually([&] { return w.waiting.load() == 5; }));
  {
    std::lock_guard g(cv);
    cv.notify(3);
  }
  ASSERT_TRUE(eventually([&] { return w.woken.load() == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.woken.load(), 3);
  {
    std::lock_guard g(cv);
    cv.notify(10);  // more than are waiting
  }
  ASSERT_TRUE(eventually([&] { return w.woken.load() == 5; }));
}

TEST(Condition, NotifyAllWakesAll) {
  th::Lock l;
  th::Condition cv(l);
  Waiters w(cv, 4);
  ASSERT_TRUE(eventually([&] { return w.waiting.load() == 4; }));
  {
    std::lock_guard g(cv);
    cv.notify_all();
  }
  ASSERT_TRUE(eventually([&] { return w.woken.load() == 4; }));
}

TEST(Condition, NotifyWithNoWaitersIsNoop) {
  th::Condition cv;
  std::lock_guard g(cv);
  cv.notify();
  cv.notify(5);
  cv.notify_all();
  EXPECT_FALSE(cv.wait(1ms));
}

TEST(Condition, WaitTimeoutReturnsFalseAndReacquires) {
  th::Lock l;
  th::Condition cv(l);
  std::lock_guard g(cv);
  const auto t0 = Clock::now();
  EXPECT_FALSE(cv.wait(50ms));
  const auto el = Clock::now() - t0;
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  EXPECT_TRUE(l.locked());
}

TEST(Condition, WaitForPredicate) {
  th::Condition cv;
  int value = 0;
  th::Thread t([&] {
    for (int i = 1; i <= 5; ++i) {
      std::this_thread::sleep_for(2ms);
      std::lock_guard g(cv);
      value = i;
      cv.notify_all();
    }
  });
  t.start();
  {
    std::lock_guard g(cv);
    EXPECT_TRUE(cv.wait_for([&] { return value == 5; }, 5s));
    EXPECT_EQ(value, 5);
  }
  t.join();
  std::lock_guard g(cv);
  const auto t0 = Clock::now();
  EXPECT_FALSE(cv.wait_for([&] { return value == 6; }, 50ms));
  EXPECT_GE(Clock::now() - t0, 45ms);
  EXPECT_TRUE(cv.wait_for([] { return true; }, 0ms));
}

TEST(Condition, WaitWithoutLockThrows) {
  th::Condition cv;
  EXPECT_THROW(cv.wait(1ms), concur::RuntimeError);
  EXPECT_THROW(cv.wait(), concur::RuntimeError);
  EXPECT_THROW(cv.notify(), concur::RuntimeError);
  EXPECT_THROW(cv.notify_all(), concur::RuntimeError);
  th::Lock l;
  th::Condition cl(l);
  EXPECT_THROW(cl.wait(1ms), concur::RuntimeError);
  EXPECT_THROW(cl.notify(), concur::RuntimeError);
  EXPECT_THROW(cl.notify_all(), concur::RuntimeError);
}

TEST(Condition, WaitFromNonOwnerThreadThrows) {
  th::Condition cv;  // own RLock: ownership is per thread
  std::lock_guard g(cv);
  std::atomic<int> res{0};
  th::Thread t([&] {
    try {
      cv.notify();
      res = 1;
    } catch (const concur::RuntimeError&) {
      res = 2;
    }
  });
  t.start();
  t.join();
  EXPECT_EQ(res.load(), 2);
}

TEST(Condition, RLockHeldTwiceReleasedFullyAndRestored) {
  th::RLock r;
  th::Condition cv(r);
  r.acquire();
  r.acquire();
  ASSERT_EQ(r.recursion_level(), 2U);
  std::atomic<int> other{-1};
  th::Thread t([&] {
    other = r.acquire(2s) ? 1 : 0;  // only possible if wait() released both levels
    if (other == 1) {
      cv.notify();
      r.release();
    }
  });
  t.start();
  EXPECT_TRUE(cv.wait(5s));
  EXPECT_EQ(other.load(), 1);
  EXPECT_TRUE(r.is_owned());
  EXPECT_EQ(r.recursion_level(), 2U);
  t.join();
  r.release();
  r.release();
  EXPECT_FALSE(r.is_owned());
}

TEST(Condition, RLockWaitTimeoutRestoresLevel) {
  th::RLock r;
  th::Condition cv(r);
  r.acquire();
  r.acquire();
  r.acquire();
  EXPECT_FALSE(cv.wait(10ms));
  EXPECT_EQ(r.recursion_level(), 3U);
  r.release();
  r.release();
  r.release();
}

TEST(Condition, AcquireReleaseDelegateToLock) {
  th::Lock l;
  th::Condition cv(l);
  EXPECT_TRUE(cv.acquire());
  EXPECT_TRUE(l.locked());
  EXPECT_FALSE(cv.acquire(false));
  cv.release();
  EXPECT_FALSE(l.locked());
}

TEST(ConditionStress, BoundedBufferChecksum) {
  th::Condition cv;
  std::deque<long> buf;
  constexpr std::size_t kCap = 8;
  const long per = 20000 / kScale;
  constexpr int kP = 4;
  constexpr int kC = 4;
  std::atomic<long> sum{0};
  std::atomic<long> count{0};
  int producers_done = 0;
  std::vector<th::Thread> v;
  for (int p = 0; p < kP; ++p) {
    v.emplace_back([&, p] {
      for (long i = 1; i <= per; ++i) {
        std::lock_guard g(cv);
        cv.wait_for([&] { return buf.size() < kCap; });
        buf.push_back(i + p * per);
        cv.notify_all();
      }
      std::lock_guard g(cv);
      ++producers_done;
      cv.notify_all();
    });
  }
  for (int c = 0; c < kC; ++c) {
    v.emplace_back([&] {
      for (;;) {
        std::lock_guard g(cv);
        cv.wait_for([&] { return !buf.empty() || producers_done == kP; });
        if (buf.empty()) return;
        sum.fetch_add(buf.front());
        count.fetch_add(1);
        buf.pop_front();
        cv.notify_all();
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  const long n = kP * per;
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

TEST(ConditionStress, TimedWaitsRacingNotifies) {
  th::Condition cv;
  const int rounds = 5000 / kScale;
  std::atomic<bool> stop{false};
  th::Thread notifier([&] {
    while (!stop.load()) {
      std::lock_guard g(cv);
      cv.notify(2);
    }
  });
  notifier.start();
  std::vector<th::Thread> v;
  for (int i = 0; i < 3; ++i) {
    v.emplace_back([&] {
      for (int k = 0; k < rounds; ++k) {
        std::lock_guard g(cv);
        (void)cv.wait(std::chrono::microseconds(k % 5));
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  stop = true;
  notifier.join();
  std::lock_guard g(cv);
  EXPECT_FALSE(cv.wait(1ms));
}
