// concur/asyncio/event_loop.hpp - Python's asyncio event loop: one per thread, on epoll.
//
// Ready callbacks and task steps run in FIFO order; timers live in a heap; file descriptors
// are watched edge-triggered; call_soon_threadsafe wakes the loop through an eventfd.
// Most programs never touch the loop: asyncio::run(main()) makes one, runs main, cancels what is
// left, and closes it.
//   auto& loop = concur::asyncio::get_running_loop();
//   loop.call_later(100ms, [] { std::puts("later"); });
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "concur/detail/async_task.hpp"
#include "concur/detail/ready_queue.hpp"

namespace concur::futures {
class Executor;
class ThreadPoolExecutor;
}  // namespace concur::futures

namespace concur::asyncio {

template <class T>
class Task;
template <class T>
class Scheduled;

namespace detail {

/// An entry of the loop's timer heap (intrusive: it lives in the awaiter or handle that owns it).
struct TimerNode {
  std::int64_t when_ns = 0;  // CLOCK_MONOTONIC
  std::uint64_t seq = 0;     // FIFO among equal deadlines
  std::size_t heap_index = static_cast<std::size_t>(-1);
  void (*fire)(TimerNode& self) noexcept = nullptr;
  [[nodiscard]] bool armed() const noexcept { return heap_index != static_cast<std::size_t>(-1); }
};

/// A file descriptor registered with the loop's epoll (edge-triggered, for streams). One
/// coroutine may wait for readability and one for writability at a time; a coroutine waits
/// only after the fd said EAGAIN in the same step (edge-triggered rule).
class IoWatch {
 public:
  IoWatch(EventLoop& loop, int fd);
  IoWatch(const IoWatch&) = delete;
  IoWatch& operator=(const IoWatch&) = delete;
  ~IoWatch();  // deregisters (before the fd is closed)
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] EventLoop& loop() const noexcept { return *loop_; }

  class Wait;
  /// co_await watch.readable() / writable(): resumes when the fd may have changed state.
  Wait readable() noexcept;
  Wait writable() noexcept;

  void on_events(std::uint32_t events) noexcept;  // the loop calls this

  /// True (and clears it) when readiness was reported while nobody waited to read: a reader
  /// that drained the fd (a short read) need not try again before waiting unless this is set.
  bool take_read_ready() noexcept {
    const bool r = read_ready_;
    read_ready_ = false;
    return r;
  }

  /// Removes the fd from epoll (before it is closed) and wakes whoever waits on it; the
  /// destructor then does nothing more.
  void deregister() noexcept;

  /// Called on writability when no task waits to write (a stream flushing in the background).
  /// It must not destroy this watch (defer that with call_soon).
  void set_write_callback(void (*fn)(void* arg) noexcept, void* arg) noexcept {
    write_cb_ = fn;
    write_arg_ = arg;
  }

 private:
  friend class Wait;
  EventLoop* loop_;
  int fd_;
  TaskBase* reader_ = nullptr;
  TaskBase* writer_ = nullptr;
  void (*write_cb_)(void*) noexcept = nullptr;
  void* write_arg_ = nullptr;
  bool registered_ = true;
  bool read_ready_ = false;
};

class IoWatch::Wait final : public Waiter {
 public:
  using concur_awaitable = void;
  Wait(IoWatch& w, bool write) noexcept : watch_(&w), write_(write) {}
  Wait(Wait&&) noexcept = default;  // before it is awaited only
  Wait& operator=(Wait&&) = delete;
  ~Wait();  // a task destroyed while waiting leaves the watch
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() const { task_->throw_if_cancelled(); }
  bool cancel() noexcept override;

 private:
  IoWatch* watch_;
  TaskBase* task_ = nullptr;
  bool write_;
};

inline IoWatch::Wait IoWatch::readable() noexcept {
  return {*this, false};
}
inline IoWatch::Wait IoWatch::writable() noexcept {
  return {*this, true};
}

struct HandleState;
struct TimerState;
struct FdCallbacks;
struct FdCallbacksDelete {  // FdCallbacks is complete only in fd_callbacks.cpp
  void operator()(FdCallbacks* entry) const noexcept;
};
// Inside a catch block: reports "Exception in <what>: ..." to loop's exception handler.
void report_callback_error(const EventLoop& loop, const char* what);
// Ready-queue entries of add_reader/add_writer callbacks (arg: a reference to the callback).
void run_fd_callback(void* arg) noexcept;
void discard_fd_callback(void* arg) noexcept;

}  // namespace detail

