// Course: collect results in a map of futures — submitting is asynchronous, reading the
// results in key order is synchronous. (Sleeps of 1-4 s scaled to 10-40 ms.)
#include <chrono>
#include <concur/futures.hpp>
#include <cstdio>
#include <map>
#include <thread>

int func(int a, int b) {
  std::this_thread::sleep_for(std::chrono::milliseconds(10 * (1 + (a * 7) % 4)));
  return a * b;
}

int main() {
  concur::futures::ThreadPoolExecutor tp(4);
  std::map<int, concur::futures::Future<int>> future_l;
  for (int i = 0; i < 10; ++i) future_l.emplace(i, tp.submit(func, i, i + 1));
  for (auto& [key, fut] : future_l) std::printf("%d %d\n", key, fut.result());
}
