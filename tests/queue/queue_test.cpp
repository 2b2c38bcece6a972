// queue.Queue: FIFO order, the maxsize bound, Full/Empty, timeouts, try_put/try_get,
// qsize/empty/full/maxsize. Every test runs on both cores: the lock-free ring
// (0 < maxsize <= 2^20) and the locked deque (maxsize 0 and 2^20 + 1).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <cstddef>
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

static_assert(std::is_base_of_v<concur::Error, cq::Full>);
static_assert(std::is_base_of_v<concur::Error, cq::Empty>);
static_assert(std::is_base_of_v<concur::Error, cq::ShutDown>);
static_assert(std::is_base_of_v<std::runtime_error, concur::Error>);
static_assert(!std::is_copy_constructible_v<cq::Queue<int>>);
static_assert(!std::is_copy_assignable_v<cq::Queue<int>>);

/// How many items fit without blocking (a bounded queue's maxsize, else a fixed count).
std::size_t fill_count(std::ptrdiff_t maxsize, std::size_t unbounded = 200) {
  if (maxsize <= 0) return unbounded;
  return static_cast<std::size_t>(maxsize) > 2000 ? 2000 : static_cast<std::size_t>(maxsize);
}

bool is_bounded(std::ptrdiff_t maxsize) {
  return maxsize > 0;
}

/// Fills a bounded queue to its maxsize (values 0, 1, 2, ...).
void fill(cq::Queue<int>& q) {
  const std::size_t n = q.maxsize();
  for (std::size_t i = 0; i < n; ++i) q.put_nowait(static_cast<int>(i));
}

class QueueTest : public testing::TestWithParam<std::ptrdiff_t> {};
class BoundedQueueTest : public testing::TestWithParam<std::ptrdiff_t> {};

INSTANTIATE_TEST_SUITE_P(AllSizes, QueueTest, testing::ValuesIn(concur_test::all_maxsizes()),
                         concur_test::maxsize_name);
INSTANTIATE_TEST_SUITE_P(Bounded, BoundedQueueTest,
                         testing::ValuesIn(concur_test::bounded_maxsizes()),
                         concur_test::maxsize_name);
// Queue(1): a regression suite for the one-cell queue that once accepted puts while full.
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, QueueTest, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, BoundedQueueTest, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);

// ---------------------------------------------------------------- construction, accessors

TEST_P(QueueTest, FreshQueueIsEmpty) {
  cq::Queue<int> q(GetParam());
  EXPECT_EQ(q.maxsize(), static_cast<std::size_t>(GetParam()));
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.full());
  EXPECT_FALSE(q.is_shutdown());
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(QueueDefaults, DefaultConstructedIsUnbounded) {
  cq::Queue<int> q;
  EXPECT_EQ(q.maxsize(), 0u);
  for (int i = 0; i < 5000; ++i) q.put_nowait(i);
  EXPECT_FALSE(q.full());
  EXPECT_EQ(q.qsize(), 5000u);
}

TEST(QueueDefaults, NonPositiveMaxsizeIsUnbounded) {
  for (std::ptrdiff_t m : {std::ptrdiff_t{0}, std::ptrdiff_t{-1}, std::ptrdiff_t{-100}}) {
    cq::Queue<int> q(m);
    EXPECT_EQ(q.maxsize(), 0u) << "maxsize " << m;
    for (int i = 0; i < 3000; ++i) ASSERT_TRUE(q.try_put(i)) << "maxsize " << m;
    EXPECT_FALSE(q.full()) << "maxsize " << m;
    q.put(1, false);  // never Full
    q.put(2, 10ms);
    EXPECT_EQ(q.qsize(), 3002u);
    EXPECT_EQ(q.get(), 0);
  }
}

