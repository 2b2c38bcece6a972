// Tests for concur::threading::Barrier (Python: threading.Barrier).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <mutex>
#include <set>
#include <vector>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {
using concur_test::Clock;
using concur_test::kScale;

using concur_test::eventually;
}  // namespace

TEST(Barrier, IndicesDistinctAndActionOnce) {
  constexpr int kN = 5;
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  EXPECT_EQ(b.parties(), kN);
  std::mutex m;
  std::multiset<std::int64_t> idx;
  std::vector<th::Thread> v;
  for (int i = 0; i < kN; ++i) {
    v.emplace_back([&] {
      const auto k = b.wait();
      std::lock_guard g(m);
      idx.insert(k);
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(10s));
  EXPECT_EQ(actions.load(), 1);
  EXPECT_EQ(idx, (std::multiset<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(b.broken());
  EXPECT_EQ(b.n_waiting(), 0);
}

TEST(Barrier, SinglePartyDoesNotBlock) {
  int actions = 0;
  th::Barrier b(1, [&] { ++actions; });
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(actions, 2);
}

TEST(Barrier, ReusableAcrossCycles) {
  constexpr int kN = 3;
  constexpr int kCycles = 20;
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  std::atomic<int> zeros{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < kN; ++i) {
    v.emplace_back([&] {
      for (int c = 0; c < kCycles; ++c) {
        if (b.wait() == 0) zeros.fetch_add(1);
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(10s));
  EXPECT_EQ(actions.load(), kCycles);
  EXPECT_EQ(zeros.load(), kCycles);
}

TEST(Barrier, NWaiting) {
  th::Barrier b(3);
  std::vector<th::Thread> v;
  for (int i = 0; i < 2; ++i) v.emplace_back([&] { b.wait(); });
  for (auto& t : v) t.start();
  EXPECT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  EXPECT_EQ(b.wait(), 2);
  for (auto& t : v) t.join();
  EXPECT_EQ(b.n_waiting(), 0);
}

TEST(Barrier, TimeoutBreaksForAll) {
  th::Barrier b(3);
  std::atomic<int> broken_errors{0};
  th::Thread other([&] {
    try {
      b.wait();  // no timeout: woken by the other's timeout
    } catch (const th::BrokenBarrierError&) {
      broken_errors.fetch_add(1);
    }
  });
  other.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 1; }));
  const auto t0 = Clock::now();
  EXPECT_THROW(b.wait(50ms), th::BrokenBarrierError);
  const auto el = Clock::now() - t0;
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, 2s);
  EXPECT_TRUE(other.join(5s));
  EXPECT_EQ(broken_errors.load(), 1);
  EXPECT_TRUE(b.broken());
  // Future waiters fail immediately.
  EXPECT_THROW(b.wait(), th::BrokenBarrierError);
}

TEST(Barrier, DefaultTimeoutFromConstructor) {
  th::Barrier b(2, {}, 30ms);
  EXPECT_THROW(b.wait(), th::BrokenBarrierError);
  EXPECT_TRUE(b.broken());
}

TEST(Barrier, BrokenBarrierErrorIsRuntimeError) {
  th::Barrier b(2);
  b.abort();
  EXPECT_THROW(b.wait(), concur::RuntimeError);
}

TEST(Barrier, AbortWakesWaiters) {
  th::Barrier b(3);
  std::atomic<int> errors{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < 2; ++i) {
    v.emplace_back([&] {
      try {
        b.wait();
      } catch (const th::BrokenBarrierError&) {
        errors.fetch_add(1);
      }
    });
  }
  for (auto& t : v) t.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  b.abort();
  for (auto& t : v) EXPECT_TRUE(t.join(5s));
  EXPECT_EQ(errors.load(), 2);
  EXPECT_TRUE(b.broken());
}

TEST(Barrier, ResetWakesWaitersAndRestores) {
  th::Barrier b(2);
  std::atomic<int> errors{0};
  th::Thread t([&] {
    try {
      b.wait();
    } catch (const th::BrokenBarrierError&) {
      errors.fetch_add(1);
    }
  });
  t.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 1; }));
  b.reset();
  EXPECT_TRUE(t.join(5s));
  EXPECT_EQ(errors.load(), 1);
  EXPECT_FALSE(b.broken());
  // Usable again.
  th::Thread u([&] { b.wait(); });
  u.start();
  EXPECT_NO_THROW(b.wait(5s));
  EXPECT_TRUE(u.join(5s));
}

TEST(Barrier, ResetAfterAbort) {
  th::Barrier b(1);
  b.abort();
  EXPECT_TRUE(b.broken());
  b.reset();
  EXPECT_FALSE(b.broken());
  EXPECT_EQ(b.wait(), 0);
}

TEST(Barrier, FailingActionBreaks) {
  th::Barrier b(2, [] { throw std::runtime_error("action failed"); });
  std::atomic<int> errors{0};
  th::Thread t([&] {
    try {
      b.wait();
    } catch (...) {
      errors.fetch_add(1);
    }
  });
  t.start();
  try {
    b.wait();
  } catch (...) {
    errors.fetch_add(1);
  }
  EXPECT_TRUE(t.join(5s));
  EXPECT_EQ(errors.load(), 2);
  EXPECT_TRUE(b.broken());
}

TEST(Barrier, PartiesLessThanOneThrows) {
  EXPECT_THROW(th::Barrier(0), concur::ValueError);
  EXPECT_THROW(th::Barrier(-3), concur::ValueError);
}

TEST(BarrierStress, EightThreadsThousandCycles) {
  constexpr int kN = 8;
  const int cycles = 1000 / kScale;
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  std::atomic<long> index_sum{0};
  std::atomic<bool> phase_ok{true};
  std::atomic<int> phase{0};
  std::vector<th::Thread> v;
  for (int i = 0; i < kN; ++i) {
    v.emplace_back([&] {
      for (int c = 0; c < cycles; ++c) {
        if (actions.load() != c) phase_ok = false;
        index_sum.fetch_add(b.wait());
      }
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) EXPECT_TRUE(t.join(30s));
  EXPECT_TRUE(phase_ok.load());
  EXPECT_EQ(actions.load(), cycles);
  EXPECT_EQ(index_sum.load(), static_cast<long>(cycles) * (kN * (kN - 1) / 2));
  EXPECT_FALSE(b.broken());
  (void)phase;
}
