// concur/detail/fifo_queue_core.hpp - Queue<T>'s core: the lock-free ring when bounded
// (2 to kMaxRing cells, allocated up front), the locked deque otherwise.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "concur/detail/locked_queue_core.hpp"
#include "concur/detail/queue_containers.hpp"
#include "concur/detail/ring_queue_core.hpp"

namespace concur::detail {

template <class T>
class FifoQueueCore {
 public:
  static constexpr std::size_t kMaxRing = std::size_t{1} << 20;

  explicit FifoQueueCore(std::size_t maxsize) {
    // The ring needs two cells at least (a one-cell ring cannot tell full from free).
    if (kRingable && maxsize >= 2 && maxsize <= kMaxRing) {
      ring_ = std::make_unique<Ring>(maxsize);
    } else {
      locked_ = std::make_unique<LockedQueueCore<T, FifoContainer<T>>>(maxsize);
    }
  }

  template <class U>
  OpStatus push(U&& item, bool block, const Deadline& d) {
    return ring_ ? ring_->push(std::forward<U>(item), block, d)
                 : locked_->push(std::forward<U>(item), block, d);
  }
  OpStatus pop(std::optional<T>& out, bool block, const Deadline& d) {
    return ring_ ? ring_->pop(out, block, d) : locked_->pop(out, block, d);
  }
  [[nodiscard]] std::size_t maxsize() const noexcept {
    return ring_ ? ring_->maxsize() : locked_->maxsize();
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return ring_ ? ring_->size() : locked_->size();
  }
  void task_done() { ring_ ? ring_->task_done() : locked_->task_done(); }
  void join() { ring_ ? ring_->join() : locked_->join(); }
  [[nodiscard]] std::uint64_t unfinished_tasks() {
    return ring_ ? ring_->unfinished_tasks() : locked_->unfinished_tasks();
  }
  void shutdown(bool immediate) {
    ring_ ? ring_->shutdown(immediate) : locked_->shutdown(immediate);
  }
  [[nodiscard]] bool is_shutdown() const noexcept {
    return ring_ ? ring_->is_shutdown() : locked_->is_shutdown();
  }

 private:
  // Items whose move can throw stay on the locked core: the ring cannot undo a half move.
  static constexpr bool kRingable = std::is_nothrow_move_constructible_v<T>;
  using Ring =
      std::conditional_t<kRingable, RingQueueCore<T>, LockedQueueCore<T, FifoContainer<T>>>;
  std::unique_ptr<Ring> ring_;
  std::unique_ptr<LockedQueueCore<T, FifoContainer<T>>> locked_;
};

}  // namespace concur::detail
