// concur/asyncio/event.hpp - asyncio.Event: tasks wait until it is set.
//   asyncio::Event ready;   ...   co_await ready.wait();   // elsewhere: ready.set();
#pragma once

#include <coroutine>

#include "concur/detail/async_wait_queue.hpp"

namespace concur::asyncio {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  class Wait {
   public:
    using concur_awaitable = void;
    explicit Wait(Event& e) noexcept : e_(&e), wait_(e.waiters_) {}
    bool await_ready() const noexcept { return e_->set_; }
    void await_suspend(std::coroutine_handle<> h) {
      waited_ = true;
      wait_.await_suspend(h);
    }
    bool await_resume() {
      if (waited_) wait_.await_resume();
      return true;
    }

   private:
    Event* e_;
    detail::WaitQueue::Wait wait_;
    bool waited_ = false;
  };

  /// co_await ev.wait() -> true once the event is set (at once if it is).
  Wait wait() noexcept { return Wait(*this); }
  /// Sets the flag and wakes every waiter.
  void set() noexcept {
    set_ = true;
    waiters_.wake_all();
  }
  void clear() noexcept { set_ = false; }
  [[nodiscard]] bool is_set() const noexcept { return set_; }

 private:
  bool set_ = false;
  detail::WaitQueue waiters_;
};

}  // namespace concur::asyncio
