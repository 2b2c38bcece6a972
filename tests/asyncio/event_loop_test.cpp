#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(EventLoop, CallSoonRunsInOrder) {
  asyncio::EventLoop loop;
  std::vector<int> order;
  loop.call_soon([&] { order.push_back(1); });
  auto h = loop.call_soon([&] { order.push_back(2); });
  loop.call_soon([&] {
    order.push_back(3);
    loop.stop();
  });
  h.cancel();
  EXPECT_TRUE(h.cancelled());
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST(EventLoop, CallLaterOrderAndCancel) {
  asyncio::EventLoop loop;
  std::vector<int> order;
  loop.call_later(20ms, [&] {
    order.push_back(20);
    loop.stop();
  });
  loop.call_later(5ms, [&] { order.push_back(5); });
  auto cancelled = loop.call_later(1ms, [&] { order.push_back(1); });
  loop.call_later(5ms, [&] { order.push_back(6); });  // same deadline: FIFO
  cancelled.cancel();
  const double t0 = loop.time();
  loop.run_forever();
  EXPECT_GE(loop.time() - t0, 0.019);
  EXPECT_EQ(order, (std::vector<int>{5, 6, 20}));
}

TEST(EventLoop, ThreadsafeWakesSleepingLoop) {
  asyncio::EventLoop loop;
  std::atomic<int> ran{0};
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    loop.call_soon_threadsafe([&] {
      ran = 1;
      loop.stop();
    });
  });
  const auto t0 = std::chrono::steady_clock::now();
  loop.run_forever();  // nothing else to do: blocks in epoll until the other thread calls
  other.join();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(EventLoop, CallbackExceptionGoesToHandler) {
  asyncio::EventLoop loop;
  std::vector<std::string> seen;
  loop.set_exception_handler([&](const std::string& m) { seen.push_back(m); });
  loop.call_soon([] { throw concur::ValueError("bad callback"); });
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_NE(seen[0].find("bad callback"), std::string::npos);
}

TEST(EventLoop, UnretrievedTaskExceptionIsReported) {
  asyncio::EventLoop loop;
  std::vector<std::string> seen;
  loop.set_exception_handler([&](const std::string& m) { seen.push_back(m); });
  auto failing = []() -> asyncio::Task<void> {
    co_await asyncio::sleep(0s);
    throw concur::ValueError("nobody looked");
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    (void)asyncio::create_task(failing());
    co_await asyncio::sleep(5ms);
  };
  loop.run_until_complete(main_task());
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_NE(seen[0].find("never retrieved"), std::string::npos);
  EXPECT_NE(seen[0].find("nobody looked"), std::string::npos);
}

TEST(EventLoop, RunUntilCompleteAndClose) {
  asyncio::EventLoop loop;
  auto add = [](int a, int b) -> asyncio::Task<int> {
    co_await asyncio::sleep(1ms);
    co_return a + b;
  };
  EXPECT_EQ(loop.run_until_complete(add(1, 2)), 3);
  EXPECT_EQ(loop.run_until_complete(add(3, 4)), 7);
  loop.close();
  EXPECT_TRUE(loop.is_closed());
  EXPECT_THROW(loop.call_soon([] {}), concur::RuntimeError);
  EXPECT_THROW(loop.run_forever(), concur::RuntimeError);
}

TEST(EventLoop, NestedRunIsError) {
  auto inner = []() -> asyncio::Task<void> { co_return; };
  auto main_task = [&]() -> asyncio::Task<void> {
    EXPECT_THROW(asyncio::run(inner()), concur::RuntimeError);
    co_return;
  };
  asyncio::run(main_task());
}

TEST(EventLoop, CloseDestroysPendingTasks) {
  int destroyed = 0;
  struct Guard {
    int* n;
    ~Guard() { ++*n; }
  };
  {
    asyncio::EventLoop loop;
    auto forever = [](int* n) -> asyncio::Task<void> {
      Guard g{n};
      co_await asyncio::sleep(1h);
    };
    auto starter = [&]() -> asyncio::Task<void> {
      for (int i = 0; i < 3; ++i) (void)asyncio::create_task(forever(&destroyed));
      co_await asyncio::sleep(0s);
    };
    loop.run_until_complete(starter());
    EXPECT_EQ(loop.pending_tasks(), 3U);
    loop.close();
    EXPECT_EQ(loop.pending_tasks(), 0U);
  }
  EXPECT_EQ(destroyed, 3);
}

TEST(EventLoop, CloseDropsArmedTimersWithoutRunningThem) {
  asyncio::EventLoop loop;
  bool ran = false;
  auto token = std::make_shared<int>(1);
  const std::weak_ptr<int> watch = token;
  (void)loop.call_later(1h, [&ran, token] { ran = true; });
  (void)loop.call_later(2h, [] {});
  token.reset();
  EXPECT_FALSE(watch.expired());  // the armed timer holds its callback
  loop.close();
  EXPECT_TRUE(watch.expired());  // closing freed it
  EXPECT_FALSE(ran);
}
