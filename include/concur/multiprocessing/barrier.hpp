// concur/multiprocessing/barrier.hpp - multiprocessing.Barrier: N processes (or threads in
// them) wait until all N arrive. Same rules as threading.Barrier: wait() returns a distinct
// index in [0, parties); the action runs in the last arrival; a timeout, abort() or a failing
// action breaks it (BrokenBarrierError for everyone until reset()).
//   concur::mp::Barrier start_line(3);          // create before starting the children
//   each child: start_line.wait();               // all three go together
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "concur/detail/barrier_core.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/condition.hpp"

namespace concur::mp {

using threading::BrokenBarrierError;

class Barrier {
 public:
  /// Python: Barrier(parties, action=None, timeout=None). ValueError when parties < 1.
  explicit Barrier(std::int64_t parties, std::function<void()> action = {}, Timeout timeout = {})
      : action_(std::move(action)), timeout_(timeout), fields_(0) {
    if (parties < 1) throw ValueError("parties must be >= 1");
    fields_->parties = parties;
  }

  /// Waits for every party; uses the constructor's timeout when none is given.
  std::int64_t wait(std::optional<Timeout> timeout = std::nullopt) {
    return core().wait(action_, timeout.value_or(timeout_));
  }
  /// Back to the initial state; current waiters get BrokenBarrierError.
  void reset() { core().reset(); }
  /// Breaks the barrier: current and future waiters get BrokenBarrierError.
  void abort() { core().abort(); }
  [[nodiscard]] std::int64_t parties() const noexcept { return fields_->parties; }
  /// Parties currently waiting.
  [[nodiscard]] std::int64_t n_waiting() { return core().n_waiting(); }
  [[nodiscard]] bool broken() { return core().broken(); }

 private:
  concur::detail::BarrierCore<Condition> core() { return {cond_, *fields_}; }

  Condition cond_{Lock{}};
  std::function<void()> action_;
  Timeout timeout_;
  concur::detail::SharedObject<concur::detail::BarrierFields> fields_;
};

}  // namespace concur::mp
