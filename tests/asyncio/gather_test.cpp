#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

namespace {

asyncio::Task<int> after(int value, std::chrono::milliseconds delay) {
  co_await asyncio::sleep(delay);
  co_return value;
}

asyncio::Task<int> fail_after(std::chrono::milliseconds delay) {
  co_await asyncio::sleep(delay);
  throw concur::ValueError("failed");
}

}  // namespace

TEST(Gather, ResultsInInputOrder) {
  auto main_task = []() -> asyncio::Task<std::vector<int>> {
    std::vector<asyncio::Task<int>> jobs;
    jobs.push_back(after(1, 30ms));
    jobs.push_back(after(2, 10ms));
    jobs.push_back(after(3, 20ms));
    co_return co_await asyncio::gather(std::move(jobs));
  };
  EXPECT_EQ(asyncio::run(main_task()), (std::vector<int>{1, 2, 3}));
}

TEST(Gather, Empty) {
  auto main_task = []() -> asyncio::Task<std::size_t> {
    auto r = co_await asyncio::gather(std::vector<asyncio::Task<int>>{});
    co_return r.size();
  };
  EXPECT_EQ(asyncio::run(main_task()), 0U);
}

TEST(Gather, Variadic) {
  auto text = []() -> asyncio::Task<std::string> { co_return "x"; };
  auto nothing = []() -> asyncio::Task<void> { co_await asyncio::sleep(1ms); };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto [a, b, c] = co_await asyncio::gather(after(5, 1ms), text(), nothing());
    EXPECT_EQ(a, 5);
    EXPECT_EQ(b, "x");
    (void)c;
  };
  asyncio::run(main_task());
}

TEST(Gather, FirstErrorRaisedOthersKeepRunning) {
  auto main_task = []() -> asyncio::Task<void> {
    auto slow = asyncio::create_task(after(1, 50ms));
    std::vector<asyncio::Task<int>> jobs{slow, fail_after(5ms)};
    EXPECT_THROW(co_await asyncio::gather(std::move(jobs)), concur::ValueError);
    EXPECT_FALSE(slow.done());
    EXPECT_EQ(co_await slow, 1);
  };
  asyncio::run(main_task());
}

TEST(Gather, ReturnExceptions) {
  auto main_task = []() -> asyncio::Task<void> {
    auto cancelled = asyncio::create_task(after(9, 1s));
    std::vector<asyncio::Task<int>> jobs{after(1, 1ms), fail_after(2ms), cancelled};
    cancelled.cancel();
    auto out = co_await asyncio::gather(std::move(jobs), asyncio::return_exceptions);
    EXPECT_EQ(out.size(), 3U);
    EXPECT_TRUE(out[0].ok());
    EXPECT_EQ(out[0].value(), 1);
    EXPECT_FALSE(out[1].ok());
    EXPECT_THROW(std::rethrow_exception(out[1].error()), concur::ValueError);
    EXPECT_THROW(std::rethrow_exception(out[2].error()), concur::CancelledError);
  };
  asyncio::run(main_task());
}

TEST(Gather, CancellingGatherCancelsChildren) {
  auto main_task = []() -> asyncio::Task<void> {
    auto a = asyncio::create_task(after(1, 10s));
    auto b = asyncio::create_task(after(2, 10s));
    auto g = asyncio::create_task(asyncio::gather(std::vector<asyncio::Task<int>>{a, b}));
    co_await asyncio::sleep(1ms);
    g.cancel();
    EXPECT_THROW(co_await g, concur::CancelledError);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
  };
  auto t0 = std::chrono::steady_clock::now();
  asyncio::run(main_task());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(Gather, ManySleepZeroTasks) {
  constexpr int kTasks = 100'000;
  auto main_task = []() -> asyncio::Task<long> {
    auto worker = [](int i) -> asyncio::Task<int> {
      co_await asyncio::sleep(0s);
      co_return i;
    };
    std::vector<asyncio::Task<int>> jobs;
    jobs.reserve(kTasks);
    for (int i = 0; i < kTasks; ++i) jobs.push_back(asyncio::create_task(worker(i)));
    auto out = co_await asyncio::gather(std::move(jobs));
    long sum = 0;
    for (int v : out) sum += v;
    co_return sum;
  };
  EXPECT_EQ(asyncio::run(main_task()), static_cast<long>(kTasks) * (kTasks - 1) / 2);
}
