// concur/threading/semaphore.hpp - threading.Semaphore and threading.BoundedSemaphore.
//
// A counter: acquire() takes one (blocking while it is 0), release(n) gives n back.
// BoundedSemaphore refuses to grow past its initial value (ValueError), catching bugs.
//   concur::threading::BoundedSemaphore slots(5);      // at most 5 threads inside
//   { std::lock_guard g(slots); download(); }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "concur/detail/futex.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/errors.hpp"

namespace concur::threading {

class Semaphore {
 public:
  /// Python: Semaphore(value=1). Throws ValueError for a negative value.
  explicit Semaphore(std::int64_t value = 1) : value_(checked(value)) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  /// Takes one unit; returns false on timeout or when non-blocking and none is free.
  bool acquire(bool blocking = true, Timeout timeout = {}) {
    detail::check_blocking_timeout(blocking, timeout);
    if (try_take()) return true;
    if (!blocking) return false;
    return acquire_slow(detail::Deadline(timeout));
  }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }

  /// Gives back n units (Python: release(n=1)); ValueError when n < 1.
  virtual void release(std::uint32_t n = 1) {
    if (n < 1) throw ValueError("n must be one or more");
    std::uint32_t cur = value_.load(std::memory_order_relaxed);
    do {
      if (cur > UINT32_MAX - n) throw ValueError("semaphore value overflow");
    } while (!value_.compare_exchange_weak(cur, cur + n, std::memory_order_release,
                                           std::memory_order_relaxed));
    wake(n);
  }

  /// The current counter (a snapshot).
  [[nodiscard]] std::uint32_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return try_take(); }

 protected:
  static std::uint32_t checked(std::int64_t v) {
    if (v < 0) throw ValueError("semaphore initial value must be >= 0");
    if (v > UINT32_MAX) throw ValueError("semaphore initial value too large");
    return static_cast<std::uint32_t>(v);
  }
  void wake(std::uint32_t n) noexcept {
    if (waiters_.load(std::memory_order_seq_cst) != 0) {
      detail::futex_wake(value_, n > INT32_MAX ? INT32_MAX : static_cast<int>(n));
    }
  }
  std::atomic<std::uint32_t> value_;

 private:
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
  bool acquire_slow(const detail::Deadline& deadline) noexcept {
    if (detail::spin_until([this] { return try_take(); })) return true;
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    bool ok = true;
    while (!try_take()) {
      if (!detail::futex_wait(value_, 0, deadline)) {
        ok = try_take();
        break;
      }
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return ok;
  }

  std::atomic<std::uint32_t> waiters_{0};
};

class BoundedSemaphore : public Semaphore {
 public:
  /// Python: BoundedSemaphore(value=1).
  explicit BoundedSemaphore(std::int64_t value = 1)
      : Semaphore(value), bound_(static_cast<std::uint32_t>(value)) {}

  /// Throws ValueError("Semaphore released too many times") past the initial value.
  void release(std::uint32_t n = 1) override {
    if (n < 1) throw ValueError("n must be one or more");
    std::uint32_t cur = value_.load(std::memory_order_relaxed);
    do {
      if (n > bound_ || cur > bound_ - n) throw ValueError("Semaphore released too many times");
    } while (!value_.compare_exchange_weak(cur, cur + n, std::memory_order_release,
                                           std::memory_order_relaxed));
    wake(n);
  }

 private:
  std::uint32_t bound_;
};

}  // namespace concur::threading
