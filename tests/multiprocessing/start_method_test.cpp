// Start methods: spawn and forkserver run CONCUR_TASK functions (arguments through codecs,
// exit codes, errors, identity, terminate/kill), refuse what they cannot run, forkserver is
// safe in a busy multi-threaded program, and kill tests (the fork server SIGKILLed while idle
// and while its children run).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "concur/multiprocessing/context.hpp"
#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;

namespace start_method_tasks {

void write_file(std::string path, std::vector<std::string> lines) {
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
}

void exit_with(int code) {
  mp::exit(code);
}

void fail_with(std::string message) {
  throw std::runtime_error(message);
}

void report_identity(std::string path) {
  std::ofstream out(path);
  const auto parent = mp::parent_process();
  out << mp::current_process().name << "\n"
      << (parent ? parent->pid : -1) << "\n"
      << ::getppid() << "\n";
}

void sleep_seconds(int seconds) {
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
}

int not_registered(int x) {
  return x;
}

}  // namespace start_method_tasks

CONCUR_TASK(start_method_tasks::write_file);
CONCUR_TASK(start_method_tasks::exit_with);
CONCUR_TASK(start_method_tasks::fail_with);
CONCUR_TASK(start_method_tasks::report_identity);
CONCUR_TASK(start_method_tasks::sleep_seconds);

namespace {

namespace tasks = start_method_tasks;

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string temp_path(const std::string& tag) {
  return testing::TempDir() + "concur-start-" + tag + "-" + std::to_string(::getpid());
}

class StartMethodTest : public concur_test::LeakCheckedTest,
                        public testing::WithParamInterface<const char*> {
 protected:
  void TearDown() override {
    mp::detail::stop_forkserver();  // it is a child of the test process
    LeakCheckedTest::TearDown();
  }
  [[nodiscard]] mp::Context ctx() const { return mp::get_context(GetParam()); }
};

}  // namespace

TEST_P(StartMethodTest, RunsARegisteredFunctionWithItsArguments) {
  const std::string path = temp_path("args");
  mp::Process p = ctx().Process(tasks::write_file, path, std::vector<std::string>{"a", "b c"});
  p.start();
  EXPECT_TRUE(p.join(20s));
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{"a", "b c"}));
  std::remove(path.c_str());
}

TEST_P(StartMethodTest, ExitCodesAndErrors) {
  mp::Process ok = ctx().Process(tasks::exit_with, 0);
  mp::Process seven = ctx().Process(tasks::exit_with, 7);
  mp::Process failing(mp::ProcessOptions{.name = "failing", .start_method = GetParam()},
                      tasks::fail_with, std::string("disk on fire"));
  testing::internal::CaptureStderr();
  ok.start();
  seven.start();
  failing.start();
  ok.join();
  seven.join();
  failing.join();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(ok.exitcode(), 0);
  EXPECT_EQ(seven.exitcode(), 7);
  EXPECT_EQ(failing.exitcode(), 1);
  EXPECT_NE(err.find("Process failing:"), std::string::npos) << err;
  EXPECT_NE(err.find("disk on fire"), std::string::npos) << err;
}

TEST_P(StartMethodTest, ChildKnowsItsNameAndItsParent) {
  const std::string path = temp_path("identity");
  mp::Process p(mp::ProcessOptions{.name = "reporter", .start_method = GetParam()},
                tasks::report_identity, path);
  p.start();
  p.join();
  ASSERT_EQ(p.exitcode(), 0);
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "reporter");
  EXPECT_EQ(lines[1], std::to_string(::getpid()));
  EXPECT_EQ(lines[2], std::to_string(::getpid()));  // forkserver children are re-parented
  std::remove(path.c_str());
}

TEST_P(StartMethodTest, JoinTimeoutTerminateKillAndActiveChildren) {
  mp::Process a = ctx().Process(tasks::sleep_seconds, 60);
  mp::Process b = ctx().Process(tasks::sleep_seconds, 60);
  a.start();
  b.start();
  EXPECT_FALSE(a.join(50ms));
  EXPECT_TRUE(a.is_alive());
  EXPECT_EQ(mp::active_children().size(), 2U);
  a.terminate();
  b.kill();
  EXPECT_TRUE(a.join(10s));
  EXPECT_TRUE(b.join(10s));
  EXPECT_EQ(a.exitcode(), -SIGTERM);
  EXPECT_EQ(b.exitcode(), -SIGKILL);
  EXPECT_TRUE(mp::active_children().empty());
}

