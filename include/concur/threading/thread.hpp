// concur/threading/thread.hpp - threading.Thread and the module-level thread functions.
//
// A Thread runs a callable with arguments (Python: Thread(target=f, args=(...))) or the
// run() of a subclass. An exception escaping it is reported through excepthook() and does
// not end the process. At normal exit, non-daemon threads are joined; daemon threads are not.
//   concur::threading::Thread t(task, "egon");   t.start();   t.join();
//   concur::threading::Thread d({.name = "ticker", .daemon = true}, tick);
//   struct Mine : concur::threading::Thread { void run() override { ... } };
#pragma once

#include <sys/types.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concur/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::detail {
struct ThreadState;
}  // namespace concur::detail

namespace concur::threading {

/// Construction options (Python: Thread(name=..., daemon=...)).
struct ThreadOptions {
  // Every member has a default initializer so designated initializers may omit any of them
  // (g++ 12 warns otherwise under -Wextra).
  std::string name{};            ///< empty: "Thread-N"
  std::optional<bool> daemon{};  ///< empty: inherit from the creating thread
  std::size_t stack_size{0};     ///< bytes; 0: threading::stack_size() or the system default
};

/// A copyable handle to a thread: what current_thread(), main_thread() and enumerate() return.
class ThreadRef {
 public:
  ThreadRef() = default;

  [[nodiscard]] std::string name() const;
  /// Python's ident: a non-zero number, empty before start().
  [[nodiscard]] std::optional<std::uint64_t> ident() const;
  /// The kernel thread id (gettid), empty before start().
  [[nodiscard]] std::optional<pid_t> native_id() const;
  [[nodiscard]] bool is_alive() const;
  [[nodiscard]] bool daemon() const;
  /// Waits for the thread to finish; returns false if the timeout passed first
  /// (Python returns None: check is_alive()). RuntimeError before start() or on itself.
  bool join(Timeout timeout = {}) const;

  explicit operator bool() const noexcept { return state_ != nullptr; }
  friend bool operator==(const ThreadRef& a, const ThreadRef& b) noexcept {
    return a.state_ == b.state_;
  }

 protected:
  explicit ThreadRef(std::shared_ptr<concur::detail::ThreadState> s) : state_(std::move(s)) {}
  std::shared_ptr<concur::detail::ThreadState> state_;
  friend ThreadRef current_thread();
  friend ThreadRef main_thread();
  friend std::vector<ThreadRef> enumerate();
};

class Thread : public ThreadRef {
 public:
  /// For subclasses that override run().
  Thread() : Thread(ThreadOptions{}) {}
  explicit Thread(ThreadOptions options);

  /// Runs f(args...) on start(); the arguments are copied (wrap in std::ref to share).
  template <class F, class... Args>
  requires(!std::same_as<std::remove_cvref_t<F>, ThreadOptions> &&
           std::invocable<std::decay_t<F>, std::decay_t<Args>...>) explicit Thread(F&& f,
                                                                                   Args&&... args)
      : Thread(ThreadOptions{}, std::forward<F>(f), std::forward<Args>(args)...) {}

  template <class F, class... Args>
  requires std::invocable<std::decay_t<F>, std::decay_t<Args>...> Thread(ThreadOptions options,
                                                                         F&& f, Args&&... args)
      : Thread(std::move(options)) {
    set_target(
        [fn = std::forward<F>(f), tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
          std::apply([&fn](auto&... a) { (void)std::invoke(fn, a...); }, tup);
        });
  }

  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  /// Moving is allowed except for a started subclass thread (whose run() uses `this`).
  Thread(Thread&& other) noexcept;
  Thread& operator=(Thread&&) = delete;
  /// Does not join (Python's threads outlive their objects); a subclass thread must be
  /// joined before it is destroyed, or the program is stopped with a message.
  virtual ~Thread();

  /// Starts the thread; a second call throws RuntimeError.
  void start();

  void set_name(std::string name);
  /// Before start() only (RuntimeError afterwards), as in Python.
  void set_daemon(bool daemon);

 protected:
  /// What the thread runs: the target by default; override it in a subclass.
  virtual void run();

 private:
  void set_target(std::function<void()> target);
  static void* entry(void* arg);
};

/// What an excepthook receives (Python: threading.ExceptHookArgs).
struct ExceptHookArgs {
  std::exception_ptr exc_value;  ///< the exception itself
  std::string exc_type;          ///< demangled C++ type name
  std::string message;           ///< what(), or "" for non-std exceptions
  ThreadRef thread;              ///< the thread it escaped from
};
using ExceptHook = std::function<void(const ExceptHookArgs&)>;

/// Prints "Exception in thread NAME:\nTYPE: MESSAGE" on stderr.
void default_excepthook(const ExceptHookArgs& args);
/// Replaces the hook (nullptr restores the default); returns the previous one.
ExceptHook set_excepthook(ExceptHook hook);

/// The calling thread (threads not started by concur get a "Dummy-N" daemon handle).
ThreadRef current_thread();
/// The thread that runs main().
ThreadRef main_thread();
/// Every live thread: main, started concur threads, and foreign threads that asked for
/// current_thread().
std::vector<ThreadRef> enumerate();
/// enumerate().size().
std::size_t active_count();
/// Python's get_ident(): current_thread().ident().
std::uint64_t get_ident() noexcept;
/// The kernel id of the calling thread.
pid_t get_native_id() noexcept;
/// Stack size for threads started later (0: system default); returns the previous value.
/// Throws ValueError below 32 KiB (Python's minimum).
std::size_t stack_size(std::optional<std::size_t> size = std::nullopt);

}  // namespace concur::threading
