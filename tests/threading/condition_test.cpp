// Tests for concur::threading::Condition (Python: threading.Condition).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "support/threading_test_util.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;
using tt::Clock;
using tt::eventually;
using tt::kLate;

namespace {

// Starts n waiters on cv one after another, so that they enter wait() in index order.
// Each records its index in `order` once its wait() returned true.
class OrderedWaiters {
 public:
  OrderedWaiters(th::Condition& cv, int n) : cv_(cv) {
    for (int i = 0; i < n; ++i) {
      group_.add([this, i] {
        std::lock_guard g(cv_);
        // Counted under the lock, right before wait(): the next waiter can only take the
        // lock once this one has queued itself and released it inside wait().
        waiting_.fetch_add(1);
        const bool notified = cv_.wait(20s);
        std::lock_guard g2(m_);
        (notified ? order_ : timed_out_).push_back(i);
      });
      group_.start();
      ok_ = ok_ && eventually([&] { return waiting_.load() == i + 1; });
    }
    // Taking the lock once more makes sure the last one is inside wait() too.
    std::lock_guard g(cv_);
  }
  [[nodiscard]] bool started() const { return ok_; }
  std::vector<int> order() {
    std::lock_guard g(m_);
    return order_;
  }
  std::size_t woken() {
    std::lock_guard g(m_);
    return order_.size();
  }
  std::vector<int> timed_out() {
    std::lock_guard g(m_);
    return timed_out_;
  }
  void notify(int n) {
    std::lock_guard g(cv_);
    cv_.notify(n);
  }
  void notify_all() {
    std::lock_guard g(cv_);
    cv_.notify_all();
  }
  bool join() { return group_.join_for(30s); }

