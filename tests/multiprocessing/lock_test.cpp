// mp::Lock / mp::RLock: semantics, timeouts, cross-process mutual exclusion with checked
// totals, and kill tests (a holder SIGKILLed inside its critical section).
#include "concur/multiprocessing/lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
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
class LockTest : public concur_test::LeakCheckedTest {};

struct Counter {
  long value = 0;
};
}  // namespace

TEST_F(LockTest, AcquireReleaseAndLocked) {
  mp::Lock lock;
  EXPECT_FALSE(lock.locked());
  EXPECT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(lock.acquire(false));
  EXPECT_FALSE(lock.acquire(true, 20ms));              // Python: a relock times out
  EXPECT_THROW(lock.acquire(), concur::RuntimeError);  // ... and would block forever
  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(lock.release(), concur::RuntimeError);
  EXPECT_THROW(lock.acquire(false, 1s), concur::ValueError);  // as threading: no timeout
  { std::lock_guard g(lock); }
  std::unique_lock u(lock, std::defer_lock);
  EXPECT_TRUE(u.try_lock_for(10ms));
}

TEST_F(LockTest, RLockIsRecursiveAndOwned) {
  mp::RLock r;
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire());
  r.release();
  r.release();
  EXPECT_THROW(r.release(), concur::RuntimeError);
  r.acquire();
  std::thread other([&r] { EXPECT_THROW(r.release(), concur::RuntimeError); });
  other.join();
  r.release();
}

TEST_F(LockTest, TimeoutWhileAnotherProcessHoldsIt) {
  mp::Lock lock;
  mp::Event held;
  mp::Event done;
  mp::Process holder([&] {
    lock.acquire();
    held.set();
    done.wait(10s);
    lock.release();
  });
  holder.start();
  ASSERT_TRUE(held.wait(10s));
  const auto t0 = Clock::now();
  EXPECT_FALSE(lock.acquire(true, 100ms));
  const auto waited = Clock::now() - t0;
  EXPECT_GE(waited, 95ms);
  EXPECT_LT(waited, 2s);
  done.set();
  EXPECT_TRUE(lock.acquire(true, 10s));
  lock.release();
  holder.join();
  EXPECT_EQ(holder.exitcode(), 0);
}

TEST_F(LockTest, StressMutualExclusionAcrossProcesses) {
  constexpr int kProcs = 4;
  constexpr int kEach = 200000;
  mp::Lock lock;
  concur::detail::SharedObject<Counter> counter(0);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < kProcs; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (int k = 0; k < kEach; ++k) {
        std::lock_guard g(lock);
        const long v = counter->value;  // a non-atomic read-modify-write
        counter->value = v + 1;
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (auto& p : ps) {
    p->join();
    EXPECT_EQ(p->exitcode(), 0);
  }
  EXPECT_EQ(counter->value, kProcs * kEach);
}

TEST_F(LockTest, StressRLockNestedAcrossProcessesAndThreads) {
  mp::RLock lock;
  concur::detail::SharedObject<Counter> counter(0);
  mp::Process p([&] {
    std::vector<std::thread> ts;
    for (int t = 0; t < 2; ++t) {
      ts.emplace_back([&] {
        for (int k = 0; k < 5000; ++k) {
          std::lock_guard a(lock);
          std::lock_guard b(lock);
          counter->value = counter->value + 1;
        }
      });
    }
    for (auto& t : ts) t.join();
  });
  p.start();
  for (int k = 0; k < 10000; ++k) {
    std::lock_guard a(lock);
    counter->value = counter->value + 1;
  }
  p.join();
  EXPECT_EQ(counter->value, 20000);
}

// ------------------------------------------------------------------ kill tests

TEST_F(LockTest, HolderKilledInCriticalSectionNextAcquirerGetsOwnerDied) {
  mp::Lock lock;
  mp::Event inside;
  mp::Process holder([&] {
    lock.acquire();
    inside.set();
    std::this_thread::sleep_for(60s);  // killed here
  });
  holder.start();
  ASSERT_TRUE(inside.wait(10s));
  holder.kill();
  holder.join();
  bool owner_died = false;
  try {
    lock.acquire(true, 5s);
  } catch (const mp::OwnerDied&) {
    owner_died = true;
  }
  EXPECT_TRUE(owner_died);
  EXPECT_TRUE(lock.locked());  // we hold it now
  lock.release();
  EXPECT_TRUE(lock.acquire(false));  // and it works normally again
  lock.release();
}

TEST_F(LockTest, WaiterBlockedWhileHolderIsKilledWakesWithOwnerDied) {
  mp::RLock lock;
  mp::Event inside;
  mp::Process holder([&] {
    lock.acquire();
    lock.acquire();  // held recursively
    inside.set();
    std::this_thread::sleep_for(60s);
  });
  holder.start();
  ASSERT_TRUE(inside.wait(10s));
  std::atomic<int> result{0};
  std::thread waiter([&] {
    try {
      result = lock.acquire(true, 20s) ? 1 : 2;
    } catch (const mp::OwnerDied&) {
      result = 3;
      lock.release();
    }
  });
  std::this_thread::sleep_for(50ms);  // the waiter is blocked in the kernel now
  const auto t0 = Clock::now();
  holder.kill();
  waiter.join();
  EXPECT_EQ(result.load(), 3);
  EXPECT_LT(Clock::now() - t0, 5s);
  holder.join();
}

TEST_F(LockTest, KilledAtRandomPointsNeverHangsOrLosesTheLock) {
  mp::Lock lock;
  concur::detail::SharedObject<Counter> counter(0);
  for (int round = 0; round < 10; ++round) {
    mp::Process worker([&] {
      for (;;) {
        std::lock_guard g(lock);
        counter->value = counter->value + 1;
      }
    });
    worker.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + round));
    worker.kill();
    worker.join();
    try {
      ASSERT_TRUE(lock.acquire(true, 5s));
    } catch (const mp::OwnerDied&) {
      // killed inside the section: we hold it now
    }
    lock.release();
  }
  EXPECT_GT(counter->value, 0);
}
