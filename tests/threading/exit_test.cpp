// Process exit: non-daemon threads are joined at normal exit, daemon threads are not.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <concur/concur.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace th = concur::threading;

namespace {

struct ChildResult {
  std::string out;
  bool exited = false;
  int status = 0;
  bool killed = false;
};

// Runs body() in a forked child whose stdout goes to a pipe; the child must end by itself
// within `limit` or it is SIGKILLed.
// The child re-executes this binary running only ExitChild.Scenario with CONCUR_EXIT_SCENARIO
// set: a plain forked child cannot std::exit() cleanly because the test main's static
// watchdog would try to join a thread that does not exist after fork().
ChildResult run_child(const char* scenario, std::chrono::milliseconds limit) {
  ChildResult r;
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return r;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return r;
  }
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[1]);
    setenv("CONCUR_EXIT_SCENARIO", scenario, 1);
    execl("/proc/self/exe", "/proc/self/exe", "--gtest_filter=ExitChild.Scenario",
          static_cast<char*>(nullptr));
    _exit(98);  // exec failed
  }
  close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[256];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    pollfd p{fds[0], POLLIN, 0};
    const int pr = poll(&p, 1, static_cast<int>(left.count()));
    if (pr <= 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed stdout (exited)
    r.out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  for (;;) {
    const pid_t w = waitpid(pid, &r.status, WNOHANG);
    if (w == pid) {
      r.exited = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &r.status, 0);
      r.killed = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  return r;
}

// The child's exit code. ExitChild.Scenario registers, before any thread starts, an atexit
// handler that _exit()s with it: concur registers its join-non-daemon-threads handler at the
// first start(), later, so that one runs first; ours then skips the destructors of the test
// main's static watchdog and gtest's listener list, which crash when a test calls exit().
int g_exit_code = 0;
void quiet_exit_handler() {
  std::fflush(stdout);
  std::_Exit(g_exit_code);
}
[[noreturn]] void exit_child(int code) {
  g_exit_code = code;
  std::exit(code);
}

void scenario_late() {
  th::Thread late({.name = "late", .daemon = false}, [] {
    std::this_thread::sleep_for(100ms);
    std::printf("late\n");
    std::fflush(stdout);
  });
  th::Thread forever({.name = "forever", .daemon = true}, [] {
    for (;;) std::this_thread::sleep_for(10ms);
  });
  late.start();
  forever.start();
  exit_child(0);
}

void scenario_scope() {
  {
    th::Thread late([] {
      std::this_thread::sleep_for(50ms);
      std::printf("done\n");
      std::fflush(stdout);
    });
    late.start();
  }
  exit_child(3);
}

void scenario_daemon_only() {
  th::Thread d({.name = "d", .daemon = true}, [] {
    for (;;) std::this_thread::sleep_for(10ms);
  });
  d.start();
  std::printf("started\n");
  std::fflush(stdout);
  exit_child(0);
}

}  // namespace

// Runs in the re-executed child only; skipped in a normal run.
TEST(ExitChild, Scenario) {
  const char* which = std::getenv("CONCUR_EXIT_SCENARIO");
  if (which == nullptr) GTEST_SKIP() << "child-only test";
  std::atexit(quiet_exit_handler);
  if (std::strcmp(which, "late") == 0) scenario_late();
  if (std::strcmp(which, "scope") == 0) scenario_scope();
  if (std::strcmp(which, "daemon_only") == 0) scenario_daemon_only();
  std::_Exit(97);
}

TEST(Exit, NonDaemonJoinedDaemonAbandoned) {
  const auto t0 = std::chrono::steady_clock::now();
  const ChildResult r = run_child("late", 5000ms);
  EXPECT_FALSE(r.killed) << "child did not exit within 5 s";
  EXPECT_TRUE(r.exited);
  EXPECT_NE(r.out.find("late"), std::string::npos) << "output: " << r.out;
  if (r.exited) {
    EXPECT_TRUE(WIFEXITED(r.status));
    if (WIFEXITED(r.status)) {
      EXPECT_EQ(WEXITSTATUS(r.status), 0);
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(Exit, ReturnFromMainPathJoinsNonDaemon) {
  // The same through the end of a scope: handles destroyed without join() before exit.
  const ChildResult r = run_child("scope", 5000ms);
  EXPECT_FALSE(r.killed);
  EXPECT_NE(r.out.find("done"), std::string::npos) << "output: " << r.out;
  if (r.exited && WIFEXITED(r.status)) {
    EXPECT_EQ(WEXITSTATUS(r.status), 3);
  }
}

TEST(Exit, DaemonOnlyExitsPromptly) {
  const auto t0 = std::chrono::steady_clock::now();
  const ChildResult r = run_child("daemon_only", 5000ms);
  EXPECT_FALSE(r.killed);
  EXPECT_NE(r.out.find("started"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}
