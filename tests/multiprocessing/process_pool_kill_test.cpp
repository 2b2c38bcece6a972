// Kill tests for futures::ProcessPoolExecutor: a worker SIGKILLed at each step of the pool's
// protocol (stopped there by the pool's test hook), in the middle of writing its result, from
// outside while busy and while idle, and the pool's own process SIGKILLed while its workers
// run. Each time: work already finished keeps its result, the caller gets BrokenProcessPool
// (never a hang), and no child, fd or /dev/shm segment is left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "concur/futures/process_pool_executor.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace futures = concur::futures;
using concur::futures::detail_pool::PoolStep;
using namespace std::chrono_literals;

namespace pool_kill_tasks {

int square(int x) {
  return x * x;
}
int sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

}  // namespace pool_kill_tasks

CONCUR_TASK(pool_kill_tasks::square);
CONCUR_TASK(pool_kill_tasks::sleep_ms);

namespace {

// Which step kills the worker, and after how many passes (set before the pool forks).
PoolStep g_kill_at = PoolStep::call_received;
int g_passes_left = 0;
bool g_tear_frame = false;  // at the kill point, first write half of a result frame

void kill_here(PoolStep s, int fd) {
  if (s != g_kill_at) return;
  if (g_passes_left-- > 0) return;
  if (g_tear_frame) {
    const std::uint64_t len = 1000;  // a header promising 1000 bytes, then only 10 of them
    (void)!::write(fd, &len, sizeof len);
    (void)!::write(fd, "RRRRRRRRRR", 10);
  }
  ::raise(SIGKILL);
}

class ProcessPoolKillTest : public concur_test::LeakCheckedTest {
 protected:
  void arm(PoolStep at, int passes, bool tear_frame = false) {
    g_kill_at = at;
    g_passes_left = passes;
    g_tear_frame = tear_frame;
    futures::detail_pool::set_pool_step_hook(&kill_here);
  }
  void TearDown() override {
    futures::detail_pool::set_pool_step_hook(nullptr);
    LeakCheckedTest::TearDown();
  }
};

void expect_broken(const futures::Future<int>& f) {
  try {
    (void)f.result(20s);
    ADD_FAILURE() << "the call succeeded";
  } catch (const futures::BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("terminated abruptly"), std::string::npos) << e.what();
  }
}

