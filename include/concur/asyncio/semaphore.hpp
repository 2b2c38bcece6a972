// concur/asyncio/semaphore.hpp - asyncio.Semaphore and BoundedSemaphore.
//
// FIFO without barging (Python 3.11+): release() hands the permit to the longest waiter; a
// waiter cancelled after it got one gives it back. scoped() is `async with sem:`.
//   asyncio::Semaphore sem(3);
//   { auto permit = co_await sem.scoped(); co_await fetch(url); }
#pragma once

#include <coroutine>
#include <string>

#include "concur/detail/async_wait_queue.hpp"
#include "concur/errors.hpp"

namespace concur::asyncio {

class Semaphore {
 public:
  /// ValueError for a negative value.
  explicit Semaphore(long value = 1) : value_(value) {
    if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
  }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  class Acquire {
   public:
    using concur_awaitable = void;
    explicit Acquire(Semaphore& s) noexcept : s_(&s), wait_(s.waiters_) {}
    bool await_ready() noexcept {
      if (s_->locked()) return false;
      --s_->value_;
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
          if (wait_.woken()) s_->give_back();  // handed a permit, but cancelled: pass it on
          throw;
        }
      }
      return true;
    }

   private:
    Semaphore* s_;
    detail::WaitQueue::Wait wait_;
    bool waited_ = false;
  };

  /// Releases its permit when destroyed (move-only).
  class Permit {
   public:
    explicit Permit(Semaphore& s) noexcept : s_(&s) {}
    Permit(Permit&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() {
      if (s_ != nullptr) s_->release();
    }

   private:
    Semaphore* s_;
  };

  class ScopedAcquire {
   public:
    using concur_awaitable = void;
    explicit ScopedAcquire(Semaphore& s) noexcept : inner_(s), s_(&s) {}
    bool await_ready() noexcept { return inner_.await_ready(); }
    void await_suspend(std::coroutine_handle<> h) { inner_.await_suspend(h); }
    Permit await_resume() {
      (void)inner_.await_resume();
      return Permit(*s_);
    }

   private:
    Acquire inner_;
    Semaphore* s_;
  };

  /// co_await sem.acquire() -> true once a permit is taken.
  Acquire acquire() noexcept { return Acquire(*this); }
  /// co_await sem.scoped() -> a Permit released at scope exit.
  ScopedAcquire scoped() noexcept { return ScopedAcquire(*this); }
  /// Returns a permit (to the longest waiter if any).
  virtual void release() { give_back(); }
  /// True when acquire() would wait (no permit, or others wait first).
  [[nodiscard]] bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }
  [[nodiscard]] long value() const noexcept { return value_; }

 protected:
  void give_back() noexcept {
    if (!waiters_.wake_first()) ++value_;  // else: handed over
  }

 private:
  long value_;
  detail::WaitQueue waiters_;
};

/// A Semaphore that may not be released above its initial value (ValueError).
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(long value = 1) : Semaphore(value), bound_(value) {}
  void release() override {
    if (value() >= bound_) throw ValueError("BoundedSemaphore released too many times");
    give_back();
  }

 private:
  long bound_;
};

}  // namespace concur::asyncio
