// mp::Process (fork start method) and the module functions: every call and error path,
// exit codes, names, daemon rules, data isolation, nested children, stress.
#include "concur/multiprocessing/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "concur/threading.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;
using concur_test::Clock;

namespace {

class ProcessTest : public concur_test::LeakCheckedTest {};

// A pipe the child writes a result into (the parent reads it after join).
struct ResultPipe {
  int fds[2] = {-1, -1};
  ResultPipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
  ~ResultPipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void write(const std::string& s) const { (void)!::write(fds[1], s.data(), s.size()); }
  std::string read_all() {
    ::close(fds[1]);
    fds[1] = -1;
    std::string out;
    char buf[256];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

int g_global = 0;  // the data-isolation test changes it in a child

}  // namespace

TEST_F(ProcessTest, RunsTargetWithArguments) {
  ResultPipe out;
  mp::Process p([&out](int a, const std::string& b) { out.write(std::to_string(a) + b); }, 7,
                std::string("x"));
  EXPECT_FALSE(p.pid().has_value());
  EXPECT_FALSE(p.exitcode().has_value());
  p.start();
  ASSERT_TRUE(p.pid().has_value());
  EXPECT_GT(*p.pid(), 0);
  EXPECT_EQ(p.ident(), p.pid());
  EXPECT_TRUE(p.join());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(out.read_all(), "7x");
}

TEST_F(ProcessTest, ExitCodes) {
  mp::Process ok([] {});
  mp::Process code([] { mp::exit(3); });
  mp::Process big([] { mp::exit(200); });
  mp::Process failing([] { throw std::runtime_error("boom"); });
  for (auto* p : {&ok, &code, &big, &failing}) p->start();
  for (auto* p : {&ok, &code, &big, &failing}) EXPECT_TRUE(p->join(10s));
  EXPECT_EQ(ok.exitcode(), 0);
  EXPECT_EQ(code.exitcode(), 3);
  EXPECT_EQ(big.exitcode(), 200);
  EXPECT_EQ(failing.exitcode(), 1);
}

TEST_F(ProcessTest, ExceptionIsPrintedWithTheProcessName) {
  testing::internal::CaptureStderr();
  mp::Process p(mp::ProcessOptions{.name = "worker-7", .daemon = {}},
                [] { throw std::invalid_argument("bad input"); });
  p.start();
  p.join();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(p.exitcode(), 1);
  EXPECT_NE(err.find("Process worker-7:"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid_argument"), std::string::npos) << err;
  EXPECT_NE(err.find("bad input"), std::string::npos) << err;
}

TEST_F(ProcessTest, TerminateAndKillGiveNegativeSignal) {
  mp::Process t([] { std::this_thread::sleep_for(60s); });
  mp::Process k([] { std::this_thread::sleep_for(60s); });
  t.start();
  k.start();
  EXPECT_TRUE(t.is_alive());
  t.terminate();
  k.kill();
  EXPECT_TRUE(t.join(10s));
  EXPECT_TRUE(k.join(10s));
  EXPECT_FALSE(t.is_alive());
  EXPECT_EQ(t.exitcode(), -SIGTERM);
  EXPECT_EQ(k.exitcode(), -SIGKILL);
  t.terminate();  // no effect once ended
  EXPECT_EQ(t.exitcode(), -SIGTERM);
}

TEST_F(ProcessTest, JoinTimeout) {
  mp::Process p([] { std::this_thread::sleep_for(400ms); });
  p.start();
  const auto t0 = Clock::now();
  EXPECT_FALSE(p.join(50ms));
  const auto waited = Clock::now() - t0;
  EXPECT_GE(waited, 45ms);
  EXPECT_LT(waited, 300ms);
  EXPECT_TRUE(p.is_alive());
  EXPECT_FALSE(p.exitcode().has_value());
  EXPECT_TRUE(p.join(10s));
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_TRUE(p.join(0s));  // already ended
}

TEST_F(ProcessTest, ErrorPaths) {
  mp::Process p([] {});
  EXPECT_THROW(p.join(), mp::ProcessError);  // before start
  EXPECT_THROW((void)p.sentinel(), concur::ValueError);
  p.start();
  EXPECT_THROW(p.start(), mp::ProcessError);
  EXPECT_THROW(p.set_daemon(true), mp::ProcessError);
  p.join();
  p.close();
  p.close();  // idempotent
  EXPECT_THROW((void)p.is_alive(), concur::ValueError);
  EXPECT_THROW(p.join(), concur::ValueError);
  EXPECT_THROW(p.start(), concur::ValueError);
}

TEST_F(ProcessTest, CloseWhileRunningThrows) {
  mp::Process p([] { std::this_thread::sleep_for(60s); });
  p.start();
  EXPECT_THROW(p.close(), concur::ValueError);
  p.kill();
  p.join();
  EXPECT_NO_THROW(p.close());
}

TEST_F(ProcessTest, NamesAndDaemonFlag) {
  mp::Process a([] {});
  mp::Process b([] {});
  const std::string na = a.name();
  const std::string nb = b.name();
  EXPECT_EQ(na.rfind("Process-", 0), 0U);
  EXPECT_NE(na, nb);
  a.set_name("renamed");
  EXPECT_EQ(a.name(), "renamed");
  EXPECT_FALSE(a.daemon());
  a.set_daemon(true);
  EXPECT_TRUE(a.daemon());
  mp::Process c(mp::ProcessOptions{.name = "given", .daemon = true}, [] {});
  EXPECT_EQ(c.name(), "given");
  EXPECT_TRUE(c.daemon());
}

TEST_F(ProcessTest, CurrentAndParentProcessInsideTheChild) {
  EXPECT_EQ(mp::current_process().name, "MainProcess");
  EXPECT_EQ(mp::current_process().pid, ::getpid());
  EXPECT_FALSE(mp::parent_process().has_value());
  ResultPipe out;
  mp::Process p(mp::ProcessOptions{.name = "kid", .daemon = {}}, [&out] {
    const auto me = mp::current_process();
    const auto parent = mp::parent_process();
    out.write(me.name + "|" + std::to_string(me.pid == ::getpid()) + "|" +
              (parent ? parent->name + "|" + std::to_string(parent->pid) : "none"));
  });
  p.start();
  p.join();
  EXPECT_EQ(out.read_all(), "kid|1|MainProcess|" + std::to_string(::getpid()));
}

TEST_F(ProcessTest, DataIsolation) {
  g_global = 1;
  mp::Process p([] { g_global = 99; });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(g_global, 1);  // the child changed its own copy
}

TEST_F(ProcessTest, SubclassRun) {
  struct Mine : mp::Process {
    explicit Mine(ResultPipe& o) : out(o) {}
    void run() override { out.write("sub:" + mp::current_process().name); }
    ResultPipe& out;
  };
  ResultPipe out;
  Mine m(out);
  m.set_name("mine");
  m.start();
  m.join();
  EXPECT_EQ(m.exitcode(), 0);
  EXPECT_EQ(out.read_all(), "sub:mine");
}

TEST_F(ProcessTest, NestedChildrenAndNames) {
  ResultPipe out;
  mp::Process outer([&out] {
    mp::Process inner([&out] { out.write(mp::current_process().name + ";"); });
    inner.start();
    inner.join();
    out.write(mp::current_process().name + ";" + std::to_string(*inner.exitcode()));
  });
  outer.start();
  outer.join();
  const std::string outer_name = outer.name();
  EXPECT_EQ(out.read_all(), outer_name + ":1;" + outer_name + ";0");
}

TEST_F(ProcessTest, DaemonicProcessMayNotStartChildren) {
  ResultPipe out;
  mp::Process d(mp::ProcessOptions{.name = {}, .daemon = true}, [&out] {
    mp::Process child([] {});
    try {
      child.start();
      child.join();
      out.write("started");
    } catch (const mp::ProcessError& e) {
      out.write(e.what());
    }
  });
  d.start();
  d.join();
  EXPECT_EQ(out.read_all(), "daemonic processes are not allowed to have children");
}

TEST_F(ProcessTest, ChildWaitsForItsNonDaemonThreadsAndChildren) {
  ResultPipe out;
  mp::Process p([&out] {
    concur::threading::Thread t([&out] {
      std::this_thread::sleep_for(100ms);
      out.write("thread;");
    });
    t.start();
    mp::Process grandchild([&out] {
      std::this_thread::sleep_for(150ms);
      out.write("grandchild;");
    });
    grandchild.start();
    // returns at once: exit joins both
  });
  p.start();
  p.join();
  const std::string s = out.read_all();
  EXPECT_NE(s.find("thread;"), std::string::npos) << s;
  EXPECT_NE(s.find("grandchild;"), std::string::npos) << s;
}

TEST_F(ProcessTest, ChildOfThreadedParentSeesOnlyItsOwnThread) {
  concur::threading::Event stop;
  concur::threading::Thread busy([&] { stop.wait(); });
  busy.start();
  ResultPipe out;
  mp::Process p([&out] {
    out.write(std::to_string(concur::threading::active_count()) + " " +
              concur::threading::current_thread().name());
  });
  p.start();
  p.join();
  stop.set();
  busy.join();
  EXPECT_EQ(out.read_all(), "1 MainThread");
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(ProcessTest, ActiveChildrenReapsFinishedOnes) {
  mp::Process quick([] {});
  mp::Process slow([] { std::this_thread::sleep_for(60s); });
  quick.start();
  slow.start();
  EXPECT_TRUE(concur_test::eventually([&] { return mp::active_children().size() == 1; }, 10s));
  const auto kids = mp::active_children();
  ASSERT_EQ(kids.size(), 1U);
  EXPECT_EQ(kids[0].pid, *slow.pid());
  slow.kill();
  slow.join();
  EXPECT_TRUE(mp::active_children().empty());
}

TEST_F(ProcessTest, DestroyedWhileRunningIsReapedLater) {
  pid_t pid = 0;
  {
    mp::Process p([] { std::this_thread::sleep_for(200ms); });
    p.start();
    pid = *p.pid();
  }
  // Still running and still registered: active_children() reaps it once it ended.
  EXPECT_TRUE(concur_test::eventually([] { return mp::active_children().empty(); }, 10s));
  EXPECT_EQ(::kill(pid, 0), -1);  // gone, not a zombie
}

TEST_F(ProcessTest, SentinelBecomesReadableAtExit) {
  mp::Process p([] { std::this_thread::sleep_for(100ms); });
  p.start();
  pollfd pfd{p.sentinel(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
  EXPECT_EQ(::poll(&pfd, 1, 10000), 1);
  p.join();
}

TEST_F(ProcessTest, MoveKeepsTheChild) {
  mp::Process a([] { mp::exit(4); });
  a.start();
  mp::Process b(std::move(a));
  EXPECT_TRUE(b.join(10s));
  EXPECT_EQ(b.exitcode(), 4);
  std::vector<mp::Process> many;
  for (int i = 0; i < 5; ++i) many.emplace_back([i] { mp::exit(i); });
  for (auto& p : many) p.start();
  for (int i = 0; i < 5; ++i) {
    many[static_cast<std::size_t>(i)].join();
    EXPECT_EQ(many[static_cast<std::size_t>(i)].exitcode(), i);
  }
}

TEST_F(ProcessTest, CpuCount) {
  EXPECT_GE(mp::cpu_count(), 1);
  EXPECT_EQ(mp::cpu_count(), static_cast<int>(std::thread::hardware_concurrency()));
}

// ------------------------------------------------------------------ stress

TEST_F(ProcessTest, StressTwoHundredProcesses) {
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < 200; ++i) {
    ps.push_back(std::make_unique<mp::Process>([i] { mp::exit(i % 7); }));
  }
  for (auto& p : ps) p->start();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(ps[static_cast<std::size_t>(i)]->join(30s));
    EXPECT_EQ(ps[static_cast<std::size_t>(i)]->exitcode(), i % 7);
  }
  EXPECT_TRUE(mp::active_children().empty());
}

TEST_F(ProcessTest, StressThreadsStartingProcessesConcurrently) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        mp::Process p([code = (t * kEach + i) % 100] { mp::exit(code); });
        p.start();
        p.join();
        if (p.exitcode() == (t * kEach + i) % 100) ++good;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(good.load(), kThreads * kEach);
}
