// mp::Semaphore / BoundedSemaphore across processes.
#include "concur/multiprocessing/semaphore.hpp"

#include <gtest/gtest.h>

#include <atomic>
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

namespace {
class SemaphoreTest : public concur_test::LeakCheckedTest {};
struct Gauge {
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> total{0};
};
}  // namespace

TEST_F(SemaphoreTest, Basics) {
  mp::Semaphore s(2);
  EXPECT_EQ(s.get_value(), 2U);
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
  EXPECT_FALSE(s.acquire(20ms));
  s.release(2);
  EXPECT_EQ(s.get_value(), 2U);
  EXPECT_THROW(mp::Semaphore(-1), concur::ValueError);
  EXPECT_THROW(s.release(0), concur::ValueError);
}

TEST_F(SemaphoreTest, BoundedRefusesOverRelease) {
  mp::BoundedSemaphore b(1);
  EXPECT_THROW(b.release(), concur::ValueError);
  b.acquire();
  b.release();
  EXPECT_EQ(b.get_value(), 1U);
}

TEST_F(SemaphoreTest, ReleaseInAnotherProcessWakesAWaiter) {
  mp::Semaphore s(0);
  mp::Process p([&] {
    std::this_thread::sleep_for(50ms);
    s.release();
  });
  p.start();
  EXPECT_TRUE(s.acquire(10s));
  p.join();
}

TEST_F(SemaphoreTest, StressAtMostNInsideAcrossProcesses) {
  constexpr int kSlots = 3;
  constexpr int kProcs = 6;
  constexpr int kRounds = 2000;
  mp::BoundedSemaphore slots(kSlots);
  concur::detail::SharedObject<Gauge> g(0);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < kProcs; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (int r = 0; r < kRounds; ++r) {
        std::lock_guard lk(slots);
        const int now = ++g->inside;
        int seen = g->max_inside.load();
        while (now > seen && !g->max_inside.compare_exchange_weak(seen, now)) {
        }
        ++g->total;
        --g->inside;
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (auto& p : ps) p->join();
  EXPECT_EQ(g->total.load(), kProcs * kRounds);
  EXPECT_LE(g->max_inside.load(), kSlots);
  EXPECT_EQ(slots.get_value(), static_cast<std::uint32_t>(kSlots));
}