/// What call_soon returns: cancel() stops the callback if it has not run yet.
class Handle {
 public:
  Handle() = default;
  void cancel() noexcept;
  [[nodiscard]] bool cancelled() const noexcept;

 private:
  friend class EventLoop;
  explicit Handle(std::shared_ptr<detail::HandleState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::HandleState> state_;
};

/// What call_later / call_at return: cancel() removes the timer; when() is its deadline.
class TimerHandle {
 public:
  TimerHandle() = default;
  void cancel() noexcept;
  [[nodiscard]] bool cancelled() const noexcept;
  /// The deadline in loop.time() seconds.
  [[nodiscard]] double when() const noexcept;

 private:
  friend class EventLoop;
  explicit TimerHandle(std::shared_ptr<detail::TimerState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::TimerState> state_;
};

/// One loop per thread (Python's asyncio event loop; epoll-based, like SelectorEventLoop).
class EventLoop {
 public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  /// Closes the loop: tasks still pending are destroyed without running further.
  ~EventLoop();

  /// Seconds on the loop's monotonic clock (Python's loop.time()).
  [[nodiscard]] double time() const noexcept;
  [[nodiscard]] static std::int64_t now_ns() noexcept;

  /// Runs fn on the next iteration (FIFO among call_soon callbacks).
  Handle call_soon(std::function<void()> fn);
  /// call_soon from any thread; wakes the loop if it sleeps.
  Handle call_soon_threadsafe(std::function<void()> fn);
  /// Runs fn after delay (or at a loop.time()-based deadline).
  template <class Rep, class Period>
  TimerHandle call_later(std::chrono::duration<Rep, Period> delay,
                         std::function<void()> fn) {  // NOLINT(performance-unnecessary-value-param)
    return call_at_ns(now_ns() + to_ns(delay), std::move(fn));
  }
  TimerHandle call_at(double when, std::function<void()> fn);

  /// Schedules a coroutine as a task of this loop (see asyncio::create_task).
  template <class T>
  Scheduled<T> create_task(Task<T> coro, std::string name = {});
  /// Runs the loop until the task (scheduled here if it is a bare coroutine) is done; returns
  /// its result or rethrows its exception.
  template <class T>
  T run_until_complete(Task<T> task);

  /// Runs until stop() is called.
  void run_forever();
  /// Makes run_forever() return after the callbacks already scheduled have run.
  void stop() noexcept { stopping_ = true; }
  [[nodiscard]] bool is_running() const noexcept { return running_; }
  [[nodiscard]] bool is_closed() const noexcept { return closed_; }
  /// Destroys pending tasks and frees the epoll and eventfd descriptors (RuntimeError while
  /// running). Idempotent.
  void close();

  /// The executor to_thread() and run_in_executor(nullptr, ...) use: a ThreadPoolExecutor
  /// made on first use (min(32, cpu_count + 4) workers); close() shuts it down and waits.
  futures::ThreadPoolExecutor& default_executor();
  /// Python's loop.shutdown_default_executor(): waits for the default executor's calls while
  /// running the loop (they may wait for it); later default_executor() calls throw
  /// RuntimeError. asyncio::run does this; RuntimeError while the loop runs.
  void shutdown_default_executor();
  /// Python's loop.run_in_executor(executor, fn, *args): co_await it for fn's result.
  /// `executor`: any pool whose submit(fn, args...) returns a futures::Future<R> (every
  /// futures::Executor; a process pool); nullptr: the default executor. Defined in
  /// <concur/asyncio/bridges.hpp>.
  ///   int n = co_await loop.run_in_executor(&pool, count_words, text);
  template <class Pool, class F, class... Args>
  auto run_in_executor(Pool* executor, F&& fn, Args&&... args);
  template <class F, class... Args>
  auto run_in_executor(std::nullptr_t /*default*/, F&& fn, Args&&... args);

