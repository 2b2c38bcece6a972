// Python: 001 "线程之间数据是共享的" (n = 100, 100 threads each n -= 1 -> 0) and 002 "同一个进程下
// 的多个线程数据是共享的" (money = 666 set by a thread is what main sees): threads share globals.
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

int n = 100;
int money = 100;
th::Lock lock;  // in C++ an unguarded n -= 1 from 100 threads is a data race (undefined)

int main() {
  std::vector<th::Thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([] {
      std::lock_guard g(lock);
      n -= 1;
    });
    threads.back().start();
  }
  for (auto& t : threads) t.join();
  std::printf("n = %d\n", n);  // 0: every thread changed the same n
  course::check(n == 0, "n == 0");

  th::Thread t([] {
    money = 666;
    std::printf("money in thread: %d\n", money);
  });
  t.start();
  t.join();
  std::printf("money in main: %d\n", money);
  course::check(money == 666, "money == 666");
}
