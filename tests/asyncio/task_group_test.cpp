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

asyncio::Task<int> fail_after(std::chrono::milliseconds delay, std::string what) {
  co_await asyncio::sleep(delay);
  throw concur::ValueError(what);
}

}  // namespace

TEST(TaskGroup, WaitsForAll) {
  auto main_task = []() -> asyncio::Task<int> {
    asyncio::Task<int> a, b;
    co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
      a = tg.create_task(after(1, 20ms));
      b = tg.create_task(after(2, 10ms));
      co_return;
    });
    EXPECT_TRUE(a.done());
    EXPECT_TRUE(b.done());
    co_return a.result() + b.result();
  };
  EXPECT_EQ(asyncio::run(main_task()), 3);
}

TEST(TaskGroup, FailureCancelsOthersAndBody) {
  auto main_task = []() -> asyncio::Task<void> {
    asyncio::Task<int> slow;
    bool body_cancelled = false;
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
        slow = tg.create_task(after(1, 10s));
        tg.create_task(fail_after(5ms, "one"));
        tg.create_task(fail_after(5ms, "two"));
        try {
          co_await asyncio::sleep(10s);
        } catch (const concur::CancelledError&) {
          body_cancelled = true;
          throw;
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const asyncio::ExceptionGroup& eg) {
      EXPECT_EQ(eg.exceptions().size(), 2U);
    }
    EXPECT_TRUE(body_cancelled);
    EXPECT_TRUE(slow.cancelled());
    // The enclosing task is not left cancelled.
    EXPECT_EQ(asyncio::detail::current_task().cancelling(), 0);
    co_await asyncio::sleep(1ms);
  };
  auto t0 = std::chrono::steady_clock::now();
  asyncio::run(main_task());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(TaskGroup, BodyErrorAbortsTasks) {
  auto main_task = []() -> asyncio::Task<void> {
    asyncio::Task<int> slow;
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
        slow = tg.create_task(after(1, 10s));
        co_await asyncio::sleep(1ms);
        throw concur::RuntimeError("body");
      });
      ADD_FAILURE();
    } catch (const asyncio::ExceptionGroup& eg) {
      EXPECT_EQ(eg.exceptions().size(), 1U);
      if (!eg.exceptions().empty()) {
        EXPECT_THROW(std::rethrow_exception(eg.exceptions()[0]), concur::RuntimeError);
      }
    }
    EXPECT_TRUE(slow.cancelled());
  };
  asyncio::run(main_task());
}

TEST(TaskGroup, OuterCancelPropagates) {
  auto main_task = []() -> asyncio::Task<void> {
    asyncio::Task<int> child;
    auto holder = [&]() -> asyncio::Task<void> {
      co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
        child = tg.create_task(after(1, 10s));
        co_return;
      });
    };
    auto h = asyncio::create_task(holder());
    co_await asyncio::sleep(1ms);
    h.cancel();
    EXPECT_THROW(co_await h, concur::CancelledError);
    EXPECT_TRUE(child.cancelled());
  };
  asyncio::run(main_task());
}

TEST(TaskGroup, CreateAfterFinishIsError) {
  auto main_task = []() -> asyncio::Task<void> {
    asyncio::TaskGroup* saved = nullptr;
    co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::Task<void> {
      saved = &tg;
      co_return;
    });
    (void)saved;
  };
  asyncio::run(main_task());
}
