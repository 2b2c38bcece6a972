// concur/detail/future_state.hpp - the shared state behind futures::Future<T>.
//
// One status word (also the futex every waiter parks on), a lock for callbacks and
// watchers, and the result. Completion stores the final status, wakes the parked waiters,
// tells the watchers (wait / as_completed) under the lock, then runs the callbacks.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "concur/detail/deadline.hpp"
#include "concur/threading/lock.hpp"

namespace concur::detail {

enum class FutureStatus : std::uint32_t {
  pending,
  running,
  cancelled,
  cancelled_and_notified,
  finished
};

class FutureCore;

/// Told (under the future's lock, so it must be quick and must not throw) when a future it
/// watches completes.
class FutureWatcher {
 public:
  virtual void on_done(FutureCore* future) noexcept = 0;

 protected:
  ~FutureWatcher() = default;
};

class FutureCore {
 public:
  FutureCore() = default;
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;
  virtual ~FutureCore() = default;

  /// Executors call this to run a submitted task (plain futures have nothing to run).
  virtual void run() {}

  [[nodiscard]] FutureStatus status() const noexcept {
    return static_cast<FutureStatus>(status_.load(std::memory_order_acquire) & ~kWaiterBit);
  }
  [[nodiscard]] bool done() const noexcept {
    const FutureStatus s = status();
    return s != FutureStatus::pending && s != FutureStatus::running;
  }
  [[nodiscard]] bool cancelled() const noexcept {
    const FutureStatus s = status();
    return s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified;
  }

  bool cancel();
  bool set_running_or_notify_cancel();
  /// Parks until done or the deadline; returns done().
  bool wait(const Deadline& deadline) const noexcept;

  /// Registers a watcher; returns false (and does not register) if already done.
  bool add_watcher(FutureWatcher* w);
  void remove_watcher(FutureWatcher* w);

  [[nodiscard]] std::exception_ptr stored_exception() const noexcept { return error_; }

  void add_done_callback_erased(std::function<void()> cb) { add_callback(std::move(cb)); }
  void set_exception_erased(std::exception_ptr e) {
    finish([&] { error_ = std::move(e); });
  }

 protected:
  /// Runs store() under the lock and completes with finished; throws InvalidStateError
  /// when already done.
  template <class Store>
  void finish(Store&& store) {
    Completion completion;
    {
      std::lock_guard g(lock_);
      throw_if_done_locked();
      store();
      completion = complete_locked(FutureStatus::finished);
    }
    after_complete(std::move(completion));
  }
  void add_callback(std::function<void()> cb);

 private:
  struct Completion {
    std::vector<std::function<void()>> callbacks;
    bool had_waiters = false;
  };
  void throw_if_done_locked() const;
  void set_status_locked(FutureStatus s) noexcept;
  Completion complete_locked(FutureStatus final_status);
  void after_complete(Completion completion) noexcept;

  // Status in the low bits; kWaiterBit is set by a thread about to sleep in the kernel, so
  // completion only pays for a futex wake when someone is actually asleep.
  static constexpr std::uint32_t kWaiterBit = std::uint32_t{1} << 31;
  mutable std::atomic<std::uint32_t> status_{static_cast<std::uint32_t>(FutureStatus::pending)};
  mutable threading::Lock lock_;
  std::exception_ptr error_;
  std::vector<std::function<void()>> callbacks_;
  std::vector<FutureWatcher*> watchers_;
};

template <class T>
class FutureState : public FutureCore {
 public:
  template <class U>
  void set_value(U&& v) {
    finish([&] { value_.emplace(std::forward<U>(v)); });
  }
  const T& value() const noexcept { return *value_; }
  T& value() noexcept { return *value_; }

 private:
  std::optional<T> value_;
};

template <>
class FutureState<void> : public FutureCore {
 public:
  void set_value() {
    finish([] {});
  }
};

/// Reports an exception that escaped a done-callback on stderr (Python logs it).
void report_callback_exception() noexcept;

}  // namespace concur::detail
