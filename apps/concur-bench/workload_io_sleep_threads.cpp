// concur-bench workload `io_sleep_threads`: the course's IO-bound experiment. 4,000 threads
// each sleep 2 s; all are started, then all joined; the wall time is reported (target
// <= 2.3 s). concur::threading::Thread vs std::thread vs Python's threading.Thread.
// Ratio = other seconds / concur seconds (= concur rate / other rate, rate = threads/s).
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "concur/threading.hpp"

namespace concur_bench {
namespace {

constexpr int kThreads = 4000;
constexpr auto kSleep = std::chrono::seconds(2);
constexpr double kTargetSeconds = 2.3;

double run_concur(int n, std::chrono::milliseconds sleep) {
  return time_seconds([&] {
    std::vector<concur::threading::Thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([sleep] { std::this_thread::sleep_for(sleep); });
    }
    for (auto& t : threads) t.start();
    for (auto& t : threads) t.join();
  });
}

double run_std(int n, std::chrono::milliseconds sleep) {
  return time_seconds([&] {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([sleep] { std::this_thread::sleep_for(sleep); });
    }
    for (auto& t : threads) t.join();
  });
}

template <class Run>
Impl measure(const std::string& name, const std::string& kind, int repeat, Run run) {
  Impl impl(name, kind);
  (void)run(64, std::chrono::milliseconds(10));  // warm-up
  std::vector<double> runs;
  for (int i = 0; i < repeat; ++i) runs.push_back(run(kThreads, kSleep));
  finish_impl(impl, kThreads, runs);
  return impl;
}

}  // namespace

WorkloadResult run_io_sleep_threads(const Options& opt) {
  WorkloadResult r("io_sleep_threads",
                   "4,000 threads each sleep 2 s, all started then all joined; "
                   "wall time (rate = threads/s)",
                   "threads");
  r.report_seconds = true;
  const int repeat = opt.quick ? 1 : opt.repeat;
  std::string error;
  try {
    r.concur = measure("concur", "concur", repeat, run_concur);
  } catch (const std::exception& e) {
    r.concur = Impl("concur", "concur", "failed");
    error += std::string("concur: ") + e.what() + ". ";
  }
  try {
    r.others.push_back(measure("std::thread", "peer", repeat, run_std));
  } catch (const std::exception& e) {
    r.others.push_back(Impl("std::thread", "peer", "failed"));
    error += std::string("std::thread: ") + e.what() + ". ";
  }
  r.others.push_back(run_python(opt, r.name, kThreads, repeat, "--sleep 2", error));
  record_error(r, error);
  add_ratios(r, {});
  if (r.concur.available) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f s", r.concur.seconds);
    r.checks.push_back(Check{.what = "concur wall time",
                             .target = "<= 2.3 s",
                             .measured = buf,
                             .met = r.concur.seconds <= kTargetSeconds});
  }
  r.notes.push_back("Ratio = other seconds / concur seconds (same 4,000 threads, 2 s sleep).");
  return r;
}

}  // namespace concur_bench