TEST_P(QueueTest, QsizeEmptyFullTrackPutsAndGets) {
  const std::ptrdiff_t m = GetParam();
  cq::Queue<int> q(m);
  const std::size_t n = fill_count(m);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(q.qsize(), i);
    EXPECT_EQ(q.empty(), i == 0);
    EXPECT_FALSE(q.full());
    q.put(static_cast<int>(i));
  }
  EXPECT_EQ(q.qsize(), n);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.full(), is_bounded(m) && n == static_cast<std::size_t>(m));
  for (std::size_t i = n; i > 0; --i) {
    EXPECT_EQ(q.qsize(), i);
    (void)q.get();
    EXPECT_FALSE(q.full());
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.qsize(), 0u);
}

TEST_P(BoundedQueueTest, FullExactlyAtMaxsize) {
  const std::ptrdiff_t m = GetParam();
  cq::Queue<int> q(m);
  for (std::ptrdiff_t i = 0; i < m - 1; ++i) q.put(static_cast<int>(i));
  EXPECT_FALSE(q.full());
  q.put(-1);
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), static_cast<std::size_t>(m));
  EXPECT_FALSE(q.try_put(7));
  EXPECT_EQ(q.qsize(), static_cast<std::size_t>(m));
}

// ---------------------------------------------------------------- FIFO order

TEST_P(QueueTest, FifoOrder) {
  cq::Queue<int> q(GetParam());
  const std::size_t n = fill_count(GetParam());
  for (std::size_t i = 0; i < n; ++i) q.put(static_cast<int>(i * 7));
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(q.get(), static_cast<int>(i * 7));
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, FifoOrderThroughEveryEntryPoint) {
  cq::Queue<int> q(GetParam());
  const int one = 1;
  if (q.maxsize() == 0 || q.maxsize() > 4) {
    q.put(one);      // const&
    q.put(2, true);  // rvalue, block
    q.put(3, 1s);    // timeout
    q.put_nowait(4);
    EXPECT_TRUE(q.try_put(5));
    EXPECT_EQ(q.get(false), 1);
    EXPECT_EQ(q.get_nowait(), 2);
    EXPECT_EQ(q.get(1s), 3);
    EXPECT_EQ(q.get(true, 1s), 4);
    EXPECT_EQ(q.try_get(), std::optional<int>(5));
  } else {
    // Small bounds: one item at a time, through every put and every get.
    q.put(one);
    EXPECT_EQ(q.get(false), 1);
    q.put(2, true);
    EXPECT_EQ(q.get_nowait(), 2);
    q.put(3, 1s);
    EXPECT_EQ(q.get(1s), 3);
    q.put_nowait(4);
    EXPECT_EQ(q.get(true, 1s), 4);
    EXPECT_TRUE(q.try_put(5));
    EXPECT_EQ(q.try_get(), std::optional<int>(5));
  }
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, FifoOrderAcrossManyWrapArounds) {
  // Interleaved puts and gets: a ring of maxsize m wraps many times (m = 3 exercises the
  // modulo path, powers of two the mask path).
  const std::ptrdiff_t m = GetParam();
  cq::Queue<int> q(m);
  const std::size_t batch = is_bounded(m) && m < 8 ? static_cast<std::size_t>(m) : 5;
  int next_put = 0;
  int next_get = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::size_t k = 1 + static_cast<std::size_t>(round) % batch;
    for (std::size_t i = 0; i < k; ++i) q.put_nowait(next_put++);
    for (std::size_t i = 0; i < k; ++i) ASSERT_EQ(q.get_nowait(), next_get++);
  }
  EXPECT_EQ(next_put, next_get);
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, StringsCopiedAndMoved) {
  cq::Queue<std::string> q(GetParam());
  const std::string keep(100, 'k');  // long enough to live on the heap
  q.put(keep);
  EXPECT_EQ(keep, std::string(100, 'k'));  // put(const&) copies
  std::string moved(100, 'm');
  if (q.maxsize() != 1) {
    q.put(std::move(moved));
  }
  EXPECT_EQ(q.get(), std::string(100, 'k'));
  if (q.maxsize() != 1) {
    EXPECT_EQ(q.get(), std::string(100, 'm'));
  }
}

