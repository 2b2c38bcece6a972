// concur/asyncio/condition.hpp - asyncio.Condition: wait for a notification while holding a
// Lock (its own, or one passed in).
//
// wait() releases the lock, waits, and always takes the lock back, even when cancelled; a
// waiter that was notified but cancelled hands the notification on (Python 3.13).
//   auto held = co_await cond.scoped();
//   co_await cond.wait_for([&] { return !items.empty(); });
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>

#include "concur/asyncio/lock.hpp"
#include "concur/asyncio/task.hpp"
#include "concur/detail/async_wait_queue.hpp"

namespace concur::asyncio {

class Condition {
 public:
  /// Uses lock when given (it must outlive the Condition), else a Lock of its own.
  explicit Condition(Lock* lock = nullptr)
      : own_(lock == nullptr ? std::make_unique<Lock>() : nullptr),
        lock_(lock == nullptr ? own_.get() : lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  Lock::Acquire acquire() noexcept { return lock_->acquire(); }
  Lock::ScopedAcquire scoped() noexcept { return lock_->scoped(); }
  void release() { lock_->release(); }
  [[nodiscard]] bool locked() const noexcept { return lock_->locked(); }

  /// Releases the lock, waits for notify(), re-acquires; true. RuntimeError without the lock.
  Task<bool> wait() {
    if (!lock_->locked()) throw RuntimeError("cannot wait on un-acquired lock");
    lock_->release();
    std::exception_ptr error;
    bool notified = false;
    {
      auto w = waiters_.wait();
      try {
        co_await detail::await_ref(w);
      } catch (...) {
        error = std::current_exception();
      }
      notified = w.woken();
    }
    for (;;) {  // the lock is taken back even if cancelled meanwhile
      try {
        co_await lock_->acquire();
        break;
      } catch (const CancelledError&) {
        error = std::current_exception();
      }
    }
    if (error) {
      if (notified) (void)waiters_.wake_first();  // pass the notification on
      std::rethrow_exception(error);
    }
    co_return true;
  }

  /// Waits until pred() is true (checked first, and after each wake-up); returns it.
  template <class Pred>
  Task<bool> wait_for(Pred pred) {
    bool result = pred();
    while (!result) {
      co_await wait();
      result = pred();
    }
    co_return result;
  }

  /// Wakes up to n waiters (RuntimeError without the lock).
  void notify(std::size_t n = 1) {
    if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
    (void)waiters_.wake(n);
  }
  void notify_all() { notify(static_cast<std::size_t>(-1)); }

 private:
  std::unique_ptr<Lock> own_;
  Lock* lock_;
  detail::WaitQueue waiters_;
};

}  // namespace concur::asyncio
