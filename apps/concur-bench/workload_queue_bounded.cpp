// concur-bench workload `queue_bounded`: 2 producers + 2 consumers pass 2,000,000 int64 items
// through a bounded queue (capacity 1024). concur::queue::Queue vs moodycamel
// BlockingConcurrentQueue (unbounded) vs oneTBB concurrent_bounded_queue vs Python's
// queue.Queue. The sum received must equal the sum sent, or the run fails.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "concur/queue.hpp"

#if defined(CONCUR_BENCH_HAVE_MOODYCAMEL)
#include <concurrentqueue/blockingconcurrentqueue.h>
#endif
#if defined(CONCUR_BENCH_HAVE_TBB)
#include <tbb/concurrent_queue.h>
#endif

namespace concur_bench {
namespace {

constexpr int kProducers = 2;
constexpr int kConsumers = 2;
constexpr std::int64_t kItems = 2'000'000;
constexpr std::ptrdiff_t kCapacity = 1024;

struct ConcurAdapter {
  concur::queue::Queue<std::int64_t> q{kCapacity};
  void put(std::int64_t v) { q.put(v); }
  std::int64_t get() { return q.get(); }
};

#if defined(CONCUR_BENCH_HAVE_MOODYCAMEL)
struct MoodycamelAdapter {
  moodycamel::BlockingConcurrentQueue<std::int64_t> q;
  void put(std::int64_t v) { q.enqueue(v); }
  std::int64_t get() {
    std::int64_t v = 0;
    q.wait_dequeue(v);
    return v;
  }
};
#endif

#if defined(CONCUR_BENCH_HAVE_TBB)
struct TbbAdapter {
  tbb::concurrent_bounded_queue<std::int64_t> q;
  TbbAdapter() { q.set_capacity(kCapacity); }
  void put(std::int64_t v) { q.push(v); }
  std::int64_t get() {
    std::int64_t v = 0;
    q.pop(v);
    return v;
  }
};
#endif

// One run of `items` items; returns seconds from the start gate to the last join. `ok` is
// false when the sum received differs from the sum sent (printed into `error`).
template <class Adapter>
double run_once(std::int64_t items, std::string& error) {
  Adapter queue;
  const std::int64_t per_producer = items / kProducers;
  const std::int64_t per_consumer = items / kConsumers;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::int64_t> received(kConsumers, 0);
  std::vector<std::thread> threads;
  auto gate = [&] {
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
  };
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      gate();
      const std::int64_t first = p * per_producer + 1;
      for (std::int64_t v = first; v < first + per_producer; ++v) queue.put(v);
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      gate();
      std::int64_t sum = 0;
      for (std::int64_t i = 0; i < per_consumer; ++i) sum += queue.get();
      received[c] = sum;
    });
  }
  while (ready.load() != kProducers + kConsumers) std::this_thread::yield();
  const double secs = time_seconds([&] {
    go.store(true, std::memory_order_release);
    for (auto& t : threads) t.join();
  });
  const std::int64_t n = per_producer * kProducers;
  const std::int64_t sent = n * (n + 1) / 2;
  std::int64_t got = 0;
  for (std::int64_t s : received) got += s;
  if (got != sent) {
    error += "sum received " + std::to_string(got) + " != sum sent " + std::to_string(sent) + " (" +
             std::to_string(n) + " items).";
  }
  return secs;
}

}  // namespace

WorkloadResult run_queue_bounded(const Options& opt) {
  WorkloadResult r("queue_bounded",
                   "2 producers + 2 consumers, 2,000,000 int64 items through a "
                   "queue of capacity 1024; sum checked; rate = items/s",
                   "items");
  std::string error;
  std::vector<Contender> contenders{{"concur", "concur", run_once<ConcurAdapter>}};
#if defined(CONCUR_BENCH_HAVE_MOODYCAMEL)
  contenders.push_back({"moodycamel", "peer", run_once<MoodycamelAdapter>});
#endif
#if defined(CONCUR_BENCH_HAVE_TBB)
  contenders.push_back({"oneTBB", "peer", run_once<TbbAdapter>});
#endif
  std::vector<Impl> impls = measure_interleaved(contenders, kItems, kItems / 10, opt.repeat, error);
  r.concur = impls[0];
  auto take = [&](const std::string& name) {
    for (const Impl& i : impls) {
      if (i.name == name) {
        r.others.push_back(i);
        return;
      }
    }
    r.others.emplace_back(name, "peer", "not installed");
  };
  take("moodycamel");
  take("oneTBB");
  const std::int64_t py_items = 200'000;
  r.others.push_back(run_python(opt, r.name, py_items, opt.repeat,
                                "--producers 2 --consumers 2 --maxsize 1024", error));
  record_error(r, error);
  add_ratios(r, {{"moodycamel", 1.5}, {"oneTBB", 3.0}, {"Python", 15.0}});
  r.notes.push_back(
      "moodycamel BlockingConcurrentQueue is unbounded (enqueue / wait_dequeue, no tokens); "
      "oneTBB concurrent_bounded_queue has set_capacity(1024). C++ moves " +
      std::to_string(kItems) + " items" +
      (r.others.back().available
           ? ", Python " + std::to_string(r.others.back().items) + "; rates are compared."
           : "."));
  return r;
}

}  // namespace concur_bench
