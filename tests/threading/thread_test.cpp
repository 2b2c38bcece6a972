// Tests for concur::threading::Thread and the module-level thread functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/test_helpers.hpp"

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {

using concur_test::kScale;

struct Counted {
  static inline std::atomic<int> copies{0};
  Counted() = default;
  Counted(const Counted&) { copies.fetch_add(1); }
  Counted& operator=(const Counted&) = default;
};

}  // namespace

TEST(Thread, RunsCallableWithCopiedArgs) {
  int value = 1;
  std::string text = "abc";
  std::atomic<int> seen_int{0};
  std::string seen_text;
  th::Thread t(
      [&](int v, std::string s) {
        seen_int = v;
        seen_text = s;
      },
      value, text);
  value = 99;
  text = "changed";
  t.start();
  t.join();
  EXPECT_EQ(seen_int.load(), 1);
  EXPECT_EQ(seen_text, "abc");
}

TEST(Thread, StdRefSharesArgument) {
  int value = 0;
  th::Thread t([](int& v) { v = 42; }, std::ref(value));
  t.start();
  t.join();
  EXPECT_EQ(value, 42);
}

TEST(Thread, ArgumentIsCopiedNotReferenced) {
  Counted c;
  Counted::copies = 0;
  th::Thread t([](const Counted&) {}, c);
  EXPECT_GE(Counted::copies.load(), 1);
  t.start();
  t.join();
}

namespace {
struct MyThread : th::Thread {
  using th::Thread::Thread;
  std::atomic<int> ran{0};
  void run() override { ran = 7; }
};
}  // namespace

TEST(Thread, SubclassRun) {
  MyThread t;
  t.start();
  t.join();
  EXPECT_EQ(t.ran.load(), 7);
}

TEST(Thread, StartTwiceThrows) {
  th::Thread t([] {});
  t.start();
  EXPECT_THROW(t.start(), concur::RuntimeError);
  t.join();
  EXPECT_THROW(t.start(), concur::RuntimeError);
}

TEST(Thread, JoinTimeout) {
  th::Event go;
  th::Thread t([&] { go.wait(); });
  t.start();
  EXPECT_TRUE(t.is_alive());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(t.join(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 45ms);
  EXPECT_TRUE(t.is_alive());
  go.set();
  EXPECT_TRUE(t.join(5s));
  EXPECT_FALSE(t.is_alive());
  EXPECT_TRUE(t.join());
  EXPECT_TRUE(t.join(0ms));
}

TEST(Thread, JoinBeforeStartThrows) {
  th::Thread t([] {});
  EXPECT_FALSE(t.is_alive());
  EXPECT_THROW(t.join(), concur::RuntimeError);
  t.start();
  t.join();
}

TEST(Thread, JoinSelfThrows) {
  std::atomic<int> result{0};
  th::Thread t([&] {
    try {
      th::current_thread().join();
      result = 1;
    } catch (const concur::RuntimeError&) {
      result = 2;
    }
  });
  t.start();
  t.join();
  EXPECT_EQ(result.load(), 2);
}

TEST(Thread, JoinMainFromMainThrows) {
  EXPECT_THROW(th::main_thread().join(), concur::RuntimeError);
}

TEST(Thread, IsAliveLifecycle) {
  th::Event go;
  th::Thread t([&] { go.wait(); });
  EXPECT_FALSE(t.is_alive());
  t.start();
  EXPECT_TRUE(t.is_alive());
  go.set();
  t.join();
  EXPECT_FALSE(t.is_alive());
}

TEST(Thread, DefaultNameIsThreadN) {
  th::Thread a([] {});
  th::Thread b([] {});
  const std::string na = a.name();
  const std::string nb = b.name();
  ASSERT_EQ(na.rfind("Thread-", 0), 0U) << na;
  ASSERT_EQ(nb.rfind("Thread-", 0), 0U) << nb;
  EXPECT_NE(na, nb);
  const int ia = std::stoi(na.substr(7));
  const int ib = std::stoi(nb.substr(7));
  EXPECT_EQ(ib, ia + 1);
}

TEST(Thread, OptionsNameAndDaemon) {
  th::Thread t({.name = "worker", .daemon = true}, [] {});
  EXPECT_EQ(t.name(), "worker");
  EXPECT_TRUE(t.daemon());
  t.set_name("renamed");
  EXPECT_EQ(t.name(), "renamed");
  th::Thread u({.name = "nd", .daemon = false}, [] {});
  EXPECT_FALSE(u.daemon());
  t.start();
  t.join();
}

TEST(Thread, DaemonInheritedFromMainIsFalse) {
  th::Thread t([] {});
  EXPECT_FALSE(t.daemon());
}

TEST(Thread, DaemonInheritedFromDaemonCreator) {
  std::atomic<int> inherited{-1};
  th::Thread outer({.name = "", .daemon = true}, [&] {
    th::Thread inner([] {});
    inherited = inner.daemon() ? 1 : 0;
  });
  outer.start();
  outer.join();
  EXPECT_EQ(inherited.load(), 1);
}

TEST(Thread, SetDaemonAfterStartThrows) {
  th::Event go;
  th::Thread t([&] { go.wait(); });
  t.set_daemon(true);
  EXPECT_TRUE(t.daemon());
  t.set_daemon(false);
  t.start();
  EXPECT_THROW(t.set_daemon(true), concur::RuntimeError);
  go.set();
  t.join();
}

TEST(Thread, IdentBeforeAndAfterStart) {
  std::atomic<std::uint64_t> inner_ident{0};
  std::atomic<pid_t> inner_native{0};
  th::Thread t([&] {
    inner_ident = th::get_ident();
    inner_native = th::get_native_id();
  });
  EXPECT_FALSE(t.ident().has_value());
  EXPECT_FALSE(t.native_id().has_value());
  t.start();
  t.join();
  ASSERT_TRUE(t.ident().has_value());
  ASSERT_TRUE(t.native_id().has_value());
  EXPECT_NE(*t.ident(), 0U);
  EXPECT_EQ(*t.ident(), inner_ident.load());
  EXPECT_EQ(*t.native_id(), inner_native.load());
  EXPECT_NE(*t.ident(), th::get_ident());
}

TEST(Thread, CurrentThreadInsideIsTheThread) {
  th::ThreadRef seen;
  std::string name;
  th::Thread t({.name = "me"}, [&] {
    seen = th::current_thread();
    name = th::current_thread().name();
  });
  t.start();
  t.join();
  EXPECT_TRUE(seen == t);
  EXPECT_EQ(name, "me");
}

TEST(Thread, MainThread) {
  EXPECT_EQ(th::main_thread().name(), "MainThread");
  EXPECT_TRUE(th::current_thread() == th::main_thread());
  EXPECT_TRUE(th::main_thread().is_alive());
  EXPECT_FALSE(th::main_thread().daemon());
  ASSERT_TRUE(th::main_thread().ident().has_value());
  EXPECT_EQ(*th::main_thread().ident(), th::get_ident());
}

TEST(Thread, MainThreadFromWorker) {
  bool same = false;
  th::Thread t([&] { same = th::main_thread() == th::current_thread(); });
  t.start();
  t.join();
  EXPECT_FALSE(same);
}

TEST(Thread, EnumerateAndActiveCount) {
  const std::size_t before = th::active_count();
  th::Event go;
  th::Thread a({.name = "enum-a"}, [&] { go.wait(); });
  th::Thread b({.name = "enum-b"}, [&] { go.wait(); });
  th::Thread c({.name = "enum-c"}, [&] { go.wait(); });
  a.start();
  b.start();
  c.start();
  const auto all = th::enumerate();
  EXPECT_EQ(th::active_count(), before + 3);
  EXPECT_EQ(all.size(), th::active_count());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().name(), "MainThread");
  std::vector<std::string> ours;
  for (const auto& r : all) {
    const std::string n = r.name();
    if (n.rfind("enum-", 0) == 0) ours.push_back(n);
  }
  EXPECT_EQ(ours, (std::vector<std::string>{"enum-a", "enum-b", "enum-c"}));
  go.set();
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(th::active_count(), before);
  for (const auto& r : th::enumerate()) EXPECT_NE(r.name().rfind("enum-", 0), 0U);
}

