// concur/detail/ring_queue_core.hpp - the bounded FIFO core behind Queue<T>(maxsize > 0).
//
// A lock-free multi-producer multi-consumer ring (a sequence number per cell, after
// Dmitry Vyukov's bounded queue) of exactly maxsize cells, with EventCount parking when it
// is full or empty. Producers and consumers touch different cache lines; the only shared
// writes are the head/tail tickets. The tail's top bit marks shutdown, so no put can slip
// in after shutdown(). Unfinished tasks are derived from the tickets: puts - task_done calls.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "concur/detail/event_count.hpp"
#include "concur/errors.hpp"

namespace concur::detail {

template <class T>
class RingQueueCore {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "the ring moves items in and out of cells without a way to undo: use the "
                "locked core for types whose move can throw");

 public:
  explicit RingQueueCore(std::size_t capacity)
      : capacity_(capacity),
        mask_(((capacity & (capacity - 1)) == 0) ? capacity - 1 : 0),
        cells_(new Cell[checked(capacity)]) {
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  RingQueueCore(const RingQueueCore&) = delete;
  RingQueueCore& operator=(const RingQueueCore&) = delete;
  ~RingQueueCore() {
    std::optional<T> sink;
    while (try_pop(sink) == OpStatus::ok) sink.reset();
  }

  [[nodiscard]] std::size_t maxsize() const noexcept { return capacity_; }

  /// Sequence numbers cannot tell a full one-cell ring from a free one: two cells at least.
  static std::size_t checked(std::size_t capacity) {
    if (capacity < 2) throw ValueError("a ring queue needs at least 2 cells");
    return capacity;
  }

  template <class U>
  OpStatus push(U&& item, bool block, const Deadline& deadline) {
    const OpStatus s = block_on(
        not_full_, block, deadline, [&] { return try_push(std::forward<U>(item)); },
        [this] { return can_push(); });
    if (s == OpStatus::ok) {
      notify_consumers();
      // A putter woken for a slot that an in-flight get still held may have gone back to
      // sleep: if the next slot is free and putters wait, pass the wake on.
      if (not_full_.has_waiters() && can_push()) not_full_.notify(1);
    }
    return s;
  }

  /// After a successful push: wake one consumer, or all of them when the queue was shut down
  /// while this item was being written (sleepers waiting for it must then see the shutdown).
  void notify_consumers() noexcept {
    if (is_shutdown()) {
      not_empty_.notify_all();
    } else {
      not_empty_.notify(1);
    }
  }

  OpStatus pop(std::optional<T>& out, bool block, const Deadline& deadline) {
    const OpStatus s = block_on(
        not_empty_, block, deadline, [&] { return try_pop(out); }, [this] { return can_pop(); });
    if (s == OpStatus::ok) {
      not_full_.notify(1);
      // A getter woken for an item behind a still-unpublished put may have gone back to
      // sleep: if the next item is ready and getters wait, pass the wake on.
      if (not_empty_.has_waiters() && can_pop()) not_empty_.notify(1);
    }
    return s;
  }

  [[nodiscard]] std::size_t size() const noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire) & ~kShutdownBit;
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    if (tail <= head) return 0;
    const std::uint64_t n = tail - head;
    return n > capacity_ ? capacity_ : static_cast<std::size_t>(n);
  }

  void task_done() {
    // Read done_ first, then tail_: the tail only grows, so it covers every put whose
    // task_done is already counted in done_. Re-read both on every attempt.
    for (;;) {
      std::uint64_t done = done_.load(std::memory_order_seq_cst);
      const std::uint64_t puts = tail_.load(std::memory_order_seq_cst) & ~kShutdownBit;
      if (done >= puts) throw ValueError("task_done() called too many times");
      if (done_.compare_exchange_weak(done, done + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
        if (done + 1 == puts) all_done_.notify_all();  // join() re-checks: a spare wake is fine
        return;
      }
    }
  }

  void join() {
    for (;;) {
      const std::uint32_t key = all_done_.prepare_wait();
      if (unfinished_tasks() == 0) {
        all_done_.cancel_wait();
        return;
      }
      all_done_.wait(key, Deadline::never());
    }
  }

  [[nodiscard]] std::uint64_t unfinished_tasks() const noexcept {
    const std::uint64_t done = done_.load(std::memory_order_seq_cst);
    const std::uint64_t puts = tail_.load(std::memory_order_seq_cst) & ~kShutdownBit;
    return puts > done ? puts - done : 0;
  }

  void shutdown(bool immediate) {
    tail_.fetch_or(kShutdownBit, std::memory_order_seq_cst);
    if (immediate) {
      // Drain everything, including puts that claimed a cell before the shutdown bit
      // and are still writing it; each drained item counts as a finished task.
      const std::uint64_t end = tail_.load(std::memory_order_acquire) & ~kShutdownBit;
      std::optional<T> sink;
      std::uint64_t drained = 0;
      while (head_.load(std::memory_order_acquire) < end) {
        if (try_pop(sink) == OpStatus::ok) {
          sink.reset();
          ++drained;
        } else {
          cpu_relax();
        }
      }
      done_.fetch_add(drained, std::memory_order_seq_cst);
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    all_done_.notify_all();
  }

  [[nodiscard]] bool is_shutdown() const noexcept {
    return (tail_.load(std::memory_order_acquire) & kShutdownBit) != 0;
  }

 private:
  static constexpr std::uint64_t kShutdownBit = std::uint64_t{1} << 63;

  struct alignas(64) Cell {
    std::atomic<std::uint64_t> seq{0};
    alignas(T) unsigned char storage[sizeof(T)];
    T* item() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }  // NOLINT
  };

  [[nodiscard]] Cell& cell(std::uint64_t pos) const noexcept {
    return cells_[mask_ != 0 ? (pos & mask_) : (pos % capacity_)];
  }

 public:
  // Single attempts: no waiting and no wake-ups (cores built on this ring notify their own
  // waiters).
  template <class U>
  OpStatus try_push(U&& item) {
    return push_once<false>(std::forward<U>(item));
  }
  /// Like try_push, but also after shutdown (for a core that drains its own overflow).
  template <class U>
  OpStatus try_push_unchecked(U&& item) {
    return push_once<true>(std::forward<U>(item));
  }

  OpStatus try_pop(std::optional<T>& out) {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cell(pos);
      const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::int64_t>(seq - (pos + 1));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* p = c.item();
          out.emplace(std::move(*p));
          p->~T();
          c.seq.store(pos + capacity_, std::memory_order_seq_cst);
          return OpStatus::ok;
        }
      } else if (diff < 0) {
        // Not yet written. Shut down and nothing claimed beyond us: no more items will come.
        const std::uint64_t tail = tail_.load(std::memory_order_acquire);
        if ((tail & kShutdownBit) != 0 && (tail & ~kShutdownBit) <= pos) {
          return OpStatus::shutdown;
        }
        return OpStatus::would_block;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  [[nodiscard]] bool can_push() const noexcept {
    const std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    return (pos & kShutdownBit) != 0 || cell(pos).seq.load(std::memory_order_relaxed) == pos;
  }
  [[nodiscard]] bool can_pop() const noexcept {
    const std::uint64_t pos = head_.load(std::memory_order_relaxed);
    return cell(pos).seq.load(std::memory_order_relaxed) == pos + 1 || is_shutdown();
  }

 private:
  template <bool kIgnoreShutdown, class U>
  OpStatus push_once(U&& item) {
    if constexpr (!std::is_nothrow_constructible_v<T, U&&>) {
      // Build the item before claiming a cell: a constructor that throws after the claim
      // would leave a cell no consumer can ever pass.
      T built(std::forward<U>(item));
      return push_once<kIgnoreShutdown>(std::move(built));
    }
    std::uint64_t word = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if (!kIgnoreShutdown && (word & kShutdownBit) != 0) return OpStatus::shutdown;
      const std::uint64_t pos = word & ~kShutdownBit;
      Cell& c = cell(pos);
      const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::int64_t>(seq - pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(word, (pos + 1) | (word & kShutdownBit),
                                        std::memory_order_relaxed)) {
          ::new (static_cast<void*>(c.storage)) T(std::forward<U>(item));
          c.seq.store(pos + 1, std::memory_order_seq_cst);  // publish (seq_cst: see notify)
          return OpStatus::ok;
        }
      } else if (diff < 0) {
        return OpStatus::would_block;  // the cell still holds the item from a lap ago
      } else {
        word = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  const std::size_t capacity_;
  const std::uint64_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> done_{0};
  EventCount not_empty_;
  EventCount not_full_;
  EventCount all_done_;
};

}  // namespace concur::detail
