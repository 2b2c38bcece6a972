// concur-micro-bench: Google Benchmark micro-benchmarks of concur's hot paths.
//   Lock acquire/release uncontended vs std::mutex, Queue put+get on one thread,
//   Event set/is_set, set/wait on one thread and a two-thread set/wait ping-pong.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "concur/queue.hpp"
#include "concur/threading.hpp"

namespace {

void BM_ConcurLock_Uncontended(benchmark::State& state) {
  concur::threading::Lock lock;
  std::int64_t counter = 0;
  for (auto _ : state) {
    std::lock_guard guard(lock);
    benchmark::DoNotOptimize(++counter);
  }
}
BENCHMARK(BM_ConcurLock_Uncontended);

void BM_StdMutex_Uncontended(benchmark::State& state) {
  std::mutex lock;
  std::int64_t counter = 0;
  for (auto _ : state) {
    std::lock_guard guard(lock);
    benchmark::DoNotOptimize(++counter);
  }
}
BENCHMARK(BM_StdMutex_Uncontended);

void BM_ConcurLock_AcquireRelease(benchmark::State& state) {
  concur::threading::Lock lock;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lock.acquire());
    lock.release();
  }
}
BENCHMARK(BM_ConcurLock_AcquireRelease);

void BM_ConcurQueue_PutGet(benchmark::State& state) {
  concur::queue::Queue<std::int64_t> q(state.range(0));
  std::int64_t v = 0;
  for (auto _ : state) {
    q.put(++v);
    benchmark::DoNotOptimize(q.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConcurQueue_PutGet)->Arg(1024)->Arg(0);  // bounded ring, unbounded deque

void BM_ConcurQueue_TryPutTryGet(benchmark::State& state) {
  concur::queue::Queue<std::int64_t> q(1024);
  std::int64_t v = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.try_put(++v));
    benchmark::DoNotOptimize(q.try_get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConcurQueue_TryPutTryGet);

void BM_ConcurEvent_SetIsSet(benchmark::State& state) {
  concur::threading::Event ev;
  for (auto _ : state) {
    ev.set();
    benchmark::DoNotOptimize(ev.is_set());
    ev.clear();
  }
}
BENCHMARK(BM_ConcurEvent_SetIsSet);

// set() then wait() on the same thread: wait() returns on its fast path.
void BM_ConcurEvent_SetWait(benchmark::State& state) {
  concur::threading::Event ev;
  for (auto _ : state) {
    ev.set();
    benchmark::DoNotOptimize(ev.wait());
    ev.clear();
  }
}
BENCHMARK(BM_ConcurEvent_SetWait);

// Ping-pong between two threads with two Events: one iteration is a round trip (two
// set -> wait hand-offs, each waking a thread that may have parked).
void BM_ConcurEvent_PingPong(benchmark::State& state) {
  concur::threading::Event ping;
  concur::threading::Event pong;
  std::atomic<bool> stop{false};
  std::thread partner([&] {
    for (;;) {
      ping.wait();
      ping.clear();
      if (stop.load(std::memory_order_relaxed)) return;
      pong.set();
    }
  });
  for (auto _ : state) {
    ping.set();
    pong.wait();
    pong.clear();
  }
  stop.store(true, std::memory_order_relaxed);
  ping.set();
  partner.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConcurEvent_PingPong)->UseRealTime();

void BM_ConcurEvent_IsSet(benchmark::State& state) {
  concur::threading::Event ev;
  ev.set();
  for (auto _ : state) benchmark::DoNotOptimize(ev.is_set());
}
BENCHMARK(BM_ConcurEvent_IsSet);

}  // namespace

int main(int argc, char** argv) {
  // glibc skips the atomic (lock-prefixed) instructions in pthread_mutex_lock while a process
  // has never been multi-threaded; start one thread first so std::mutex pays what it pays in
  // any real concurrent program (the comparison would otherwise be unfair to concur::Lock).
  std::thread([] {}).join();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
