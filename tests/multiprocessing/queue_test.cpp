// mp::Queue, JoinableQueue and SimpleQueue: Python's semantics across processes, messages of
// every size (up to 256 MiB through a 1 MiB ring), and stress with many producer and consumer
// processes and threads where every item must arrive exactly once. Kill tests live in
// queue_kill_test.cpp.
#include "concur/multiprocessing/queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using concur_test::pattern;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

class QueueTest : public concur_test::LeakCheckedTest {};

struct Order {
  int id = 0;
  std::string item;
  std::vector<double> prices;
  MSGPACK_DEFINE(id, item, prices)
};

// ---------------------------------------------------------------- semantics

TEST_F(QueueTest, FifoAcrossAProcessForEveryKindOfValue) {
  mp::Queue<int> ints;
  mp::Queue<std::string> strings;
  mp::Queue<std::vector<std::string>> lists;
  mp::Queue<std::optional<Order>> orders;
  mp::Queue<std::array<char, 64>> blocks;
  mp::Process child([&] {
    for (int i = 0; i < 100; ++i) ints.put(i);
    strings.put("");
    strings.put("hello");
    lists.put({"a", "bb", ""});
    orders.put(Order{7, "tea", {1.5, 2.25}});
    orders.put(std::nullopt);
    std::array<char, 64> b{};
    b[0] = 'x';
    b[63] = 'y';
    blocks.put(b);
  });
  child.start();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ints.get(10s), i);
  EXPECT_EQ(strings.get(10s), "");
  EXPECT_EQ(strings.get(10s), "hello");
  EXPECT_EQ(lists.get(10s), (std::vector<std::string>{"a", "bb", ""}));
  const auto order = orders.get(10s);
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->id, 7);
  EXPECT_EQ(order->item, "tea");
  EXPECT_EQ(order->prices, (std::vector<double>{1.5, 2.25}));
  EXPECT_FALSE(orders.get(10s).has_value());
  const auto b = blocks.get(10s);
  EXPECT_EQ(b[0], 'x');
  EXPECT_EQ(b[63], 'y');
  ASSERT_TRUE(child.join(10s));
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(ints.empty());
}

TEST_F(QueueTest, EmptyAndFullLikePython) {
  mp::Queue<int> q(2);
  EXPECT_EQ(q.maxsize(), 2U);
  EXPECT_THROW(q.get_nowait(), concur::queue::Empty);
  EXPECT_FALSE(q.try_get().has_value());
  const auto t0 = Clock::now();
  EXPECT_THROW(q.get(true, 100ms), concur::queue::Empty);
  EXPECT_GE(Clock::now() - t0, 100ms);
  q.put(1);
  q.put_nowait(2);
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 2U);
  EXPECT_THROW(q.put_nowait(3), concur::queue::Full);
  EXPECT_FALSE(q.try_put(3));
  const auto t1 = Clock::now();
  EXPECT_THROW(q.put(3, 100ms), concur::queue::Full);
  EXPECT_GE(Clock::now() - t1, 100ms);
  EXPECT_EQ(q.get(), 1);
  EXPECT_TRUE(q.try_put(3));
  EXPECT_EQ(q.get_nowait(), 2);
  EXPECT_EQ(*q.try_get(), 3);
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, BadArgumentsAreValueErrors) {
  mp::Queue<int> q;
  EXPECT_THROW(q.put(1, false, 1s), concur::ValueError);
  EXPECT_THROW(q.get(false, 1s), concur::ValueError);
  EXPECT_THROW(q.put(1, -1s), concur::ValueError);
  EXPECT_THROW(q.get(-1ms), concur::ValueError);
  EXPECT_THROW(mp::Queue<int>(0, mp::QueueOptions{.ring_bytes = 5000}), concur::ValueError);
  EXPECT_THROW(mp::Queue<int>(0, mp::QueueOptions{.ring_bytes = 1024}), concur::ValueError);
  EXPECT_THROW(mp::Queue<int>(0, mp::QueueOptions{.ring_bytes = std::size_t{1} << 31}),
               concur::ValueError);
}

