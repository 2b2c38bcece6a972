// concur-bench workloads on a 2-worker process pool (one worker per core here), concur's
// futures::ProcessPoolExecutor vs Python's concurrent.futures.ProcessPoolExecutor (fork
// workers); what is measured is the pool's own cost per call, handing the call to a worker
// process and its result back:
//  - process_pool: tiny calls, submit every one, then result() of each;
//  - process_pool_map: map(add_one, range(N), chunksize=1000), results summed in order.
#include <cstdint>
#include <string>
#include <vector>

#include "bench.hpp"
#include "concur/futures/process_pool_executor.hpp"

namespace concur_bench_tasks {
std::int64_t add(std::int64_t a, std::int64_t b) {
  return a + b;
}
std::int64_t add_one(std::int64_t a) {
  return a + 1;
}
}  // namespace concur_bench_tasks
CONCUR_TASK(concur_bench_tasks::add);
CONCUR_TASK(concur_bench_tasks::add_one);

namespace concur_bench {
namespace {

constexpr int kPoolWorkers = 2;
constexpr std::size_t kChunk = 1000;

double concur_pool(std::int64_t n, std::string& error) {
  concur::futures::ProcessPoolExecutor pool(kPoolWorkers);
  pool.submit(concur_bench_tasks::add, 0, 0).result();  // start the workers (as Python's side)
  std::vector<concur::futures::Future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  std::int64_t total = 0;
  const double seconds = time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) fs.push_back(pool.submit(concur_bench_tasks::add, i, 1));
    for (auto& f : fs) total += f.result();
  });
  if (total != n * (n + 1) / 2 && error.empty()) error = "concur: wrong sum of results";
  return seconds;
}

double concur_pool_map(std::int64_t n, std::string& error) {
  concur::futures::ProcessPoolExecutor pool(kPoolWorkers);
  pool.submit(concur_bench_tasks::add_one, 0).result();  // start the workers
  std::vector<std::int64_t> xs(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
  std::int64_t total = 0;
  const double seconds = time_seconds([&] {
    for (const std::int64_t r :
         pool.map(concur_bench_tasks::add_one, xs, concur::futures::Chunksize{kChunk})) {
      total += r;
    }
  });
  if (total != n * (n + 1) / 2 && error.empty()) error = "concur: wrong sum of results";
  return seconds;
}

void finish_pool_workload(WorkloadResult& r, const std::string& error, std::int64_t py_items) {
  record_error(r, error);
  add_ratios(r, {});
  r.notes.push_back("Python runs " + std::to_string(py_items) + " calls; rates are compared.");
}

}  // namespace

WorkloadResult run_process_pool_map(const Options& opt) {
  WorkloadResult r("process_pool_map",
                   "map(add_one, range(N), chunksize=1000) on a 2-worker process pool, "
                   "results in order; rate = calls/s",
                   "calls");
  const std::int64_t items = opt.quick ? 1'000'000 : 5'000'000;
  std::string error;
  r.concur = measure_interleaved({Contender{"concur", "concur", concur_pool_map}}, items,
                                 items / 10, opt.repeat, error)
                 .at(0);
  const std::int64_t py_items = opt.quick ? 200'000 : 1'000'000;
  r.others.push_back(run_python(
      opt, "process_pool_map", py_items, opt.repeat,
      "--workers " + std::to_string(kPoolWorkers) + " --chunksize " + std::to_string(kChunk),
      error));
  finish_pool_workload(r, error, py_items);
  return r;
}

WorkloadResult run_process_pool(const Options& opt) {
  WorkloadResult r("process_pool",
                   "tiny calls on a 2-worker process pool: submit all, then result() of each; "
                   "rate = calls/s",
                   "calls");
  const std::int64_t items = opt.quick ? 20'000 : 100'000;
  std::string error;
  r.concur = measure_interleaved({Contender{"concur", "concur", concur_pool}}, items, items / 10,
                                 opt.repeat, error)
                 .at(0);
  const std::int64_t py_items = opt.quick ? 5'000 : 20'000;
  r.others.push_back(run_python(opt, "process_pool", py_items, opt.repeat,
                                "--workers " + std::to_string(kPoolWorkers), error));
  finish_pool_workload(r, error, py_items);
  return r;
}

}  // namespace concur_bench
