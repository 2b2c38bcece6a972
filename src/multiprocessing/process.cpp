// mp::Process with the fork start method, the children registry and exit handling,
// following CPython's Lib/multiprocessing/process.py and popen_fork.py.
#include "concur/multiprocessing/process.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "child_spec.hpp"
#include "concur/detail/deadline.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/detail/thread_shutdown.hpp"
#include "concur/multiprocessing/context.hpp"

namespace concur::mp {

namespace detail {

struct ProcessState {
  mutable std::mutex mutex;
  std::string name;
  bool daemon = false;
  std::function<void()> target;
  std::function<TaskCall()> make_call;      // set for CONCUR_TASK-able targets (spawn)
  std::optional<std::string> start_method;  // default: get_start_method() at start()
  Process* self = nullptr;  // the child calls self->run() (its copy, at the same address)
  bool started = false;
  bool closed = false;
  pid_t pid = -1;
  int pidfd = -1;
  std::optional<int> returncode;
  std::vector<int> id_path;  // the parent's path plus this child's number
};

}  // namespace detail

namespace {

using StatePtr = std::shared_ptr<detail::ProcessState>;

// Who this process is, and its started, not yet reaped children.
struct Identity {
  std::mutex mutex;
  ProcessInfo me{"MainProcess", 0, false};
  std::optional<ProcessInfo> parent;
  std::vector<int> id_path;  // Python's _identity: (1,) for Process-1, (1, 2) for its 2nd child
  int child_counter = 0;
  std::map<pid_t, StatePtr> children;
  bool atexit_registered = false;
};

Identity& identity() {
  static auto* const id = new Identity;  // never destroyed: used at exit
  return *id;
}

int decode_status(int status) {
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 255;
}

// Records the exit of a child whose status was collected (state mutex held).
void finish_locked(detail::ProcessState& s, int code) {
  s.returncode = code;
  if (s.pidfd >= 0) {
    ::close(s.pidfd);
    s.pidfd = -1;
  }
}

// Non-blocking reap (state mutex held). Returns the exit code once known.
std::optional<int> poll_locked(detail::ProcessState& s) {
  if (s.returncode || s.pid <= 0) return s.returncode;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(s.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == s.pid) {
    finish_locked(s, decode_status(status));
  } else if (r < 0 && errno == ECHILD) {
    finish_locked(s, 255);  // reaped by someone else (SIGCHLD ignored?): status unknown
  }
  return s.returncode;
}

void forget_child(pid_t pid) {
  Identity& id = identity();
  std::lock_guard g(id.mutex);
  id.children.erase(pid);
}

// The child's pidfd, opened on first need (state mutex held): a zombie keeps its pid until we
// reap it, so opening late is safe. -1 when the kernel has no pidfd_open.
int pidfd_locked(detail::ProcessState& s) {
  if (s.pidfd < 0 && !s.returncode && s.pid > 0) {
    s.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0));
  }
  return s.pidfd;
}

// Blocks until the child ended or the deadline passed (state mutex NOT held while waiting).
std::optional<int> wait_for(const StatePtr& s, const concur::detail::Deadline& deadline) {
  pid_t pid = -1;
  int pidfd = -1;
  {
    std::lock_guard g(s->mutex);
    if (auto code = poll_locked(*s)) return code;
    pid = s->pid;
    if (!deadline.is_never()) pidfd = pidfd_locked(*s);
  }
  for (;;) {
    if (deadline.is_never()) {
      // Wait without reaping (so a concurrent poll never sees ECHILD), then reap below.
      siginfo_t info{};
      while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 &&
             errno == EINTR) {
      }
    } else if (pidfd >= 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline.remaining());
      pollfd p{pidfd, POLLIN, 0};
      (void)::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1'000'000)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard g(s->mutex);
    if (auto code = poll_locked(*s)) return code;
    if (deadline.expired()) return std::nullopt;
    if (!deadline.is_never()) pidfd = pidfd_locked(*s);
  }
}

// Python's util._exit_function: terminate daemonic children, then join the others.
void exit_function() {
  std::vector<StatePtr> children;
  {
    Identity& id = identity();
    std::lock_guard g(id.mutex);
    for (const auto& [pid, s] : id.children) children.push_back(s);
  }
  for (const StatePtr& s : children) {
    std::lock_guard g(s->mutex);
    if (s->daemon && !poll_locked(*s)) ::kill(s->pid, SIGTERM);
  }
  for (const StatePtr& s : children) {
    (void)wait_for(s, concur::detail::Deadline::never());
    forget_child(s->pid);
  }
}

void register_atexit() {
  Identity& id = identity();
  std::lock_guard g(id.mutex);
  if (!id.atexit_registered) {
    id.atexit_registered = true;
    std::atexit(exit_function);
  }
}