TEST_F(QueueTest, CloseStopsThisProcessOnly) {
  mp::Queue<int> q;
  mp::Queue<int> done;
  mp::Process child([&] {
    done.put(q.get(10s) + 1);  // the parent's close() does not close the child's queue
  });
  child.start();
  q.put(41);
  EXPECT_EQ(done.get(10s), 42);
  q.close();
  EXPECT_TRUE(q.closed());
  EXPECT_THROW(q.put(1), concur::ValueError);
  EXPECT_THROW((void)q.get_nowait(), concur::ValueError);
  ASSERT_TRUE(child.join(10s));
  EXPECT_EQ(child.exitcode(), 0);
}

TEST_F(QueueTest, BlockedGetWakesForAPutFromAnotherProcess) {
  mp::Queue<int> q;
  mp::Process child([&] {
    std::this_thread::sleep_for(100ms);
    q.put(5);
  });
  child.start();
  const auto t0 = Clock::now();
  EXPECT_EQ(q.get(10s), 5);
  EXPECT_GE(Clock::now() - t0, 90ms);
  ASSERT_TRUE(child.join(10s));
}

TEST_F(QueueTest, BlockedPutWakesWhenAnotherProcessMakesRoom) {
  mp::Queue<int> q(1);
  q.put(1);
  mp::Process child([&] {
    std::this_thread::sleep_for(100ms);
    if (q.get(10s) != 1) mp::exit(3);
  });
  child.start();
  const auto t0 = Clock::now();
  q.put(2, 10s);
  EXPECT_GE(Clock::now() - t0, 90ms);
  EXPECT_EQ(q.get(), 2);
  ASSERT_TRUE(child.join(10s));
  EXPECT_EQ(child.exitcode(), 0);
}

TEST_F(QueueTest, FullRingBlocksEvenWithoutMaxsize) {
  mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = 4096});
  const std::string block(1000, 'b');
  int n = 0;
  while (q.try_put(block)) ++n;
  EXPECT_GE(n, 3);
  EXPECT_THROW(q.put(block, 50ms), concur::queue::Full);
  EXPECT_EQ(q.qsize(), static_cast<std::size_t>(n));
  EXPECT_EQ(q.get(), block);
  EXPECT_TRUE(q.try_put(block));
}

// ---------------------------------------------------------------- long messages

TEST_F(QueueTest, MessagesOfEverySizeAroundTheRingSize) {
  constexpr std::size_t kRing = 64 * 1024;
  mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = kRing});
  const std::vector<std::size_t> sizes = {0,
                                          1,
                                          7,
                                          8,
                                          15,
                                          16,
                                          kRing / 4,
                                          kRing / 2 - 17,
                                          kRing / 2 - 16,
                                          kRing / 2,
                                          kRing - 1,
                                          kRing,
                                          kRing + 1,
                                          5 * kRing + 3,
                                          100'000,
                                          3};
  mp::Process producer([&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      q.put(pattern(sizes[i], static_cast<std::uint32_t>(i)));
    }
  });
  producer.start();
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string got = q.get(30s);
    ASSERT_EQ(got.size(), sizes[i]) << "message " << i;
    EXPECT_TRUE(got == pattern(sizes[i], static_cast<std::uint32_t>(i))) << "message " << i;
  }
  ASSERT_TRUE(producer.join(30s));
  EXPECT_EQ(producer.exitcode(), 0);
}

TEST_F(QueueTest, A256MiBMessageThroughA1MiBRing) {
  constexpr std::size_t kSize = std::size_t{256} << 20;
  mp::Queue<std::vector<std::uint64_t>> q;  // default ring: 1 MiB
  mp::Process producer([&] {
    std::vector<std::uint64_t> v(kSize / sizeof(std::uint64_t));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i * 0x9E3779B97F4A7C15ULL;
    q.put(v);
  });
  producer.start();
  const auto v = q.get(120s);
  ASSERT_EQ(v.size(), kSize / sizeof(std::uint64_t));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < v.size(); ++i) bad += v[i] != i * 0x9E3779B97F4A7C15ULL ? 1 : 0;
  EXPECT_EQ(bad, 0U);
  ASSERT_TRUE(producer.join(60s));
  EXPECT_EQ(producer.exitcode(), 0);
}

