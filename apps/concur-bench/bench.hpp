// concur-bench: shared types and helpers for the side-by-side workloads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace concur_bench {

struct Options {
  bool quick = false;
  bool python = true;
  int repeat = 3;  // median of this many measured runs
  std::string out_dir = "bench-results";
  std::string only;          // empty: every workload
  std::string python_dir;    // where <workload>.py live
  std::string python_exe;    // empty: python3 not found
  std::string load_average;  // /proc/loadavg (1, 5, 15 min) when the run started; "" if unknown
};

/// One implementation's measurement (median of its runs).
struct Impl {
  Impl() = default;
  Impl(std::string n, std::string k, std::string why = {})
      : name(std::move(n)), kind(std::move(k)), note(std::move(why)) {}
  std::string name;        // "concur", "std::mutex", "Python", ...
  std::string kind;        // "concur", "peer" or "python"
  bool available = false;  // false: not installed / skipped (see note)
  std::string note;
  std::int64_t items = 0;
  double seconds = 0;        // median seconds
  double rate = 0;           // items / seconds
  double best_seconds = 0;   // fastest run
  double best_rate = 0;      // items / best_seconds
  std::vector<double> runs;  // seconds of every measured run
};

/// concur rate / other rate, with an optional target (ratio >= target).
struct Ratio {
  std::string against;
  double value = 0;
  std::optional<double> target;
  [[nodiscard]] bool met() const { return !target || value >= *target; }
};

/// An absolute check, e.g. "wall time <= 2.3 s".
struct Check {
  std::string what;
  std::string target;
  std::string measured;
  bool met = false;
};

struct WorkloadResult {
  WorkloadResult() = default;
  WorkloadResult(std::string n, std::string desc, std::string u)
      : name(std::move(n)), description(std::move(desc)), unit(std::move(u)) {}
  std::string name;
  std::string description;
  std::string unit;             // what an item is: "increments", "items", "threads"
  bool report_seconds = false;  // summary shows wall seconds instead of a rate (io_sleep_threads)
  Impl concur;
  std::vector<Impl> others;  // peers then Python
  std::vector<Ratio> ratios;
  std::vector<Check> checks;
  std::vector<std::string> notes;
  bool failed = false;  // a correctness failure (wrong total, crashed script, ...)
  std::string error;
};

/// Seconds of a callable's run on the steady clock.
template <class F>
double time_seconds(F&& f);

/// Median of the values (0 for none).
double median(std::vector<double> v);

/// Fills items/seconds/rate from runs (median) and best_*; marks it available.
void finish_impl(Impl& impl, std::int64_t items, const std::vector<double>& runs);

/// One C++ implementation of a workload: `once(items, error)` runs it on `items` items and
/// returns the measured seconds; it appends to `error` when the result is wrong.
struct Contender {
  std::string name;
  std::string kind;  // "concur" or "peer"
  std::function<double(std::int64_t items, std::string& error)> once;
};

/// Runs each contender once on `warmup_items` (warm-up), then `repeat` rounds in which every
/// contender runs once on `items`, in turn, so a change in background load hits all alike.
/// Returns one Impl per contender (same order); one that fails stops and gets a note, and its
/// message is appended to `error`.
std::vector<Impl> measure_interleaved(const std::vector<Contender>& contenders, std::int64_t items,
                                      std::int64_t warmup_items, int repeat, std::string& error);

/// Runs `python3 DIR/<workload>.py --items N [extra]` `repeat` times; each run must print one
/// JSON line {"items":..,"seconds":..}. Fills a Python Impl (or one with a note on failure;
/// `error` is set when the script ran but failed).
Impl run_python(const Options& opt, const std::string& workload, std::int64_t items, int repeat,
                const std::string& extra_args, std::string& error);

/// Marks the workload failed with `error` when `error` is not empty.
void record_error(WorkloadResult& r, const std::string& error);

/// Adds ratio rows (concur rate / other rate) for every available other implementation.
/// `targets` maps an implementation name to its target ratio.
void add_ratios(WorkloadResult& r, const std::vector<std::pair<std::string, double>>& targets);

/// Finds python3 on PATH; empty when missing.
std::string find_python();

/// The 1, 5 and 15 minute load averages from /proc/loadavg ("" when unreadable).
std::string load_average();

// The workloads.
WorkloadResult run_lock_counter(const Options& opt);
WorkloadResult run_queue_bounded(const Options& opt);
WorkloadResult run_io_sleep_threads(const Options& opt);
WorkloadResult run_executor_submit(const Options& opt);
WorkloadResult run_process_pool(const Options& opt);
WorkloadResult run_process_pool_map(const Options& opt);
WorkloadResult run_executor_map(const Options& opt);
WorkloadResult run_executor_latency(const Options& opt);
WorkloadResult run_process_start(const Options& opt);
WorkloadResult run_pipe_pingpong(const Options& opt);
WorkloadResult run_cpu_bound(const Options& opt);
WorkloadResult run_io_sleep_processes(const Options& opt);
WorkloadResult run_mpq_small(const Options& opt);
WorkloadResult run_mpq_large(const Options& opt);
WorkloadResult run_mpq_4x4(const Options& opt);
WorkloadResult run_mpq_pingpong(const Options& opt);
WorkloadResult run_asyncio_gather(const Options& opt);
WorkloadResult run_asyncio_echo(const Options& opt);
WorkloadResult run_asyncio_sleepers(const Options& opt);

}  // namespace concur_bench

#include <chrono>
#include <utility>

template <class F>
double concur_bench::time_seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  std::forward<F>(f)();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count();
}
