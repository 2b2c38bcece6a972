#include "concur/detail/future_state.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>
#include <thread>

#include "concur/detail/exception_text.hpp"
#include "concur/futures/errors.hpp"

namespace concur::detail {

namespace {
constexpr auto as_word(FutureStatus s) noexcept {
  return static_cast<std::uint32_t>(s);
}
}  // namespace

bool FutureCore::cancel() {
  Completion completion;
  {
    std::lock_guard g(lock_);
    const FutureStatus s = status();
    if (s == FutureStatus::running || s == FutureStatus::finished) return false;
    if (s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified) return true;
    completion = complete_locked(FutureStatus::cancelled);
  }
  after_complete(std::move(completion));
  return true;
}

bool FutureCore::set_running_or_notify_cancel() {
  std::lock_guard g(lock_);
  const FutureStatus s = status();
  if (s == FutureStatus::cancelled) {
    set_status_locked(FutureStatus::cancelled_and_notified);
    return false;
  }
  if (s != FutureStatus::pending) {
    throw RuntimeError("Future in unexpected state");  // Python raises RuntimeError here
  }
  set_status_locked(FutureStatus::running);
  return true;
}

bool FutureCore::wait(const Deadline& deadline) const noexcept {
  if (done()) return true;
  // Yield rather than spin: the thread that completes this future is often the one just
  // woken, and the scheduler tends to place it on this very core.
  for (std::uint32_t i = 0; i < yield_limit(); ++i) {
    std::this_thread::yield();
    if (done()) return true;
  }
  for (;;) {
    std::uint32_t s = status_.load(std::memory_order_acquire);
    if (done()) return true;
    if ((s & kWaiterBit) == 0) {
      if (!status_.compare_exchange_weak(s, s | kWaiterBit, std::memory_order_acq_rel)) continue;
      s |= kWaiterBit;
    }
    if (!futex_wait(status_, s, deadline)) return done();
  }
}

void FutureCore::set_status_locked(FutureStatus next) noexcept {
  std::uint32_t cur = status_.load(std::memory_order_relaxed);
  while (!status_.compare_exchange_weak(cur, as_word(next) | (cur & kWaiterBit),
                                        std::memory_order_acq_rel)) {
  }
}

bool FutureCore::add_watcher(FutureWatcher* w) {
  std::lock_guard g(lock_);
  if (done()) return false;
  watchers_.push_back(w);
  return true;
}

void FutureCore::remove_watcher(FutureWatcher* w) {
  std::lock_guard g(lock_);
  std::erase(watchers_, w);
}

void FutureCore::add_callback(std::function<void()> cb) {
  {
    std::lock_guard g(lock_);
    if (!done()) {
      callbacks_.push_back(std::move(cb));
      return;
    }
  }
  try {
    cb();
  } catch (...) {
    report_callback_exception();
  }
}

void FutureCore::throw_if_done_locked() const {
  if (done()) throw futures::InvalidStateError("future is already done");
}

FutureCore::Completion FutureCore::complete_locked(FutureStatus final_status) {
  const std::uint32_t old = status_.exchange(as_word(final_status), std::memory_order_acq_rel);
  for (FutureWatcher* w : watchers_) w->on_done(this);
  watchers_.clear();
  return Completion{std::move(callbacks_), (old & kWaiterBit) != 0};
}

// By value: the callbacks (and what they captured) are released here, after they ran.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void FutureCore::after_complete(Completion completion) noexcept {
  if (completion.had_waiters) futex_wake(status_, INT_MAX);
  for (auto& cb : completion.callbacks) {
    try {
      cb();
    } catch (...) {
      report_callback_exception();
    }
  }
}

void report_callback_exception() noexcept {
  try {
    const std::string text =
        "exception calling callback for future: " + to_string(describe_current_exception()) + "\n";
    std::fputs(text.c_str(), stderr);
  } catch (...) {
    std::fputs("exception calling callback for future\n", stderr);
  }
}

}  // namespace concur::detail
