// Move-only items (std::unique_ptr<int>, a destruction-counting type): put(std::move(p)), get,
// failed puts leave the item intact, shutdown(true) and the destructor destroy queued items
// exactly once. Queue runs on both cores.
#include <gtest/gtest.h>

#include <chrono>
#include <concur/queue.hpp>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "queue/queue_test_util.hpp"

namespace {

namespace cq = concur::queue;
using namespace std::chrono_literals;
using concur_test::Tracked;
using Ptr = std::unique_ptr<int>;

class MoveOnly : public testing::TestWithParam<std::ptrdiff_t> {
 protected:
  void SetUp() override { Tracked::reset(); }
  /// How many items fit (bounded maxsize, capped; else a fixed count).
  std::size_t capacity() const {
    const std::ptrdiff_t m = GetParam();
    return m <= 0 || m > 64 ? 64 : static_cast<std::size_t>(m);
  }
  bool small_bounded() const { return GetParam() > 0 && GetParam() <= 64; }
};

INSTANTIATE_TEST_SUITE_P(AllSizes, MoveOnly, testing::ValuesIn(concur_test::all_maxsizes()),
                         concur_test::maxsize_name);
// Queue(1) runs on the locked core (a one-cell ring cannot tell full from free).
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, MoveOnly, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);

TEST_P(MoveOnly, PutMovesGetReturns) {
  cq::Queue<Ptr> q(GetParam());
  auto p = std::make_unique<int>(7);
  int* raw = p.get();
  q.put(std::move(p));
  EXPECT_EQ(p, nullptr);  // NOLINT(bugprone-use-after-move): moved into the queue
  Ptr out = q.get();
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out.get(), raw);  // the same object, not a copy
  EXPECT_EQ(*out, 7);
}

TEST_P(MoveOnly, EveryEntryPointMoves) {
  cq::Queue<Ptr> q(GetParam());
  const std::size_t n = capacity() < 4 ? capacity() : 4;
  for (std::size_t i = 0; i < n; ++i) {
    auto p = std::make_unique<int>(static_cast<int>(i));
    switch (i) {
      case 0:
        q.put(std::move(p), 1s);
        break;
      case 1:
        q.put_nowait(std::move(p));
        break;
      case 2:
        ASSERT_TRUE(q.try_put(std::move(p)));
        break;
      default:
        q.put(std::move(p), true);
        break;
    }
    EXPECT_EQ(p, nullptr);  // NOLINT(bugprone-use-after-move)
  }
  for (std::size_t i = 0; i < n; ++i) {
    Ptr out;
    switch (i % 3) {
      case 0:
        out = q.get_nowait();
        break;
      case 1:
        out = q.get(1s);
        break;
      default: {
        auto o = q.try_get();
        ASSERT_TRUE(o.has_value());
        out = std::move(*o);
        break;
      }
    }
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(*out, static_cast<int>(i));
  }
  EXPECT_TRUE(q.empty());
}

TEST_P(MoveOnly, FailedTryPutLeavesTheItemIntact) {
  if (!small_bounded()) {
    // Unbounded (or huge) queue: try_put only fails after shutdown.
    cq::Queue<Ptr> q(GetParam());
    q.shutdown();
    auto p = std::make_unique<int>(5);
    EXPECT_FALSE(q.try_put(std::move(p)));
    ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(*p, 5);
    return;
  }
  cq::Queue<Ptr> q(GetParam());
  for (std::size_t i = 0; i < q.maxsize(); ++i) q.put(std::make_unique<int>(0));
  auto p = std::make_unique<int>(5);
  int* raw = p.get();
  EXPECT_FALSE(q.try_put(std::move(p)));
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(p.get(), raw);
  EXPECT_EQ(*p, 5);
}

TEST_P(MoveOnly, FullPutLeavesTheItemIntact) {
  if (!small_bounded()) {
    cq::Queue<Ptr> q(GetParam());
    auto p = std::make_unique<int>(5);
    q.put_nowait(std::move(p));  // never Full when unbounded
    EXPECT_EQ(p, nullptr);       // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(*q.get(), 5);
    return;
  }
  cq::Queue<Ptr> q(GetParam());
  for (std::size_t i = 0; i < q.maxsize(); ++i) q.put(std::make_unique<int>(0));
  auto p = std::make_unique<int>(6);
  EXPECT_THROW(q.put_nowait(std::move(p)), cq::Full);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*p, 6);
  EXPECT_THROW(q.put(std::move(p), false), cq::Full);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put(std::move(p), 20ms), cq::Full);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*p, 6);
  (void)q.get();
  q.put(std::move(p));
  EXPECT_EQ(p, nullptr);  // NOLINT(bugprone-use-after-move)
}

