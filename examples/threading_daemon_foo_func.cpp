// Python: 002 "守护线程" - daemon foo (sleeps 1 s) and normal func (sleeps 3 s): main ends,
// the process waits for func, and foo is done by then, so both "end" lines are printed.
#include <atomic>
#include <concur/threading.hpp>
#include <cstdio>
#include <cstdlib>

#include "course.hpp"

namespace th = concur::threading;

std::atomic<bool> foo_done{false};

void foo() {
  std::printf("123\n");
  course::sleep(1);
  std::printf("end123\n");
  foo_done = true;
}

void func() {
  std::printf("456\n");
  course::sleep(3);
  std::printf("end456\n");
}

int main() {
  std::atexit([] {  // runs after concur joined the non-daemon threads (registered first)
    std::printf("process exits after func; daemon foo finished: %s\n", foo_done ? "yes" : "no");
  });
  th::Thread t1(foo);
  t1.set_daemon(true);
  th::Thread t2(func);
  t1.start();
  t2.start();
  std::printf("main.......\n");
}
