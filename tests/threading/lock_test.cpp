// Tests for concur::threading::Lock (Python: threading.Lock).
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

TEST(Lock, AcquireRelease) {
  th::Lock l;
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire());
  EXPECT_TRUE(l.locked());
  l.release();
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire(true));
  l.release();
  EXPECT_TRUE(l.acquire(false));  // non-blocking on a free lock succeeds
  l.release();
  EXPECT_TRUE(l.acquire(0ms));  // a zero timeout on a free lock succeeds
  l.release();
  EXPECT_TRUE(l.acquire(true, 1s));
  l.release();
}

TEST(Lock, NotReentrant) {
  th::Lock l;
  ASSERT_TRUE(l.acquire());
  EXPECT_FALSE(l.acquire(false));  // the holder itself cannot take it again
  EXPECT_FALSE(l.try_lock());
  EXPECT_TRUE(l.locked());
  l.release();
  EXPECT_TRUE(l.acquire(false));
  l.release();
}

TEST(Lock, NonBlockingOnLockHeldByOtherThreadReturnsFalse) {
  th::Lock l;
  th::Event held;
  th::Event done;
  th::Thread holder([&] {
    l.acquire();
    held.set();
    done.wait();
    l.release();
  });
  holder.start();
  ASSERT_TRUE(held.wait(kLate * 5));
  EXPECT_TRUE(l.locked());
  const auto el = tt::elapsed([&] { EXPECT_FALSE(l.acquire(false)); });
  EXPECT_LT(el, kLate);
  done.set();
  holder.join();
  EXPECT_FALSE(l.locked());
}

TEST(Lock, TimedAcquireTimesOut) {
  th::Lock l;
  ASSERT_TRUE(l.acquire());
  auto el = tt::elapsed([&] { EXPECT_FALSE(l.acquire(50ms)); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(l.acquire(true, 20ms)); });
  EXPECT_GE(el, 15ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(l.acquire(0ms)); });
  EXPECT_LT(el, kLate);
  // Durations of any unit and representation work.
  el = tt::elapsed([&] { EXPECT_FALSE(l.acquire(std::chrono::duration<double>(0.03))); });
  EXPECT_GE(el, 25ms);
  EXPECT_TRUE(l.locked());
  l.release();
  EXPECT_TRUE(l.acquire(50ms));
  l.release();
}

TEST(Lock, TimedAcquireSucceedsWhenReleasedDuringWait) {
  th::Lock l;
  l.acquire();
  th::Thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    l.release();
  });
  releaser.start();
  bool got = false;
  const auto el = tt::elapsed([&] { got = l.acquire(10s); });
  EXPECT_TRUE(got);
  EXPECT_GE(el, 40ms);
  EXPECT_LT(el, kLate);
  releaser.join();
  EXPECT_TRUE(l.locked());
  l.release();
}

TEST(Lock, ReleaseUnlockedThrows) {
  th::Lock l;
  EXPECT_THROW(l.release(), concur::RuntimeError);
  EXPECT_FALSE(l.locked());
  l.acquire();
  l.release();
  EXPECT_THROW(l.release(), concur::RuntimeError);
  EXPECT_FALSE(l.locked());
  EXPECT_THROW(l.unlock(), concur::RuntimeError);
  // Still usable afterwards.
  EXPECT_TRUE(l.acquire(false));
  l.release();
}

// Python checks the arguments before touching the lock: Lock().acquire(False, 1) and
// Lock().acquire(timeout=-5) raise ValueError whether or not the lock is free.
TEST(Lock, NonBlockingWithTimeoutThrowsValueError) {
  th::Lock l;
  EXPECT_THROW(l.acquire(false, 10ms), concur::ValueError);
  EXPECT_THROW(l.acquire(false, 0ms), concur::ValueError);
  EXPECT_FALSE(l.locked());
  l.acquire();
  EXPECT_THROW(l.acquire(false, 10ms), concur::ValueError);
  EXPECT_TRUE(l.locked());
  l.release();
}

TEST(Lock, NegativeTimeoutThrowsValueError) {
  th::Lock l;
  EXPECT_THROW(l.acquire(true, -5ms), concur::ValueError);
  EXPECT_THROW(l.acquire(-1ns), concur::ValueError);
  EXPECT_FALSE(l.locked());
  l.acquire();
  EXPECT_THROW(l.acquire(true, -5ms), concur::ValueError);
  EXPECT_TRUE(l.locked());
  l.release();
}

