// Python: 001 "last in first out" - a LifoQueue is a stack: put 1 2 3, get 3 2 1.
#include <concur/queue.hpp>
#include <cstdio>

int main() {
  concur::queue::LifoQueue<int> lq;
  lq.put(1);
  lq.put(2);
  lq.put(3);
  std::printf("%d\n", lq.get());
  std::printf("%d\n", lq.get());
  std::printf("%d\n", lq.get());
}
