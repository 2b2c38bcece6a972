// concur-bench workload process_pool: tiny calls on a 2-worker process pool (one worker per
// core here): submit every call, then result() of each; concur's futures::ProcessPoolExecutor
// vs Python's concurrent.futures.ProcessPoolExecutor (fork workers). What is measured is the
// pool's own cost per call: handing the call to a worker process and its result back.
#include <cstdint>
#include <string>
#include <vector>

#include "bench.hpp"
#include "concur/futures/process_pool_executor.hpp"

namespace concur_bench_tasks {
std::int64_t add(std::int64_t a, std::int64_t b) {
  return a + b;
}
}  // namespace concur_bench_tasks
CONCUR_TASK(concur_bench_tasks::add);

namespace concur_bench {
namespace {

constexpr int kPoolWorkers = 2;

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

}  // namespace

WorkloadResult run_process_pool(const Options& opt) {
  WorkloadResult r("process_pool",
                   "tiny calls on a 2-worker process pool: submit all, then result() of each; "
                   "rate = calls/s",
                   "calls");
  const std::int64_t items = opt.quick ? 20'000 : 100'000;
  std::string error;
  const std::vector<Impl> impls = measure_interleaved({Contender{"concur", "concur", concur_pool}},
                                                      items, items / 10, opt.repeat, error);
  r.concur = impls.at(0);
  const std::int64_t py_items = opt.quick ? 5'000 : 20'000;
  r.others.push_back(run_python(opt, "process_pool", py_items, opt.repeat,
                                "--workers " + std::to_string(kPoolWorkers), error));
  if (!error.empty()) {
    r.failed = true;
    r.error = error;
  }
  add_ratios(r, {});
  r.notes.push_back("Python runs " + std::to_string(py_items) + " calls; rates are compared.");
  return r;
}

}  // namespace concur_bench
