// task_done() / join() / unfinished_tasks() on every queue flavour (Queue on the ring and on
// the locked deque, LifoQueue, PriorityQueue).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
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

template <class K>
class TaskDoneJoin : public testing::Test {
 protected:
  std::unique_ptr<typename K::Queue> q_ = K::make();
};
TYPED_TEST_SUITE_P(TaskDoneJoin);

TYPED_TEST_P(TaskDoneJoin, JoinReturnsAtOnceOnAFreshQueue) {
  auto& q = *this->q_;
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  const auto t0 = Clock::now();
  q.join();
  q.join();
  EXPECT_LT(since(t0), 1s);
}

TYPED_TEST_P(TaskDoneJoin, UnfinishedTasksCountsPutsMinusTaskDone) {
  auto& q = *this->q_;
  q.put(1);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  q.put(2);
  q.put(3);
  EXPECT_EQ(q.unfinished_tasks(), 3u);
  (void)q.get();
  EXPECT_EQ(q.unfinished_tasks(), 3u);  // get() alone does not finish a task
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 2u);
  (void)q.get();
  (void)q.get();
  q.task_done();
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.join();
}

TYPED_TEST_P(TaskDoneJoin, EveryPutFlavourCountsAsATask) {
  auto& q = *this->q_;
  const int lvalue = 4;
  q.put(1);
  q.put_nowait(2);
  EXPECT_TRUE(q.try_put(3));
  EXPECT_EQ(q.unfinished_tasks(), 3u);
  while (q.try_get()) q.task_done();
  q.put(lvalue, 1s);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  (void)q.get();
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
}

TYPED_TEST_P(TaskDoneJoin, JoinBlocksUntilEveryTaskIsDone) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.put(3);
  std::atomic<bool> joined{false};
  std::thread joiner([&] {
    q.join();
    joined = true;
  });
  settle();
  EXPECT_FALSE(joined.load()) << "join() returned with 3 unfinished tasks";
  for (int i = 0; i < 2; ++i) {
    (void)q.get();
    q.task_done();
  }
  settle();
  EXPECT_FALSE(joined.load()) << "join() returned with 1 unfinished task";
  (void)q.get();
  settle();
  EXPECT_FALSE(joined.load()) << "join() returned before the last task_done()";
  const auto t0 = Clock::now();
  q.task_done();
  EXPECT_TRUE(eventually([&] { return joined.load(); }));
  EXPECT_LT(since(t0), 2s);
  joiner.join();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
}

TYPED_TEST_P(TaskDoneJoin, TooManyTaskDoneIsValueError) {
  auto& q = *this->q_;
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.put(1);
  (void)q.get();
  q.task_done();
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  // The failed calls did not disturb the count: one more put needs exactly one task_done.
  q.put(2);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  (void)q.get();
  q.task_done();
  q.join();
  EXPECT_THROW(q.task_done(), concur::ValueError);
}

TYPED_TEST_P(TaskDoneJoin, TaskDoneMayComeBeforeGet) {
  // Python counts puts, not gets: task_done() is fine as long as unfinished tasks remain.
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.task_done();
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.join();
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_EQ(q.qsize(), 2u);  // the items are still there
}

TYPED_TEST_P(TaskDoneJoin, JoinFromSeveralThreads) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  constexpr int kJoiners = 4;
  std::atomic<int> joined{0};
  std::vector<std::thread> joiners;
  for (int i = 0; i < kJoiners; ++i) {
    joiners.emplace_back([&] {
      q.join();
      joined.fetch_add(1);
    });
  }
  settle();
  EXPECT_EQ(joined.load(), 0);
  (void)q.get();
  q.task_done();
  settle();
  EXPECT_EQ(joined.load(), 0);
  (void)q.get();
  q.task_done();
  EXPECT_TRUE(eventually([&] { return joined.load() == kJoiners; }));
  for (auto& t : joiners) t.join();
}

TYPED_TEST_P(TaskDoneJoin, JoinWaitsForWorkerThreads) {
  auto& q = *this->q_;
  constexpr int kItems = 300;
  constexpr int kWorkers = 3;
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        const int v = q.get();
        if (v < 0) {
          q.task_done();
          return;
        }
        processed.fetch_add(1);
        q.task_done();
      }
    });
  }
  for (int i = 0; i < kItems; ++i) q.put(i);
  q.join();
  EXPECT_EQ(processed.load(), kItems);  // every task_done came after its processing
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  for (int w = 0; w < kWorkers; ++w) q.put(-1);
  q.join();
  for (auto& t : workers) t.join();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_TRUE(q.empty());
}

