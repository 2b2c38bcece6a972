// concur/asyncio/task.hpp - Task<T>: an `async def` coroutine and Python's asyncio.Task in one.
//
// A function returning Task<T> is a coroutine. `co_await f()` runs it inline, as Python's
// `await f()`; create_task(f()) schedules it as a task of its own, which runs concurrently
// and can be awaited, cancelled and inspected. Handles are cheap to copy and share one task;
// a task and its handles belong to the thread of its loop.
//   asyncio::Task<int> answer() { co_await asyncio::sleep(10ms); co_return 42; }
//   asyncio::Task<void> main_task() {
//     auto t = asyncio::create_task(answer());
//     std::cout << co_await t << "\n";
//   }
//   int main() { asyncio::run(main_task()); }
#pragma once

#include <concepts>
#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/event_loop.hpp"
#include "concur/detail/async_task.hpp"
#include "concur/detail/frame_cache.hpp"

namespace concur::asyncio {

template <class T = void>
class Task;

namespace detail {

/// Awaitables a Task may co_await carry this tag (anything else would hang the task).
template <class A>
concept ConcurAwaitable = requires {
  typename std::remove_cvref_t<A>::concur_awaitable;
};

template <class T>
class ResultSlot {
 public:
  template <class U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  // Copies for tasks several parties may await; moves for inline coroutines and move-only T.
  T get(bool shared) {
    if constexpr (std::is_copy_constructible_v<T>) {
      if (shared) return *value_;
    }
    return std::move(*value_);
  }
  [[nodiscard]] T& ref() { return *value_; }

 private:
  std::optional<T> value_;
};

template <>
class ResultSlot<void> {
 public:
  void return_void() noexcept {}
  void get(bool /*shared*/) noexcept {}
};

template <class T>
class TaskPromise final : public TaskBase, public ResultSlot<T> {
 public:
  // Frames come from a per-thread cache (detail/frame_cache.hpp).
  // (the sized delete below is the one coroutine frames use)
  static void* operator new(std::size_t n) {  // NOLINT(misc-new-delete-overloads)
    return FrameCache::allocate(n);
  }
  static void operator delete(void* p, std::size_t n) noexcept { FrameCache::release(p, n); }

  Task<T> get_return_object() noexcept;
  std::suspend_always initial_suspend() noexcept { return {}; }
  auto final_suspend() noexcept {
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<TaskPromise> h) noexcept {
        return h.promise().on_final_suspend();
      }
      void await_resume() noexcept {}
    };
    return Final{};
  }
  void unhandled_exception() noexcept { body_finished(std::current_exception()); }

  template <class A>
  A&& await_transform(A&& a) noexcept {
    static_assert(ConcurAwaitable<A>,
                  "an asyncio::Task can co_await only concur::asyncio awaitables (Task, sleep, "
                  "locks, queues, streams, wrap_future, ...): anything else would never wake it");
    return std::forward<A>(a);
  }

  std::coroutine_handle<> handle() noexcept {
    return std::coroutine_handle<TaskPromise>::from_promise(*this);
  }
  ~TaskPromise() = default;

 private:
  friend class Task<T>;
};

/// co_await task: runs an unscheduled coroutine inline (symmetric transfer), or waits for a
/// scheduled task to finish (cancelling the waiter cancels that task, as in Python).
template <class T>
class TaskAwaiter final : public Waiter {
 public:
  explicit TaskAwaiter(TaskPromise<T>* p, bool shielded = false) noexcept
      : p_(p), shielded_(shielded) {}
  TaskAwaiter(TaskAwaiter&&) noexcept = default;  // before it is awaited only
  TaskAwaiter& operator=(TaskAwaiter&&) = delete;
  ~TaskAwaiter() {
    if (link_.linked) p_->unlink(link_);
  }

  bool await_ready() const noexcept { return p_->scheduled() && p_->done(); }

  std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) {
    if (!p_->scheduled()) {
      if (!p_->mark_awaited()) throw RuntimeError("cannot reuse an already awaited coroutine");
      p_->set_continuation(h);
      return p_->handle();
    }
    waiting_ = &current_task();
    if (waiting_ == p_) throw RuntimeError("a Task cannot await itself");
    link_.owner = waiting_;
    link_.on_done = [](DoneLink& l, TaskBase& /*done*/) noexcept {
      static_cast<TaskBase*>(l.owner)->wake();
    };
    p_->link(link_);
    waiting_->suspend_on(h, this);
    return std::noop_coroutine();
  }

  T await_resume() {
    if (waiting_ != nullptr) waiting_->throw_if_cancelled();
    p_->rethrow_outcome();
    return p_->get(p_->scheduled());
  }

  bool cancel() noexcept override {
    if (!shielded_) return p_->cancel();
    p_->unlink(link_);  // shield(): the awaiter stops waiting, the task runs on
    waiting_->wake_cancelled();
    return true;
  }

 private:
  TaskPromise<T>* p_;
  bool shielded_;
  TaskBase* waiting_ = nullptr;
  DoneLink link_;
};

}  // namespace detail