TEST_P(MoveOnly, ShutDownPutAndValueErrorLeaveTheItemIntact) {
  cq::Queue<Ptr> q(GetParam());
  auto p = std::make_unique<int>(8);
  EXPECT_THROW(q.put(std::move(p), -1ms), concur::ValueError);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put(std::move(p), false, 1ms), concur::ValueError);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  q.shutdown();
  EXPECT_THROW(q.put(std::move(p)), cq::ShutDown);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put_nowait(std::move(p)), cq::ShutDown);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*p, 8);
}

TEST_P(MoveOnly, ItemsCrossThreads) {
  cq::Queue<Ptr> q(GetParam());
  constexpr int kItems = 5000;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) q.put(std::make_unique<int>(i));
  });
  for (int i = 0; i < kItems; ++i) {
    Ptr p = q.get();
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(*p, i);
  }
  producer.join();
}

TEST_P(MoveOnly, GotItemsAreDestroyedExactlyOnce) {
  {
    cq::Queue<Tracked> q(GetParam());
    const std::size_t n = capacity();
    for (std::size_t i = 0; i < n; ++i) q.put(Tracked(static_cast<int>(i)));
    EXPECT_EQ(Tracked::live.load(), static_cast<int>(n));
    EXPECT_EQ(Tracked::destroyed.load(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      Tracked t = q.get();
      EXPECT_EQ(t.value, static_cast<int>(i));
    }
    EXPECT_EQ(Tracked::live.load(), 0);
    EXPECT_EQ(Tracked::destroyed.load(), static_cast<int>(n));
  }
  EXPECT_EQ(Tracked::destroyed.load(), static_cast<int>(capacity()));  // none twice
}

TEST_P(MoveOnly, ShutdownImmediateDestroysQueuedItems) {
  cq::Queue<Tracked> q(GetParam());
  const std::size_t n = capacity();
  for (std::size_t i = 0; i < n; ++i) q.put(Tracked(static_cast<int>(i)));
  Tracked held = q.get();  // one item out, still alive
  EXPECT_EQ(Tracked::live.load(), static_cast<int>(n));
  q.shutdown(true);
  EXPECT_EQ(Tracked::destroyed.load(), static_cast<int>(n - 1));
  EXPECT_EQ(Tracked::live.load(), 1);
  EXPECT_EQ(held.value, 0);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  q.task_done();
  q.join();
}

TEST_P(MoveOnly, ShutdownNonImmediateKeepsItems) {
  cq::Queue<Tracked> q(GetParam());
  q.put(Tracked(1));
  q.shutdown();
  EXPECT_EQ(Tracked::live.load(), 1);
  EXPECT_EQ(Tracked::destroyed.load(), 0);
  EXPECT_EQ(q.get().value, 1);
  EXPECT_EQ(Tracked::destroyed.load(), 1);
}

TEST_P(MoveOnly, DestructorDestroysRemainingItems) {
  const std::size_t n = capacity();
  {
    cq::Queue<Tracked> q(GetParam());
    for (std::size_t i = 0; i < n; ++i) q.put(Tracked(static_cast<int>(i)));
    if (n > 1) {
      EXPECT_EQ(q.get().value, 0);
    }
    EXPECT_EQ(Tracked::live.load(), static_cast<int>(n > 1 ? n - 1 : n));
  }
  EXPECT_EQ(Tracked::live.load(), 0);
  EXPECT_EQ(Tracked::destroyed.load(), static_cast<int>(n));
}

TEST_P(MoveOnly, DestructorAfterWrapAroundDestroysEachItemOnce) {
  // Items straddling the end of the ring's cell array.
  const std::size_t n = capacity();
  {
    cq::Queue<Tracked> q(GetParam());
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < n; ++i) q.put(Tracked(static_cast<int>(i)));
      for (std::size_t i = 0; i + 1 < n; ++i) (void)q.get();
      (void)q.get();
    }
    const std::size_t keep = n / 2 + 1;
    for (std::size_t i = 0; i < keep; ++i) q.put(Tracked(static_cast<int>(i)));
    EXPECT_EQ(Tracked::live.load(), static_cast<int>(keep));
  }
  EXPECT_EQ(Tracked::live.load(), 0);
  EXPECT_EQ(Tracked::destroyed.load(), static_cast<int>(3 * n + n / 2 + 1));
}