// ---------------------------------------------------------------- Full

TEST_P(BoundedQueueTest, PutNowaitOnFullThrowsFull) {
  cq::Queue<int> q(GetParam());
  fill(q);
  EXPECT_TRUE(q.full());
  EXPECT_THROW(q.put_nowait(99), cq::Full);
  EXPECT_THROW(q.put(99, false), cq::Full);
  EXPECT_THROW(q.put(99, 0ms), cq::Full);
  const int lvalue = 5;
  EXPECT_THROW(q.put_nowait(lvalue), cq::Full);
  EXPECT_THROW(q.put(lvalue, false), cq::Full);
  EXPECT_FALSE(q.try_put(99));
  EXPECT_FALSE(q.try_put(lvalue));
  EXPECT_EQ(q.qsize(), q.maxsize());
  // Nothing was added: the items come back as 0, 1, 2, ... and then the queue is empty.
  for (std::size_t i = 0; i < q.maxsize(); ++i) ASSERT_EQ(q.get_nowait(), static_cast<int>(i));
  EXPECT_THROW(q.get_nowait(), cq::Empty);
}

TEST_P(BoundedQueueTest, FullCarriesAMessageAndIsAConcurError) {
  cq::Queue<int> q(GetParam());
  fill(q);
  try {
    q.put_nowait(1);
    FAIL() << "put_nowait on a full queue did not throw";
  } catch (const concur::Error& e) {
    EXPECT_NE(dynamic_cast<const cq::Full*>(&e), nullptr);
    EXPECT_STRNE(e.what(), "");
  }
}

TEST_P(BoundedQueueTest, PutWithTimeoutOnFullThrowsFullAfterTimeout) {
  cq::Queue<int> q(GetParam());
  fill(q);
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(99, 50ms), cq::Full);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(q.qsize(), q.maxsize());
}

TEST_P(BoundedQueueTest, PutWithFloatingTimeoutOnFull) {
  cq::Queue<int> q(GetParam());
  fill(q);
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(99, true, std::chrono::duration<double>(0.05)), cq::Full);
  const auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
}

TEST_P(BoundedQueueTest, PutBlocksWhileFullAndWakesOnGet) {
  cq::Queue<int> q(GetParam());
  fill(q);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    q.put(-7);
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load()) << "put() returned while the queue was full";
  EXPECT_EQ(q.get(), 0);
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  producer.join();
  EXPECT_EQ(q.qsize(), q.maxsize());
  // The blocked item went in last.
  for (std::size_t i = 1; i < q.maxsize(); ++i) ASSERT_EQ(q.get(), static_cast<int>(i));
  EXPECT_EQ(q.get(), -7);
  EXPECT_TRUE(q.empty());
}

TEST_P(BoundedQueueTest, PutWithTimeoutSucceedsWhenSpaceFreesInTime) {
  cq::Queue<int> q(GetParam());
  fill(q);
  std::atomic<bool> ok{false};
  std::thread producer([&] {
    q.put(-1, 10s);
    ok = true;
  });
  settle();
  EXPECT_FALSE(ok.load());
  const auto t0 = Clock::now();
  (void)q.get();
  producer.join();
  EXPECT_TRUE(ok.load());
  EXPECT_LT(since(t0), 5s);
}

TEST_P(BoundedQueueTest, SeveralBlockedPuttersEachWakeOnAGet) {
  cq::Queue<int> q(GetParam());
  fill(q);
  constexpr int kPutters = 4;
  std::atomic<int> finished{0};
  std::vector<std::thread> putters;
  for (int i = 0; i < kPutters; ++i) {
    putters.emplace_back([&, i] {
      q.put(-1 - i);  // fill values are >= 0
      finished.fetch_add(1);
    });
  }
  settle();
  EXPECT_EQ(finished.load(), 0);
  int sum_blocked = 0;
  const int fill_values = static_cast<int>(q.maxsize());
  int got_fill = 0;
  for (int i = 0; i < kPutters; ++i) {
    const int v = q.get();
    if (v < 0) {
      sum_blocked += v;
    } else {
      ++got_fill;
    }
  }
  EXPECT_TRUE(eventually([&] { return finished.load() == kPutters; }));
  for (auto& t : putters) t.join();
  while (auto v = q.try_get()) {
    if (*v < 0) {
      sum_blocked += *v;
    } else {
      ++got_fill;
    }
  }
  EXPECT_EQ(got_fill, fill_values);
  EXPECT_EQ(sum_blocked, -1 - 2 - 3 - 4);
}

