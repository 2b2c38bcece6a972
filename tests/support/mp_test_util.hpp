// Helpers for multi-process tests: a fixture that fails a test which leaks a child process,
// a file descriptor or a /dev/shm segment, and small fork helpers for kill tests.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

namespace concur_test {

/// Names of the entries in /dev/shm (segments from every program, not only concur).
inline std::set<std::string> shm_segments() {
  std::set<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") out.insert(name);
    }
    closedir(d);
  }
  return out;
}

/// The process's open file descriptors (from /proc/self/fd).
inline std::set<int> open_fds() {
  std::set<int> out;
  if (DIR* d = opendir("/proc/self/fd")) {
    const int self = dirfd(d);
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const int fd = std::atoi(e->d_name);
      if (fd != self) out.insert(fd);
    }
    closedir(d);
  }
  return out;
}

/// Pids of this process's children (running or zombie), from /proc/*/stat.
inline std::set<pid_t> child_pids() {
  std::set<pid_t> out;
  const pid_t me = getpid();
  if (DIR* d = opendir("/proc")) {
    while (const dirent* e = readdir(d)) {
      const pid_t pid = std::atoi(e->d_name);
      if (pid <= 0) continue;
      FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
      if (f == nullptr) continue;
      char buf[512] = {};
      const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
      std::fclose(f);
      // "pid (comm) state ppid ...": comm may contain spaces, so parse after the last ')'.
      const std::string stat(buf, n);
      const std::size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      int ppid = 0;
      if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == me) {
        out.insert(pid);
      }
    }
    closedir(d);
  }
  return out;
}

/// True when this process has a child (running or an unreaped zombie).
inline bool has_children() {
  siginfo_t info{};
  const int rc = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  return rc == 0;  // -1 with ECHILD: no child at all
}

/// Fixture: at TearDown, no child of the test process may remain (after a grace period for
/// ones being reaped), and no fd or /dev/shm segment may exist that did not exist at SetUp.
/// Leftover children are killed and reaped so one failing test does not poison the next.
class LeakCheckedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fds_before_ = open_fds();
    shm_before_ = shm_segments();
  }
  void TearDown() override {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (has_children() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (has_children()) {
      ADD_FAILURE() << "a child process outlived the test";
      for (pid_t pid : child_pids()) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
    for (int fd : open_fds()) {
      if (!fds_before_.count(fd)) ADD_FAILURE() << "fd " << fd << " leaked by the test";
    }
    for (const std::string& s : shm_segments()) {
      if (!shm_before_.count(s)) ADD_FAILURE() << "/dev/shm/" << s << " leaked by the test";
    }
  }

 private:
  std::set<int> fds_before_;
  std::set<std::string> shm_before_;
};

/// fork()s a child that runs f() and _exit()s with its return value (0..255); returns the pid.
/// For kill tests that need a raw peer without concur::mp::Process.
template <class F>
pid_t fork_child(F f) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test binary
    if (getppid() != parent) _exit(126);
    _exit(f());
  }
  return pid;
}

/// Waits for pid; returns its exit code, or -signal when a signal killed it.
inline int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace concur_test
