// concur/detail/ring_lock.hpp - the robust lock of the shared-memory queue ring: one futex word
// holding its owner's thread id, taken with one compare-and-swap and released with one exchange.
//
// Robustness comes from the kernel, as for a robust pthread mutex: while a thread holds the
// lock, the "operation pending" slot of its robust-futex list (the list head glibc registers
// for every thread, see set_robust_list(2)) points at the lock. When the thread dies, the kernel
// finds the word there: if it still holds the thread's id, the kernel replaces it with
// FUTEX_OWNER_DIED and wakes one waiter, and the next locker simply takes the lock. (The ring
// repairs itself; a previous owner's death needs no report.) A pthread mutex does the same
// with more bookkeeping: it also links itself into the list, which allows any number of robust
// mutexes at once; this lock uses only the pending slot, so
//   - a thread holds at most one RingLock at a time, and
//   - while it does, it neither locks nor unlocks a robust pthread mutex (glibc clears the
//     pending slot after each of its own operations).
// The ring's put() and get() keep both rules: no user code runs while they hold a ring lock.
#pragma once

#include <linux/futex.h>

#include <atomic>
#include <cstdint>

#include "concur/detail/deadline.hpp"

namespace concur::detail {

/// The calling thread's robust-futex list head and kernel thread id, cached per thread (and
/// refreshed in a fork()ed child).
struct RobustThread {
  robust_list_head* head = nullptr;
  long futex_offset = 0;  // the kernel finds a lock word at (entry + futex_offset)
  std::uint32_t tid = 0;
};

inline thread_local RobustThread g_robust_thread{};

/// Fills the cache on the thread's first use (out of line). Throws mp::OSError when the kernel
/// keeps no robust-futex list for the thread and will not take one.
RobustThread& robust_thread_init();

inline RobustThread& robust_thread() {
  RobustThread& t = g_robust_thread;
  if (t.tid == 0) [[unlikely]] {
    return robust_thread_init();
  }
  return t;
}

class RingLock {
 public:
  RingLock() noexcept = default;
  RingLock(const RingLock&) = delete;
  RingLock& operator=(const RingLock&) = delete;

  /// Takes the lock, waiting (spin, then futex sleep) until the deadline when block; a
  /// non-blocking call tries once. Returns false when the lock stayed busy.
  bool lock(bool block, const Deadline& deadline) {
    RobustThread& t = robust_thread();
    pend(t);
    std::uint32_t expected = 0;
    if (word_.compare_exchange_strong(expected, t.tid, std::memory_order_acquire,
                                      std::memory_order_relaxed)) [[likely]] {
      return true;
    }
    return lock_slow(t, block, deadline);
  }

  /// Releases the lock held by the calling thread. The exchange is sequentially consistent:
  /// it also orders the caller's earlier stores (the ring's published position) before its
  /// later loads (an EventCount's waiter count), as EventCount::notify() requires.
  void unlock() noexcept {
    RobustThread& t = g_robust_thread;  // filled by lock()
    const std::uint32_t old = word_.exchange(0, std::memory_order_seq_cst);
    if ((old & FUTEX_WAITERS) != 0) [[unlikely]] {
      wake_one();
    }
    unpend(t);
  }

  /// True when a live thread holds the lock (a snapshot).
  [[nodiscard]] bool locked() const noexcept {
    return (word_.load(std::memory_order_acquire) & FUTEX_TID_MASK) != 0;
  }

 private:
  // Points the thread's pending slot at this lock before the word can hold our id.
  void pend(RobustThread& t) noexcept {
    // The kernel's ABI: it finds the word at (pending entry + futex_offset).
    const auto word = reinterpret_cast<std::uintptr_t>(&word_);  // NOLINT
    const std::uintptr_t entry = word - static_cast<std::uintptr_t>(t.futex_offset);
    t.head->list_op_pending = reinterpret_cast<robust_list*>(entry);  // NOLINT
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  static void unpend(RobustThread& t) noexcept {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t.head->list_op_pending = nullptr;
  }
  bool lock_slow(RobustThread& t, bool block, const Deadline& deadline) noexcept;
  void wake_one() noexcept;

  // 0: free; else the owner's thread id, | FUTEX_WAITERS when some thread sleeps on it.
  // FUTEX_OWNER_DIED (set by the kernel, id cleared) also means free.
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace concur::detail
