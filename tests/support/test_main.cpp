// GoogleTest main with a per-test deadline: a test that runs past it gets every thread's
// stack dumped (through gdb when present) and the process aborted, so a hang fails loudly
// instead of stalling CI. CONCUR_TEST_DEADLINE (seconds) sets the deadline of one test.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

void* volatile leaked_in_child = nullptr;  // NOLINT: see ~Watchdog()

class Watchdog : public testing::EmptyTestEventListener {
 public:
  explicit Watchdog(std::chrono::seconds limit)
      : limit_(limit), s_(new State), thread_([this] { loop(); }) {}
  ~Watchdog() override {
    if (getpid() != owner_pid_) {
      // A forked child that exits: the watchdog thread is not ours and the parent's thread may
      // have been inside cv_.wait() at fork time, so destroying cv_ here would wait forever.
      // Leak the state instead (kept reachable, so LeakSanitizer does not report it).
      leaked_in_child = s_;
      thread_.detach();
      return;
    }
    {
      std::lock_guard g(s_->mutex);
      s_->stop = true;
    }
    s_->cv.notify_all();
    thread_.join();
    delete s_;  // NOLINT(cppcoreguidelines-owning-memory)
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void OnTestStart(const testing::TestInfo& info) override {
    std::lock_guard g(s_->mutex);
    s_->name = std::string(info.test_suite_name()) + "." + info.name();
    s_->deadline = std::chrono::steady_clock::now() + limit_;
    s_->armed = true;
    s_->cv.notify_all();
  }
  void OnTestEnd(const testing::TestInfo& /*info*/) override {
    std::lock_guard g(s_->mutex);
    s_->armed = false;
  }

 private:
  void loop() {
    std::unique_lock g(s_->mutex);
    while (!s_->stop) {
      if (!s_->armed) {
        s_->cv.wait(g);
        continue;
      }
      if (s_->cv.wait_until(g, s_->deadline) == std::cv_status::timeout && s_->armed && !s_->stop &&
          std::chrono::steady_clock::now() >= s_->deadline) {
        std::fprintf(stderr, "\n*** concur test watchdog: %s ran past its %llds deadline\n",
                     s_->name.c_str(), static_cast<long long>(limit_.count()));
        dump_stacks();
        kill_descendants(getpid());  // a hung test's children must not outlive it
        std::abort();
      }
    }
  }

  // SIGKILLs every process below pid (found by scanning /proc/<n>/stat for its parent).
  static void kill_descendants(pid_t pid) {
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return;
    std::vector<pid_t> children;
    while (const dirent* e = readdir(proc)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
      std::string stat;
      std::getline(in, stat);
      const auto paren = stat.rfind(')');
      if (paren == std::string::npos) continue;
      char state = 0;
      long parent = 0;
      if (std::sscanf(stat.c_str() + paren + 1, " %c %ld", &state, &parent) == 2 && parent == pid) {
        children.push_back(static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10)));
      }
    }
    closedir(proc);
    for (const pid_t child : children) {
      kill(child, SIGSTOP);  // freeze it so it cannot fork more while we descend
      kill_descendants(child);
      kill(child, SIGKILL);
    }
  }

  static void dump_stacks() {
    const std::string pid = std::to_string(getpid());
    const pid_t child = fork();
    if (child == 0) {
      execlp("gdb", "gdb", "-p", pid.c_str(), "-batch", "-nx", "-ex", "thread apply all bt",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    if (child > 0) {
      int status = 0;
      waitpid(child, &status, 0);
    }
  }

  std::chrono::seconds limit_;
  pid_t owner_pid_ = getpid();
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    std::string name;
    std::chrono::steady_clock::time_point deadline{};
    bool armed = false;
    bool stop = false;
  };
  State* s_;  // owned; leaked on purpose in a forked child (see the destructor)
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  long seconds = 60;
  if (const char* env = std::getenv("CONCUR_TEST_DEADLINE"))
    seconds = std::strtol(env, nullptr, 10);
  if (seconds <= 0) seconds = 60;
  // gtest owns (and deletes at exit) the listeners it is given, also when a test calls exit().
  testing::UnitTest::GetInstance()->listeners().Append(
      new Watchdog(std::chrono::seconds(seconds)));  // NOLINT(cppcoreguidelines-owning-memory)
  return RUN_ALL_TESTS();
}
