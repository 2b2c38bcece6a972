// Python: 002 "线程互斥锁" / "GIL与普通互斥锁的区别" - money = 100, 100 threads each read it,
// sleep, and write it back minus one, all under a mutex: the result is exactly 0.
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

int money = 100;
th::Lock mutex;

void task() {
  mutex.acquire();  // or: std::lock_guard g(mutex);  (Python: with mutex:)
  const int tmp = money;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the course sleeps 0.1 s
  money = tmp - 1;
  mutex.release();
}

int main() {
  std::vector<th::Thread> ts;
  for (int i = 0; i < 100; ++i) ts.emplace_back(task);
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  std::printf("money = %d\n", money);
  course::check(money == 0, "money == 0");
}
