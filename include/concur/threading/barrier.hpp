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

#include "concur/detail/barrier_core.hpp"
#include "concur/errors.hpp"
#include "concur/threading/condition.hpp"
#include "concur/threading/lock.hpp"

namespace concur::threading {

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

  [[nodiscard]] std::int64_t parties() const noexcept { return fields_.parties; }
  /// Threads currently waiting.
  [[nodiscard]] std::int64_t n_waiting();
  [[nodiscard]] bool broken();

 private:
  Lock lock_;
  Condition cond_{lock_};
  std::function<void()> action_;
  Timeout timeout_;
  detail::BarrierFields fields_;
  detail::BarrierCore<Condition> core_{cond_, fields_};
};

}  // namespace concur::threading
