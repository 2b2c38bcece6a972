// concur/asyncio/gather.hpp - asyncio.gather: run tasks concurrently, collect results in order.
//
// Coroutines are scheduled as tasks. The first error (in completion order) is raised and the
// other tasks keep running, as in Python; with return_exceptions every outcome comes back.
// Cancelling the gather cancels every task.
//   std::vector<asyncio::Task<int>> jobs;  for (...) jobs.push_back(fetch(url));
//   std::vector<int> sizes = co_await asyncio::gather(std::move(jobs));
//   auto [a, b] = co_await asyncio::gather(fetch(x), parse(y));   // tuple; void -> monostate
//   auto all = co_await asyncio::gather(std::move(jobs), asyncio::return_exceptions);
#pragma once

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "concur/asyncio/task.hpp"
#include "concur/detail/async_wait_set.hpp"

namespace concur::asyncio {

/// One result of gather(..., return_exceptions): a value or the exception the task ended with.
template <class T>
class Outcome {
 public:
  using value_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  explicit Outcome(value_type v) : v_(std::in_place_index<0>, std::move(v)) {}
  explicit Outcome(std::exception_ptr e) : v_(std::in_place_index<1>, std::move(e)) {}
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  /// The value; rethrows the exception when there is none.
  value_type& value() {
    if (!ok()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  /// The exception (nullptr when ok()).
  [[nodiscard]] std::exception_ptr error() const noexcept {
    return ok() ? nullptr : std::get<1>(v_);
  }

 private:
  std::variant<value_type, std::exception_ptr> v_;
};

/// Tag for gather(tasks, return_exceptions).
struct ReturnExceptions {};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

template <class T>
std::vector<TaskBase*> bases(const std::vector<Task<T>>& tasks) {
  std::vector<TaskBase*> out;
  out.reserve(tasks.size());
  for (const auto& t : tasks) out.push_back(t.promise());
  return out;
}

/// Marks later failures of tasks gather stopped waiting for as retrieved (Python does too).
template <class T>
void retrieve_later(Task<T>& t) {
  if (!t.done()) {
    t.add_done_callback([](Task<T> done) {
      if (!done.cancelled()) (void)done.exception();
    });
  } else if (!t.cancelled()) {
    (void)t.exception();
  }
}

template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
GatherValue<T> value_of(Task<T>& t) {
  if constexpr (std::is_void_v<T>) {
    t.result();
    return {};
  } else {
    return t.result();
  }
}

}  // namespace detail

/// Results in the order of `tasks`; rethrows the first error. void tasks give a count-sized
/// vector of std::monostate (use the void overload's Task<void> to ignore them).
template <class T>
Task<std::vector<detail::GatherValue<T>>> gather(std::vector<Task<T>> tasks) {
  for (auto& t : tasks) t = detail::ensure_task(std::move(t));
  detail::WaitSet wait(detail::bases(tasks), detail::WaitSet::When::first_exception,
                       detail::WaitSet::kNoDeadline, /*cancel_tasks=*/true);
  co_await detail::await_ref(wait);
  if (detail::TaskBase* failed = wait.first_error()) {
    for (auto& t : tasks) detail::retrieve_later(t);
    failed->rethrow_outcome();
  }
  std::vector<detail::GatherValue<T>> out;
  out.reserve(tasks.size());
  for (auto& t : tasks) out.push_back(detail::value_of(t));
  co_return out;
}

/// Every outcome in order, errors and cancellations included (return_exceptions=True).
template <class T>
Task<std::vector<Outcome<T>>> gather(std::vector<Task<T>> tasks, ReturnExceptions /*tag*/) {
  for (auto& t : tasks) t = detail::ensure_task(std::move(t));
  detail::WaitSet wait(detail::bases(tasks), detail::WaitSet::When::all_completed,
                       detail::WaitSet::kNoDeadline, /*cancel_tasks=*/true);
  co_await detail::await_ref(wait);
  std::vector<Outcome<T>> out;
  out.reserve(tasks.size());
  for (auto& t : tasks) {
    if (t.cancelled()) {
      try {
        t.result();
      } catch (...) {
        out.emplace_back(std::current_exception());
      }
    } else if (auto e = t.exception()) {
      out.emplace_back(std::move(e));
    } else {
      out.emplace_back(detail::value_of(t));
    }
  }
  co_return out;
}

/// Tasks of different types: a tuple of their results (std::monostate for void).
template <class... Ts>
requires(sizeof...(Ts) > 0) Task<std::tuple<detail::GatherValue<Ts>...>> gather(Task<Ts>... tasks) {
  ((tasks = detail::ensure_task(std::move(tasks))), ...);
  detail::WaitSet wait(std::vector<detail::TaskBase*>{tasks.promise()...},
                       detail::WaitSet::When::first_exception, detail::WaitSet::kNoDeadline,
                       /*cancel_tasks=*/true);
  co_await detail::await_ref(wait);
  if (detail::TaskBase* failed = wait.first_error()) {
    (detail::retrieve_later(tasks), ...);
    failed->rethrow_outcome();
  }
  co_return std::tuple<detail::GatherValue<Ts>...>(detail::value_of(tasks)...);
}

}  // namespace concur::asyncio
