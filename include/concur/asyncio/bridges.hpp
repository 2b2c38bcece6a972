// concur/asyncio/bridges.hpp - asyncio and threads/processes: wrap_future, to_thread,
// run_in_executor, run_coroutine_threadsafe.
//
// A futures::Future from a thread or process pool can be awaited; blocking work can be sent
// to a pool; another thread can hand a coroutine to a loop and wait on the result.
//   std::string page = co_await asyncio::to_thread(blocking_download, url);
//   int n = co_await asyncio::wrap_future(pool.submit(count_words, text));
//   auto f = asyncio::run_coroutine_threadsafe(fetch(url), loop);   // from another thread
//   f.result(5s);
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "concur/asyncio/event_loop.hpp"
#include "concur/asyncio/task.hpp"
#include "concur/futures/future.hpp"
#include "concur/futures/thread_pool_executor.hpp"

namespace concur::asyncio {

namespace detail {

// Shared with the future's done-callback, which runs in whatever thread completes it.
struct FutureWakeup {
  std::mutex mutex;
  EventLoop* loop = nullptr;  // null once the awaiter is gone: the callback does nothing
  TaskBase* task = nullptr;
};

template <class T>
class FutureAwaiter final : public Waiter {
 public:
  using concur_awaitable = void;
  explicit FutureAwaiter(futures::Future<T> f) : f_(std::move(f)) {}
  FutureAwaiter(FutureAwaiter&&) noexcept = default;  // before it is awaited only
  FutureAwaiter& operator=(FutureAwaiter&&) = delete;
  ~FutureAwaiter() { detach(); }

  bool await_ready() const noexcept { return f_.done(); }
  void await_suspend(std::coroutine_handle<> h) {
    task_ = &current_task();
    wake_ = std::make_shared<FutureWakeup>();
    wake_->loop = task_->loop();
    wake_->task = task_;
    task_->suspend_on(h, this);
    f_.add_done_callback([w = wake_](const futures::Future<T>&) {
      const std::lock_guard g(w->mutex);
      if (w->loop == nullptr) return;
      try {
        w->loop->call_soon_threadsafe([w] {
          TaskBase* t = nullptr;
          {
            const std::lock_guard g2(w->mutex);
            t = std::exchange(w->task, nullptr);
            w->loop = nullptr;
          }
          if (t != nullptr) t->wake();
        });
      } catch (...) {
        // the loop is closed: nobody is left to wake
      }
    });
  }
  T await_resume() {
    detach();
    if (task_ != nullptr) task_->throw_if_cancelled();
    if constexpr (std::is_void_v<T>) {
      f_.result();
    } else {
      return f_.result();
    }
  }
  /// Cancelling the awaiting task cancels the future (if it has not started) and wakes the
  /// task at once with CancelledError (Python's wrap_future chaining).
  bool cancel() noexcept override {
    detach();
    (void)f_.cancel();
    task_->wake_cancelled();
    return true;
  }

 private:
  void detach() noexcept {
    if (!wake_) return;
    const std::lock_guard g(wake_->mutex);
    wake_->loop = nullptr;
    wake_->task = nullptr;
  }
  futures::Future<T> f_;
  TaskBase* task_ = nullptr;
  std::shared_ptr<FutureWakeup> wake_;
};

}  // namespace detail

/// co_await wrap_future(f): the future's result (or its exception, or CancelledError).
template <class T>
detail::FutureAwaiter<T> wrap_future(futures::Future<T> f) {
  return detail::FutureAwaiter<T>(std::move(f));
}

/// Runs fn(args...) on executor (a null one: the loop's default executor) and awaits it.
template <class Pool, class F, class... Args>
auto EventLoop::run_in_executor(Pool* executor, F&& fn, Args&&... args) {
  if (executor != nullptr) {
    return wrap_future(executor->submit(std::forward<F>(fn), std::forward<Args>(args)...));
  }
  return run_in_executor(&default_executor(), std::forward<F>(fn), std::forward<Args>(args)...);
}

template <class F, class... Args>
auto EventLoop::run_in_executor(std::nullptr_t /*default*/, F&& fn, Args&&... args) {
  return run_in_executor(&default_executor(), std::forward<F>(fn), std::forward<Args>(args)...);
}

/// Python's asyncio.to_thread: runs blocking fn(args...) on the default executor.
template <class F, class... Args>
auto to_thread(F&& fn, Args&&... args) {
  return get_running_loop().run_in_executor(nullptr, std::forward<F>(fn),
                                            std::forward<Args>(args)...);
}

namespace detail {
struct ThreadsafeLink {
  std::mutex mutex;
  TaskBase* task = nullptr;  // the running task, until it is done
};

// Held by the queued call and by the task's done callback: when both are gone and the future
// is still pending (the loop closed with the call queued or the task unfinished), the future
// is cancelled, so that nobody waits on it forever.
template <class T>
struct CancelWhenDropped {
  explicit CancelWhenDropped(futures::Future<T> f) : fut(std::move(f)) {}
  CancelWhenDropped(const CancelWhenDropped&) = delete;
  CancelWhenDropped& operator=(const CancelWhenDropped&) = delete;
  ~CancelWhenDropped() {
    if (!fut.done()) (void)fut.cancel();
  }
  futures::Future<T> fut;
};
}  // namespace detail

/// Python's asyncio.run_coroutine_threadsafe: from any thread, schedules coro on loop and
/// returns a futures::Future for its outcome. Cancelling the future cancels the task; a loop
/// closed before the task finished cancels the future. RuntimeError when the loop is closed.
template <class T>
futures::Future<T> run_coroutine_threadsafe(Task<T> coro, EventLoop& loop) {
  futures::Future<T> fut;
  auto link = std::make_shared<detail::ThreadsafeLink>();
  auto guard = std::make_shared<detail::CancelWhenDropped<T>>(fut);
  loop.call_soon_threadsafe([c = std::move(coro), fut, link, guard, &loop]() mutable {
    if (fut.cancelled()) return;  // cancelled before it was scheduled: never runs
    Task<T> task = loop.create_task(std::move(c));
    {
      const std::lock_guard g(link->mutex);
      link->task = task.promise();
    }
    task.add_done_callback([fut, link, guard](Task<T> t) {
      {
        const std::lock_guard g(link->mutex);
        link->task = nullptr;
      }
      try {
        if (t.cancelled()) {
          (void)fut.cancel();
        } else if (auto e = t.exception()) {
          fut.set_exception(e);
        } else if constexpr (std::is_void_v<T>) {
          fut.set_result();
        } else {
          fut.set_result(t.result());
        }
      } catch (...) {
        // the future was cancelled meanwhile: the outcome has nowhere to go
      }
    });
  });
  fut.add_done_callback([link, &loop](const futures::Future<T>& f) {
    if (!f.cancelled()) return;
    try {
      loop.call_soon_threadsafe([link] {
        detail::TaskBase* t = nullptr;
        {
          const std::lock_guard g(link->mutex);
          t = link->task;
        }
        if (t != nullptr) t->cancel();
      });
    } catch (...) {
      // the loop is closed
    }
  });
  return fut;
}

}  // namespace concur::asyncio
