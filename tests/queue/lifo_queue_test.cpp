// queue.LifoQueue: last in, first out, with the same bound, Full/Empty and timeout rules as
// Queue.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "queue/queue_test_util.hpp"

namespace {

namespace cq = concur::queue;
using namespace std::chrono_literals;
using concur_test::Clock;
using concur_test::eventually;
using concur_test::settle;
using concur_test::since;

TEST(LifoQueue, LastInFirstOut) {
  cq::LifoQueue<int> q;
  q.put(1);
  q.put(2);
  q.put(3);
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 1);
  EXPECT_TRUE(q.empty());
}

TEST(LifoQueue, InterleavedPutsAndGets) {
  cq::LifoQueue<std::string> q;
  q.put("a");
  q.put("b");
  EXPECT_EQ(q.get(), "b");
  q.put("c");
  q.put("d");
  EXPECT_EQ(q.get(), "d");
  EXPECT_EQ(q.get(), "c");
  EXPECT_EQ(q.get(), "a");
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
}

TEST(LifoQueue, ManyItemsComeBackReversed) {
  cq::LifoQueue<int> q;
  constexpr int kItems = 10000;
  for (int i = 0; i < kItems; ++i) q.put(i);
  EXPECT_EQ(q.qsize(), static_cast<std::size_t>(kItems));
  for (int i = kItems - 1; i >= 0; --i) ASSERT_EQ(q.get_nowait(), i);
  EXPECT_TRUE(q.empty());
}

TEST(LifoQueue, FreshQueueAccessors) {
  cq::LifoQueue<int> unbounded;
  EXPECT_EQ(unbounded.maxsize(), 0u);
  EXPECT_TRUE(unbounded.empty());
  EXPECT_FALSE(unbounded.full());
  EXPECT_FALSE(unbounded.is_shutdown());
  cq::LifoQueue<int> negative(-3);
  EXPECT_EQ(negative.maxsize(), 0u);
  for (int i = 0; i < 1000; ++i) negative.put_nowait(i);
  EXPECT_FALSE(negative.full());
  cq::LifoQueue<int> bounded(2);
  EXPECT_EQ(bounded.maxsize(), 2u);
}

TEST(LifoQueue, BoundedPutNowaitThrowsFull) {
  cq::LifoQueue<int> q(2);
  q.put(1);
  q.put(2);
  EXPECT_TRUE(q.full());
  EXPECT_THROW(q.put_nowait(3), cq::Full);
  EXPECT_THROW(q.put(3, false), cq::Full);
  EXPECT_FALSE(q.try_put(3));
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 1);
}

TEST(LifoQueue, BoundedPutTimeoutThrowsFullAfterTimeout) {
  cq::LifoQueue<int> q(1);
  q.put(1);
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(2, 50ms), cq::Full);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(q.qsize(), 1u);
}

TEST(LifoQueue, GetOnEmptyThrowsEmpty) {
  cq::LifoQueue<int> q;
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
  EXPECT_THROW((void)q.get(false), cq::Empty);
  EXPECT_EQ(q.try_get(), std::nullopt);
  const auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(50ms), cq::Empty);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
}

TEST(LifoQueue, ValueErrors) {
  cq::LifoQueue<int> q(2);
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);
  EXPECT_THROW((void)q.get(false, 1s), concur::ValueError);
  EXPECT_THROW(q.put(1, -1ms), concur::ValueError);
  EXPECT_THROW(q.put(1, false, 1s), concur::ValueError);
  EXPECT_TRUE(q.empty());
}

TEST(LifoQueue, BlockedPutWakesOnGet) {
  cq::LifoQueue<int> q(2);
  q.put(1);
  q.put(2);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    q.put(3);
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load());
  EXPECT_EQ(q.get(), 2);
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  producer.join();
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.get(), 1);
}

TEST(LifoQueue, BlockedGetWakesOnPut) {
  cq::LifoQueue<int> q;
  std::atomic<bool> done{false};
  int got = 0;
  std::thread consumer([&] {
    got = q.get();
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load());
  q.put(9);
  consumer.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(got, 9);
}

TEST(LifoQueue, TaskDoneJoinAndShutdown) {
  cq::LifoQueue<int> q;
  q.put(1);
  q.put(2);
  EXPECT_EQ(q.unfinished_tasks(), 2u);
  (void)q.get();
  q.task_done();
  (void)q.get();
  q.task_done();
  q.join();
  EXPECT_THROW(q.task_done(), concur::ValueError);
  q.put(5);
  q.put(6);
  q.shutdown();
  EXPECT_THROW(q.put(7), cq::ShutDown);
  EXPECT_EQ(q.get(), 6);
  EXPECT_EQ(q.get(), 5);
  EXPECT_THROW((void)q.get(), cq::ShutDown);
}

TEST(LifoQueue, SingleProducerSingleConsumerDeliversEverything) {
  cq::LifoQueue<int> q(8);
  constexpr int kItems = 20000;
  std::thread producer([&] {
    for (int i = 1; i <= kItems; ++i) q.put(i);
  });
  long long sum = 0;
  std::vector<bool> seen(kItems + 1, false);
  for (int i = 0; i < kItems; ++i) {
    const int v = q.get();
    ASSERT_FALSE(seen[static_cast<std::size_t>(v)]) << v;
    seen[static_cast<std::size_t>(v)] = true;
    sum += v;
  }
  producer.join();
  EXPECT_EQ(sum, static_cast<long long>(kItems) * (kItems + 1) / 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
