// concur/queue/errors.hpp - the queue module's exceptions (Python: queue.Full, queue.Empty,
// queue.ShutDown).
//   try { q.put_nowait(x); } catch (const concur::queue::Full&) { drop(x); }
#pragma once

#include "concur/errors.hpp"

namespace concur::queue {

/// put() on a full queue without blocking, or after its timeout.
class Full : public Error {
 public:
  Full() : Error("queue is full") {}
};

/// get() on an empty queue without blocking, or after its timeout.
class Empty : public Error {
 public:
  Empty() : Error("queue is empty") {}
};

/// put() after shutdown(), or get() on a shut-down queue that is empty (Python 3.13).
class ShutDown : public Error {
 public:
  ShutDown() : Error("queue is shut down") {}
};

}  // namespace concur::queue
