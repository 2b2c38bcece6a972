#include "concur/detail/future_state.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>

#include "concur/detail/exception_text.hpp"
#include "concur/futures/errors.hpp"

namespace concur::detail {

namespace {
constexpr auto as_word(FutureStatus s) noexcept {
  return static_cast<std::uint32_t>(s);
}
}  // namespace

bool FutureCore::cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard g(lock_);
    const FutureStatus s = status();
    if (s == FutureStatus::running || s == FutureStatus::finished) return false;
    if (s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified) return true;
    callbacks = complete_locked(FutureStatus::cancelled);
  }
  after_complete(std::move(callbacks));
  return true;
}

bool FutureCore::set_running_or_notify_cancel() {
  std::lock_guard g(lock_);
  const FutureStatus s = status();
  if (s == FutureStatus::cancelled) {
    status_.store(as_word(FutureStatus::cancelled_and_notified), std::memory_order_release);
    return false;
  }
  if (s != FutureStatus::pending) {
    throw futures::InvalidStateError("future in unexpected state");
  }
  status_.store(as_word(FutureStatus::running), std::memory_order_release);
  return true;
}

bool FutureCore::wait(const Deadline& deadline) const noexcept {
  for (;;) {
    const std::uint32_t s = status_.load(std::memory_order_acquire);
    if (s != as_word(FutureStatus::pending) && s != as_word(FutureStatus::running)) return true;
    if (!park(status_, s, deadline)) return done();
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

std::vector<std::function<void()>> FutureCore::complete_locked(FutureStatus final_status) {
  status_.store(as_word(final_status), std::memory_order_release);
  for (FutureWatcher* w : watchers_) w->on_done(this);
  watchers_.clear();
  return std::move(callbacks_);
}

void FutureCore::after_complete(std::vector<std::function<void()>> callbacks) noexcept {
  futex_wake(status_, INT_MAX);
  for (auto& cb : callbacks) {
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
