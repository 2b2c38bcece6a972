// Python: 004 "(9) 多线程：线程锁" - MyThread subclasses add 1 to a global num under a Lock
// (`if mutex.acquire(1): num = num + 1`); they print in whatever order they get the lock.
#include <array>
#include <concur/threading.hpp>
#include <cstdio>

#include "course.hpp"

namespace th = concur::threading;

int num = 0;
th::Lock mutex;

class MyThread : public th::Thread {
 protected:
  void run() override {
    course::sleep(1);
    if (mutex.acquire(true)) {  // Python: if mutex.acquire(1):
      num = num + 1;
      std::printf("%s : num value is %d\n", name().c_str(), num);
      mutex.release();
    }
  }
};

int main() {
  std::array<MyThread, 5> threads;
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();  // subclass threads must be joined before they go away
  std::printf("num = %d\n", num);
  course::check(num == 5, "num == 5");
}
