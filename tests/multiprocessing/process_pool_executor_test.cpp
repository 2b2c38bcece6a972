// futures::ProcessPoolExecutor: results and exceptions across processes, parallelism, map,
// cancellation before a worker takes a call, shutdown(wait, cancel_futures), the initializer,
// large values, done callbacks, an exiting worker, and a stress run from several threads.
// (It lives with the multiprocessing tests: it forks, which ThreadSanitizer cannot follow.)
#include "concur/futures/process_pool_executor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "concur/errors.hpp"
#include "concur/multiprocessing/context.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace futures = concur::futures;
namespace mp = concur::mp;
using namespace std::chrono_literals;

namespace pool_tasks {

int square(int x) {
  return x * x;
}
int add(int a, int b) {
  return a + b;
}
int my_pid() {
  return static_cast<int>(::getpid());
}
int sleep_then_pid(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return static_cast<int>(::getpid());
}
void nothing() {}
int throw_runtime(std::string message) {
  throw std::runtime_error(message);
}
int throw_value_error(std::string message) {
  throw concur::ValueError(message);
}
struct Custom : std::runtime_error {
  using std::runtime_error::runtime_error;
};
int throw_custom(std::string message) {
  throw Custom(message);
}
std::string reverse(std::string s) {
  return {s.rbegin(), s.rend()};
}
int fail_on_13(int x) {
  if (x == 13) throw std::invalid_argument("unlucky");
  return x;
}
int exit_now(int code) {
  std::exit(code);
}
int g_initialized = 0;  // set by the initializer in each worker
int initialized() {
  return g_initialized;
}
void set_initialized(int value) {
  g_initialized = value;
}
void refuse_to_start(std::string why) {
  throw std::runtime_error(why);
}
int not_registered(int x) {
  return x;
}

}  // namespace pool_tasks

CONCUR_TASK(pool_tasks::square);
CONCUR_TASK(pool_tasks::add);
CONCUR_TASK(pool_tasks::my_pid);
CONCUR_TASK(pool_tasks::sleep_then_pid);
CONCUR_TASK(pool_tasks::nothing);
CONCUR_TASK(pool_tasks::throw_runtime);
CONCUR_TASK(pool_tasks::throw_value_error);
CONCUR_TASK(pool_tasks::throw_custom);
CONCUR_TASK(pool_tasks::reverse);
CONCUR_TASK(pool_tasks::exit_now);
CONCUR_TASK(pool_tasks::fail_on_13);
CONCUR_TASK(pool_tasks::initialized);
CONCUR_TASK(pool_tasks::set_initialized);
CONCUR_TASK(pool_tasks::refuse_to_start);