  /// Python's loop.add_reader(fd, callback): calls fn on this loop each iteration in which fd
  /// is readable (level-triggered, also on error or hang-up) until remove_reader(fd); a second
  /// add_reader replaces the callback. The caller keeps the fd open while it is watched.
  /// ValueError for a negative fd, RuntimeError for a stream's fd, OSError when epoll refuses
  /// it (a regular file: EPERM).
  ///   loop.add_reader(fd, [&] { on_readable(fd); });
  void add_reader(int fd, std::function<void()> fn);
  /// Stops watching fd for reading; false when no reader was registered.
  bool remove_reader(int fd);
  /// Python's loop.add_writer / remove_writer: the same for writability.
  void add_writer(int fd, std::function<void()> fn);
  bool remove_writer(int fd);

  /// How many tasks of this loop are not done yet (Python: len(asyncio.all_tasks(loop))).
  [[nodiscard]] std::size_t pending_tasks() const noexcept { return task_count_; }
  /// Cancels every pending task (what asyncio.run does with leftovers) and runs the loop until
  /// they are done.
  void cancel_all_tasks();

  /// Sets the exception handler for errors nobody retrieved ("Task exception was never
  /// retrieved", failing callbacks); the default prints to stderr.
  void set_exception_handler(std::function<void(const std::string&)> handler);
  void call_exception_handler(const std::string& message) const;

  // ---- internal (tasks, awaitables, streams)
  void schedule(detail::TaskBase& task) {  // run task.step() soon
    ready_.push({[](void* arg) noexcept { static_cast<detail::TaskBase*>(arg)->step(); }, &task});
  }
  void add_timer(detail::TimerNode& node, std::int64_t when_ns);
  void remove_timer(detail::TimerNode& node) noexcept;
  void register_fd(detail::IoWatch& watch, int fd);
  void unregister_fd(int fd) noexcept;
  void adopt_task(detail::TaskBase& task) noexcept;   // a task of this loop starts
  void forget_task(detail::TaskBase& task) noexcept;  // it finished
  /// Runs until pred() is true (run_until_complete's engine).
  template <class Pred>
  void run_until(Pred pred) {
    RunningGuard guard(*this);
    while (!pred() && !stopping_) run_once();
    stopping_ = false;
  }

 private:
  class RunningGuard {
   public:
    explicit RunningGuard(EventLoop& loop);
    RunningGuard(const RunningGuard&) = delete;
    RunningGuard& operator=(const RunningGuard&) = delete;
    ~RunningGuard();

   private:
    EventLoop& loop_;
    EventLoop* previous_;
  };
  template <class Rep, class Period>
  static std::int64_t to_ns(std::chrono::duration<Rep, Period> d) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return ns < 0 ? 0 : static_cast<std::int64_t>(ns);
  }
  TimerHandle call_at_ns(std::int64_t when_ns, std::function<void()> fn);
  void run_once();
  void poll_io(int timeout_ms);
  void run_due_timers();
  void drain_threadsafe();
  void set_fd_callback(int fd, bool write, std::function<void()> fn);
  bool clear_fd_callback(int fd, bool write);
  void fd_callbacks_ready(detail::FdCallbacks& entry, std::uint32_t events);
  void drop_fd_callbacks() noexcept;
  void heap_up(std::size_t i) noexcept;
  void heap_down(std::size_t i) noexcept;
  void heap_swap(std::size_t a, std::size_t b) noexcept;

  detail::ReadyQueue ready_;
  std::vector<detail::TimerNode*> timers_;
  std::uint64_t timer_seq_ = 0;
  detail::TaskBase* tasks_ = nullptr;  // pending tasks (intrusive list)
  std::size_t task_count_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool running_ = false;
  bool stopping_ = false;
  bool closed_ = false;  // written under threadsafe_mutex_ (read there by other threads)
  bool executor_shutdown_called_ = false;
  std::mutex threadsafe_mutex_;
  std::vector<std::function<void()>> threadsafe_;
  bool sleeping_ = false;  // guarded by threadsafe_mutex_: the loop may block in epoll_wait
  std::function<void(const std::string&)> exception_handler_;
  std::unique_ptr<futures::ThreadPoolExecutor> default_executor_;
  // add_reader / add_writer registrations by fd (epoll data: the entry's address | 1).
  std::unordered_map<int, std::unique_ptr<detail::FdCallbacks, detail::FdCallbacksDelete>>
      fd_callbacks_;
};

/// The loop running in this thread; RuntimeError("no running event loop") when none.
EventLoop& get_running_loop();
/// The running loop, or nullptr.
EventLoop* running_loop() noexcept;

}  // namespace concur::asyncio
