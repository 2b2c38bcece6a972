// concur/detail/event_count.hpp - park until "something changed", without lost wake-ups.
//
// A waiter calls prepare_wait(), re-checks its condition, then wait(key) or cancel_wait().
// A notifier changes the condition (with a seq_cst store or under a lock the waiter also
// takes), then calls notify(). notify() costs one load when nobody waits.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <thread>

#include "concur/detail/futex.hpp"

namespace concur::detail {

class EventCount {
 public:
  /// Scope::shared for an EventCount in shared memory (waiters in several processes).
  explicit EventCount(Scope scope = Scope::process_private) noexcept : scope_(scope) {}

  [[nodiscard]] std::uint32_t prepare_wait() noexcept {
    // A seq_cst read-modify-write: the waiter's later re-check of its condition cannot move
    // before it (acquire for the compiler; a full barrier on x86, RCsc on ARMv8), and the
    // notifier publishes with a seq_cst store before reading waiters_. (No separate fence:
    // g++ rejects atomic_thread_fence under -fsanitize=thread.)
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    return seq_.load(std::memory_order_seq_cst);
  }
  void cancel_wait() noexcept { waiters_.fetch_sub(1, std::memory_order_relaxed); }
  /// Sleeps until a notify() after prepare_wait() returned key; false on timeout.
  bool wait(std::uint32_t key, const Deadline& deadline) noexcept {
    bool ok = true;
    while (seq_.load(std::memory_order_acquire) == key) {
      if (!futex_wait(seq_, key, deadline, scope_)) {
        ok = false;
        break;
      }
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return ok;
  }
  void notify(int n = 1) noexcept {
    if (waiters_.load(std::memory_order_seq_cst) != 0) {
      seq_.fetch_add(1, std::memory_order_seq_cst);
      futex_wake(seq_, n, scope_);
    }
  }
  void notify_all() noexcept { notify(INT_MAX); }
  [[nodiscard]] bool has_waiters() const noexcept {
    return waiters_.load(std::memory_order_seq_cst) != 0;
  }

 private:
  alignas(64) std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> waiters_{0};
  Scope scope_;
};

/// Outcome of one non-blocking attempt on a queue.
enum class OpStatus : std::uint8_t { ok, would_block, shutdown };

/// Runs attempt() until it does not return would_block, parking on ec in between.
/// Before parking it spins on the cheap hint might_succeed() (no locks, no writes), retrying
/// attempt() when the hint turns true. Non-blocking callers get exactly one attempt.
template <class Attempt, class Hint>
OpStatus block_on(EventCount& ec, bool block, const Deadline& deadline, Attempt&& attempt,
                  Hint&& might_succeed) {
  OpStatus s = attempt();
  if (s != OpStatus::would_block || !block) return s;
  for (int round = 0; round < 2; ++round) {
    if (!spin_until(might_succeed)) break;
    s = attempt();
    if (s != OpStatus::would_block) return s;
  }
  // The other side may be runnable on this very core (more threads than cores): give it
  // the CPU a few times before paying for a kernel sleep and wake-up.
  for (std::uint32_t i = 0; i < yield_limit(); ++i) {
    std::this_thread::yield();
    if (might_succeed()) {
      s = attempt();
      if (s != OpStatus::would_block) return s;
    }
  }
  for (;;) {
    const std::uint32_t key = ec.prepare_wait();
    s = attempt();
    if (s != OpStatus::would_block) {
      ec.cancel_wait();
      return s;
    }
    if (!ec.wait(key, deadline)) return attempt();
  }
}

}  // namespace concur::detail
