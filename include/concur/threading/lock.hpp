// concur/threading/lock.hpp - threading.Lock: a non-recursive mutual-exclusion lock.
//
// Any thread may release it (as in Python). It spins briefly, then parks on a futex.
// Works with std::lock_guard, std::unique_lock and std::scoped_lock.
//   concur::threading::Lock lock;
//   { std::lock_guard g(lock); ++counter; }            // Python: with lock: counter += 1
//   if (lock.acquire(true, 100ms)) { ...; lock.release(); }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "concur/detail/futex.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::threading {

class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Python: acquire(blocking=True, timeout=-1). Returns true when acquired.
  /// Throws ValueError for a timeout with blocking=false or a negative timeout.
  bool acquire(bool blocking = true, Timeout timeout = {}) {
    detail::check_blocking_timeout(blocking, timeout);
    if (try_lock()) return true;
    if (!blocking) return false;
    return acquire_slow(detail::Deadline(timeout));
  }
  /// Blocking acquire with a timeout: lock.acquire(50ms).
  bool acquire(Timeout timeout) { return acquire(true, timeout); }

  /// Releases the lock; throws RuntimeError if it is not locked.
  void release() {
    const std::uint32_t prev = state_.exchange(kFree, std::memory_order_release);
    if (prev == kLockedWithWaiters) {
      detail::futex_wake(state_, 1);
    } else if (prev == kFree) {
      throw RuntimeError("release unlocked lock");
    }
  }

  /// True while some thread holds the lock.
  [[nodiscard]] bool locked() const noexcept {
    return state_.load(std::memory_order_relaxed) != kFree;
  }

  // Lockable / TimedLockable, for std::lock_guard, std::unique_lock, std::scoped_lock.
  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() noexcept {
    std::uint32_t expected = kFree;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) {
    return try_lock() || acquire_slow(detail::Deadline(Timeout(d)));
  }
  template <class Clock, class Dur>
  bool try_lock_until(std::chrono::time_point<Clock, Dur> t) {
    return try_lock_for(t - Clock::now());
  }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kLockedWithWaiters = 2;

  bool acquire_slow(const detail::Deadline& deadline) noexcept;

  std::atomic<std::uint32_t> state_{kFree};
};

inline bool Lock::acquire_slow(const detail::Deadline& deadline) noexcept {
  // Spin while the holder is likely still running on another core.
  if (detail::spin_until(
          [this] { return state_.load(std::memory_order_relaxed) == kFree && try_lock(); })) {
    return true;
  }
  // Park: mark the lock contended so release() knows to wake someone.
  while (state_.exchange(kLockedWithWaiters, std::memory_order_acquire) != kFree) {
    if (!detail::futex_wait(state_, kLockedWithWaiters, deadline)) {
      // Timed out; one last try so a release racing the timeout is not wasted.
      std::uint32_t expected = kFree;
      return state_.compare_exchange_strong(expected, kLockedWithWaiters,
                                            std::memory_order_acquire);
    }
  }
  return true;
}

}  // namespace concur::threading
