#include "concur/asyncio/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <thread>
#include <utility>

#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/errors.hpp"
#include "concur/futures/thread_pool_executor.hpp"

namespace concur::asyncio {

namespace detail {

struct HandleState {
  std::function<void()> fn;
  std::atomic<bool> cancelled{false};
};

struct TimerState : TimerNode {
  EventLoop* loop = nullptr;
  std::function<void()> fn;
  std::shared_ptr<TimerState> keep;  // the loop's reference while armed
  bool cancelled = false;
};

}  // namespace detail

void detail::report_callback_error(const EventLoop& loop, const char* what) {
  const std::string text = concur::detail::to_string(concur::detail::describe_current_exception());
  loop.call_exception_handler(std::string("Exception in ") + what + ": " + text);
}

namespace {

using detail::report_callback_error;

thread_local EventLoop* tl_running_loop = nullptr;

// A call_soon callback in the ready queue; arg is a heap-held reference to its state.
void run_handle(void* arg) noexcept {
  std::unique_ptr<std::shared_ptr<detail::HandleState>> holder(
      static_cast<std::shared_ptr<detail::HandleState>*>(arg));
  detail::HandleState& s = **holder;
  if (s.cancelled.load(std::memory_order_relaxed) || !s.fn) return;
  auto fn = std::move(s.fn);
  s.fn = nullptr;
  try {
    fn();
  } catch (...) {
    report_callback_error(get_running_loop(), "callback");
  }
}

// A call_later / call_at timer fires (the loop's reference to its state goes with it).
void fire_timer_callback(detail::TimerNode& node) noexcept {
  auto& s = static_cast<detail::TimerState&>(node);
  const std::shared_ptr<detail::TimerState> keep = std::move(s.keep);
  if (s.cancelled || !s.fn) return;
  auto fn = std::move(s.fn);
  s.fn = nullptr;
  try {
    fn();
  } catch (...) {
    report_callback_error(*s.loop, "timer callback");
  }
}

[[noreturn]] void throw_errno(const char* what, int err) {
  throw RuntimeError(std::string(what) + ": " + concur::detail::errno_text(err));
}

}  // namespace

// ------------------------------------------------------------------- handles

void Handle::cancel() noexcept {
  if (state_) {
    state_->cancelled.store(true, std::memory_order_relaxed);
    state_->fn = nullptr;
  }
}

bool Handle::cancelled() const noexcept {
  return state_ && state_->cancelled.load(std::memory_order_relaxed);
}

void TimerHandle::cancel() noexcept {
  if (!state_ || state_->cancelled) return;
  state_->cancelled = true;
  if (state_->armed()) state_->loop->remove_timer(*state_);
  state_->fn = nullptr;
  state_->keep.reset();
}

bool TimerHandle::cancelled() const noexcept {
  return state_ && state_->cancelled;
}

double TimerHandle::when() const noexcept {
  return state_ ? static_cast<double>(state_->when_ns) / 1e9 : 0.0;
}

// ------------------------------------------------------------------- loop basics

EventLoop::EventLoop() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1", errno);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    const int err = errno;
    ::close(epoll_fd_);
    throw_errno("eventfd", err);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up fd
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    const int err = errno;
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw_errno("epoll_ctl", err);
  }
}

EventLoop::~EventLoop() {
  if (running_) {
    std::fputs("concur: an EventLoop was destroyed while running\n", stderr);
    std::abort();
  }
  close();
}

std::int64_t EventLoop::now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double EventLoop::time() const noexcept {
  return static_cast<double>(now_ns()) / 1e9;
}

futures::ThreadPoolExecutor& EventLoop::default_executor() {
  if (closed_) throw RuntimeError("Event loop is closed");
  if (executor_shutdown_called_) throw RuntimeError("Executor shutdown has been called");
  if (!default_executor_) default_executor_ = std::make_unique<futures::ThreadPoolExecutor>();
  return *default_executor_;
}

void EventLoop::shutdown_default_executor() {
  if (running_) {
    throw RuntimeError(
        "shutdown_default_executor() needs the loop to itself: call it when the loop is not "
        "running (asyncio::run does)");
  }
  executor_shutdown_called_ = true;
  const std::unique_ptr<futures::ThreadPoolExecutor> executor = std::move(default_executor_);
  if (!executor || closed_) return;
  // As Python, the executor shuts down in another thread while this loop keeps serving: a
  // call still running may wait for the loop (run_coroutine_threadsafe(...).result()).
  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    executor->shutdown(true);
    finished.store(true, std::memory_order_release);
    try {
      call_soon_threadsafe([] {});  // wakes the loop (not closed: it joins us first)
    } catch (...) {                 // out of memory: the loop wakes within its next timeout
    }
  });
  const auto is_finished = [&] { return finished.load(std::memory_order_acquire); };
  try {
    while (!is_finished()) run_until(is_finished);  // again if a callback calls stop()
  } catch (...) {
    waiter.join();
    throw;
  }
  waiter.join();
}

