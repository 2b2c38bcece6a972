// concur/asyncio/timeout.hpp - asyncio.timeout / timeout_at scopes and wait_for.
//
// The body runs in the current task; when time runs out the task is cancelled and the
// CancelledError that comes out of the body becomes TimeoutError (Python 3.11's rules: a
// cancellation from elsewhere stays a CancelledError). wait_for runs its argument as a task
// and cancels it on timeout.
//   std::string line = co_await asyncio::timeout(5s, reader.readline());
//   int v = co_await asyncio::wait_for(compute(), 100ms);      // TimeoutError if late
#pragma once

#include <cstdint>
#include <utility>

#include "concur/asyncio/task.hpp"
#include "concur/asyncio/wait.hpp"
#include "concur/timeout.hpp"

namespace concur::asyncio {

namespace detail {

/// The timer of one timeout scope: cancels its task when it fires.
class TimeoutScope : public TimerNode {
 public:
  TimeoutScope(TaskBase& task, std::int64_t deadline_ns)
      : task_(task), cancelling_at_entry_(task.cancelling()) {
    if (deadline_ns == WaitSet::kNoDeadline) return;
    fire = [](TimerNode& n) noexcept {
      auto& self = static_cast<TimeoutScope&>(n);
      self.expired_ = true;
      self.task_.cancel();
    };
    // Already late: the timer fires on the next loop turn (Python's call_soon), so a body
    // that finishes without suspending is not cancelled.
    task_.loop()->add_timer(*this, deadline_ns);
  }
  TimeoutScope(const TimeoutScope&) = delete;
  TimeoutScope& operator=(const TimeoutScope&) = delete;
  ~TimeoutScope() { (void)leave(); }
  /// Disarms; true when this scope's expiry caused the cancellation being unwound.
  bool leave() noexcept {
    if (armed()) task_.loop()->remove_timer(*this);
    if (!expired_ || left_) return false;
    left_ = true;
    return task_.uncancel() <= cancelling_at_entry_;
  }
  [[nodiscard]] bool expired() const noexcept { return expired_; }

 private:
  TaskBase& task_;
  int cancelling_at_entry_;
  bool expired_ = false;
  bool left_ = false;
};

template <class T>
Task<T> run_with_deadline(std::int64_t deadline_ns, Task<T> body) {
  TimeoutScope scope(current_task(), deadline_ns);
  try {
    if constexpr (std::is_void_v<T>) {
      co_await body;
      (void)scope.leave();
      co_return;
    } else {
      T value = co_await body;
      (void)scope.leave();
      co_return value;
    }
  } catch (const CancelledError&) {
    if (scope.leave()) throw TimeoutError("timed out");
    throw;
  }
}

}  // namespace detail

/// Runs body in the current task; TimeoutError when it takes longer than delay
/// (std::nullopt: no limit).
template <class T>
Task<T> timeout(Timeout delay, Task<T> body) {
  return detail::run_with_deadline(detail::deadline_after(delay), std::move(body));
}

/// timeout() with a deadline in loop.time() seconds.
template <class T>
Task<T> timeout_at(double when, Task<T> body) {
  return detail::run_with_deadline(static_cast<std::int64_t>(when * 1e9), std::move(body));
}

/// Waits for aw (scheduled as a task) at most `timeout`; on timeout cancels it, waits until
/// it is done and throws TimeoutError.
template <class T>
Task<T> wait_for(Task<T> aw, Timeout timeout) {
  Task<T> task = detail::ensure_task(std::move(aw));
  if (timeout.forever()) co_return co_await task;
  co_return co_await detail::run_with_deadline(detail::deadline_after(timeout), task);
}

}  // namespace concur::asyncio
