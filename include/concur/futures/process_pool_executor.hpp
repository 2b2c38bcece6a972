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
// A pool belongs to the process that created it: in a process forked from that one, submit
// throws RuntimeError and shutdown does nothing.
//   int square(int x) { return x * x; }
//   CONCUR_TASK(square);                                        // at namespace scope
//   concur::futures::ProcessPoolExecutor pool(4);
//   auto f = pool.submit(square, 7);                            // Future<int>
//   for (int sq : pool.map(square, std::vector{1, 2, 3})) use(sq);
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
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

/// One submitted call (or a chunk of map's calls) waiting for, or running in, a worker.
struct PoolCall {
  mp::TaskCall call;  ///< for a chunk: args holds one frame of encoded arguments per call
  std::shared_ptr<concur::detail::FutureCore> future;
  /// Decodes the worker's encoded result into the future (throws DecodeError on bad bytes).
  void (*complete)(concur::detail::FutureCore& future, std::string_view result) = nullptr;
  bool chunk = false;  ///< the worker runs every call of the chunk and replies with all results
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

/// What one map() result is: R, or nullptr for a function returning void.
template <class R>
using MapValue = std::conditional_t<std::is_void_v<R>, std::nullptr_t, R>;

// A chunk's calls (and results) travel as frames: a 4-byte length, then that many bytes.
using FrameLength = std::uint32_t;

/// Starts a frame in `out`; returns where its length goes (see end_frame).
inline std::size_t begin_frame(std::string& out) {
  out.append(sizeof(FrameLength), '\0');
  return out.size();
}
/// Writes the length of the frame begun at `start` (ValueError beyond 4 GiB).
inline void end_frame(std::string& out, std::size_t start) {
  const std::size_t n = out.size() - start;
  if (n > std::numeric_limits<FrameLength>::max()) throw ValueError("a map call over 4 GiB");
  const auto length = static_cast<FrameLength>(n);
  std::memcpy(out.data() + start - sizeof length, &length, sizeof length);
}
/// Takes the next frame off `rest`; false when `rest` is empty. DecodeError for a torn frame.
inline bool next_frame(std::string_view& rest, std::string_view& frame) {
  if (rest.empty()) return false;
  FrameLength length = 0;
  if (rest.size() < sizeof length) throw mp::DecodeError("a torn frame in a chunk");
  std::memcpy(&length, rest.data(), sizeof length);
  rest.remove_prefix(sizeof length);
  if (rest.size() < length) throw mp::DecodeError("a frame longer than its chunk");
  frame = rest.substr(0, length);
  rest.remove_prefix(length);
  return true;
}

/// Completes a chunk's future with the decoded results of its calls.
template <class R>
void complete_chunk(concur::detail::FutureCore& future, std::string_view result) {
  std::vector<MapValue<R>> values;
  std::string_view frame;
  while (next_frame(result, frame)) {
    if constexpr (std::is_void_v<R>) {
      values.push_back(nullptr);
    } else {
      values.push_back(mp::decode<R>(frame));
    }
  }
  static_cast<concur::detail::FutureState<std::vector<MapValue<R>>>&>(future).set_value(
      std::move(values));
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

/// The results of a chunked map, in input order: iterating waits for each chunk (rethrowing
/// the exception that failed it; TimeoutError when map's timeout passes first). Destroying it
/// cancels the chunks no worker has taken yet.
template <class R>
class ChunkedMapResults {
 public:
  using value_type = detail_pool::MapValue<R>;
  ChunkedMapResults(std::vector<Future<std::vector<value_type>>> chunks,
                    std::vector<std::size_t> sizes, Timeout timeout)
      : chunks_(std::move(chunks)), sizes_(std::move(sizes)), deadline_(timeout) {}
  ChunkedMapResults(ChunkedMapResults&&) noexcept = default;
  ChunkedMapResults& operator=(ChunkedMapResults&&) noexcept = default;
  ChunkedMapResults(const ChunkedMapResults&) = delete;
  ChunkedMapResults& operator=(const ChunkedMapResults&) = delete;
  ~ChunkedMapResults() {
    for (auto& f : chunks_) f.cancel();
  }

  class iterator {
   public:
    using value_type = ChunkedMapResults::value_type;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(ChunkedMapResults* owner, std::size_t chunk) : owner_(owner), chunk_(chunk) {}
    value_type operator*() const { return owner_->chunk(chunk_)[i_]; }
    iterator& operator++() {
      if (++i_ == owner_->sizes_[chunk_]) {
        ++chunk_;
        i_ = 0;
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.chunk_ == b.chunk_ && a.i_ == b.i_;
    }

   private:
    ChunkedMapResults* owner_ = nullptr;
    std::size_t chunk_ = 0;
    std::size_t i_ = 0;
  };

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, chunks_.size()); }
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const std::size_t k : sizes_) n += k;
    return n;
  }
  /// Every result, in order (waits for all).
  std::vector<value_type> to_vector() {
    std::vector<value_type> out;
    out.reserve(size());
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const auto& values = chunk(c);
      out.insert(out.end(), values.begin(), values.end());
    }
    return out;
  }

 private:
  const std::vector<value_type>& chunk(std::size_t c) {
    const std::vector<value_type>& values = chunks_[c].result(deadline_.timeout_left());
    if (values.size() != sizes_[c]) {  // the iterator indexes by sizes_: never trust the worker
      throw mp::DecodeError("a chunk of " + std::to_string(sizes_[c]) + " calls came back with " +
                            std::to_string(values.size()) + " results");
    }
    return values;
  }
  std::vector<Future<std::vector<value_type>>> chunks_;
  std::vector<std::size_t> sizes_;
  concur::detail::Deadline deadline_;
};

