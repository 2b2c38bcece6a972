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

#include "concur/detail/semaphore_core.hpp"

namespace concur::threading {

class Semaphore {
 public:
  /// Python: Semaphore(value=1). Throws ValueError for a negative value.
  explicit Semaphore(std::int64_t value = 1)
      : core_(value, false, detail::Scope::process_private) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  /// Takes one unit; returns false on timeout or when non-blocking and none is free.
  bool acquire(bool blocking = true, Timeout timeout = {}) {
    return core_.acquire(blocking, timeout);
  }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }
  /// Gives back n units (Python: release(n=1)); ValueError when n < 1.
  void release(std::uint32_t n = 1) { core_.release(n); }
  /// The current counter (a snapshot).
  [[nodiscard]] std::uint32_t value() const noexcept { return core_.value(); }

  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return core_.try_take(); }

 protected:
  Semaphore(std::int64_t value, bool bounded)
      : core_(value, bounded, detail::Scope::process_private) {}

 private:
  detail::SemaphoreCore core_;
};

class BoundedSemaphore : public Semaphore {
 public:
  /// Python: BoundedSemaphore(value=1). release() past the initial value throws
  /// ValueError("Semaphore released too many times").
  explicit BoundedSemaphore(std::int64_t value = 1) : Semaphore(value, true) {}
};

}  // namespace concur::threading
