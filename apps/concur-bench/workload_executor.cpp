// concur-bench workloads for concurrent.futures:
//  - executor_submit: 1,000,000 tiny tasks, submit every one, then result() of each.
//    concur ThreadPoolExecutor(4) vs Boost.Asio thread_pool(4) with a std::promise/future
//    per task vs oneTBB task_group (no futures at all) vs Python's ThreadPoolExecutor(4).
//  - executor_map: map(square, 1,000,000 ints) in order, vs Python's executor.map.
//  - executor_latency: submit -> running on an idle worker -> result(), one task at a time;
//    median and p99 reported (rate = round trips/s).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "concur/futures.hpp"

#if CONCUR_BENCH_HAVE_ASIO
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#endif
#if CONCUR_BENCH_HAVE_TBB
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace concur_bench {
namespace {

constexpr int kWorkers = 4;
constexpr std::int64_t kTasks = 1'000'000;

template <class Once>
Impl measure(const std::string& name, const std::string& kind, int repeat, std::int64_t items,
             Once once, std::string& error) {
  Impl impl(name, kind);
  bool ok = true;
  (void)once(items / 10, ok);  // warm-up: starts the workers
  std::vector<double> runs;
  for (int i = 0; i < repeat && ok; ++i) runs.push_back(once(items, ok));
  if (!ok) {
    error = name + ": wrong sum of results";
    impl.note = "wrong results";
    return impl;
  }
  finish_impl(impl, items, runs);
  return impl;
}

std::int64_t expected_sum(std::int64_t n) {
  return n * (n - 1) / 2;
}

double concur_submit(std::int64_t n, bool& ok) {
  concur::futures::ThreadPoolExecutor pool(kWorkers);
  std::vector<concur::futures::Future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  std::int64_t sum = 0;
  const double secs = time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) fs.push_back(pool.submit([i] { return i; }));
    for (auto& f : fs) sum += f.result();
  });
  ok = ok && sum == expected_sum(n);
  return secs;
}

#if CONCUR_BENCH_HAVE_ASIO
double asio_submit(std::int64_t n, bool& ok) {
  boost::asio::thread_pool pool(kWorkers);
  std::vector<std::future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  std::int64_t sum = 0;
  const double secs = time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      auto p = std::make_shared<std::promise<std::int64_t>>();
      fs.push_back(p->get_future());
      boost::asio::post(pool, [p, i] { p->set_value(i); });
    }
    for (auto& f : fs) sum += f.get();
  });
  pool.join();
  ok = ok && sum == expected_sum(n);
  return secs;
}
#endif

#if CONCUR_BENCH_HAVE_TBB
double tbb_submit(std::int64_t n, bool& ok) {
  tbb::task_arena arena(kWorkers);
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  const double secs = time_seconds([&] {
    arena.execute([&] {
      tbb::task_group g;
      for (std::int64_t i = 0; i < n; ++i)
        g.run([&out, i] { out[static_cast<std::size_t>(i)] = i; });
      g.wait();
    });
  });
  ok = ok && std::accumulate(out.begin(), out.end(), std::int64_t{0}) == expected_sum(n);
  return secs;
}
#endif

double concur_map(std::int64_t n, bool& ok) {
  concur::futures::ThreadPoolExecutor pool(kWorkers);
  std::vector<std::int64_t> in(static_cast<std::size_t>(n));
  std::iota(in.begin(), in.end(), std::int64_t{0});
  std::int64_t sum = 0;
  const double secs = time_seconds([&] {
    for (std::int64_t v : pool.map([](std::int64_t x) { return x; }, in)) sum += v;
  });
  ok = ok && sum == expected_sum(n);
  return secs;
}

// Latency: one task at a time on an idle pool; returns per-round-trip seconds.
std::vector<double> concur_latency(int rounds) {
  concur::futures::ThreadPoolExecutor pool(kWorkers);
  pool.submit([] {}).result();  // start a worker
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(rounds));
  for (int i = 0; i < rounds; ++i) {
    // Let the worker go idle (park) so this measures the wake-up path too.
    if (i % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    lat.push_back(time_seconds([&] { pool.submit([] { return 1; }).result(); }));
  }
  return lat;
}