/// map()'s chunk size (Python: chunksize=n); see ProcessPoolExecutor::map.
struct Chunksize {
  std::size_t value = 1;
};

class ProcessPoolExecutor {
 public:
  /// Python: ProcessPoolExecutor(max_workers=None, initializer=None). max_workers defaults to
  /// the number of CPUs; 0 throws ValueError. Workers start with the default start method
  /// (mp::get_start_method()). The initializer runs once in each worker before its first
  /// call; as a callable it needs the fork method (ValueError otherwise). If it throws, the
  /// pool breaks.
  explicit ProcessPoolExecutor(std::optional<std::size_t> max_workers = std::nullopt,
                               std::function<void()> initializer = {});
  /// Python: ProcessPoolExecutor(max_workers, mp_context=ctx, initializer=f, initargs=args,
  /// max_tasks_per_child=n): workers start with ctx's method ("fork", "spawn" or "forkserver";
  /// the latter two are safe in a program that already runs threads), the initializer is a
  /// registered call, and a worker that ran n calls (or chunks) is replaced by a fresh one
  /// (not with "fork": ValueError, as in Python).
  ///   cf::ProcessPoolExecutor pool(4, mp::get_context("forkserver"),
  ///                                mp::make_task_call(open_db, std::string("db.sqlite")), 100);
  ProcessPoolExecutor(std::optional<std::size_t> max_workers, const mp::Context& mp_context,
                      std::optional<mp::TaskCall> initializer = std::nullopt,
                      std::optional<std::size_t> max_tasks_per_child = std::nullopt);
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