 private:
  th::Condition& cv_;
  std::atomic<int> waiting_{0};
  bool ok_ = true;
  std::mutex m_;
  std::vector<int> order_;
  std::vector<int> timed_out_;
  tt::ThreadGroup group_;  // last: joined before the other members die
};

std::vector<int> iota_vec(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

}  // namespace

// ------------------------------------------------------------------ notify / notify_all

TEST(Condition, NotifyWakesOne) {
  th::Condition cv;
  OrderedWaiters w(cv, 3);
  ASSERT_TRUE(w.started());
  w.notify(1);
  ASSERT_TRUE(eventually([&] { return w.woken() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.woken(), 1U);
  w.notify_all();
  ASSERT_TRUE(eventually([&] { return w.woken() == 3; }));
  EXPECT_TRUE(w.join());
  EXPECT_TRUE(w.timed_out().empty());
}

TEST(Condition, NotifyNWakesExactlyN) {
  th::Condition cv;
  OrderedWaiters w(cv, 5);
  ASSERT_TRUE(w.started());
  w.notify(3);
  ASSERT_TRUE(eventually([&] { return w.woken() == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.woken(), 3U);
  w.notify(10);  // more than are waiting
  ASSERT_TRUE(eventually([&] { return w.woken() == 5; }));
  EXPECT_TRUE(w.join());
}

TEST(Condition, NotifyZeroOrNegativeWakesNobody) {
  th::Condition cv;
  OrderedWaiters w(cv, 2);
  ASSERT_TRUE(w.started());
  w.notify(0);
  w.notify(-3);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.woken(), 0U);
  w.notify_all();
  ASSERT_TRUE(eventually([&] { return w.woken() == 2; }));
  EXPECT_TRUE(w.join());
}

TEST(Condition, NotifyAllWakesAll) {
  th::Lock l;
  th::Condition cv(l);
  OrderedWaiters w(cv, 6);
  ASSERT_TRUE(w.started());
  w.notify_all();
  ASSERT_TRUE(eventually([&] { return w.woken() == 6; }));
  EXPECT_TRUE(w.join());
  EXPECT_TRUE(w.timed_out().empty());
}

TEST(Condition, FifoWakeOrderOwnRLock) {
  constexpr int kN = 6;
  th::Condition cv;
  OrderedWaiters w(cv, kN);
  ASSERT_TRUE(w.started());
  for (int k = 0; k < kN; ++k) {
    w.notify(1);
    ASSERT_TRUE(eventually([&] { return w.woken() == static_cast<std::size_t>(k + 1); }));
  }
  EXPECT_EQ(w.order(), iota_vec(kN));
  EXPECT_TRUE(w.join());
}

TEST(Condition, FifoWakeOrderPlainLock) {
  constexpr int kN = 6;
  th::Lock l;
  th::Condition cv(l);
  OrderedWaiters w(cv, kN);
  ASSERT_TRUE(w.started());
  for (int k = 0; k < kN; ++k) {
    w.notify(1);
    ASSERT_TRUE(eventually([&] { return w.woken() == static_cast<std::size_t>(k + 1); }));
  }
  EXPECT_EQ(w.order(), iota_vec(kN));
  EXPECT_TRUE(w.join());
}

TEST(Condition, NotifyNWakesTheOldestN) {
  th::Condition cv;
  OrderedWaiters w(cv, 5);
  ASSERT_TRUE(w.started());
  w.notify(2);
  ASSERT_TRUE(eventually([&] { return w.woken() == 2; }));
  std::this_thread::sleep_for(30ms);
  auto first = w.order();
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<int>{0, 1}));
  w.notify(2);
  ASSERT_TRUE(eventually([&] { return w.woken() == 4; }));
  auto next = w.order();
  std::sort(next.begin(), next.end());
  EXPECT_EQ(next, (std::vector<int>{0, 1, 2, 3}));
  w.notify_all();
  EXPECT_TRUE(w.join());
}

TEST(Condition, NotifyWithNoWaitersIsNotRemembered) {
  th::Condition cv;
  std::lock_guard g(cv);
  cv.notify();
  cv.notify(5);
  cv.notify_all();
  const auto el = tt::elapsed([&] { EXPECT_FALSE(cv.wait(30ms)); });
  EXPECT_GE(el, 25ms);
}

// ------------------------------------------------------------------ wait / wait_for

TEST(Condition, WaitReturnsTrueWhenNotified) {
  th::Condition cv;
  bool ready = false;
  th::Thread t([&] {
    std::this_thread::sleep_for(30ms);
    std::lock_guard g(cv);
    ready = true;
    cv.notify();
  });
  std::unique_lock g(cv);
  t.start();
  bool notified = false;
  const auto el = tt::elapsed([&] {
    while (!ready) notified = cv.wait(10s);
  });
  EXPECT_TRUE(notified);
  EXPECT_LT(el, kLate);
  g.unlock();
  t.join();
}

TEST(Condition, WaitTimeoutReturnsFalseAndReacquires) {
  th::Lock l;
  th::Condition cv(l);
  std::lock_guard g(cv);
  const auto el = tt::elapsed([&] { EXPECT_FALSE(cv.wait(50ms)); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  EXPECT_TRUE(l.locked());
}

TEST(Condition, WaitZeroOrNegativeTimeoutReturnsAtOnce) {
  th::Condition cv;
  std::lock_guard g(cv);
  auto el = tt::elapsed([&] { EXPECT_FALSE(cv.wait(0ms)); });
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(cv.wait(-5ms)); });
  EXPECT_LT(el, kLate);
  EXPECT_TRUE(cv.acquire(false));  // still ours: re-entering the RLock works
  cv.release();
}

TEST(Condition, WaitReleasesThePlainLockForOthers) {
  th::Lock l;
  th::Condition cv(l);
  std::atomic<int> other{-1};
  std::lock_guard g(cv);
  th::Thread t([&] {
    other = l.acquire(5s) ? 1 : 0;  // possible only while main waits
    if (other == 1) {
      cv.notify();
      l.release();
    }
  });
  t.start();
  EXPECT_TRUE(cv.wait(10s));
  EXPECT_EQ(other.load(), 1);
  EXPECT_TRUE(l.locked());  // re-acquired by wait()
  t.join();
}

TEST(Condition, OwnRLockHeldTwiceIsFullyReleasedByWait) {
  th::Condition cv;
  cv.acquire();
  cv.acquire();
  std::atomic<int> other{-1};
  th::Thread t([&] {
    other = cv.acquire(5s) ? 1 : 0;
    if (other == 1) {
      cv.notify();
      cv.release();
    }
  });
  t.start();
  EXPECT_TRUE(cv.wait(10s));
  EXPECT_EQ(other.load(), 1);
  t.join();
  cv.release();
  // Still held once: another thread cannot take it yet.
  std::atomic<int> probe{-1};
  th::Thread p([&] { probe = cv.acquire(false) ? 1 : 0; });
  p.start();
  p.join();
  EXPECT_EQ(probe.load(), 0);
  cv.release();
  th::Thread q([&] {
    probe = cv.acquire(false) ? 1 : 0;
    if (probe == 1) cv.release();
  });
  q.start();
  q.join();
  EXPECT_EQ(probe.load(), 1);
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
    EXPECT_TRUE(cv.wait_for([&] { return value == 5; }, 10s));
    EXPECT_EQ(value, 5);
  }
  t.join();
  std::lock_guard g(cv);
  const auto el = tt::elapsed([&] { EXPECT_FALSE(cv.wait_for([&] { return value == 6; }, 50ms)); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  int calls = 0;
  EXPECT_TRUE(cv.wait_for(
      [&] {
        ++calls;
        return true;
      },
      0ms));
  EXPECT_EQ(calls, 1);  // a true predicate is not waited on
}

TEST(Condition, WaitForWithoutTimeoutBlocksUntilTrue) {
  th::Condition cv;
  bool ready = false;
  th::Thread t([&] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(5ms);
      std::lock_guard g(cv);
      cv.notify_all();  // wakes without making the predicate true
    }
    std::lock_guard g(cv);
    ready = true;
    cv.notify_all();
  });
  std::lock_guard g(cv);
  t.start();
  EXPECT_TRUE(cv.wait_for([&] { return ready; }));
  EXPECT_TRUE(ready);
  t.join();
}

// Notifications that leave the predicate false do not cut the overall timeout short.
TEST(Condition, WaitForKeepsTheOverallTimeoutAcrossWakeups) {
  th::Condition cv;
  std::atomic<bool> stop{false};
  th::Thread nagger([&] {
    while (!stop.load()) {
      {
        std::lock_guard g(cv);
        cv.notify_all();
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  nagger.start();
  {
    std::lock_guard g(cv);
    const auto el = tt::elapsed([&] { EXPECT_FALSE(cv.wait_for([] { return false; }, 100ms)); });
    EXPECT_GE(el, 95ms);
    EXPECT_LT(el, kLate);
  }
  stop = true;
  nagger.join();
}

TEST(Condition, WaitForReturnsTheLastPredicateValue) {
  th::Condition cv;
  std::lock_guard g(cv);
  int calls = 0;
  // False until the deadline has passed, then true: the final check decides the result.
  const auto deadline = Clock::now() + 30ms;
  EXPECT_TRUE(cv.wait_for(
      [&] {
        ++calls;
        return Clock::now() >= deadline;
      },
      30ms));
  EXPECT_GE(calls, 2);
}

// ------------------------------------------------------------------ ownership errors

TEST(Condition, WaitOrNotifyWithoutLockThrows) {
  th::Condition cv;
  EXPECT_THROW(cv.wait(1ms), concur::RuntimeError);
  EXPECT_THROW(cv.wait(), concur::RuntimeError);
  EXPECT_THROW(cv.wait_for([] { return false; }, 1ms), concur::RuntimeError);
  EXPECT_THROW(cv.notify(), concur::RuntimeError);
  EXPECT_THROW(cv.notify(3), concur::RuntimeError);
  EXPECT_THROW(cv.notify_all(), concur::RuntimeError);
  th::Lock l;
  th::Condition cl(l);
  EXPECT_THROW(cl.wait(1ms), concur::RuntimeError);
  EXPECT_THROW(cl.notify(), concur::RuntimeError);
  EXPECT_THROW(cl.notify_all(), concur::RuntimeError);
  th::RLock r;
  th::Condition cr(r);
  EXPECT_THROW(cr.wait(1ms), concur::RuntimeError);
  EXPECT_THROW(cr.notify(), concur::RuntimeError);
  EXPECT_FALSE(l.locked());
  EXPECT_FALSE(r.is_owned());
}

TEST(Condition, RLockHeldByAnotherThreadIsNotOwned) {
  th::Condition cv;  // own RLock: ownership is per thread
  std::lock_guard g(cv);
  std::atomic<int> notify_res{0};
  std::atomic<int> wait_res{0};
  th::Thread t([&] {
    try {
      cv.notify();
      notify_res = 1;
    } catch (const concur::RuntimeError&) {
      notify_res = 2;
    }
    try {
      (void)cv.wait(1ms);
      wait_res = 1;
    } catch (const concur::RuntimeError&) {
      wait_res = 2;
    }
  });
  t.start();
  t.join();
  EXPECT_EQ(notify_res.load(), 2);
  EXPECT_EQ(wait_res.load(), 2);
}

// Python can only tell that *someone* holds a plain Lock (Condition._is_owned tries a
// non-blocking acquire), so notify() from a thread that does not hold it is accepted.
TEST(Condition, PlainLockHeldByAnyThreadCountsAsOwned) {
  th::Lock l;
  th::Condition cv(l);
  l.acquire();
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
  EXPECT_EQ(res.load(), 1);
  l.release();
}

// ------------------------------------------------------------------ RLock levels

TEST(Condition, RLockHeldTwiceReleasedFullyAndRestored) {
  th::RLock r;
  th::Condition cv(r);
  r.acquire();
  r.acquire();
  ASSERT_EQ(r.recursion_level(), 2U);
  std::atomic<int> other{-1};
  th::Thread t([&] {
    other = r.acquire(5s) ? 1 : 0;  // only possible if wait() released both levels
    if (other == 1) {
      cv.notify();
      r.release();
    }
  });
  t.start();
  EXPECT_TRUE(cv.wait(10s));
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
  EXPECT_FALSE(cv.wait_for([] { return false; }, 10ms));
  EXPECT_EQ(r.recursion_level(), 3U);
  r.release();
  r.release();
  r.release();
  EXPECT_FALSE(r.is_owned());
}

TEST(Condition, AcquireReleaseDelegateToTheLock) {
  th::Lock l;
  th::Condition cv(l);
  EXPECT_TRUE(cv.acquire());
  EXPECT_TRUE(l.locked());
  EXPECT_FALSE(cv.acquire(false));
  EXPECT_FALSE(cv.try_lock());
  const auto el = tt::elapsed([&] { EXPECT_FALSE(cv.acquire(30ms)); });
  EXPECT_GE(el, 25ms);
  EXPECT_THROW(cv.acquire(false, 1ms), concur::ValueError);
  cv.release();
  EXPECT_FALSE(l.locked());
  EXPECT_THROW(cv.release(), concur::RuntimeError);

  th::RLock r;
  th::Condition cr(r);
  EXPECT_TRUE(cr.acquire());
  EXPECT_TRUE(cr.acquire(false));  // re-entrant, like the RLock
  EXPECT_EQ(r.recursion_level(), 2U);
  cr.release();
  cr.release();
  EXPECT_FALSE(r.is_owned());
}

TEST(Condition, TwoConditionsShareOneLock) {
  th::Lock l;
  th::Condition a(l);
  th::Condition b(l);
  std::atomic<int> woke_a{0};
  std::atomic<int> woke_b{0};
  std::atomic<int> waiting{0};
  tt::ThreadGroup g;
  g.add([&] {
    std::lock_guard lk(a);
    waiting.fetch_add(1);
    if (a.wait(10s)) woke_a.fetch_add(1);
  });
  g.add([&] {
    std::lock_guard lk(b);
    waiting.fetch_add(1);
    if (b.wait(10s)) woke_b.fetch_add(1);
  });
  g.start();
  ASSERT_TRUE(eventually([&] { return waiting.load() == 2; }));
  {
    std::lock_guard lk(l);  // both are inside wait() once we hold the lock
    b.notify_all();
  }
  ASSERT_TRUE(eventually([&] { return woke_b.load() == 1; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(woke_a.load(), 0);  // notifying b does not wake a's waiter
  {
    std::lock_guard lk(l);
    a.notify();
  }
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(woke_a.load(), 1);
}

// ------------------------------------------------------------------ stress

TEST(ConditionStress, BoundedBufferFourProducersFourConsumers) {
  th::Condition cv;
  std::deque<long> buf;
  constexpr std::size_t kCap = 8;
  const long per = tt::scaled(20000, 200);
  constexpr int kP = 4;
  constexpr int kC = 4;
  std::atomic<long> sum{0};
  std::atomic<long> count{0};
  std::atomic<bool> overfull{false};
  int producers_done = 0;
  tt::ThreadGroup g;
  for (int p = 0; p < kP; ++p) {
    g.add([&, p] {
      for (long i = 1; i <= per; ++i) {
        std::lock_guard lk(cv);
        cv.wait_for([&] { return buf.size() < kCap; });
        buf.push_back(i + p * per);
        if (buf.size() > kCap) overfull = true;
        cv.notify_all();
      }
      std::lock_guard lk(cv);
      ++producers_done;
      cv.notify_all();
    });
  }
  for (int c = 0; c < kC; ++c) {
    g.add([&] {
      for (;;) {
        std::lock_guard lk(cv);
        cv.wait_for([&] { return !buf.empty() || producers_done == kP; });
        if (buf.empty()) return;
        sum.fetch_add(buf.front());
        count.fetch_add(1);
        buf.pop_front();
        cv.notify_all();
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  const long n = kP * per;
  EXPECT_FALSE(overfull.load());
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

// The classic two-condition buffer: one Lock, not_full/not_empty, single notify() calls.
// A lost or misdirected wake-up shows up as a hang (bounded by the join timeout).
TEST(ConditionStress, TwoConditionBufferWithSingleNotify) {
  th::Lock l;
  th::Condition not_full(l);
  th::Condition not_empty(l);
  std::deque<long> buf;
  constexpr std::size_t kCap = 4;
  const long per = tt::scaled(20000, 200);
  constexpr int kP = 4;
  constexpr int kC = 4;
  long sum = 0;
  long count = 0;
  int producers_done = 0;
  tt::ThreadGroup g;
  for (int p = 0; p < kP; ++p) {
    g.add([&, p] {
      for (long i = 1; i <= per; ++i) {
        std::lock_guard lk(l);
        while (buf.size() >= kCap) (void)not_full.wait();
        buf.push_back(i + p * per);
        not_empty.notify();
      }
      std::lock_guard lk(l);
      if (++producers_done == kP) not_empty.notify_all();
    });
  }
  for (int c = 0; c < kC; ++c) {
    g.add([&] {
      for (;;) {
        std::lock_guard lk(l);
        while (buf.empty() && producers_done < kP) (void)not_empty.wait();
        if (buf.empty()) return;
        sum += buf.front();
        ++count;
        buf.pop_front();
        not_full.notify();
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  const long n = kP * per;
  std::lock_guard lk(l);
  EXPECT_EQ(count, n);
  EXPECT_EQ(sum, n * (n + 1) / 2);
}

// Consumers poll with tiny timeouts while producers hand out tokens with notify(1): every
// token is taken exactly once and nobody hangs.
TEST(ConditionStress, TokensWithTinyTimedWaits) {
  th::Condition cv;
  const long per_producer = tt::scaled(20000, 200);
  constexpr int kP = 2;
  constexpr int kC = 4;
  const long total = per_producer * kP;
  long tokens = 0;
  long taken = 0;
  std::atomic<long> timeouts{0};
  tt::ThreadGroup g;
  for (int p = 0; p < kP; ++p) {
    g.add([&] {
      for (long i = 0; i < per_producer; ++i) {
        std::lock_guard lk(cv);
        ++tokens;
        cv.notify();
      }
    });
  }
  for (int c = 0; c < kC; ++c) {
    g.add([&, c] {
      for (long k = 0;; ++k) {
        std::lock_guard lk(cv);
        while (tokens == 0 && taken < total) {
          if (!cv.wait(std::chrono::microseconds((k + c) % 5))) timeouts.fetch_add(1);
        }
        if (taken == total) return;
        --tokens;
        ++taken;
        if (taken == total) cv.notify_all();
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  std::lock_guard lk(cv);
  EXPECT_EQ(taken, total);
  EXPECT_EQ(tokens, 0);
}

TEST(ConditionStress, TimedWaitsRacingNotifies) {
  th::Condition cv;
  const int rounds = tt::scaled_int(5000, 100);
  std::atomic<bool> stop{false};
  th::Thread notifier([&] {
    while (!stop.load()) {
      std::lock_guard g(cv);
      cv.notify(2);
    }
  });
  notifier.start();
  std::atomic<long> notified{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 3; ++i) {
    g.add([&] {
      for (int k = 0; k < rounds; ++k) {
        std::lock_guard lk(cv);
        if (cv.wait(std::chrono::microseconds(k % 5))) notified.fetch_add(1);
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  stop = true;
  notifier.join();
  EXPECT_LE(notified.load(), 3L * rounds);
  // No waiter record is left behind: a fresh wait times out normally and a notify is safe.
  std::lock_guard lk(cv);
  cv.notify_all();
  EXPECT_FALSE(cv.wait(1ms));
}
