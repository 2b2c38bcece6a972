// concur/asyncio/barrier.hpp - asyncio.Barrier (Python 3.11): parties tasks meet, then all go.
//   asyncio::Barrier b(3);   ...   std::size_t index = co_await b.wait();
#pragma once

#include <cstddef>
#include <cstdint>

#include "concur/asyncio/condition.hpp"
#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/task.hpp"

namespace concur::asyncio {

class Barrier {
 public:
  /// ValueError when parties < 1.
  explicit Barrier(std::size_t parties) : parties_(parties) {
    if (parties < 1) throw ValueError("parties must be > 0");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Waits until parties() tasks are waiting; returns this task's arrival index (0 ..
  /// parties-1). BrokenBarrierError when the barrier is aborted or reset meanwhile.
  Task<std::size_t> wait() {
    auto held = co_await cond_.scoped();
    co_await cond_.wait_for(
        [this] { return state_ != State::draining && state_ != State::resetting; });
    if (state_ == State::broken) throw BrokenBarrierError("Barrier aborted");
    const std::size_t index = count_++;
    std::exception_ptr error;
    try {
      if (index + 1 == parties_) {
        state_ = State::draining;  // we release the others
        cond_.notify_all();
      } else {
        co_await cond_.wait_for([this] { return state_ != State::filling; });
        if (state_ == State::broken || state_ == State::resetting) {
          throw BrokenBarrierError("Abort or reset of barrier");
        }
      }
    } catch (...) {
      error = std::current_exception();
    }
    --count_;
    if (count_ == 0) {  // the last one out lets the next round fill
      if (state_ == State::resetting || state_ == State::draining) state_ = State::filling;
      cond_.notify_all();
    }
    if (error) std::rethrow_exception(error);
    co_return index;
  }

  /// Back to the empty state; tasks waiting now get BrokenBarrierError.
  Task<void> reset() {
    auto held = co_await cond_.scoped();
    state_ = count_ > 0 ? State::resetting : State::filling;
    cond_.notify_all();
  }
  /// Breaks the barrier: waiting and future wait() calls get BrokenBarrierError.
  Task<void> abort() {
    auto held = co_await cond_.scoped();
    state_ = State::broken;
    cond_.notify_all();
  }

  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  [[nodiscard]] std::size_t n_waiting() const noexcept {
    return state_ == State::filling ? count_ : 0;
  }
  [[nodiscard]] bool broken() const noexcept { return state_ == State::broken; }

 private:
  enum class State : std::uint8_t { filling, draining, resetting, broken };
  Condition cond_;
  std::size_t parties_;
  std::size_t count_ = 0;
  State state_ = State::filling;
};

}  // namespace concur::asyncio
