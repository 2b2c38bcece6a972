// concur/futures/process_pool_executor.hpp - concurrent.futures.ProcessPoolExecutor.
//
// Runs calls of CONCUR_TASK-registered functions in worker processes, on every core. The
// workers start at the first submit (all max_workers of them: fork()ed by default, or with
// the spawn / forkserver start method) and each talks to the pool over its own socket; a
// manager thread in this process hands one call at a time to an idle worker, so a call is
// cancellable until a worker takes it. Arguments and results travel with codec<T>; an exception in
// a worker comes back with its type: the standard and concur errors as themselves, others as
// mp::RemoteError. A worker that dies (SIGKILL, a crash, exit()) breaks the pool: its call, the
// other running calls and the queued ones fail with BrokenProcessPool, the other workers are
// stopped, and later submits throw BrokenProcessPool. The destructor is shutdown(wait=true).
//   int square(int x) { return x * x; }
//   CONCUR_TASK(square);                                        // at namespace scope
//   concur::futures::ProcessPoolExecutor pool(4);
//   auto f = pool.submit(square, 7);                            // Future<int>
//   for (int sq : pool.map(square, std::vector{1, 2, 3})) use(sq);
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concur/detail/future_state.hpp"
#include "concur/futures/errors.hpp"
#include "concur/futures/executor.hpp"
#include "concur/futures/future.hpp"
#include "concur/multiprocessing/codec.hpp"
#include "concur/multiprocessing/context.hpp"
#include "concur/multiprocessing/task.hpp"
#include "concur/timeout.hpp"

namespace concur::futures {

namespace detail_pool {

/// One submitted call waiting for (or running in) a worker.
struct PoolCall {
  mp::TaskCall call;
  std::shared_ptr<concur::detail::FutureCore> future;
  /// Decodes the worker's encoded result into the future (throws DecodeError on bad bytes).
  void (*complete)(concur::detail::FutureCore& future, std::string_view result) = nullptr;
};

template <class R>
void complete_with(concur::detail::FutureCore& future, std::string_view result) {
  auto& state = static_cast<concur::detail::FutureState<R>&>(future);
  if constexpr (std::is_void_v<R>) {
    state.set_value();
  } else {
    state.set_value(mp::decode<R>(result));
  }
}

/// The steps of a worker's protocol at which kill tests stop it (see set_pool_step_hook).
enum class PoolStep : std::uint8_t {
  worker_started,  ///< forked, initializer done, before the first receive
  call_received,   ///< a call arrived, before it runs
  call_returned,   ///< the function returned, before the result is sent
  result_sent,     ///< the result is written, before the next receive
};

/// Tests only: hook(step, socket) runs in each worker at each PoolStep (nullptr: none). Set it
/// before the first submit; the forked workers inherit it.
void set_pool_step_hook(void (*hook)(PoolStep step, int socket_fd)) noexcept;

struct PoolState;

}  // namespace detail_pool

class ProcessPoolExecutor {
 public:
  /// Python: ProcessPoolExecutor(max_workers=None, initializer=None). max_workers defaults to
  /// the number of CPUs; 0 throws ValueError. Workers start with the default start method
  /// (mp::get_start_method()). The initializer runs once in each worker before its first
  /// call; as a callable it needs the fork method (ValueError otherwise). If it throws, the
  /// pool breaks.
  explicit ProcessPoolExecutor(std::optional<std::size_t> max_workers = std::nullopt,
                               std::function<void()> initializer = {});
  /// Python: ProcessPoolExecutor(max_workers, mp_context=ctx, initializer=f, initargs=args):
  /// workers start with ctx's method ("fork", "spawn" or "forkserver"; the latter two are
  /// safe in a program that already runs threads), and the initializer is a registered call:
  ///   cf::ProcessPoolExecutor pool(4, mp::get_context("forkserver"),
  ///                                mp::make_task_call(open_db, std::string("db.sqlite")));
  ProcessPoolExecutor(std::optional<std::size_t> max_workers, const mp::Context& mp_context,
                      std::optional<mp::TaskCall> initializer = std::nullopt);
  ~ProcessPoolExecutor();
  ProcessPoolExecutor(const ProcessPoolExecutor&) = delete;
  ProcessPoolExecutor& operator=(const ProcessPoolExecutor&) = delete;

  /// Schedules fn(args...) in a worker; returns its Future. fn must be registered with
  /// CONCUR_TASK (ValueError otherwise). RuntimeError after shutdown(), BrokenProcessPool once
  /// the pool is broken.
  template <class R, class... P, class... A>
  requires(mp::detail::is_task_call<R (*)(P...), A&&...>::value) Future<R> submit(R (*fn)(P...),
                                                                                  A&&... args) {
    auto state = std::make_shared<concur::detail::FutureState<R>>();
    Future<R> future(state);
    enqueue(detail_pool::PoolCall{mp::make_task_call(fn, std::forward<A>(args)...),
                                  std::move(state), &detail_pool::complete_with<R>});
    return future;
  }

  /// Python: map(fn, *iterables, timeout=None): one call per element (the shortest range
  /// decides how many), results in input order; a trailing duration or Timeout bounds the
  /// whole iteration (TimeoutError).
  template <class R, class... P, class... Rest>
  auto map(R (*fn)(P...), Rest&&... rest) {
    static_assert(sizeof...(Rest) >= 1, "map needs at least one range");
    auto all = std::forward_as_tuple(std::forward<Rest>(rest)...);
    constexpr std::size_t kArgs = sizeof...(Rest);
    using Last = std::tuple_element_t<kArgs - 1, std::tuple<Rest...>>;
    if constexpr (detail_ex::is_timeout_like_v<Last>) {
      static_assert(kArgs >= 2, "map needs at least one range before the timeout");
      return map_ranges(Timeout(std::get<kArgs - 1>(all)), fn, all,
                        std::make_index_sequence<kArgs - 1>{});
    } else {
      return map_ranges(Timeout{}, fn, all, std::make_index_sequence<kArgs>{});
    }
  }

  /// Stops accepting work. wait=true blocks until the queued and running calls finish and the
  /// workers exited; cancel_futures=true cancels the calls no worker has taken yet.
  void shutdown(bool wait = true, bool cancel_futures = false);

  [[nodiscard]] std::size_t max_workers() const noexcept { return max_workers_; }
  /// The workers' pids (empty before the first submit and after the workers ended).
  [[nodiscard]] std::vector<pid_t> worker_pids() const;

 private:
  void enqueue(detail_pool::PoolCall call);

  template <class R, class... P, class Tuple, std::size_t... I>
  auto map_ranges(Timeout timeout, R (*fn)(P...), Tuple& all,
                  std::index_sequence<I...> /*unused*/) {
    std::vector<Future<R>> futures;
    auto iters = std::make_tuple(std::ranges::begin(std::get<I>(all))...);
    auto ends = std::make_tuple(std::ranges::end(std::get<I>(all))...);
    try {
      while (((std::get<I>(iters) != std::get<I>(ends)) && ...)) {
        futures.push_back(submit(fn, *std::get<I>(iters)...));
        (++std::get<I>(iters), ...);
      }
    } catch (...) {
      for (auto& f : futures) f.cancel();
      throw;
    }
    return MapResults<R>(std::move(futures), timeout);
  }

  std::size_t max_workers_;
  std::shared_ptr<detail_pool::PoolState> state_;
};

}  // namespace concur::futures