namespace {

using ProcessPoolExecutorTest = concur_test::LeakCheckedTest;

TEST_F(ProcessPoolExecutorTest, SubmitRunsInAWorkerProcessAndReturnsTheResult) {
  futures::ProcessPoolExecutor pool(2);
  EXPECT_TRUE(pool.worker_pids().empty());  // workers start at the first submit
  EXPECT_EQ(pool.submit(pool_tasks::square, 7).result(), 49);
  EXPECT_EQ(pool.submit(pool_tasks::add, 2, 3).result(), 5);
  EXPECT_NE(pool.submit(pool_tasks::my_pid).result(), static_cast<int>(::getpid()));
  pool.submit(pool_tasks::nothing).result();
  const std::vector<pid_t> pids = pool.worker_pids();
  ASSERT_EQ(pids.size(), 2U);
  EXPECT_NE(pids[0], pids[1]);
  pool.shutdown();
  EXPECT_TRUE(pool.worker_pids().empty());
}

TEST_F(ProcessPoolExecutorTest, DefaultsToOneWorkerPerCpuAndRefusesZero) {
  futures::ProcessPoolExecutor pool;
  EXPECT_EQ(pool.max_workers(), static_cast<std::size_t>(mp::cpu_count()));
  EXPECT_THROW(futures::ProcessPoolExecutor(0), concur::ValueError);
}

TEST_F(ProcessPoolExecutorTest, CallsRunInParallelOnDifferentWorkers) {
  futures::ProcessPoolExecutor pool(2);
  pool.submit(pool_tasks::nothing).result();  // workers started
  const auto start = std::chrono::steady_clock::now();
  std::vector<futures::Future<int>> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(pool.submit(pool_tasks::sleep_then_pid, 300));
  std::set<int> pids;
  for (auto& f : fs) pids.insert(f.result());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(pids.size(), 2U);
  EXPECT_LT(took, 1100ms);  // two rounds of 300 ms, not four
}

TEST_F(ProcessPoolExecutorTest, ExceptionsComeBackWithTheirType) {
  futures::ProcessPoolExecutor pool(1);
  try {
    pool.submit(pool_tasks::throw_runtime, std::string("boom")).result();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  EXPECT_THROW(pool.submit(pool_tasks::throw_value_error, std::string("bad")).result(),
               concur::ValueError);
  try {
    pool.submit(pool_tasks::throw_custom, std::string("mine")).result();
    ADD_FAILURE() << "no exception";
  } catch (const mp::RemoteError& e) {
    EXPECT_NE(e.type_name().find("Custom"), std::string::npos) << e.type_name();
    EXPECT_NE(std::string(e.what()).find("mine"), std::string::npos) << e.what();
  }
  auto failed = pool.submit(pool_tasks::throw_runtime, std::string("x"));
  EXPECT_TRUE(failed.exception() != nullptr);
  EXPECT_EQ(pool.submit(pool_tasks::square, 3).result(), 9);  // the worker carries on
}

TEST_F(ProcessPoolExecutorTest, UnregisteredFunctionsAreRefusedAtSubmit) {
  futures::ProcessPoolExecutor pool(1);
  EXPECT_THROW(pool.submit(pool_tasks::not_registered, 1), concur::ValueError);
  EXPECT_TRUE(pool.worker_pids().empty());  // nothing was started for it
}

TEST_F(ProcessPoolExecutorTest, SubmitAfterShutdownThrows) {
  futures::ProcessPoolExecutor pool(1);
  EXPECT_EQ(pool.submit(pool_tasks::square, 2).result(), 4);
  pool.shutdown();
  EXPECT_THROW(pool.submit(pool_tasks::square, 2), concur::RuntimeError);
  pool.shutdown();  // twice is fine
  futures::ProcessPoolExecutor never_used(1);
  never_used.shutdown();
  EXPECT_THROW(never_used.submit(pool_tasks::square, 2), concur::RuntimeError);
}

TEST_F(ProcessPoolExecutorTest, QueuedCallsCanBeCancelledUntilAWorkerTakesThem) {
  futures::ProcessPoolExecutor pool(1);
  auto running = pool.submit(pool_tasks::sleep_then_pid, 300);
  ASSERT_TRUE(concur_test::eventually([&] { return running.running(); }));
  EXPECT_FALSE(running.cancel());
  std::vector<futures::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit(pool_tasks::square, i));
  EXPECT_TRUE(queued[1].cancel());
  EXPECT_TRUE(queued[3].cancel());
  EXPECT_GT(running.result(), 0);
  EXPECT_EQ(queued[0].result(), 0);
  EXPECT_THROW(queued[1].result(), concur::CancelledError);
  EXPECT_EQ(queued[2].result(), 4);
  EXPECT_TRUE(queued[3].cancelled());
  EXPECT_EQ(queued[4].result(), 16);
}

TEST_F(ProcessPoolExecutorTest, ShutdownWithCancelFuturesCancelsTheQueueAndWaitsForTheRest) {
  futures::ProcessPoolExecutor pool(1);
  auto running = pool.submit(pool_tasks::sleep_then_pid, 200);
  ASSERT_TRUE(concur_test::eventually([&] { return running.running(); }));
  std::vector<futures::Future<int>> queued;
  for (int i = 0; i < 10; ++i) queued.push_back(pool.submit(pool_tasks::square, i));
  pool.shutdown(true, true);
  EXPECT_TRUE(running.done());
  EXPECT_GT(running.result(), 0);
  for (auto& f : queued) EXPECT_TRUE(f.cancelled());
}

TEST_F(ProcessPoolExecutorTest, ShutdownWithoutWaitStillRunsWhatWasQueued) {
  std::vector<futures::Future<int>> fs;
  {
    futures::ProcessPoolExecutor pool(2);
    for (int i = 0; i < 50; ++i) fs.push_back(pool.submit(pool_tasks::square, i));
    pool.shutdown(false);
    EXPECT_THROW(pool.submit(pool_tasks::square, 1), concur::RuntimeError);
  }  // the destructor waits
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(fs[i].done());
    EXPECT_EQ(fs[i].result(), i * i);
  }
}

