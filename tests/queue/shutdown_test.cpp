// shutdown() (Python 3.13) on every queue flavour: ShutDown from put, remaining items from get
// then ShutDown, blocked getters and putters woken, shutdown(immediate=true) discarding items
// and finishing their tasks for join().
#include <gtest/gtest.h>

#include <algorithm>
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
using concur_test::Order;
using concur_test::settle;
using concur_test::since;

/// The order 1, 2, 3 (put in that order) comes out of a queue of kind K.
template <class K>
std::vector<int> expected_123() {
  return K::kOrder == Order::lifo ? std::vector<int>{3, 2, 1} : std::vector<int>{1, 2, 3};
}

template <class K>
class Shutdown : public testing::Test {
 protected:
  std::unique_ptr<typename K::Queue> q_ = K::make();
};
TYPED_TEST_SUITE_P(Shutdown);

TYPED_TEST_P(Shutdown, IsShutdownReportsTheState) {
  auto& q = *this->q_;
  EXPECT_FALSE(q.is_shutdown());
  q.shutdown();
  EXPECT_TRUE(q.is_shutdown());
  q.shutdown();  // idempotent
  EXPECT_TRUE(q.is_shutdown());
  q.shutdown(true);
  EXPECT_TRUE(q.is_shutdown());
}

TYPED_TEST_P(Shutdown, PutAfterShutdownThrowsShutDown) {
  auto& q = *this->q_;
  q.put(1);
  q.shutdown();
  const int lvalue = 2;
  EXPECT_THROW(q.put(2), cq::ShutDown);
  EXPECT_THROW(q.put(lvalue), cq::ShutDown);
  EXPECT_THROW(q.put_nowait(2), cq::ShutDown);
  EXPECT_THROW(q.put_nowait(lvalue), cq::ShutDown);
  EXPECT_THROW(q.put(2, false), cq::ShutDown);
  EXPECT_THROW(q.put(2, 1s), cq::ShutDown);
  EXPECT_FALSE(q.try_put(2));
  EXPECT_FALSE(q.try_put(lvalue));
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  try {
    q.put(3);
    FAIL() << "put() after shutdown() did not throw";
  } catch (const concur::Error& e) {
    EXPECT_NE(dynamic_cast<const cq::ShutDown*>(&e), nullptr);
    EXPECT_STRNE(e.what(), "");
  }
}

TYPED_TEST_P(Shutdown, PutWithTimeoutAfterShutdownFailsAtOnce) {
  auto& q = *this->q_;
  q.shutdown();
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(1, 10s), cq::ShutDown);
  EXPECT_LT(since(t0), 1s);
}

TYPED_TEST_P(Shutdown, GetReturnsRemainingItemsThenShutDown) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.put(3);
  q.shutdown();
  EXPECT_EQ(q.qsize(), 3u);
  EXPECT_FALSE(q.empty());
  const std::vector<int> want = expected_123<TypeParam>();
  EXPECT_EQ(q.get(), want[0]);
  EXPECT_EQ(q.get_nowait(), want[1]);
  EXPECT_EQ(q.get(1s), want[2]);
  EXPECT_TRUE(q.empty());
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  EXPECT_THROW((void)q.get_nowait(), cq::ShutDown);  // ShutDown, not Empty
  EXPECT_THROW((void)q.get(false), cq::ShutDown);
  EXPECT_EQ(q.try_get(), std::nullopt);
  const auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(10s), cq::ShutDown);  // at once, not after the timeout
  EXPECT_LT(since(t0), 1s);
}

TYPED_TEST_P(Shutdown, TryGetDrainsAfterShutdown) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.shutdown();
  int sum = 0;
  while (auto v = q.try_get()) sum += *v;
  EXPECT_EQ(sum, 3);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TYPED_TEST_P(Shutdown, BlockedGettersWakeWithShutDown) {
  auto& q = *this->q_;
  constexpr int kGetters = 4;
  std::atomic<int> shut{0};
  std::atomic<int> other{0};
  std::vector<std::thread> getters;
  for (int i = 0; i < kGetters; ++i) {
    getters.emplace_back([&, i] {
      try {
        if (i % 2 == 0) {
          (void)q.get();
        } else {
          (void)q.get(30s);
        }
        other.fetch_add(1);
      } catch (const cq::ShutDown&) {
        shut.fetch_add(1);
      } catch (...) {
        other.fetch_add(1);
      }
    });
  }
  settle();
  EXPECT_EQ(shut.load() + other.load(), 0);
  const auto t0 = Clock::now();
  q.shutdown();
  EXPECT_TRUE(eventually([&] { return shut.load() + other.load() == kGetters; }));
  EXPECT_LT(since(t0), 5s);
  for (auto& t : getters) t.join();
  EXPECT_EQ(shut.load(), kGetters);
  EXPECT_EQ(other.load(), 0);
}

