// Python: 004 "信号量" - BoundedSemaphore(5): at most 5 threads run the guarded code at once;
// releasing more times than acquired raises ValueError.
#include <algorithm>
#include <atomic>
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

th::BoundedSemaphore semaphore(5);  // at most 5 threads at the same time
std::atomic<int> inside{0}, max_inside{0};

void run(int n) {
  std::lock_guard g(semaphore);
  const int now = ++inside;
  int seen = max_inside.load();
  while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
  }
  std::printf("run the thread: %d (%d inside)\n", n, now);
  course::sleep(1);
  --inside;
}

int main() {
  std::vector<th::Thread> ts;
  for (int i = 0; i < 20; ++i) ts.emplace_back(run, i);
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  std::printf("most threads inside at once: %d (limit 5)\n", max_inside.load());
  course::check(max_inside <= 5, "never more than 5 inside");
  std::printf("never more than 5 inside: OK\n");
  try {
    semaphore.release();  // one release too many
  } catch (const concur::ValueError& e) {
    std::printf("ValueError: %s\n", e.what());
  }
}
