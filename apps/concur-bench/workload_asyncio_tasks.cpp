// concur-bench workloads for asyncio tasks:
//  - asyncio_gather: create N tasks that each `sleep(0)` once and gather them; concur's
//    Task<void> vs Python's asyncio (target >= 100x).
//  - asyncio_sleepers: 100,000 tasks asleep at once (sleep 1 s); heap bytes per sleeping task
//    (malloc's in-use bytes before and while they sleep, target <= 512 B) vs Python's
//    (tracemalloc). The rate is tasks started + finished per second.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench.hpp"
#include "concur/asyncio.hpp"

namespace concur_bench {
namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

asyncio::Task<void> yield_once() {
  co_await asyncio::sleep(0s);
}

double concur_gather(std::int64_t n, std::string& error) {
  return time_seconds([&] {
    asyncio::run([](std::int64_t count, std::string& err) -> asyncio::Task<void> {
      std::vector<asyncio::Task<void>> tasks;
      tasks.reserve(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) tasks.push_back(asyncio::create_task(yield_once()));
      auto results = co_await asyncio::gather(std::move(tasks));
      if (static_cast<std::int64_t>(results.size()) != count) err = "gather lost results";
    }(n, error));
  });
}

asyncio::Task<void> sleeper(std::chrono::milliseconds d) {
  co_await asyncio::sleep(d);
}

std::int64_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
}

// Starts n sleepers, measures heap growth once all are asleep, waits for them.
double concur_sleepers(std::int64_t n, std::chrono::milliseconds d, double& bytes_per_task,
                       std::string& error) {
  return time_seconds([&] {
    asyncio::run([](std::int64_t count, std::chrono::milliseconds delay, double& per_task,
                    std::string& err) -> asyncio::Task<void> {
      asyncio::trim_frame_cache();  // count every frame, not only those the cache lacks
      const std::int64_t before = heap_in_use();
      std::vector<asyncio::Task<void>> tasks;
      tasks.reserve(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i)
        tasks.push_back(asyncio::create_task(sleeper(delay)));
      co_await asyncio::sleep(0s);  // every task has started and sleeps now
      per_task = static_cast<double>(heap_in_use() - before) / static_cast<double>(count);
      auto done = co_await asyncio::gather(std::move(tasks));
      if (static_cast<std::int64_t>(done.size()) != count) err = "a sleeper was lost";
    }(n, d, bytes_per_task, error));
  });
}

}  // namespace

WorkloadResult run_asyncio_gather(const Options& opt) {
  WorkloadResult r("asyncio_gather",
                   "create and gather tasks that each sleep(0) once (asyncio.gather)", "tasks");
  const std::int64_t n = opt.quick ? 200'000 : 1'000'000;
  std::string error;
  // A full-size warm-up: the measured runs then reuse cached frames instead of timing the
  // page faults of the first 100-200 MB of frames.
  std::vector<Impl> impls =
      measure_interleaved({{"concur", "concur", concur_gather}}, n, n, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(run_python(opt, r.name, opt.quick ? 100'000 : 1'000'000,
                                opt.quick ? 1 : opt.repeat, "", error));
  add_ratios(r, {{"Python", 100.0}});
  record_error(r, error);
  return r;
}

WorkloadResult run_asyncio_sleepers(const Options& opt) {
  WorkloadResult r("asyncio_sleepers",
                   "100,000 tasks asleep at once (sleep 1 s, quick: 200 ms): heap bytes per "
                   "sleeping task; rate = tasks per second",
                   "tasks");
  constexpr std::int64_t kTasks = 100'000;
  const auto delay = opt.quick ? 200ms : 1000ms;
  std::string error;
  double per_task = 0;
  std::vector<double> runs;
  const int repeat = opt.quick ? 1 : opt.repeat;
  try {
    double warm = 0;
    (void)concur_sleepers(kTasks / 10, 1ms, warm, error);
    for (int i = 0; i < repeat; ++i) {
      double bytes = 0;
      runs.push_back(concur_sleepers(kTasks, delay, bytes, error));
      per_task = std::max(per_task, bytes);  // the worst run
    }
    r.concur = Impl("concur", "concur");
    finish_impl(r.concur, kTasks, runs);
  } catch (const std::exception& e) {
    r.concur = Impl("concur", "concur", "failed");
    error += std::string("concur: ") + e.what() + ". ";
  }
  char measured[64];
  std::snprintf(measured, sizeof measured, "%.0f B", per_task);
  r.checks.push_back({"concur heap bytes per sleeping task", "<= 512 B", measured,
                      per_task > 0 && per_task <= 512});
  r.others.push_back(run_python(opt, r.name, opt.quick ? kTasks / 5 : kTasks, 1,
                                std::string("--sleep ") + (opt.quick ? "0.2" : "1"), error));
  r.notes.push_back("Python's bytes per task (tracemalloc) are printed by " +
                    std::string("bench/python/asyncio_sleepers.py on stderr"));
  add_ratios(r, {});
  record_error(r, error);
  return r;
}

}  // namespace concur_bench