// In the child, right after fork(): it is a new process with no children of its own.
void become_child(const detail::ProcessState& s, const ProcessInfo& parent) {
  Identity& id = identity();
  new (&id.mutex) std::mutex();  // NOLINT: another thread may have held it at fork time
  id.parent = parent;
  id.me = ProcessInfo{s.name, ::getpid(), s.daemon};
  id.id_path = s.id_path;
  id.child_counter = 0;
  id.children.clear();
  id.atexit_registered = false;
}

// Runs body() as the child's work; returns its exit code.
template <class Body>
int run_as_child(const std::string& name, Body body) {
  int code = 0;
  try {
    body();
  } catch (const SystemExit& e) {
    code = e.code();
  } catch (...) {
    const std::string text =
        "Process " + name + ":\n" +
        concur::detail::to_string(concur::detail::describe_current_exception()) + "\n";
    std::fflush(stdout);
    std::fputs(text.c_str(), stderr);
    code = 1;
  }
  try {
    concur::threading::join_non_daemon_threads_at_exit();
    exit_function();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the code above decides the exit status
  }
  std::fflush(nullptr);
  return code;
}

int child_main(const StatePtr& s) {
  return run_as_child(s->name, [&s] { s->self->run(); });
}

void check_open(const detail::ProcessState& s) {
  if (s.closed) throw ValueError("process object is closed");
}

// spawn / forkserver: the child runs the registered function of the target (state mutex held).
pid_t start_fresh_locked(const detail::ProcessState& s, const std::string& method,
                         const ProcessInfo& parent) {
  if (!s.make_call) {
    throw ValueError("the '" + method +
                     "' start method runs only a function registered with CONCUR_TASK (called "
                     "with arguments that have codecs); lambdas and run() overrides need 'fork'");
  }
  TaskCall call = s.make_call();  // ValueError when the function is not registered
  detail::ChildSpec spec{s.name,
                         s.daemon,
                         s.id_path,
                         parent.name,
                         parent.pid,
                         parent.daemon,
                         std::move(call.name),
                         std::move(call.args)};
  return method == "spawn" ? detail::spawn_child(spec) : detail::forkserver_child(spec);
}

}  // namespace

namespace detail {

int run_child_spec(const ChildSpec& spec) {
  Identity& id = identity();
  {
    std::lock_guard g(id.mutex);
    id.parent = ProcessInfo{spec.parent_name, spec.parent_pid, spec.parent_daemon};
    id.me = ProcessInfo{spec.name, ::getpid(), spec.daemon};
    id.id_path = spec.id_path;
    id.child_counter = 0;
    id.children.clear();
  }
  return run_as_child(spec.name, [&spec] {
    (void)run_task_call(TaskCall{spec.task_name, spec.task_args});
  });
}

}  // namespace detail

// ---------------------------------------------------------------- Process

Process::Process(ProcessOptions options) : state_(std::make_shared<detail::ProcessState>()) {
  Identity& id = identity();
  std::lock_guard g(id.mutex);
  const int n = ++id.child_counter;
  std::string path;
  for (int i : id.id_path) path += std::to_string(i) + ":";
  state_->name = options.name ? *options.name : "Process-" + path + std::to_string(n);
  state_->id_path = id.id_path;
  state_->id_path.push_back(n);
  state_->daemon = options.daemon.value_or(id.me.daemon);
  if (options.start_method) (void)Context(*options.start_method);  // ValueError if unknown
  state_->start_method = std::move(options.start_method);
  state_->self = this;
}

Process::Process(Process&& other) noexcept : state_(std::move(other.state_)) {
  if (state_) {
    std::lock_guard g(state_->mutex);
    state_->self = this;
  }
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);
    if (state_) {
      std::lock_guard g(state_->mutex);
      state_->self = this;
    }
  }
  return *this;
}

Process::~Process() {
  if (!state_) return;
  std::lock_guard g(state_->mutex);
  state_->self = nullptr;
  // A running child stays in the children registry and is reaped later; a finished one is
  // reaped now.
  if (state_->started && !state_->closed && poll_locked(*state_)) forget_child(state_->pid);
}

void Process::run() {
  std::function<void()> target;
  {
    std::lock_guard g(state_->mutex);
    target = state_->target;
  }
  if (target) target();
}

void Process::set_target(std::function<void()> target) {
  std::lock_guard g(state_->mutex);
  state_->target = std::move(target);
}

void Process::set_task(std::function<TaskCall()> make_call) {
  std::lock_guard g(state_->mutex);
  state_->make_call = std::move(make_call);
}