// Three clean calls, then the armed step kills the worker during the fourth.
void run_killed_during_fourth_call(bool call_completes) {
  futures::ProcessPoolExecutor pool(1);
  std::vector<futures::Future<int>> done;
  for (int i = 0; i < 3; ++i) done.push_back(pool.submit(pool_kill_tasks::square, i));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(done[i].result(20s), i * i);
  auto victim = pool.submit(pool_kill_tasks::square, 9);
  std::vector<futures::Future<int>> queued;
  try {
    for (int i = 0; i < 5; ++i) queued.push_back(pool.submit(pool_kill_tasks::square, i));
  } catch (const futures::BrokenProcessPool&) {  // NOLINT(bugprone-empty-catch)
    // the worker died so fast that the pool is broken already: nothing more is accepted
  }
  if (call_completes) {
    EXPECT_EQ(victim.result(20s), 81);  // its result was out before the worker died
  } else {
    expect_broken(victim);
  }
  // What was still queued fails too: a pool with a dead worker is broken.
  for (auto& f : queued) {
    ASSERT_TRUE(f.wait(20s));
    if (f.exception() != nullptr) expect_broken(f);
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(done[i].result(), i * i);  // nothing finished is lost
  ASSERT_TRUE(concur_test::eventually(
      [&] {
        try {
          (void)pool.submit(pool_kill_tasks::square, 1);
          return false;
        } catch (const futures::BrokenProcessPool&) {
          return true;
        }
      },
      20s));
}

TEST_F(ProcessPoolKillTest, WorkerKilledAfterReceivingACall) {
  arm(PoolStep::call_received, 3);
  run_killed_during_fourth_call(false);
}

TEST_F(ProcessPoolKillTest, WorkerKilledAfterRunningACallBeforeSendingItsResult) {
  arm(PoolStep::call_returned, 3);
  run_killed_during_fourth_call(false);
}

TEST_F(ProcessPoolKillTest, WorkerKilledHalfWayThroughWritingItsResult) {
  arm(PoolStep::call_returned, 3, true);
  run_killed_during_fourth_call(false);
}

TEST_F(ProcessPoolKillTest, WorkerKilledAfterSendingItsResult) {
  arm(PoolStep::result_sent, 3);
  run_killed_during_fourth_call(true);
}

TEST_F(ProcessPoolKillTest, WorkerKilledBeforeItsFirstCall) {
  arm(PoolStep::worker_started, 0);
  futures::ProcessPoolExecutor pool(2);
  auto f = pool.submit(pool_kill_tasks::square, 3);
  // Either the killed worker was handed the call, or the pool broke before any worker took it.
  try {
    EXPECT_EQ(f.result(20s), 9);
    ADD_FAILURE() << "both workers died, the call cannot have run";
  } catch (const futures::BrokenProcessPool&) {  // NOLINT(bugprone-empty-catch): expected
  }
  EXPECT_THROW(pool.submit(pool_kill_tasks::square, 1), futures::BrokenProcessPool);
}

TEST_F(ProcessPoolKillTest, BusyWorkerKilledFromOutside) {
  futures::ProcessPoolExecutor pool(2);
  auto first = pool.submit(pool_kill_tasks::square, 4);
  ASSERT_EQ(first.result(20s), 16);
  auto slow_a = pool.submit(pool_kill_tasks::sleep_ms, 30000);
  auto slow_b = pool.submit(pool_kill_tasks::sleep_ms, 30000);
  auto queued = pool.submit(pool_kill_tasks::square, 5);
  ASSERT_TRUE(concur_test::eventually([&] { return slow_a.running() && slow_b.running(); }));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pool.worker_pids().at(0), SIGKILL), 0);
  expect_broken(slow_a);
  expect_broken(slow_b);  // the surviving worker is stopped: its call cannot complete
  expect_broken(queued);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  try {
    (void)pool.submit(pool_kill_tasks::square, 1);
    ADD_FAILURE() << "submit on a broken pool";
  } catch (const futures::BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
  }
  EXPECT_EQ(first.result(), 16);
  pool.shutdown();  // returns: the other worker was terminated
  EXPECT_TRUE(pool.worker_pids().empty());
}

TEST_F(ProcessPoolKillTest, IdleWorkerKilledFromOutside) {
  futures::ProcessPoolExecutor pool(2);
  ASSERT_EQ(pool.submit(pool_kill_tasks::square, 4).result(20s), 16);
  ASSERT_EQ(::kill(pool.worker_pids().at(1), SIGKILL), 0);
  ASSERT_TRUE(concur_test::eventually(
      [&] {
        try {
          auto f = pool.submit(pool_kill_tasks::square, 1);
          try {
            (void)f.result(20s);
          } catch (const futures::BrokenProcessPool&) {  // NOLINT(bugprone-empty-catch)
          }
          return false;
        } catch (const futures::BrokenProcessPool&) {
          return true;
        }
      },
      20s));
}

// The process that owns the pool dies: its workers must not linger (they finish the call in
// hand, see that the pool is gone and exit).
TEST_F(ProcessPoolKillTest, ThePoolsOwnerKilledWhileItsWorkersRun) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t owner = concur_test::fork_child([&] {
    ::close(report[0]);
    futures::ProcessPoolExecutor pool(2);
    auto a = pool.submit(pool_kill_tasks::sleep_ms, 300);
    auto b = pool.submit(pool_kill_tasks::sleep_ms, 300);
    for (pid_t pid : pool.worker_pids()) (void)!::write(report[1], &pid, sizeof pid);
    ::close(report[1]);
    std::this_thread::sleep_for(60s);  // killed long before
    return 0;
  });
  ::close(report[1]);
  pid_t workers[2] = {0, 0};
  std::size_t got = 0;
  while (got < sizeof workers) {
    const ssize_t n = ::read(report[0], reinterpret_cast<char*>(workers) + got,  // NOLINT
                             sizeof workers - got);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  ::close(report[0]);
  ASSERT_EQ(::kill(owner, SIGKILL), 0);
  EXPECT_EQ(concur_test::wait_child(owner), -SIGKILL);
  // The workers were the owner's children; once orphaned, they are reaped by init (or show
  // as zombies of it). Either way they must stop running.
  const auto running = [](pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const std::size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
  };
  for (pid_t w : workers) {
    EXPECT_TRUE(concur_test::eventually([&] { return !running(w); }, 10s)) << "worker " << w;
  }
}

}  // namespace
