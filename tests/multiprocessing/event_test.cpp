// mp::Event across processes.
#include "concur/multiprocessing/event.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;
using concur_test::Clock;

namespace {
class EventTest : public concur_test::LeakCheckedTest {};
}  // namespace

TEST_F(EventTest, SetClearWaitTimeout) {
  mp::Event e;
  EXPECT_FALSE(e.is_set());
  const auto t0 = Clock::now();
  EXPECT_FALSE(e.wait(30ms));
  EXPECT_GE(Clock::now() - t0, 25ms);
  e.set();
  EXPECT_TRUE(e.is_set());
  EXPECT_TRUE(e.wait());
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST_F(EventTest, WakesWaitersInManyProcesses) {
  mp::Event go;
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < 8; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] { mp::exit(go.wait(20s) ? 0 : 9); }));
  }
  for (auto& p : ps) p->start();
  std::this_thread::sleep_for(50ms);
  go.set();
  for (auto& p : ps) {
    EXPECT_TRUE(p->join(20s));
    EXPECT_EQ(p->exitcode(), 0);
  }
}

TEST_F(EventTest, PingPongAcrossProcesses) {
  mp::Event ping;
  mp::Event pong;
  constexpr int kRounds = 2000;
  mp::Process p([&] {
    for (int i = 0; i < kRounds; ++i) {
      if (!ping.wait(10s)) mp::exit(2);
      ping.clear();
      pong.set();
    }
  });
  p.start();
  for (int i = 0; i < kRounds; ++i) {
    ping.set();
    ASSERT_TRUE(pong.wait(10s));
    pong.clear();
  }
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}