void EventLoop::close() {
  if (running_) throw RuntimeError("cannot close a running event loop");
  if (closed_) return;
  // Tasks that never finished: destroy their frames (their awaiters unlink themselves from
  // timers and fds as they go). Python would warn "Task was destroyed but it is pending".
  while (tasks_ != nullptr) {
    detail::TaskBase* t = tasks_;
    forget_task(*t);
    // Dropped after the loop's reference: a callback may hold the last one (Task::
    // add_done_callback keeps the task), and its captures may cancel futures.
    std::vector<std::function<void()>> callbacks = t->take_done_callbacks();
    t->release();
    callbacks.clear();
  }
  while (!ready_.empty()) {
    const detail::ReadyItem r = ready_.pop();
    if (r.fn == &run_handle) delete static_cast<std::shared_ptr<detail::HandleState>*>(r.arg);
    if (r.fn == &detail::run_fd_callback) detail::discard_fd_callback(r.arg);
  }
  // Armed call_later timers: the loop's references to them go (their callbacks never run).
  std::vector<std::shared_ptr<detail::TimerState>> unfired;
  for (auto* node : timers_) {
    node->heap_index = static_cast<std::size_t>(-1);
    if (node->fire == &fire_timer_callback) {
      unfired.push_back(std::move(static_cast<detail::TimerState*>(node)->keep));
    }
  }
  timers_.clear();
  unfired.clear();
  drop_fd_callbacks();
  std::vector<std::function<void()>> dropped;
  {
    // Marked closed under the lock: call_soon_threadsafe() (which writes to wake_fd_ with the
    // lock held) then refuses before the descriptors go.
    std::lock_guard g(threadsafe_mutex_);
    closed_ = true;
    dropped.swap(threadsafe_);
  }
  dropped.clear();  // outside the lock: a dropped callback's captures may cancel futures
  // Calls of the default executor still running finish now, without the loop: their results
  // have nowhere to go, and a call that posts to the loop gets "Event loop is closed".
  executor_shutdown_called_ = true;
  if (default_executor_) default_executor_->shutdown(true);
  default_executor_.reset();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::set_exception_handler(std::function<void(const std::string&)> handler) {
  exception_handler_ = std::move(handler);
}

void EventLoop::call_exception_handler(const std::string& message) const {
  if (exception_handler_) {
    try {
      exception_handler_(message);
      return;
    } catch (...) {
      std::fputs("concur: the asyncio exception handler threw\n", stderr);
    }
  }
  const std::string line = message + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

EventLoop::RunningGuard::RunningGuard(EventLoop& loop) : loop_(loop), previous_(tl_running_loop) {
  if (loop.closed_) throw RuntimeError("Event loop is closed");
  if (loop.running_) throw RuntimeError("This event loop is already running");
  if (previous_ != nullptr) {
    throw RuntimeError("Cannot run the event loop while another loop is running");
  }
  loop.running_ = true;
  tl_running_loop = &loop;
}

EventLoop::RunningGuard::~RunningGuard() {
  loop_.running_ = false;
  tl_running_loop = previous_;
}

EventLoop& get_running_loop() {
  if (tl_running_loop == nullptr) throw RuntimeError("no running event loop");
  return *tl_running_loop;
}

EventLoop* running_loop() noexcept {
  return tl_running_loop;
}

void EventLoop::run_forever() {
  RunningGuard guard(*this);
  while (!stopping_) run_once();
  stopping_ = false;
}

// ------------------------------------------------------------------- callbacks

Handle EventLoop::call_soon(std::function<void()> fn) {
  if (closed_) throw RuntimeError("Event loop is closed");
  auto state = std::make_shared<detail::HandleState>();
  state->fn = std::move(fn);
  Handle h(state);
  // The queue holds its own reference (run_handle frees it).
  auto holder = std::make_unique<std::shared_ptr<detail::HandleState>>(std::move(state));
  ready_.push({&run_handle, holder.get()});
  (void)holder.release();
  return h;
}

Handle EventLoop::call_soon_threadsafe(std::function<void()> fn) {
  auto state = std::make_shared<detail::HandleState>();
  state->fn = std::move(fn);
  {
    std::lock_guard g(threadsafe_mutex_);
    if (closed_) throw RuntimeError("Event loop is closed");
    threadsafe_.emplace_back([state] {
      if (state->cancelled.load(std::memory_order_relaxed) || !state->fn) return;
      auto f = std::move(state->fn);
      state->fn = nullptr;
      f();
    });
    if (sleeping_) {
      // Under the lock, so that close() cannot free the descriptor (or let another file
      // reuse its number) in between.
      sleeping_ = false;
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
    }
  }
  return Handle(state);
}

void EventLoop::drain_threadsafe() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard g(threadsafe_mutex_);
    if (threadsafe_.empty()) return;
    batch.swap(threadsafe_);
  }
  for (auto& fn : batch) call_soon(std::move(fn));
}

