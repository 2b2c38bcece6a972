// concur/queue/basic_queue.hpp - the Python queue API shared by Queue, LifoQueue and
// PriorityQueue (they differ only in the order items leave).
//
//   q.put(x);                 // blocks while full        (Python: q.put(x))
//   q.put(x, 100ms);          // Full after 100 ms        (q.put(x, timeout=0.1))
//   q.put_nowait(x);          // Full at once             (q.put_nowait(x))
//   T v = q.get();            // blocks while empty       (q.get())
//   auto v = q.try_get();     // std::nullopt when empty: no exception on the hot path
//   q.task_done(); q.join();  q.shutdown(/*immediate=*/false);
// Move-only items work; a put that fails (Full, ShutDown) leaves the item unmoved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "concur/detail/deadline.hpp"
#include "concur/detail/event_count.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/queue/errors.hpp"

namespace concur::queue {

template <class T, class Core>
class BasicQueue {
 public:
  using value_type = T;

  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  /// Puts an item, waiting for a free slot if block (up to timeout). Throws Full when none
  /// frees up in time, ShutDown after shutdown(), ValueError for a negative timeout.
  void put(const T& item, bool block = true, Timeout timeout = {}) {
    put_impl(item, block, timeout);
  }
  void put(T&& item, bool block = true, Timeout timeout = {}) {
    put_impl(std::move(item), block, timeout);
  }
  void put(const T& item, Timeout timeout) { put_impl(item, true, timeout); }
  void put(T&& item, Timeout timeout) { put_impl(std::move(item), true, timeout); }

  /// Removes and returns the next item, waiting if block (up to timeout). Throws Empty when
  /// none arrives in time, ShutDown when the queue is shut down and empty.
  T get(bool block = true, Timeout timeout = {}) {
    detail::check_blocking_timeout(block, timeout);
    std::optional<T> out;
    switch (core_.pop(out, block, detail::Deadline(timeout))) {
      case detail::OpStatus::ok:
        return std::move(*out);
      case detail::OpStatus::shutdown:
        throw ShutDown();
      case detail::OpStatus::would_block:
        break;
    }
    throw Empty();
  }
  T get(Timeout timeout) { return get(true, timeout); }

  void put_nowait(const T& item) { put_impl(item, false, {}); }
  void put_nowait(T&& item) { put_impl(std::move(item), false, {}); }
  T get_nowait() { return get(false); }

  /// Non-throwing put: false when full or shut down (the item is then left untouched).
  bool try_put(const T& item) { return core_.push(item, false, {}) == detail::OpStatus::ok; }
  bool try_put(T&& item) { return core_.push(std::move(item), false, {}) == detail::OpStatus::ok; }
  /// Non-throwing get: std::nullopt when empty (or shut down and empty).
  std::optional<T> try_get() {
    std::optional<T> out;
    (void)core_.pop(out, false, {});
    return out;
  }

  /// Approximate number of items (exact when no put or get is in progress).
  [[nodiscard]] std::size_t qsize() const noexcept { return core_.size(); }
  [[nodiscard]] bool empty() const noexcept { return qsize() == 0; }
  /// True when maxsize > 0 and qsize() == maxsize.
  [[nodiscard]] bool full() const noexcept { return maxsize() != 0 && qsize() >= maxsize(); }
  /// The bound given at construction (0: unbounded).
  [[nodiscard]] std::size_t maxsize() const noexcept { return core_.maxsize(); }

  /// Marks one fetched item as processed; ValueError when called more times than put().
  void task_done() { core_.task_done(); }
  /// Blocks until every item put has been marked with task_done().
  void join() { core_.join(); }
  /// Items put and not yet marked done (Python: q.unfinished_tasks).
  [[nodiscard]] std::uint64_t unfinished_tasks() { return core_.unfinished_tasks(); }

  /// Python 3.13: later puts raise ShutDown, gets raise ShutDown once the queue is empty,
  /// blocked callers wake up. immediate=true also discards the queued items (each counts
  /// as a finished task for join()).
  void shutdown(bool immediate = false) { core_.shutdown(immediate); }
  [[nodiscard]] bool is_shutdown() const noexcept { return core_.is_shutdown(); }

 protected:
  template <class... CoreArgs>
  explicit BasicQueue(CoreArgs&&... args) : core_(std::forward<CoreArgs>(args)...) {}
  ~BasicQueue() = default;

  static std::size_t checked_maxsize(std::ptrdiff_t maxsize) noexcept {
    return maxsize <= 0 ? 0 : static_cast<std::size_t>(maxsize);  // Python: <= 0 is unbounded
  }

 private:
  template <class U>
  void put_impl(U&& item, bool block, Timeout timeout) {
    detail::check_blocking_timeout(block, timeout);
    switch (core_.push(std::forward<U>(item), block, detail::Deadline(timeout))) {
      case detail::OpStatus::ok:
        return;
      case detail::OpStatus::shutdown:
        throw ShutDown();
      case detail::OpStatus::would_block:
        break;
    }
    throw Full();
  }

  Core core_;
};

}  // namespace concur::queue
