// concur/queue/queue.hpp - queue.Queue: a thread-safe FIFO queue, optionally bounded.
//   concur::queue::Queue<int> q(10);   // maxsize 10 (0 or less: unbounded)
//   producer: q.put(42);     consumer: int x = q.get(); q.task_done();
// A bounded queue is a lock-free ring; an unbounded one a locked deque.
#pragma once

#include <cstddef>

#include "concur/detail/fifo_queue_core.hpp"
#include "concur/queue/basic_queue.hpp"

namespace concur::queue {

template <class T>
class Queue : public BasicQueue<T, detail::FifoQueueCore<T>> {
  using Base = BasicQueue<T, detail::FifoQueueCore<T>>;

 public:
  /// Python: Queue(maxsize=0).
  explicit Queue(std::ptrdiff_t maxsize = 0) : Base(Base::checked_maxsize(maxsize)) {}
};

}  // namespace concur::queue
