// ProcessPoolExecutor follows CPython's Lib/concurrent/futures/process.py in what it promises
// (a manager thread, workers started together for fork, BrokenProcessPool when one dies) but
// not in its plumbing: each worker has its own socket, the manager hands a call to a worker
// only when that worker is idle (so queued calls stay cancellable), and a worker's death shows
// as its socket's EOF or its pidfd becoming readable.
// The workers' side and the messages are in process_pool_worker.cpp.
#include "concur/futures/process_pool_executor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "concur/detail/deadline.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/detail/random_token.hpp"
#include "concur/errors.hpp"
#include "concur/multiprocessing/connection.hpp"
#include "concur/multiprocessing/context.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/process.hpp"
#include "process_pool_worker.hpp"

namespace concur::futures {
namespace detail_pool {

// Waits up to `grace` for the process to end, then SIGKILLs and reaps it.
void join_or_kill(mp::Process& process, Timeout grace) {
  if (!process.join(grace)) {
    process.kill();
    process.join();
  }
}

// "exit code N" or "killed by signal N" once it ended within a second; `otherwise` if not.
std::string how_it_ended(mp::Process& process, const std::string& otherwise) {
  if (!process.join(Timeout(std::chrono::seconds(1)))) return otherwise;
  const int code = *process.exitcode();
  return code < 0 ? "killed by signal " + std::to_string(-code)
                  : "exit code " + std::to_string(code);
}

struct Worker {
  std::unique_ptr<mp::Process> process;
  mp::Connection conn;              // the pool's end of the worker's socket (closed: connecting)
  std::optional<PoolCall> running;  // manager thread only
  std::size_t calls_done = 0;       // manager thread only (for max_tasks_per_child)
  std::string token;                // spawn / forkserver: what it says when it connects
};

struct PoolState : std::enable_shared_from_this<PoolState> {
  std::size_t max_workers = 0;
  std::string start_method = "fork";
  std::function<void()> initializer;             // fork only: runs in each worker
  std::optional<mp::TaskCall> initializer_call;  // any start method
  std::optional<std::size_t> max_tasks_per_child;
  std::string address;  // spawn / forkserver: where the workers connect
  int listener = -1;    // open while workers may still connect (with max_tasks_per_child, always)
  pid_t owner = ::getpid();  // a forked worker must not act on its copy of the pool
  int wake_fd = -1;          // eventfd: submit() and shutdown() wake the manager

  std::mutex mutex;
  std::deque<PoolCall> pending;  // guarded by mutex
  bool shutdown = false;         // guarded by mutex
  bool broken = false;           // guarded by mutex
  std::string broken_reason;     // guarded by mutex
  std::vector<pid_t> pids;       // guarded by mutex

  std::mutex start_mutex;       // held while the workers and the manager start, and to join it
  bool started = false;         // guarded by start_mutex
  std::thread manager;          // guarded by start_mutex
  std::vector<Worker> workers;  // written before the manager starts, then its own
  std::vector<mp::Connection> child_ends;  // the workers' ends of their sockets, until forked

  PoolState() {
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) mp::detail::throw_os_error("ProcessPoolExecutor: eventfd", errno);
  }
  PoolState(const PoolState&) = delete;
  PoolState& operator=(const PoolState&) = delete;
  ~PoolState() {
    ::close(wake_fd);
    if (listener >= 0) ::close(listener);
  }

  void wake() const noexcept {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }

  // ------------------------------------------------------------ in a forked worker
  void forked_worker_main(std::size_t me, pid_t parent) {
    // Keep only this worker's end of its own socket. The pool's ends (of every worker's
    // socket) must close when the pool closes them, or the workers never see EOF.
    for (Worker& w : workers) w.conn.close();
    ::close(wake_fd);
    wake_fd = -1;
    for (std::size_t i = 0; i < child_ends.size(); ++i) {
      if (i != me) child_ends[i].close();
    }
    serve_calls(child_ends[me], parent, initializer_for_worker());
  }

  [[nodiscard]] std::function<void()> initializer_for_worker() const {
    return initializer ? initializer : initializer_running(initializer_call);
  }

