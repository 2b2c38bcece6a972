// concur/detail/async_wait_set.hpp - waits for a set of scheduled tasks (internal; the engine
// of asyncio's gather, wait and wait_for).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "concur/asyncio/event_loop.hpp"
#include "concur/detail/async_task.hpp"

namespace concur::asyncio::detail {

/// co_await WaitSet(...): resumes when the condition of `when` holds for `tasks`, or at the
/// deadline. Cancelling the waiting task either cancels the tasks too (gather) and resumes
/// once they have finished, or just stops waiting (wait).
class WaitSet final : public Waiter, public TimerNode, public DoneListener {
 public:
  enum class When : std::uint8_t { all_completed, first_completed, first_exception };
  using concur_awaitable = void;

  WaitSet(std::vector<TaskBase*> tasks, When when, std::int64_t deadline_ns, bool cancel_tasks)
      : tasks_(std::move(tasks)),
        when_(when),
        deadline_ns_(deadline_ns),
        cancel_tasks_(cancel_tasks) {}
  WaitSet(WaitSet&&) noexcept = default;  // before it is awaited only
  WaitSet& operator=(WaitSet&&) = delete;
  ~WaitSet() { detach(); }

  static constexpr std::int64_t kNoDeadline = INT64_MAX;

  bool await_ready() noexcept {
    for (TaskBase* t : tasks_) note_done(*t);
    return satisfied();
  }
  void await_suspend(std::coroutine_handle<> h) {
    task_ = &current_task();
    for (TaskBase* t : tasks_) {
      if (t->done() || t->try_listen(this)) continue;
      // Its listener slot is taken: a link of our own.
      DoneLink& l = links_.emplace_back();
      l.owner = this;
      l.on_done = [](DoneLink& link, TaskBase& done) noexcept {
        static_cast<WaitSet*>(link.owner)->task_done(done);
      };
      link_tasks_.push_back(t);
      t->link(l);
    }
    if (deadline_ns_ != kNoDeadline) {
      fire = [](TimerNode& n) noexcept {
        auto& self = static_cast<WaitSet&>(n);
        self.timed_out_ = true;
        self.finish();
      };
      task_->loop()->add_timer(*this, deadline_ns_);
    }
    task_->suspend_on(h, this);
  }
  /// Throws CancelledError when the waiting task was cancelled.
  void await_resume() {
    detach();
    if (cancel_requested_) {
      (void)task_->take_cancel_request();
      task_->throw_cancelled();
    }
    if (task_ != nullptr) task_->throw_if_cancelled();
  }

  bool cancel() noexcept override {
    if (!cancel_tasks_) {
      detach();
      task_->wake_cancelled();
      return true;
    }
    // gather: cancel every task, then resume once the condition holds (they finish soon).
    cancel_requested_ = true;
    bool any = false;
    for (TaskBase* t : tasks_) any = t->cancel() || any;
    if (!any) finish();
    return true;
  }

  [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }
  /// The first task that failed or was cancelled (in completion order), or nullptr.
  [[nodiscard]] TaskBase* first_error() const noexcept { return first_error_; }

 private:
  void note_done(TaskBase& t) noexcept {
    if (!t.done()) return;
    ++done_;
    if (first_error_ == nullptr && t.state() != TaskBase::State::finished) first_error_ = &t;
  }
  [[nodiscard]] bool satisfied() const noexcept {
    switch (when_) {
      case When::first_completed:
        return done_ > 0 || tasks_.empty();
      case When::first_exception:
        return first_error_ != nullptr || done_ == tasks_.size();
      case When::all_completed:
        return done_ == tasks_.size();
    }
    return false;
  }
  void task_done(TaskBase& t) noexcept override {
    note_done(t);
    if (satisfied()) finish();
  }
  void finish() noexcept {
    if (task_ == nullptr || finished_) return;
    finished_ = true;
    detach();
    task_->wake();
  }
  void detach() noexcept {
    if (task_ == nullptr || detached_) return;
    detached_ = true;
    for (TaskBase* t : tasks_) t->unlisten(this);
    std::size_t i = 0;
    for (DoneLink& l : links_) {
      if (l.linked) link_tasks_[i]->unlink(l);
      ++i;
    }
    if (armed()) task_->loop()->remove_timer(*this);
  }

  std::vector<TaskBase*> tasks_;
  std::deque<DoneLink> links_;  // stable addresses
  std::vector<TaskBase*> link_tasks_;
  TaskBase* task_ = nullptr;
  TaskBase* first_error_ = nullptr;
  std::size_t done_ = 0;
  When when_;
  std::int64_t deadline_ns_;
  bool cancel_tasks_;
  bool cancel_requested_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
  bool detached_ = false;
};

}  // namespace concur::asyncio::detail
