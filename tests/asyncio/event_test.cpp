#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(AsyncEvent, SetWakesAllWaiters) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Event ev;
    EXPECT_FALSE(ev.is_set());
    int woke = 0;
    auto waiter = [&]() -> asyncio::Task<void> {
      EXPECT_TRUE(co_await ev.wait());
      ++woke;
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 100; ++i) ts.push_back(asyncio::create_task(waiter()));
    co_await asyncio::sleep(0s);
    EXPECT_EQ(woke, 0);
    ev.set();
    co_await asyncio::gather(std::move(ts));
    EXPECT_EQ(woke, 100);
    EXPECT_TRUE(co_await ev.wait());  // already set: at once
    ev.clear();
    EXPECT_FALSE(ev.is_set());
    EXPECT_THROW(
        co_await asyncio::wait_for(
            [](asyncio::Event& e) -> asyncio::Task<bool> { co_return co_await e.wait(); }(ev),
            10ms),
        concur::TimeoutError);
  }());
}

TEST(AsyncEvent, CancelledWaiterLeaves) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Event ev;
    auto t = asyncio::create_task(
        [](asyncio::Event& e) -> asyncio::Task<bool> { co_return co_await e.wait(); }(ev));
    co_await asyncio::sleep(0s);
    t.cancel();
    EXPECT_THROW(co_await t, concur::CancelledError);
    ev.set();  // nobody left to wake: fine
  }());
}
