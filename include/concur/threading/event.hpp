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

  [[nodiscard]] bool is_set() const noexcept {
    return (state_.load(std::memory_order_acquire) & kFlag) != 0;
  }

  /// Sets the flag and wakes every waiter.
  void set() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    do {
      if ((s & kFlag) != 0) return;
      // Flag on and the generation one up: a waiter woken after a clear() still sees that a
      // set() happened while it waited (Python's wait() returns True then).
    } while (!state_.compare_exchange_weak(s, s + kFlag + kGeneration, std::memory_order_seq_cst,
                                           std::memory_order_relaxed));
    if (waiters_.load(std::memory_order_seq_cst) != 0) detail::futex_wake(state_, INT_MAX);
  }
  /// Resets the flag; later wait() calls block again.
  void clear() noexcept { state_.fetch_and(~kFlag, std::memory_order_release); }

  /// Blocks until the flag is set or the timeout passes (a negative timeout does not
  /// block). Returns true when the flag was set while waiting, even if cleared again since
  /// (Python: wait(timeout=None) -> bool).
  bool wait(Timeout timeout = {}) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if ((s & kFlag) != 0) return true;
    const std::uint32_t start = s;
    auto signalled = [&] {
      s = state_.load(std::memory_order_acquire);
      return (s & kFlag) != 0 || (s & ~kFlag) != (start & ~kFlag);
    };
    const detail::Deadline deadline(timeout);
    if (detail::spin_until(signalled)) return true;
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    bool result = signalled();
    while (!result) {
      const bool woken = detail::futex_wait(state_, s, deadline);
      result = signalled();
      if (!woken) break;
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return result;
  }

 private:
  static constexpr std::uint32_t kFlag = 1;
  static constexpr std::uint32_t kGeneration = 2;  // the generation counts set()s in bits 1..31
  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint32_t> waiters_{0};
};

}  // namespace concur::threading
