#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "concur/asyncio.hpp"
#include "concur/futures.hpp"

namespace asyncio = concur::asyncio;
namespace cf = concur::futures;
using namespace std::chrono_literals;

TEST(Bridges, ToThreadRunsOffTheLoop) {
  asyncio::run([]() -> asyncio::Task<void> {
    const auto loop_thread = std::this_thread::get_id();
    auto blocking = [](int x) {
      std::this_thread::sleep_for(20ms);
      return std::make_pair(x * 2, std::this_thread::get_id());
    };
    // Two blocking calls overlap; the loop keeps running meanwhile.
    int ticks = 0;
    auto ticker = asyncio::create_task([](int& n) -> asyncio::Task<void> {
      for (;;) {
        co_await asyncio::sleep(1ms);
        ++n;
      }
    }(ticks));
    auto t0 = std::chrono::steady_clock::now();
    auto [a, b] = co_await asyncio::gather(
        [](decltype(blocking) f) -> asyncio::Task<std::pair<int, std::thread::id>> {
          co_return co_await asyncio::to_thread(f, 1);
        }(blocking),
        [](decltype(blocking) f) -> asyncio::Task<std::pair<int, std::thread::id>> {
          co_return co_await asyncio::to_thread(f, 2);
        }(blocking));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms);
    EXPECT_EQ(a.first, 2);
    EXPECT_EQ(b.first, 4);
    EXPECT_NE(a.second, loop_thread);
    EXPECT_GT(ticks, 3);
    ticker.cancel();
  }());
}

TEST(Bridges, ToThreadExceptionAndVoid) {
  asyncio::run([]() -> asyncio::Task<void> {
    EXPECT_THROW(co_await asyncio::to_thread([] { throw concur::ValueError("in a thread"); }),
                 concur::ValueError);
    std::atomic<bool> ran{false};
    co_await asyncio::to_thread([&] { ran = true; });
    EXPECT_TRUE(ran.load());
  }());
}

TEST(Bridges, WrapFutureFromPool) {
  cf::ThreadPoolExecutor pool(2);
  asyncio::run([](cf::ThreadPoolExecutor& p) -> asyncio::Task<void> {
    auto f = p.submit([] {
      std::this_thread::sleep_for(10ms);
      return std::string("pooled");
    });
    EXPECT_EQ(co_await asyncio::wrap_future(f), "pooled");
    EXPECT_EQ(co_await asyncio::wrap_future(f), "pooled");  // done: at once
    auto g = co_await asyncio::get_running_loop().run_in_executor(
        &p, [](int x) { return x + 1; }, 41);
    EXPECT_EQ(g, 42);
  }(pool));
}

TEST(Bridges, CancellingTheAwaiterCancelsAPendingFuture) {
  cf::ThreadPoolExecutor pool(1);
  asyncio::run([](cf::ThreadPoolExecutor& p) -> asyncio::Task<void> {
    std::atomic<bool> release{false};
    auto blocker = p.submit([&] {
      while (!release) std::this_thread::sleep_for(1ms);
    });
    auto queued = p.submit([] { return 1; });  // waits behind the blocker
    auto waiter = asyncio::create_task([](cf::Future<int> f) -> asyncio::Task<int> {
      co_return co_await asyncio::wrap_future(f);
    }(queued));
    co_await asyncio::sleep(5ms);
    waiter.cancel();
    EXPECT_THROW(co_await waiter, concur::CancelledError);
    EXPECT_TRUE(queued.cancelled());
    release = true;
    co_await asyncio::wrap_future(blocker);
  }(pool));
}

namespace bridge_tasks {
int my_pid() {
  return static_cast<int>(::getpid());
}
int multiply(int a, int b) {
  return a * b;
}
int fail(std::string why) {
  throw std::invalid_argument(why);
}
}  // namespace bridge_tasks
CONCUR_TASK(bridge_tasks::my_pid);
CONCUR_TASK(bridge_tasks::multiply);
CONCUR_TASK(bridge_tasks::fail);

TEST(Bridges, RunInExecutorWithAProcessPool) {
  cf::ProcessPoolExecutor processes(2);
  auto body = [](cf::ProcessPoolExecutor& ex) -> asyncio::Task<std::pair<int, int>> {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    const int pid = co_await loop.run_in_executor(&ex, bridge_tasks::my_pid);
    // Both calls are submitted before the first await: they run side by side in the workers.
    auto a = loop.run_in_executor(&ex, bridge_tasks::multiply, 6, 7);
    auto b = loop.run_in_executor(&ex, bridge_tasks::multiply, 2, 3);
    const int answer = co_await std::move(a);
    EXPECT_EQ(co_await std::move(b), 6);
    bool caught = false;
    // The exception's reference count lives in libstdc++, which ThreadSanitizer does not see:
    // holding the future until the handler is done keeps its last release in this thread.
    const cf::Future<int> failing = ex.submit(bridge_tasks::fail, std::string("no"));
    try {
      (void)co_await asyncio::wrap_future(failing);
    } catch (const std::invalid_argument& e) {
      caught = std::string(e.what()) == "no";
    }
    EXPECT_TRUE(caught);
    cf::ThreadPoolExecutor* no_pool = nullptr;  // a null pool: the loop's default executor
    const int three = co_await loop.run_in_executor(no_pool, [] { return 3; });
    EXPECT_EQ(three, 3);
    co_return std::make_pair(pid, answer);
  };
  const auto [pid, answer] = asyncio::run(body(processes));
  EXPECT_GT(pid, 0);
  EXPECT_NE(pid, static_cast<int>(::getpid()));  // it ran in another process
  EXPECT_EQ(answer, 42);
}