// ---------------------------------------------------------------- Empty

TEST_P(QueueTest, GetNowaitOnEmptyThrowsEmpty) {
  cq::Queue<int> q(GetParam());
  EXPECT_THROW(q.get_nowait(), cq::Empty);
  EXPECT_THROW(q.get(false), cq::Empty);
  EXPECT_THROW(q.get(0ms), cq::Empty);
  EXPECT_EQ(q.try_get(), std::nullopt);
  q.put(3);
  EXPECT_EQ(q.get_nowait(), 3);
  EXPECT_THROW(q.get_nowait(), cq::Empty);
  try {
    (void)q.get_nowait();
    FAIL() << "get_nowait on an empty queue did not throw";
  } catch (const concur::Error& e) {
    EXPECT_NE(dynamic_cast<const cq::Empty*>(&e), nullptr);
    EXPECT_STRNE(e.what(), "");
  }
}

TEST_P(QueueTest, GetWithTimeoutOnEmptyThrowsEmptyAfterTimeout) {
  cq::Queue<int> q(GetParam());
  auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(50ms), cq::Empty);
  auto took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);

  t0 = Clock::now();
  EXPECT_THROW((void)q.get(true, 50'000us), cq::Empty);
  took = since(t0);
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 2s);
}

TEST_P(QueueTest, GetWithTimeoutReturnsAtOnceWhenAnItemIsThere) {
  cq::Queue<int> q(GetParam());
  q.put(11);
  const auto t0 = Clock::now();
  EXPECT_EQ(q.get(10s), 11);
  EXPECT_LT(since(t0), 1s);
}

TEST_P(QueueTest, GetBlocksWhileEmptyAndWakesOnPut) {
  cq::Queue<int> q(GetParam());
  std::atomic<bool> done{false};
  int got = 0;
  std::thread consumer([&] {
    got = q.get();
    done = true;
  });
  settle();
  EXPECT_FALSE(done.load()) << "get() returned on an empty queue";
  q.put(42);
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  consumer.join();
  EXPECT_EQ(got, 42);
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, GetWithTimeoutWakesOnPutBeforeTheTimeout) {
  cq::Queue<int> q(GetParam());
  std::optional<int> got;
  std::chrono::milliseconds took{};
  std::thread consumer([&] {
    const auto t0 = Clock::now();
    got = q.get(10s);
    took = since(t0);
  });
  settle();
  q.put(5);
  consumer.join();
  EXPECT_EQ(got, std::optional<int>(5));
  EXPECT_LT(took, 5s);
}

TEST_P(QueueTest, SeveralBlockedGettersEachWakeOnAPut) {
  cq::Queue<int> q(GetParam());
  constexpr int kGetters = 4;
  std::atomic<int> sum{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> getters;
  for (int i = 0; i < kGetters; ++i) {
    getters.emplace_back([&] {
      sum.fetch_add(q.get());
      finished.fetch_add(1);
    });
  }
  settle();
  EXPECT_EQ(finished.load(), 0);
  for (int i = 1; i <= kGetters; ++i) q.put(i);
  for (auto& t : getters) t.join();
  EXPECT_EQ(finished.load(), kGetters);
  EXPECT_EQ(sum.load(), 1 + 2 + 3 + 4);
  EXPECT_TRUE(q.empty());
}

// ---------------------------------------------------------------- ValueError

TEST_P(QueueTest, NegativeTimeoutIsValueError) {
  cq::Queue<int> q(GetParam());
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);
  EXPECT_THROW((void)q.get(true, -1s), concur::ValueError);
  q.put(1);
  EXPECT_THROW((void)q.get(-1ms), concur::ValueError);  // Python checks before looking
  EXPECT_EQ(q.qsize(), 1u);                             // nothing was taken
  EXPECT_EQ(q.get(), 1);
}

