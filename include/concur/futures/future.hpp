// concur/futures/future.hpp - concurrent.futures.Future: the one result type of concur.
//
// A copyable handle to a shared state; thread pools, process pools, the event loop and the
// Redis executor all hand out Future<T>. Waiting parks on a futex.
//   concur::futures::Future<int> f = pool.submit(square, 7);
//   int v = f.result();                  // rethrows the task's exception
//   f.add_done_callback([](concur::futures::Future<int> done) { use(done.result()); });
//   if (!f.done()) f.cancel();           // only before it runs
#pragma once

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "concur/detail/future_state.hpp"
#include "concur/errors.hpp"
#include "concur/futures/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::futures {

template <class T>
class Future {
 public:
  using value_type = T;

  /// A new pending future (Python: Future()); complete it with set_result()/set_exception().
  Future() : state_(std::make_shared<concur::detail::FutureState<T>>()) {}
  explicit Future(std::shared_ptr<concur::detail::FutureState<T>> state)
      : state_(std::move(state)) {}

  /// Waits for the result: returns it, rethrows the task's exception, throws CancelledError
  /// if cancelled or TimeoutError when the timeout passes first.
  decltype(auto) result(Timeout timeout = {}) const {
    wait_done(timeout);
    if (const std::exception_ptr e = state_->stored_exception()) std::rethrow_exception(e);
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      return static_cast<const T&>(state_->value());
    }
  }

  /// Waits like result(); returns the task's exception (null when it succeeded).
  std::exception_ptr exception(Timeout timeout = {}) const {
    wait_done(timeout);
    return state_->stored_exception();
  }

  [[nodiscard]] bool done() const noexcept { return state_->done(); }
  [[nodiscard]] bool running() const noexcept {
    return state_->status() == concur::detail::FutureStatus::running;
  }
  [[nodiscard]] bool cancelled() const noexcept { return state_->cancelled(); }

  /// Cancels the call if it has not started; returns whether the future is cancelled.
  bool cancel() const { return state_->cancel(); }

  /// Calls fn(future) when the future completes or is cancelled, in the completing thread;
  /// at once (in this thread) if it is already done. An exception escaping fn is reported on
  /// stderr and does not stop the other callbacks.
  template <class Fn>
  requires std::invocable<Fn&, Future<T>>
  void add_done_callback(Fn fn) const {
    // A weak handle: a pending future dropped with callbacks registered frees its state (and
    // the callbacks) instead of keeping itself alive. Whoever completes it holds a handle.
    state_->add_done_callback_erased([fn = std::move(fn), weak = std::weak_ptr(state_)]() mutable {
      if (auto state = weak.lock()) fn(Future<T>(std::move(state)));
    });
  }

  // For executor implementers (Python exposes the same).
  template <class U = T>
  requires(!std::is_void_v<T>) void set_result(U&& value) const {
    state_->set_value(std::forward<U>(value));
  }
  void set_result() const requires std::is_void_v<T> { state_->set_value(); }
  void set_exception(std::exception_ptr e) const { state_->set_exception_erased(std::move(e)); }
  bool set_running_or_notify_cancel() const { return state_->set_running_or_notify_cancel(); }

  /// Blocks until done or the timeout; returns done() (no exception).
  bool wait(Timeout timeout = {}) const { return state_->wait(concur::detail::Deadline(timeout)); }

  [[nodiscard]] concur::detail::FutureCore* core() const noexcept { return state_.get(); }
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.state_ == b.state_; }

 private:
  void wait_done(const Timeout& timeout) const {
    if (!state_->wait(concur::detail::Deadline(timeout))) throw TimeoutError("future timed out");
    if (state_->cancelled()) throw CancelledError("future was cancelled");
  }

  std::shared_ptr<concur::detail::FutureState<T>> state_;
};

}  // namespace concur::futures