TEST_F(ProcessPoolExecutorTest, MapKeepsInputOrder) {
  futures::ProcessPoolExecutor pool(2);
  std::vector<int> xs;
  for (int i = 0; i < 100; ++i) xs.push_back(i);
  int i = 0;
  for (int sq : pool.map(pool_tasks::square, xs)) {
    EXPECT_EQ(sq, i * i);
    ++i;
  }
  EXPECT_EQ(i, 100);
  const std::vector<int> ys{10, 20, 30};
  EXPECT_EQ(pool.map(pool_tasks::add, xs, ys, 5s).to_vector(), (std::vector<int>{10, 21, 32}));
  auto slow = pool.map(pool_tasks::sleep_then_pid, std::vector<int>{500}, 50ms);
  EXPECT_THROW(slow.to_vector(), concur::TimeoutError);
}

TEST_F(ProcessPoolExecutorTest, MapInChunks) {
  futures::ProcessPoolExecutor pool(2);
  std::vector<int> xs;
  for (int i = 0; i < 1000; ++i) xs.push_back(i);
  const std::vector<int> ys(1000, 1);
  for (const std::size_t chunk : {1U, 7U, 64U, 1000U, 5000U}) {
    const auto out = pool.map(pool_tasks::add, xs, ys, futures::Chunksize{chunk}).to_vector();
    ASSERT_EQ(out.size(), 1000U);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(out[i], i + 1) << "chunk " << chunk;
  }
  EXPECT_EQ(pool.map(pool_tasks::square, xs, 10s, futures::Chunksize{100}).to_vector().back(),
            999 * 999);
  EXPECT_THROW(pool.map(pool_tasks::square, xs, futures::Chunksize{0}), concur::ValueError);
  EXPECT_TRUE(
      pool.map(pool_tasks::square, std::vector<int>{}, futures::Chunksize{8}).to_vector().empty());
}

TEST(ProcessPoolChunkFrames, RoundTripAndTornFrames) {
  namespace dp = futures::detail_pool;
  std::string buf;
  for (const std::string& part :
       std::vector<std::string>{"", "a", "hello", std::string(70000, 'x')}) {
    const std::size_t start = dp::begin_frame(buf);
    buf += part;
    dp::end_frame(buf, start);
  }
  std::string_view rest = buf;
  std::string_view frame;
  std::vector<std::string> parts;
  while (dp::next_frame(rest, frame)) parts.emplace_back(frame);
  ASSERT_EQ(parts.size(), 4U);
  EXPECT_EQ(parts[0], "");
  EXPECT_EQ(parts[2], "hello");
  EXPECT_EQ(parts[3].size(), 70000U);
  // The first three frames take 4 + 0, 4 + 1 and 4 + 5 bytes; cut the fourth in its header,
  // then in its body.
  for (const std::size_t keep : {18U + 2U, 18U + 4U + 100U}) {
    std::string_view torn = std::string_view(buf).substr(0, keep);
    EXPECT_THROW(
        {
          while (dp::next_frame(torn, frame)) {
          }
        },
        mp::DecodeError);
  }
}

