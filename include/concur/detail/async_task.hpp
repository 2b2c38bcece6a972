// concur/detail/async_task.hpp - the non-template core of an asyncio task, and the protocol
// every awaitable of concur::asyncio follows (internal; not part of the API).
//
// A coroutine returning asyncio::Task<T> is either awaited inline (Python's `await coro()`:
// it runs inside the awaiting task) or scheduled as a task of its own (create_task). A
// scheduled task's chain of inline coroutines suspends only on concur awaitables, and each of
// them follows one protocol:
//   await_suspend(h): TaskBase& t = current_task(); t.suspend_on(h, waiter_or_null);
//                     register somewhere that later calls t.wake();
//   await_resume():   t.throw_if_cancelled(), then the awaitable's own result.
// Task.cancel() hands the cancellation to the Waiter the task is suspended on (which detaches
// and wakes the task with wake_cancelled()), or, when the task is not suspended on one, makes
// the task's next resumption throw CancelledError, as Python's Task.cancel() does.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace concur::asyncio {
class EventLoop;
}

namespace concur::asyncio::detail {

class TaskBase;

/// What a suspended task waits on, from Task.cancel()'s point of view.
class Waiter {
 public:
  /// Takes a cancellation of the waiting task: detach from what was awaited and wake the task
  /// (TaskBase::wake_cancelled), or forward it (awaiting another task cancels that task).
  /// Returns false to refuse; the task then gets CancelledError at its next resumption.
  virtual bool cancel() noexcept = 0;

 protected:
  Waiter() = default;
  Waiter(const Waiter&) = default;
  Waiter(Waiter&&) = default;
  Waiter& operator=(const Waiter&) = default;
  Waiter& operator=(Waiter&&) = default;
  ~Waiter() = default;
};

/// A link in a task's list of parties to tell when it completes. on_done runs on the loop's
/// thread right after the task finished; it must not resume coroutines inline (schedule them).
struct DoneLink {
  DoneLink* prev = nullptr;
  DoneLink* next = nullptr;
  void (*on_done)(DoneLink& self, TaskBase& task) noexcept = nullptr;
  void* owner = nullptr;  // whatever on_done needs
  bool linked = false;
};

/// The cheap way to hear about a task's completion: one listener per task, no memory per
/// listening (gather over a million tasks uses it). Falls back to DoneLinks when taken.
class DoneListener {
 public:
  virtual void task_done(TaskBase& task) noexcept = 0;

 protected:
  DoneListener() = default;
  DoneListener(const DoneListener&) = default;
  DoneListener(DoneListener&&) = default;
  DoneListener& operator=(const DoneListener&) = default;
  DoneListener& operator=(DoneListener&&) = default;
  ~DoneListener() = default;
};

/// The current task of this thread (set while the loop runs a task's step).
inline thread_local TaskBase* tl_current_task = nullptr;

class TaskBase {
 public:
  enum class State : std::uint8_t { pending, finished, failed, cancelled };

  TaskBase() = default;
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;

  // ---- reference counting (handles plus the loop while a scheduled task is pending)
  void add_ref() noexcept { ++refs_; }
  /// A closing loop drops a pending task's done callbacks (they may hold the task itself).
  std::vector<std::function<void()>> take_done_callbacks() noexcept {
    if (!extras_) return {};
    return std::exchange(extras_->callbacks, {});
  }
  void release() noexcept {
    if (--refs_ == 0) destroy();
  }

  // ---- state
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] bool done() const noexcept { return state_ != State::pending; }
  [[nodiscard]] bool scheduled() const noexcept { return loop_ != nullptr; }
  [[nodiscard]] bool started() const noexcept { return started_; }
  [[nodiscard]] EventLoop* loop() const noexcept { return loop_; }
  /// The stored exception of a failed task (marks it retrieved).
  [[nodiscard]] std::exception_ptr error() noexcept {
    retrieved_ = true;
    return error_;
  }
  /// Throws what the task ended with: its exception, or CancelledError; nothing if finished.
  void rethrow_outcome();

  // ---- Python's Task API (non-template part)
  bool cancel(const std::string& message = {});
  [[nodiscard]] int cancelling() const noexcept { return cancels_requested_; }
  int uncancel() noexcept {
    if (cancels_requested_ > 0) --cancels_requested_;
    return cancels_requested_;
  }
  [[nodiscard]] std::string name() const;
  void set_name(std::string name);
  /// Runs fn on the loop soon after the task is done (at once via call_soon if already done).
  void add_done_callback(std::function<void()> fn);

