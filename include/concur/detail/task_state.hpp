// concur/detail/task_state.hpp - a submitted call and its future in one allocation.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concur/detail/future_state.hpp"

namespace concur::detail {

template <class R, class Fn>
class TaskState final : public FutureState<R> {
 public:
  explicit TaskState(Fn fn) : fn_(std::move(fn)) {}

  /// Runs the call unless the future was cancelled; stores its result or exception.
  void run() override {
    if (!this->set_running_or_notify_cancel()) {
      fn_.reset();
      return;
    }
    try {
      if constexpr (std::is_void_v<R>) {
        (*fn_)();
        fn_.reset();  // drop captured arguments before waking the waiters, as Python does
        this->set_value();
      } else {
        R value = (*fn_)();
        fn_.reset();
        this->set_value(std::move(value));
      }
    } catch (...) {
      fn_.reset();
      this->set_exception_erased(std::current_exception());
    }
  }

 private:
  std::optional<Fn> fn_;
};

/// Packs f(args...) (arguments decayed and copied) into a nullary callable.
template <class F, class... Args>
auto bind_call(F&& f, Args&&... args) {
  return [fn = std::forward<F>(f),
          tup = std::make_tuple(std::forward<Args>(args)...)]() mutable -> decltype(auto) {
    return std::apply(fn, tup);
  };
}

}  // namespace concur::detail
