// queue.PriorityQueue: smallest first (std::less), custom Compare, FIFO among equal items,
// bounded blocking, Full/Empty, timeouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "queue/queue_test_util.hpp"

namespace {

namespace cq = concur::queue;
using namespace std::chrono_literals;
using concur_test::Clock;
using concur_test::eventually;
using concur_test::settle;
using concur_test::since;

using Job = std::pair<int, std::string>;

/// Orders (priority, value) pairs on the priority alone, so equal priorities compare equal.
struct ByPriority {
  bool operator()(const Job& a, const Job& b) const { return a.first < b.first; }
};

TEST(PriorityQueue, SmallestFirstWithPairs) {
  cq::PriorityQueue<Job> q;
  q.put({2, "alex"});
  q.put({1, "wusir"});
  q.put({3, "taibai"});
  EXPECT_EQ(q.get(), Job(1, "wusir"));
  EXPECT_EQ(q.get(), Job(2, "alex"));
  EXPECT_EQ(q.get(), Job(3, "taibai"));
  EXPECT_TRUE(q.empty());
}

TEST(PriorityQueue, PairsWithEqualPriorityOrderByValue) {
  // std::less on a pair compares the second member too (as Python compares tuples).
  cq::PriorityQueue<Job> q;
  q.put({1, "b"});
  q.put({1, "a"});
  q.put({0, "z"});
  EXPECT_EQ(q.get(), Job(0, "z"));
  EXPECT_EQ(q.get(), Job(1, "a"));
  EXPECT_EQ(q.get(), Job(1, "b"));
}

TEST(PriorityQueue, IntsComeOutSorted) {
  cq::PriorityQueue<int> q;
  std::mt19937 rng(12345);
  std::vector<int> values(5000);
  for (auto& v : values) v = static_cast<int>(rng() % 1000) - 500;
  for (int v : values) q.put(v);
  std::sort(values.begin(), values.end());
  for (int v : values) ASSERT_EQ(q.get_nowait(), v);
  EXPECT_TRUE(q.empty());
}

TEST(PriorityQueue, GreaterComparatorGivesLargestFirst) {
  cq::PriorityQueue<int, std::greater<int>> q;
  for (int v : {5, 1, 9, 3, 7}) q.put(v);
  for (int v : {9, 7, 5, 3, 1}) EXPECT_EQ(q.get(), v);
  EXPECT_TRUE(q.empty());
}

TEST(PriorityQueue, GreaterComparatorOnPairs) {
  cq::PriorityQueue<Job, std::greater<Job>> q(0, std::greater<Job>());
  q.put({1, "low"});
  q.put({10, "high"});
  q.put({5, "mid"});
  EXPECT_EQ(q.get().second, "high");
  EXPECT_EQ(q.get().second, "mid");
  EXPECT_EQ(q.get().second, "low");
}

TEST(PriorityQueue, EqualPrioritiesLeaveInInsertionOrder) {
  cq::PriorityQueue<Job, ByPriority> q;
  q.put({2, "first-2"});
  q.put({1, "first-1"});
  q.put({2, "second-2"});
  q.put({1, "second-1"});
  q.put({2, "third-2"});
  q.put({1, "third-1"});
  EXPECT_EQ(q.get().second, "first-1");
  EXPECT_EQ(q.get().second, "second-1");
  EXPECT_EQ(q.get().second, "third-1");
  EXPECT_EQ(q.get().second, "first-2");
  EXPECT_EQ(q.get().second, "second-2");
  EXPECT_EQ(q.get().second, "third-2");
}

TEST(PriorityQueue, InsertionOrderKeptAmongManyEqualsInterleaved) {
  // Many items over few priorities, with gets in between: within one priority the sequence
  // numbers must come out increasing.
  using Item = std::pair<int, int>;  // (priority, sequence)
  struct ByFirst {
    bool operator()(const Item& a, const Item& b) const { return a.first < b.first; }
  };
  cq::PriorityQueue<Item, ByFirst> q;
  std::mt19937 rng(7);
  int seq = 0;
  std::vector<int> last_seq(4, -1);
  int last_priority = -1;
  for (int round = 0; round < 200; ++round) {
    const int puts = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < puts; ++i) q.put({static_cast<int>(rng() % 4), seq++});
    const int gets = static_cast<int>(rng() % 20);
    last_priority = -1;
    for (int i = 0; i < gets && !q.empty(); ++i) {
      const Item it = q.get_nowait();
      ASSERT_GE(it.first, last_priority) << "a larger priority came first";
      last_priority = it.first;
      ASSERT_GT(it.second, last_seq[static_cast<std::size_t>(it.first)])
          << "equal priorities left out of insertion order";
      last_seq[static_cast<std::size_t>(it.first)] = it.second;
    }
  }
  last_priority = -1;
  while (auto it = q.try_get()) {
    ASSERT_GE(it->first, last_priority);
    last_priority = it->first;
    ASSERT_GT(it->second, last_seq[static_cast<std::size_t>(it->first)]);
    last_seq[static_cast<std::size_t>(it->first)] = it->second;
  }
  EXPECT_TRUE(q.empty());
}

