// concur/asyncio/task_group.hpp - asyncio.TaskGroup (Python 3.11 semantics).
//
// task_group(body) is the twin of `async with asyncio.TaskGroup() as tg:`: body creates tasks
// with tg.create_task; the group waits for all of them. The first task that fails cancels the
// others and the body; every error comes out together as an ExceptionGroup.
//   co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
//     tg.create_task(fetch("a"));
//     tg.create_task(fetch("b"));
//     co_return;
//   });
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/task.hpp"

namespace concur::asyncio {

class TaskGroup {
 public:
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  /// Schedules coro as a task of the group (RuntimeError once the group is finished or
  /// shutting down after an error).
  template <class T>
  Scheduled<T> create_task(Task<T> coro, std::string name = {}) {
    if (!entered_) throw RuntimeError("TaskGroup has not been entered");
    if (finished_) throw RuntimeError("TaskGroup is finished");
    if (aborting_) throw RuntimeError("TaskGroup is shutting down");
    Scheduled<T> task = asyncio::create_task(std::move(coro), std::move(name));
    ++pending_;
    task.add_done_callback([this](Task<T> done) { on_task_done(*done.promise()); });
    if (task.done()) return task;
    tasks_.push_back(task.promise());
    task.promise()->add_ref();
    return task;
  }

  // internal (task_group()): __aenter__ / __aexit__
  TaskGroup() = default;
  ~TaskGroup() {
    for (auto* t : tasks_) t->release();
  }
  void enter() {
    parent_ = &detail::current_task();
    entered_ = true;
  }
  class WaitPending;
  /// __aexit__, part 1: decides from the body's outcome (an error aborts the tasks).
  void begin_exit(std::exception_ptr body_error);
  [[nodiscard]] std::size_t pending() const noexcept { return pending_; }
  WaitPending wait_pending() noexcept;
  /// __aexit__, part 2: raises CancelledError or the ExceptionGroup, as Python does.
  void finish_exit();

 private:
  void abort() {
    aborting_ = true;
    for (auto* t : tasks_) {
      if (!t->done()) t->cancel();
    }
  }
  static bool is_cancel(const std::exception_ptr& e) {
    if (!e) return false;
    try {
      std::rethrow_exception(e);
    } catch (const CancelledError&) {
      return true;
    } catch (...) {
      return false;
    }
  }
  void on_outer_cancel() {  // the waiting parent was cancelled from outside
    if (!aborting_) {
      propagate_cancel_ = true;
      abort();
    }
  }
  void on_task_done(detail::TaskBase& t) {
    --pending_;
    if (pending_ == 0 && exit_waiter_ != nullptr) {
      detail::TaskBase* w = exit_waiter_;
      exit_waiter_ = nullptr;
      w->wake();
    }
    if (t.state() != detail::TaskBase::State::failed) return;
    errors_.push_back(t.error());
    if (parent_->done()) return;
    if (!aborting_ && !parent_cancel_requested_) {
      // Cancel the body so it stops at its current await, and the other tasks.
      abort();
      parent_cancel_requested_ = true;
      parent_->cancel();
    }
  }

  detail::TaskBase* parent_ = nullptr;
  detail::TaskBase* exit_waiter_ = nullptr;
  std::vector<detail::TaskBase*> tasks_;
  std::vector<std::exception_ptr> errors_;
  std::size_t pending_ = 0;
  bool entered_ = false;
  bool finished_ = false;
  bool aborting_ = false;
  bool parent_cancel_requested_ = false;
  bool propagate_cancel_ = false;
  bool body_cancelled_ = false;
  std::exception_ptr body_error_;
};

/// Suspends until the group has no pending task (a cancellation meanwhile aborts the group).
class TaskGroup::WaitPending final : public detail::Waiter {
 public:
  using concur_awaitable = void;
  explicit WaitPending(TaskGroup& g) noexcept : g_(&g) {}
  WaitPending(WaitPending&&) noexcept = default;
  WaitPending& operator=(WaitPending&&) = delete;
  ~WaitPending() {
    if (task_ != nullptr && g_->exit_waiter_ == task_) g_->exit_waiter_ = nullptr;
  }
  bool await_ready() const noexcept { return g_->pending_ == 0; }
  void await_suspend(std::coroutine_handle<> h) {
    task_ = &detail::current_task();
    g_->exit_waiter_ = task_;
    task_->suspend_on(h, this);
  }
  void await_resume() {
    if (task_ != nullptr && task_->take_cancel_request()) g_->on_outer_cancel();
  }
  bool cancel() noexcept override {
    g_->on_outer_cancel();  // keep waiting: the cancelled tasks finish soon
    return true;
  }

 private:
  TaskGroup* g_;
  detail::TaskBase* task_ = nullptr;
};

inline TaskGroup::WaitPending TaskGroup::wait_pending() noexcept {
  return WaitPending(*this);
}

inline void TaskGroup::begin_exit(std::exception_ptr body_error) {
  body_error_ = std::move(body_error);
  body_cancelled_ = is_cancel(body_error_);
  if (body_error_ && !body_cancelled_ && !aborting_) abort();
  if (body_cancelled_) propagate_cancel_ = true;
}

inline void TaskGroup::finish_exit() {
  finished_ = true;
  if (parent_cancel_requested_ && parent_->uncancel() == 0) {
    propagate_cancel_ = false;  // only our own cancellation of the body: absorbed
  }
  if (propagate_cancel_ && errors_.empty()) {
    if (body_cancelled_) std::rethrow_exception(body_error_);
    parent_->throw_cancelled();
  }
  std::vector<std::exception_ptr> errors = std::move(errors_);
  errors_.clear();
  if (body_error_ && !body_cancelled_) errors.insert(errors.begin(), body_error_);
  if (!errors.empty()) throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors));
}

/// Runs body(tg) and waits for every task it created in tg (see the file comment).
template <class Body>
Task<void> task_group(Body body) {
  TaskGroup tg;
  tg.enter();
  std::exception_ptr body_error;
  try {
    co_await body(tg);
  } catch (...) {
    body_error = std::current_exception();
  }
  tg.begin_exit(std::move(body_error));
  while (tg.pending() > 0) co_await tg.wait_pending();
  tg.finish_exit();
}

}  // namespace concur::asyncio