TEST_P(BoundedQueueTest, NegativePutTimeoutIsValueError) {
  cq::Queue<int> q(GetParam());
  EXPECT_THROW(q.put(1, -1ms), concur::ValueError);
  EXPECT_THROW(q.put(1, true, -5s), concur::ValueError);
  EXPECT_TRUE(q.empty());  // nothing was put
  fill(q);
  EXPECT_THROW(q.put(1, -1ms), concur::ValueError);
  EXPECT_EQ(q.qsize(), q.maxsize());
}

TEST_P(QueueTest, TimeoutWithNonBlockingCallIsValueError) {
  cq::Queue<int> q(GetParam());
  EXPECT_THROW((void)q.get(false, 1s), concur::ValueError);
  EXPECT_THROW(q.put(1, false, 1s), concur::ValueError);
  const int lvalue = 2;
  EXPECT_THROW(q.put(lvalue, false, 1s), concur::ValueError);
  EXPECT_TRUE(q.empty());
  q.put(3);
  EXPECT_THROW((void)q.get(false, 0ms), concur::ValueError);
  EXPECT_EQ(q.qsize(), 1u);
}

TEST_P(QueueTest, NulloptTimeoutMeansForever) {
  cq::Queue<int> q(GetParam());
  q.put(4, true, std::nullopt);
  EXPECT_EQ(q.get(true, std::nullopt), 4);
  q.put(5, false, std::nullopt);  // block=false with no timeout is fine
  EXPECT_EQ(q.get(false, std::nullopt), 5);
  const std::optional<std::chrono::milliseconds> none;
  q.put(6, none);
  EXPECT_EQ(q.get(none), 6);
}

// ---------------------------------------------------------------- try_put / try_get

TEST_P(QueueTest, TryPutTryGetNeverThrow) {
  cq::Queue<int> q(GetParam());
  const std::size_t n = fill_count(GetParam());
  for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(q.try_put(static_cast<int>(i)));
  if (is_bounded(GetParam()) && n == q.maxsize()) {
    EXPECT_FALSE(q.try_put(-1));
  }
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(q.try_get(), std::optional<int>(i));
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST_P(BoundedQueueTest, FailedTryPutLeavesTheItemUntouched) {
  cq::Queue<std::string> q(GetParam());
  for (std::size_t i = 0; i < q.maxsize(); ++i) q.put_nowait(std::string("x"));
  std::string item(64, 'z');
  EXPECT_FALSE(q.try_put(std::move(item)));
  EXPECT_EQ(item, std::string(64, 'z'));  // NOLINT(bugprone-use-after-move): the point
  EXPECT_THROW(q.put_nowait(std::move(item)), cq::Full);
  EXPECT_EQ(item, std::string(64, 'z'));  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put(std::move(item), 20ms), cq::Full);
  EXPECT_EQ(item, std::string(64, 'z'));  // NOLINT(bugprone-use-after-move)
  (void)q.get();
  EXPECT_TRUE(q.try_put(std::move(item)));
}

TEST_P(QueueTest, PutGetPingPongBetweenTwoThreads) {
  cq::Queue<int> ping(GetParam());
  cq::Queue<int> pong(GetParam());
  constexpr int kRounds = 2000;
  std::thread echo([&] {
    for (int i = 0; i < kRounds; ++i) pong.put(ping.get() + 1);
  });
  for (int i = 0; i < kRounds; ++i) {
    ping.put(i);
    ASSERT_EQ(pong.get(), i + 1);
  }
  echo.join();
  EXPECT_TRUE(ping.empty());
  EXPECT_TRUE(pong.empty());
}

