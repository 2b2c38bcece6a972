// concur/queue/lifo_queue.hpp - queue.LifoQueue: last in, first out (a stack).
//   concur::queue::LifoQueue<int> s;  s.put(1); s.put(2);  s.get();  // 2
#pragma once

#include <cstddef>

#include "concur/detail/locked_queue_core.hpp"
#include "concur/detail/queue_containers.hpp"
#include "concur/queue/basic_queue.hpp"

namespace concur::queue {

template <class T>
class LifoQueue : public BasicQueue<T, detail::LockedQueueCore<T, detail::LifoContainer<T>>> {
  using Base = BasicQueue<T, detail::LockedQueueCore<T, detail::LifoContainer<T>>>;

 public:
  /// Python: LifoQueue(maxsize=0).
  explicit LifoQueue(std::ptrdiff_t maxsize = 0) : Base(Base::checked_maxsize(maxsize)) {}
};

}  // namespace concur::queue
