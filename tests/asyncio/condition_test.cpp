#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(AsyncCondition, ProducerConsumer) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Condition cond;
    std::deque<int> items;
    std::vector<int> got;
    auto consumer = [&]() -> asyncio::Task<void> {
      for (int k = 0; k < 5; ++k) {
        auto held = co_await cond.scoped();
        co_await cond.wait_for([&] { return !items.empty(); });
        got.push_back(items.front());
        items.pop_front();
      }
    };
    auto c = asyncio::create_task(consumer());
    for (int i = 0; i < 5; ++i) {
      auto held = co_await cond.scoped();
      items.push_back(i);
      cond.notify();
      held.release();
      co_await asyncio::sleep(0s);
    }
    co_await c;
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  }());
}

TEST(AsyncCondition, Errors) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Condition cond;
    EXPECT_THROW(co_await cond.wait(), concur::RuntimeError);
    EXPECT_THROW(cond.notify(), concur::RuntimeError);
  }());
}

TEST(AsyncCondition, CancelledWaitStillReacquires) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    asyncio::Condition cond(&lock);
    bool held_after_cancel = false;
    // (a named lambda: a temporary closure would die before the task runs)
    auto body = [&]() -> asyncio::Task<void> {
      co_await cond.acquire();
      try {
        co_await cond.wait();
      } catch (const concur::CancelledError&) {
        held_after_cancel = lock.locked();
        cond.release();
        throw;
      }
    };
    auto waiter = asyncio::create_task(body());
    co_await asyncio::sleep(0s);
    co_await cond.acquire();  // the waiter released it in wait()
    waiter.cancel();
    co_await asyncio::sleep(0s);
    cond.release();
    EXPECT_THROW(co_await waiter, concur::CancelledError);
    EXPECT_TRUE(held_after_cancel);
    EXPECT_FALSE(lock.locked());
  }());
}

TEST(AsyncCondition, NotifyNAndAll) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Condition cond;
    int woke = 0;
    auto waiter = [&]() -> asyncio::Task<void> {
      auto held = co_await cond.scoped();
      co_await cond.wait();
      ++woke;
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 6; ++i) ts.push_back(asyncio::create_task(waiter()));
    co_await asyncio::sleep(0s);
    {
      auto held = co_await cond.scoped();
      cond.notify(2);
    }
    co_await asyncio::sleep(1ms);
    EXPECT_EQ(woke, 2);
    {
      auto held = co_await cond.scoped();
      cond.notify_all();
    }
    co_await asyncio::gather(std::move(ts));
    EXPECT_EQ(woke, 6);
  }());
}