  // ------------------------------------------------------------ in the pool's process
  // Starts every worker, then the manager thread (start_mutex held).
  void start_locked() {
    started = true;
    try {
      if (start_method == "fork") {
        fork_workers();
      } else {
        start_fresh_workers();
      }
      // The thread keeps the state alive: shutdown() from a done callback detaches it, and
      // the executor may be gone before it ends.
      manager = std::thread([self = shared_from_this()] { self->manage(); });
    } catch (...) {
      const std::string reason =
          "could not start the process pool: " +
          concur::detail::to_string(concur::detail::describe_current_exception());
      child_ends.clear();
      break_pool(reason);
      stop_workers(true);
      throw;
    }
  }

  [[nodiscard]] mp::ProcessOptions worker_options(std::size_t i) const {
    mp::ProcessOptions options;
    options.name = "ProcessPoolExecutor-worker-" + std::to_string(i);
    options.start_method = start_method;
    options.daemon = false;  // workers may start processes of their own (Python 3.9+)
    return options;
  }

  void started_worker(std::size_t i) {
    std::lock_guard g(mutex);
    pids.push_back(*workers[i].process->pid());
  }

  // fork: each worker gets one end of a socketpair and inherits the initializer.
  void fork_workers() {
    for (std::size_t i = 0; i < max_workers; ++i) {
      int sv[2] = {-1, -1};
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        mp::detail::throw_os_error("ProcessPoolExecutor: socketpair", errno);
      }
      workers.emplace_back();
      workers.back().conn = mp::Connection(sv[0], true, true);
      child_ends.emplace_back(sv[1], true, true);
    }
    const pid_t parent = ::getpid();
    for (std::size_t i = 0; i < max_workers; ++i) {
      workers[i].process = std::make_unique<mp::Process>(
          worker_options(i), [this, i, parent] { forked_worker_main(i, parent); });
      workers[i].process->start();
      child_ends[i].close();
      started_worker(i);
    }
    child_ends.clear();
  }