TEST(Bridges, RunCoroutineThreadsafe) {
  asyncio::EventLoop* loop_ptr = nullptr;
  std::atomic<bool> started{false};
  std::thread loop_thread([&] {
    asyncio::EventLoop loop;
    loop_ptr = &loop;
    started = true;
    loop.run_forever();
    loop.close();
  });
  while (!started) std::this_thread::sleep_for(1ms);
  auto add = [](int a, int b) -> asyncio::Task<int> {
    co_await asyncio::sleep(1ms);
    co_return a + b;
  };
  auto f = asyncio::run_coroutine_threadsafe(add(2, 3), *loop_ptr);
  EXPECT_EQ(f.result(5s), 5);
  auto bad = []() -> asyncio::Task<int> {
    co_await asyncio::sleep(0s);
    throw concur::ValueError("boom");
  };
  EXPECT_THROW(asyncio::run_coroutine_threadsafe(bad(), *loop_ptr).result(5s), concur::ValueError);
  // Cancelling the future cancels the task.
  std::atomic<bool> saw_cancel{false};
  auto forever = [](std::atomic<bool>& flag) -> asyncio::Task<int> {
    try {
      co_await asyncio::sleep(1h);
    } catch (const concur::CancelledError&) {
      flag = true;
      throw;
    }
    co_return 0;
  };
  auto g = asyncio::run_coroutine_threadsafe(forever(saw_cancel), *loop_ptr);
  std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(g.cancel());
  for (int i = 0; i < 500 && !saw_cancel; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(saw_cancel.load());
  loop_ptr->call_soon_threadsafe([&] { loop_ptr->stop(); });
  loop_thread.join();
}

TEST(Bridges, RunKeepsTheLoopServingWhileTheDefaultExecutorShutsDown) {
  // A pool call still running when main() returns waits for a coroutine on the loop: run()
  // must keep the loop going while it waits for the executor (Python does the same).
  std::atomic<int> got{0};
  auto main_coro = [](std::atomic<int>& out) -> asyncio::Task<void> {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    (void)loop.default_executor().submit([&loop, &out] {
      std::this_thread::sleep_for(50ms);  // main() has returned by now
      auto seven = []() -> asyncio::Task<int> {
        co_await asyncio::sleep(1ms);
        co_return 7;
      };
      out = asyncio::run_coroutine_threadsafe(seven(), loop).result(5s);
    });
    co_return;
  };
  asyncio::run(main_coro(got));
  EXPECT_EQ(got.load(), 7);
}

TEST(Bridges, DefaultExecutorRefusesWorkAfterItsShutdown) {
  asyncio::EventLoop loop;
  EXPECT_EQ(loop.default_executor().submit([] { return 3; }).result(5s), 3);
  auto inside = [](asyncio::EventLoop& l) -> asyncio::Task<void> {
    EXPECT_THROW(l.shutdown_default_executor(), concur::RuntimeError);  // the loop runs
    co_return;
  };
  loop.run_until_complete(inside(loop));
  loop.shutdown_default_executor();
  EXPECT_THROW((void)loop.default_executor(), concur::RuntimeError);
  loop.shutdown_default_executor();  // again: nothing to do
  loop.close();
}

TEST(Bridges, AClosedLoopCancelsTheFuturesOfCoroutinesItDidNotFinish) {
  auto never_ends = []() -> asyncio::Task<int> {
    co_await asyncio::sleep(1h);
    co_return 1;
  };
  auto tick = []() -> asyncio::Task<void> { co_await asyncio::sleep(1ms); };
  asyncio::EventLoop loop;
  auto queued = asyncio::run_coroutine_threadsafe(never_ends(), loop);  // never scheduled
  loop.close();
  EXPECT_TRUE(queued.cancelled());
  EXPECT_THROW((void)asyncio::run_coroutine_threadsafe(never_ends(), loop), concur::RuntimeError);

  asyncio::EventLoop loop2;
  auto started = asyncio::run_coroutine_threadsafe(never_ends(), loop2);
  loop2.run_until_complete(tick());  // the task starts and sleeps
  EXPECT_FALSE(started.done());
  loop2.close();  // destroys the pending task
  EXPECT_TRUE(started.cancelled());
}

TEST(BridgesStress, CallSoonThreadsafeRacingClose) {
  // Posters keep calling while the loop closes: each call either runs or is refused with
  // RuntimeError; none writes to a closed descriptor (TSan/ASan check the rest).
  for (int round = 0; round < 20; ++round) {
    asyncio::EventLoop loop;
    std::atomic<int> refused{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
      posters.emplace_back([&] {
        while (!go) std::this_thread::yield();
        for (;;) {
          try {
            loop.call_soon_threadsafe([] {});
          } catch (const concur::RuntimeError&) {
            ++refused;
            return;
          }
        }
      });
    }
    go = true;
    auto brief = []() -> asyncio::Task<void> { co_await asyncio::sleep(1ms); };
    loop.run_until_complete(brief());
    loop.close();
    for (auto& th : posters) th.join();
    EXPECT_EQ(refused.load(), 4);
  }
}

TEST(BridgesStress, CallSoonThreadsafeFromManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 10'000;
  asyncio::EventLoop loop;
  std::vector<std::vector<int>> seen(kThreads);
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        loop.call_soon_threadsafe([&, t, i] {
          seen[static_cast<std::size_t>(t)].push_back(i);
          if (++total == kThreads * kCalls) loop.stop();
        });
      }
    });
  }
  loop.run_forever();
  for (auto& th : threads) th.join();
  EXPECT_EQ(total.load(), kThreads * kCalls);
  for (const auto& v : seen) {
    ASSERT_EQ(v.size(), static_cast<std::size_t>(kCalls));
    for (int i = 0; i < kCalls; ++i) ASSERT_EQ(v[static_cast<std::size_t>(i)], i);
  }
}
