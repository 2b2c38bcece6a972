// concur-bench workload `lock_counter`: 4 threads x 500,000 increments of a shared counter
// under a lock (std::lock_guard). concur::threading::Lock vs std::mutex vs Python's
// threading.Lock. Python may do fewer increments, so rates (increments/s) are compared.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "concur/threading.hpp"

namespace concur_bench {
namespace {

constexpr int kThreads = 4;
constexpr std::int64_t kPerThread = 500'000;

struct Shared {
  std::int64_t counter = 0;
};

// One run: kThreads std::threads, each `per_thread` increments under `lock`. Returns seconds
// from the start gate until every thread is joined; a wrong total goes into `error`.
template <class Mutex>
double run_once(std::int64_t total, std::string& error) {
  const std::int64_t per_thread = total / kThreads;
  Mutex lock;
  Shared shared;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::int64_t i = 0; i < per_thread; ++i) {
        std::lock_guard guard(lock);
        ++shared.counter;
      }
    });
  }
  while (ready.load() != kThreads) std::this_thread::yield();
  const double secs = time_seconds([&] {
    go.store(true, std::memory_order_release);
    for (auto& th : threads) th.join();
  });
  if (shared.counter != per_thread * kThreads) {
    error += "counter is " + std::to_string(shared.counter) + ", expected " +
             std::to_string(per_thread * kThreads) + " (lost increments).";
  }
  return secs;
}

}  // namespace

WorkloadResult run_lock_counter(const Options& opt) {
  WorkloadResult r("lock_counter",
                   "4 threads x 500,000 increments of a shared counter under a "
                   "lock (std::lock_guard); rate = increments/s",
                   "increments");
  std::string error;
  const std::int64_t total = kThreads * kPerThread;
  std::vector<Impl> impls =
      measure_interleaved({{"concur", "concur", run_once<concur::threading::Lock>},
                           {"std::mutex", "peer", run_once<std::mutex>}},
                          total, total / 5, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(impls[1]);
  const std::int64_t py_items = opt.quick ? 1'000'000 : kThreads * kPerThread;
  r.others.push_back(run_python(opt, r.name, py_items, opt.repeat,
                                "--threads " + std::to_string(kThreads), error));
  record_error(r, error);
  add_ratios(r, {{"std::mutex", 1.0}});
  if (r.others.back().available) {
    r.notes.push_back("Rates (increments/s) are compared, not times: Python runs " +
                      std::to_string(r.others.back().items) + " increments, C++ " +
                      std::to_string(total) + ".");
  }
  return r;
}

}  // namespace concur_bench
