// Python: 001 "线程安全例子" - 20 threads append and 20 pop on one list; list.append/pop are
// atomic in CPython. A std::vector is not thread-safe: the twin of that list is a SimpleQueue.
#include <concur/queue.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

constexpr int kTimes = 5'000;  // the course uses 500,000 per thread; fewer keep it quick

int main() {
  concur::queue::SimpleQueue<int> n;
  std::vector<th::Thread> ts;
  for (int i = 0; i < 20; ++i) {
    ts.emplace_back([&n] {
      for (int k = 0; k < kTimes; ++k) n.put(1);  // n.append(1)
    });
    ts.emplace_back([&n] {
      for (int k = 0; k < kTimes; ++k) (void)n.get();  // n.pop(), waiting while empty
    });
  }
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  std::printf("items left after 20 x %d appends and pops: %zu\n", kTimes, n.qsize());
  course::check(n.empty(), "every appended item was popped");
}
