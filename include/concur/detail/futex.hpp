// concur/detail/futex.hpp - the one waiting primitive (DESIGN.md decision 1).
//
// park() blocks while a 32-bit word still holds an expected value, after a short bounded
// spin; unpark() wakes sleepers. The same calls work on a word in process-private memory
// and, with Scope::shared, on a word in shared memory.
#pragma once

#include <atomic>
#include <cstdint>

#include "concur/detail/deadline.hpp"

namespace concur::detail {

enum class Scope : std::uint8_t { process_private, shared };

/// One CPU relax instruction (PAUSE on x86, YIELD on ARM).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

/// How many relax iterations a waiter spins before it parks in the kernel (tunable through
/// the CONCUR_SPIN environment variable, read once; 0 disables spinning). Single-core
/// machines never spin.
std::uint32_t spin_limit() noexcept;

/// How many times a blocked queue operation yields the CPU before it parks (CONCUR_YIELD).
std::uint32_t yield_limit() noexcept;

/// Kernel wait: sleeps while word == expected, until woken or the deadline passes.
/// Returns false only on timeout; spurious returns are possible (callers re-check).
bool futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline, Scope scope = Scope::process_private) noexcept;

/// Wakes up to n sleepers of word (n = INT32_MAX for all). Returns how many woke.
int futex_wake(const std::atomic<std::uint32_t>& word, int n,
               Scope scope = Scope::process_private) noexcept;

/// Spin briefly, then park, while word == expected. Returns false only on timeout
/// (the word may still be unchanged after a true return: callers re-check their condition).
inline bool park(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                 const Deadline& deadline, Scope scope = Scope::process_private) noexcept {
  const std::uint32_t limit = spin_limit();
  for (std::uint32_t i = 0; i < limit; ++i) {
    if (word.load(std::memory_order_acquire) != expected) return true;
    cpu_relax();
  }
  return futex_wait(word, expected, deadline, scope);
}

/// Spin up to spin_limit() iterations until pred() is true; returns pred()'s final value.
template <class Pred>
inline bool spin_until(Pred&& pred) noexcept(noexcept(pred())) {
  const std::uint32_t limit = spin_limit();
  for (std::uint32_t i = 0; i < limit; ++i) {
    if (pred()) return true;
    cpu_relax();
  }
  return pred();
}

}  // namespace concur::detail
