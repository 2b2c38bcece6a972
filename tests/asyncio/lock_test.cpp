#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(AsyncLock, AcquireReleaseAndErrors) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(co_await lock.acquire());
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
    EXPECT_THROW(lock.release(), concur::RuntimeError);
    {
      auto held = co_await lock.scoped();
      EXPECT_TRUE(lock.locked());
    }
    EXPECT_FALSE(lock.locked());
  }());
}

TEST(AsyncLock, FifoOrder) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    std::vector<int> order;
    co_await lock.acquire();
    auto worker = [&](int i) -> asyncio::Task<void> {
      auto held = co_await lock.scoped();
      order.push_back(i);
      co_await asyncio::sleep(0s);
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 5; ++i) ts.push_back(asyncio::create_task(worker(i)));
    co_await asyncio::sleep(0s);
    lock.release();
    co_await asyncio::gather(std::move(ts));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  }());
}

TEST(AsyncLock, CancelWhileWaiting) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    co_await lock.acquire();
    auto waiter = asyncio::create_task([](asyncio::Lock& l) -> asyncio::Task<void> {
      co_await l.acquire();
      l.release();
    }(lock));
    co_await asyncio::sleep(0s);
    waiter.cancel();
    EXPECT_THROW(co_await waiter, concur::CancelledError);
    lock.release();
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(co_await lock.acquire());  // not stuck
    lock.release();
  }());
}

TEST(AsyncLock, CancelAfterHandOverPassesItOn) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    co_await lock.acquire();
    bool second_got_it = false;
    auto first = asyncio::create_task([](asyncio::Lock& l) -> asyncio::Task<void> {
      co_await l.acquire();
      l.release();
    }(lock));
    auto second = asyncio::create_task([](asyncio::Lock& l, bool& got) -> asyncio::Task<void> {
      auto held = co_await l.scoped();
      got = true;
    }(lock, second_got_it));
    co_await asyncio::sleep(0s);
    lock.release();  // handed to `first`, which has not run yet
    first.cancel();  // ... and is cancelled before it resumes
    EXPECT_THROW(co_await first, concur::CancelledError);
    co_await second;
    EXPECT_TRUE(second_got_it);
    EXPECT_FALSE(lock.locked());
  }());
}

TEST(AsyncLockStress, TenThousandTasks) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Lock lock;
    long counter = 0;
    int inside = 0;
    auto worker = [&]() -> asyncio::Task<void> {
      for (int k = 0; k < 3; ++k) {
        auto held = co_await lock.scoped();
        EXPECT_EQ(++inside, 1);
        const long seen = counter;
        co_await asyncio::sleep(0s);
        counter = seen + 1;
        --inside;
      }
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 10'000; ++i) ts.push_back(worker());
    co_await asyncio::gather(std::move(ts));
    EXPECT_EQ(counter, 30'000);
  }());
}