TYPED_TEST_P(TaskDoneJoin, QueueIsReusableAcrossJoinRounds) {
  auto& q = *this->q_;
  for (int round = 0; round < 20; ++round) {
    std::thread worker([&] {
      for (int i = 0; i < 5; ++i) {
        (void)q.get();
        q.task_done();
      }
    });
    for (int i = 0; i < 5; ++i) q.put(round * 10 + i);
    q.join();
    EXPECT_EQ(q.unfinished_tasks(), 0u);
    worker.join();
  }
  EXPECT_TRUE(q.empty());
}

TYPED_TEST_P(TaskDoneJoin, FailedPutsAndGetsDoNotCountAsTasks) {
  auto& q = *this->q_;
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
  EXPECT_FALSE(q.try_get().has_value());
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);
  EXPECT_THROW(q.put(1, false, 1ms), concur::ValueError);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  if (q.maxsize() != 0 && q.maxsize() <= 4096) {
    concur_test::fill_to_maxsize(q);
    EXPECT_THROW(q.put_nowait(-1), cq::Full);
    EXPECT_FALSE(q.try_put(-1));
    EXPECT_THROW(q.put(-1, 5ms), cq::Full);
    EXPECT_EQ(q.unfinished_tasks(), q.maxsize());
    while (q.try_get()) q.task_done();
  }
  q.shutdown();
  EXPECT_THROW(q.put(1), cq::ShutDown);
  EXPECT_FALSE(q.try_put(1));
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.join();
}

REGISTER_TYPED_TEST_SUITE_P(TaskDoneJoin, JoinReturnsAtOnceOnAFreshQueue,
                            UnfinishedTasksCountsPutsMinusTaskDone, EveryPutFlavourCountsAsATask,
                            JoinBlocksUntilEveryTaskIsDone, TooManyTaskDoneIsValueError,
                            TaskDoneMayComeBeforeGet, JoinFromSeveralThreads,
                            JoinWaitsForWorkerThreads, QueueIsReusableAcrossJoinRounds,
                            FailedPutsAndGetsDoNotCountAsTasks);
INSTANTIATE_TYPED_TEST_SUITE_P(All, TaskDoneJoin, concur_test::AllKinds, concur_test::KindNames);
// (Every kind here holds at least 3 items; Queue(1) is covered in queue_test.cpp.)

// ---------------------------------------------------------------- concurrent task_done

class ConcurrentTaskDone : public testing::TestWithParam<std::ptrdiff_t> {};
INSTANTIATE_TEST_SUITE_P(AllSizes, ConcurrentTaskDone,
                         testing::ValuesIn(concur_test::all_maxsizes()), concur_test::maxsize_name);

TEST_P(ConcurrentTaskDone, NeverSpuriouslyRaises) {
  // Consumers call task_done() right after each get() while producers keep putting: a
  // task_done() for an item that was got can never be "too many". (A failure would leave a
  // task unfinished forever; the test makes up for it so that join() still returns.)
  std::atomic<int> spurious{0};
  int compensated = 0;
  const auto t0 = Clock::now();
  int rounds = 0;
  for (; rounds < 60 && (rounds < 3 || since(t0) < 600ms); ++rounds) {
    cq::Queue<int> q(GetParam());
    constexpr int kPer = 5000;
    std::vector<std::thread> threads;
    for (int p = 0; p < 3; ++p) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPer; ++i) q.put(i);
      });
    }
    for (int c = 0; c < 3; ++c) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPer; ++i) {
          (void)q.get();
          concur_test::task_done_counting(q, spurious);
        }
      });
    }
    for (auto& t : threads) t.join();
    concur_test::join_compensating(q, 1, spurious, compensated);
    EXPECT_EQ(q.unfinished_tasks(), 0u);
    EXPECT_TRUE(q.empty());
  }
  EXPECT_EQ(spurious.load(), 0) << "task_done() raised ValueError while tasks were unfinished ("
                                << rounds << " rounds)";
}

TEST(SimpleQueueHasNoTaskTracking, OnlyPutAndGet) {
  // SimpleQueue is the Python type without task_done/join: it still delivers.
  cq::SimpleQueue<int> q;
  q.put(1);
  EXPECT_EQ(q.get(), 1);
  EXPECT_TRUE(q.empty());
}

}  // namespace
