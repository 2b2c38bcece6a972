// The `spawn` start method: the child is a fresh run of this program (posix_spawn of
// /proc/self/exe, safe in a threaded parent) that runs one registered function and exits
// without entering main() (Python re-imports the main module without running __main__).
//
// Hand-over: the parent writes the encoded ChildSpec into a pipe whose read end is fd 3 in
// the child, and sets CONCUR_MP_SPAWN=1 in the child's environment. The child notices it in a
// static initializer of this file. With libconcur linked statically (the default) that runs
// after the program's own static initializers, so every CONCUR_TASK is registered by then;
// otherwise the run waits for the function's registration (task.cpp).
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "child_spec.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/task.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace concur::mp::detail {

namespace {

constexpr const char* kSpawnVar = "CONCUR_MP_SPAWN";

// argv of this program, from /proc/self/cmdline (so the child looks the same in ps).
std::vector<std::string> own_argv() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\0', start);
    out.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (out.empty()) out.emplace_back("concur-spawned");
  return out;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t w = ::write(fd, bytes.data(), bytes.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      throw_os_error("spawn: writing the request to the child", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_os_error("spawned child: reading its request", errno);
    }
    if (r == 0) return out;
    out.append(buf, static_cast<std::size_t>(r));
  }
}

}  // namespace

pid_t spawn_self(int fd, const char* env_var) {
  const std::vector<std::string> args = own_argv();
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "CONCUR_MP_", 10) != 0) env_storage.emplace_back(*e);
  }
  env_storage.push_back(std::string(env_var) + "=1");
  std::vector<char*> envp;
  envp.reserve(env_storage.size() + 1);
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  // dup2(fd, 3) when fd is already 3 would keep FD_CLOEXEC: move it out of the way first.
  int source = fd;
  if (fd == kHandoverFd) source = ::fcntl(fd, F_DUPFD_CLOEXEC, kHandoverFd + 1);
  if (source < 0) throw_os_error("spawn: fcntl", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, source, kHandoverFd);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (source != fd) ::close(source);
  if (rc != 0) throw_os_error("spawn: posix_spawn of /proc/self/exe", rc);
  return pid;
}

pid_t spawn_child(const ChildSpec& spec) {
  const std::string request = encode(spec);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_os_error("spawn: pipe2", errno);
  pid_t pid = -1;
  try {
    pid = spawn_self(fds[0], kSpawnVar);
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[0]);
  try {
    write_all(fds[1], request);
  } catch (...) {
    ::close(fds[1]);  // the child reads a short request and exits 1; the caller reaps it
    throw;
  }
  ::close(fds[1]);
  return pid;
}

namespace {

ChildSpec& pending_spec() {
  static auto* const spec = new ChildSpec;  // read by run_pending() in this process only
  return *spec;
}

[[noreturn]] void run_pending() {
  std::fflush(nullptr);
  ::_exit(run_child_spec(pending_spec()));
}

// Runs in a spawned child during static initialization; returns only to wait for the
// function's registration.
void start_spawned_child() {
  // Children it forks must not think they were spawned. Static init: one thread.
  ::unsetenv(kSpawnVar);  // NOLINT(concurrency-mt-unsafe)
  try {
    const std::string bytes = read_all(kHandoverFd);
    ::close(kHandoverFd);
    pending_spec() = decode<ChildSpec>(bytes);
  } catch (...) {
    const std::string text =
        "concur: spawned child could not read its request: " +
        concur::detail::to_string(concur::detail::describe_current_exception()) + "\n";
    std::fputs(text.c_str(), stderr);
    ::_exit(1);
  }
  if (find_task(pending_spec().task_name) != nullptr) run_pending();
  run_when_registered(pending_spec().task_name, &run_pending);
}

struct SpawnedChildHook {
  SpawnedChildHook() {
    const char* v = std::getenv(kSpawnVar);  // NOLINT(concurrency-mt-unsafe): static init
    if (v != nullptr && std::strcmp(v, "1") == 0) start_spawned_child();
  }
};
const SpawnedChildHook spawned_child_hook;

}  // namespace

}  // namespace concur::mp::detail
