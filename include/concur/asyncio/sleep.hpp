// concur/asyncio/sleep.hpp - asyncio.sleep: suspend the current task for a while.
//
// sleep(0s) just lets the other ready tasks run (one loop turn). Cancelling a sleeping task
// wakes it at once with CancelledError.
//   co_await asyncio::sleep(1s);   co_await asyncio::sleep(0s);  // yield
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>

#include "concur/asyncio/event_loop.hpp"
#include "concur/detail/async_task.hpp"
#include "concur/timeout.hpp"

namespace concur::asyncio {

namespace detail {

class SleepAwaiter final : public Waiter, public TimerNode {
 public:
  using concur_awaitable = void;
  explicit SleepAwaiter(std::int64_t delay_ns) noexcept : delay_ns_(delay_ns) {}
  // Movable before it is awaited (g++ 12 moves co_await operands); never while armed.
  SleepAwaiter(SleepAwaiter&&) noexcept = default;
  SleepAwaiter& operator=(SleepAwaiter&&) = delete;
  ~SleepAwaiter() {
    if (armed()) task_->loop()->remove_timer(*this);
  }

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    task_ = &current_task();
    if (delay_ns_ <= 0) {
      task_->suspend_on(h, nullptr);  // cancel() then marks the task; the step throws
      task_->wake();
      return;
    }
    fire = [](TimerNode& node) noexcept { static_cast<SleepAwaiter&>(node).task_->wake(); };
    task_->loop()->add_timer(*this, EventLoop::now_ns() + delay_ns_);
    task_->suspend_on(h, this);
  }
  void await_resume() const { task_->throw_if_cancelled(); }

  bool cancel() noexcept override {
    task_->loop()->remove_timer(*this);
    task_->wake_cancelled();
    return true;
  }

 private:
  std::int64_t delay_ns_;
  TaskBase* task_ = nullptr;
};

/// What sleep() returns: 8 bytes until awaited (keeps coroutine frames small; g++ keeps both
/// the operand and the awaiter in the frame).
class SleepFor {
 public:
  using concur_awaitable = void;
  explicit SleepFor(std::int64_t ns) noexcept : ns_(ns) {}
  SleepAwaiter operator co_await() const noexcept { return SleepAwaiter(ns_); }

 private:
  std::int64_t ns_;
};

}  // namespace detail

/// Suspends the current task for delay (0 or negative: one turn of the loop).
template <class Rep, class Period>
detail::SleepFor sleep(std::chrono::duration<Rep, Period> delay) noexcept {
  // Timeout saturates huge durations instead of overflowing.
  return detail::SleepFor(static_cast<std::int64_t>(Timeout(delay).duration().count()));
}

}  // namespace concur::asyncio
