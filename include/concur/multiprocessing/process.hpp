// concur/multiprocessing/process.hpp - multiprocessing.Process: run a function in a child
// process (fork by default: any callable, with a copy of the parent's memory).
//   concur::mp::Process p([](std::string who) { std::printf("hi %s\n", who.c_str()); }, "bob");
//   p.start();  p.join();  assert(p.exitcode() == 0);
//   struct Mine : concur::mp::Process { void run() override { ... } };
// An exception escaping the target prints "Process <name>:" and the error on stderr and the
// exit code is 1; mp::exit(n) ends the child with code n (Python: sys.exit(n)). At normal
// program exit, daemon children are terminated and the others joined (as in Python).
#pragma once

#include <sys/types.h>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "concur/detail/task_state.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/task.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

namespace detail {
struct ProcessState;
}  // namespace detail

/// Construction options (Python: Process(name=..., daemon=...)).
struct ProcessOptions {
  std::optional<std::string> name = std::nullopt;  // default "Process-N" ("Process-1:2" in a child)
  std::optional<bool> daemon = std::nullopt;       // default: the creating process's daemon flag
  /// "fork", "spawn" or "forkserver"; default: get_start_method() when start() runs.
  std::optional<std::string> start_method = std::nullopt;
};

/// Thrown by mp::exit() inside a child to end it with a code (Python's SystemExit).
class SystemExit {
 public:
  explicit SystemExit(int code) noexcept : code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

/// Ends the current child process's target with exit code `code` (Python: sys.exit(code)).
/// Outside a child it throws SystemExit too; catch it or let it end your program.
[[noreturn]] inline void exit(int code) {
  throw SystemExit(code);
}

class Process {
 public:
  /// For subclasses that override run().
  Process() : Process(ProcessOptions{}) {}
  explicit Process(ProcessOptions options);

  /// Runs f(args...) in the child (arguments are copied into the child with its memory).
  template <class F, class... Args>
  requires(
      !std::same_as<std::decay_t<F>, ProcessOptions> &&
      std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>) explicit Process(F&& f,
                                                                                 Args&&... args)
      : Process(ProcessOptions{}, std::forward<F>(f), std::forward<Args>(args)...) {}

  template <class F, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<Args>&... > Process(ProcessOptions options, F&& f, Args&&... args)
      : Process(std::move(options)) {
    using Fn = std::decay_t<F>;
    if constexpr (detail::is_task_call<Fn, Args&&...>::value) {
      // A function pointer with codec'able arguments: spawn and forkserver can run it too
      // (when it is registered with CONCUR_TASK; checked by start()).
      set_task([fn = Fn(f), packed = std::tuple<std::decay_t<Args>...>(args...)] {
        return std::apply([fn](const auto&... a) { return make_task_call(fn, a...); }, packed);
      });
    }
    set_target([call = concur::detail::bind_call(
                    std::forward<F>(f), std::forward<Args>(args)...)]() mutable { (void)call(); });
  }

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  /// Does not stop a running child: it stays registered and is reaped later (never a zombie).
  virtual ~Process();

  /// What the child runs: the target by default; override in a subclass.
  virtual void run();

  /// Forks the child. A second call, or a call from a daemonic process, throws ProcessError.
  void start();
  /// Waits for the child to end; false when the timeout passed first. ProcessError before start.
  bool join(Timeout timeout = {});
  /// True between start() and the child's end (reaps it when it has ended).
  [[nodiscard]] bool is_alive() const;
  /// nullopt while running (or before start); the exit code, or -N when signal N killed it.
  [[nodiscard]] std::optional<int> exitcode() const;
  /// The child's pid once started (Python: pid / ident).
  [[nodiscard]] std::optional<pid_t> pid() const;
  [[nodiscard]] std::optional<pid_t> ident() const { return pid(); }
  [[nodiscard]] std::string name() const;
  void set_name(std::string name);
  [[nodiscard]] bool daemon() const;
  /// Only before start() (ProcessError afterwards).
  void set_daemon(bool daemon);
  /// SIGTERM (Python: terminate()); no effect once the child has ended.
  void terminate();
  /// SIGKILL (Python: kill()).
  void kill();
  /// Releases the process's resources; ValueError if it is still running. Most methods throw
  /// ValueError afterwards (Python: close()).
  void close();
  /// A descriptor that becomes readable when the child ends (usable with poll/epoll).
  [[nodiscard]] int sentinel() const;

 protected:
  void set_target(std::function<void()> target);
  void set_task(std::function<TaskCall()> make_call);

 private:
  std::shared_ptr<detail::ProcessState> state_;
};

/// Who a process is: the current process, a parent or a child (Python: the objects returned
/// by current_process(), parent_process() and active_children()).
struct ProcessInfo {
  std::string name;
  pid_t pid = 0;
  bool daemon = false;
};

/// This process: "MainProcess" in the program, the Process's name in a child.
ProcessInfo current_process();
/// The process that started this one; nullopt in the main process.
std::optional<ProcessInfo> parent_process();
/// Children started by this process that are still running (finished ones are reaped).
std::vector<ProcessInfo> active_children();
/// Number of CPUs (Python: os.cpu_count()).
int cpu_count();

}  // namespace concur::mp
