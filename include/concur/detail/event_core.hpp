// concur/detail/event_core.hpp - the flag behind threading::Event and mp::Event.
// Standard layout and address-free, so it can live in shared memory (Scope::shared).
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "concur/detail/futex.hpp"

namespace concur::detail {

class EventCore {
 public:
  explicit EventCore(Scope scope) noexcept : scope_(scope) {}

  [[nodiscard]] bool is_set() const noexcept {
    return (state_.load(std::memory_order_acquire) & kFlag) != 0;
  }

  void set() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    do {
      if ((s & kFlag) != 0) return;
      // Flag on and the generation one up: a waiter woken after a clear() still sees that a
      // set() happened while it waited (Python's wait() returns True then).
    } while (!state_.compare_exchange_weak(s, s + kFlag + kGeneration, std::memory_order_seq_cst,
                                           std::memory_order_relaxed));
    if (waiters_.load(std::memory_order_seq_cst) != 0) futex_wake(state_, INT_MAX, scope_);
  }

  void clear() noexcept { state_.fetch_and(~kFlag, std::memory_order_release); }

  /// True when the flag is set, or was set while waiting; false on timeout.
  bool wait(const Deadline& deadline) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if ((s & kFlag) != 0) return true;
    const std::uint32_t start = s;
    auto signalled = [&] {
      s = state_.load(std::memory_order_acquire);
      return (s & kFlag) != 0 || (s & ~kFlag) != (start & ~kFlag);
    };
    if (spin_until(signalled)) return true;
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    bool result = signalled();
    while (!result) {
      const bool woken = futex_wait(state_, s, deadline, scope_);
      result = signalled();
      if (!woken) break;
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return result;
  }

 private:
  static constexpr std::uint32_t kFlag = 1;
  static constexpr std::uint32_t kGeneration = 2;  // bits 1..31 count set()s
  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint32_t> waiters_{0};
  Scope scope_;
};

}  // namespace concur::detail
