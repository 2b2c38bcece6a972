// concur/queue/priority_queue.hpp - queue.PriorityQueue: smallest item first.
//
// Order is Compare (std::less: smallest first, as Python's heapq); items that compare
// equal leave in the order they were put (Python's tuples of (priority, value) work as
// std::pair / std::tuple here).
//   concur::queue::PriorityQueue<std::pair<int, std::string>> pq;
//   pq.put({2, "alex"}); pq.put({1, "wusir"});  pq.get();  // {1, "wusir"}
#pragma once

#include <cstddef>
#include <functional>

#include "concur/detail/locked_queue_core.hpp"
#include "concur/detail/queue_containers.hpp"
#include "concur/queue/basic_queue.hpp"

namespace concur::queue {

template <class T, class Compare = std::less<T>>
class PriorityQueue
    : public BasicQueue<T, detail::LockedQueueCore<T, detail::PriorityContainer<T, Compare>>> {
  using Base = BasicQueue<T, detail::LockedQueueCore<T, detail::PriorityContainer<T, Compare>>>;

 public:
  /// Python: PriorityQueue(maxsize=0).
  explicit PriorityQueue(std::ptrdiff_t maxsize = 0, Compare cmp = Compare())
      : Base(Base::checked_maxsize(maxsize),
             detail::PriorityContainer<T, Compare>(std::move(cmp))) {}
};

}  // namespace concur::queue
