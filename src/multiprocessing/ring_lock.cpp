#include "concur/detail/ring_lock.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "concur/detail/errno_text.hpp"
#include "concur/detail/futex.hpp"
#include "concur/multiprocessing/errors.hpp"

namespace concur::detail {

namespace {

// The list head of a thread for which the C library registered none (glibc always does).
thread_local robust_list_head t_own_head{};

// A fork()ed child is a new thread: another id (the list head stays where it was, and glibc
// empties it). Only the forking thread lives on in the child.
void forget_after_fork() noexcept {
  g_robust_thread = RobustThread{};
}

bool is_free(std::uint32_t word) noexcept {
  return (word & FUTEX_TID_MASK) == 0;
}

// Takes a free word (no id: released, or FUTEX_OWNER_DIED) for tid. A thread that slept on
// the word marks it FUTEX_WAITERS (others may sleep on it too); otherwise the mark is kept.
bool take_if_free(std::atomic<std::uint32_t>& word, std::uint32_t tid, bool slept) noexcept {
  std::uint32_t v = word.load(std::memory_order_relaxed);
  return is_free(v) &&
         word.compare_exchange_strong(v, tid | (slept ? FUTEX_WAITERS : (v & FUTEX_WAITERS)),
                                      std::memory_order_acquire, std::memory_order_relaxed);
}

}  // namespace

RobustThread& robust_thread_init() {
  static const bool registered = [] {
    (void)pthread_atfork(nullptr, nullptr, &forget_after_fork);
    return true;
  }();
  (void)registered;
  robust_list_head* head = nullptr;
  std::size_t len = 0;
  if (syscall(SYS_get_robust_list, 0, &head, &len) != 0 || head == nullptr) {
    t_own_head.list.next = &t_own_head.list;
    t_own_head.futex_offset = 0;
    t_own_head.list_op_pending = nullptr;
    if (syscall(SYS_set_robust_list, &t_own_head, sizeof t_own_head) != 0) {
      throw mp::OSError("set_robust_list: " + errno_text(errno));
    }
    head = &t_own_head;
  }
  RobustThread& t = g_robust_thread;
  t.head = head;
  t.futex_offset = head->futex_offset;
  t.tid = static_cast<std::uint32_t>(syscall(SYS_gettid));
  return t;
}

bool RingLock::lock_slow(RobustThread& t, bool block, const Deadline& deadline) noexcept {
  // A word whose owner died (FUTEX_OWNER_DIED, id cleared) is free: take it, keeping
  // FUTEX_WAITERS for the others asleep on it.
  if (!block) {
    if (take_if_free(word_, t.tid, false)) return true;
    unpend(t);
    return false;
  }
  // A holder in another process usually lets go within a microsecond: spin first.
  if (spin_until([&] { return take_if_free(word_, t.tid, false); })) return true;
  // Then sleep with FUTEX_WAITERS set, so that unlock() (or the kernel, when the holder
  // dies) wakes one sleeper. A thread that slept takes the lock with FUTEX_WAITERS still set:
  // others may sleep on it too.
  for (;;) {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    if (is_free(v)) {
      if (word_.compare_exchange_strong(v, t.tid | FUTEX_WAITERS, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if ((v & FUTEX_WAITERS) == 0) {
      if (!word_.compare_exchange_strong(v, v | FUTEX_WAITERS, std::memory_order_relaxed,
                                         std::memory_order_relaxed)) {
        continue;
      }
      v |= FUTEX_WAITERS;
    }
    if (!futex_wait(word_, v, deadline, Scope::shared)) {
      if (take_if_free(word_, t.tid, true)) return true;
      unpend(t);
      return false;
    }
  }
}

void RingLock::wake_one() noexcept {
  (void)futex_wake(word_, 1, Scope::shared);
}

}  // namespace concur::detail