  // ---- scheduling (EventLoop and create_task)
  void schedule_on(EventLoop& loop);  // becomes a task of its own; the loop holds a reference
  void step() noexcept;               // runs until the next suspension (the loop calls it)
  void wake() noexcept;               // schedules a step (the thing awaited is ready)
  void wake_cancelled() noexcept;     // schedules a step that throws CancelledError

  // ---- the awaitable protocol (see the file comment)
  void suspend_on(std::coroutine_handle<> h, Waiter* waiter) noexcept {
    resume_point_ = h;
    waiter_ = waiter;
  }
  /// True (and clears it) when this task must see CancelledError now.
  bool take_cancel_request() noexcept {
    if (!must_cancel_) return false;
    must_cancel_ = false;
    return true;
  }
  void throw_if_cancelled() {
    if (take_cancel_request()) throw_cancelled();
  }
  [[noreturn]] void throw_cancelled() const;

  // ---- completion links (awaiting tasks, gather, wait, shield...)
  void link(DoneLink& l) noexcept;
  void unlink(DoneLink& l) noexcept;
  /// Takes the task's single listener slot (false when taken or links exist: keeps FIFO).
  bool try_listen(DoneListener* l) noexcept {
    if (listener_ != nullptr || links_ != nullptr) return false;
    listener_ = l;
    return true;
  }
  void unlisten(DoneListener* l) noexcept {
    if (listener_ == l) listener_ = nullptr;
  }

  // ---- inline (coroutine-mode) awaiting
  void set_continuation(std::coroutine_handle<> c) noexcept { resume_point_ = c; }
  bool mark_awaited() noexcept {  // false when it was awaited or scheduled before
    if (awaited_ || loop_ != nullptr) return false;
    awaited_ = true;
    started_ = true;
    return true;
  }

  // ---- the loop's list of its pending tasks (all_tasks(), cancelling leftovers at close)
  TaskBase* all_prev = nullptr;
  TaskBase* all_next = nullptr;

 protected:
  ~TaskBase();
  void set_self(std::coroutine_handle<> self) noexcept { self_ = self; }
  // Called by the promise when the body ends (return or exception).
  void body_finished(std::exception_ptr e) noexcept;
  // final_suspend of a scheduled task: tell everyone; returns where to go next.
  std::coroutine_handle<> on_final_suspend() noexcept;

 private:
  struct Extras {
    std::string name;
    std::string cancel_message;
    std::vector<std::function<void()>> callbacks;
  };
  void destroy() noexcept;
  void complete() noexcept;  // state is final: notify links and callbacks, leave the loop
  Extras& extras();

  EventLoop* loop_ = nullptr;
  std::coroutine_handle<> self_;
  // A scheduled task resumes at resume_point_; an inline coroutine returns to its awaiter
  // (continuation). A coroutine is one or the other, never both: they share one slot.
  std::coroutine_handle<> resume_point_;
  Waiter* waiter_ = nullptr;
  DoneListener* listener_ = nullptr;
  DoneLink* links_ = nullptr;
  DoneLink* links_tail_ = nullptr;
  std::exception_ptr error_;
  std::unique_ptr<Extras> extras_;
  std::uint32_t id_ = 0;
  std::uint32_t refs_ = 1;
  std::int32_t cancels_requested_ = 0;
  State state_ = State::pending;
  bool started_ = false;
  bool must_cancel_ = false;
  bool queued_ = false;  // a step is scheduled
  bool awaited_ = false;
  bool retrieved_ = false;
};

/// co_await await_ref(awaiter): awaits an awaiter object in place (g++ 12 would copy an lvalue
/// awaiter into the frame; this wrapper is what gets copied).
template <class A>
class AwaitRef {
 public:
  using concur_awaitable = void;
  explicit AwaitRef(A& a) noexcept : a_(&a) {}
  bool await_ready() { return a_->await_ready(); }
  decltype(auto) await_suspend(std::coroutine_handle<> h) { return a_->await_suspend(h); }
  decltype(auto) await_resume() { return a_->await_resume(); }

 private:
  A* a_;
};
template <class A>
AwaitRef<A> await_ref(A& a) noexcept {
  return AwaitRef<A>(a);
}

/// The running task; throws RuntimeError outside a task.
TaskBase& current_task();

}  // namespace concur::asyncio::detail