TEST_P(StartMethodTest, RefusesWhatItCannotRun) {
  int captured = 3;
  mp::Process lambda = ctx().Process([captured] { (void)captured; });
  EXPECT_THROW(lambda.start(), concur::ValueError);
  mp::Process unregistered = ctx().Process(tasks::not_registered, 1);
  EXPECT_THROW(unregistered.start(), concur::ValueError);
  EXPECT_FALSE(unregistered.is_alive());
}

TEST_P(StartMethodTest, ManyChildrenFromManyThreadsInABusyProgram) {
  // Threads hold locks and allocate while others start children: forkserver and spawn never
  // copy this process, so no child can inherit a lock held by another thread.
  std::atomic<bool> stop{false};
  std::mutex busy_lock;
  std::vector<std::thread> noise;
  for (int i = 0; i < 4; ++i) {
    noise.emplace_back([&] {
      while (!stop) {
        std::lock_guard g(busy_lock);
        std::vector<std::string> garbage(64, std::string(100, 'x'));
      }
    });
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> starters;
  for (int t = 0; t < 4; ++t) {
    starters.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        mp::Process p = ctx().Process(tasks::exit_with, 0);
        p.start();
        p.join();
        if (p.exitcode() == 0) ++ok;
      }
      (void)t;
    });
  }
  for (auto& s : starters) s.join();
  stop = true;
  for (auto& n : noise) n.join();
  EXPECT_EQ(ok.load(), 20);
}

INSTANTIATE_TEST_SUITE_P(FreshProcesses, StartMethodTest, testing::Values("spawn", "forkserver"),
                         [](const auto& info) { return std::string(info.param); });

// ------------------------------------------------------------------ start-method selection

namespace {
class StartMethodSelection : public concur_test::LeakCheckedTest {};
class ForkserverKill : public concur_test::LeakCheckedTest {};
}  // namespace

TEST_F(StartMethodSelection, DefaultsNamesAndErrors) {
  EXPECT_EQ(mp::get_start_method(), "fork");
  EXPECT_EQ(mp::get_all_start_methods(), (std::vector<std::string>{"fork", "spawn", "forkserver"}));
  EXPECT_THROW(mp::get_context("threads"), concur::ValueError);
  EXPECT_THROW(mp::Process(mp::ProcessOptions{.start_method = "vfork"}), concur::ValueError);
  EXPECT_EQ(mp::get_context().get_start_method(), "fork");
  EXPECT_EQ(mp::get_context("spawn").get_start_method(), "spawn");
}

TEST_F(StartMethodSelection, SetStartMethodOnceUnlessForced) {
  const pid_t pid = concur_test::fork_child([] {
    if (mp::get_start_method(true).has_value()) return 2;
    mp::set_start_method("spawn");
    try {
      mp::set_start_method("fork");
      return 3;
    } catch (const concur::RuntimeError&) {
    }
    mp::set_start_method("forkserver", true);
    if (mp::get_start_method() != "forkserver") return 4;
    // The default now applies to a Process made without a context.
    mp::Process p(start_method_tasks::exit_with, 5);
    p.start();
    p.join();
    mp::detail::stop_forkserver();
    return p.exitcode() == 5 ? 0 : 6;
  });
  EXPECT_EQ(concur_test::wait_child(pid), 0);
}

// ------------------------------------------------------------------ kill tests

TEST_F(ForkserverKill, ServerKilledWhileIdleIsRestartedOnNextStart) {
  auto ctx = mp::get_context("forkserver");
  mp::Process first = ctx.Process(start_method_tasks::exit_with, 0);
  first.start();
  first.join();
  const pid_t server = mp::detail::forkserver_pid();
  ASSERT_GT(server, 0);
  ::kill(server, SIGKILL);
  std::this_thread::sleep_for(20ms);
  mp::Process second = ctx.Process(start_method_tasks::exit_with, 4);
  second.start();
  second.join();
  EXPECT_EQ(second.exitcode(), 4);
  EXPECT_NE(mp::detail::forkserver_pid(), server);
  mp::detail::stop_forkserver();
}

TEST_F(ForkserverKill, ServerKilledWhileItsChildrenRunLeavesThemJoinable) {
  auto ctx = mp::get_context("forkserver");
  mp::Process worker = ctx.Process(start_method_tasks::sleep_seconds, 1);
  worker.start();
  ::kill(mp::detail::forkserver_pid(), SIGKILL);
  EXPECT_TRUE(worker.join(20s));
  EXPECT_EQ(worker.exitcode(), 0);  // the child is ours, not the server's
  mp::detail::stop_forkserver();    // reaps the dead server
}
