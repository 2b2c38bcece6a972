// concur/multiprocessing/condition.hpp - multiprocessing.Condition: wait until notified,
// across processes, under an mp::Lock or mp::RLock.
//   concur::mp::Condition cv;                    // its own RLock (Python's default)
//   child:  { std::lock_guard g(cv); cv.wait_for([&] { return ready->value; }); }
//   parent: { std::lock_guard g(cv); ready->value = true; cv.notify_all(); }
// wait()/notify() need the lock held (RuntimeError otherwise). notify(n) wakes at most n of
// the processes waiting at that moment, oldest first; a waiter that timed out is skipped.
// A waiter killed while waiting can absorb one notify(); a lock holder killed while holding
// it makes the next acquirer (or the waiter re-taking the lock) see OwnerDied.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "concur/detail/deadline.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/lock.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

namespace detail {

/// Waiter tickets in shared memory. Guarded by the condition's lock except `released`,
/// the futex word sleepers watch: tickets t with released - t > 0 have been notified.
struct ConditionState {
  static constexpr std::uint32_t kMaxWaiters = 1U << 16;
  std::atomic<std::uint32_t> released{0};
  std::uint32_t next_ticket = 0;
  std::uint64_t cancelled[kMaxWaiters / 64] = {};  // timed-out tickets notify() must skip
};

}  // namespace detail

class Condition {
 public:
  /// Python: Condition() - with its own RLock.
  Condition() : Condition(RLock{}) {}
  /// Python: Condition(lock) - shares the given Lock or RLock (handles share the lock).
  explicit Condition(Lock lock) : lock_(std::move(lock)), state_(0) {}
  explicit Condition(RLock lock) : lock_(std::move(lock)), state_(0) {}

  bool acquire(bool blocking = true, Timeout timeout = {}) {
    return lock_.acquire(blocking, timeout);
  }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }
  void release() { lock_.release(); }
  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }

  /// Releases the lock (every level of an RLock), waits for a notify or the timeout, takes
  /// the lock back. False on timeout. RuntimeError when the caller does not hold the lock;
  /// RuntimeError past 65,536 simultaneous waiters.
  bool wait(Timeout timeout = {});

  /// Waits until pred() holds (checked under the lock) or the timeout; returns pred().
  template <class Pred>
  bool wait_for(Pred pred, Timeout timeout = {}) {
    return concur::detail::wait_for_predicate(
        pred, concur::detail::Deadline(timeout),
        [this](const concur::detail::Deadline& d) { wait_until(d); });
  }

  /// Wakes at most n waiters (Python: notify(n=1)); the lock must be held.
  void notify(std::uint32_t n = 1);
  /// Wakes every waiter; the lock must be held.
  void notify_all();

 private:
  bool wait_until(const concur::detail::Deadline& deadline);
  concur::detail::RobustMutex& mutex() const { return *lock_.m_; }

  detail::SharedMutexHandle lock_;
  concur::detail::SharedObject<detail::ConditionState> state_;
};

}  // namespace concur::mp
