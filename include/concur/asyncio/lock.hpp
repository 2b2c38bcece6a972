// concur/asyncio/lock.hpp - asyncio.Lock: mutual exclusion between tasks (not threads).
//
// FIFO: release() hands the lock to the longest waiter; a waiter cancelled after it was
// handed the lock passes it on. scoped() is the twin of `async with lock:`.
//   asyncio::Lock lock;
//   { auto held = co_await lock.scoped(); /* critical section */ }   // released here
#pragma once

#include <coroutine>

#include "concur/detail/async_wait_queue.hpp"
#include "concur/errors.hpp"

namespace concur::asyncio {

class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  class Acquire;
  class Guard;
  class ScopedAcquire;
  /// co_await lock.acquire() -> true once held.
  Acquire acquire() noexcept;
  /// co_await lock.scoped() -> a Guard that releases the lock when it goes out of scope.
  ScopedAcquire scoped() noexcept;
  /// RuntimeError when the lock is not held.
  void release() {
    if (!locked_) throw RuntimeError("Lock is not acquired.");
    // Hand it straight to the longest waiter (it stays locked), or unlock.
    if (!waiters_.wake_first()) locked_ = false;
  }
  [[nodiscard]] bool locked() const noexcept { return locked_; }

 private:
  bool locked_ = false;
  detail::WaitQueue waiters_;
};

class Lock::Acquire {
 public:
  using concur_awaitable = void;
  explicit Acquire(Lock& l) noexcept : lock_(&l), wait_(l.waiters_) {}
  bool await_ready() noexcept {
    if (lock_->locked_) return false;
    lock_->locked_ = true;
    return true;
  }
  void await_suspend(std::coroutine_handle<> h) {
    waited_ = true;
    wait_.await_suspend(h);
  }
  bool await_resume() {
    if (waited_) {
      try {
        wait_.await_resume();
      } catch (...) {
        if (wait_.woken()) lock_->release();  // it was handed to us: pass it on
        throw;
      }
    }
    return true;
  }

 private:
  Lock* lock_;
  detail::WaitQueue::Wait wait_;
  bool waited_ = false;
};

/// Releases the lock it holds when destroyed (move-only).
class Lock::Guard {
 public:
  explicit Guard(Lock& l) noexcept : lock_(&l) {}
  Guard(Guard&& o) noexcept : lock_(o.lock_) { o.lock_ = nullptr; }
  Guard& operator=(Guard&&) = delete;
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    if (lock_ != nullptr && lock_->locked()) lock_->release();
  }
  /// Releases early.
  void release() {
    if (lock_ != nullptr) lock_->release();
    lock_ = nullptr;
  }

 private:
  Lock* lock_;
};

class Lock::ScopedAcquire {
 public:
  using concur_awaitable = void;
  explicit ScopedAcquire(Lock& l) noexcept : inner_(l), lock_(&l) {}
  bool await_ready() noexcept { return inner_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { inner_.await_suspend(h); }
  Guard await_resume() {
    (void)inner_.await_resume();
    return Guard(*lock_);
  }

 private:
  Acquire inner_;
  Lock* lock_;
};

inline Lock::Acquire Lock::acquire() noexcept {
  return Acquire(*this);
}
inline Lock::ScopedAcquire Lock::scoped() noexcept {
  return ScopedAcquire(*this);
}

}  // namespace concur::asyncio
