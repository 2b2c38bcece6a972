// concur/detail/work_queue.hpp - the unbounded FIFO work queue of the executors.
//
// A lock-free ring takes the steady flow; when a burst overflows it, later items wait in a
// locked deque, and consumers refill the ring from it in batches, so producers and
// consumers rarely meet on a lock. Order stays FIFO for any one producer: once anything has
// spilled, producers keep appending to the deque until it is empty again. push() never
// blocks; after shutdown() it fails, and consumers see shutdown once both parts are empty.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "concur/detail/event_count.hpp"
#include "concur/detail/ring_queue_core.hpp"
#include "concur/threading/lock.hpp"

namespace concur::detail {

template <class T>
class WorkQueue {
 public:
  static constexpr std::size_t kRingCells = 4096;
  static constexpr std::size_t kRefillBatch = 256;

  /// Appends an item; false (item untouched) after shutdown().
  template <class U>
  bool push(U&& item) {
    if (spilled_.load(std::memory_order_acquire) == 0) {
      const OpStatus s = ring_.try_push(std::forward<U>(item));
      if (s == OpStatus::ok) {
        // Shut down while this item was being written: waiters must all re-check.
        if (ring_.is_shutdown()) {
          not_empty_.notify_all();
        } else {
          not_empty_.notify(1);
        }
        return true;
      }
      if (s == OpStatus::shutdown) return false;
    }
    {
      std::lock_guard g(overflow_lock_);
      if (shutdown_) return false;
      overflow_.emplace_back(std::forward<U>(item));
      spilled_.fetch_add(1, std::memory_order_seq_cst);
    }
    not_empty_.notify(1);
    return true;
  }

  /// Takes the oldest item; with block, waits for one. OpStatus::shutdown once shut down
  /// and drained; would_block when not blocking (or past the deadline) and empty.
  OpStatus pop(std::optional<T>& out, bool block, const Deadline& deadline) {
    return block_on(
        not_empty_, block, deadline, [&] { return try_pop(out); },
        [this] {
          return ring_.can_pop() || spilled_.load(std::memory_order_relaxed) != 0 ||
                 shutdown_flag_.load(std::memory_order_relaxed);
        });
  }

  /// Later pushes fail; consumers drain what is queued, then get OpStatus::shutdown.
  void shutdown() {
    {
      std::lock_guard g(overflow_lock_);
      shutdown_ = true;
      shutdown_flag_.store(true, std::memory_order_seq_cst);
      ring_.shutdown(false);
    }
    not_empty_.notify_all();
  }

  [[nodiscard]] std::size_t size() const noexcept {
    return ring_.size() + spilled_.load(std::memory_order_relaxed);
  }

 private:
  OpStatus try_pop(std::optional<T>& out) {
    const OpStatus s = ring_.try_pop(out);
    if (s == OpStatus::ok) {
      if (spilled_.load(std::memory_order_relaxed) != 0) refill(nullptr);
      return s;
    }
    if (spilled_.load(std::memory_order_seq_cst) != 0 && refill(&out)) return OpStatus::ok;
    // The ring reports shutdown only when nothing more can arrive in it; the deque must be
    // empty too (spilled_ is only lowered after items reach the ring).
    if (s == OpStatus::shutdown && spilled_.load(std::memory_order_seq_cst) == 0) {
      return ring_.try_pop(out) == OpStatus::ok ? OpStatus::ok : OpStatus::shutdown;
    }
    return OpStatus::would_block;
  }

  // Moves a batch from the deque into the ring; if out is given, first hands the oldest
  // spilled item to the caller. Returns whether out was filled.
  bool refill(std::optional<T>* out) {
    std::unique_lock g(overflow_lock_, std::try_to_lock);
    if (!g.owns_lock()) {
      if (out == nullptr) return false;  // someone else is refilling
      g.lock();
    }
    bool got = false;
    std::size_t moved = 0;
    if (out != nullptr && !overflow_.empty()) {
      // Older items may still be in the ring: only take from the deque when it is empty.
      if (ring_.size() == 0) {
        out->emplace(std::move(overflow_.front()));
        overflow_.pop_front();
        ++moved;
        got = true;
      }
    }
    std::size_t batch = 0;
    while (!overflow_.empty() && batch < kRefillBatch) {
      if (ring_.try_push_unchecked(overflow_.front()) != OpStatus::ok) break;
      overflow_.pop_front();
      ++moved;
      ++batch;
    }
    if (moved != 0) spilled_.fetch_sub(moved, std::memory_order_seq_cst);
    g.unlock();
    if (batch != 0) not_empty_.notify(static_cast<int>(batch));
    return got;
  }

  RingQueueCore<T> ring_{kRingCells};
  threading::Lock overflow_lock_;
  std::deque<T> overflow_;               // guarded by overflow_lock_
  bool shutdown_ = false;                // guarded by overflow_lock_
  std::atomic<std::size_t> spilled_{0};  // items in overflow_ or in transit to the ring
  std::atomic<bool> shutdown_flag_{false};
  EventCount not_empty_;
};

}  // namespace concur::detail
