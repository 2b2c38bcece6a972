// Python: 004 "定时器" - Timer(1, hello) runs hello after one second; a timer cancelled
// before it fires never runs its function.
#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>

#include "course.hpp"

namespace th = concur::threading;

std::atomic<bool> fired{false};

void hello() {
  std::printf("hello, world\n");
}

int main() {
  th::Timer t(1 * course::kSecond, hello);  // 1 course second
  t.start();

  // A long interval, so only cancel() can explain that it never ran (and join() still returns
  // at once: a cancelled timer stops waiting).
  th::Timer never(std::chrono::minutes(1), [] {
    fired = true;
    std::printf("the cancelled timer fired!\n");
  });
  never.start();
  never.cancel();

  t.join();
  never.join();
  std::printf("cancelled timer fired: %s\n", fired ? "yes" : "no");
  course::check(!fired, "a cancelled timer never fires");
}
