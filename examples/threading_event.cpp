// Python: 004 "事件" - an Event is a flag: wait() blocks until set() makes it true; clear()
// makes it false again. Here cars wait for the green light.
#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;
using namespace std::chrono_literals;

th::Event green;
std::atomic<int> passed{0};

void car(int i) {
  std::printf("car %d waits for the green light\n", i);
  green.wait();
  std::printf("car %d goes\n", i);
  passed += 1;
}

const char* py(bool b) {
  return b ? "True" : "False";
}

int main() {
  std::printf("is_set: %s\n", py(green.is_set()));
  std::printf("wait(timeout) before set: %s\n", py(green.wait(10ms)));
  std::vector<th::Thread> cars;
  for (int i = 0; i < 3; ++i) cars.emplace_back(car, i);
  for (auto& t : cars) t.start();
  course::sleep(1);
  std::printf("no car passed before set(): %s\n", py(passed == 0));
  course::check(passed == 0, "cars wait for the event");
  green.set();
  for (auto& t : cars) t.join();
  std::printf("after set: %d cars passed, is_set: %s\n", passed.load(), py(green.is_set()));
  green.clear();
  std::printf("after clear: is_set: %s, wait(timeout): %s\n", py(green.is_set()),
              py(green.wait(10ms)));
}
