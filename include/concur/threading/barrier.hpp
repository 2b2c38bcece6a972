// concur/threading/barrier.hpp - threading.Barrier: N threads wait until all N arrive.
//
// wait() returns a distinct index in [0, parties); the optional action runs in one thread
// before the others are released. A timeout, abort() or a failing action breaks the
// barrier: every waiter, present and future, gets BrokenBarrierError until reset().
//   concur::threading::Barrier start_line(3);
//   worker: start_line.wait();   // all three go together
#pragma once

#include <cstdint>
#include <functional>

#include "concur/errors.hpp"
#include "concur/threading/condition.hpp"
#include "concur/threading/lock.hpp"

namespace concur::threading {

/// Raised by Barrier.wait() when the barrier is, or becomes, broken.
class BrokenBarrierError : public RuntimeError {
 public:
  BrokenBarrierError() : RuntimeError("barrier is broken") {}
};

class Barrier {
 public:
  /// Python: Barrier(parties, action=None, timeout=None). ValueError when parties < 1.
  explicit Barrier(std::int64_t parties, std::function<void()> action = {}, Timeout timeout = {});
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  ~Barrier();

  /// Waits for every party; uses the constructor's timeout when none is given.
  std::int64_t wait(std::optional<Timeout> timeout = std::nullopt);
  /// Returns the barrier to its initial state; current waiters get BrokenBarrierError.
  void reset();
  /// Breaks the barrier: current and future waiters get BrokenBarrierError.
  void abort();

  [[nodiscard]] std::int64_t parties() const noexcept { return parties_; }
  /// Threads currently waiting.
  [[nodiscard]] std::int64_t n_waiting();
  [[nodiscard]] bool broken();

 private:
  enum class State : std::uint8_t { filling, draining, resetting, broken };
  void enter();
  void release();
  void wait_for_release(const Timeout& timeout);
  void break_barrier();
  void exit();

  Lock lock_;
  Condition cond_{lock_};
  std::function<void()> action_;
  Timeout timeout_;
  std::int64_t parties_;
  State state_ = State::filling;
  std::int64_t count_ = 0;
};

}  // namespace concur::threading
