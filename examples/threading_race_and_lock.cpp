// Python: 001 "数据不安全例子" / "线程加锁" - 2 add + 2 sub threads x 500,000 on a shared n:
// n += 1 is a load then a store, so updates get lost; with a Lock the result is exactly 0.
#include <atomic>
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

constexpr int kTimes = 500'000;

// Without a lock. A plain long would be a data race (undefined behaviour in C++), so this
// is an atomic read by one relaxed load and written by a separate relaxed store: like
// Python's LOAD_GLOBAL / INPLACE_ADD / STORE_GLOBAL, another thread can slip in between.
std::atomic<long> racy{0};
void racy_add(long delta) {
  for (int i = 0; i < kTimes; ++i)
    racy.store(racy.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

long n = 0;
void locked_add(th::Lock& lock, long delta) {
  for (int i = 0; i < kTimes; ++i) {
    std::lock_guard g(lock);  // Python: with lock: n += 1
    n += delta;
  }
}

template <class F>
void run_two_adders_two_subbers(F f) {
  std::vector<th::Thread> ts;
  for (int i = 0; i < 2; ++i) {
    ts.emplace_back(f, 1L);
    ts.emplace_back(f, -1L);
  }
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
}

int main() {
  run_two_adders_two_subbers(racy_add);
  std::printf("without a lock: n = %ld (usually not 0: updates were lost)\n", racy.load());

  th::Lock lock;
  run_two_adders_two_subbers([&lock](long delta) { locked_add(lock, delta); });
  std::printf("with a Lock: n = %ld\n", n);
  course::check(n == 0, "n == 0 with the lock");
}
