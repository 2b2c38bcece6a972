// mp::Queue kill tests: a producer or consumer process is SIGKILLed at each step of put() and
// get() (stopped there by the ring's test hook, then killed), and at random instants. The
// survivors must carry on: no hang, no garbage, no half message, and exactly the documented
// loss (a killed producer's unpublished message; a killed consumer's message once it moved
// head past it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "concur/detail/shared_object.hpp"
#include "concur/detail/shm_ring.hpp"
#include "concur/multiprocessing/process.hpp"
#include "concur/multiprocessing/queue.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using concur::detail::RingStep;
using concur_test::pattern;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

class QueueKillTest : public concur_test::LeakCheckedTest {};

// ---- stopping a child at one step: set in the child before it calls put() or get().
RingStep g_stop_at = RingStep::producer_locked;
int g_skip = 0;                         // occurrences to let pass first
std::atomic<int>* g_reached = nullptr;  // in shared memory: the parent waits for it

void stop_here(RingStep s) {
  if (s != g_stop_at || g_skip-- > 0) return;
  g_reached->store(1);
  for (;;) ::pause();  // killed here
}

class StepStopper {
 public:
  StepStopper() : reached_(0) {}
  /// In the child: stop at the (skip+1)-th time `at` is reached.
  void arm(RingStep at, int skip) {
    g_stop_at = at;
    g_skip = skip;
    g_reached = reached_.get();
    concur::detail::set_ring_step_hook(&stop_here);
  }
  /// In the parent: wait until the child stopped there.
  bool wait(std::chrono::seconds limit = 20s) {
    const auto end = Clock::now() + limit;
    while (reached_->load() == 0) {
      if (Clock::now() > end) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

 private:
  concur::detail::SharedObject<std::atomic<int>> reached_;
};

void kill_and_reap(mp::Process& p) {
  p.kill();
  ASSERT_TRUE(p.join(10s));
  EXPECT_EQ(p.exitcode(), -SIGKILL);
}

// ---------------------------------------------------------------- producers

struct ProducerCase {
  RingStep step;
  bool delivered;  // is the killed producer's message delivered?
};

TEST_F(QueueKillTest, ProducerKilledAtEachStepOfPut) {
  for (const ProducerCase c : {ProducerCase{RingStep::producer_locked, false},
                               ProducerCase{RingStep::producer_wrote, false},
                               ProducerCase{RingStep::producer_published, true}}) {
    SCOPED_TRACE(static_cast<int>(c.step));
    mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = 4096});
    StepStopper stopper;
    mp::Process producer([&] {
      stopper.arm(c.step, 1);  // the first put goes through
      q.put("m0");
      q.put("m1 " + std::string(500, 'x'));
    });
    producer.start();
    ASSERT_TRUE(stopper.wait());
    // A second producer is now blocked on the producer lock held by the stopped one.
    std::thread survivor([&] { q.put("from survivor", 10s); });
    std::this_thread::sleep_for(20ms);
    kill_and_reap(producer);
    survivor.join();
    EXPECT_EQ(q.get(5s), "m0");
    if (c.delivered) {
      EXPECT_EQ(q.get(5s), "m1 " + std::string(500, 'x'));
    }
    EXPECT_EQ(q.get(5s), "from survivor");
    EXPECT_TRUE(q.empty());
    q.put("after");  // the ring keeps working over the dead producer's bytes
    EXPECT_EQ(q.get(5s), "after");
  }
}