#if CONCUR_BENCH_HAVE_ASIO
std::vector<double> asio_latency(int rounds) {
  boost::asio::thread_pool pool(kWorkers);
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(rounds));
  for (int i = 0; i < rounds; ++i) {
    if (i % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    lat.push_back(time_seconds([&] {
      auto p = std::make_shared<std::promise<int>>();
      auto f = p->get_future();
      boost::asio::post(pool, [p] { p->set_value(1); });
      (void)f.get();
    }));
  }
  pool.join();
  return lat;
}
#endif

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  return v[i];
}

Impl latency_impl(const std::string& name, const std::string& kind, const std::vector<double>& lat,
                  std::vector<std::string>& notes) {
  Impl impl(name, kind);
  const double med = percentile(lat, 0.5);
  const double p99 = percentile(lat, 0.99);
  finish_impl(impl, static_cast<std::int64_t>(lat.size()),
              {std::accumulate(lat.begin(), lat.end(), 0.0)});
  notes.push_back(name + ": median " + std::to_string(med * 1e6) + " us, p99 " +
                  std::to_string(p99 * 1e6) + " us");
  impl.note = "median " + std::to_string(static_cast<int>(med * 1e6 + 0.5)) + " us, p99 " +
              std::to_string(static_cast<int>(p99 * 1e6 + 0.5)) + " us";
  return impl;
}

}  // namespace

WorkloadResult run_executor_submit(const Options& opt) {
  WorkloadResult r("executor_submit",
                   "1,000,000 tiny tasks on a 4-worker pool: submit all, then result() of "
                   "each; rate = tasks/s",
                   "tasks");
  std::string error;
  r.concur = measure("concur", "concur", opt.repeat, kTasks, concur_submit, error);
#if CONCUR_BENCH_HAVE_ASIO
  r.others.push_back(measure("Boost.Asio thread_pool + std::promise", "peer", opt.repeat, kTasks,
                             asio_submit, error));
#else
  r.others.emplace_back("Boost.Asio thread_pool + std::promise", "peer", "not installed");
#endif
#if CONCUR_BENCH_HAVE_TBB
  r.others.push_back(
      measure("oneTBB task_group (no futures)", "peer", opt.repeat, kTasks, tbb_submit, error));
#else
  r.others.emplace_back("oneTBB task_group (no futures)", "peer", "not installed");
#endif
  const std::int64_t py_items = opt.quick ? 50'000 : 200'000;
  r.others.push_back(run_python(opt, "executor_submit", py_items, opt.repeat,
                                "--workers " + std::to_string(kWorkers), error));
  record_error(r, error);
  add_ratios(r, {{"Boost.Asio thread_pool + std::promise", 1.5},
                 {"oneTBB task_group (no futures)", 0.7},
                 {"Python", 30.0}});
  r.notes.push_back("Python runs " + std::to_string(py_items) + " tasks; rates are compared.");
  return r;
}

WorkloadResult run_executor_map(const Options& opt) {
  WorkloadResult r("executor_map", "map(identity, 1,000,000 ints) on a 4-worker pool, in order",
                   "items");
  std::string error;
  r.concur = measure("concur", "concur", opt.repeat, kTasks, concur_map, error);
  const std::int64_t py_items = opt.quick ? 50'000 : 200'000;
  r.others.push_back(run_python(opt, "executor_map", py_items, opt.repeat,
                                "--workers " + std::to_string(kWorkers), error));
  record_error(r, error);
  add_ratios(r, {});
  return r;
}

WorkloadResult run_executor_latency(const Options& opt) {
  WorkloadResult r("executor_latency",
                   "submit -> running on an idle worker -> result(), one task at a time; "
                   "rate = round trips/s",
                   "round trips");
  const int rounds = opt.quick ? 2'000 : 10'000;
  r.concur = latency_impl("concur", "concur", concur_latency(rounds), r.notes);
#if CONCUR_BENCH_HAVE_ASIO
  r.others.push_back(
      latency_impl("Boost.Asio thread_pool + std::promise", "peer", asio_latency(rounds), r.notes));
#else
  r.others.emplace_back("Boost.Asio thread_pool + std::promise", "peer", "not installed");
#endif
  std::string error;
  r.others.push_back(run_python(opt, "executor_latency", opt.quick ? 1'000 : 5'000, 1,
                                "--workers " + std::to_string(kWorkers), error));
  record_error(r, error);
  add_ratios(r, {});
  return r;
}

}  // namespace concur_bench
