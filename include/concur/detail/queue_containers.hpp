// concur/detail/queue_containers.hpp - the orderings a locked queue can keep:
// FIFO (Queue, SimpleQueue), LIFO (LifoQueue) and priority with FIFO ties (PriorityQueue).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace concur::detail {

template <class T>
class FifoContainer {
 public:
  template <class U>
  void push(U&& item) {
    items_.emplace_back(std::forward<U>(item));
  }
  T pop() {
    T out = std::move(items_.front());
    items_.pop_front();
    return out;
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void clear() noexcept { items_.clear(); }

 private:
  std::deque<T> items_;
};

template <class T>
class LifoContainer {
 public:
  template <class U>
  void push(U&& item) {
    items_.emplace_back(std::forward<U>(item));
  }
  T pop() {
    T out = std::move(items_.back());
    items_.pop_back();
    return out;
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void clear() noexcept { items_.clear(); }

 private:
  std::vector<T> items_;
};

/// Smallest item first (by Compare); equal items leave in the order they came.
template <class T, class Compare>
class PriorityContainer {
 public:
  explicit PriorityContainer(Compare cmp = Compare()) : cmp_(std::move(cmp)) {}
  template <class U>
  void push(U&& item) {
    items_.push_back(Entry{T(std::forward<U>(item)), next_seq_++});
    std::push_heap(items_.begin(), items_.end(), heap_order());
  }
  T pop() {
    std::pop_heap(items_.begin(), items_.end(), heap_order());
    T out = std::move(items_.back().item);
    items_.pop_back();
    return out;
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void clear() noexcept { items_.clear(); }

 private:
  struct Entry {
    T item;
    std::uint64_t seq;
  };
  // std heaps keep the "largest" on top: an entry is "smaller" when it should leave later.
  auto heap_order() {
    return [this](const Entry& a, const Entry& b) {
      if (cmp_(b.item, a.item)) return true;
      if (cmp_(a.item, b.item)) return false;
      return a.seq > b.seq;
    };
  }
  Compare cmp_;
  std::vector<Entry> items_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace concur::detail