TEST(PriorityQueue, EqualItemsUnderGreaterKeepInsertionOrder) {
  struct ByFirstGreater {
    bool operator()(const Job& a, const Job& b) const { return a.first > b.first; }
  };
  cq::PriorityQueue<Job, ByFirstGreater> q;
  q.put({1, "a"});
  q.put({3, "b"});
  q.put({1, "c"});
  q.put({3, "d"});
  EXPECT_EQ(q.get().second, "b");
  EXPECT_EQ(q.get().second, "d");
  EXPECT_EQ(q.get().second, "a");
  EXPECT_EQ(q.get().second, "c");
}

TEST(PriorityQueue, StatefulComparatorIsUsed) {
  struct ModOrder {
    int mod;
    bool operator()(int a, int b) const { return a % mod < b % mod; }
  };
  cq::PriorityQueue<int, ModOrder> q(0, ModOrder{10});
  for (int v : {19, 21, 30, 15}) q.put(v);  // keys 9, 1, 0, 5
  EXPECT_EQ(q.get(), 30);
  EXPECT_EQ(q.get(), 21);
  EXPECT_EQ(q.get(), 15);
  EXPECT_EQ(q.get(), 19);
}

TEST(PriorityQueue, TuplesWork) {
  cq::PriorityQueue<std::tuple<int, int, std::string>> q;
  q.put({1, 2, "x"});
  q.put({1, 1, "y"});
  q.put({0, 9, "z"});
  EXPECT_EQ(std::get<2>(q.get()), "z");
  EXPECT_EQ(std::get<2>(q.get()), "y");
  EXPECT_EQ(std::get<2>(q.get()), "x");
}

TEST(PriorityQueue, AccessorsAndEmpty) {
  cq::PriorityQueue<int> q;
  EXPECT_EQ(q.maxsize(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
  EXPECT_THROW((void)q.get(false), cq::Empty);
  EXPECT_EQ(q.try_get(), std::nullopt);
  const auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(50ms), cq::Empty);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);
  EXPECT_THROW((void)q.get(false, 1ms), concur::ValueError);
  cq::PriorityQueue<int> negative(-1);
  EXPECT_EQ(negative.maxsize(), 0u);
}

TEST(PriorityQueue, BoundedThrowsFull) {
  cq::PriorityQueue<int> q(3);
  q.put(5);
  q.put(1);
  q.put(3);
  EXPECT_TRUE(q.full());
  EXPECT_THROW(q.put_nowait(0), cq::Full);
  EXPECT_THROW(q.put(0, false), cq::Full);
  EXPECT_FALSE(q.try_put(0));
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(0, 50ms), cq::Full);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
  EXPECT_THROW(q.put(0, -1ms), concur::ValueError);
  EXPECT_THROW(q.put(0, false, 1ms), concur::ValueError);
  EXPECT_EQ(q.get(), 1);  // the rejected 0 never went in
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.get(), 5);
}

TEST(PriorityQueue, BoundedPutBlocksUntilGet) {
  cq::PriorityQueue<int> q(2);
  q.put(10);
  q.put(20);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    q.put(5);
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load()) << "put() returned while the queue was full";
  EXPECT_EQ(q.get(), 10);
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  producer.join();
  EXPECT_EQ(q.get(), 5);
  EXPECT_EQ(q.get(), 20);
}

TEST(PriorityQueue, BlockedGetWakesOnPut) {
  cq::PriorityQueue<Job> q;
  std::optional<Job> got;
  std::thread consumer([&] { got = q.get(); });
  settle();
  EXPECT_FALSE(got.has_value());
  q.put({4, "four"});
  consumer.join();
  EXPECT_EQ(got, std::optional<Job>(Job(4, "four")));
}

TEST(PriorityQueue, TaskDoneJoinAndShutdown) {
  cq::PriorityQueue<int> q;
  q.put(3);
  q.put(1);
  q.put(2);
  EXPECT_EQ(q.unfinished_tasks(), 3u);
  q.shutdown();
  EXPECT_THROW(q.put(0), cq::ShutDown);
  EXPECT_EQ(q.get(), 1);
  q.task_done();
  EXPECT_EQ(q.get(), 2);
  q.task_done();
  EXPECT_EQ(q.get(), 3);
  q.task_done();
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  q.join();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW(q.task_done(), concur::ValueError);
}

TEST(PriorityQueue, ConcurrentProducersSingleConsumerSeesNondecreasingBatches) {
  // After all producers finish, the remainder drains in sorted order.
  cq::PriorityQueue<int> q;
  constexpr int kProducers = 4;
  constexpr int kPer = 2000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPer; ++i) q.put((i * 7919 + p) % 10007);
    });
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(q.qsize(), static_cast<std::size_t>(kProducers * kPer));
  int last = -1;
  int count = 0;
  while (auto v = q.try_get()) {
    ASSERT_GE(*v, last);
    last = *v;
    ++count;
  }
  EXPECT_EQ(count, kProducers * kPer);
}

}  // namespace
