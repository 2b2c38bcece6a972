// concur/threading/event.hpp - threading.Event: a flag threads can wait for.
//   concur::threading::Event ready;
//   worker: ready.wait();          main: ready.set();
//   if (!ready.wait(2s)) puts("gave up");
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "concur/detail/futex.hpp"
#include "concur/timeout.hpp"

namespace concur::threading {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  [[nodiscard]] bool is_set() const noexcept { return flag_.load(std::memory_order_acquire) != 0; }

  /// Sets the flag and wakes every waiter.
  void set() noexcept {
    if (flag_.exchange(1, std::memory_order_seq_cst) == 0 &&
        waiters_.load(std::memory_order_seq_cst) != 0) {
      detail::futex_wake(flag_, INT_MAX);
    }
  }
  /// Resets the flag; later wait() calls block again.
  void clear() noexcept { flag_.store(0, std::memory_order_relaxed); }

  /// Blocks until the flag is set or the timeout passes (a negative timeout does not
  /// block). Returns the flag (Python: wait(timeout=None) -> bool).
  bool wait(Timeout timeout = {}) noexcept {
    if (is_set()) return true;
    const detail::Deadline deadline(timeout);
    if (detail::spin_until([this] { return is_set(); })) return true;
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    while (!is_set()) {
      if (!detail::futex_wait(flag_, 0, deadline)) break;
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return is_set();
  }

 private:
  std::atomic<std::uint32_t> flag_{0};
  std::atomic<std::uint32_t> waiters_{0};
};

}  // namespace concur::threading
