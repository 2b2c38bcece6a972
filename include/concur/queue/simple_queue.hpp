// concur/queue/simple_queue.hpp - queue.SimpleQueue: an unbounded FIFO with no task tracking.
//   concur::queue::SimpleQueue<std::string> q;  q.put("a");  q.get();  // "a"
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "concur/detail/locked_queue_core.hpp"
#include "concur/detail/queue_containers.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/queue/errors.hpp"

namespace concur::queue {

template <class T>
class SimpleQueue {
 public:
  SimpleQueue() = default;
  SimpleQueue(const SimpleQueue&) = delete;
  SimpleQueue& operator=(const SimpleQueue&) = delete;

  /// Never blocks (the queue is unbounded); block and timeout exist for Python compatibility.
  void put(const T& item, bool /*block*/ = true, Timeout /*timeout*/ = {}) {
    (void)core_.push(item, false, {});
  }
  void put(T&& item, bool /*block*/ = true, Timeout /*timeout*/ = {}) {
    (void)core_.push(std::move(item), false, {});
  }
  void put_nowait(const T& item) { put(item); }
  void put_nowait(T&& item) { put(std::move(item)); }

  /// Removes and returns the oldest item; Empty when none arrives in time.
  T get(bool block = true, Timeout timeout = {}) {
    detail::check_blocking_timeout(block, timeout);
    std::optional<T> out;
    if (core_.pop(out, block, detail::Deadline(timeout)) != detail::OpStatus::ok) throw Empty();
    return std::move(*out);
  }
  T get(Timeout timeout) { return get(true, timeout); }
  T get_nowait() { return get(false); }
  std::optional<T> try_get() {
    std::optional<T> out;
    (void)core_.pop(out, false, {});
    return out;
  }

  [[nodiscard]] std::size_t qsize() const noexcept { return core_.size(); }
  [[nodiscard]] bool empty() const noexcept { return qsize() == 0; }

 private:
  detail::LockedQueueCore<T, detail::FifoContainer<T>> core_{0};
};

}  // namespace concur::queue
