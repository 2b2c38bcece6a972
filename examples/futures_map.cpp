// Course: pool.map(func, range(20)) — results come back in input order even though the
// calls finish in another order. (Sleeps of 1-4 s scaled to 5-20 ms.)
#include <chrono>
#include <concur/futures.hpp>
#include <cstdio>
#include <numeric>
#include <thread>
#include <vector>

int main() {
  concur::futures::ThreadPoolExecutor tp(4);
  std::vector<int> inputs(20);
  std::iota(inputs.begin(), inputs.end(), 0);
  for (int r : tp.map(
           [](int a) {
             std::this_thread::sleep_for(std::chrono::milliseconds(5 * (1 + (20 - a) % 4)));
             return a * (a + 1);
           },
           inputs)) {
    std::printf("%d\n", r);
  }
}