void Process::start() {
  if (!state_) throw ValueError("process object was moved from");
  Identity& id = identity();
  ProcessInfo parent;
  {
    std::lock_guard g(id.mutex);
    if (id.me.daemon) throw ProcessError("daemonic processes are not allowed to have children");
    parent = id.me;
    parent.pid = ::getpid();
  }
  std::unique_lock g(state_->mutex);
  check_open(*state_);
  if (state_->started) throw ProcessError("cannot start a process twice");
  const std::string method = state_->start_method.value_or(*get_start_method());
  std::fflush(nullptr);  // buffered output must not be written twice
  pid_t pid = -1;
  if (method == "fork") {
    // Hold the registry across fork(): another thread's half-done insert or erase must not be
    // copied into the child, which clears the registry first thing.
    std::lock_guard ig(id.mutex);
    pid = ::fork();
  } else {
    pid = start_fresh_locked(*state_, method, parent);
  }
  if (pid < 0) {
    throw OSError(std::string("fork failed: ") + concur::detail::errno_text(errno));
  }
  if (pid == 0) {
    g.release();                        // the mutex copy in the child is re-created below
    new (&state_->mutex) std::mutex();  // NOLINT(cppcoreguidelines-owning-memory)
    become_child(*state_, parent);
    ::_exit(child_main(state_));
  }
  state_->started = true;
  state_->pid = pid;
  g.unlock();
  {
    std::lock_guard ig(id.mutex);
    id.children[pid] = state_;
  }
  register_atexit();
}

bool Process::join(Timeout timeout) {
  if (!state_) throw ValueError("process object was moved from");
  {
    std::lock_guard g(state_->mutex);
    check_open(*state_);
    if (!state_->started) throw ProcessError("can only join a started process");
    if (state_->pid == ::getpid()) throw ProcessError("can only join a child process");
  }
  const auto code = wait_for(state_, concur::detail::Deadline(timeout));
  if (code) forget_child(state_->pid);
  return code.has_value();
}

bool Process::is_alive() const {
  if (!state_) return false;
  std::lock_guard g(state_->mutex);
  check_open(*state_);
  if (!state_->started) return false;
  return !poll_locked(*state_).has_value();
}

std::optional<int> Process::exitcode() const {
  if (!state_) return std::nullopt;
  std::lock_guard g(state_->mutex);
  check_open(*state_);
  if (!state_->started) return std::nullopt;
  return poll_locked(*state_);
}

std::optional<pid_t> Process::pid() const {
  if (!state_) return std::nullopt;
  std::lock_guard g(state_->mutex);
  if (!state_->started) return std::nullopt;
  return state_->pid;
}

std::string Process::name() const {
  std::lock_guard g(state_->mutex);
  return state_->name;
}

void Process::set_name(std::string name) {
  std::lock_guard g(state_->mutex);
  state_->name = std::move(name);
}

bool Process::daemon() const {
  std::lock_guard g(state_->mutex);
  return state_->daemon;
}

void Process::set_daemon(bool daemon) {
  std::lock_guard g(state_->mutex);
  if (state_->started) throw ProcessError("process has already started");
  state_->daemon = daemon;
}

void Process::terminate() {
  std::lock_guard g(state_->mutex);
  check_open(*state_);
  if (state_->started && !poll_locked(*state_)) ::kill(state_->pid, SIGTERM);
}

void Process::kill() {
  std::lock_guard g(state_->mutex);
  check_open(*state_);
  if (state_->started && !poll_locked(*state_)) ::kill(state_->pid, SIGKILL);
}

void Process::close() {
  std::lock_guard g(state_->mutex);
  if (state_->closed) return;
  if (state_->started && !poll_locked(*state_)) {
    throw ValueError(
        "Cannot close a process while it is still running. You should first call "
        "join() or terminate().");
  }
  if (state_->started) forget_child(state_->pid);
  state_->target = nullptr;
  state_->closed = true;
}

int Process::sentinel() const {
  std::lock_guard g(state_->mutex);
  check_open(*state_);
  if (!state_->started) throw ValueError("process not started");
  return pidfd_locked(*state_);
}

// ---------------------------------------------------------------- module functions

ProcessInfo current_process() {
  Identity& id = identity();
  std::lock_guard g(id.mutex);
  ProcessInfo me = id.me;
  me.pid = ::getpid();
  return me;
}

std::optional<ProcessInfo> parent_process() {
  Identity& id = identity();
  std::lock_guard g(id.mutex);
  return id.parent;
}

std::vector<ProcessInfo> active_children() {
  std::vector<StatePtr> children;
  {
    Identity& id = identity();
    std::lock_guard g(id.mutex);
    for (const auto& [pid, s] : id.children) children.push_back(s);
  }
  std::vector<ProcessInfo> out;
  for (const StatePtr& s : children) {
    bool ended = false;
    ProcessInfo info;
    {
      std::lock_guard g(s->mutex);
      ended = poll_locked(*s).has_value();
      info = ProcessInfo{s->name, s->pid, s->daemon};
    }
    if (ended) {
      forget_child(info.pid);
    } else {
      out.push_back(info);
    }
  }
  return out;
}

int cpu_count() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace concur::mp