TEST_P(QueueTest, ProducerConsumerKeepsOrder) {
  cq::Queue<int> q(GetParam());
  constexpr int kItems = 20000;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) q.put(i);
  });
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(q.get(), i);
  producer.join();
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, ZeroTimeoutGetsAnAvailableItem) {
  // Python: get(timeout=0) returns an item that is there, and raises Empty at once otherwise.
  cq::Queue<int> q(GetParam());
  q.put(8);
  EXPECT_EQ(q.get(0ms), 8);
  q.put(9, 0ms);  // room: a zero timeout is no obstacle
  EXPECT_EQ(q.get(true, 0ms), 9);
  const auto t0 = Clock::now();
  EXPECT_THROW((void)q.get(0ms), cq::Empty);
  EXPECT_LT(since(t0), 1s);
}

TEST_P(QueueTest, HugeTimeoutsBehaveLikeForever) {
  cq::Queue<int> q(GetParam());
  std::optional<int> got;
  std::thread consumer([&] { got = q.get(std::chrono::hours::max()); });
  settle();
  EXPECT_FALSE(got.has_value());
  q.put(1, std::chrono::hours::max());
  consumer.join();
  EXPECT_EQ(got, std::optional<int>(1));
  q.put(2, std::chrono::duration<double>(1e300));
  EXPECT_EQ(q.get(std::chrono::duration<double>(1e300)), 2);
}

// ---------------------------------------------------------------- exception safety

TEST_P(QueueTest, PutWhoseCopyThrowsLeavesTheQueueUnchanged) {
  // The item's copy constructor throws inside put(const T&): the exception reaches the caller
  // and the queue is as before (no item, no task, no slot used up), so later puts and gets work.
  using concur_test::CopyFailed;
  using concur_test::CopyThrows;
  cq::Queue<CopyThrows> q(GetParam());
  const CopyThrows bad(1, true);
  EXPECT_THROW(q.put(bad), CopyFailed);
  EXPECT_THROW(q.put_nowait(bad), CopyFailed);
  EXPECT_THROW((void)q.try_put(bad), CopyFailed);
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  // (Timed calls: if failed puts used up slots, plain ones would block forever.)
  try {
    q.put(CopyThrows(2, false), 2s);
  } catch (const cq::Full&) {
    ADD_FAILURE() << "failed puts used up the queue's slots";
    return;
  }
  try {
    EXPECT_EQ(q.get(2s).value, 2);
  } catch (const cq::Empty&) {
    ADD_FAILURE() << "the item put after a failed put never came out (qsize " << q.qsize() << ")";
  }
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0u) << "the failed puts count as tasks: join() would hang";
  // Every slot is still usable.
  const std::size_t n = fill_count(GetParam(), 50);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < n; ++i) accepted += q.try_put(CopyThrows(3, false)) ? 1 : 0;
  EXPECT_EQ(accepted, n);
}

TEST_P(QueueTest, ItemsWhoseMoveMayThrow) {
  // A type whose move constructor is not noexcept works at every size, and a put whose move
  // throws leaves the queue unchanged.
  using concur_test::CopyFailed;
  using concur_test::MoveMayThrow;
  cq::Queue<MoveMayThrow> q(GetParam());
  EXPECT_EQ(q.maxsize(), static_cast<std::size_t>(GetParam()));
  EXPECT_THROW(q.put(MoveMayThrow(1, true)), CopyFailed);
  EXPECT_THROW((void)q.try_put(MoveMayThrow(1, true)), CopyFailed);
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  const std::size_t n = fill_count(GetParam(), 50);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(q.try_put(MoveMayThrow(static_cast<int>(i), false)));
  }
  if (is_bounded(GetParam()) && n == q.maxsize()) {
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(MoveMayThrow(-1, false)), cq::Full);
  }
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(q.get_nowait().value, static_cast<int>(i));
  EXPECT_THROW((void)q.get_nowait(), cq::Empty);
}