  // spawn / forkserver: a fresh worker connects back to a listening socket with an abstract
  // name of 128 random bits and proves who it is with its own 128-bit token.
  void start_fresh_workers() {
    address = std::string(1, '\0') + "concur-pool-" + concur::detail::random_hex(16);
    listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listener < 0) mp::detail::throw_os_error("ProcessPoolExecutor: socket", errno);
    const AbstractAddress at(address);
    if (::bind(listener, at.sockaddr_ptr(), at.length) != 0 ||
        ::listen(listener, static_cast<int>(max_workers)) != 0) {
      mp::detail::throw_os_error("ProcessPoolExecutor: listening for the workers", errno);
    }
    workers.resize(max_workers);
    for (std::size_t i = 0; i < max_workers; ++i) {
      start_fresh_worker(i);
      started_worker(i);
    }
    accept_workers();
    if (!max_tasks_per_child) close_listener();  // nobody else may connect
  }

  // Starts worker i (spawn / forkserver); it connects to `listener` later.
  void start_fresh_worker(std::size_t i) {
    Worker& w = workers[i];
    w.token = concur::detail::random_hex(16);
    w.calls_done = 0;
    w.process = std::make_unique<mp::Process>(
        worker_options(i), &pool_worker_entry, address, w.token,
        initializer_call ? initializer_call->name : std::string(),
        initializer_call ? initializer_call->args : std::string(), static_cast<int>(::getpid()));
    w.process->start();
  }

  void close_listener() noexcept {
    if (listener >= 0) ::close(listener);
    listener = -1;
  }

  [[nodiscard]] bool any_connecting() const {
    for (const Worker& w : workers) {
      if (w.process && w.conn.closed()) return true;
    }
    return false;
  }

  // max_tasks_per_child reached: the worker gets EOF and exits; a fresh one takes its place
  // and connects later (the manager accepts it). Manager thread.
  void replace_worker(std::size_t i) {
    Worker& w = workers[i];
    w.conn.close();
    join_or_kill(*w.process, Timeout(std::chrono::seconds(10)));
    start_fresh_worker(i);
    std::lock_guard g(mutex);
    if (i < pids.size()) pids[i] = *w.process->pid();
  }

  void accept_workers() {
    const concur::detail::Deadline deadline(Timeout(std::chrono::seconds(60)));
    std::size_t connected = 0;
    std::vector<pollfd> fds;
    while (connected < max_workers) {
      fds.assign(1, pollfd{listener, POLLIN, 0});
      for (const Worker& w : workers) fds.push_back(pollfd{w.process->sentinel(), POLLIN, 0});
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline.remaining());
      if (left.count() <= 0) throw BrokenProcessPool("the workers did not connect within 60 s");
      if (::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1) < 0) {
        if (errno == EINTR) continue;
        mp::detail::throw_os_error("ProcessPoolExecutor: poll", errno);
      }
      // Connections first: a worker may have connected and then ended (its initializer
      // failed); what it sent explains that better than its exit.
      if (fds[0].revents != 0) connected += accept_pending();
      for (std::size_t i = 0; i < workers.size(); ++i) {
        if (fds[1 + i].revents != 0 && workers[i].conn.closed()) {
          throw BrokenProcessPool("a worker process ended before it connected to the pool (" +
                                  how_it_ended(*workers[i].process, "still there") + ")");
        }
      }
    }
  }

  // Accepts the queued connections (the listener is non-blocking); returns how many proved
  // to be workers. A stranger, or a worker that does not send its token in time, is dropped.
  std::size_t accept_pending() {
    std::size_t accepted = 0;
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return accepted;
      mp::Connection conn(fd, true, true);
      std::string token;
      try {
        if (!conn.poll(Timeout(std::chrono::seconds(5)))) continue;
        token = conn.recv_bytes(64);
      } catch (const Error&) {
        continue;
      }
      for (Worker& w : workers) {
        if (token == w.token && w.conn.closed()) {
          w.conn = std::move(conn);
          ++accepted;
          break;
        }
      }
    }
  }

  void manage() {
    std::vector<pollfd> fds;
    bool stopping = false;
    while (!stopping) {
      dispatch();
      {
        std::lock_guard g(mutex);
        if (broken) break;
        // (A replacement worker still connecting is let in first, then told to exit.)
        if (shutdown && pending.empty() && all_idle() && !any_connecting()) break;
      }
      fds.clear();
      fds.push_back(pollfd{wake_fd, POLLIN, 0});
      fds.push_back(pollfd{any_connecting() ? listener : -1, POLLIN, 0});
      for (Worker& w : workers) {
        fds.push_back(pollfd{w.conn.closed() ? -1 : w.conn.fileno(), POLLIN, 0});
        fds.push_back(pollfd{w.process->sentinel(), POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        break_pool("the pool's manager failed: poll: " + concur::detail::errno_text(errno));
        break;
      }
      if (fds[0].revents != 0) {
        std::uint64_t count = 0;
        (void)!::read(wake_fd, &count, sizeof count);
      }
      if (fds[1].revents != 0) (void)accept_pending();
      for (std::size_t i = 0; i < workers.size() && !stopping; ++i) {
        if (fds[2 + 2 * i].revents != 0) {
          stopping = !receive(i);
        } else if (fds[3 + 2 * i].revents != 0) {
          worker_died(i);
          stopping = true;
        }
      }
    }
    bool terminate = false;
    {
      std::lock_guard g(mutex);
      terminate = broken;
    }
    stop_workers(terminate);
  }

  [[nodiscard]] bool all_idle() const {
    for (const Worker& w : workers) {
      if (w.running) return false;
    }
    return true;
  }

  // Hands queued calls to idle workers (manager thread).
  void dispatch() {
    for (std::size_t i = 0; i < workers.size(); ++i) {
      Worker& w = workers[i];
      while (!w.running && !w.conn.closed()) {
        PoolCall call;
        {
          std::lock_guard g(mutex);
          if (pending.empty() || broken) return;
          call = std::move(pending.front());
          pending.pop_front();
        }
        if (!call.future->set_running_or_notify_cancel()) continue;  // cancelled while queued
        std::string wire(1, call.chunk ? kChunk : kCall);
        mp::codec<WireCall>::encode(WireCall(std::move(call.call.name), std::move(call.call.args)),
                                    wire);
        w.running = std::move(call);
        try {
          w.conn.send_bytes(wire);
        } catch (const mp::OSError&) {
          worker_died(i);
          return;
        }
      }
    }
  }

  // Reads one message from worker i; false when the pool broke.
  bool receive(std::size_t i) {
    std::string message;
    try {
      message = workers[i].conn.recv_bytes();
    } catch (const Error&) {  // EOFError, or OSError for a torn frame: the worker died
      worker_died(i);
      return false;
    }
    return handle(i, message);
  }

  // Acts on one message from worker i; false when the pool broke.
  bool handle(std::size_t i, const std::string& message) {
    Worker& w = workers[i];
    const char status = message.empty() ? '\0' : message[0];
    const std::string_view body = std::string_view(message).substr(message.empty() ? 0 : 1);
    if (status == kInitFailed) {
      std::string what = "initializer failed";
      try {
        const auto [type, text] = mp::decode<WireError>(body);
        what = type + ": " + text;
      } catch (const mp::DecodeError&) {  // NOLINT(bugprone-empty-catch): keep the generic text
      }
      break_pool("A process in the initializer failed, the process pool is not usable anymore (" +
                 what + ")");
      return false;
    }
    if (!w.running || (status != kResult && status != kError)) {
      break_pool("a worker process sent a message the pool did not expect (status byte " +
                 std::to_string(static_cast<unsigned char>(status)) + ")");
      return false;
    }
    PoolCall call = std::move(*w.running);
    w.running.reset();
    try {
      if (status == kResult) {
        call.complete(*call.future, body);
      } else {
        const auto [type, text] = mp::decode<WireError>(body);
        call.future->set_exception_erased(rebuild_exception(type, text));
      }
    } catch (...) {  // a result that does not decode fails its own future only
      call.future->set_exception_erased(std::current_exception());
    }
    if (max_tasks_per_child && ++w.calls_done >= *max_tasks_per_child) {
      try {
        replace_worker(i);
      } catch (...) {
        break_pool("could not start a worker to replace one that reached max_tasks_per_child: " +
                   concur::detail::to_string(concur::detail::describe_current_exception()));
        return false;
      }
    }
    return true;
  }

  void worker_died(std::size_t i) {
    Worker& w = workers[i];
    // What it said before dying comes first: an initializer failure explains its exit.
    try {
      while (w.conn.poll() && handle(i, w.conn.recv_bytes())) {
      }
    } catch (const Error&) {  // NOLINT(bugprone-empty-catch): EOF or a torn frame, as expected
    }
    break_pool(
        "A process in the process pool was terminated abruptly while the future was running or "
        "pending (worker pid " +
        std::to_string(*w.process->pid()) + ", " + how_it_ended(*w.process, "its socket closed") +
        ")");
  }

  // Marks the pool broken and fails every running and queued call.
  void break_pool(const std::string& reason) {
    std::deque<PoolCall> queued;
    {
      std::lock_guard g(mutex);
      if (!broken) {
        broken = true;
        broken_reason = reason;
      }
      queued.swap(pending);
    }
    const auto error = std::make_exception_ptr(BrokenProcessPool(reason));
    for (Worker& w : workers) {
      if (!w.running) continue;
      const PoolCall call = std::move(*w.running);
      w.running.reset();
      call.future->set_exception_erased(error);
    }
    for (PoolCall& call : queued) {
      if (call.future->set_running_or_notify_cancel()) call.future->set_exception_erased(error);
    }
  }

  // Ends every worker: an EOF asks an idle one to exit; a broken pool terminates them.
  void stop_workers(bool terminate) {
    close_listener();
    for (Worker& w : workers) w.conn.close();
    for (Worker& w : workers) {
      if (!w.process) continue;
      if (terminate) w.process->terminate();
      join_or_kill(*w.process, Timeout(std::chrono::seconds(terminate ? 1 : 10)));
    }
    std::lock_guard g(mutex);
    pids.clear();
  }
};

namespace {

// Pools still alive at exit are shut down (waiting for their calls) before concur's exit
// hook joins the workers, as Python's _python_exit does.
std::mutex g_live_mutex;
std::vector<std::weak_ptr<PoolState>> g_live;  // guarded by g_live_mutex

void shut_down_live_pools();

void remember(const std::shared_ptr<PoolState>& state) {
  static const bool registered = [] {
    std::atexit(shut_down_live_pools);
    return true;
  }();
  (void)registered;
  std::lock_guard g(g_live_mutex);
  std::erase_if(g_live, [](const std::weak_ptr<PoolState>& w) { return w.expired(); });
  g_live.push_back(state);
}

}  // namespace

void request_shutdown(PoolState& s, bool cancel_futures) {
  std::deque<PoolCall> cancelled;
  {
    std::lock_guard g(s.mutex);
    s.shutdown = true;
    if (cancel_futures) cancelled.swap(s.pending);
  }
  for (PoolCall& call : cancelled) call.future->cancel();
  s.wake();
}

void join_manager(PoolState& s) {
  std::lock_guard g(s.start_mutex);
  if (!s.manager.joinable()) return;
  if (s.manager.get_id() == std::this_thread::get_id()) {
    s.manager.detach();  // shutdown from a done callback: the manager ends by itself
    return;
  }
  s.manager.join();
}

namespace {
void shut_down_live_pools() {
  std::vector<std::shared_ptr<PoolState>> live;
  {
    std::lock_guard g(g_live_mutex);
    for (auto& w : g_live) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) {
    if (s->owner != ::getpid()) continue;  // std::exit() inside a worker
    request_shutdown(*s, false);
    join_manager(*s);
  }
}
}  // namespace

}  // namespace detail_pool

