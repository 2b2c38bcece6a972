// mp::Condition: errors, timeouts, RLock levels, notify(n) precision across processes, a
// timed-out waiter never absorbs a notify, a producer/consumer stress across processes with
// checked totals, and kill tests (a waiter or a lock holder SIGKILLed).
#include "concur/multiprocessing/condition.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/event.hpp"
#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;
using concur_test::Clock;

namespace {
class ConditionTest : public concur_test::LeakCheckedTest {};

struct Shared {
  int waiting = 0;
  int woke = 0;
  int timed_out = 0;
};

// Waits (under cv) until `waiting` reaches n: every child has taken its ticket.
void wait_for_waiters(mp::Condition& cv, concur::detail::SharedObject<Shared>& s, int n) {
  const auto end = Clock::now() + 10s;
  for (;;) {
    {
      std::lock_guard g(cv);
      if (s->waiting >= n) return;
    }
    ASSERT_LT(Clock::now(), end) << "children never started waiting";
    std::this_thread::sleep_for(1ms);
  }
}
}  // namespace

TEST_F(ConditionTest, WaitAndNotifyNeedTheLock) {
  mp::Condition cv;
  EXPECT_THROW(cv.wait(10ms), concur::RuntimeError);
  EXPECT_THROW(cv.notify(), concur::RuntimeError);
  EXPECT_THROW(cv.notify_all(), concur::RuntimeError);
  std::lock_guard g(cv);
  std::thread other([&] { EXPECT_THROW(cv.notify(), concur::RuntimeError); });
  other.join();
}

TEST_F(ConditionTest, WaitTimesOutAndKeepsTheLock) {
  mp::Lock lock;
  mp::Condition cv(lock);
  std::lock_guard g(cv);
  const auto t0 = Clock::now();
  EXPECT_FALSE(cv.wait(50ms));
  EXPECT_GE(Clock::now() - t0, 45ms);
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(cv.wait_for([] { return false; }, 20ms));
  EXPECT_TRUE(cv.wait_for([] { return true; }, 0ms));
  cv.notify();  // nobody waits: a no-op
}

