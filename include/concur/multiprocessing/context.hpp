// concur/multiprocessing/context.hpp - start methods: fork (default), spawn, forkserver.
//   int work(int n) { ... }   CONCUR_TASK(work);          // at namespace scope
//   concur::mp::set_start_method("forkserver");            // once, early in main()
//   auto ctx = concur::mp::get_context("spawn");
//   concur::mp::Process p = ctx.Process(work, 42);  p.start();  p.join();
// fork copies the parent (any callable, shared objects created before start() are shared).
// spawn runs a fresh copy of the program and forkserver forks a fresh single-threaded server
// (both safe in a program that already runs threads): they run only CONCUR_TASK functions,
// their arguments travel through codec<T>, and nothing of the parent's memory is shared.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "concur/multiprocessing/process.hpp"

namespace concur::mp {

/// A start method (Python: the object get_context() returns).
class Context {
 public:
  /// ValueError for a name other than "fork", "spawn" or "forkserver".
  explicit Context(std::string method);
  [[nodiscard]] const std::string& get_start_method() const noexcept { return method_; }

  /// A Process that starts with this method (Python: ctx.Process(target=f, args=(...))).
  template <class F, class... Args>
  mp::Process Process(F&& f, Args&&... args) const {
    ProcessOptions options;
    options.start_method = method_;
    return mp::Process(std::move(options), std::forward<F>(f), std::forward<Args>(args)...);
  }

 private:
  std::string method_;
};

/// Python: get_context(method=None); no name: the current default.
Context get_context(std::optional<std::string> method = std::nullopt);
/// Python: set_start_method(method, force=False): RuntimeError when already set (unless
/// force); ValueError for an unknown name.
void set_start_method(const std::string& method, bool force = false);
/// Python: get_start_method(allow_none=False): "fork" unless set otherwise.
std::optional<std::string> get_start_method(bool allow_none = false);
/// Python: get_all_start_methods().
std::vector<std::string> get_all_start_methods();

namespace detail {
/// Stops the fork server (it restarts on the next forkserver start); for tests, and for
/// programs that want it gone before exit. It also stops by itself when this process exits.
void stop_forkserver();
/// The fork server's pid, or -1 when none runs.
pid_t forkserver_pid();
}  // namespace detail

}  // namespace concur::mp
