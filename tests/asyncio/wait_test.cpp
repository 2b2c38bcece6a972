#include <gtest/gtest.h>

#include <chrono>
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

TEST(Wait, AllCompleted) {
  auto main_task = []() -> asyncio::Task<void> {
    std::vector<asyncio::Task<int>> jobs{after(1, 5ms), after(2, 1ms)};
    auto r = co_await asyncio::wait(std::move(jobs));
    EXPECT_EQ(r.done.size(), 2U);
    EXPECT_TRUE(r.pending.empty());
  };
  asyncio::run(main_task());
}

TEST(Wait, FirstCompletedAndTimeoutDoNotCancel) {
  auto main_task = []() -> asyncio::Task<void> {
    auto slow = asyncio::create_task(after(1, 200ms));
    std::vector<asyncio::Task<int>> jobs{slow, after(2, 1ms)};
    auto r = co_await asyncio::wait(std::move(jobs), {}, asyncio::FIRST_COMPLETED);
    EXPECT_EQ(r.done.size(), 1U);
    if (!r.done.empty()) {
      EXPECT_EQ(r.done[0].result(), 2);
    }
    std::vector<asyncio::Task<int>> just_slow{slow};
    auto r2 = co_await asyncio::wait(std::move(just_slow), 5ms);
    EXPECT_EQ(r2.pending.size(), 1U);
    EXPECT_FALSE(slow.cancelled());
    slow.cancel();
  };
  asyncio::run(main_task());
}

TEST(Wait, FirstException) {
  auto main_task = []() -> asyncio::Task<void> {
    auto slow = asyncio::create_task(after(1, 10s));
    std::vector<asyncio::Task<int>> jobs{slow, fail_after(1ms)};
    auto r = co_await asyncio::wait(std::move(jobs), {}, asyncio::FIRST_EXCEPTION);
    EXPECT_EQ(r.done.size(), 1U);
    if (!r.done.empty()) {
      EXPECT_NE(r.done[0].exception(), nullptr);
    }
    EXPECT_EQ(r.pending.size(), 1U);
    slow.cancel();
  };
  asyncio::run(main_task());
}

TEST(Wait, EmptyIsValueError) {
  auto main_task = []() -> asyncio::Task<void> {
    EXPECT_THROW(co_await asyncio::wait(std::vector<asyncio::Task<int>>{}), concur::ValueError);
  };
  asyncio::run(main_task());
}

TEST(AsCompleted, CompletionOrder) {
  auto main_task = []() -> asyncio::Task<std::vector<int>> {
    std::vector<asyncio::Task<int>> jobs{after(3, 30ms), after(1, 1ms), after(2, 15ms)};
    auto ac = asyncio::as_completed(std::move(jobs));
    std::vector<int> order;
    while (ac.has_next()) order.push_back(co_await ac.next());
    co_return order;
  };
  EXPECT_EQ(asyncio::run(main_task()), (std::vector<int>{1, 2, 3}));
}

TEST(AsCompleted, Timeout) {
  auto main_task = []() -> asyncio::Task<void> {
    std::vector<asyncio::Task<int>> jobs{after(1, 1ms), after(2, 10s)};
    auto ac = asyncio::as_completed(jobs, 20ms);
    EXPECT_EQ(co_await ac.next(), 1);
    EXPECT_THROW(co_await ac.next(), concur::TimeoutError);
    jobs[1].cancel();
  };
  asyncio::run(main_task());
}

TEST(WaitFor, ReturnsInTime) {
  auto main_task = []() -> asyncio::Task<int> {
    co_return co_await asyncio::wait_for(after(4, 1ms), 1s);
  };
  EXPECT_EQ(asyncio::run(main_task()), 4);
}

TEST(WaitFor, TimesOutAndCancels) {
  auto main_task = []() -> asyncio::Task<void> {
    auto t = asyncio::create_task(after(1, 10s));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(co_await asyncio::wait_for(t, 20ms), concur::TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_TRUE(t.cancelled());
    // The waiting task itself is not left cancelled.
    EXPECT_EQ(asyncio::detail::current_task().cancelling(), 0);
    co_await asyncio::sleep(1ms);
  };
  asyncio::run(main_task());
}

TEST(WaitFor, OuterCancelStaysCancelledError) {
  auto main_task = []() -> asyncio::Task<void> {
    auto inner = [](asyncio::Task<int> t) -> asyncio::Task<int> {
      co_return co_await asyncio::wait_for(std::move(t), 10s);
    };
    auto slow = asyncio::create_task(after(1, 10s));
    auto w = asyncio::create_task(inner(slow));
    co_await asyncio::sleep(1ms);
    w.cancel();
    EXPECT_THROW(co_await w, concur::CancelledError);
    EXPECT_TRUE(slow.cancelled());
  };
  asyncio::run(main_task());
}

TEST(WaitFor, ZeroTimeoutOnDoneTask) {
  auto main_task = []() -> asyncio::Task<void> {
    auto t = asyncio::create_task(after(7, 0ms));
    co_await asyncio::sleep(5ms);
    EXPECT_EQ(co_await asyncio::wait_for(t, 0s), 7);
    co_await asyncio::sleep(1ms);  // no stray cancellation left behind
  };
  asyncio::run(main_task());
}

TEST(Timeout, ScopeTurnsCancelIntoTimeoutError) {
  auto main_task = []() -> asyncio::Task<void> {
    EXPECT_THROW(co_await asyncio::timeout(10ms, after(1, 10s)), concur::TimeoutError);
    EXPECT_EQ(co_await asyncio::timeout(1s, after(2, 1ms)), 2);
    EXPECT_EQ(co_await asyncio::timeout(std::nullopt, after(3, 1ms)), 3);
  };
  asyncio::run(main_task());
}

TEST(Shield, AwaiterCancelledTaskRunsOn) {
  auto main_task = []() -> asyncio::Task<void> {
    auto inner = asyncio::create_task(after(5, 20ms));
    auto waiter = [](asyncio::Task<int> t) -> asyncio::Task<int> {
      co_return co_await asyncio::shield(std::move(t));
    };
    auto w = asyncio::create_task(waiter(inner));
    co_await asyncio::sleep(1ms);
    w.cancel();
    EXPECT_THROW(co_await w, concur::CancelledError);
    EXPECT_FALSE(inner.done());
    EXPECT_EQ(co_await inner, 5);
  };
  asyncio::run(main_task());
}