TEST(ProcessPoolChunkFrames, AChunkWithTheWrongNumberOfResultsIsADecodeError) {
  futures::Future<std::vector<int>> short_chunk;
  short_chunk.set_result(std::vector<int>{1});
  futures::ChunkedMapResults<int> results({short_chunk}, {2}, concur::Timeout{});
  EXPECT_THROW((void)results.to_vector(), mp::DecodeError);
  EXPECT_THROW((void)*results.begin(), mp::DecodeError);
}

TEST_F(ProcessPoolExecutorTest, AnExceptionFailsTheRestOfItsChunk) {
  futures::ProcessPoolExecutor pool(2);
  std::vector<int> xs;
  for (int i = 0; i < 40; ++i) xs.push_back(i);
  auto results = pool.map(pool_tasks::fail_on_13, xs, futures::Chunksize{10});
  int i = 0;
  try {
    for (int r : results) {
      EXPECT_EQ(r, i);
      ++i;
    }
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unlucky");
  }
  EXPECT_EQ(i, 10);  // the chunk 10..19 failed as a whole; 0..9 came back
}

TEST_F(ProcessPoolExecutorTest, ChunksStillQueuedAreCancelledWithTheirCalls) {
  futures::ProcessPoolExecutor pool(1);
  auto blocker = pool.submit(pool_tasks::sleep_then_pid, 200);
  ASSERT_TRUE(concur_test::eventually([&] { return blocker.running(); }));
  std::vector<int> xs(50, 3);
  auto results = pool.map(pool_tasks::square, xs, futures::Chunksize{10});
  pool.shutdown(true, true);  // cancels the queued chunks, so their calls too
  EXPECT_GT(blocker.result(), 0);
  EXPECT_THROW(results.to_vector(), concur::CancelledError);
}

TEST_F(ProcessPoolExecutorTest, TheInitializerRunsInEveryWorker) {
  int value = 42;
  futures::ProcessPoolExecutor pool(2, [value] { pool_tasks::g_initialized = value; });
  std::vector<futures::Future<int>> fs;
  for (int i = 0; i < 8; ++i) fs.push_back(pool.submit(pool_tasks::initialized));
  for (auto& f : fs) EXPECT_EQ(f.result(), 42);
  EXPECT_EQ(pool_tasks::g_initialized, 0);  // not in this process
}

