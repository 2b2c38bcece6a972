#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(AsyncSemaphore, LimitsConcurrency) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Semaphore sem(3);
    int inside = 0;
    int peak = 0;
    auto worker = [&]() -> asyncio::Task<void> {
      auto permit = co_await sem.scoped();
      peak = std::max(peak, ++inside);
      co_await asyncio::sleep(1ms);
      --inside;
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 20; ++i) ts.push_back(worker());
    co_await asyncio::gather(std::move(ts));
    EXPECT_EQ(peak, 3);
    EXPECT_EQ(sem.value(), 3);
  }());
}

TEST(AsyncSemaphore, ErrorsAndBounded) {
  EXPECT_THROW(asyncio::Semaphore(-1), concur::ValueError);
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::BoundedSemaphore b(1);
    EXPECT_THROW(b.release(), concur::ValueError);
    co_await b.acquire();
    EXPECT_TRUE(b.locked());
    b.release();
    EXPECT_THROW(b.release(), concur::ValueError);
    asyncio::Semaphore s(0);
    s.release();  // unbounded: fine
    EXPECT_EQ(s.value(), 1);
  }());
}

TEST(AsyncSemaphore, NoBargingAndCancelAfterGrant) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Semaphore sem(0);
    std::vector<int> order;
    auto waiter = [&](int i) -> asyncio::Task<void> {
      co_await sem.acquire();
      order.push_back(i);
    };
    auto a = asyncio::create_task(waiter(1));
    auto b = asyncio::create_task(waiter(2));
    co_await asyncio::sleep(0s);
    sem.release();  // handed to a
    a.cancel();     // a gives it back to b
    EXPECT_THROW(co_await a, concur::CancelledError);
    co_await b;
    EXPECT_EQ(order, std::vector<int>{2});
    EXPECT_EQ(sem.value(), 0);
    EXPECT_FALSE(sem.locked() && sem.value() != 0);
  }());
}

TEST(AsyncSemaphoreStress, ManyTasksRandomCancels) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Semaphore sem(4);
    int inside = 0;
    int done = 0;
    auto worker = [&]() -> asyncio::Task<void> {
      auto permit = co_await sem.scoped();
      EXPECT_LE(++inside, 4);
      struct Leave {
        int& n;
        ~Leave() { --n; }
      } leave{inside};
      co_await asyncio::sleep(0s);
      ++done;
    };
    std::vector<asyncio::Task<void>> ts;
    for (int i = 0; i < 10'000; ++i) ts.push_back(asyncio::create_task(worker()));
    co_await asyncio::sleep(0s);
    for (std::size_t i = 0; i < ts.size(); i += 7) ts[i].cancel();
    auto out = co_await asyncio::gather(ts, asyncio::return_exceptions);
    int cancelled = 0;
    for (auto& o : out) cancelled += o.ok() ? 0 : 1;
    EXPECT_EQ(done + cancelled, 10'000);
    EXPECT_EQ(sem.value(), 4);
  }());
}
