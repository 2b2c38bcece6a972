// detail::RingLock, the robust futex lock of the queue ring: mutual exclusion across processes,
// timeouts, and recovery when its holder dies (killed, exited, a thread that ended), also when
// waiters sleep on it, in fork()ed children, and next to robust pthread mutexes.
#include "concur/detail/ring_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "concur/detail/robust_mutex.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

using concur::detail::Deadline;
using concur::detail::RingLock;
using concur::detail::SharedObject;
using concur_test::fork_child;
using concur_test::wait_child;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

class RingLockTest : public concur_test::LeakCheckedTest {};

// A lock and a flag in shared memory: the child raises the flag once it holds the lock.
struct Shared {
  RingLock lock;
  std::atomic<int> holding{0};
  std::uint64_t counter = 0;  // guarded by lock
};

bool wait_flag(const std::atomic<int>& flag) {
  return concur_test::eventually([&] { return flag.load() != 0; }, 20s);
}

// In a child: takes the lock, says so, and waits to be killed.
int hold_until_killed(Shared& s) {
  if (!s.lock.lock(true, Deadline::never())) return 3;
  s.holding.store(1);
  for (;;) ::pause();
}

TEST_F(RingLockTest, ExcludesOtherProcessesAndThreads) {
  SharedObject<Shared> s(0);
  constexpr int kRounds = 100'000;
  auto work = [&s] {
    for (int i = 0; i < kRounds; ++i) {
      EXPECT_TRUE(s->lock.lock(true, Deadline::never()));
      const std::uint64_t v = s->counter;  // a lost update shows up as a short count
      s->counter = v + 1;
      s->lock.unlock();
    }
  };
  const pid_t a = fork_child([&] {
    work();
    return 0;
  });
  const pid_t b = fork_child([&] {
    std::thread t(work);
    work();
    t.join();
    return 0;
  });
  work();
  EXPECT_EQ(wait_child(a), 0);
  EXPECT_EQ(wait_child(b), 0);
  EXPECT_EQ(s->counter, 4U * kRounds);
  EXPECT_FALSE(s->lock.locked());
}

TEST_F(RingLockTest, BusyLockFailsAtOnceOrAfterTheTimeout) {
  SharedObject<Shared> s(0);
  const pid_t holder = fork_child([&] { return hold_until_killed(*s); });
  ASSERT_TRUE(wait_flag(s->holding));
  EXPECT_TRUE(s->lock.locked());
  EXPECT_FALSE(s->lock.lock(false, Deadline::never()));
  const auto t0 = Clock::now();
  EXPECT_FALSE(s->lock.lock(true, Deadline(concur::Timeout(100ms))));
  EXPECT_GE(Clock::now() - t0, 100ms);
  ::kill(holder, SIGKILL);
  EXPECT_EQ(wait_child(holder), -SIGKILL);
  EXPECT_FALSE(s->lock.locked());
  EXPECT_TRUE(s->lock.lock(false, Deadline::never()));  // a dead holder's lock is free
  s->lock.unlock();
}

TEST_F(RingLockTest, ASleepingWaiterGetsTheLockWhenItsHolderIsKilled) {
  SharedObject<Shared> s(0);
  const pid_t holder = fork_child([&] { return hold_until_killed(*s); });
  ASSERT_TRUE(wait_flag(s->holding));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    got = s->lock.lock(true, Deadline(concur::Timeout(20s)));
    if (got) s->lock.unlock();
  });
  std::this_thread::sleep_for(50ms);  // past its spin: asleep in the kernel
  const auto t0 = Clock::now();
  ::kill(holder, SIGKILL);
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_LT(Clock::now() - t0, 5s);  // woken by the kernel, not by the timeout
  EXPECT_EQ(wait_child(holder), -SIGKILL);
}

TEST_F(RingLockTest, AProcessThatExitsOrAThreadThatEndsHoldingTheLockReleasesIt) {
  SharedObject<Shared> s(0);
  const pid_t quitter = fork_child([&] { return s->lock.lock(true, Deadline::never()) ? 0 : 3; });
  EXPECT_EQ(wait_child(quitter), 0);
  EXPECT_TRUE(s->lock.lock(true, Deadline(concur::Timeout(5s))));
  s->lock.unlock();
  std::thread ender([&] { EXPECT_TRUE(s->lock.lock(true, Deadline::never())); });
  ender.join();
  EXPECT_TRUE(s->lock.lock(true, Deadline(concur::Timeout(5s))));
  s->lock.unlock();
}

TEST_F(RingLockTest, AForkedChildHoldsTheLockUnderItsOwnThreadId) {
  SharedObject<Shared> s(0);
  ASSERT_TRUE(s->lock.lock(true, Deadline::never()));  // this thread's id is now cached
  s->lock.unlock();
  const pid_t child = fork_child([&] { return hold_until_killed(*s); });
  ASSERT_TRUE(wait_flag(s->holding));
  ::kill(child, SIGKILL);
  EXPECT_EQ(wait_child(child), -SIGKILL);
  // Had the child locked under the parent's id, the kernel would not have freed it.
  EXPECT_TRUE(s->lock.lock(true, Deadline(concur::Timeout(5s))));
  s->lock.unlock();
}

TEST_F(RingLockTest, RobustPthreadMutexesStillRecoverAroundIt) {
  // A holder of a robust pthread mutex takes and releases ring locks, then dies: the mutex
  // must still come back with OwnerDied (the ring lock left the thread's robust list intact).
  struct Both {
    concur::detail::RobustMutex mutex{false};
    Shared ring;
  };
  SharedObject<Both> b(0);
  const pid_t child = fork_child([&] {
    if (!b->mutex.lock(true, {})) return 3;
    for (int i = 0; i < 3; ++i) {
      if (!b->ring.lock.lock(true, Deadline::never())) return 4;
      b->ring.lock.unlock();
    }
    return hold_until_killed(b->ring);  // and dies holding both
  });
  ASSERT_TRUE(wait_flag(b->ring.holding));
  ::kill(child, SIGKILL);
  EXPECT_EQ(wait_child(child), -SIGKILL);
  EXPECT_THROW((void)b->mutex.lock(true, concur::Timeout(5s)), concur::mp::OwnerDied);
  b->mutex.unlock();
  EXPECT_TRUE(b->ring.lock.lock(true, Deadline(concur::Timeout(5s))));
  b->ring.lock.unlock();
}

}  // namespace
