// concur/asyncio/queues.hpp - asyncio.Queue, LifoQueue, PriorityQueue (Python 3.13).
//
// put() waits while the queue is full (maxsize > 0), get() while it is empty; both wake in
// FIFO order, and a cancelled waiter that had been woken wakes the next one, so no item is
// lost or taken twice. task_done()/join() and shutdown() as in Python 3.13; the errors are
// concur::queue's Full, Empty and ShutDown.
//   asyncio::Queue<std::string> q(10);
//   co_await q.put("job");   std::string job = co_await q.get();   q.task_done();
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <utility>

#include "concur/asyncio/event.hpp"
#include "concur/asyncio/task.hpp"
#include "concur/detail/async_wait_queue.hpp"
#include "concur/detail/queue_containers.hpp"
#include "concur/errors.hpp"
#include "concur/queue/errors.hpp"

namespace concur::asyncio {

namespace detail {

template <class T, class Container>
class AsyncQueue {
 public:
  explicit AsyncQueue(std::size_t maxsize = 0, Container c = Container())
      : items_(std::move(c)), maxsize_(maxsize) {
    finished_.set();
  }
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  /// Waits for room (maxsize > 0), then appends. queue::ShutDown after shutdown().
  Task<void> put(T item) {
    while (full()) {
      if (shutdown_) throw queue::ShutDown();
      std::exception_ptr error;
      {
        auto w = putters_.wait();
        try {
          co_await await_ref(w);
        } catch (...) {
          error = std::current_exception();
          // Woken for room we will not use: let the next putter have it.
          if (w.woken() && !full()) (void)putters_.wake_first();
        }
      }
      if (error) std::rethrow_exception(error);
    }
    put_nowait(std::move(item));
  }

  /// queue::Full when full, queue::ShutDown after shutdown().
  void put_nowait(T item) {
    if (shutdown_) throw queue::ShutDown();
    if (full()) throw queue::Full();
    items_.push(std::move(item));
    ++unfinished_;
    finished_.clear();
    (void)getters_.wake_first();
  }

  /// Waits for an item. queue::ShutDown once shut down and empty.
  Task<T> get() {
    while (empty()) {
      if (shutdown_) throw queue::ShutDown();
      std::exception_ptr error;
      {
        auto w = getters_.wait();
        try {
          co_await await_ref(w);
        } catch (...) {
          error = std::current_exception();
          // Woken for an item we will not take: let the next getter have it.
          if (w.woken() && !empty()) (void)getters_.wake_first();
        }
      }
      if (error) std::rethrow_exception(error);
    }
    co_return get_nowait();
  }

  /// queue::Empty when empty (queue::ShutDown when also shut down).
  T get_nowait() {
    if (empty()) {
      if (shutdown_) throw queue::ShutDown();
      throw queue::Empty();
    }
    T item = items_.pop();
    (void)putters_.wake_first();
    return item;
  }

  /// ValueError when called more times than items were put.
  void task_done() {
    if (unfinished_ == 0) throw ValueError("task_done() called too many times");
    if (--unfinished_ == 0) finished_.set();
  }
  /// Waits until every item put has been task_done()'d.
  Task<void> join() {
    if (unfinished_ > 0) co_await finished_.wait();
  }

  /// Python 3.13: putters fail at once; getters drain what is left, then fail. immediate:
  /// the items are dropped (and count as done for join()).
  void shutdown(bool immediate = false) {
    shutdown_ = true;
    if (immediate) {
      while (!empty()) {
        (void)items_.pop();
        if (unfinished_ > 0) --unfinished_;
      }
      if (unfinished_ == 0) finished_.set();
    }
    getters_.wake_all();
    putters_.wake_all();
  }

  [[nodiscard]] std::size_t qsize() const noexcept { return items_.size(); }
  [[nodiscard]] bool empty() const noexcept { return items_.size() == 0; }
  [[nodiscard]] bool full() const noexcept { return maxsize_ > 0 && items_.size() >= maxsize_; }
  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }

 private:
  Container items_;
  std::size_t maxsize_;
  std::size_t unfinished_ = 0;
  bool shutdown_ = false;
  WaitQueue getters_;
  WaitQueue putters_;
  Event finished_;
};

}  // namespace detail

/// FIFO queue (Python's asyncio.Queue).
template <class T>
class Queue : public detail::AsyncQueue<T, concur::detail::FifoContainer<T>> {
 public:
  explicit Queue(std::size_t maxsize = 0)
      : detail::AsyncQueue<T, concur::detail::FifoContainer<T>>(maxsize) {}
};

/// LIFO queue (Python's asyncio.LifoQueue).
template <class T>
class LifoQueue : public detail::AsyncQueue<T, concur::detail::LifoContainer<T>> {
 public:
  explicit LifoQueue(std::size_t maxsize = 0)
      : detail::AsyncQueue<T, concur::detail::LifoContainer<T>>(maxsize) {}
};

/// Smallest first by Compare, FIFO among equals (Python's asyncio.PriorityQueue).
template <class T, class Compare = std::less<T>>
class PriorityQueue : public detail::AsyncQueue<T, concur::detail::PriorityContainer<T, Compare>> {
 public:
  explicit PriorityQueue(std::size_t maxsize = 0, Compare cmp = Compare())
      : detail::AsyncQueue<T, concur::detail::PriorityContainer<T, Compare>>(
            maxsize, concur::detail::PriorityContainer<T, Compare>(std::move(cmp))) {}
};

}  // namespace concur::asyncio
