// Python: 001 "先进先出队列" - Queue(4): put 4 items, it is full; get_nowait() on an empty queue
// raises queue.Empty. 004 "(10) 基本队列" - Queue(5) with get, task_done, qsize, empty, full.
#include <concur/queue.hpp>
#include <cstdio>

namespace queue = concur::queue;

const char* py(bool b) {
  return b ? "True" : "False";
}

int main() {
  queue::Queue<int> q(4);  // FIFO: first in, first out
  q.put(1);
  q.put(2);
  q.put(3);
  q.put(4);
  std::printf("4 done, full: %s\n", py(q.full()));
  try {
    q.put_nowait(5);  // a plain q.put(5) would block until someone takes an item
  } catch (const queue::Full&) {
    std::printf("5 not put: queue.Full\n");
  }
  for (int i = 0; i < 4; ++i) std::printf("get: %d\n", q.get());
  try {
    q.get_nowait();
  } catch (const queue::Empty&) {
    std::printf("queue.Empty caught: the queue is empty, carry on with other things\n");
  }

  queue::Queue<int> q5(5);
  q5.put(111);
  q5.put(222);
  q5.put(333);
  std::printf("%d\n", q5.get());
  std::printf("%d\n", q5.get());
  q5.task_done();  // tells q.join() one fetched item has been handled
  std::printf("qsize %zu, empty %s, full %s\n", q5.qsize(), py(q5.empty()), py(q5.full()));
}
