// ThreadPoolExecutor: submit, lazy workers, names, initializer, map, shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace cf = concur::futures;

TEST(ThreadPoolExecutor, SubmitCopiesArgumentsAndReturnsResult) {
  cf::ThreadPoolExecutor pool(2);
  std::string s = "abc";
  auto f = pool.submit([](std::string x, int n) { return x + std::to_string(n); }, s, 7);
  s = "changed";
  EXPECT_EQ(f.result(), "abc7");
}

TEST(ThreadPoolExecutor, ExceptionTravelsToResult) {
  cf::ThreadPoolExecutor pool(2);
  auto f = pool.submit([]() -> int { throw std::invalid_argument("bad"); });
  EXPECT_THROW(f.result(), std::invalid_argument);
}

TEST(ThreadPoolExecutor, ZeroWorkersIsValueError) {
  EXPECT_THROW(cf::ThreadPoolExecutor(0), concur::ValueError);
}

TEST(ThreadPoolExecutor, DefaultMaxWorkers) {
  cf::ThreadPoolExecutor pool;
  const std::size_t cpus = std::max(1U, std::thread::hardware_concurrency());
  EXPECT_EQ(pool.max_workers(), std::min<std::size_t>(32, cpus + 4));
}

TEST(ThreadPoolExecutor, WorkersStartLazily) {
  cf::ThreadPoolExecutor pool(4);
  EXPECT_EQ(pool.worker_count(), 0U);
  pool.submit([] {}).result();
  std::this_thread::sleep_for(20ms);  // let the worker go idle
  pool.submit([] {}).result();
  EXPECT_EQ(pool.worker_count(), 1U);
}

TEST(ThreadPoolExecutor, ThreadNamesUsePrefix) {
  cf::ThreadPoolExecutor pool(2, "crawler");
  const std::string name =
      pool.submit([] { return concur::threading::current_thread().name(); }).result();
  EXPECT_EQ(name.rfind("crawler_", 0), 0U) << name;
}

TEST(ThreadPoolExecutor, FailingInitializerBreaksThePool) {
  testing::internal::CaptureStderr();
  cf::ThreadPoolExecutor pool(1, "", [] { throw std::runtime_error("init failed"); });
  auto f = pool.submit([] { return 1; });
  EXPECT_THROW(f.result(5s), cf::BrokenThreadPool);
  EXPECT_THROW(pool.submit([] { return 2; }), cf::BrokenThreadPool);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("init failed"), std::string::npos) << err;
}

TEST(ThreadPoolExecutor, SubmitAfterShutdownIsRuntimeError) {
  cf::ThreadPoolExecutor pool(2);
  pool.shutdown();
  EXPECT_THROW(pool.submit([] {}), concur::RuntimeError);
}

TEST(ThreadPoolExecutor, ShutdownWaitsForQueuedWork) {
  std::atomic<int> done{0};
  {
    cf::ThreadPoolExecutor pool(2);
    for (int i = 0; i < 20; ++i) {
      pool.submit([&] {
        std::this_thread::sleep_for(2ms);
        ++done;
      });
    }
    pool.shutdown(true);
    EXPECT_EQ(done, 20);
  }
}

TEST(ThreadPoolExecutor, ShutdownWithoutWaitStillCompletesTasks) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<cf::Future<int>> fs;
  for (int i = 0; i < 10; ++i) {
    fs.push_back(pool.submit([i] {
      std::this_thread::sleep_for(5ms);
      return i;
    }));
  }
  const auto t0 = std::chrono::steady_clock::now();
  pool.shutdown(false);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 40ms);
  int sum = 0;
  for (auto& f : fs) sum += f.result(5s);
  EXPECT_EQ(sum, 45);
}

TEST(ThreadPoolExecutor, ShutdownCancelFuturesCancelsQueuedOnly) {
  cf::ThreadPoolExecutor pool(1);
  concur::threading::Event started, release;
  auto running = pool.submit([&] {
    started.set();
    release.wait();
    return 1;
  });
  ASSERT_TRUE(started.wait(5s));
  std::vector<cf::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([] { return 2; }));
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    release.set();
  });
  pool.shutdown(true, true);
  t.join();
  EXPECT_EQ(running.result(), 1);
  for (auto& f : queued) EXPECT_TRUE(f.cancelled());
}

TEST(ThreadPoolExecutor, ShutdownFromInsideATaskDoesNotDeadlock) {
  cf::ThreadPoolExecutor pool(2);
  auto f = pool.submit([&pool] {
    pool.shutdown(true);
    return 3;
  });
  EXPECT_EQ(f.result(5s), 3);
}

TEST(ThreadPoolExecutor, MapKeepsInputOrderAndZipsToShortest) {
  cf::ThreadPoolExecutor pool(4);
  std::vector<int> a{1, 2, 3, 4};
  std::vector<int> b{10, 20, 30};
  auto out = pool.map([](int x, int y) { return x + y; }, a, b).to_vector();
  EXPECT_EQ(out, (std::vector<int>{11, 22, 33}));
}

TEST(ThreadPoolExecutor, MapRethrowsAtTheFailingItem) {
  cf::ThreadPoolExecutor pool(2);
  std::vector<int> in{1, 2, 3};
  auto results = pool.map(
      [](int x) {
        if (x == 2) throw std::runtime_error("two");
        return x;
      },
      in);
  auto it = results.begin();
  EXPECT_EQ(*it, 1);
  ++it;
  EXPECT_THROW((void)*it, std::runtime_error);
}

TEST(ThreadPoolExecutor, MapTimeout) {
  cf::ThreadPoolExecutor pool(1);
  std::vector<int> in{1, 2};
  auto results = pool.map(
      [](int x) {
        std::this_thread::sleep_for(300ms);
        return x;
      },
      in, 50ms);
  EXPECT_THROW((void)*results.begin(), concur::TimeoutError);
}

TEST(ThreadPoolExecutor, CancelRacesStartExactlyOneWins) {
  cf::ThreadPoolExecutor pool(2);
  const int rounds = 3000;
  for (int i = 0; i < rounds; ++i) {
    std::atomic<bool> ran{false};
    auto f = pool.submit([&ran] { ran = true; });
    const bool cancelled = f.cancel();
    f.wait();
    if (cancelled) {
      // A cancelled call never runs, so `ran` (which outlives nothing) stays untouched.
      EXPECT_TRUE(f.cancelled());
      EXPECT_THROW(f.result(), concur::CancelledError);
      EXPECT_FALSE(ran);
    } else {
      f.result();
      EXPECT_TRUE(ran);
    }
  }
  pool.shutdown();
}
