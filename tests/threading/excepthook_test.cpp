// Tests for threading::excepthook (Python: threading.excepthook / ExceptHookArgs).
#include <gtest/gtest.h>

#include <atomic>
#include <concur/concur.hpp>
#include <mutex>
#include <stdexcept>
#include <string>

namespace th = concur::threading;

namespace {
// Restores the default hook when a test ends.
struct HookGuard {
  HookGuard() = default;
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
  ~HookGuard() { th::set_excepthook(nullptr); }
};
}  // namespace

TEST(Excepthook, DefaultPrintsToStderr) {
  HookGuard guard;
  th::set_excepthook(nullptr);
  testing::internal::CaptureStderr();
  th::Thread t({.name = "boomer"}, [] { throw std::runtime_error("msg"); });
  t.start();
  t.join();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Exception in thread boomer:"), std::string::npos) << err;
  EXPECT_NE(err.find("std::runtime_error: msg"), std::string::npos) << err;
  EXPECT_FALSE(t.is_alive());
}

TEST(Excepthook, DefaultHandlesConcurErrorsAndNonStd) {
  HookGuard guard;
  testing::internal::CaptureStderr();
  th::Thread a({.name = "ve"}, [] { throw concur::ValueError("bad value"); });
  a.start();
  a.join();
  th::Thread b({.name = "intthrower"}, [] { throw 42; });
  b.start();
  b.join();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Exception in thread ve:"), std::string::npos) << err;
  EXPECT_NE(err.find("ValueError"), std::string::npos) << err;
  EXPECT_NE(err.find("bad value"), std::string::npos) << err;
  EXPECT_NE(err.find("Exception in thread intthrower:"), std::string::npos) << err;
}

TEST(Excepthook, DefaultExcepthookCallableDirectly) {
  th::ExceptHookArgs args;
  args.exc_value = std::make_exception_ptr(std::runtime_error("direct"));
  args.exc_type = "std::runtime_error";
  args.message = "direct";
  args.thread = th::current_thread();
  testing::internal::CaptureStderr();
  th::default_excepthook(args);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Exception in thread MainThread:"), std::string::npos) << err;
  EXPECT_NE(err.find("std::runtime_error: direct"), std::string::npos) << err;
}

TEST(Excepthook, SetReplacesAndReturnsPrevious) {
  HookGuard guard;
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  th::set_excepthook([&](const th::ExceptHookArgs&) { first.fetch_add(1); });
  th::ExceptHook prev = th::set_excepthook([&](const th::ExceptHookArgs&) { second.fetch_add(1); });
  ASSERT_TRUE(static_cast<bool>(prev));
  th::Thread t([] { throw std::runtime_error("x"); });
  t.start();
  t.join();
  EXPECT_EQ(first.load(), 0);
  EXPECT_EQ(second.load(), 1);
  // Re-install the returned previous hook: it is the first one.
  th::set_excepthook(prev);
  th::Thread u([] { throw std::runtime_error("y"); });
  u.start();
  u.join();
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(second.load(), 1);
}

TEST(Excepthook, NullptrRestoresDefault) {
  HookGuard guard;
  std::atomic<int> calls{0};
  th::set_excepthook([&](const th::ExceptHookArgs&) { calls.fetch_add(1); });
  th::set_excepthook(nullptr);
  testing::internal::CaptureStderr();
  th::Thread t({.name = "restored"}, [] { throw std::runtime_error("z"); });
  t.start();
  t.join();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_NE(err.find("Exception in thread restored:"), std::string::npos) << err;
}

TEST(Excepthook, ArgsFields) {
  HookGuard guard;
  std::mutex m;
  std::string type;
  std::string message;
  std::string thread_name;
  bool thread_matches = false;
  bool rethrown_ok = false;
  th::ThreadRef* target = nullptr;
  th::Thread t({.name = "fields"}, [] { throw std::invalid_argument("the message"); });
  target = &t;
  th::set_excepthook([&](const th::ExceptHookArgs& a) {
    std::lock_guard g(m);
    type = a.exc_type;
    message = a.message;
    thread_name = a.thread.name();
    thread_matches = a.thread == *target && a.thread == th::current_thread();
    try {
      std::rethrow_exception(a.exc_value);
    } catch (const std::invalid_argument& e) {
      rethrown_ok = std::string(e.what()) == "the message";
    } catch (...) {
    }
  });
  t.start();
  t.join();
  std::lock_guard g(m);
  EXPECT_EQ(type, "std::invalid_argument");
  EXPECT_EQ(message, "the message");
  EXPECT_EQ(thread_name, "fields");
  EXPECT_TRUE(thread_matches);
  EXPECT_TRUE(rethrown_ok);
}

TEST(Excepthook, NonStdExceptionHasEmptyMessage) {
  HookGuard guard;
  std::string message = "unset";
  bool has_value = false;
  th::set_excepthook([&](const th::ExceptHookArgs& a) {
    message = a.message;
    has_value = static_cast<bool>(a.exc_value);
  });
  th::Thread t([] { throw 7; });
  t.start();
  t.join();
  EXPECT_EQ(message, "");
  EXPECT_TRUE(has_value);
}

TEST(Excepthook, ThrowingHookDoesNotCrash) {
  HookGuard guard;
  th::set_excepthook([](const th::ExceptHookArgs&) { throw std::logic_error("hook failed"); });
  testing::internal::CaptureStderr();
  th::Thread t([] { throw std::runtime_error("inner"); });
  t.start();
  t.join();
  (void)testing::internal::GetCapturedStderr();
  EXPECT_FALSE(t.is_alive());
  // The process still works afterwards.
  std::atomic<bool> ran{false};
  th::Thread u([&] { ran = true; });
  u.start();
  u.join();
  EXPECT_TRUE(ran.load());
}

TEST(Excepthook, NoHookCallWithoutException) {
  HookGuard guard;
  std::atomic<int> calls{0};
  th::set_excepthook([&](const th::ExceptHookArgs&) { calls.fetch_add(1); });
  th::Thread t([] {});
  t.start();
  t.join();
  EXPECT_EQ(calls.load(), 0);
}
