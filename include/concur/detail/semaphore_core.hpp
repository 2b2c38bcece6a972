// concur/detail/semaphore_core.hpp - the counter behind threading:: and mp:: semaphores.
// Standard layout and address-free, so it can live in shared memory (Scope::shared).
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "concur/detail/futex.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/errors.hpp"

namespace concur::detail {

class SemaphoreCore {
 public:
  static constexpr std::uint32_t kUnbounded = UINT32_MAX;

  /// value >= 0 (ValueError otherwise); bound = kUnbounded or the BoundedSemaphore's limit.
  SemaphoreCore(std::int64_t value, bool bounded, Scope scope)
      : value_(checked(value)), bound_(bounded ? checked(value) : kUnbounded), scope_(scope) {}

  bool acquire(bool blocking, Timeout timeout) {
    check_blocking_timeout(blocking, timeout);
    if (try_take()) return true;
    if (!blocking) return false;
    return acquire_slow(Deadline(timeout));
  }

  void release(std::uint32_t n) {
    if (n < 1) throw ValueError("n must be one or more");
    std::uint32_t cur = value_.load(std::memory_order_relaxed);
    do {
      if (bound_ != kUnbounded && (n > bound_ || cur > bound_ - n)) {
        throw ValueError("Semaphore released too many times");
      }
      if (cur > UINT32_MAX - n) throw ValueError("semaphore value overflow");
    } while (!value_.compare_exchange_weak(cur, cur + n, std::memory_order_release,
                                           std::memory_order_relaxed));
    if (waiters_.load(std::memory_order_seq_cst) != 0) {
      futex_wake(value_, n > INT32_MAX ? INT32_MAX : static_cast<int>(n), scope_);
    }
  }

  bool try_take() noexcept {
    std::uint32_t cur = value_.load(std::memory_order_relaxed);
    while (cur != 0) {
      if (value_.compare_exchange_weak(cur, cur - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  [[nodiscard]] std::uint32_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  static std::uint32_t checked(std::int64_t v) {
    if (v < 0) throw ValueError("semaphore initial value must be >= 0");
    if (v >= static_cast<std::int64_t>(kUnbounded)) {
      throw ValueError("semaphore initial value too large");
    }
    return static_cast<std::uint32_t>(v);
  }

  bool acquire_slow(const Deadline& deadline) noexcept {
    if (spin_until([this] { return try_take(); })) return true;
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    bool ok = true;
    while (!try_take()) {
      if (!futex_wait(value_, 0, deadline, scope_)) {
        ok = try_take();
        break;
      }
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return ok;
  }

  std::atomic<std::uint32_t> value_;
  std::atomic<std::uint32_t> waiters_{0};
  std::uint32_t bound_;
  Scope scope_;
};

}  // namespace concur::detail