// ---------------------------------------------------------------- in-flight puts and gets

TEST_P(QueueTest, ItemBehindAnInFlightPutWakesASecondGetter) {
  // Two getters sleep on an empty queue. One put is held between claiming its slot and
  // finishing (its move into the slot stops at a gate, as a preempted thread would); a second put
  // completes meanwhile. Once the first put finishes, two items are in the queue: both getters must
  // get one. (On the ring, the second put's wake-up went to a getter that found the first slot
  // still unwritten and slept again; the first put then woke one getter, and the second item stayed
  // queued with the other getter asleep.)
  using concur_test::Gated;
  cq::Queue<Gated> q(GetParam());
  std::atomic<int> got{0};
  std::atomic<int> sum{0};
  auto getter = [&] {
    sum.fetch_add(q.get().value);
    got.fetch_add(1);
  };
  std::thread g1(getter);
  std::thread g2(getter);
  settle();
  {
    concur_test::GateClosed gate;
    std::thread slow([&] {
      Gated::hold_here = true;
      q.put(Gated(1));  // moved into its slot: the move stops at the gate
    });
    EXPECT_TRUE(eventually([] { return Gated::held.load() == 1; }));
    // From a thread: the locked core moves the item in under its lock, so this put waits for the
    // gate.
    std::thread fast([&] { q.put(Gated(2)); });
    settle();
    gate.open();
    slow.join();
    fast.join();
  }
  const bool both = eventually([&] { return got.load() == 2; }, 2s);
  EXPECT_TRUE(both) << "a getter stayed asleep with an item in the queue (qsize " << q.qsize()
                    << ")";
  if (!both) q.put(Gated(0));  // wake the sleeper so that the test ends
  g1.join();
  g2.join();
  if (both) {
    EXPECT_EQ(sum.load(), 3);
    EXPECT_TRUE(q.empty());
  }
}

TEST_P(BoundedQueueTest, SlotBehindAnInFlightGetWakesASecondPutter) {
  // The mirror image: two putters sleep on a full queue. One get is held between claiming its
  // item and finishing (the move out stops at a gate); a second get completes meanwhile. Once
  // the first get finishes, two slots are free: both putters must get in.
  using concur_test::Gated;
  cq::Queue<Gated> q(GetParam());
  for (std::size_t i = 0; i < q.maxsize(); ++i) q.put_nowait(Gated(static_cast<int>(i)));
  std::atomic<int> put_done{0};
  std::thread p1([&] {
    q.put(Gated(-1));
    put_done.fetch_add(1);
  });
  std::thread p2([&] {
    q.put(Gated(-2));
    put_done.fetch_add(1);
  });
  settle();
  EXPECT_EQ(put_done.load(), 0);
  {
    concur_test::GateClosed gate;
    std::thread slow([&] {
      Gated::hold_here = true;
      (void)q.get();
    });
    EXPECT_TRUE(eventually([] { return Gated::held.load() == 1; }));
    std::thread fast([&] { (void)q.get(); });
    settle();
    gate.open();
    slow.join();
    fast.join();
  }
  const bool both = eventually([&] { return put_done.load() == 2; }, 2s);
  EXPECT_TRUE(both) << "a putter stayed asleep with a free slot (qsize " << q.qsize() << " of "
                    << q.maxsize() << ")";
  if (!both) (void)q.get();  // make room for the sleeper so that the test ends
  p1.join();
  p2.join();
  if (both) {
    EXPECT_EQ(q.qsize(), q.maxsize());
  }
}

