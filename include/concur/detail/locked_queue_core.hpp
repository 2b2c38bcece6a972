// concur/detail/locked_queue_core.hpp - a queue core over any container, under one Lock.
// Serves unbounded Queue, LifoQueue, PriorityQueue and SimpleQueue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "concur/detail/event_count.hpp"
#include "concur/errors.hpp"
#include "concur/threading/lock.hpp"

namespace concur::detail {

template <class T, class Container>
class LockedQueueCore {
 public:
  explicit LockedQueueCore(std::size_t maxsize, Container c = Container())
      : maxsize_(maxsize), items_(std::move(c)) {}

  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }

  template <class U>
  OpStatus push(U&& item, bool block, const Deadline& deadline) {
    const OpStatus s = block_on(
        not_full_, block, deadline, [&] { return try_push(std::forward<U>(item)); },
        [this] {
          return maxsize_ == 0 || size_hint_.load(std::memory_order_relaxed) < maxsize_ ||
                 shutdown_hint_.load(std::memory_order_relaxed);
        });
    if (s == OpStatus::ok) not_empty_.notify(1);
    return s;
  }

  OpStatus pop(std::optional<T>& out, bool block, const Deadline& deadline) {
    const OpStatus s = block_on(
        not_empty_, block, deadline, [&] { return try_pop(out); },
        [this] {
          return size_hint_.load(std::memory_order_relaxed) != 0 ||
                 shutdown_hint_.load(std::memory_order_relaxed);
        });
    if (s == OpStatus::ok && maxsize_ != 0) not_full_.notify(1);
    return s;
  }

  [[nodiscard]] std::size_t size() const noexcept {
    return size_hint_.load(std::memory_order_relaxed);
  }

  void task_done() {
    {
      std::lock_guard g(lock_);
      if (unfinished_ == 0) throw ValueError("task_done() called too many times");
      --unfinished_;
      if (unfinished_ != 0) return;
    }
    all_done_.notify_all();
  }

  void join() {
    for (;;) {
      const std::uint32_t key = all_done_.prepare_wait();
      {
        std::lock_guard g(lock_);
        if (unfinished_ == 0) {
          all_done_.cancel_wait();
          return;
        }
      }
      all_done_.wait(key, Deadline::never());
    }
  }

  [[nodiscard]] std::uint64_t unfinished_tasks() {
    std::lock_guard g(lock_);
    return unfinished_;
  }

  void shutdown(bool immediate) {
    {
      std::lock_guard g(lock_);
      shutdown_ = true;
      shutdown_hint_.store(true, std::memory_order_relaxed);
      if (immediate) {
        const std::size_t n = items_.size();
        items_.clear();
        unfinished_ = n > unfinished_ ? 0 : unfinished_ - n;
        size_hint_.store(0, std::memory_order_relaxed);
      }
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    all_done_.notify_all();
  }

  [[nodiscard]] bool is_shutdown() const noexcept {
    return shutdown_hint_.load(std::memory_order_relaxed);
  }

 private:
  template <class U>
  OpStatus try_push(U&& item) {
    std::lock_guard g(lock_);
    if (shutdown_) return OpStatus::shutdown;
    if (maxsize_ != 0 && items_.size() >= maxsize_) return OpStatus::would_block;
    items_.push(std::forward<U>(item));
    ++unfinished_;
    size_hint_.store(items_.size(), std::memory_order_relaxed);
    return OpStatus::ok;
  }

  OpStatus try_pop(std::optional<T>& out) {
    std::lock_guard g(lock_);
    if (items_.size() == 0) return shutdown_ ? OpStatus::shutdown : OpStatus::would_block;
    out.emplace(items_.pop());
    size_hint_.store(items_.size(), std::memory_order_relaxed);
    return OpStatus::ok;
  }

  const std::size_t maxsize_;
  threading::Lock lock_;
  Container items_;
  std::uint64_t unfinished_ = 0;
  bool shutdown_ = false;
  std::atomic<std::size_t> size_hint_{0};
  std::atomic<bool> shutdown_hint_{false};
  EventCount not_empty_;
  EventCount not_full_;
  EventCount all_done_;
};

}  // namespace concur::detail
