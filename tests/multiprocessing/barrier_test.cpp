// mp::Barrier: distinct indices and one action per cycle across processes over many rounds,
// timeouts and abort() breaking it, reset(), and a party killed before it arrives.
#include "concur/multiprocessing/barrier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;
using concur_test::Clock;

namespace {
class BarrierTest : public concur_test::LeakCheckedTest {};

struct Rounds {
  std::atomic<std::uint32_t> index_bits[200];
  std::atomic<int> actions{0};
};
}  // namespace

TEST_F(BarrierTest, RejectsNonPositiveParties) {
  EXPECT_THROW(mp::Barrier(0), concur::ValueError);
  mp::Barrier b(1);
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(b.parties(), 1);
}

TEST_F(BarrierTest, StressManyRoundsAcrossProcesses) {
  constexpr int kParties = 4;
  constexpr int kRounds = 200;
  concur::detail::SharedObject<Rounds> r(0);
  mp::Barrier barrier(kParties, [&] { ++r->actions; });
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int p = 0; p < kParties - 1; ++p) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (int round = 0; round < kRounds; ++round) {
        const auto i = barrier.wait(20s);
        r->index_bits[round].fetch_or(1U << i);
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (int round = 0; round < kRounds; ++round) {
    const auto i = barrier.wait(20s);
    r->index_bits[round].fetch_or(1U << i);
  }
  for (auto& p : ps) {
    p->join();
    EXPECT_EQ(p->exitcode(), 0);
  }
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(r->index_bits[round].load(), (1U << kParties) - 1) << "round " << round;
  }
  EXPECT_EQ(r->actions.load(), kRounds);
  EXPECT_FALSE(barrier.broken());
}

TEST_F(BarrierTest, TimeoutBreaksItForEveryoneUntilReset) {
  mp::Barrier barrier(3);
  mp::Process child([&] {
    try {
      barrier.wait();
    } catch (const mp::BrokenBarrierError&) {
      mp::exit(7);
    }
  });
  child.start();
  const auto t0 = Clock::now();
  while (barrier.n_waiting() < 1 && Clock::now() - t0 < 10s) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(barrier.n_waiting(), 1);
  EXPECT_THROW(barrier.wait(50ms), mp::BrokenBarrierError);
  child.join();
  EXPECT_EQ(child.exitcode(), 7);
  EXPECT_TRUE(barrier.broken());
  EXPECT_THROW(barrier.wait(), mp::BrokenBarrierError);
  barrier.reset();
  EXPECT_FALSE(barrier.broken());
  EXPECT_EQ(barrier.n_waiting(), 0);
}

TEST_F(BarrierTest, AbortWakesWaitersInOtherProcesses) {
  mp::Barrier barrier(3);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < 2; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      try {
        barrier.wait(20s);
      } catch (const mp::BrokenBarrierError&) {
        mp::exit(7);
      }
    }));
    ps.back()->start();
  }
  const auto t0 = Clock::now();
  while (barrier.n_waiting() < 2 && Clock::now() - t0 < 10s) std::this_thread::sleep_for(1ms);
  barrier.abort();
  for (auto& p : ps) {
    p->join();
    EXPECT_EQ(p->exitcode(), 7);
  }
  EXPECT_LT(Clock::now() - t0, 10s);
}

TEST_F(BarrierTest, PartyKilledBeforeArrivingBreaksItOnTimeoutNotAHang) {
  mp::Barrier barrier(3);
  mp::Process dead([] { std::this_thread::sleep_for(60s); });
  mp::Process other([&] {
    try {
      barrier.wait(300ms);
    } catch (const mp::BrokenBarrierError&) {
      mp::exit(7);
    }
  });
  dead.start();
  other.start();
  dead.kill();
  dead.join();
  EXPECT_THROW(barrier.wait(300ms), mp::BrokenBarrierError);
  other.join();
  EXPECT_EQ(other.exitcode(), 7);
}
