// The futex-based park/unpark every blocking wait in concur goes through.
#include "concur/detail/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace concur::detail {

namespace {

std::uint32_t env_or(const char* name, std::uint32_t fallback) noexcept {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any tuning is used
  if (const char* env = std::getenv(name)) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (end != env && v <= 1'000'000) return static_cast<std::uint32_t>(v);
  }
  return fallback;
}

std::uint32_t compute_spin_limit() noexcept {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  // Spinning cannot help on one core: the thread we wait for needs it.
  return env_or("CONCUR_SPIN", cpus <= 1 ? 0 : 200);
}

int op_for(Scope scope, int op) noexcept {
  return scope == Scope::shared ? op : (op | FUTEX_PRIVATE_FLAG);
}

std::uint32_t* word_address(const std::atomic<std::uint32_t>& word) noexcept {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
  // The kernel only reads the word; the cast is how futex(2) takes its address.
  return const_cast<std::uint32_t*>(reinterpret_cast<const std::uint32_t*>(&word));  // NOLINT
}

}  // namespace

std::uint32_t yield_limit() noexcept {
  static const std::uint32_t limit = env_or("CONCUR_YIELD", 16);
  return limit;
}

std::uint32_t spin_limit() noexcept {
  static const std::uint32_t limit = compute_spin_limit();
  return limit;
}

bool futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline, Scope scope) noexcept {
  if (deadline.expired()) return word.load(std::memory_order_acquire) != expected;
  timespec abs{};
  const timespec* abs_ptr = nullptr;
  if (!deadline.is_never()) {
    abs = deadline.as_timespec();
    abs_ptr = &abs;
  }
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so retries never drift.
  const long rc = syscall(SYS_futex, word_address(word), op_for(scope, FUTEX_WAIT_BITSET), expected,
                          abs_ptr, nullptr, FUTEX_BITSET_MATCH_ANY);
  if (rc == -1 && errno == ETIMEDOUT) return false;
  return true;  // woken, value changed (EAGAIN), or interrupted (EINTR): caller re-checks
}

int futex_wake(const std::atomic<std::uint32_t>& word, int n, Scope scope) noexcept {
  const long rc =
      syscall(SYS_futex, word_address(word), op_for(scope, FUTEX_WAKE), n, nullptr, nullptr, 0);
  return rc < 0 ? 0 : static_cast<int>(rc);
}

}  // namespace concur::detail
