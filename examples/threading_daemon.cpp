// Python: 001 "守护线程" - a daemon thread (son: loops forever) and a normal one (son2: prints
// 3 times). main ends at once; the process waits for son2, but the daemon does not keep it alive.
#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>
#include <cstdlib>

#include "course.hpp"

namespace th = concur::threading;

std::atomic<int> son2_prints{0};
th::ThreadRef son_thread;  // a handle to ask the daemon, at exit, whether it still runs

void son() {
  for (;;) {
    std::printf("in son\n");
    course::sleep(1);
  }
}

void son2() {
  for (int i = 0; i < 3; ++i) {
    std::printf("in son2****\n");
    son2_prints += 1;
    course::sleep(1);
  }
}

int main() {
  // Registered before the first thread starts, so it runs after concur has joined the
  // non-daemon threads at exit (atexit handlers run in reverse order).
  std::atexit([] {
    std::printf("process exits: son2 printed %d times, daemon son still running: %s\n",
                son2_prints.load(), son_thread.is_alive() ? "yes" : "no");
    course::check(son2_prints == 3, "son2 finished before the process exited");
  });
  const auto flag_a = std::chrono::steady_clock::now();
  th::Thread t(son);
  t.set_daemon(true);  // Python: t.daemon = True
  t.start();
  son_thread = t;
  th::Thread(son2).start();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - flag_a;
  std::printf("main ends: flag a -> flag b took %.1f course seconds\n", took / course::kSecond);
}
