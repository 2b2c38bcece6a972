// concur/threading/rlock.hpp - threading.RLock: a reentrant lock owned by one thread.
//
// The owner may acquire it again; it is free after as many releases as acquires.
// Releasing from a thread that does not own it throws RuntimeError.
//   concur::threading::RLock rl;
//   rl.acquire(); rl.acquire(); /* ... */ rl.release(); rl.release();
//   std::scoped_lock both(rl, other_lock);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "concur/detail/thread_token.hpp"
#include "concur/threading/lock.hpp"

namespace concur::threading {

class Condition;

class RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  /// Python: acquire(blocking=True, timeout=-1). Re-acquiring by the owner always succeeds.
  bool acquire(bool blocking = true, Timeout timeout = {}) {
    detail::check_blocking_timeout(blocking, timeout);
    const std::uintptr_t me = detail::thread_token();
    if (owner_.load(std::memory_order_relaxed) == me) {
      ++count_;
      return true;
    }
    if (!inner_.acquire(blocking, timeout)) return false;
    owner_.store(me, std::memory_order_relaxed);
    count_ = 1;
    return true;
  }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }

  /// Releases one level; throws RuntimeError when the caller does not own the lock.
  void release() {
    if (!is_owned()) throw RuntimeError("cannot release un-acquired lock");
    if (--count_ == 0) {
      owner_.store(0, std::memory_order_relaxed);
      inner_.release();
    }
  }

  /// True when the calling thread holds the lock.
  [[nodiscard]] bool is_owned() const noexcept {
    return owner_.load(std::memory_order_relaxed) == detail::thread_token();
  }
  /// How many times the owner has acquired it (0 when free or owned by another thread).
  [[nodiscard]] unsigned recursion_level() const noexcept { return is_owned() ? count_ : 0; }

  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) {
    return acquire(true, Timeout(d < d.zero() ? d.zero() : d));
  }
  template <class Clock, class Dur>
  bool try_lock_until(std::chrono::time_point<Clock, Dur> t) {
    return try_lock_for(t - Clock::now());
  }

 private:
  friend class Condition;
  // Condition.wait(): release every level at once, then restore them.
  unsigned release_all() {
    const unsigned saved = count_;
    count_ = 0;
    owner_.store(0, std::memory_order_relaxed);
    inner_.release();
    return saved;
  }
  void restore(unsigned saved) {
    inner_.lock();
    owner_.store(detail::thread_token(), std::memory_order_relaxed);
    count_ = saved;
  }

  Lock inner_;
  std::atomic<std::uintptr_t> owner_{0};
  unsigned count_ = 0;  // only touched by the owner
};

}  // namespace concur::threading