TYPED_TEST_P(Shutdown, ImmediateDiscardsQueuedItems) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.put(3);
  EXPECT_EQ(q.unfinished_tasks(), 3u);
  q.shutdown(true);
  EXPECT_TRUE(q.is_shutdown());
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.unfinished_tasks(), 0u);  // each discarded item counts as done
  const auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(10s), cq::ShutDown);
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  EXPECT_THROW((void)q.get_nowait(), cq::ShutDown);
  EXPECT_LT(since(t0), 1s);
  EXPECT_EQ(q.try_get(), std::nullopt);
  q.join();  // nothing unfinished
  EXPECT_THROW(q.put(4), cq::ShutDown);
  EXPECT_THROW(q.task_done(), concur::ValueError);
}

TYPED_TEST_P(Shutdown, ImmediateDropsUnfinishedByTheDiscardedCount) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.put(3);
  (void)q.get();  // one item in a worker's hands, not task_done yet
  EXPECT_EQ(q.unfinished_tasks(), 3u);
  q.shutdown(true);
  EXPECT_EQ(q.unfinished_tasks(), 1u);  // the two discarded ones are finished
  std::atomic<bool> joined{false};
  std::thread joiner([&] {
    q.join();
    joined = true;
  });
  settle();
  EXPECT_FALSE(joined.load()) << "join() returned with a task still unfinished";
  q.task_done();
  EXPECT_TRUE(eventually([&] { return joined.load(); }));
  joiner.join();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW(q.task_done(), concur::ValueError);
}

TYPED_TEST_P(Shutdown, ImmediateReleasesABlockedJoin) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  std::atomic<bool> joined{false};
  std::thread joiner([&] {
    q.join();
    joined = true;
  });
  settle();
  EXPECT_FALSE(joined.load());
  q.shutdown(true);
  EXPECT_TRUE(eventually([&] { return joined.load(); }));
  joiner.join();
}

TYPED_TEST_P(Shutdown, NonImmediateKeepsJoinWaitingForTheItems) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  std::atomic<bool> joined{false};
  std::thread joiner([&] {
    q.join();
    joined = true;
  });
  settle();
  q.shutdown();
  settle();
  EXPECT_FALSE(joined.load()) << "shutdown(false) must not finish the queued tasks";
  EXPECT_EQ(q.unfinished_tasks(), 2u);
  (void)q.get();
  q.task_done();
  (void)q.get();
  q.task_done();
  EXPECT_TRUE(eventually([&] { return joined.load(); }));
  joiner.join();
}

TYPED_TEST_P(Shutdown, ImmediateAfterNonImmediateDiscards) {
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.shutdown();
  EXPECT_EQ(q.qsize(), 2u);
  q.shutdown(true);
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW((void)q.get_nowait(), cq::ShutDown);
}

TYPED_TEST_P(Shutdown, ImmediateNeverDropsUnfinishedBelowZero) {
  // Python: unfinished_tasks only drops while it is positive.
  auto& q = *this->q_;
  q.put(1);
  q.put(2);
  q.task_done();
  q.task_done();  // both finished although still queued
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.shutdown(true);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW(q.task_done(), concur::ValueError);
  q.join();
}

TYPED_TEST_P(Shutdown, TaskDoneStillWorksAfterShutdown) {
  auto& q = *this->q_;
  q.put(1);
  (void)q.get();
  q.shutdown();
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.join();
}

TYPED_TEST_P(Shutdown, ShutdownOnAFreshQueue) {
  auto& q = *this->q_;
  q.shutdown(true);
  EXPECT_TRUE(q.is_shutdown());
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  EXPECT_THROW(q.put(1), cq::ShutDown);
  q.join();
}

REGISTER_TYPED_TEST_SUITE_P(Shutdown, IsShutdownReportsTheState, PutAfterShutdownThrowsShutDown,
                            PutWithTimeoutAfterShutdownFailsAtOnce,
                            GetReturnsRemainingItemsThenShutDown, TryGetDrainsAfterShutdown,
                            BlockedGettersWakeWithShutDown, ImmediateDiscardsQueuedItems,
                            ImmediateDropsUnfinishedByTheDiscardedCount,
                            ImmediateReleasesABlockedJoin, NonImmediateKeepsJoinWaitingForTheItems,
                            ImmediateAfterNonImmediateDiscards,
                            ImmediateNeverDropsUnfinishedBelowZero, TaskDoneStillWorksAfterShutdown,
                            ShutdownOnAFreshQueue);
INSTANTIATE_TYPED_TEST_SUITE_P(All, Shutdown, concur_test::AllKinds, concur_test::KindNames);
// (Every kind here holds at least 3 items; Queue(1) is covered in queue_test.cpp and below.)

// ---------------------------------------------------------------- bounded queues: putters

template <class K>
class BoundedShutdown : public testing::Test {
 protected:
  std::unique_ptr<typename K::Queue> q_ = K::make();
};
TYPED_TEST_SUITE_P(BoundedShutdown);

