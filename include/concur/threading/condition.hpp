// concur/threading/condition.hpp - threading.Condition: wait until notified, under a lock.
//
// Built on an RLock it owns, or on a Lock/RLock you pass (which must outlive it).
// wait() and notify() need the lock held, else RuntimeError, as in Python. Waiters are
// woken in FIFO order.
//   concur::threading::Condition cv;
//   { std::lock_guard g(cv); cv.wait_for([&] { return !items.empty(); }); }
//   { std::lock_guard g(cv); items.push_back(x); cv.notify(); }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <variant>

#include "concur/detail/deadline.hpp"
#include "concur/threading/lock.hpp"
#include "concur/threading/rlock.hpp"

namespace concur::threading {

class Condition {
 public:
  /// A condition with its own RLock (Python: Condition()).
  Condition() : lock_(&own_) {}
  /// A condition sharing an existing lock (Python: Condition(lock)).
  explicit Condition(Lock& lock) : lock_(&lock) {}
  explicit Condition(RLock& lock) : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;
  ~Condition() = default;

  /// Acquire / release the underlying lock (Python: with cond:).
  bool acquire(bool blocking = true, Timeout timeout = {});
  bool acquire(Timeout timeout) { return acquire(true, timeout); }
  void release();
  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }

  /// Releases the lock, waits for notify() or the timeout, re-acquires the lock.
  /// Returns false on timeout. Throws RuntimeError if the lock is not held.
  bool wait(Timeout timeout = {});

  /// Waits until pred() is true (checked under the lock) or the timeout; returns pred()'s
  /// last value. Python: wait_for(predicate, timeout=None).
  template <class Pred>
  bool wait_for(Pred pred, Timeout timeout = {}) {
    return detail::wait_for_predicate(
        pred, detail::Deadline(timeout),
        [this](const detail::Deadline& d) { wait_until_deadline(d); });
  }

  /// Wakes up to n waiters (Python: notify(n=1)); the lock must be held.
  void notify(int n = 1);
  /// Wakes every waiter; the lock must be held.
  void notify_all();

 private:
  struct Waiter {
    std::atomic<std::uint32_t> signaled{0};
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
  };

  bool wait_until_deadline(const detail::Deadline& deadline);
  [[nodiscard]] bool owned() const;
  unsigned release_saved();
  void acquire_restore(unsigned saved);
  void unlink(Waiter* w) noexcept;

  RLock own_;
  std::variant<Lock*, RLock*> lock_;
  Lock waiters_lock_;  // guards the waiter list
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace concur::threading
