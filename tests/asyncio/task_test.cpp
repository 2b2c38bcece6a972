#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

namespace {

asyncio::Task<int> answer() {
  co_await asyncio::sleep(1ms);
  co_return 42;
}

asyncio::Task<int> add(int a, int b) {
  co_return a + b;
}

}  // namespace

TEST(Task, RunReturnsValue) {
  EXPECT_EQ(asyncio::run(answer()), 42);
  EXPECT_EQ(asyncio::run(add(2, 3)), 5);
}

TEST(Task, InlineAwait) {
  auto main_task = []() -> asyncio::Task<int> {
    int a = co_await add(1, 2);
    int b = co_await answer();
    co_return a + b;
  };
  EXPECT_EQ(asyncio::run(main_task()), 45);
}

TEST(Task, CreateTaskRunsConcurrently) {
  std::vector<std::string> log;
  auto worker = [&](std::string name, int ms) -> asyncio::Task<std::string> {
    log.push_back(name + " start");
    co_await asyncio::sleep(std::chrono::milliseconds(ms));
    log.push_back(name + " end");
    co_return name;
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto a = asyncio::create_task(worker("a", 20));
    auto b = asyncio::create_task(worker("b", 10));
    EXPECT_EQ(co_await a, "a");
    EXPECT_EQ(co_await b, "b");
    EXPECT_TRUE(a.done());
    EXPECT_EQ(b.result(), "b");
  };
  auto t0 = std::chrono::steady_clock::now();
  asyncio::run(main_task());
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, 200ms);
  EXPECT_EQ(log, (std::vector<std::string>{"a start", "b start", "b end", "a end"}));
}

TEST(Task, ExceptionPropagates) {
  auto bad = []() -> asyncio::Task<int> {
    co_await asyncio::sleep(0s);
    throw concur::ValueError("boom");
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(bad());
    EXPECT_THROW(co_await t, concur::ValueError);
    EXPECT_TRUE(t.done());
    EXPECT_FALSE(t.cancelled());
    EXPECT_THROW(t.result(), concur::ValueError);
    EXPECT_NE(t.exception(), nullptr);
  };
  asyncio::run(main_task());
}

TEST(Task, CancelSleepingTask) {
  auto sleeper = []() -> asyncio::Task<void> { co_await asyncio::sleep(10s); };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(sleeper());
    co_await asyncio::sleep(0s);
    EXPECT_TRUE(t.cancel());
    EXPECT_THROW(co_await t, concur::CancelledError);
    EXPECT_TRUE(t.cancelled());
    EXPECT_FALSE(t.cancel());
  };
  auto t0 = std::chrono::steady_clock::now();
  asyncio::run(main_task());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Task, CancelCaughtInsideTask) {
  auto stubborn = []() -> asyncio::Task<int> {
    try {
      co_await asyncio::sleep(10s);
    } catch (const concur::CancelledError&) {
      co_return 7;
    }
    co_return 0;
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(stubborn());
    co_await asyncio::sleep(0s);
    t.cancel();
    EXPECT_EQ(co_await t, 7);
    EXPECT_FALSE(t.cancelled());
  };
  asyncio::run(main_task());
}

TEST(Task, CancelBeforeStartNeverRuns) {
  bool ran = false;
  auto body = [&]() -> asyncio::Task<void> {
    ran = true;
    co_return;
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(body());
    t.cancel("stop");
    try {
      co_await t;
      ADD_FAILURE() << "no CancelledError";
    } catch (const concur::CancelledError& e) {
      EXPECT_STREQ(e.what(), "stop");
    }
  };
  asyncio::run(main_task());
  EXPECT_FALSE(ran);
}

TEST(Task, CancelAwaiterCancelsAwaited) {
  auto inner = []() -> asyncio::Task<void> { co_await asyncio::sleep(10s); };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto in = asyncio::create_task(inner());
    auto outer_fn = [](asyncio::Task<void> t) -> asyncio::Task<void> { co_await t; };
    auto out = asyncio::create_task(outer_fn(in));
    co_await asyncio::sleep(0s);
    out.cancel();
    EXPECT_THROW(co_await out, concur::CancelledError);
    EXPECT_TRUE(in.cancelled());
  };
  asyncio::run(main_task());
}

TEST(Task, SelfCancelHitsNextSuspension) {
  auto body = []() -> asyncio::Task<int> {
    // (nothing to cancel yet)
    co_await asyncio::sleep(0s);
    co_return 1;
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(body());
    co_await asyncio::sleep(0s);  // t is now suspended in sleep(0): ready, no waiter
    t.cancel();
    EXPECT_THROW(co_await t, concur::CancelledError);
  };
  asyncio::run(main_task());
}

TEST(Task, DoneCallbackAndNames) {
  auto main_task = [&]() -> asyncio::Task<void> {
    std::vector<int> seen;
    auto t = asyncio::create_task(add(20, 22), "adder");
    EXPECT_EQ(t.get_name(), "adder");
    t.add_done_callback([&](asyncio::Task<int> done) { seen.push_back(done.result()); });
    co_await t;
    co_await asyncio::sleep(0s);
    EXPECT_EQ(seen, std::vector<int>{42});
    auto u = asyncio::create_task(add(1, 1));
    EXPECT_EQ(u.get_name().rfind("Task-", 0), 0U);
    co_await u;
  };
  asyncio::run(main_task());
}

TEST(Task, ResultOfPendingTaskIsInvalidState) {
  auto main_task = [&]() -> asyncio::Task<void> {
    auto t = asyncio::create_task(answer());
    EXPECT_THROW(t.result(), asyncio::InvalidStateError);
    co_await t;
  };
  asyncio::run(main_task());
}

TEST(Task, NoRunningLoopOutside) {
  EXPECT_THROW(asyncio::get_running_loop(), concur::RuntimeError);
}

TEST(Task, RunLeftoversAreCancelled) {
  bool cancelled = false;
  auto forever = [&]() -> asyncio::Task<void> {
    try {
      co_await asyncio::sleep(1h);
    } catch (const concur::CancelledError&) {
      cancelled = true;
      throw;
    }
  };
  auto main_task = [&]() -> asyncio::Task<void> {
    (void)asyncio::create_task(forever());  // handle dropped: the loop keeps the task alive
    co_await asyncio::sleep(0s);
  };
  asyncio::run(main_task());
  EXPECT_TRUE(cancelled);
}
