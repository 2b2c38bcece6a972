// Tests for concur::threading::Barrier (Python: threading.Barrier). Several follow
// CPython's Lib/test/lock_tests.py BarrierTests.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/threading_test_util.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;
using tt::Clock;
using tt::eventually;
using tt::kLate;

namespace {

// Runs f on n threads at once and joins them.
template <class F>
bool run_threads(int n, F f) {
  tt::ThreadGroup g;
  for (int i = 0; i < n; ++i) g.add(f);
  g.start();
  return g.join_for(60s);
}

}  // namespace

TEST(Barrier, IndicesDistinctAndActionOnce) {
  constexpr int kN = 5;
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  EXPECT_EQ(b.parties(), kN);
  std::mutex m;
  std::multiset<std::int64_t> idx;
  EXPECT_TRUE(run_threads(kN, [&] {
    const auto k = b.wait();
    std::lock_guard g(m);
    idx.insert(k);
  }));
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
  EXPECT_EQ(b.wait(10ms), 0);
  EXPECT_EQ(actions, 3);
}

TEST(Barrier, NobodyPassesUntilAllArrive) {
  th::Barrier b(3);
  std::atomic<int> passed{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 2; ++i) {
    g.add([&] {
      b.wait();
      passed.fetch_add(1);
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(passed.load(), 0);
  EXPECT_EQ(b.wait(), 2);  // the last arrival gets parties - 1
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(passed.load(), 2);
}

// Python: the action is called by one of the threads once all have arrived, before any
// of them is released.
TEST(Barrier, ActionRunsOnceInAPartyThreadBeforeRelease) {
  constexpr int kN = 4;
  std::atomic<bool> action_done{false};
  std::atomic<int> released_early{0};
  std::mutex m;
  std::set<std::uint64_t> party_idents;
  std::uint64_t action_ident = 0;
  int action_calls = 0;
  th::Barrier b(kN, [&] {
    std::this_thread::sleep_for(30ms);
    action_ident = th::get_ident();
    ++action_calls;
    action_done = true;
  });
  EXPECT_TRUE(run_threads(kN, [&] {
    {
      std::lock_guard g(m);
      party_idents.insert(th::get_ident());
    }
    b.wait();
    if (!action_done.load()) released_early.fetch_add(1);
  }));
  EXPECT_EQ(released_early.load(), 0);
  EXPECT_EQ(action_calls, 1);
  EXPECT_EQ(party_idents.count(action_ident), 1U);
}

TEST(Barrier, ActionRunsInTheLastArrival) {
  th::Barrier b(2, [] {});
  std::atomic<std::uint64_t> action_ident{0};
  th::Barrier c(2, [&] { action_ident = th::get_ident(); });
  th::Thread early([&] { c.wait(); });
  early.start();
  ASSERT_TRUE(eventually([&] { return c.n_waiting() == 1; }));
  EXPECT_EQ(c.wait(), 1);
  early.join();
  EXPECT_EQ(action_ident.load(), th::get_ident());
}

TEST(Barrier, ReusableAcrossCyclesWithIndicesEachCycle) {
  constexpr int kN = 3;
  constexpr int kCycles = 50;
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  std::mutex m;
  std::vector<std::multiset<std::int64_t>> per_cycle(kCycles);
  EXPECT_TRUE(run_threads(kN, [&] {
    for (int c = 0; c < kCycles; ++c) {
      const auto k = b.wait();
      std::lock_guard g(m);
      per_cycle[static_cast<std::size_t>(c)].insert(k);
    }
  }));
  EXPECT_EQ(actions.load(), kCycles);
  for (int c = 0; c < kCycles; ++c) {
    EXPECT_EQ(per_cycle[static_cast<std::size_t>(c)], (std::multiset<std::int64_t>{0, 1, 2}))
        << "cycle " << c;
  }
}

TEST(Barrier, NWaiting) {
  th::Barrier b(3);
  EXPECT_EQ(b.n_waiting(), 0);
  tt::ThreadGroup g;
  g.add([&] { b.wait(); });
  g.start();
  EXPECT_TRUE(eventually([&] { return b.n_waiting() == 1; }));
  g.add([&] { b.wait(); });
  g.start();
  EXPECT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  EXPECT_EQ(b.wait(), 2);
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(b.n_waiting(), 0);
}

TEST(Barrier, TimeoutBreaksItForAllWaiters) {
  th::Barrier b(4);
  std::atomic<int> broken_errors{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 2; ++i) {
    g.add([&] {
      try {
        b.wait();  // no timeout: released by the other's timeout
      } catch (const th::BrokenBarrierError&) {
        broken_errors.fetch_add(1);
      }
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  const auto el = tt::elapsed([&] { EXPECT_THROW(b.wait(50ms), th::BrokenBarrierError); });
  EXPECT_GE(el, 45ms);
  EXPECT_LT(el, kLate);
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(broken_errors.load(), 2);
  EXPECT_TRUE(b.broken());
  EXPECT_EQ(b.n_waiting(), 0);
  // Later waiters fail at once, timeout or not.
  const auto el2 = tt::elapsed([&] {
    EXPECT_THROW(b.wait(), th::BrokenBarrierError);
    EXPECT_THROW(b.wait(10s), th::BrokenBarrierError);
  });
  EXPECT_LT(el2, kLate);
}

TEST(Barrier, DefaultTimeoutFromConstructor) {
  th::Barrier b(2, {}, 30ms);
  const auto el = tt::elapsed([&] { EXPECT_THROW(b.wait(), th::BrokenBarrierError); });
  EXPECT_GE(el, 25ms);
  EXPECT_LT(el, kLate);
  EXPECT_TRUE(b.broken());
}

TEST(Barrier, WaitTimeoutOverridesTheDefault) {
  th::Barrier b(2, {}, 20ms);
  th::Thread late([&] {
    std::this_thread::sleep_for(100ms);
    (void)b.wait(10s);
  });
  late.start();
  EXPECT_NO_THROW(b.wait(10s));  // would break after 20 ms with the default
  EXPECT_TRUE(late.join(10s));
  EXPECT_FALSE(b.broken());
}

TEST(Barrier, BrokenBarrierErrorIsARuntimeError) {
  th::Barrier b(2);
  b.abort();
  EXPECT_THROW(b.wait(), concur::RuntimeError);
  EXPECT_THROW(b.wait(), concur::Error);
  try {
    b.wait();
  } catch (const th::BrokenBarrierError& e) {
    EXPECT_NE(std::string(e.what()), "");
  }
}

TEST(Barrier, AbortWakesWaiters) {
  th::Barrier b(3);
  std::atomic<int> errors{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 2; ++i) {
    g.add([&] {
      try {
        b.wait();
      } catch (const th::BrokenBarrierError&) {
        errors.fetch_add(1);
      }
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  b.abort();
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(errors.load(), 2);
  EXPECT_TRUE(b.broken());
  EXPECT_THROW(b.wait(), th::BrokenBarrierError);
}

TEST(Barrier, AbortIdleBarrier) {
  th::Barrier b(2);
  EXPECT_FALSE(b.broken());
  b.abort();
  EXPECT_TRUE(b.broken());
  EXPECT_EQ(b.n_waiting(), 0);
  b.abort();  // again: still broken, no error
  EXPECT_TRUE(b.broken());
  EXPECT_THROW(b.wait(), th::BrokenBarrierError);
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
  EXPECT_TRUE(t.join(10s));
  EXPECT_EQ(errors.load(), 1);
  EXPECT_FALSE(b.broken());
  // Usable again.
  th::Thread u([&] { b.wait(); });
  u.start();
  EXPECT_NO_THROW(b.wait(10s));
  EXPECT_TRUE(u.join(10s));
  EXPECT_FALSE(b.broken());
}

TEST(Barrier, ResetAfterAbort) {
  th::Barrier b(1);
  b.abort();
  EXPECT_TRUE(b.broken());
  b.reset();
  EXPECT_FALSE(b.broken());
  EXPECT_EQ(b.wait(), 0);
}

TEST(Barrier, ResetIdleBarrierIsHarmless) {
  th::Barrier b(2);
  b.reset();
  EXPECT_FALSE(b.broken());
  th::Thread t([&] { b.wait(); });
  t.start();
  EXPECT_NO_THROW(b.wait(10s));
  EXPECT_TRUE(t.join(10s));
}

// CPython test_reset: one thread resets the barrier while the others wait in it; they get
// BrokenBarrierError, and then all pass it together again.
TEST(Barrier, ResetWhileOthersWaitThenPassAgain) {
  constexpr int kN = 5;
  th::Barrier b(kN);
  std::atomic<int> results1{0};
  std::atomic<int> results2{0};
  std::atomic<int> results3{0};
  EXPECT_TRUE(run_threads(kN, [&] {
    const auto i = b.wait();
    if (i == kN / 2) {
      while (b.n_waiting() < kN - 1) std::this_thread::sleep_for(1ms);
      b.reset();
    } else {
      try {
        b.wait();
        results1.fetch_add(1);
      } catch (const th::BrokenBarrierError&) {
        results2.fetch_add(1);
      }
    }
    b.wait(30s);
    results3.fetch_add(1);
  }));
  EXPECT_EQ(results1.load(), 0);
  EXPECT_EQ(results2.load(), kN - 1);
  EXPECT_EQ(results3.load(), kN);
}

// CPython test_abort_and_reset: a barrier can be reset after being broken.
TEST(Barrier, AbortThenResetMakesItUsable) {
  constexpr int kN = 5;
  th::Barrier b(kN);
  th::Barrier b2(kN);
  std::atomic<int> results1{0};
  std::atomic<int> results2{0};
  std::atomic<int> results3{0};
  EXPECT_TRUE(run_threads(kN, [&] {
    try {
      const auto i = b.wait();
      if (i == kN / 2) throw std::runtime_error("one party fails");
      b.wait();
      results1.fetch_add(1);
    } catch (const th::BrokenBarrierError&) {
      results2.fetch_add(1);
    } catch (const std::runtime_error&) {
      b.abort();
    }
    // Everyone has left b before the reset, and nobody enters it before the reset.
    if (b2.wait() == kN / 2) b.reset();
    b2.wait();
    b.wait(30s);
    results3.fetch_add(1);
  }));
  EXPECT_EQ(results1.load(), 0);
  EXPECT_EQ(results2.load(), kN - 1);
  EXPECT_EQ(results3.load(), kN);
  EXPECT_FALSE(b.broken());
}

// Python: an exception from the action is raised in the thread that ran it (the last
// arrival); the barrier is broken and the other parties get BrokenBarrierError.
TEST(Barrier, FailingActionBreaksTheBarrier) {
  th::Barrier b(3, [] { throw std::invalid_argument("action failed"); });
  std::atomic<int> broken_errors{0};
  std::atomic<int> other_errors{0};
  tt::ThreadGroup g;
  for (int i = 0; i < 2; ++i) {
    g.add([&] {
      try {
        b.wait();
      } catch (const th::BrokenBarrierError&) {
        broken_errors.fetch_add(1);
      } catch (...) {
        other_errors.fetch_add(1);
      }
    });
  }
  g.start();
  ASSERT_TRUE(eventually([&] { return b.n_waiting() == 2; }));
  bool action_error_here = false;
  try {
    b.wait();  // last arrival: runs the action
  } catch (const std::invalid_argument& e) {
    action_error_here = std::string(e.what()) == "action failed";
  } catch (...) {
  }
  EXPECT_TRUE(action_error_here);
  EXPECT_TRUE(g.join_for(10s));
  EXPECT_EQ(broken_errors.load(), 2);
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_TRUE(b.broken());
  EXPECT_THROW(b.wait(), th::BrokenBarrierError);
  b.reset();
  EXPECT_FALSE(b.broken());
}

TEST(Barrier, PartiesLessThanOneThrows) {
  EXPECT_THROW(th::Barrier(0), concur::ValueError);
  EXPECT_THROW(th::Barrier(-3), concur::ValueError);
  EXPECT_NO_THROW(th::Barrier(1));
}

TEST(Barrier, NegativeWaitTimeoutBreaksAtOnce) {
  th::Barrier b(2);
  const auto el = tt::elapsed([&] { EXPECT_THROW(b.wait(-1ms), th::BrokenBarrierError); });
  EXPECT_LT(el, kLate);
  EXPECT_TRUE(b.broken());
}

// ------------------------------------------------------------------ stress

TEST(BarrierStress, EightThreadsTwoThousandCycles) {
  constexpr int kN = 8;
  const int cycles = tt::scaled_int(2000, 50);
  std::atomic<int> actions{0};
  th::Barrier b(kN, [&] { actions.fetch_add(1); });
  std::atomic<long> index_sum{0};
  std::atomic<bool> phase_ok{true};
  std::vector<std::atomic<int>> zero_index(static_cast<std::size_t>(cycles));
  EXPECT_TRUE(run_threads(kN, [&] {
    for (int c = 0; c < cycles; ++c) {
      // Nobody can start cycle c + 1 before every party finished cycle c (and its action).
      if (actions.load() != c) phase_ok = false;
      const auto k = b.wait(60s);
      if (k == 0) zero_index[static_cast<std::size_t>(c)].fetch_add(1);
      index_sum.fetch_add(k);
    }
  }));
  EXPECT_TRUE(phase_ok.load());
  EXPECT_EQ(actions.load(), cycles);
  EXPECT_EQ(index_sum.load(), static_cast<long>(cycles) * (kN * (kN - 1) / 2));
  for (int c = 0; c < cycles; ++c) {
    ASSERT_EQ(zero_index[static_cast<std::size_t>(c)].load(), 1) << "cycle " << c;
  }
  EXPECT_FALSE(b.broken());
  EXPECT_EQ(b.n_waiting(), 0);
}

TEST(BarrierStress, AbortResetCycles) {
  // Repeatedly: parties wait, one aborts, all see BrokenBarrierError, reset, pass together.
  constexpr int kN = 4;
  const int rounds = tt::scaled_int(100, 10);
  th::Barrier b(kN);
  th::Barrier sync(kN);
  std::atomic<long> broken_seen{0};
  std::atomic<long> passed{0};
  EXPECT_TRUE(run_threads(kN, [&] {
    for (int r = 0; r < rounds; ++r) {
      const auto me = sync.wait(60s);
      if (me == 0) {
        while (b.n_waiting() < kN - 1) std::this_thread::yield();
        b.abort();
      } else {
        try {
          b.wait(60s);
        } catch (const th::BrokenBarrierError&) {
          broken_seen.fetch_add(1);
        }
      }
      if (sync.wait(60s) == 0) b.reset();
      sync.wait(60s);
      b.wait(60s);
      passed.fetch_add(1);
    }
  }));
  EXPECT_EQ(broken_seen.load(), static_cast<long>(rounds) * (kN - 1));
  EXPECT_EQ(passed.load(), static_cast<long>(rounds) * kN);
  EXPECT_FALSE(b.broken());
}