  /// Python: map(fn, *iterables, timeout=None, chunksize=1): one call per element (the
  /// shortest range decides how many), results in input order; a trailing duration or
  /// Timeout bounds the whole iteration (TimeoutError), then an optional Chunksize{n} sends
  /// the calls in chunks of n (one message each way per chunk: much faster for many small
  /// calls; an exception fails the rest of its chunk, as in Python).
  ///   for (int r : pool.map(square, xs, 10s, cf::Chunksize{256})) ...
  template <class R, class... P, class... Rest>
  auto map(R (*fn)(P...), Rest&&... rest) {
    static_assert(sizeof...(Rest) >= 1, "map needs at least one range");
    auto all = std::forward_as_tuple(std::forward<Rest>(rest)...);
    constexpr std::size_t kArgs = sizeof...(Rest);
    using Last = std::remove_cvref_t<std::tuple_element_t<kArgs - 1, std::tuple<Rest...>>>;
    if constexpr (std::is_same_v<Last, Chunksize>) {
      static_assert(kArgs >= 2, "map needs at least one range before the chunk size");
      const std::size_t chunk = std::get<kArgs - 1>(all).value;
      if (chunk == 0) throw ValueError("chunksize must be >= 1");
      return detail_ex::with_map_timeout<kArgs - 1>(all, [&](Timeout timeout, auto ranges) {
        return map_chunked(timeout, chunk, fn, all, ranges);
      });
    } else {
      return detail_ex::with_map_timeout<kArgs>(
          all, [&](Timeout timeout, auto ranges) { return map_each(timeout, fn, all, ranges); });
    }
  }

  /// Stops accepting work. wait=true blocks until the queued and running calls finish and the
  /// workers exited; cancel_futures=true cancels the calls no worker has taken yet.
  void shutdown(bool wait = true, bool cancel_futures = false);

  [[nodiscard]] std::size_t max_workers() const noexcept;
  /// The workers' pids (empty before the first submit and after the workers ended).
  [[nodiscard]] std::vector<pid_t> worker_pids() const;

 private:
  void enqueue(detail_pool::PoolCall call);

  // One future per call.
  template <class R, class... P, class Tuple, class Ranges>
  MapResults<R> map_each(Timeout timeout, R (*fn)(P...), Tuple& all, Ranges ranges) {
    std::vector<Future<R>> futures;
    try {
      detail_ex::for_each_zipped(all, ranges, [&](auto&&... xs) {
        futures.push_back(submit(fn, std::forward<decltype(xs)>(xs)...));
      });
    } catch (...) {
      for (auto& f : futures) f.cancel();
      throw;
    }
    return MapResults<R>(std::move(futures), timeout);
  }

  // `chunk` calls per message, one future per chunk.
  template <class R, class... P, class Tuple, class Ranges>
  ChunkedMapResults<R> map_chunked(Timeout timeout, std::size_t chunk, R (*fn)(P...), Tuple& all,
                                   Ranges ranges) {
    using Values = std::vector<detail_pool::MapValue<R>>;
    std::vector<Future<Values>> chunks;
    std::vector<std::size_t> sizes;
    std::string name;
    std::string args;  // frames, one per call
    std::size_t calls = 0;
    const auto send_chunk = [&] {
      auto state = std::make_shared<concur::detail::FutureState<Values>>();
      chunks.emplace_back(state);
      sizes.push_back(calls);
      enqueue(detail_pool::PoolCall{mp::TaskCall{name, std::move(args)}, std::move(state),
                                    &detail_pool::complete_chunk<R>, true});
      args.clear();
      calls = 0;
    };
    try {
      detail_ex::for_each_zipped(all, ranges, [&](auto&&... xs) {
        const std::size_t start = detail_pool::begin_frame(args);
        if (name.empty()) {  // checks the registration once
          mp::TaskCall first = mp::make_task_call(fn, std::forward<decltype(xs)>(xs)...);
          name = std::move(first.name);
          args += first.args;
        } else {
          mp::codec<std::tuple<std::decay_t<P>...>>::encode(
              std::tuple<std::decay_t<P>...>(std::forward<decltype(xs)>(xs)...), args);
        }
        detail_pool::end_frame(args, start);
        if (++calls == chunk) send_chunk();
      });
      if (calls != 0) send_chunk();
    } catch (...) {
      for (auto& f : chunks) f.cancel();
      throw;
    }
    return ChunkedMapResults<R>(std::move(chunks), std::move(sizes), timeout);
  }

  std::shared_ptr<detail_pool::PoolState> state_;
};

}  // namespace concur::futures