namespace {
std::size_t default_process_workers() {
  return static_cast<std::size_t>(std::max(1, mp::cpu_count()));
}
}  // namespace

ProcessPoolExecutor::ProcessPoolExecutor(std::optional<std::size_t> max_workers,
                                         std::function<void()> initializer)
    : ProcessPoolExecutor(max_workers, mp::get_context(), std::nullopt) {
  if (initializer && state_->start_method != "fork") {
    throw ValueError("a callable initializer needs the fork start method (the default is '" +
                     state_->start_method +
                     "'): pass mp::make_task_call(fn, args...) with an mp::Context instead");
  }
  state_->initializer = std::move(initializer);
}

ProcessPoolExecutor::ProcessPoolExecutor(std::optional<std::size_t> max_workers,
                                         const mp::Context& mp_context,
                                         std::optional<mp::TaskCall> initializer,
                                         std::optional<std::size_t> max_tasks_per_child)
    : state_(std::make_shared<detail_pool::PoolState>()) {
  state_->max_workers = max_workers.value_or(default_process_workers());
  if (state_->max_workers == 0) throw ValueError("max_workers must be greater than 0");
  state_->start_method = mp_context.get_start_method();
  state_->initializer_call = std::move(initializer);
  if (max_tasks_per_child) {
    if (*max_tasks_per_child == 0) throw ValueError("max_tasks_per_child must be >= 1");
    if (state_->start_method == "fork") {
      throw ValueError("max_tasks_per_child is incompatible with the 'fork' start method");
    }
    state_->max_tasks_per_child = max_tasks_per_child;
  }
}

