// concur/asyncio/shield.hpp - asyncio.shield: cancelling the awaiter does not cancel the task.
//
// The awaiting task gets CancelledError at once; the shielded task runs on to completion.
//   auto result = co_await asyncio::shield(create_task(save_to_disk(data)));
#pragma once

#include <utility>

#include "concur/asyncio/task.hpp"

namespace concur::asyncio {

template <class T>
class Shielded {
 public:
  using concur_awaitable = void;
  explicit Shielded(Task<T> task) : task_(detail::ensure_task(std::move(task))) {}
  auto operator co_await() const noexcept { return detail::TaskAwaiter<T>(task_.promise(), true); }
  /// The task that runs on regardless.
  [[nodiscard]] const Task<T>& task() const noexcept { return task_; }

 private:
  Task<T> task_;
};

/// Awaits task (a coroutine is scheduled first) without passing cancellation to it.
template <class T>
Shielded<T> shield(Task<T> task) {
  return Shielded<T>(std::move(task));
}

}  // namespace concur::asyncio
