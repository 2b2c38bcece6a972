#include "concur/threading/condition.hpp"

#include <climits>
#include <mutex>

namespace concur::threading {

bool Condition::acquire(bool blocking, Timeout timeout) {
  return std::visit([&](auto* l) { return l->acquire(blocking, timeout); }, lock_);
}

void Condition::release() {
  std::visit([](auto* l) { l->release(); }, lock_);
}

bool Condition::owned() const {
  // For a plain Lock Python can only check that *someone* holds it; so do we.
  return std::visit(
      [](auto* l) {
        if constexpr (std::is_same_v<decltype(l), RLock*>) {
          return l->is_owned();
        } else {
          return l->locked();
        }
      },
      lock_);
}

unsigned Condition::release_saved() {
  return std::visit(
      [](auto* l) -> unsigned {
        if constexpr (std::is_same_v<decltype(l), RLock*>) {
          return l->release_all();
        } else {
          l->release();
          return 1;
        }
      },
      lock_);
}

void Condition::acquire_restore(unsigned saved) {
  std::visit(
      [saved](auto* l) {
        if constexpr (std::is_same_v<decltype(l), RLock*>) {
          l->restore(saved);
        } else {
          l->lock();
        }
      },
      lock_);
}

void Condition::unlink(Waiter* w) noexcept {
  (w->prev ? w->prev->next : head_) = w->next;
  (w->next ? w->next->prev : tail_) = w->prev;
  w->prev = w->next = nullptr;
}

bool Condition::wait(Timeout timeout) {
  return wait_until_deadline(detail::Deadline(timeout));
}

bool Condition::wait_until_deadline(const detail::Deadline& deadline) {
  if (!owned()) throw RuntimeError("cannot wait on un-acquired lock");
  Waiter me;
  {
    std::lock_guard g(waiters_lock_);
    me.prev = tail_;
    (tail_ ? tail_->next : head_) = &me;
    tail_ = &me;
  }
  const unsigned saved = release_saved();
  bool notified = true;
  while (me.signaled.load(std::memory_order_acquire) == 0) {
    if (!detail::park(me.signaled, 0, deadline)) {
      std::lock_guard g(waiters_lock_);
      if (me.signaled.load(std::memory_order_acquire) == 0) {
        unlink(&me);  // still queued: a real timeout
        notified = false;
      }
      break;
    }
  }
  acquire_restore(saved);
  return notified;
}

void Condition::notify(int n) {
  if (!owned()) throw RuntimeError("cannot notify on un-acquired lock");
  std::lock_guard g(waiters_lock_);
  while (n-- > 0 && head_ != nullptr) {
    Waiter* w = head_;
    unlink(w);
    // After this store the waiter may return and its stack frame vanish; a wake on a
    // stale address is harmless (every concur wait re-checks its condition).
    w->signaled.store(1, std::memory_order_release);
    detail::futex_wake(w->signaled, 1);
  }
}

void Condition::notify_all() {
  notify(INT_MAX);
}

}  // namespace concur::threading
