#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(AsyncBarrier, AllPassTogetherWithDistinctIndexes) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Barrier b(3);
    EXPECT_EQ(b.parties(), 3U);
    std::vector<std::size_t> indexes;
    auto party = [&]() -> asyncio::Task<void> { indexes.push_back(co_await b.wait()); };
    for (int round = 0; round < 2; ++round) {
      indexes.clear();
      std::vector<asyncio::Task<void>> ts;
      for (int i = 0; i < 3; ++i) ts.push_back(asyncio::create_task(party()));
      co_await asyncio::gather(std::move(ts));
      std::sort(indexes.begin(), indexes.end());
      EXPECT_EQ(indexes, (std::vector<std::size_t>{0, 1, 2}));
    }
    EXPECT_EQ(b.n_waiting(), 0U);
    EXPECT_FALSE(b.broken());
  }());
  EXPECT_THROW(asyncio::Barrier(0), concur::ValueError);
}

TEST(AsyncBarrier, AbortAndReset) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Barrier b(3);
    auto party = [&]() -> asyncio::Task<std::size_t> { co_return co_await b.wait(); };
    auto t = asyncio::create_task(party());
    co_await asyncio::sleep(0s);
    EXPECT_EQ(b.n_waiting(), 1U);
    co_await b.reset();
    EXPECT_THROW(co_await t, asyncio::BrokenBarrierError);
    EXPECT_FALSE(b.broken());
    auto u = asyncio::create_task(party());
    co_await asyncio::sleep(0s);
    co_await b.abort();
    EXPECT_THROW(co_await u, asyncio::BrokenBarrierError);
    EXPECT_TRUE(b.broken());
    EXPECT_THROW(co_await b.wait(), asyncio::BrokenBarrierError);
  }());
}
