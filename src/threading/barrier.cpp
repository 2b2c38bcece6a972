// Barrier follows CPython's algorithm (Lib/threading.py): a filling phase, a draining
// phase while the released threads leave, and resetting/broken states.
#include "concur/threading/barrier.hpp"

#include <mutex>

namespace concur::threading {

Barrier::Barrier(std::int64_t parties, std::function<void()> action, Timeout timeout)
    : action_(std::move(action)), timeout_(timeout), parties_(parties) {
  if (parties < 1) throw ValueError("parties must be >= 1");
}

Barrier::~Barrier() = default;

std::int64_t Barrier::wait(std::optional<Timeout> timeout) {
  const Timeout t = timeout.value_or(timeout_);
  std::unique_lock g(cond_);
  enter();  // blocks while a previous cycle drains or resets
  const std::int64_t index = count_;
  ++count_;
  try {
    if (index + 1 == parties_) {
      release();  // the last arrival runs the action and wakes the others
    } else {
      wait_for_release(t);
    }
    --count_;
    exit();
    return index;
  } catch (...) {
    --count_;
    exit();
    throw;
  }
}

void Barrier::enter() {
  while (state_ == State::draining || state_ == State::resetting) cond_.wait();
  if (state_ == State::broken) throw BrokenBarrierError();
}

void Barrier::release() {
  try {
    if (action_) action_();
    state_ = State::draining;
    cond_.notify_all();
  } catch (...) {
    break_barrier();
    throw;
  }
}

void Barrier::wait_for_release(const Timeout& timeout) {
  if (!cond_.wait_for([this] { return state_ != State::filling; }, timeout)) {
    break_barrier();
    throw BrokenBarrierError();
  }
  if (state_ == State::broken || state_ == State::resetting) throw BrokenBarrierError();
}

void Barrier::exit() {
  if (count_ == 0 && (state_ == State::resetting || state_ == State::draining)) {
    state_ = State::filling;
    cond_.notify_all();
  }
}

void Barrier::reset() {
  std::lock_guard g(cond_);
  if (count_ > 0) {
    if (state_ == State::filling || state_ == State::broken) state_ = State::resetting;
  } else {
    state_ = State::filling;
  }
  cond_.notify_all();
}

void Barrier::abort() {
  std::lock_guard g(cond_);
  break_barrier();
}

void Barrier::break_barrier() {
  state_ = State::broken;
  cond_.notify_all();
}

std::int64_t Barrier::n_waiting() {
  std::lock_guard g(cond_);
  return state_ == State::filling ? count_ : 0;
}

bool Barrier::broken() {
  std::lock_guard g(cond_);
  return state_ == State::broken;
}

}  // namespace concur::threading
