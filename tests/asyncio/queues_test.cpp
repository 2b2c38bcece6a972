#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"
#include "concur/queue.hpp"

namespace asyncio = concur::asyncio;
namespace cq = concur::queue;
using namespace std::chrono_literals;

TEST(AsyncQueue, FifoLifoPriority) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<int> f;
    asyncio::LifoQueue<int> l;
    asyncio::PriorityQueue<int> p;
    for (int v : {3, 1, 2}) {
      co_await f.put(v);
      co_await l.put(v);
      co_await p.put(v);
    }
    EXPECT_EQ(f.qsize(), 3U);
    std::vector<int> fo, lo, po;
    for (int i = 0; i < 3; ++i) {
      fo.push_back(co_await f.get());
      lo.push_back(co_await l.get());
      po.push_back(co_await p.get());
    }
    EXPECT_EQ(fo, (std::vector<int>{3, 1, 2}));
    EXPECT_EQ(lo, (std::vector<int>{2, 1, 3}));
    EXPECT_EQ(po, (std::vector<int>{1, 2, 3}));
    EXPECT_TRUE(f.empty());
  }());
}

TEST(AsyncQueue, NowaitErrorsAndMaxsize) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<std::string> q(2);
    EXPECT_EQ(q.maxsize(), 2U);
    EXPECT_THROW(q.get_nowait(), cq::Empty);
    q.put_nowait("a");
    q.put_nowait("b");
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait("c"), cq::Full);
    EXPECT_THROW(co_await asyncio::wait_for(q.put("c"), 10ms), concur::TimeoutError);
    EXPECT_EQ(q.qsize(), 2U);  // the timed-out put added nothing
    EXPECT_EQ(q.get_nowait(), "a");
  }());
}

TEST(AsyncQueue, TaskDoneJoin) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<int> q;
    for (int i = 0; i < 3; ++i) q.put_nowait(i);
    auto worker = asyncio::create_task([](asyncio::Queue<int>& qq) -> asyncio::Task<void> {
      for (int i = 0; i < 3; ++i) {
        (void)co_await qq.get();
        co_await asyncio::sleep(1ms);
        qq.task_done();
      }
    }(q));
    co_await asyncio::timeout(2s, q.join());
    EXPECT_TRUE(worker.done());
    EXPECT_THROW(q.task_done(), concur::ValueError);
  }());
}

TEST(AsyncQueue, ShutDown) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<int> q(1);
    q.put_nowait(1);
    auto putter = asyncio::create_task(q.put(2));
    auto drainer = [](asyncio::Queue<int>& qq) -> asyncio::Task<int> {
      int n = 0;
      try {
        for (;;) {
          (void)co_await qq.get();
          ++n;
        }
      } catch (const cq::ShutDown&) {
      }
      co_return n;
    };
    co_await asyncio::sleep(0s);
    q.shutdown();
    EXPECT_THROW(co_await putter, cq::ShutDown);
    EXPECT_THROW(q.put_nowait(3), cq::ShutDown);
    EXPECT_EQ(co_await drainer(q), 1);  // what was in it still comes out
    asyncio::Queue<int> r;
    r.put_nowait(1);
    r.put_nowait(2);
    auto getter_after = asyncio::create_task(r.join());
    r.shutdown(true);  // immediate: items dropped, join() returns
    co_await asyncio::timeout(1s, std::move(getter_after));
    EXPECT_TRUE(r.empty());
  }());
}

TEST(AsyncQueue, MoveOnly) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<std::unique_ptr<int>> q;
    co_await q.put(std::make_unique<int>(5));
    auto p = co_await q.get();
    EXPECT_EQ(*p, 5);
  }());
}

TEST(AsyncQueueStress, CancelledGettersAndPuttersLoseNothing) {
  asyncio::run([]() -> asyncio::Task<void> {
    asyncio::Queue<int> q(8);
    constexpr int kItems = 20'000;
    std::multiset<int> received;
    auto producer = [&](int base) -> asyncio::Task<void> {
      for (int i = 0; i < kItems / 4; ++i) {
        for (;;) {  // a cancelled put is retried: nothing was added
          auto t = asyncio::create_task(q.put(base + i));
          if (i % 97 == 0) {
            co_await asyncio::sleep(0s);
            t.cancel();
          }
          try {
            co_await t;
            break;
          } catch (const concur::CancelledError&) {
          }
        }
      }
    };
    auto consumer = [&]() -> asyncio::Task<void> {
      for (;;) {
        auto t = asyncio::create_task(q.get());
        try {
          received.insert(co_await t);
        } catch (const cq::ShutDown&) {
          co_return;
        }
      }
    };
    std::vector<asyncio::Task<void>> producers, consumers;
    for (int p = 0; p < 4; ++p) producers.push_back(asyncio::create_task(producer(p * 1'000'000)));
    for (int c = 0; c < 4; ++c) consumers.push_back(asyncio::create_task(consumer()));
    // Extra getters that get cancelled while waiting: they must not swallow items.
    for (int k = 0; k < 200; ++k) {
      auto g = asyncio::create_task(q.get());
      co_await asyncio::sleep(0s);
      if (!g.done()) {
        g.cancel();
        try {
          received.insert(co_await g);
        } catch (const concur::CancelledError&) {
        }
      } else {
        received.insert(g.result());
      }
    }
    co_await asyncio::gather(std::move(producers));
    while (!q.empty()) co_await asyncio::sleep(0s);
    q.shutdown();
    co_await asyncio::gather(std::move(consumers));
    EXPECT_EQ(received.size(), static_cast<std::size_t>(kItems));
    std::set<int> unique(received.begin(), received.end());
    EXPECT_EQ(unique.size(), static_cast<std::size_t>(kItems));
  }());
}