TEST_F(ProcessPoolExecutorTest, AFailingInitializerBreaksThePool) {
  futures::ProcessPoolExecutor pool(1, [] { throw std::runtime_error("no database"); });
  auto f = pool.submit(pool_tasks::square, 2);
  try {
    f.result(10s);
    ADD_FAILURE() << "no exception";
  } catch (const futures::BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("initializer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no database"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pool.submit(pool_tasks::square, 2), futures::BrokenProcessPool);
  EXPECT_THROW(pool.submit(pool_tasks::square, 2), futures::BrokenExecutor);
}

TEST_F(ProcessPoolExecutorTest, LargeArgumentsAndResultsTravelWhole) {
  futures::ProcessPoolExecutor pool(2);
  const std::string big = concur_test::pattern(8U << 20, 7);
  auto f1 = pool.submit(pool_tasks::reverse, big);
  auto f2 = pool.submit(pool_tasks::reverse, std::string());
  EXPECT_EQ(f1.result(), std::string(big.rbegin(), big.rend()));
  EXPECT_EQ(f2.result(), "");
}

TEST_F(ProcessPoolExecutorTest, DoneCallbacksRunAndMaySubmitMore) {
  futures::ProcessPoolExecutor pool(2);
  futures::Future<int> second;
  std::atomic<bool> chained{false};
  auto first = pool.submit(pool_tasks::square, 4);
  first.add_done_callback([&](futures::Future<int> done) {
    second = pool.submit(pool_tasks::square, done.result());
    chained = true;
  });
  ASSERT_TRUE(concur_test::eventually([&] { return chained.load(); }));
  EXPECT_EQ(second.result(), 256);
}

TEST_F(ProcessPoolExecutorTest, ADoneCallbackMayShutThePoolDownBeforeItIsDestroyed) {
  std::atomic<bool> shut{false};
  futures::Future<int> f;
  {
    futures::ProcessPoolExecutor pool(1);
    f = pool.submit(pool_tasks::sleep_then_pid, 100);
    // Runs in the pool's manager thread: shutdown(wait=true) there cannot join itself.
    f.add_done_callback([&](const futures::Future<int>& /*done*/) {
      pool.shutdown();
      shut = true;
    });
    ASSERT_TRUE(concur_test::eventually([&] { return shut.load(); }));
  }  // the executor goes while its manager thread may still be stopping the worker
  EXPECT_GT(f.result(), 0);
}

TEST_F(ProcessPoolExecutorTest, AWorkerThatExitsBreaksThePoolWithItsExitCode) {
  futures::ProcessPoolExecutor pool(2);
  auto ok = pool.submit(pool_tasks::square, 5);
  EXPECT_EQ(ok.result(), 25);
  auto f = pool.submit(pool_tasks::exit_now, 3);
  try {
    f.result(10s);
    ADD_FAILURE() << "no exception";
  } catch (const futures::BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("terminated abruptly"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exit code 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ok.result(), 25);  // finished work keeps its result
  EXPECT_THROW(pool.submit(pool_tasks::square, 1), futures::BrokenProcessPool);
}

TEST_F(ProcessPoolExecutorTest, AForkedChildCannotUseItsParentsPool) {
  futures::ProcessPoolExecutor pool(1);
  EXPECT_EQ(pool.submit(pool_tasks::square, 2).result(), 4);
  mp::Process child([&pool] {
    try {
      (void)pool.submit(pool_tasks::square, 3);
      mp::exit(2);                           // accepted: its future would never complete
    } catch (const concur::RuntimeError&) {  // NOLINT(bugprone-empty-catch): expected
    }
    pool.shutdown();  // a no-op in the child: neither hangs nor touches the parent's workers
    if (!pool.worker_pids().empty()) mp::exit(3);
  });
  child.start();
  ASSERT_TRUE(child.join(concur::Timeout(20s)));
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_EQ(pool.submit(pool_tasks::square, 4).result(), 16);  // the parent's pool still works
}

TEST_F(ProcessPoolExecutorTest, StressManyCallsFromSeveralThreads) {
  futures::ProcessPoolExecutor pool(3);
  constexpr int kThreads = 4;
  constexpr int kCalls = 5000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<futures::Future<int>> fs;
      fs.reserve(kCalls);
      for (int i = 0; i < kCalls; ++i) fs.push_back(pool.submit(pool_tasks::add, t, i));
      for (int i = 0; i < kCalls; ++i) {
        if (i % 7 == 0) fs[i].cancel();  // some are taken already, some not
      }
      for (int i = 0; i < kCalls; ++i) {
        if (fs[i].cancelled()) continue;
        if (fs[i].result() != t + i) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ------------------------------------------------------------ spawn and forkserver workers

class ProcessPoolStartMethodTest : public concur_test::LeakCheckedTest,
                                   public testing::WithParamInterface<const char*> {
 protected:
  void TearDown() override {
    mp::detail::stop_forkserver();  // a child of the test process
    LeakCheckedTest::TearDown();
  }
  [[nodiscard]] static mp::Context ctx() { return mp::get_context(GetParam()); }
};

TEST_P(ProcessPoolStartMethodTest, RunsCallsAndReportsErrors) {
  futures::ProcessPoolExecutor pool(2, ctx());
  std::vector<futures::Future<int>> fs;
  for (int i = 0; i < 200; ++i) fs.push_back(pool.submit(pool_tasks::add, i, 1));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(fs[i].result(), i + 1);
  EXPECT_NE(pool.submit(pool_tasks::my_pid).result(), static_cast<int>(::getpid()));
  EXPECT_THROW(pool.submit(pool_tasks::throw_value_error, std::string("bad")).result(),
               concur::ValueError);
  const std::string big = concur_test::pattern(1U << 20, 3);
  EXPECT_EQ(pool.submit(pool_tasks::reverse, big).result(), std::string(big.rbegin(), big.rend()));
  EXPECT_EQ(pool.worker_pids().size(), 2U);
}

TEST_P(ProcessPoolStartMethodTest, RegisteredInitializerRunsInEachWorker) {
  futures::ProcessPoolExecutor pool(2, ctx(), mp::make_task_call(pool_tasks::set_initialized, 7));
  std::vector<futures::Future<int>> fs;
  for (int i = 0; i < 6; ++i) fs.push_back(pool.submit(pool_tasks::initialized));
  for (auto& f : fs) EXPECT_EQ(f.result(), 7);
}

TEST_P(ProcessPoolStartMethodTest, FailingInitializerBreaksThePool) {
  futures::ProcessPoolExecutor pool(
      1, ctx(), mp::make_task_call(pool_tasks::refuse_to_start, std::string("no config")));
  try {
    (void)pool.submit(pool_tasks::square, 2).result(20s);
    ADD_FAILURE() << "no exception";
  } catch (const futures::BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("no config"), std::string::npos) << e.what();
  }
}

TEST_P(ProcessPoolStartMethodTest, KilledWorkerBreaksThePool) {
  futures::ProcessPoolExecutor pool(2, ctx());
  EXPECT_EQ(pool.submit(pool_tasks::square, 3).result(), 9);
  auto slow = pool.submit(pool_tasks::sleep_then_pid, 30000);
  ASSERT_TRUE(concur_test::eventually([&] { return slow.running(); }));
  for (pid_t pid : pool.worker_pids()) ::kill(pid, SIGKILL);
  EXPECT_THROW((void)slow.result(20s), futures::BrokenProcessPool);
  EXPECT_THROW(pool.submit(pool_tasks::square, 1), futures::BrokenProcessPool);
}

TEST_P(ProcessPoolStartMethodTest, MaxTasksPerChildReplacesWorkers) {
  futures::ProcessPoolExecutor pool(2, ctx(), mp::make_task_call(pool_tasks::set_initialized, 5),
                                    2);
  std::set<int> pids;
  for (int round = 0; round < 5; ++round) {
    // Two calls at a time: each worker takes one call per round, so it retires every second
    // round and a fresh one (initialized again) takes its place.
    auto a = pool.submit(pool_tasks::sleep_then_pid, 20);
    auto b = pool.submit(pool_tasks::sleep_then_pid, 20);
    pids.insert(a.result(20s));
    pids.insert(b.result(20s));
    EXPECT_EQ(pool.submit(pool_tasks::initialized).result(20s), 5);
  }
  EXPECT_GE(pids.size(), 4U);  // 15 calls at 2 per worker: at least 8 workers in all
  std::vector<int> xs(100, 2);
  const auto out = pool.map(pool_tasks::square, xs, futures::Chunksize{10}).to_vector();
  EXPECT_EQ(out, std::vector<int>(100, 4));
  EXPECT_EQ(pool.worker_pids().size(), 2U);
  pool.shutdown();
  EXPECT_TRUE(pool.worker_pids().empty());
}

TEST_P(ProcessPoolStartMethodTest, MaxTasksPerChildIsRefusedWithForkAndZero) {
  EXPECT_THROW(futures::ProcessPoolExecutor(1, mp::get_context("fork"), std::nullopt, 3),
               concur::ValueError);
  EXPECT_THROW(futures::ProcessPoolExecutor(1, ctx(), std::nullopt, 0), concur::ValueError);
}

TEST_P(ProcessPoolStartMethodTest, CallableInitializerNeedsFork) {
  mp::set_start_method(GetParam(), true);
  EXPECT_THROW(futures::ProcessPoolExecutor(1, [] {}), concur::ValueError);
  futures::ProcessPoolExecutor pool(1);  // the default method, without an initializer
  EXPECT_EQ(pool.submit(pool_tasks::square, 5).result(), 25);
  pool.shutdown();
  mp::set_start_method("fork", true);
}

INSTANTIATE_TEST_SUITE_P(FreshWorkers, ProcessPoolStartMethodTest,
                         testing::Values("spawn", "forkserver"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