TEST_F(QueueTest, LongMessageThatCannotGoThroughGivesFullAndLeavesNoTrace) {
  mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = 16 * 1024});
  const std::string big = pattern(100'000, 1);
  EXPECT_THROW(q.put_nowait(big), concur::queue::Full);  // never fits the free room
  const auto t0 = Clock::now();
  EXPECT_THROW(q.put(big, 100ms), concur::queue::Full);  // nobody reads: gives up part-way
  EXPECT_GE(Clock::now() - t0, 100ms);
  EXPECT_EQ(q.qsize(), 1U);  // begun and counted; the next get drops what was written
  EXPECT_THROW(q.get(200ms), concur::queue::Empty);
  EXPECT_TRUE(q.empty());
  q.put("after");
  EXPECT_EQ(q.get(10s), "after");
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, ASinkThatThrowsStillConsumesTheMessage) {
  // What a DecodeError does inside get(): the message is taken, the error reaches the caller.
  class Refusing final : public concur::detail::MessageSink {
   public:
    std::byte* begin(std::size_t) override { throw concur::mp::DecodeError("refused"); }
  };
  for (const std::size_t size : {std::size_t{10}, std::size_t{50'000}}) {  // one part, parts
    concur::detail::SharedObject<concur::detail::ShmRing> ring(16384, 16384, 0);
    const std::string m = pattern(size, 3);
    std::thread producer([&] {
      (void)ring->put(reinterpret_cast<const std::byte*>(m.data()), m.size(), true,  // NOLINT
                      concur::detail::Deadline(10s));
    });
    Refusing sink;
    EXPECT_THROW((void)ring->get(sink, true, concur::detail::Deadline(10s)), mp::DecodeError);
    producer.join();
    EXPECT_EQ(ring->qsize(), 0U);
  }
}

// ---------------------------------------------------------------- JoinableQueue, SimpleQueue

TEST_F(QueueTest, JoinableQueueJoinWaitsForTaskDoneInAnotherProcess) {
  mp::JoinableQueue<int> q;
  EXPECT_THROW(q.task_done(), concur::ValueError);
  EXPECT_TRUE(q.join(0s));
  mp::Process worker([&] {
    for (int i = 0; i < 20; ++i) {
      (void)q.get(10s);
      std::this_thread::sleep_for(1ms);
      q.task_done();
    }
  });
  for (int i = 0; i < 20; ++i) q.put(i);
  EXPECT_FALSE(q.join(10ms));
  worker.start();
  EXPECT_TRUE(q.join(30s));
  EXPECT_THROW(q.task_done(), concur::ValueError);
  ASSERT_TRUE(worker.join(10s));
  EXPECT_EQ(worker.exitcode(), 0);
}

TEST_F(QueueTest, SimpleQueuePutGetEmpty) {
  mp::SimpleQueue<std::string> q;
  EXPECT_TRUE(q.empty());
  mp::Process child([&] { q.put("from child"); });
  child.start();
  EXPECT_EQ(q.get(), "from child");
  EXPECT_TRUE(q.empty());
  ASSERT_TRUE(child.join(10s));
  q.close();
  EXPECT_THROW(q.put("x"), concur::ValueError);
}

// ---------------------------------------------------------------- stress

struct Tally {
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::uint64_t> bad{0};
};

TEST_F(QueueTest, StressManyProducerAndConsumerProcessesWithThreads) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kThreads = 2;
  constexpr std::uint64_t kEach = 100'000;  // per producer thread
  mp::Queue<std::uint64_t> q(64);
  concur::detail::SharedObject<Tally> tally(0);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int p = 0; p < kProducers; ++p) {
    ps.push_back(std::make_unique<mp::Process>([&, p] {
      std::vector<std::thread> ts;
      for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, p, t] {
          const std::uint64_t base = (static_cast<std::uint64_t>(p * kThreads + t) << 32) + 1;
          for (std::uint64_t i = 0; i < kEach; ++i) q.put(base + i);
        });
      }
      for (auto& t : ts) t.join();
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      std::vector<std::thread> ts;
      for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&] {
          for (;;) {
            const std::uint64_t v = q.get(60s);
            if (v == 0) return;  // sentinel
            tally->count += 1;
            tally->sum += v;
          }
        });
      }
      for (auto& t : ts) t.join();
    }));
  }
  for (auto& p : ps) p->start();
  for (int p = 0; p < kProducers; ++p) ASSERT_TRUE(ps[static_cast<std::size_t>(p)]->join(120s));
  for (int c = 0; c < kConsumers * kThreads; ++c) q.put(0);
  for (auto& p : ps) {
    ASSERT_TRUE(p->join(120s));
    EXPECT_EQ(p->exitcode(), 0);
  }
  std::uint64_t expect_sum = 0;
  for (int id = 0; id < kProducers * kThreads; ++id) {
    const std::uint64_t base = (static_cast<std::uint64_t>(id) << 32) + 1;
    expect_sum += kEach * base + kEach * (kEach - 1) / 2;
  }
  EXPECT_EQ(tally->count.load(), kProducers * kThreads * kEach);
  EXPECT_EQ(tally->sum.load(), expect_sum);
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, StressMixedSizesIncludingMultiPartMessages) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  constexpr int kEach = 1000;
  mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = 32 * 1024});
  concur::detail::SharedObject<Tally> tally(0);
  auto size_of = [](int p, int i) {
    const int r = (p * 7919 + i * 104729) % 100;
    if (r < 60) return static_cast<std::size_t>(r * 3);          // small
    if (r < 90) return static_cast<std::size_t>(4000 + r * 97);  // medium, one part
    return static_cast<std::size_t>(20'000 + (r - 90) * 9000);   // several parts
  };
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int p = 0; p < kProducers; ++p) {
    ps.push_back(std::make_unique<mp::Process>([&, p] {
      for (int i = 0; i < kEach; ++i) {
        const auto seed = static_cast<std::uint32_t>(p * 100'000 + i + 1);
        std::string m = std::to_string(seed) + ":" + pattern(size_of(p, i), seed);
        q.put(m);
      }
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (;;) {
        const std::string m = q.get(60s);
        if (m.empty()) return;
        const std::size_t colon = m.find(':');
        const auto seed = static_cast<std::uint32_t>(std::stoul(m.substr(0, colon)));
        const int p = static_cast<int>((seed - 1) / 100'000);
        const int i = static_cast<int>((seed - 1) % 100'000);
        if (m.compare(colon + 1, std::string::npos, pattern(size_of(p, i), seed)) != 0) {
          tally->bad += 1;
        }
        tally->count += 1;
        tally->sum += seed;
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (int p = 0; p < kProducers; ++p) ASSERT_TRUE(ps[static_cast<std::size_t>(p)]->join(120s));
  for (int c = 0; c < kConsumers; ++c) q.put("");
  for (auto& p : ps) {
    ASSERT_TRUE(p->join(120s));
    EXPECT_EQ(p->exitcode(), 0);
  }
  std::uint64_t expect_sum = 0;
  for (int p = 0; p < kProducers; ++p) {
    for (int i = 0; i < kEach; ++i) expect_sum += static_cast<std::uint64_t>(p * 100'000 + i + 1);
  }
  EXPECT_EQ(tally->count.load(), static_cast<std::uint64_t>(kProducers * kEach));
  EXPECT_EQ(tally->sum.load(), expect_sum);
  EXPECT_EQ(tally->bad.load(), 0U);
}

TEST_F(QueueTest, StressThreadsOfOneProcessShareAHandle) {
  mp::Queue<int> q(16);
  std::atomic<long> sum{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 1; i <= 10'000; ++i) q.put(i);
    });
    ts.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) sum += q.get(30s);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(sum.load(), 4L * 10'000 * 10'001 / 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
