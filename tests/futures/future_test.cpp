// concur::futures::Future<T>: result/exception/timeout/cancel/set_*/callbacks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concur/futures.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace cf = concur::futures;

TEST(Future, SetResultThenResult) {
  cf::Future<int> f;
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.running());
  f.set_result(42);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), 42);
  EXPECT_EQ(f.exception(), nullptr);
}

TEST(Future, VoidFuture) {
  cf::Future<void> f;
  f.set_result();
  EXPECT_NO_THROW(f.result());
}

TEST(Future, SecondSetIsInvalidState) {
  cf::Future<int> f;
  f.set_result(1);
  EXPECT_THROW(f.set_result(2), cf::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
               cf::InvalidStateError);
  EXPECT_EQ(f.result(), 1);
}

TEST(Future, ExceptionRethrownWithItsType) {
  cf::Future<int> f;
  f.set_exception(std::make_exception_ptr(std::out_of_range("boom")));
  EXPECT_THROW(f.result(), std::out_of_range);
  EXPECT_NE(f.exception(), nullptr);
}

TEST(Future, ResultTimesOut) {
  cf::Future<int> f;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(f.result(50ms), concur::TimeoutError);
  EXPECT_THROW(f.exception(10ms), concur::TimeoutError);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 45ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_FALSE(f.wait(1ms));
}

TEST(Future, ResultWaitsForAnotherThread) {
  cf::Future<int> f;
  std::thread t([f] {
    std::this_thread::sleep_for(20ms);
    f.set_result(7);
  });
  EXPECT_EQ(f.result(), 7);
  t.join();
}

TEST(Future, CancelPendingThenResultThrowsCancelled) {
  cf::Future<int> f;
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.cancel());  // already cancelled: still true
  EXPECT_THROW(f.result(), concur::CancelledError);
  EXPECT_THROW(f.exception(), concur::CancelledError);
  EXPECT_FALSE(f.set_running_or_notify_cancel());
}

TEST(Future, CannotCancelRunningOrFinished) {
  cf::Future<int> running;
  EXPECT_TRUE(running.set_running_or_notify_cancel());
  EXPECT_TRUE(running.running());
  EXPECT_FALSE(running.cancel());
  running.set_result(1);
  EXPECT_FALSE(running.cancel());
  EXPECT_FALSE(running.cancelled());
}

TEST(Future, CopiesShareState) {
  cf::Future<int> a;
  cf::Future<int> b = a;
  EXPECT_TRUE(a == b);
  b.set_result(3);
  EXPECT_EQ(a.result(), 3);
  EXPECT_FALSE(a == cf::Future<int>());
}

TEST(FutureCallbacks, RunOnCompletionAndAtOnceWhenDone) {
  cf::Future<int> f;
  std::atomic<int> calls{0};
  f.add_done_callback([&](cf::Future<int> done) { calls += done.result(); });
  EXPECT_EQ(calls, 0);
  f.set_result(5);
  EXPECT_EQ(calls, 5);
  f.add_done_callback([&](const cf::Future<int>& done) { calls += done.result(); });
  EXPECT_EQ(calls, 10);
}

TEST(FutureCallbacks, RunOnCancel) {
  cf::Future<int> f;
  bool saw_cancel = false;
  f.add_done_callback([&](cf::Future<int> done) { saw_cancel = done.cancelled(); });
  f.cancel();
  EXPECT_TRUE(saw_cancel);
}

TEST(FutureCallbacks, ThrowingCallbackIsReportedAndOthersStillRun) {
  cf::Future<int> f;
  int later = 0;
  f.add_done_callback([](cf::Future<int>) { throw std::runtime_error("callback broke"); });
  f.add_done_callback([&](cf::Future<int>) { later = 1; });
  testing::internal::CaptureStderr();
  f.set_result(1);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(later, 1);
  EXPECT_NE(err.find("exception calling callback for future"), std::string::npos) << err;
  EXPECT_NE(err.find("callback broke"), std::string::npos) << err;
}

TEST(FutureCallbacks, StressEachCallbackRunsExactlyOnce) {
  for (int round = 0; round < 200; ++round) {
    cf::Future<int> f;
    std::atomic<int> calls{0};
    std::vector<std::thread> adders;
    for (int t = 0; t < 4; ++t) {
      adders.emplace_back([&] {
        for (int i = 0; i < 25; ++i) f.add_done_callback([&](cf::Future<int>) { ++calls; });
      });
    }
    std::thread completer([&] { f.set_result(round); });
    for (auto& t : adders) t.join();
    completer.join();
    EXPECT_EQ(calls, 100) << "round " << round;
  }
}
