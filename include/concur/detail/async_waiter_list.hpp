// concur/detail/async_waiter_list.hpp - tasks waiting for something to change (internal).
//   co_await list.wait();   ...   list.wake_all();   // each waiter then re-checks
#pragma once

#include <algorithm>
#include <coroutine>
#include <vector>

#include "concur/detail/async_task.hpp"

namespace concur::asyncio::detail {

class WaiterList {
 public:
  class Wait final : public Waiter {
   public:
    using concur_awaitable = void;
    explicit Wait(WaiterList& list) noexcept : list_(&list) {}
    Wait(Wait&&) noexcept = default;  // before it is awaited only
    Wait& operator=(Wait&&) = delete;
    ~Wait() {
      if (task_ != nullptr) list_->remove(task_);
    }
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      task_ = &current_task();
      list_->tasks_.push_back(task_);
      task_->suspend_on(h, this);
    }
    void await_resume() const { task_->throw_if_cancelled(); }
    bool cancel() noexcept override {
      list_->remove(task_);
      task_->wake_cancelled();
      return true;
    }

   private:
    WaiterList* list_;
    TaskBase* task_ = nullptr;
  };

  /// co_await list.wait(): suspends until wake_all() (or a cancellation).
  Wait wait() noexcept { return Wait(*this); }
  void wake_all() noexcept {
    std::vector<TaskBase*> woken;
    woken.swap(tasks_);
    for (TaskBase* t : woken) t->wake();
  }
  /// Wakes the longest waiter; false when nobody waits.
  bool wake_one() noexcept {
    if (tasks_.empty()) return false;
    TaskBase* t = tasks_.front();
    tasks_.erase(tasks_.begin());
    t->wake();
    return true;
  }
  [[nodiscard]] bool empty() const noexcept { return tasks_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return tasks_.size(); }

 private:
  void remove(TaskBase* t) noexcept {
    auto it = std::find(tasks_.begin(), tasks_.end(), t);
    if (it != tasks_.end()) tasks_.erase(it);
  }
  std::vector<TaskBase*> tasks_;
};

}  // namespace concur::asyncio::detail