ProcessPoolExecutor::~ProcessPoolExecutor() {
  try {
    shutdown(true);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void ProcessPoolExecutor::enqueue(detail_pool::PoolCall call) {
  detail_pool::PoolState& s = *state_;
  if (s.owner != ::getpid()) {  // its manager thread and workers belong to another process
    throw RuntimeError(
        "this ProcessPoolExecutor belongs to the process that created it, not to a process "
        "forked from it: create a pool in this process");
  }
  {
    std::lock_guard g(s.mutex);
    if (s.broken) throw BrokenProcessPool(s.broken_reason);
    if (s.shutdown) throw RuntimeError("cannot schedule new futures after shutdown");
    s.pending.push_back(std::move(call));
  }
  {
    std::lock_guard g(s.start_mutex);
    if (!s.started) {
      s.start_locked();
      detail_pool::remember(state_);
    }
  }
  s.wake();
}

void ProcessPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  if (state_->owner != ::getpid()) return;  // a forked copy: nothing of it runs here
  detail_pool::request_shutdown(*state_, cancel_futures);
  if (wait) detail_pool::join_manager(*state_);
}

std::size_t ProcessPoolExecutor::max_workers() const noexcept {
  return state_->max_workers;
}

std::vector<pid_t> ProcessPoolExecutor::worker_pids() const {
  if (state_->owner != ::getpid()) return {};
  std::lock_guard g(state_->mutex);
  return state_->pids;
}

}  // namespace concur::futures