TEST_P(MoveOnly, FailedTryPutOfTrackedDestroysNothing) {
  cq::Queue<Tracked> q(GetParam());
  q.shutdown();
  Tracked t(3);
  EXPECT_FALSE(q.try_put(std::move(t)));
  EXPECT_TRUE(t.owns);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(Tracked::destroyed.load(), 0);
  EXPECT_EQ(Tracked::live.load(), 1);
}

// ---------------------------------------------------------------- the other queue types

TEST(MoveOnlyLifo, UniquePtrsComeBackReversed) {
  cq::LifoQueue<Ptr> q(2);
  q.put(std::make_unique<int>(1));
  q.put(std::make_unique<int>(2));
  auto p = std::make_unique<int>(3);
  EXPECT_FALSE(q.try_put(std::move(p)));
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put_nowait(std::move(p)), cq::Full);
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*q.get(), 2);
  EXPECT_EQ(*q.get(), 1);
}

TEST(MoveOnlyLifo, ShutdownImmediateAndDestructorDestroyItems) {
  Tracked::reset();
  {
    cq::LifoQueue<Tracked> q;
    for (int i = 0; i < 5; ++i) q.put(Tracked(i));
    q.shutdown(true);
    EXPECT_EQ(Tracked::destroyed.load(), 5);
    EXPECT_EQ(Tracked::live.load(), 0);
  }
  {
    cq::LifoQueue<Tracked> q;
    for (int i = 0; i < 4; ++i) q.put(Tracked(i));
  }
  EXPECT_EQ(Tracked::destroyed.load(), 9);
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST(MoveOnlyPriority, PairsWithUniquePtrOrderedByPriority) {
  using Item = std::pair<int, Ptr>;
  struct ByFirst {
    bool operator()(const Item& a, const Item& b) const { return a.first < b.first; }
  };
  cq::PriorityQueue<Item, ByFirst> q(3);
  q.put({3, std::make_unique<int>(30)});
  q.put({1, std::make_unique<int>(10)});
  q.put({2, std::make_unique<int>(20)});
  Item extra{0, std::make_unique<int>(0)};
  EXPECT_FALSE(q.try_put(std::move(extra)));
  ASSERT_NE(extra.second, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(q.put_nowait(std::move(extra)), cq::Full);
  ASSERT_NE(extra.second, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*q.get().second, 10);
  EXPECT_EQ(*q.get().second, 20);
  EXPECT_EQ(*q.get().second, 30);
}

TEST(MoveOnlyPriority, ShutdownImmediateAndDestructorDestroyItems) {
  Tracked::reset();
  struct ByValue {
    bool operator()(const Tracked& a, const Tracked& b) const { return a.value < b.value; }
  };
  {
    cq::PriorityQueue<Tracked, ByValue> q;
    for (int i = 5; i > 0; --i) q.put(Tracked(i));
    EXPECT_EQ(q.get().value, 1);
    EXPECT_EQ(Tracked::destroyed.load(), 1);
    q.shutdown(true);
    EXPECT_EQ(Tracked::destroyed.load(), 5);
  }
  {
    cq::PriorityQueue<Tracked, ByValue> q;
    for (int i = 0; i < 4; ++i) q.put(Tracked(i));
  }
  EXPECT_EQ(Tracked::destroyed.load(), 9);
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST(MoveOnlySimple, DestructorDestroysItems) {
  Tracked::reset();
  {
    cq::SimpleQueue<Tracked> q;
    q.put(Tracked(1));
    q.put(Tracked(2));
    EXPECT_EQ(q.get().value, 1);
  }
  EXPECT_EQ(Tracked::destroyed.load(), 2);
  EXPECT_EQ(Tracked::live.load(), 0);
}

}  // namespace
