// concur-bench: runs each workload in concur, in Python's standard library (bench/python/,
// run with python3 as a subprocess) and in the C++ peers that were found at build time, side
// by side; prints a table and writes results.json, results.md and ratios.svg.
//
//   concur-bench [--quick] [--out DIR] [--only NAME[,NAME...]] [--no-python] [--repeat N]
//                [--python-dir DIR]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench.hpp"
#include "report.hpp"

#ifndef CONCUR_SOURCE_DIR
#define CONCUR_SOURCE_DIR "."
#endif

namespace {

using concur_bench::Options;
using concur_bench::WorkloadResult;

const std::vector<std::pair<std::string, std::function<WorkloadResult(const Options&)>>>
    // Process workloads first: fork() gets slower with every thread and every mapped page
    // that the thread workloads leave behind in this process.
    kWorkloads = {{"process_start", concur_bench::run_process_start},
                  {"pipe_pingpong", concur_bench::run_pipe_pingpong},
                  {"cpu_bound", concur_bench::run_cpu_bound},
                  {"process_pool", concur_bench::run_process_pool},
                  {"process_pool_map", concur_bench::run_process_pool_map},
                  {"io_sleep_processes", concur_bench::run_io_sleep_processes},
                  {"mpq_small", concur_bench::run_mpq_small},
                  {"mpq_large", concur_bench::run_mpq_large},
                  {"mpq_4x4", concur_bench::run_mpq_4x4},
                  {"mpq_pingpong", concur_bench::run_mpq_pingpong},
                  {"asyncio_echo", concur_bench::run_asyncio_echo},
                  {"lock_counter", concur_bench::run_lock_counter},
                  {"queue_bounded", concur_bench::run_queue_bounded},
                  {"io_sleep_threads", concur_bench::run_io_sleep_threads},
                  {"executor_submit", concur_bench::run_executor_submit},
                  {"executor_map", concur_bench::run_executor_map},
                  {"executor_latency", concur_bench::run_executor_latency},
                  {"asyncio_gather", concur_bench::run_asyncio_gather},
                  {"asyncio_sleepers", concur_bench::run_asyncio_sleepers}};

void usage(FILE* f) {
  std::fprintf(f,
               "usage: concur-bench [--quick] [--out DIR] [--only NAME[,NAME...]] [--no-python]\n"
               "                    [--repeat N] [--python-dir DIR]\n"
               "  --quick           fewer runs, fewer Python increments (under a minute)\n"
               "  --out DIR         where results.json, results.md, ratios.svg go "
               "(default bench-results/)\n"
               "  --only NAME[,..]  only these workloads: lock_counter, queue_bounded, "
               "io_sleep_threads,\n"
               "                    executor_submit, executor_map, executor_latency,\n"
               "                    process_start, pipe_pingpong, cpu_bound, process_pool,\n"
               "                    process_pool_map, io_sleep_processes,\n"
               "                    mpq_small, mpq_large, mpq_4x4, mpq_pingpong,\n"
               "                    asyncio_echo, asyncio_gather, asyncio_sleepers\n"
               "  --no-python       skip the Python side\n"
               "  --repeat N        run each implementation N times; report the median (used\n"
               "                    for ratios) and the best run (default 5, --quick 3;\n"
               "                    io_sleep_threads runs once with --quick)\n"
               "  --python-dir DIR  the Python scripts (default %s/bench/python)\n",
               CONCUR_SOURCE_DIR);
}

// A workload that hangs (a lost wake-up, a lost item) must not stall the run forever: after
// `limit` seconds without finishing, the watchdog names it and ends the process with exit 3.
class Watchdog {
 public:
  void arm(const std::string& name, double limit) {
    std::lock_guard g(mu_);
    name_ = name;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit));
    limit_ = limit;
    if (!started_) {
      started_ = true;
      std::thread([this] { loop(); }).detach();
    }
  }
  void disarm() {
    std::lock_guard g(mu_);
    deadline_.reset();
  }

 private:
  using Clock = std::chrono::steady_clock;
  void loop() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::lock_guard g(mu_);
      if (deadline_ && Clock::now() > *deadline_) {
        std::fprintf(stderr, "concur-bench: workload %s did not finish within %.0f s (hang?)\n",
                     name_.c_str(), limit_);
        std::fflush(nullptr);
        std::_Exit(3);
      }
    }
  }
  std::mutex mu_;
  std::string name_;
  std::optional<Clock::time_point> deadline_;
  double limit_ = 0;
  bool started_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  opt.python_dir = std::string(CONCUR_SOURCE_DIR) + "/bench/python";
  int repeat = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "concur-bench: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--no-python") {
      opt.python = false;
    } else if (a == "--out") {
      opt.out_dir = value();
    } else if (a == "--only") {
      opt.only = value();
    } else if (a == "--python-dir") {
      opt.python_dir = value();
    } else if (a == "--repeat") {
      const std::string v = value();
      repeat = std::atoi(v.c_str());
      if (repeat < 1) {
        std::fprintf(stderr, "concur-bench: --repeat needs a positive number, got '%s'\n",
                     v.c_str());
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "concur-bench: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  opt.repeat = repeat > 0 ? repeat : (opt.quick ? 3 : 5);
  // --only a,b,c: those workloads, in the usual order (one process: later ones see what the
  // earlier ones left behind, as in a full run).
  std::set<std::string> only;
  for (std::size_t start = 0; start < opt.only.size();) {
    const std::size_t comma = std::min(opt.only.find(',', start), opt.only.size());
    only.insert(opt.only.substr(start, comma - start));
    start = comma + 1;
  }
  for (const std::string& name : only) {
    bool known = false;
    for (const auto& w : kWorkloads) known = known || w.first == name;
    if (!known) {
      std::fprintf(stderr, "concur-bench: unknown workload '%s'\n", name.c_str());
      usage(stderr);
      return 2;
    }
  }
  if (opt.python) {
    opt.python_exe = concur_bench::find_python();
    if (opt.python_exe.empty()) std::printf("note: python3 not found on PATH: Python skipped\n");
  }

  opt.load_average = concur_bench::load_average();
  if (!opt.load_average.empty() && std::atof(opt.load_average.c_str()) > 1.0) {
    std::printf(
        "note: load average %s before the run: other work is using the CPUs, so the figures "
        "are noisy (ratios near a target may flip)\n",
        opt.load_average.c_str());
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<WorkloadResult> results;
  bool failed = false;
  // Never destroyed: its detached thread may still look at it while the process exits.
  static Watchdog* const watchdog = new Watchdog;
  for (const auto& [name, run] : kWorkloads) {
    if (!only.empty() && only.count(name) == 0) continue;
    std::printf("running %s ...\n", name.c_str());
    std::fflush(stdout);
    watchdog->arm(name, opt.quick ? 120 : 600);
    try {
      results.push_back(run(opt));
    } catch (const std::exception& e) {
      WorkloadResult r(name, "", "");
      r.concur.name = "concur";
      r.concur.note = "failed";
      r.failed = true;
      r.error = e.what();
      results.push_back(r);
    }
    watchdog->disarm();
    malloc_trim(0);  // give the freed memory back: the next workload may fork
    if (results.back().failed) {
      failed = true;
      std::printf("  FAILED: %s\n", results.back().error.c_str());
    }
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  concur_bench::print_tables(results, opt);
  std::string error;
  if (!concur_bench::write_reports(results, opt, error)) {
    std::fprintf(stderr, "concur-bench: %s\n", error.c_str());
    return 1;
  }
  std::printf("\nwrote %s/results.json, results.md, ratios.svg (total %.1f s)\n",
              opt.out_dir.c_str(), total);
  return failed ? 1 : 0;
}