TEST_F(QueueKillTest, ProducerKilledInTheMiddleOfALongMessage) {
  for (const bool reader_waiting : {false, true}) {
    SCOPED_TRACE(reader_waiting);
    mp::JoinableQueue<std::string> q(0, mp::QueueOptions{.ring_bytes = 16 * 1024});
    StepStopper stopper;
    const std::string big = pattern(100'000, 9);
    mp::Process producer([&] {
      stopper.arm(RingStep::part_published, 1);  // two parts out, then killed
      q.put(big);
    });
    producer.start();
    std::string got;
    std::thread reader;
    if (reader_waiting) {  // already reading the long message when its producer dies
      reader = std::thread([&] { got = q.get(10s); });
    }
    ASSERT_TRUE(stopper.wait());
    std::this_thread::sleep_for(20ms);
    kill_and_reap(producer);
    q.put("next");
    if (reader_waiting) {
      reader.join();
    } else {
      got = q.get(10s);
    }
    EXPECT_EQ(got, "next");  // the half message was dropped, never delivered
    q.task_done();
    EXPECT_TRUE(q.join(2s));  // the dropped message does not wait for a task_done()
    EXPECT_TRUE(q.empty());
  }
}

// ---------------------------------------------------------------- consumers

struct ConsumerCase {
  RingStep step;
  bool lost;  // is the message the killed consumer was taking lost?
};

TEST_F(QueueKillTest, ConsumerKilledAtEachStepOfGet) {
  for (const ConsumerCase c : {ConsumerCase{RingStep::consumer_locked, false},
                               ConsumerCase{RingStep::consumer_copied, false},
                               ConsumerCase{RingStep::consumer_advanced, true}}) {
    SCOPED_TRACE(static_cast<int>(c.step));
    mp::Queue<std::string> q;
    StepStopper stopper;
    q.put("m1");
    q.put("m2");
    mp::Process consumer([&] {
      stopper.arm(c.step, 0);
      (void)q.get();
      mp::exit(9);  // never reached
    });
    consumer.start();
    ASSERT_TRUE(stopper.wait());
    std::string survivor_got;
    std::thread survivor([&] { survivor_got = q.get(10s); });  // blocked on the consumer lock
    std::this_thread::sleep_for(20ms);
    kill_and_reap(consumer);
    survivor.join();
    EXPECT_EQ(survivor_got, c.lost ? "m2" : "m1");
    if (!c.lost) {
      EXPECT_EQ(q.get(5s), "m2");
    }
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.qsize(), 0U);
  }
}

TEST_F(QueueKillTest, ConsumerKilledInTheMiddleOfALongMessage) {
  mp::Queue<std::string> q(0, mp::QueueOptions{.ring_bytes = 16 * 1024});
  StepStopper stopper;
  const std::string big = pattern(200'000, 4);
  mp::Process consumer([&] {
    stopper.arm(RingStep::consumer_advanced, 2);  // three parts taken, then killed
    (void)q.get();
  });
  consumer.start();
  std::thread producer([&] {  // blocks for room while the consumer is stopped
    q.put(big, 20s);
    q.put("next", 20s);
  });
  ASSERT_TRUE(stopper.wait());
  std::this_thread::sleep_for(20ms);
  kill_and_reap(consumer);
  EXPECT_EQ(q.get(20s), "next");  // the rest of the dead consumer's message is dropped
  producer.join();
  EXPECT_TRUE(q.empty());
}

// ---------------------------------------------------------------- random kills

TEST_F(QueueKillTest, ProducersAndConsumersKilledAtRandomNeverCorruptTheQueue) {
  mp::Queue<std::string> q(32, mp::QueueOptions{.ring_bytes = 32 * 1024});
  std::mt19937 rng(12345);
  auto sized = [](std::uint32_t seq) -> std::size_t {
    const std::uint32_t r = seq % 10;
    return r < 6 ? 40 + r : (r < 9 ? 3000 + r : 50'000 + r);  // some messages need parts
  };
  auto message = [&](std::uint32_t seq) {
    return std::to_string(seq) + ":" + pattern(sized(seq), seq);
  };
  auto intact = [&](const std::string& m) {
    const std::size_t colon = m.find(':');
    if (colon == std::string::npos) return false;
    return m == message(static_cast<std::uint32_t>(std::stoul(m.substr(0, colon))));
  };
  std::set<std::string> seen;
  concur::detail::SharedObject<std::atomic<long>> consumed(0, 0);
  for (int round = 0; round < 12; ++round) {
    mp::Process producer([&, round] {
      for (std::uint32_t i = 0;; ++i)
        q.put(message(static_cast<std::uint32_t>(round) * 1'000'000 + i));
    });
    mp::Process consumer([&] {
      for (;;) {
        if (!intact(q.get())) mp::exit(7);
        *consumed += 1;
      }
    });
    producer.start();
    consumer.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 30));
    if (rng() % 2 == 0) {
      producer.kill();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 5));
      consumer.kill();
    } else {
      consumer.kill();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 5));
      producer.kill();
    }
    ASSERT_TRUE(producer.join(10s));
    ASSERT_TRUE(consumer.join(10s));
    EXPECT_EQ(consumer.exitcode(), -SIGKILL) << "the consumer saw a corrupt message";
    // The survivor drains what is left: whole messages only, each once.
    while (auto m = q.try_get()) {
      EXPECT_TRUE(intact(*m)) << "round " << round;
      EXPECT_TRUE(seen.insert(m->substr(0, m->find(':'))).second) << "delivered twice";
    }
    q.put("probe");
    EXPECT_EQ(q.get(5s), "probe");
  }
  EXPECT_GT(consumed->load(), 100);  // the kills did hit a busy queue
}

}  // namespace
