#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(TaskStress, RandomCancellationsLoseNothing) {
  static constexpr int kTasks = 20'000;
  auto main_task = []() -> asyncio::Task<void> {
    int finished = 0;
    int cancelled = 0;
    auto worker = [&](int i) -> asyncio::Task<int> {
      for (int k = 0; k < i % 5; ++k) co_await asyncio::sleep(std::chrono::microseconds(i % 7));
      ++finished;
      co_return i;
    };
    std::vector<asyncio::Task<int>> tasks;
    for (int i = 0; i < kTasks; ++i) tasks.push_back(asyncio::create_task(worker(i)));
    co_await asyncio::sleep(0s);
    for (int i = 0; i < kTasks; i += 3) tasks[static_cast<std::size_t>(i)].cancel();
    auto out = co_await asyncio::gather(tasks, asyncio::return_exceptions);
    long ok = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].ok()) {
        EXPECT_EQ(out[i].value(), static_cast<int>(i));
        ++ok;
      } else {
        ++cancelled;
        EXPECT_TRUE(tasks[i].cancelled());
      }
    }
    EXPECT_EQ(ok + cancelled, kTasks);
    EXPECT_EQ(ok, finished);
    EXPECT_GT(cancelled, 0);
  };
  asyncio::run(main_task());
}

TEST(TaskStress, ManyTimeoutsFireOrNot) {
  auto main_task = []() -> asyncio::Task<void> {
    auto sleeper = [](int ms) -> asyncio::Task<int> {
      co_await asyncio::sleep(std::chrono::milliseconds(ms));
      co_return ms;
    };
    int timeouts = 0;
    int results = 0;
    auto one = [&](int i) -> asyncio::Task<void> {
      try {
        co_await asyncio::wait_for(sleeper(i % 2 == 0 ? 1 : 200), 50ms);
        ++results;
      } catch (const concur::TimeoutError&) {
        ++timeouts;
      }
    };
    std::vector<asyncio::Task<void>> all;
    for (int i = 0; i < 2000; ++i) all.push_back(one(i));
    co_await asyncio::gather(std::move(all));
    EXPECT_EQ(results, 1000);
    EXPECT_EQ(timeouts, 1000);
  };
  asyncio::run(main_task());
}
