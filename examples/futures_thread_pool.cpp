// Course: ThreadPoolExecutor(4) running 10 tasks — the pool starts 4 threads and reuses
// them; every task prints which thread ran it. (Sleeps of 1-4 s scaled to 10-40 ms.)
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "course.hpp"

int main() {
  std::mutex seen_mutex;
  std::set<std::uint64_t> threads_used;
  {
    concur::futures::ThreadPoolExecutor tp(4);  // a pool of 4 threads
    for (int i = 0; i < 10; ++i) {
      tp.submit(
          [&](int a, int b) {
            const auto id = concur::threading::get_ident();
            std::printf("%llu start %d %d\n", static_cast<unsigned long long>(id), a, b);
            std::this_thread::sleep_for(std::chrono::milliseconds(10 * (1 + a % 4)));
            std::lock_guard g(seen_mutex);
            threads_used.insert(id);
          },
          i, i + 1);
    }
  }  // leaving the block waits for every task, like Python's `with`
  course::check(threads_used.size() <= 4, "at most 4 pool threads");
  std::printf("10 tasks ran on %zu pool threads\n", threads_used.size());
}
