// concur/detail/barrier_core.hpp - the Barrier algorithm of CPython's Lib/threading.py (a
// filling phase, a draining phase while the released parties leave, resetting and broken
// states), written once for threading::Barrier (a threading::Condition) and mp::Barrier (an
// mp::Condition over fields in shared memory).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "concur/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::threading {

/// Raised by Barrier.wait() when the barrier is, or becomes, broken.
class BrokenBarrierError : public RuntimeError {
 public:
  BrokenBarrierError() : RuntimeError("barrier is broken") {}
};

}  // namespace concur::threading

namespace concur::detail {

/// A barrier's state; trivially copyable so that it can live in shared memory.
struct BarrierFields {
  enum class State : std::uint8_t { filling, draining, resetting, broken };
  std::int64_t parties = 1;
  std::int64_t count = 0;
  State state = State::filling;
};

/// The algorithm over fields guarded by cond (any Condition with wait/wait_for/notify_all).
template <class Cond>
class BarrierCore {
  using State = BarrierFields::State;

 public:
  BarrierCore(Cond& cond, BarrierFields& f) : cond_(cond), f_(f) {}

  std::int64_t wait(const std::function<void()>& action, Timeout timeout) {
    std::unique_lock g(cond_);
    enter();  // blocks while a previous cycle drains or resets
    const std::int64_t index = f_.count;
    ++f_.count;
    try {
      if (index + 1 == f_.parties) {
        release(action);  // the last arrival runs the action and wakes the others
      } else {
        wait_for_release(timeout);
      }
      --f_.count;
      exit();
      return index;
    } catch (...) {
      --f_.count;
      exit();
      throw;
    }
  }

  void reset() {
    std::lock_guard g(cond_);
    if (f_.count > 0) {
      if (f_.state == State::filling || f_.state == State::broken) f_.state = State::resetting;
    } else {
      f_.state = State::filling;
    }
    cond_.notify_all();
  }

  void abort() {
    std::lock_guard g(cond_);
    break_barrier();
  }

  std::int64_t n_waiting() {
    std::lock_guard g(cond_);
    return f_.state == State::filling ? f_.count : 0;
  }

  bool broken() {
    std::lock_guard g(cond_);
    return f_.state == State::broken;
  }

 private:
  void enter() {
    while (f_.state == State::draining || f_.state == State::resetting) cond_.wait();
    if (f_.state == State::broken) throw threading::BrokenBarrierError();
  }

  void release(const std::function<void()>& action) {
    try {
      if (action) action();
      f_.state = State::draining;
      cond_.notify_all();
    } catch (...) {
      break_barrier();
      throw;
    }
  }

  void wait_for_release(const Timeout& timeout) {
    if (!cond_.wait_for([this] { return f_.state != State::filling; }, timeout)) {
      break_barrier();
      throw threading::BrokenBarrierError();
    }
    if (f_.state == State::broken || f_.state == State::resetting) {
      throw threading::BrokenBarrierError();
    }
  }

  void exit() {
    if (f_.count == 0 && (f_.state == State::resetting || f_.state == State::draining)) {
      f_.state = State::filling;
      cond_.notify_all();
    }
  }

  void break_barrier() {
    f_.state = State::broken;
    cond_.notify_all();
  }

  Cond& cond_;
  BarrierFields& f_;
};

}  // namespace concur::detail
