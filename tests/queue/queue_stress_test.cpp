// Stress: many producers and consumers on Queue (both cores), LifoQueue and PriorityQueue.
// Every item is delivered exactly once (seen-bitmap), each consumer sees each producer's items
// in increasing order (FIFO queues), sums check out; timed put/get under contention; shutdown
// while threads block; task_done/join under load.
//
// Counts scale with CONCUR_STRESS_SCALE (default 1) and are divided by 10 under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/queue.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "queue/queue_test_util.hpp"

namespace {

namespace cq = concur::queue;
using namespace std::chrono_literals;
using concur_test::scaled;
using concur_test::Tracked;

constexpr int kSeqBits = 40;
constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << kSeqBits) - 1;

std::uint64_t encode(std::uint64_t producer, std::uint64_t seq) {
  return (producer << kSeqBits) | seq;
}

/// What a multi-producer multi-consumer run observed.
struct Outcome {
  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t bad_values = 0;
  std::uint64_t missing = 0;
  std::uint64_t sum = 0;
  std::uint64_t expected_sum = 0;
};

/// Runs `producers` threads putting `per_producer` items each and `consumers` threads taking
/// them all. With check_fifo, every consumer must see each producer's items in increasing
/// order. put_item / get_item perform one put / get (they may retry internally).
template <class Q, class PutFn, class GetFn>
Outcome run_mpmc(Q& q, int producers, int consumers, std::uint64_t per_producer, bool check_fifo,
                 PutFn put_item, GetFn get_item) {
  const std::uint64_t total = per_producer * static_cast<std::uint64_t>(producers);
  std::unique_ptr<std::atomic<std::uint8_t>[]> seen(new std::atomic<std::uint8_t>[total]);
  for (std::uint64_t i = 0; i < total; ++i) seen[i].store(0, std::memory_order_relaxed);
  std::atomic<std::uint64_t> claimed{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> out_of_order{0};
  std::atomic<std::uint64_t> bad_values{0};
  std::atomic<std::uint64_t> sum{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint64_t s = 0; s < per_producer; ++s) {
        put_item(q, encode(static_cast<std::uint64_t>(p), s));
      }
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> last(static_cast<std::size_t>(producers), -1);
      std::uint64_t local_sum = 0;
      std::uint64_t local_count = 0;
      // Claim a ticket per item so that exactly `total` gets happen across consumers.
      while (claimed.fetch_add(1, std::memory_order_relaxed) < total) {
        const std::uint64_t v = get_item(q);
        const std::uint64_t p = v >> kSeqBits;
        const std::uint64_t s = v & kSeqMask;
        if (p >= static_cast<std::uint64_t>(producers) || s >= per_producer) {
          bad_values.fetch_add(1);
          continue;
        }
        if (check_fifo) {
          if (static_cast<std::int64_t>(s) <= last[p]) out_of_order.fetch_add(1);
          last[p] = static_cast<std::int64_t>(s);
        }
        const std::uint64_t index = p * per_producer + s;
        if (seen[index].exchange(1, std::memory_order_relaxed) != 0) duplicates.fetch_add(1);
        local_sum += index;
        ++local_count;
      }
      sum.fetch_add(local_sum);
      delivered.fetch_add(local_count);
    });
  }
  for (auto& t : threads) t.join();

  Outcome o;
  o.delivered = delivered.load();
  o.duplicates = duplicates.load();
  o.out_of_order = out_of_order.load();
  o.bad_values = bad_values.load();
  o.sum = sum.load();
  o.expected_sum = total * (total - 1) / 2;
  for (std::uint64_t i = 0; i < total; ++i) o.missing += seen[i].load() == 0 ? 1 : 0;
  return o;
}

void expect_exactly_once(const Outcome& o, std::uint64_t total) {
  EXPECT_EQ(o.delivered, total);
  EXPECT_EQ(o.duplicates, 0u);
  EXPECT_EQ(o.missing, 0u);
  EXPECT_EQ(o.bad_values, 0u);
  EXPECT_EQ(o.out_of_order, 0u);
  EXPECT_EQ(o.sum, o.expected_sum);
}