TEST(Lock, ForeverTimeoutIsAllowedWithNonBlocking) {
  th::Lock l;
  // Python's default timeout (-1, i.e. None here) is fine with blocking=False.
  EXPECT_TRUE(l.acquire(false, concur::Timeout{}));
  EXPECT_FALSE(l.acquire(false, std::nullopt));
  l.release();
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

TEST(Lock, LockedSeenFromOtherThread) {
  th::Lock l;
  std::atomic<int> seen{-1};
  auto probe = [&] {
    th::Thread t([&] { seen = l.locked() ? 1 : 0; });
    t.start();
    t.join();
    return seen.load();
  };
  EXPECT_EQ(probe(), 0);
  l.acquire();
  EXPECT_EQ(probe(), 1);
  l.release();
  EXPECT_EQ(probe(), 0);
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
  EXPECT_TRUE(t.join(kLate * 5));
  EXPECT_TRUE(got.load());
  EXPECT_FALSE(l.locked());
}

TEST(Lock, ManyBlockedWaitersAllGetTheirTurn) {
  th::Lock l;
  l.acquire();
  constexpr int kN = 6;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> done{0};
  tt::ThreadGroup g;
  for (int i = 0; i < kN; ++i) {
    g.add([&] {
      l.acquire();
      tt::raise_max(max_inside, inside.fetch_add(1) + 1);
      std::this_thread::sleep_for(1ms);
      inside.fetch_sub(1);
      done.fetch_add(1);
      l.release();
    });
  }
  g.start();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(done.load(), 0);
  l.release();
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(done.load(), kN);
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_FALSE(l.locked());
}

TEST(Lock, LockGuardAndUniqueLock) {
  th::Lock l;
  {
    std::lock_guard g(l);
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(l.locked());
  {
    std::unique_lock g(l);
    EXPECT_TRUE(g.owns_lock());
    EXPECT_TRUE(l.locked());
    g.unlock();
    EXPECT_FALSE(l.locked());
    g.lock();
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(l.locked());
  {
    std::unique_lock g(l, std::try_to_lock);
    EXPECT_TRUE(g.owns_lock());
    std::unique_lock h(l, std::try_to_lock);
    EXPECT_FALSE(h.owns_lock());
  }
  EXPECT_FALSE(l.locked());
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
  // std::lock backs off when the second is busy, then gets both once it is free.
  b.acquire();
  th::Thread releaser([&] {
    std::this_thread::sleep_for(30ms);
    b.release();
  });
  releaser.start();
  {
    std::scoped_lock g(a, b);
    EXPECT_TRUE(a.locked());
    EXPECT_TRUE(b.locked());
  }
  releaser.join();
  EXPECT_FALSE(a.locked());
  EXPECT_FALSE(b.locked());
}

TEST(Lock, ScopedLockOppositeOrderNoDeadlock) {
  th::Lock a;
  th::Lock b;
  const int n = tt::scaled_int(5000, 100);
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
  EXPECT_TRUE(t1.join(30s));
  EXPECT_TRUE(t2.join(30s));
  EXPECT_EQ(c.load(), 2 * n);
  EXPECT_FALSE(a.locked());
  EXPECT_FALSE(b.locked());
}

TEST(Lock, TryLockForAndUntil) {
  th::Lock l;
  EXPECT_TRUE(l.try_lock_for(10ms));
  auto el = tt::elapsed([&] { EXPECT_FALSE(l.try_lock_for(30ms)); });
  EXPECT_GE(el, 25ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(l.try_lock_until(Clock::now() + 30ms)); });
  EXPECT_GE(el, 25ms);
  EXPECT_LT(el, kLate);
  el = tt::elapsed([&] { EXPECT_FALSE(l.try_lock_until(Clock::now() - 1s)); });
  EXPECT_LT(el, kLate);
  EXPECT_FALSE(l.try_lock_for(-10ms));  // a past deadline just tries once
  l.release();
  EXPECT_TRUE(l.try_lock_until(Clock::now() - 1s));  // free: succeeds at once
  l.release();
  {
    std::unique_lock g(l, std::defer_lock);
    EXPECT_TRUE(g.try_lock_for(10ms));
    EXPECT_TRUE(l.locked());
    std::unique_lock h(l, std::defer_lock);
    EXPECT_FALSE(h.try_lock_for(10ms));
  }
  EXPECT_FALSE(l.locked());
}

TEST(Lock, TryLockForSucceedsWhenReleasedDuringWait) {
  th::Lock l;
  l.acquire();
  th::Thread releaser([&] {
    std::this_thread::sleep_for(30ms);
    l.release();
  });
  releaser.start();
  EXPECT_TRUE(l.try_lock_for(10s));
  releaser.join();
  l.release();
}

// ------------------------------------------------------------------ stress

TEST(LockStress, EightThreadsCounterExact) {
  th::Lock l;
  const long per = tt::scaled(200000, 1000);
  long counter = 0;  // protected only by l
  tt::ThreadGroup g;
  for (int i = 0; i < 8; ++i) {
    g.add([&] {
      for (long k = 0; k < per; ++k) {
        std::lock_guard lk(l);
        ++counter;
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  EXPECT_EQ(counter, 8L * per);
  EXPECT_FALSE(l.locked());
}

TEST(LockStress, MixedAcquireStylesCounterExact) {
  th::Lock l;
  const long per = tt::scaled(50000, 500);
  long counter = 0;
  std::atomic<long> timed_out{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 6; ++i) {
    g.add([&, i] {
      for (long k = 0; k < per; ++k) {
        switch ((i + k) % 4) {
          case 0: {
            std::lock_guard lk(l);
            ++counter;
            break;
          }
          case 1:
            if (l.acquire(true, 10s)) {
              ++counter;
              l.release();
            } else {
              timed_out.fetch_add(1);
            }
            break;
          case 2:
            while (!l.acquire(false)) std::this_thread::yield();
            ++counter;
            l.release();
            break;
          default:
            if (l.try_lock_for(10s)) {
              ++counter;
              l.unlock();
            } else {
              timed_out.fetch_add(1);
            }
            break;
        }
      }
    });
  }
  g.start();
  EXPECT_TRUE(g.join_for(120s));
  EXPECT_EQ(timed_out.load(), 0);
  EXPECT_EQ(counter, 6L * per);
  EXPECT_FALSE(l.locked());
}

// Acquires with tiny timeouts from 4 threads while 2 others take and release the lock: no
// overlap inside, nothing lost, and no thread left asleep on a free lock.
TEST(LockStress, TinyTimeoutsRacingReleases) {
  th::Lock l;
  const int per = tt::scaled_int(20000, 500);
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::atomic<long> timed_acquired{0};
  std::atomic<long> timed_failed{0};
  std::atomic<long> holder_rounds{0};
  std::atomic<bool> stop{false};
  long counter = 0;
  auto enter = [&] {
    if (inside.fetch_add(1) != 0) overlap = true;
    ++counter;
    inside.fetch_sub(1);
  };
  tt::ThreadGroup holders;
  for (int h = 0; h < 2; ++h) {
    holders.add([&] {
      while (!stop.load()) {
        l.acquire();
        enter();
        holder_rounds.fetch_add(1);
        l.release();
        std::this_thread::yield();
      }
    });
  }
  holders.start();
  tt::ThreadGroup timed;
  for (int i = 0; i < 4; ++i) {
    timed.add([&, i] {
      for (int k = 0; k < per; ++k) {
        const auto to = std::chrono::microseconds((k + i) % 7);
        if (l.acquire(true, to)) {
          enter();
          timed_acquired.fetch_add(1);
          l.release();
        } else {
          timed_failed.fetch_add(1);
        }
      }
    });
  }
  timed.start();
  EXPECT_TRUE(timed.join_for(120s));
  stop = true;
  EXPECT_TRUE(holders.join_for(30s));
  EXPECT_FALSE(overlap.load());
  EXPECT_EQ(timed_acquired.load() + timed_failed.load(), 4L * per);
  EXPECT_GT(timed_acquired.load(), 0);
  EXPECT_EQ(counter, timed_acquired.load() + holder_rounds.load());
  EXPECT_FALSE(l.locked());
  // Nobody is left parked on a lock that looks contended: an uncontended cycle is instant.
  EXPECT_TRUE(l.acquire(false));
  l.release();
  EXPECT_TRUE(l.acquire(1s));
  l.release();
}

// Lock used as a binary semaphore: one thread acquires, the other releases (Python allows
// release from any thread).
TEST(LockStress, HandOffReleasedByAnotherThread) {
  th::Lock token;  // held: "the consumer has not taken the item yet"
  th::Lock slot;   // held: "no item is ready"
  slot.acquire();
  const int rounds = tt::scaled_int(20000, 200);
  long produced = 0;
  long consumed_sum = 0;
  th::Thread consumer([&] {
    for (int i = 0; i < rounds; ++i) {
      if (!slot.acquire(30s)) return;  // released by the producer
      consumed_sum += produced;
      token.release();  // acquired by the producer
    }
  });
  consumer.start();
  int handed = 0;
  for (int i = 1; i <= rounds; ++i) {
    if (!token.acquire(30s)) break;  // the consumer stopped handing the token back
    produced = i;
    slot.release();
    handed = i;
  }
  EXPECT_EQ(handed, rounds);
  EXPECT_TRUE(consumer.join(30s));
  EXPECT_EQ(consumed_sum, static_cast<long>(rounds) * (rounds + 1) / 2);
}