TEST(Thread, StackSize) {
  EXPECT_THROW(th::stack_size(16 * 1024), concur::ValueError);
  EXPECT_THROW(th::stack_size(32 * 1024 - 1), concur::ValueError);
  const std::size_t old = th::stack_size(256 * 1024);
  EXPECT_EQ(th::stack_size(), 256U * 1024);
  std::atomic<bool> ran{false};
  th::Thread t([&] { ran = true; });
  t.start();
  t.join();
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(th::stack_size(0), 256U * 1024);
  EXPECT_EQ(th::stack_size(), 0U);
  th::stack_size(old);
}

TEST(Thread, OptionsStackSize) {
  std::atomic<bool> ran{false};
  th::Thread t({.name = "big", .daemon = false, .stack_size = 1024 * 1024}, [&] { ran = true; });
  t.start();
  t.join();
  EXPECT_TRUE(ran.load());
}

TEST(Thread, VectorOfThreads) {
  std::atomic<int> sum{0};
  std::vector<th::Thread> v;
  for (int i = 1; i <= 10; ++i) v.emplace_back([&sum](int k) { sum += k; }, i);
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_EQ(sum.load(), 55);
}

TEST(Thread, MoveStartedThread) {
  th::Event go;
  th::Thread a([&] { go.wait(); });
  a.start();
  th::Thread b(std::move(a));
  EXPECT_TRUE(b.is_alive());
  go.set();
  EXPECT_TRUE(b.join(5s));
}

TEST(Thread, ForeignThreadIsDummy) {
  std::string name;
  bool daemon = false;
  bool alive = false;
  std::thread t([&] {
    name = th::current_thread().name();
    daemon = th::current_thread().daemon();
    alive = th::current_thread().is_alive();
  });
  t.join();
  EXPECT_EQ(name.rfind("Dummy-", 0), 0U) << name;
  EXPECT_TRUE(daemon);
  EXPECT_TRUE(alive);
}

TEST(Thread, ExceptionInThreadDoesNotEndProcess) {
  auto prev = th::set_excepthook([](const th::ExceptHookArgs&) {});
  th::Thread t([] { throw std::runtime_error("boom"); });
  t.start();
  t.join();
  EXPECT_FALSE(t.is_alive());
  th::set_excepthook(prev);
}

TEST(ThreadStress, ManyThreadsStartedAndJoined) {
  const int n = 300 / kScale;
  std::atomic<int> count{0};
  std::vector<th::Thread> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v.emplace_back([&] { count.fetch_add(1); });
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_EQ(count.load(), n);
  for (auto& t : v) EXPECT_FALSE(t.is_alive());
}

TEST(ThreadStress, StartJoinChurn) {
  const int rounds = 300 / kScale;
  std::atomic<int> count{0};
  for (int i = 0; i < rounds; ++i) {
    th::Thread t([&] { count.fetch_add(1); });
    t.start();
    ASSERT_TRUE(t.join(10s));
  }
  EXPECT_EQ(count.load(), rounds);
}
