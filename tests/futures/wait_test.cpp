// concur::futures::wait and as_completed.
#include <gtest/gtest.h>

#include <chrono>
#include <concur/futures.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace cf = concur::futures;

namespace {
std::vector<cf::Future<int>> sleepy(cf::ThreadPoolExecutor& pool, std::vector<int> ms) {
  std::vector<cf::Future<int>> fs;
  for (int m : ms) {
    fs.push_back(pool.submit([m] {
      std::this_thread::sleep_for(std::chrono::milliseconds(m));
      return m;
    }));
  }
  return fs;
}
}  // namespace

TEST(Wait, AllCompleted) {
  cf::ThreadPoolExecutor pool(4);
  auto fs = sleepy(pool, {30, 10, 20});
  auto [done, not_done] = cf::wait(fs);
  EXPECT_EQ(done.size(), 3U);
  EXPECT_TRUE(not_done.empty());
}

TEST(Wait, FirstCompleted) {
  cf::ThreadPoolExecutor pool(4);
  auto fs = sleepy(pool, {500, 10, 500});
  auto [done, not_done] = cf::wait(fs, 5s, cf::FIRST_COMPLETED);
  ASSERT_GE(done.size(), 1U);
  EXPECT_EQ(done[0].result(), 10);
  EXPECT_EQ(done.size() + not_done.size(), 3U);
}

TEST(Wait, FirstException) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs = sleepy(pool, {400});
  fs.push_back(pool.submit([]() -> int { throw std::runtime_error("x"); }));
  auto [done, not_done] = cf::wait(fs, 5s, cf::FIRST_EXCEPTION);
  ASSERT_EQ(done.size(), 1U);
  EXPECT_NE(done[0].exception(), nullptr);
  EXPECT_EQ(not_done.size(), 1U);
}

TEST(Wait, TimeoutReturnsNotDoneWithoutThrowing) {
  cf::Future<int> never;
  cf::Future<int> ready;
  ready.set_result(1);
  const auto t0 = std::chrono::steady_clock::now();
  auto [done, not_done] = cf::wait(std::vector{never, ready}, 50ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 45ms);
  EXPECT_EQ(done.size(), 1U);
  ASSERT_EQ(not_done.size(), 1U);
  EXPECT_TRUE(not_done[0] == never);
}

TEST(Wait, CancelledCountsAsDone) {
  cf::Future<int> f;
  f.cancel();
  auto [done, not_done] = cf::wait(std::vector{f}, 1s);
  EXPECT_EQ(done.size(), 1U);
}

TEST(AsCompleted, YieldsInCompletionOrder) {
  cf::ThreadPoolExecutor pool(4);
  auto fs = sleepy(pool, {150, 10, 80});
  std::vector<int> order;
  for (const auto& f : cf::as_completed(fs, 5s)) order.push_back(f.result());
  EXPECT_EQ(order, (std::vector<int>{10, 80, 150}));
}

TEST(AsCompleted, DuplicatesYieldedOnce) {
  cf::Future<int> f;
  f.set_result(1);
  int n = 0;
  for (const auto& g : cf::as_completed(std::vector{f, f, f})) n += g.result();
  EXPECT_EQ(n, 1);
}

TEST(AsCompleted, TimeoutNamesUnfinishedCount) {
  cf::Future<int> ready;
  ready.set_result(1);
  cf::Future<int> never;
  int seen = 0;
  try {
    for (const auto& f : cf::as_completed(std::vector{ready, never}, 50ms)) seen += f.result();
    FAIL() << "expected TimeoutError";
  } catch (const concur::TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "1 (of 2) futures unfinished");
  }
  EXPECT_EQ(seen, 1);
}

TEST(AsCompleted, StressTenThousandFutures) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<cf::Future<int>> fs;
  for (int i = 0; i < 10000; ++i) fs.push_back(pool.submit([i] { return i; }));
  std::set<int> seen;
  for (const auto& f : cf::as_completed(fs, 30s)) seen.insert(f.result());
  EXPECT_EQ(seen.size(), 10000U);
  auto [done, not_done] = cf::wait(fs, 30s);
  EXPECT_EQ(done.size(), 10000U);
}
