// GoogleTest main with a per-test deadline: a test that runs past it gets every thread's
// stack dumped (through gdb when present) and the process aborted, so a hang fails loudly
// instead of stalling CI. CONCUR_TEST_DEADLINE (seconds) sets the deadline of one test.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

class Watchdog : public testing::EmptyTestEventListener {
 public:
  explicit Watchdog(std::chrono::seconds limit) : limit_(limit), thread_([this] { loop(); }) {}
  ~Watchdog() override {
    if (getpid() != owner_pid_) {  // a forked child that exits: the thread is not ours
      thread_.detach();
      return;
    }
    {
      std::lock_guard g(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void OnTestStart(const testing::TestInfo& info) override {
    std::lock_guard g(mutex_);
    name_ = std::string(info.test_suite_name()) + "." + info.name();
    deadline_ = std::chrono::steady_clock::now() + limit_;
    armed_ = true;
    cv_.notify_all();
  }
  void OnTestEnd(const testing::TestInfo& /*info*/) override {
    std::lock_guard g(mutex_);
    armed_ = false;
  }

 private:
  void loop() {
    std::unique_lock g(mutex_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(g);
        continue;
      }
      if (cv_.wait_until(g, deadline_) == std::cv_status::timeout && armed_ && !stop_ &&
          std::chrono::steady_clock::now() >= deadline_) {
        std::fprintf(stderr, "\n*** concur test watchdog: %s ran past its %llds deadline\n",
                     name_.c_str(), static_cast<long long>(limit_.count()));
        dump_stacks();
        std::abort();
      }
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
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string name_;
  std::chrono::steady_clock::time_point deadline_{};
  bool armed_ = false;
  bool stop_ = false;
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
