// Python: 001 "互斥锁和递归锁" and 004 "(9) 线程锁" - a Lock cannot be taken twice, even by its
// holder; an RLock can, by the same thread, and is free after as many releases as acquires.
#include <atomic>
#include <concur/threading.hpp>
#include <cstdio>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

void func(int i, th::RLock& lock) {
  lock.acquire();
  lock.acquire();
  std::printf("%d : start\n", i);
  lock.release();
  lock.release();
  std::printf("%d : end\n", i);
}

th::RLock mutex;  // 004: "Lock普通锁不可嵌套，RLock普通锁可嵌套"
std::atomic<int> nested{0};

class MyThread : public th::Thread {
 protected:
  void run() override {
    if (mutex.acquire(true)) {
      std::printf("thread %s get mutex\n", name().c_str());
      course::sleep(0.1);
      mutex.acquire();  // nested
      nested += 1;
      mutex.release();
    }
    mutex.release();
  }
};

int main() {
  th::Lock l;
  l.acquire();
  std::printf("code we want locked (Lock)\n");
  // A second blocking acquire would wait forever; a non-blocking one just fails.
  std::printf("Lock acquired again by its holder: %s\n", l.acquire(false) ? "yes" : "no");
  l.release();

  th::RLock rl;
  rl.acquire();
  rl.acquire();  // the same thread may acquire an RLock many times
  std::printf("code we want locked (RLock), level %u\n", rl.recursion_level());
  course::check(rl.recursion_level() == 2, "RLock recursion level 2");
  rl.release();
  rl.release();  // as many releases as acquires, or nobody else gets in
  course::check(rl.acquire(false), "RLock free again");
  rl.release();

  std::vector<th::Thread> ts;
  for (int i = 0; i < 5; ++i) ts.emplace_back(func, i, std::ref(rl));
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  std::printf("5 threads each took the RLock twice\n");

  std::vector<MyThread> mine(3);
  for (auto& t : mine) t.start();
  for (auto& t : mine) t.join();
  std::printf("nested acquires: %d\n", nested.load());
  course::check(nested == 3, "3 nested acquires");
}
