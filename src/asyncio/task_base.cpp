#include <atomic>
#include <cstdio>

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/event_loop.hpp"
#include "concur/detail/async_task.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/errors.hpp"

namespace concur::asyncio::detail {

namespace {
std::atomic<std::uint32_t> g_task_counter{0};
}  // namespace

TaskBase& current_task() {
  if (tl_current_task == nullptr) throw RuntimeError("no current task: not inside an asyncio task");
  return *tl_current_task;
}

TaskBase::~TaskBase() = default;

TaskBase::Extras& TaskBase::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

std::string TaskBase::name() const {
  if (extras_ && !extras_->name.empty()) return extras_->name;
  return "Task-" + std::to_string(id_);
}

void TaskBase::set_name(std::string name) {
  extras().name = std::move(name);
}

void TaskBase::destroy() noexcept {
  if (state_ == State::failed && scheduled() && !retrieved_) {
    std::string text = "Task exception was never retrieved: " + name() + ": " +
                       concur::detail::to_string(concur::detail::describe_exception(error_));
    if (EventLoop* loop = running_loop()) {
      loop->call_exception_handler(text);
    } else {
      text += "\n";
      std::fputs(text.c_str(), stderr);
    }
  }
  self_.destroy();  // destroys the promise, and with it this object
}

void TaskBase::rethrow_outcome() {
  switch (state_) {
    case State::finished:
      return;
    case State::failed:
      retrieved_ = true;
      std::rethrow_exception(error_);
    case State::cancelled:
      if (error_) std::rethrow_exception(error_);
      throw_cancelled();
    case State::pending:
      throw InvalidStateError("Result is not set.");
  }
}

void TaskBase::throw_cancelled() const {
  throw CancelledError(extras_ ? extras_->cancel_message : std::string());
}

bool TaskBase::cancel(const std::string& message) {
  if (done()) return false;
  ++cancels_requested_;
  if (!message.empty()) extras().cancel_message = message;
  if (waiter_ != nullptr && waiter_->cancel()) return true;
  must_cancel_ = true;
  return true;
}

void TaskBase::add_done_callback(std::function<void()> fn) {
  if (done()) {
    if (loop_ == nullptr)
      throw InvalidStateError("add_done_callback on a coroutine that is no task");
    loop_->call_soon(std::move(fn));
    return;
  }
  extras().callbacks.push_back(std::move(fn));
}

void TaskBase::schedule_on(EventLoop& loop) {
  loop_ = &loop;
  id_ = g_task_counter.fetch_add(1, std::memory_order_relaxed) + 1;
  add_ref();  // the loop's reference, dropped when the task is done
  loop.adopt_task(*this);
  resume_point_ = self_;
  queued_ = true;
  loop.schedule(*this);
}

void TaskBase::wake() noexcept {
  waiter_ = nullptr;
  if (queued_) return;
  queued_ = true;
  loop_->schedule(*this);
}

void TaskBase::wake_cancelled() noexcept {
  must_cancel_ = true;
  wake();
}

void TaskBase::step() noexcept {
  queued_ = false;
  waiter_ = nullptr;
  if (done()) return;  // a stale wake-up
  TaskBase* previous = tl_current_task;
  tl_current_task = this;
  if (!started_ && must_cancel_) {
    // Cancelled before its first step: the body never runs (Python throws CancelledError in
    // at the coroutine's start, which ends it at once).
    started_ = true;
    must_cancel_ = false;
    state_ = State::cancelled;
    complete();
  } else {
    started_ = true;
    resume_point_.resume();
  }
  tl_current_task = previous;
  if (done()) release();  // the loop's reference
}

void TaskBase::body_finished(std::exception_ptr e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    state_ = State::cancelled;
  } catch (...) {
    state_ = State::failed;
  }
  error_ = std::move(e);
}

std::coroutine_handle<> TaskBase::on_final_suspend() noexcept {
  if (state_ == State::pending) state_ = State::finished;
  if (loop_ == nullptr) {
    retrieved_ = true;  // the awaiting coroutine gets the outcome
    return resume_point_ ? resume_point_ : std::noop_coroutine();  // the awaiter
  }
  complete();
  return std::noop_coroutine();
}

void TaskBase::complete() noexcept {
  loop_->forget_task(*this);
  if (listener_ != nullptr) {
    DoneListener* l = listener_;
    listener_ = nullptr;
    l->task_done(*this);
  }
  while (links_ != nullptr) {
    DoneLink* l = links_;
    unlink(*l);
    l->on_done(*l, *this);
  }
  if (extras_ && !extras_->callbacks.empty()) {
    auto callbacks = std::move(extras_->callbacks);
    extras_->callbacks.clear();
    for (auto& cb : callbacks) {
      try {
        loop_->call_soon(std::move(cb));
      } catch (...) {
        // The loop is closing; the callback cannot run any more.
      }
    }
  }
}

void TaskBase::link(DoneLink& l) noexcept {  // at the tail: parties are told in FIFO order
  // (after the listener, which was there first)
  l.next = nullptr;
  l.prev = links_tail_;
  if (links_tail_ != nullptr) {
    links_tail_->next = &l;
  } else {
    links_ = &l;
  }
  links_tail_ = &l;
  l.linked = true;
}

void TaskBase::unlink(DoneLink& l) noexcept {
  if (!l.linked) return;
  if (l.prev != nullptr) {
    l.prev->next = l.next;
  } else {
    links_ = l.next;
  }
  if (l.next != nullptr) {
    l.next->prev = l.prev;
  } else {
    links_tail_ = l.prev;
  }
  l.prev = l.next = nullptr;
  l.linked = false;
}

}  // namespace concur::asyncio::detail