TEST_F(ConditionTest, RLockLevelsAreReleasedAndRestored) {
  mp::RLock r;
  mp::Condition cv(r);
  mp::Event in_child;
  r.acquire();
  r.acquire();
  mp::Process child([&] {
    // Gets the lock only because wait() released both levels.
    if (!r.acquire(true, 5s)) mp::exit(3);
    in_child.set();
    r.release();
  });
  child.start();
  EXPECT_FALSE(cv.wait(300ms));
  EXPECT_TRUE(in_child.is_set());
  r.release();
  r.release();  // both levels are back
  EXPECT_THROW(r.release(), concur::RuntimeError);
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

TEST_F(ConditionTest, NotifyWakesExactlyNWaitersAcrossProcesses) {
  constexpr int kChildren = 4;
  mp::Condition cv;
  concur::detail::SharedObject<Shared> s(0);
  std::vector<std::unique_ptr<mp::Process>> children;
  for (int i = 0; i < kChildren; ++i) {
    children.push_back(std::make_unique<mp::Process>([&] {
      std::lock_guard g(cv);
      ++s->waiting;
      if (!cv.wait(20s)) mp::exit(2);
      ++s->woke;
    }));
    children.back()->start();
  }
  wait_for_waiters(cv, s, kChildren);
  auto woke_after = [&](int expected) {
    const auto end = Clock::now() + 10s;
    while (Clock::now() < end) {
      {
        std::lock_guard g(cv);
        if (s->woke >= expected) break;
      }
      std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(100ms);  // give extra (wrong) wake-ups time to show
    std::lock_guard g(cv);
    return s->woke;
  };
  {
    std::lock_guard g(cv);
    cv.notify(1);
  }
  EXPECT_EQ(woke_after(1), 1);
  {
    std::lock_guard g(cv);
    cv.notify(2);
  }
  EXPECT_EQ(woke_after(3), 3);
  {
    std::lock_guard g(cv);
    cv.notify_all();
  }
  EXPECT_EQ(woke_after(4), 4);
  for (auto& c : children) {
    c->join();
    EXPECT_EQ(c->exitcode(), 0);
  }
}

TEST_F(ConditionTest, TimedOutWaiterDoesNotAbsorbANotify) {
  mp::Condition cv;
  concur::detail::SharedObject<Shared> s(0);
  mp::Process quick([&] {
    std::lock_guard g(cv);
    ++s->waiting;
    if (cv.wait(30ms)) mp::exit(2);  // must time out
    ++s->timed_out;
  });
  quick.start();
  wait_for_waiters(cv, s, 1);
  mp::Process patient([&] {
    std::lock_guard g(cv);
    ++s->waiting;
    if (!cv.wait(20s)) mp::exit(2);
    ++s->woke;
  });
  patient.start();
  wait_for_waiters(cv, s, 2);
  quick.join();  // its ticket is older and now cancelled
  EXPECT_EQ(quick.exitcode(), 0);
  {
    std::lock_guard g(cv);
    cv.notify(1);  // must reach the patient waiter
  }
  patient.join(10s);
  EXPECT_FALSE(patient.is_alive());
  if (patient.is_alive()) patient.kill();
  patient.join();
  EXPECT_EQ(patient.exitcode(), 0);
  EXPECT_EQ(s->woke, 1);
}

namespace {
struct Ring {
  static constexpr int kCap = 8;
  std::array<long, kCap> items{};
  int head = 0;
  int count = 0;
  long consumed_sum = 0;
  long consumed = 0;
};
}  // namespace

TEST_F(ConditionTest, StressProducerConsumerAcrossProcesses) {
  constexpr int kProducers = 2;
  constexpr int kConsumers = 2;
  constexpr long kEach = 20000;
  mp::Condition cv;
  concur::detail::SharedObject<Ring> ring(0);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int p = 0; p < kProducers; ++p) {
    ps.push_back(std::make_unique<mp::Process>([&, p] {
      for (long i = 1; i <= kEach; ++i) {
        std::lock_guard g(cv);
        cv.wait_for([&] { return ring->count < Ring::kCap; });
        ring->items[(ring->head + ring->count) % Ring::kCap] = i + p * kEach;
        ++ring->count;
        cv.notify_all();
      }
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (;;) {
        std::lock_guard g(cv);
        cv.wait_for([&] { return ring->count > 0 || ring->consumed == kProducers * kEach; });
        if (ring->count == 0) return;  // everything consumed
        ring->consumed_sum += ring->items[ring->head];
        ring->head = (ring->head + 1) % Ring::kCap;
        --ring->count;
        ++ring->consumed;
        cv.notify_all();
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (auto& p : ps) {
    p->join();
    EXPECT_EQ(p->exitcode(), 0);
  }
  const long n = kProducers * kEach;
  EXPECT_EQ(ring->consumed, n);
  EXPECT_EQ(ring->consumed_sum, n * (n + 1) / 2);
}

// ------------------------------------------------------------------ kill tests

TEST_F(ConditionTest, KilledWaiterDoesNotBlockNotifyAll) {
  mp::Condition cv;
  concur::detail::SharedObject<Shared> s(0);
  auto waiter = [&] {
    std::lock_guard g(cv);
    ++s->waiting;
    if (!cv.wait(20s)) mp::exit(2);
    ++s->woke;
  };
  mp::Process victim(waiter);
  mp::Process survivor(waiter);
  victim.start();
  survivor.start();
  wait_for_waiters(cv, s, 2);
  victim.kill();
  victim.join();
  EXPECT_EQ(victim.exitcode(), -9);
  {
    std::lock_guard g(cv);
    cv.notify_all();
  }
  survivor.join(10s);
  EXPECT_FALSE(survivor.is_alive());
  if (survivor.is_alive()) survivor.kill();
  survivor.join();
  EXPECT_EQ(survivor.exitcode(), 0);
}

TEST_F(ConditionTest, HolderKilledWhileAWaiterSleepsGivesTheWaiterOwnerDied) {
  mp::Condition cv;
  mp::Event inside;
  mp::Event waiting;
  std::atomic<int> outcome{0};
  std::thread waiter([&] {
    std::unique_lock g(cv);
    waiting.set();
    try {
      cv.wait(20s);
      outcome = 1;
    } catch (const mp::OwnerDied&) {
      outcome = 2;  // we hold the lock again: the guard releases it
    }
  });
  ASSERT_TRUE(waiting.wait(10s));
  mp::Process holder([&] {
    cv.acquire();
    cv.notify();
    inside.set();
    std::this_thread::sleep_for(60s);  // killed here, holding the lock
  });
  holder.start();
  ASSERT_TRUE(inside.wait(10s));
  holder.kill();
  waiter.join();
  holder.join();
  EXPECT_EQ(outcome.load(), 2);
  EXPECT_TRUE(cv.acquire(false));  // the lock works normally again
  cv.release();
}
