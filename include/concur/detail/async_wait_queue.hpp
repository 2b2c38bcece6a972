// concur/detail/async_wait_queue.hpp - a FIFO of tasks waiting for something (internal): the
// one waiting structure of asyncio's locks, events, conditions, queues and streams.
//   co_await q.wait();                  // suspends until woken (or cancelled)
//   q.wake_first();  q.wake_all();      // pop waiters and schedule them
// A woken waiter has left the queue; woken() tells a resumed waiter it was woken (and not
// only cancelled), so it can hand on what it was given when a cancellation beat it.
#pragma once

#include <coroutine>
#include <cstddef>

#include "concur/detail/async_task.hpp"

namespace concur::asyncio::detail {

struct WaitNode {
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;
  TaskBase* task = nullptr;
  bool linked = false;
  bool woken = false;
};

class WaitQueue {
 public:
  class Wait;
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  /// co_await q.wait(): suspends until woken; CancelledError when cancelled meanwhile.
  Wait wait() noexcept;

  /// Wakes the longest waiter; false when nobody waits.
  bool wake_first() noexcept {
    WaitNode* n = head_;
    if (n == nullptr) return false;
    remove(*n);
    n->woken = true;
    n->task->wake();
    return true;
  }
  /// Wakes up to n waiters (all by default); returns how many.
  std::size_t wake(std::size_t n = static_cast<std::size_t>(-1)) noexcept {
    std::size_t woken = 0;
    while (woken < n && wake_first()) ++woken;
    return woken;
  }
  void wake_all() noexcept { (void)wake(); }
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void push_back(WaitNode& n) noexcept {
    n.prev = tail_;
    n.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &n;
    } else {
      head_ = &n;
    }
    tail_ = &n;
    n.linked = true;
    ++size_;
  }
  void remove(WaitNode& n) noexcept {
    if (!n.linked) return;
    if (n.prev != nullptr) {
      n.prev->next = n.next;
    } else {
      head_ = n.next;
    }
    if (n.next != nullptr) {
      n.next->prev = n.prev;
    } else {
      tail_ = n.prev;
    }
    n.prev = n.next = nullptr;
    n.linked = false;
    --size_;
  }

 private:
  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
  std::size_t size_ = 0;
};

class WaitQueue::Wait final : public Waiter {
 public:
  using concur_awaitable = void;
  explicit Wait(WaitQueue& q) noexcept : q_(&q) {}
  Wait(Wait&&) noexcept = default;  // before it is awaited only
  Wait& operator=(Wait&&) = delete;
  ~Wait() { q_->remove(node_); }

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    node_.task = &current_task();
    q_->push_back(node_);
    node_.task->suspend_on(h, this);
  }
  void await_resume() {
    q_->remove(node_);
    node_.task->throw_if_cancelled();
  }
  bool cancel() noexcept override {
    q_->remove(node_);
    node_.task->wake_cancelled();
    return true;
  }
  /// After resumption (also when it threw): was this waiter woken by the queue?
  [[nodiscard]] bool woken() const noexcept { return node_.woken; }

 private:
  WaitQueue* q_;
  WaitNode node_;
};

inline WaitQueue::Wait WaitQueue::wait() noexcept {
  return Wait(*this);
}

}  // namespace concur::asyncio::detail
