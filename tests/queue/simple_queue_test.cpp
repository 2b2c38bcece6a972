// queue.SimpleQueue: an unbounded FIFO whose put never blocks; get with timeout/Empty,
// get_nowait, try_get; no task tracking.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "queue/queue_test_util.hpp"

namespace {

namespace cq = concur::queue;
using namespace std::chrono_literals;
using concur_test::Clock;
using concur_test::eventually;
using concur_test::settle;
using concur_test::since;

static_assert(!std::is_copy_constructible_v<cq::SimpleQueue<int>>);

TEST(SimpleQueue, FifoOrder) {
  cq::SimpleQueue<int> q;
  for (int i = 0; i < 100; ++i) q.put(i);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(q.get(), i);
  EXPECT_TRUE(q.empty());
}

TEST(SimpleQueue, PutNeverBlocks) {
  cq::SimpleQueue<int> q;
  const auto t0 = Clock::now();
  for (int i = 0; i < 200000; ++i) q.put(i);
  q.put(-1, false);
  q.put(-2, true, 1ms);
  q.put_nowait(-3);
  const int lvalue = -4;
  q.put(lvalue);
  q.put_nowait(lvalue);
  EXPECT_LT(since(t0), 10s);
  EXPECT_EQ(q.qsize(), 200005u);
  EXPECT_FALSE(q.empty());
  for (int i = 0; i < 200000; ++i) ASSERT_EQ(q.get_nowait(), i);
  EXPECT_EQ(q.get(), -1);
  EXPECT_EQ(q.get(), -2);
  EXPECT_EQ(q.get(), -3);
  EXPECT_EQ(q.get(), -4);
  EXPECT_EQ(q.get(), -4);
  EXPECT_TRUE(q.empty());
}

TEST(SimpleQueue, QsizeAndEmpty) {
  cq::SimpleQueue<std::string> q;
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_TRUE(q.empty());
  q.put("a");
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_FALSE(q.empty());
  q.put("b");
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_EQ(q.get(), "b");
  EXPECT_TRUE(q.empty());
}

TEST(SimpleQueue, GetOnEmptyThrowsEmpty) {
  cq::SimpleQueue<int> q;
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
  EXPECT_THROW((void)q.get(false), cq::Empty);
  EXPECT_THROW((void)q.get(0ms), cq::Empty);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(SimpleQueue, GetTimeoutThrowsEmptyAfterTimeout) {
  cq::SimpleQueue<int> q;
  auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(50ms), cq::Empty);
  auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
  t0 = Clock::now();
  EXPECT_THROW((void)q.get(true, std::chrono::duration<double>(0.05)), cq::Empty);
  took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
}

TEST(SimpleQueue, NegativeTimeoutIsValueError) {
  cq::SimpleQueue<int> q;
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);
  q.put(1);
  EXPECT_THROW((void)q.get(true, -1s), concur::ValueError);
  EXPECT_EQ(q.qsize(), 1u);
}

TEST(SimpleQueue, PutIgnoresBlockAndTimeout) {
  // Python: "The optional args block and timeout are ignored" by SimpleQueue.put, so not even a
  // negative timeout is an error there.
  cq::SimpleQueue<int> q;
  EXPECT_NO_THROW(q.put(1, true, -1s));
  EXPECT_NO_THROW(q.put(2, false, 1s));
  EXPECT_NO_THROW(q.put(3, false, -1ms));
  EXPECT_EQ(q.qsize(), 3u);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 3);
}

TEST(SimpleQueue, TryGet) {
  cq::SimpleQueue<int> q;
  EXPECT_EQ(q.try_get(), std::nullopt);
  q.put(7);
  q.put(8);
  EXPECT_EQ(q.try_get(), std::optional<int>(7));
  EXPECT_EQ(q.try_get(), std::optional<int>(8));
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(SimpleQueue, GetWithTimeoutReturnsAvailableItem) {
  cq::SimpleQueue<int> q;
  q.put(3);
  const auto t0 = Clock::now();
  EXPECT_EQ(q.get(10s), 3);
  EXPECT_LT(since(t0), 1s);
}

TEST(SimpleQueue, BlockedGetWakesOnPut) {
  cq::SimpleQueue<int> q;
  std::atomic<bool> done{false};
  int got = 0;
  std::thread consumer([&] {
    got = q.get();
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load()) << "get() returned on an empty queue";
  q.put(99);
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  consumer.join();
  EXPECT_EQ(got, 99);
}

TEST(SimpleQueue, BlockedGetWithTimeoutWakesOnPut) {
  cq::SimpleQueue<int> q;
  std::optional<int> got;
  std::thread consumer([&] { got = q.get(10s); });
  settle();
  q.put(5);
  consumer.join();
  EXPECT_EQ(got, std::optional<int>(5));
}

TEST(SimpleQueue, MoveOnlyItems) {
  cq::SimpleQueue<std::unique_ptr<int>> q;
  auto p = std::make_unique<int>(41);
  q.put(std::move(p));
  q.put_nowait(std::make_unique<int>(42));
  auto a = q.get();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a, 41);
  auto b = q.try_get();
  ASSERT_TRUE(b.has_value());
  ASSERT_NE(*b, nullptr);
  EXPECT_EQ(**b, 42);
}

TEST(SimpleQueue, DestructorDestroysRemainingItems) {
  concur_test::Tracked::reset();
  {
    cq::SimpleQueue<concur_test::Tracked> q;
    for (int i = 0; i < 10; ++i) q.put(concur_test::Tracked(i));
    EXPECT_EQ(concur_test::Tracked::live.load(), 10);
    EXPECT_EQ(q.get().value, 0);
  }
  EXPECT_EQ(concur_test::Tracked::live.load(), 0);
  EXPECT_EQ(concur_test::Tracked::destroyed.load(), 10);
}

TEST(SimpleQueue, ManyProducersManyConsumers) {
  cq::SimpleQueue<int> q;
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPer = 5000;
  std::atomic<long long> sum{0};
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPer; ++i) q.put(p * kPer + i);
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) {
        sum.fetch_add(q.get());
        count.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  const long long n = kProducers * kPer;
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n - 1) / 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