/// A coroutine (`async def`) and, once scheduled with create_task, Python's asyncio.Task.
template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;
  using concur_awaitable = void;

  Task() noexcept = default;
  Task(const Task& o) noexcept : p_(o.p_) {
    if (p_ != nullptr) p_->add_ref();
  }
  Task(Task&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Task& operator=(Task o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Task() {
    if (p_ != nullptr) p_->release();
  }

  [[nodiscard]] bool valid() const noexcept { return p_ != nullptr; }
  /// True once the task finished, failed or was cancelled.
  [[nodiscard]] bool done() const noexcept { return p_->done(); }
  [[nodiscard]] bool cancelled() const noexcept {
    return p_->state() == detail::TaskBase::State::cancelled;
  }
  /// Requests cancellation: CancelledError is thrown into the task at its suspension point.
  /// False when the task is already done.
  bool cancel(const std::string& message = {}) { return p_->cancel(message); }
  /// Pending cancel() calls (Python 3.11's Task.cancelling()).
  [[nodiscard]] int cancelling() const noexcept { return p_->cancelling(); }
  int uncancel() noexcept { return p_->uncancel(); }
  /// The value, or rethrows the task's exception / CancelledError; InvalidStateError if pending.
  T result() {
    if (!p_->done()) throw InvalidStateError("Result is not set.");
    p_->rethrow_outcome();
    return p_->get(true);
  }
  /// The exception (nullptr if none); CancelledError if cancelled; InvalidStateError if pending.
  std::exception_ptr exception() {
    if (!p_->done()) throw InvalidStateError("Exception is not set.");
    if (cancelled()) p_->rethrow_outcome();
    return p_->error();
  }
  /// fn(task) runs on the loop after the task is done (soon, if it is already done).
  void add_done_callback(std::function<void(Task)> fn) {
    Task self = *this;
    p_->add_done_callback([self, f = std::move(fn)]() mutable { f(self); });
  }
  [[nodiscard]] std::string get_name() const { return p_->name(); }
  void set_name(std::string name) { p_->set_name(std::move(name)); }

  auto operator co_await() const noexcept { return detail::TaskAwaiter<T>(p_); }

  // internal
  [[nodiscard]] detail::TaskPromise<T>* promise() const noexcept { return p_; }

 private:
  friend class detail::TaskPromise<T>;
  explicit Task(detail::TaskPromise<T>* p) noexcept : p_(p) {}
  detail::TaskPromise<T>* p_ = nullptr;
};

/// What create_task returns: the Task, as a type whose result may be ignored (the loop keeps a
/// scheduled task alive until it is done, so fire-and-forget is safe). Converts to Task<T>.
template <class T>
class Scheduled : public Task<T> {
 public:
  Scheduled() noexcept = default;
  explicit Scheduled(Task<T> t) noexcept : Task<T>(std::move(t)) {}
};

template <class T>
Task<T> detail::TaskPromise<T>::get_return_object() noexcept {
  set_self(handle());
  return Task<T>(this);
}

/// Bytes of finished coroutine frames each thread keeps for reuse (default 256 MiB; 0: none).
inline void set_frame_cache_limit(std::size_t bytes) noexcept {
  detail::FrameCache::limit().store(bytes, std::memory_order_relaxed);
}
/// Gives this thread's cached frames back to malloc.
inline void trim_frame_cache() noexcept {
  detail::FrameCache::trim();
}

/// Schedules a coroutine as a task of the running loop (Python's asyncio.create_task).
template <class T>
Scheduled<T> create_task(Task<T> coro, std::string name = {}) {
  return get_running_loop().create_task(std::move(coro), std::move(name));
}

template <class T>
Scheduled<T> EventLoop::create_task(Task<T> coro, std::string name) {
  if (!coro.valid()) throw ValueError("create_task: an empty Task");
  if (coro.promise()->scheduled() || coro.promise()->started()) {
    throw RuntimeError("create_task: a coroutine that was not started is expected");
  }
  coro.promise()->schedule_on(*this);
  if (!name.empty()) coro.set_name(std::move(name));
  return Scheduled<T>(std::move(coro));
}

namespace detail {
/// Python's ensure_future for Task: schedules a coroutine, passes a scheduled task through.
template <class T>
Task<T> ensure_task(Task<T> t) {
  if (!t.promise()->scheduled()) t = create_task(std::move(t));
  return t;
}
}  // namespace detail

template <class T>
T EventLoop::run_until_complete(Task<T> task) {
  task = [&] {
    if (task.promise()->scheduled()) return task;
    task.promise()->schedule_on(*this);
    return task;
  }();
  run_until([&] { return task.done(); });
  if (!task.done()) throw RuntimeError("Event loop stopped before Future completed.");
  return task.result();
}

/// Python's asyncio.run: a new loop runs main to completion, cancels what is left, closes.
template <class T>
T run(Task<T> main) {
  if (running_loop() != nullptr) {
    throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  }
  EventLoop loop;
  main.promise()->schedule_on(loop);
  loop.run_until([&] { return main.done(); });
  loop.cancel_all_tasks();
  loop.shutdown_default_executor();
  loop.close();
  return main.result();
}

}  // namespace concur::asyncio