TimerHandle EventLoop::call_at(double when, std::function<void()> fn) {
  return call_at_ns(static_cast<std::int64_t>(when * 1e9), std::move(fn));
}

TimerHandle EventLoop::call_at_ns(std::int64_t when_ns, std::function<void()> fn) {
  if (closed_) throw RuntimeError("Event loop is closed");
  auto state = std::make_shared<detail::TimerState>();
  state->loop = this;
  state->fn = std::move(fn);
  state->keep = state;
  state->fire = &fire_timer_callback;
  add_timer(*state, when_ns);
  return TimerHandle(state);
}

// ------------------------------------------------------------------- tasks

void EventLoop::adopt_task(detail::TaskBase& task) noexcept {
  task.all_prev = nullptr;
  task.all_next = tasks_;
  if (tasks_ != nullptr) tasks_->all_prev = &task;
  tasks_ = &task;
  ++task_count_;
}

void EventLoop::forget_task(detail::TaskBase& task) noexcept {
  if (task.all_prev != nullptr) {
    task.all_prev->all_next = task.all_next;
  } else {
    tasks_ = task.all_next;
  }
  if (task.all_next != nullptr) task.all_next->all_prev = task.all_prev;
  task.all_prev = task.all_next = nullptr;
  --task_count_;
}

void EventLoop::cancel_all_tasks() {
  std::vector<detail::TaskBase*> victims;
  for (detail::TaskBase* t = tasks_; t != nullptr; t = t->all_next) {
    t->add_ref();
    victims.push_back(t);
  }
  for (auto* t : victims) t->cancel();
  run_until([&] {
    for (auto* t : victims) {
      if (!t->done()) return false;
    }
    return true;
  });
  for (auto* t : victims) t->release();
}

// ------------------------------------------------------------------- timers (indexed heap)

namespace {
bool earlier(const detail::TimerNode* a, const detail::TimerNode* b) noexcept {
  return a->when_ns != b->when_ns ? a->when_ns < b->when_ns : a->seq < b->seq;
}
}  // namespace

void EventLoop::heap_swap(std::size_t a, std::size_t b) noexcept {
  std::swap(timers_[a], timers_[b]);
  timers_[a]->heap_index = a;
  timers_[b]->heap_index = b;
}

void EventLoop::heap_up(std::size_t i) noexcept {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!earlier(timers_[i], timers_[parent])) break;
    heap_swap(i, parent);
    i = parent;
  }
}

void EventLoop::heap_down(std::size_t i) noexcept {
  const std::size_t n = timers_.size();
  for (;;) {
    std::size_t best = i;
    const std::size_t l = 2 * i + 1;
    const std::size_t r = l + 1;
    if (l < n && earlier(timers_[l], timers_[best])) best = l;
    if (r < n && earlier(timers_[r], timers_[best])) best = r;
    if (best == i) return;
    heap_swap(i, best);
    i = best;
  }
}

void EventLoop::add_timer(detail::TimerNode& node, std::int64_t when_ns) {
  node.when_ns = when_ns;
  node.seq = timer_seq_++;
  node.heap_index = timers_.size();
  timers_.push_back(&node);
  heap_up(node.heap_index);
}

void EventLoop::remove_timer(detail::TimerNode& node) noexcept {
  if (!node.armed()) return;
  const std::size_t i = node.heap_index;
  const std::size_t last = timers_.size() - 1;
  if (i != last) {
    heap_swap(i, last);
    timers_.pop_back();
    heap_down(i);
    heap_up(i);
  } else {
    timers_.pop_back();
  }
  node.heap_index = static_cast<std::size_t>(-1);
}

