// concur/futures/executor.hpp - concurrent.futures.Executor: submit(), map(), shutdown().
//
//   auto f = ex.submit(fetch, url);                   // Future<R>
//   for (int sq : ex.map(square, std::vector{1, 2, 3})) use(sq);   // results in order
//   for (auto r : ex.map(add, xs, ys, 2s)) ...        // several ranges; a trailing timeout
// Destroying an executor shuts it down and waits, like Python's `with` block.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concur/detail/deadline.hpp"
#include "concur/detail/task_state.hpp"
#include "concur/futures/future.hpp"
#include "concur/timeout.hpp"

namespace concur::futures {

/// The lazily consumed results of Executor::map, in input order. Iterating waits for each
/// result (rethrowing its exception); TimeoutError when map's timeout passes first.
/// Destroying it cancels the calls that have not started, as Python's generator does.
template <class R>
class MapResults {
 public:
  MapResults(std::vector<Future<R>> futures, Timeout timeout)
      : futures_(std::move(futures)), deadline_(timeout) {}
  MapResults(MapResults&&) noexcept = default;
  MapResults& operator=(MapResults&&) noexcept = default;
  MapResults(const MapResults&) = delete;
  MapResults& operator=(const MapResults&) = delete;
  ~MapResults() {
    for (auto& f : futures_) f.cancel();
  }

  class iterator {
   public:
    using value_type = std::conditional_t<std::is_void_v<R>, std::nullptr_t, R>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(MapResults* owner, std::size_t i) : owner_(owner), i_(i) {}
    value_type operator*() const {
      const Future<R>& f = owner_->futures_[i_];
      const Timeout left = owner_->deadline_.timeout_left();
      if constexpr (std::is_void_v<R>) {
        f.result(left);
        return nullptr;
      } else {
        return f.result(left);
      }
    }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    void operator++(int) { ++i_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }

   private:
    MapResults* owner_ = nullptr;
    std::size_t i_ = 0;
  };

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, futures_.size()); }
  [[nodiscard]] std::size_t size() const noexcept { return futures_.size(); }
  /// Every result, in order (waits for all).
  std::vector<typename iterator::value_type> to_vector() {
    std::vector<typename iterator::value_type> out;
    out.reserve(size());
    for (auto&& v : *this) out.push_back(std::move(v));
    return out;
  }

 private:
  std::vector<Future<R>> futures_;
  concur::detail::Deadline deadline_;
};

namespace detail_ex {
template <class T>
inline constexpr bool is_timeout_like_v = std::is_same_v<std::remove_cvref_t<T>, Timeout>;
template <class Rep, class Period>
inline constexpr bool is_timeout_like_v<std::chrono::duration<Rep, Period>> = true;
template <class Rep, class Period>
inline constexpr bool is_timeout_like_v<std::chrono::duration<Rep, Period>&> = true;
template <class Rep, class Period>
inline constexpr bool is_timeout_like_v<const std::chrono::duration<Rep, Period>&> = true;

/// map's first N arguments in `all` are ranges, then perhaps a timeout (a later argument, such
/// as a process pool's chunk size, is not looked at): calls body(timeout, index_sequence of
/// the ranges) and returns what it returns.
template <std::size_t N, class Tuple, class Body>
auto with_map_timeout(Tuple& all, Body&& body) {
  using Last = std::remove_cvref_t<std::tuple_element_t<N - 1, Tuple>>;
  if constexpr (is_timeout_like_v<Last>) {
    static_assert(N >= 2, "map needs at least one range before the timeout");
    return body(Timeout(std::get<N - 1>(all)), std::make_index_sequence<N - 1>{});
  } else {
    return body(Timeout{}, std::make_index_sequence<N>{});
  }
}

/// Calls each(elements...) at every position of the ranges all[I...], in order; the shortest
/// range decides how many (Python's zip).
template <class Tuple, std::size_t... I, class Each>
void for_each_zipped(Tuple& all, std::index_sequence<I...> /*unused*/, Each&& each) {
  auto iters = std::make_tuple(std::ranges::begin(std::get<I>(all))...);
  auto ends = std::make_tuple(std::ranges::end(std::get<I>(all))...);
  while (((std::get<I>(iters) != std::get<I>(ends)) && ...)) {
    each(*std::get<I>(iters)...);
    (++std::get<I>(iters), ...);
  }
}
}  // namespace detail_ex

class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  /// Schedules f(args...) (arguments copied); returns its Future. RuntimeError after
  /// shutdown(), BrokenExecutor when the executor is broken.
  template <class F, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<Args>&... > auto submit(F&& f, Args&&... args) {
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
    auto call = concur::detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...);
    auto state = std::make_shared<concur::detail::TaskState<R, decltype(call)>>(std::move(call));
    Future<R> future(state);
    enqueue(std::move(state));
    return future;
  }

  /// Python: map(fn, *iterables, timeout=None). Submits every call now (the shortest range
  /// decides how many); a trailing std::chrono duration or Timeout is the overall timeout.
  template <class F, class... Rest>
  auto map(F&& f, Rest&&... rest) {
    static_assert(sizeof...(Rest) >= 1, "map needs at least one range");
    auto all = std::forward_as_tuple(std::forward<Rest>(rest)...);
    return detail_ex::with_map_timeout<sizeof...(Rest)>(
        all, [&](Timeout timeout, auto ranges) { return map_ranges(timeout, f, all, ranges); });
  }

  /// Stops accepting work; wait=true blocks until running and queued calls finish;
  /// cancel_futures=true cancels the calls that have not started.
  virtual void shutdown(bool wait = true, bool cancel_futures = false) = 0;

 protected:
  /// Runs task->run() at some point (or fails it); throws when it cannot accept work.
  virtual void enqueue(std::shared_ptr<concur::detail::FutureCore> task) = 0;

 private:
  template <class F, class Tuple, std::size_t... I>
  auto map_ranges(Timeout timeout, F& f, Tuple& all, std::index_sequence<I...> ranges) {
    using R = std::invoke_result_t<std::decay_t<F>&,
                                   std::ranges::range_value_t<std::tuple_element_t<I, Tuple>>&...>;
    std::vector<Future<R>> futures;
    detail_ex::for_each_zipped(all, ranges, [&](auto&&... xs) {
      futures.push_back(submit(f, std::forward<decltype(xs)>(xs)...));
    });
    return MapResults<R>(std::move(futures), timeout);
  }
};

}  // namespace concur::futures
