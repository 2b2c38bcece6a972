// concur/asyncio/wait.hpp - asyncio.wait and asyncio.as_completed.
//
// wait() returns the done and pending tasks when the condition holds or time runs out; it never
// cancels and never raises the tasks' errors. as_completed() hands tasks back in completion
// order and raises TimeoutError once its deadline passes.
//   auto [done, pending] = co_await asyncio::wait(tasks, 1s, asyncio::FIRST_COMPLETED);
//   auto ac = asyncio::as_completed(tasks);
//   while (ac.has_next()) std::cout << co_await ac.next() << "\n";
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "concur/asyncio/task.hpp"
#include "concur/detail/async_wait_set.hpp"
#include "concur/timeout.hpp"

namespace concur::asyncio {

/// wait()'s return_when (Python's asyncio.FIRST_COMPLETED ...).
enum class ReturnWhen : std::uint8_t { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

template <class T>
struct WaitResult {
  std::vector<Task<T>> done;
  std::vector<Task<T>> pending;
};

namespace detail {
inline std::int64_t deadline_after(Timeout timeout) noexcept {
  if (timeout.forever()) return WaitSet::kNoDeadline;
  const std::int64_t d = timeout.duration().count() < 0 ? 0 : timeout.duration().count();
  const std::int64_t now = EventLoop::now_ns();
  return d > WaitSet::kNoDeadline - now - 1 ? WaitSet::kNoDeadline - 1 : now + d;
}
}  // namespace detail

/// Waits until return_when holds or timeout passes; {done, pending} in the input's order.
/// ValueError for an empty set, as in Python.
template <class T>
Task<WaitResult<T>> wait(std::vector<Task<T>> tasks, Timeout timeout = {},
                         ReturnWhen return_when = ALL_COMPLETED) {
  if (tasks.empty()) throw ValueError("Set of Tasks/Futures is empty.");
  for (auto& t : tasks) t = detail::ensure_task(std::move(t));
  using W = detail::WaitSet::When;
  const W when = return_when == FIRST_COMPLETED   ? W::first_completed
                 : return_when == FIRST_EXCEPTION ? W::first_exception
                                                  : W::all_completed;
  std::vector<detail::TaskBase*> bases;
  bases.reserve(tasks.size());
  for (auto& t : tasks) bases.push_back(t.promise());
  detail::WaitSet waiter(std::move(bases), when, detail::deadline_after(timeout),
                         /*cancel_tasks=*/false);
  co_await detail::await_ref(waiter);
  WaitResult<T> out;
  for (auto& t : tasks) (t.done() ? out.done : out.pending).push_back(std::move(t));
  co_return out;
}

/// Hands back tasks as they complete (Python's as_completed; next() awaits the next one).
template <class T>
class AsCompleted {
 public:
  AsCompleted(std::vector<Task<T>> tasks, Timeout timeout) : state_(std::make_unique<State>()) {
    for (auto& t : tasks) t = detail::ensure_task(std::move(t));
    state_->tasks = std::move(tasks);
    state_->links.resize(state_->tasks.size());
    for (std::size_t i = 0; i < state_->tasks.size(); ++i) {
      auto* p = state_->tasks[i].promise();
      if (p->done()) {
        state_->finished.push_back(i);
        continue;
      }
      state_->links[i].owner = state_.get();
      state_->links[i].on_done = [](detail::DoneLink& l, detail::TaskBase& t) noexcept {
        auto* s = static_cast<State*>(l.owner);
        s->finished.push_back(static_cast<std::size_t>(&l - s->links.data()));
        (void)t;
        s->wake();
      };
      p->link(state_->links[i]);
    }
    state_->deadline_ns = detail::deadline_after(timeout);
    state_->remaining = state_->tasks.size();
  }
  AsCompleted(AsCompleted&&) noexcept = default;
  AsCompleted& operator=(AsCompleted&&) noexcept = default;
  ~AsCompleted() = default;

  /// True while some task has not been handed back yet.
  [[nodiscard]] bool has_next() const noexcept { return state_->remaining > 0; }

  class Next;
  /// co_await next(): the next task to complete (done; call result()). TimeoutError once the
  /// deadline passed; ValueError when every task was handed back.
  Next next_task() noexcept { return Next(*state_); }
  /// co_await next(): the next result in completion order (rethrows that task's error).
  Task<T> next() {
    Task<T> t = co_await next_task();
    co_return co_await t;
  }

 private:
  struct State : detail::TimerNode {
    std::vector<Task<T>> tasks;
    std::vector<detail::DoneLink> links;
    std::deque<std::size_t> finished;
    std::size_t remaining = 0;
    std::int64_t deadline_ns = detail::WaitSet::kNoDeadline;
    detail::TaskBase* waiting = nullptr;
    bool timed_out = false;
    void wake() noexcept {
      if (waiting != nullptr) {
        detail::TaskBase* w = waiting;
        waiting = nullptr;
        if (armed()) w->loop()->remove_timer(*this);
        w->wake();
      }
    }
    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() {
      for (std::size_t i = 0; i < links.size(); ++i) {
        if (links[i].linked) tasks[i].promise()->unlink(links[i]);
      }
      if (armed() && waiting != nullptr) waiting->loop()->remove_timer(*this);
    }
  };
  std::unique_ptr<State> state_;

 public:
  class Next final : public detail::Waiter {
   public:
    using concur_awaitable = void;
    explicit Next(State& s) noexcept : s_(&s) {}
    Next(Next&&) noexcept = default;
    Next& operator=(Next&&) = delete;
    ~Next() {
      if (s_->waiting == task_ && task_ != nullptr) {
        s_->waiting = nullptr;
        if (s_->armed()) task_->loop()->remove_timer(*s_);
      }
    }
    bool await_ready() const noexcept {
      return !s_->finished.empty() || s_->remaining == 0 || timed_out_now();
    }
    void await_suspend(std::coroutine_handle<> h) {
      task_ = &detail::current_task();
      s_->waiting = task_;
      if (s_->deadline_ns != detail::WaitSet::kNoDeadline) {
        s_->fire = [](detail::TimerNode& n) noexcept {
          auto& st = static_cast<State&>(n);
          st.timed_out = true;
          st.wake();
        };
        task_->loop()->add_timer(*s_, s_->deadline_ns);
      }
      task_->suspend_on(h, this);
    }
    Task<T> await_resume() {
      if (task_ != nullptr) task_->throw_if_cancelled();
      if (s_->remaining == 0) throw ValueError("as_completed: every task was handed back");
      if (s_->finished.empty()) throw TimeoutError("as_completed: timed out");
      const std::size_t i = s_->finished.front();
      s_->finished.pop_front();
      --s_->remaining;
      return s_->tasks[i];
    }
    bool cancel() noexcept override {
      s_->waiting = nullptr;
      if (s_->armed()) task_->loop()->remove_timer(*s_);
      task_->wake_cancelled();
      return true;
    }

   private:
    [[nodiscard]] bool timed_out_now() const noexcept {
      return s_->timed_out || (s_->deadline_ns != detail::WaitSet::kNoDeadline &&
                               EventLoop::now_ns() >= s_->deadline_ns);
    }
    State* s_;
    detail::TaskBase* task_ = nullptr;
  };
};

/// Python's asyncio.as_completed(tasks, timeout).
template <class T>
AsCompleted<T> as_completed(std::vector<Task<T>> tasks, Timeout timeout = {}) {
  return AsCompleted<T>(std::move(tasks), timeout);
}

}  // namespace concur::asyncio