// Regression: a one-cell ring once accepted a second put while full, after which get() and the
// destructor spun forever; if that ever comes back the queue is leaked rather than hanging.
TEST(QueueMaxsizeOne, SecondPutOnFullOneSlotQueueIsRejected) {
  auto* q = new cq::Queue<int>(1);
  q->put_nowait(1);
  EXPECT_TRUE(q->full());
  EXPECT_EQ(q->qsize(), 1u);
  const bool accepted = q->try_put(2);
  EXPECT_FALSE(accepted) << "Queue(1) accepted a second item while full";
  if (accepted) return;  // corrupted: get() and ~Queue() would spin forever; leak it
  EXPECT_THROW(q->put_nowait(2), cq::Full);
  EXPECT_THROW(q->put(2, 20ms), cq::Full);
  EXPECT_EQ(q->get_nowait(), 1);
  EXPECT_THROW(q->get_nowait(), cq::Empty);
  q->put(3);
  EXPECT_EQ(q->get(), 3);
  delete q;
}

// The one-cell queue, one item at a time.
TEST(QueueMaxsizeOne, OneItemAtATimeRoundTrips) {
  cq::Queue<int> q(1);
  EXPECT_EQ(q.maxsize(), 1u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(q.full());
    q.put(i);
    EXPECT_TRUE(q.full());
    EXPECT_EQ(q.qsize(), 1u);
    EXPECT_EQ(q.unfinished_tasks(), 1u);
    ASSERT_EQ(q.get(), i);
    EXPECT_TRUE(q.empty());
    q.task_done();
    q.join();
  }
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_THROW((void)q.get(20ms), cq::Empty);
}

TEST(QueueMaxsizeOne, ShutdownWithOneQueuedItem) {
  cq::Queue<int> q(1);
  q.put(7);
  q.shutdown();
  EXPECT_TRUE(q.is_shutdown());
  EXPECT_THROW(q.put(8), cq::ShutDown);
  EXPECT_EQ(q.get(), 7);
  EXPECT_THROW((void)q.get(), cq::ShutDown);
  cq::Queue<int> r(1);
  r.put(9);
  r.shutdown(true);
  EXPECT_EQ(r.qsize(), 0u);
  EXPECT_EQ(r.unfinished_tasks(), 0u);
  EXPECT_THROW((void)r.get(), cq::ShutDown);
}

TEST(QueueMaxsizeOne, BlockedGetWakesOnPut) {
  cq::Queue<int> q(1);
  int got = 0;
  std::thread consumer([&] { got = q.get(); });
  settle();
  q.put(3);
  consumer.join();
  EXPECT_EQ(got, 3);
}

TEST(QueueRingLimit, RingLimitItselfWorks) {
  // maxsize 2^20 is the largest ring; 2^20 + 1 falls back to the locked deque.
  cq::Queue<int> ring(concur_test::kRingLimit);
  cq::Queue<int> locked(concur_test::kRingLimit + 1);
  EXPECT_EQ(ring.maxsize(), static_cast<std::size_t>(concur_test::kRingLimit));
  EXPECT_EQ(locked.maxsize(), static_cast<std::size_t>(concur_test::kRingLimit + 1));
  for (int i = 0; i < 1000; ++i) {
    ring.put(i);
    locked.put(i);
  }
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(ring.get(), i);
    ASSERT_EQ(locked.get(), i);
  }
}

TEST(QueueRingLimit, FillingTheLargestBoundedQueues) {
  for (std::ptrdiff_t m : {concur_test::kRingLimit, concur_test::kRingLimit + 1}) {
    cq::Queue<int> q(m);
    for (std::ptrdiff_t i = 0; i < m; ++i) q.put_nowait(static_cast<int>(i));
    EXPECT_TRUE(q.full()) << m;
    EXPECT_EQ(q.qsize(), static_cast<std::size_t>(m));
    EXPECT_THROW(q.put_nowait(-1), cq::Full) << m;
    EXPECT_FALSE(q.try_put(-1)) << m;
    EXPECT_EQ(q.get_nowait(), 0);
    EXPECT_FALSE(q.full());
    EXPECT_TRUE(q.try_put(-1));
    for (std::ptrdiff_t i = 1; i < m; ++i) ASSERT_EQ(q.get_nowait(), static_cast<int>(i));
    EXPECT_EQ(q.get_nowait(), -1);
    EXPECT_TRUE(q.empty());
  }
}

}  // namespace
