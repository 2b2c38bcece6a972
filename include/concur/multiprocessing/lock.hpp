// concur/multiprocessing/lock.hpp - multiprocessing.Lock and RLock in shared memory.
//   concur::mp::Lock lock;                       // create before starting the children
//   concur::mp::Process p([&] { std::lock_guard g(lock); buy_ticket(); });
// Robust: when a holder dies holding it, the next acquirer gets the lock AND an OwnerDied
// exception (repair the shared data, then release) instead of waiting forever.
// Unlike Python's Lock, only the holder may release it (RuntimeError otherwise).
#pragma once

#include <chrono>

#include "concur/detail/robust_mutex.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

class Condition;

namespace detail {

/// Lock and RLock: a robust mutex in a shared mapping; copies share it.
class SharedMutexHandle {
 public:
  explicit SharedMutexHandle(bool recursive) : m_(0, recursive) {}
  /// Python: acquire(block=True, timeout=None). Throws OwnerDied (lock then held).
  bool acquire(bool blocking = true, Timeout timeout = {}) { return m_->lock(blocking, timeout); }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }
  /// Throws RuntimeError when the caller does not hold it.
  void release() { m_->unlock(); }

  // Lockable / TimedLockable (std::lock_guard, std::unique_lock, std::scoped_lock).
  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) {
    return acquire(true, d);
  }
  template <class Clock, class Duration>
  bool try_lock_until(std::chrono::time_point<Clock, Duration> t) {
    return acquire(true, t - Clock::now());
  }

 protected:
  friend class mp::Condition;
  concur::detail::SharedObject<concur::detail::RobustMutex> m_;
};

}  // namespace detail

/// A non-recursive lock shared by this process and the children it forks.
class Lock : public detail::SharedMutexHandle {
 public:
  Lock() : SharedMutexHandle(false) {}
  /// True when held by anyone (a snapshot).
  [[nodiscard]] bool locked() { return m_->locked(); }
};

/// A recursive lock: its holder may acquire it again (and must release as often).
class RLock : public detail::SharedMutexHandle {
 public:
  RLock() : SharedMutexHandle(true) {}
};

}  // namespace concur::mp