void EventLoop::run_due_timers() {
  if (timers_.empty()) return;
  const std::int64_t now = now_ns();
  while (!timers_.empty() && timers_.front()->when_ns <= now) {
    detail::TimerNode* node = timers_.front();
    remove_timer(*node);
    node->fire(*node);  // wakes a task or runs a call_later callback
  }
}

// ------------------------------------------------------------------- IO

void EventLoop::register_fd(detail::IoWatch& watch, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &watch;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl(ADD)", errno);
}

void EventLoop::unregister_fd(int fd) noexcept {
  if (!closed_) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::poll_io(int timeout_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll_wait", errno);
  }
  // Only wake-ups here (no user code), so no watch can disappear while we walk the batch.
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[i].data.u64;
    if ((tag & 1U) != 0) {  // an add_reader / add_writer registration
      fd_callbacks_ready(
          *reinterpret_cast<detail::FdCallbacks*>(tag & ~std::uint64_t{1}),  // NOLINT
          events[i].events);
      continue;
    }
    auto* watch = static_cast<detail::IoWatch*>(events[i].data.ptr);
    if (watch == nullptr) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
      continue;
    }
    watch->on_events(events[i].events);
  }
}

void EventLoop::run_once() {
  drain_threadsafe();
  int timeout_ms = 0;
  if (ready_.empty() && !stopping_) {
    if (timers_.empty()) {
      timeout_ms = -1;
    } else {
      const std::int64_t left = timers_.front()->when_ns - now_ns();
      // Round up so the timer is due when epoll returns (epoll has millisecond granularity).
      timeout_ms =
          left <= 0
              ? 0
              : static_cast<int>(std::min<std::int64_t>((left + 999'999) / 1'000'000, INT_MAX));
    }
  }
  if (timeout_ms != 0) {
    std::lock_guard g(threadsafe_mutex_);
    if (!threadsafe_.empty()) {
      timeout_ms = 0;
    } else {
      sleeping_ = true;
    }
  }
  poll_io(timeout_ms);
  if (timeout_ms != 0) {
    std::lock_guard g(threadsafe_mutex_);
    sleeping_ = false;
  }
  run_due_timers();
  drain_threadsafe();
  // Run what is ready now; what these schedule waits for the next iteration (Python's order).
  for (std::size_t n = ready_.size(); n > 0; --n) {
    const detail::ReadyItem r = ready_.pop();
    r.fn(r.arg);
  }
}

// ------------------------------------------------------------------- IoWatch

namespace detail {

IoWatch::IoWatch(EventLoop& loop, int fd) : loop_(&loop), fd_(fd) {
  loop.register_fd(*this, fd);
}

IoWatch::~IoWatch() {
  if (registered_) loop_->unregister_fd(fd_);
}

void IoWatch::deregister() noexcept {
  if (registered_) loop_->unregister_fd(fd_);
  registered_ = false;
  write_cb_ = nullptr;
  on_events(EPOLLHUP);  // waiters look again and find the stream closed
}

void IoWatch::on_events(std::uint32_t events) noexcept {
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    if (reader_ != nullptr) {
      TaskBase* t = reader_;
      reader_ = nullptr;
      t->wake();
    } else {
      read_ready_ = true;
    }
  }
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
    if (writer_ != nullptr) {
      TaskBase* t = writer_;
      writer_ = nullptr;
      t->wake();
    } else if (write_cb_ != nullptr) {
      write_cb_(write_arg_);
    }
  }
}

void IoWatch::Wait::await_suspend(std::coroutine_handle<> h) {
  task_ = &current_task();
  TaskBase*& slot = write_ ? watch_->writer_ : watch_->reader_;
  if (slot != nullptr) {
    throw RuntimeError(write_ ? "another coroutine is already waiting to write to this fd"
                              : "another coroutine is already waiting to read from this fd");
  }
  slot = task_;
  task_->suspend_on(h, this);
}

IoWatch::Wait::~Wait() {
  if (task_ == nullptr) return;
  TaskBase*& slot = write_ ? watch_->writer_ : watch_->reader_;
  if (slot == task_) slot = nullptr;
}

bool IoWatch::Wait::cancel() noexcept {
  TaskBase*& slot = write_ ? watch_->writer_ : watch_->reader_;
  if (slot == task_) slot = nullptr;
  task_->wake_cancelled();
  return true;
}

}  // namespace detail

}  // namespace concur::asyncio