// ---------------------------------------------------------------- blocking MPMC, Queue

struct MpmcCase {
  std::ptrdiff_t maxsize;
  int producers;
  int consumers;
};

std::string case_name(const testing::TestParamInfo<MpmcCase>& info) {
  return "maxsize_" + std::to_string(info.param.maxsize) + "_" +
         std::to_string(info.param.producers) + "x" + std::to_string(info.param.consumers);
}

/// Items moved in each configuration (1,000,000, scaled).
std::uint64_t items_per_run() {
  return scaled(1'000'000, 10'000);
}

class QueueStress : public testing::TestWithParam<MpmcCase> {};

TEST_P(QueueStress, StressEveryItemDeliveredExactlyOnceInProducerOrder) {
  const MpmcCase c = GetParam();
  cq::Queue<std::uint64_t> q(c.maxsize);
  const std::uint64_t per = items_per_run() / static_cast<std::uint64_t>(c.producers);
  const Outcome o = run_mpmc(
      q, c.producers, c.consumers, per, /*check_fifo=*/true,
      [](auto& qq, std::uint64_t v) { qq.put(v); }, [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * static_cast<std::uint64_t>(c.producers));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.unfinished_tasks(), per * static_cast<std::uint64_t>(c.producers));
}

std::vector<MpmcCase> cases_for(std::initializer_list<std::ptrdiff_t> sizes) {
  std::vector<MpmcCase> out;
  for (std::ptrdiff_t m : sizes) {
    out.push_back({m, 4, 4});
    out.push_back({m, 8, 2});
    out.push_back({m, 1, 8});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Sizes, QueueStress, testing::ValuesIn(cases_for({3, 1024, 0})), case_name);
// Queue(1): the one-cell queue under contention (it once accepted puts while full).
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, QueueStress, testing::ValuesIn(cases_for({1})), case_name);

TEST(QueueStressLockedBounded, StressBoundedLockedDequeDeliversExactlyOnce) {
  // Bounded but beyond the ring limit: the locked deque with a bound.
  cq::Queue<std::uint64_t> q(concur_test::kRingLimit + 1);
  const std::uint64_t per = scaled(100'000, 1000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, true, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
}

// ---------------------------------------------------------------- non-blocking / timed calls

class QueueTimedStress : public testing::TestWithParam<std::ptrdiff_t> {};

TEST_P(QueueTimedStress, StressTimedPutGetUnderContentionBalance) {
  cq::Queue<std::uint64_t> q(GetParam());
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  const std::uint64_t per = scaled(40'000, 400) / kProducers;
  std::atomic<std::uint64_t> put_ok{0};
  std::atomic<std::uint64_t> put_full{0};
  std::atomic<std::uint64_t> get_ok{0};
  std::atomic<std::uint64_t> get_empty{0};
  std::atomic<std::uint64_t> put_attempts{0};
  std::atomic<std::uint64_t> get_attempts{0};
  const Outcome o = run_mpmc(
      q, kProducers, kConsumers, per, true,
      [&](auto& qq, std::uint64_t v) {
        for (int i = 0;; ++i) {
          put_attempts.fetch_add(1, std::memory_order_relaxed);
          try {
            if (i % 2 == 0) {
              qq.put(v, 200us);
            } else {
              qq.put_nowait(v);
            }
            put_ok.fetch_add(1, std::memory_order_relaxed);
            return;
          } catch (const cq::Full&) {
            put_full.fetch_add(1, std::memory_order_relaxed);
          }
        }
      },
      [&](auto& qq) -> std::uint64_t {
        for (int i = 0;; ++i) {
          get_attempts.fetch_add(1, std::memory_order_relaxed);
          if (i % 3 == 2) {
            if (auto v = qq.try_get()) {
              get_ok.fetch_add(1, std::memory_order_relaxed);
              return *v;
            }
            get_empty.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          try {
            const std::uint64_t v = i % 3 == 0 ? qq.get(200us) : qq.get_nowait();
            get_ok.fetch_add(1, std::memory_order_relaxed);
            return v;
          } catch (const cq::Empty&) {
            get_empty.fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
  const std::uint64_t total = per * kProducers;
  expect_exactly_once(o, total);
  EXPECT_EQ(put_ok.load(), total);
  EXPECT_EQ(get_ok.load(), total);
  EXPECT_EQ(put_ok.load() + put_full.load(), put_attempts.load());
  EXPECT_EQ(get_ok.load() + get_empty.load(), get_attempts.load());
  if (GetParam() == 0) {
    EXPECT_EQ(put_full.load(), 0u);  // unbounded: never Full
  }
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTimedStress, StressTryPutTryGetSpinBalance) {
  cq::Queue<std::uint64_t> q(GetParam());
  const std::uint64_t per = scaled(40'000, 400) / 4;
  std::atomic<std::uint64_t> put_fail{0};
  const Outcome o = run_mpmc(
      q, 4, 4, per, true,
      [&](auto& qq, std::uint64_t v) {
        while (!qq.try_put(v)) {
          put_fail.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
        }
      },
      [](auto& qq) -> std::uint64_t {
        for (;;) {
          if (auto v = qq.try_get()) return *v;
          std::this_thread::yield();
        }
      });
  expect_exactly_once(o, per * 4);
  if (GetParam() == 0) {
    EXPECT_EQ(put_fail.load(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, QueueTimedStress,
                         testing::Values(std::ptrdiff_t{3}, std::ptrdiff_t{1024},
                                         std::ptrdiff_t{0}),
                         concur_test::maxsize_name);
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, QueueTimedStress, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);

// ---------------------------------------------------------------- LifoQueue, PriorityQueue

TEST(LifoQueueStress, StressFourByFourTotals) {
  cq::LifoQueue<std::uint64_t> q(64);
  const std::uint64_t per = scaled(200'000, 2000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, /*check_fifo=*/false, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
  EXPECT_TRUE(q.empty());
}

TEST(LifoQueueStress, StressUnboundedFourByFourTotals) {
  cq::LifoQueue<std::uint64_t> q;
  const std::uint64_t per = scaled(100'000, 1000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, false, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
}

TEST(PriorityQueueStress, StressFourByFourTotals) {
  cq::PriorityQueue<std::uint64_t> q(64);
  const std::uint64_t per = scaled(200'000, 2000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, /*check_fifo=*/false, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
  EXPECT_TRUE(q.empty());
}

TEST(PriorityQueueStress, StressUnboundedFourByFourTotals) {
  cq::PriorityQueue<std::uint64_t> q;
  const std::uint64_t per = scaled(100'000, 1000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, false, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
}

TEST(SimpleQueueStress, StressFourByFourInProducerOrder) {
  cq::SimpleQueue<std::uint64_t> q;
  const std::uint64_t per = scaled(100'000, 1000) / 4;
  const Outcome o = run_mpmc(
      q, 4, 4, per, true, [](auto& qq, std::uint64_t v) { qq.put(v); },
      [](auto& qq) { return qq.get(); });
  expect_exactly_once(o, per * 4);
}

// ---------------------------------------------------------------- shutdown under stress

class ShutdownStress : public testing::TestWithParam<std::ptrdiff_t> {};

TEST_P(ShutdownStress, StressShutdownWhileEightThreadsBlock) {
  // Four putters block on a full queue and four getters on an empty one; shutdown wakes all
  // eight with ShutDown, whether it lands before or after they park.
  const std::size_t rounds = scaled(150, 15);
  std::uint64_t shut_total = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    const bool immediate = round % 2 == 1;
    cq::Queue<int> full(GetParam() == 0 ? 0 : GetParam());
    cq::Queue<int> empty(GetParam());
    // An unbounded queue never blocks a putter: use a bounded one of 3 for the putters then.
    cq::Queue<int> bounded(3);
    cq::Queue<int>& putq = GetParam() == 0 ? bounded : full;
    const std::size_t cap = putq.maxsize();
    for (std::size_t i = 0; i < cap; ++i) putq.put_nowait(static_cast<int>(i));
    std::atomic<int> shut{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        try {
          if (i % 2 == 0) {
            putq.put(-1);
          } else {
            putq.put(-1, 30s);
          }
          wrong.fetch_add(1);
        } catch (const cq::ShutDown&) {
          shut.fetch_add(1);
        } catch (...) {
          wrong.fetch_add(1);
        }
      });
      threads.emplace_back([&, i] {
        try {
          if (i % 2 == 0) {
            (void)empty.get();
          } else {
            (void)empty.get(30s);
          }
          wrong.fetch_add(1);
        } catch (const cq::ShutDown&) {
          shut.fetch_add(1);
        } catch (...) {
          wrong.fetch_add(1);
        }
      });
    }
    if (round % 3 != 0) std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 7)));
    putq.shutdown(immediate);
    empty.shutdown(immediate);
    for (auto& t : threads) t.join();
    ASSERT_EQ(shut.load(), 8) << "round " << round;
    ASSERT_EQ(wrong.load(), 0) << "round " << round;
    EXPECT_EQ(putq.qsize(), immediate ? 0u : cap);
    shut_total += static_cast<std::uint64_t>(shut.load());
  }
  EXPECT_EQ(shut_total, 8 * rounds);
}

TEST_P(ShutdownStress, StressShutdownDuringTrafficLosesNothing) {
  // Producers put until ShutDown, consumers get (and task_done) until ShutDown. With
  // shutdown(false) every item put is got; with shutdown(true) the rest are discarded and
  // destroyed; either way no item leaks or is destroyed twice and join() returns.
  // Up to 40 rounds (scaled), at least 6, stopping early after ~2 s.
  const std::size_t max_rounds = scaled(40, 6);
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> spurious{0};  // task_done() ValueErrors (all spurious here)
  int compensated = 0;
  for (std::size_t round = 0;
       round < max_rounds && (round < 6 || std::chrono::steady_clock::now() - t0 < 2s); ++round) {
    Tracked::reset();
    const bool immediate = round % 2 == 1;
    std::atomic<std::uint64_t> puts{0};
    std::atomic<std::uint64_t> gets{0};
    {
      cq::Queue<Tracked> q(GetParam());
      std::vector<std::thread> threads;
      for (int p = 0; p < 3; ++p) {
        threads.emplace_back([&] {
          for (int i = 0;; ++i) {
            try {
              q.put(Tracked(i));
            } catch (const cq::ShutDown&) {
              return;
            }
            puts.fetch_add(1);
          }
        });
      }
      for (int c = 0; c < 3; ++c) {
        threads.emplace_back([&] {
          for (;;) {
            try {
              Tracked t = q.get();
              gets.fetch_add(1);
            } catch (const cq::ShutDown&) {
              return;
            }
            concur_test::task_done_counting(q, spurious);
          }
        });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + round % 5));
      q.shutdown(immediate);
      for (auto& t : threads) t.join();
      if (!immediate) {
        EXPECT_EQ(gets.load(), puts.load()) << "round " << round;
      } else {
        EXPECT_LE(gets.load(), puts.load()) << "round " << round;
      }
      EXPECT_TRUE(q.empty()) << "round " << round;
      const std::uint64_t uncompensated = static_cast<std::uint64_t>(spurious.load() - compensated);
      EXPECT_EQ(q.unfinished_tasks(), uncompensated) << "round " << round;
      concur_test::join_compensating(q, 1, spurious, compensated);
    }
    EXPECT_EQ(Tracked::live.load(), 0) << "round " << round;
  }
  EXPECT_EQ(spurious.load(), 0) << "task_done() raised ValueError while tasks were unfinished";
}

INSTANTIATE_TEST_SUITE_P(Sizes, ShutdownStress,
                         testing::Values(std::ptrdiff_t{3}, std::ptrdiff_t{1024},
                                         std::ptrdiff_t{0}),
                         concur_test::maxsize_name);
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, ShutdownStress, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);

// ---------------------------------------------------------------- task_done / join under load

class JoinStress : public testing::TestWithParam<std::ptrdiff_t> {};

TEST_P(JoinStress, StressTaskDoneJoinRounds) {
  cq::Queue<int> q(GetParam());
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  const std::size_t rounds = scaled(20, 4);
  const int per = static_cast<int>(scaled(3000, 200));
  std::atomic<std::uint64_t> processed{0};
  std::atomic<int> spurious{0};  // task_done() ValueErrors (all spurious here)
  int compensated = 0;
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      for (;;) {
        try {
          (void)q.get();
        } catch (const cq::ShutDown&) {
          return;
        }
        processed.fetch_add(1);
        concur_test::task_done_counting(q, spurious);
      }
    });
  }
  for (std::size_t round = 1; round <= rounds; ++round) {
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&] {
        for (int i = 0; i < per; ++i) q.put(i);
      });
    }
    for (auto& t : producers) t.join();
    // Three threads join at once; all return only when every task of the round is done.
    concur_test::join_compensating(q, 3, spurious, compensated);
    const std::uint64_t want = round * static_cast<std::uint64_t>(kProducers * per);
    EXPECT_EQ(processed.load(), want) << "round " << round;
    EXPECT_EQ(q.unfinished_tasks(), 0u);
  }
  q.shutdown();
  for (auto& t : consumers) t.join();
  EXPECT_EQ(processed.load(), rounds * static_cast<std::uint64_t>(kProducers * per));
  EXPECT_EQ(spurious.load(), 0) << "task_done() raised ValueError while tasks were unfinished";
}

TEST_P(JoinStress, StressConcurrentTaskDoneNeverRaises) {
  // Producers and consumers run at once; every consumer marks each item done right away.
  // Up to 20 rounds of 30,000 items (scaled), at least 3, stopping early after ~2 s.
  const std::size_t max_rounds = scaled(20, 3);
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> spurious{0};
  int compensated = 0;
  for (std::size_t round = 0;
       round < max_rounds && (round < 3 || std::chrono::steady_clock::now() - t0 < 2s); ++round) {
    cq::Queue<int> q(GetParam());
    const int per = static_cast<int>(scaled(10000, 1000));
    std::vector<std::thread> threads;
    for (int p = 0; p < 3; ++p) {
      threads.emplace_back([&] {
        for (int i = 0; i < per; ++i) q.put(i);
      });
    }
    for (int c = 0; c < 3; ++c) {
      threads.emplace_back([&] {
        for (int i = 0; i < per; ++i) {
          (void)q.get();
          concur_test::task_done_counting(q, spurious);
        }
      });
    }
    for (auto& t : threads) t.join();
    concur_test::join_compensating(q, 1, spurious, compensated);
    EXPECT_EQ(q.unfinished_tasks(), 0u);
  }
  EXPECT_EQ(spurious.load(), 0) << "task_done() raised ValueError while tasks were unfinished";
}

INSTANTIATE_TEST_SUITE_P(Sizes, JoinStress,
                         testing::Values(std::ptrdiff_t{3}, std::ptrdiff_t{1024},
                                         std::ptrdiff_t{0}),
                         concur_test::maxsize_name);
INSTANTIATE_TEST_SUITE_P(MaxsizeOne, JoinStress, testing::Values(std::ptrdiff_t{1}),
                         concur_test::maxsize_name);

}  // namespace
