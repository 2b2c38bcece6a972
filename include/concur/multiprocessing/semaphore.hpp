// concur/multiprocessing/semaphore.hpp - multiprocessing.Semaphore / BoundedSemaphore in
// shared memory (a futex counter with Scope::shared).
//   concur::mp::BoundedSemaphore slots(3);   // at most 3 children in the section at once
//   { std::lock_guard g(slots); download(); }
#pragma once

#include <cstdint>

#include "concur/detail/semaphore_core.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

class Semaphore {
 public:
  /// Python: Semaphore(value=1); ValueError for a negative value.
  explicit Semaphore(std::int64_t value = 1) : Semaphore(value, false) {}
  /// Takes one unit; false on timeout or when non-blocking and none is free.
  bool acquire(bool blocking = true, Timeout timeout = {}) {
    return core_->acquire(blocking, timeout);
  }
  bool acquire(Timeout timeout) { return acquire(true, timeout); }
  /// Gives back n units (BoundedSemaphore: ValueError past the initial value).
  void release(std::uint32_t n = 1) { core_->release(n); }
  /// The counter (Python: get_value()).
  [[nodiscard]] std::uint32_t get_value() const noexcept { return core_->value(); }

  void lock() { (void)acquire(true); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }

 protected:
  Semaphore(std::int64_t value, bool bounded)
      : core_(0, value, bounded, concur::detail::Scope::shared) {}

 private:
  concur::detail::SharedObject<concur::detail::SemaphoreCore> core_;
};

class BoundedSemaphore : public Semaphore {
 public:
  /// Python: BoundedSemaphore(value=1).
  explicit BoundedSemaphore(std::int64_t value = 1) : Semaphore(value, true) {}
};

}  // namespace concur::mp