TYPED_TEST_P(BoundedShutdown, PutOnAFullShutDownQueueIsShutDownNotFull) {
  auto& q = *this->q_;
  concur_test::fill_to_maxsize(q);
  q.shutdown();
  EXPECT_THROW(q.put_nowait(-1), cq::ShutDown);
  EXPECT_THROW(q.put(-1, false), cq::ShutDown);
  EXPECT_THROW(q.put(-1, 20ms), cq::ShutDown);
  EXPECT_FALSE(q.try_put(-1));
  EXPECT_EQ(q.qsize(), q.maxsize());
}

TYPED_TEST_P(BoundedShutdown, BlockedPuttersWakeWithShutDown) {
  auto& q = *this->q_;
  concur_test::fill_to_maxsize(q);
  constexpr int kPutters = 4;
  std::atomic<int> shut{0};
  std::atomic<int> other{0};
  std::vector<std::thread> putters;
  for (int i = 0; i < kPutters; ++i) {
    putters.emplace_back([&, i] {
      try {
        if (i % 2 == 0) {
          q.put(-1 - i);
        } else {
          q.put(-1 - i, 30s);
        }
        other.fetch_add(1);
      } catch (const cq::ShutDown&) {
        shut.fetch_add(1);
      } catch (...) {
        other.fetch_add(1);
      }
    });
  }
  settle();
  EXPECT_EQ(shut.load() + other.load(), 0) << "put() returned on a full queue";
  const auto t0 = Clock::now();
  q.shutdown();
  EXPECT_TRUE(eventually([&] { return shut.load() + other.load() == kPutters; }));
  EXPECT_LT(since(t0), 5s);
  for (auto& t : putters) t.join();
  EXPECT_EQ(shut.load(), kPutters);
  EXPECT_EQ(other.load(), 0);
  // None of the blocked items went in; the queued ones can still be fetched.
  EXPECT_EQ(q.qsize(), q.maxsize());
  EXPECT_EQ(q.unfinished_tasks(), q.maxsize());
  std::size_t n = 0;
  while (auto v = q.try_get()) {
    EXPECT_GE(*v, 0);
    ++n;
  }
  EXPECT_EQ(n, q.maxsize());
  EXPECT_THROW((void)q.get(), cq::ShutDown);
}

TYPED_TEST_P(BoundedShutdown, ImmediateWakesBlockedPuttersAndEmptiesTheQueue) {
  auto& q = *this->q_;
  concur_test::fill_to_maxsize(q);
  constexpr int kPutters = 3;
  std::atomic<int> shut{0};
  std::vector<std::thread> putters;
  for (int i = 0; i < kPutters; ++i) {
    putters.emplace_back([&] {
      try {
        q.put(-1);
      } catch (const cq::ShutDown&) {
        shut.fetch_add(1);
      }
    });
  }
  settle();
  q.shutdown(true);
  for (auto& t : putters) t.join();
  EXPECT_EQ(shut.load(), kPutters);
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  q.join();
}

REGISTER_TYPED_TEST_SUITE_P(BoundedShutdown, PutOnAFullShutDownQueueIsShutDownNotFull,
                            BlockedPuttersWakeWithShutDown,
                            ImmediateWakesBlockedPuttersAndEmptiesTheQueue);
INSTANTIATE_TYPED_TEST_SUITE_P(Bounded, BoundedShutdown, concur_test::BoundedKinds,
                               concur_test::KindNames);
// Queue(1): the one-cell queue (it once accepted puts while full).
INSTANTIATE_TYPED_TEST_SUITE_P(MaxsizeOne, BoundedShutdown, concur_test::MaxsizeOneKinds,
                               concur_test::KindNames);

// ---------------------------------------------------------------- shutdown racing with traffic

TEST(ShutdownRace, ShutdownWhileProducersAndConsumersRun) {
  // Producers put until ShutDown, consumers get until ShutDown; shutdown(false) loses nothing.
  for (std::ptrdiff_t m : {std::ptrdiff_t{0}, std::ptrdiff_t{3}, std::ptrdiff_t{64}}) {
    cq::Queue<int> q(m);
    std::atomic<long long> put_sum{0};
    std::atomic<long long> got_sum{0};
    std::atomic<int> puts{0};
    std::atomic<int> gets{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p) {
      threads.emplace_back([&] {
        for (int i = 1;; ++i) {
          try {
            q.put(i);
          } catch (const cq::ShutDown&) {
            return;
          }
          put_sum.fetch_add(i);
          puts.fetch_add(1);
        }
      });
    }
    for (int c = 0; c < 2; ++c) {
      threads.emplace_back([&] {
        for (;;) {
          try {
            got_sum.fetch_add(q.get());
            gets.fetch_add(1);
          } catch (const cq::ShutDown&) {
            return;
          }
        }
      });
    }
    std::this_thread::sleep_for(30ms);
    q.shutdown();
    for (auto& t : threads) t.join();
    EXPECT_GT(puts.load(), 0) << m;
    EXPECT_EQ(puts.load(), gets.load()) << m;
    EXPECT_EQ(put_sum.load(), got_sum.load()) << m;
    EXPECT_TRUE(q.empty()) << m;
  }
}

}  // namespace
