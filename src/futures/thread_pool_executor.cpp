// ThreadPoolExecutor follows CPython's Lib/concurrent/futures/thread.py: an unbounded work
// queue, an idle-worker semaphore deciding whether submit() starts a thread, and
// queue shutdown (rather than None sentinels) to stop the workers once the queue drains.
#include "concur/futures/thread_pool_executor.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include "concur/detail/exception_text.hpp"
#include "concur/futures/errors.hpp"

namespace concur::futures {

namespace {
std::size_t default_workers() {
  const unsigned cpus = std::max(1U, std::thread::hardware_concurrency());
  return std::min<std::size_t>(32, cpus + 4);
}
}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(std::optional<std::size_t> max_workers,
                                       std::string thread_name_prefix,
                                       std::function<void()> initializer)
    : max_workers_(max_workers.value_or(default_workers())),
      prefix_(thread_name_prefix.empty() ? "ThreadPoolExecutor" : std::move(thread_name_prefix)),
      initializer_(std::move(initializer)) {
  if (max_workers_ == 0) throw ValueError("max_workers must be greater than 0");
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  try {
    shutdown(true);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void ThreadPoolExecutor::enqueue(std::shared_ptr<concur::detail::FutureCore> task) {
  if (broken_.load(std::memory_order_acquire)) throw BrokenThreadPool(broken_reason_);
  // The queue refuses work once shut down, so no task can slip in behind shutdown().
  if (!work_.push(std::move(task))) {
    throw RuntimeError("cannot schedule new futures after shutdown");
  }
  // An initializer may have failed (and drained the queue) between the check above and the
  // push: re-check with a read-modify-write, which orders it against initializer_failed()'s
  // exchange, so either it sees this task or this sees the flag.
  bool healthy = false;
  if (!broken_.compare_exchange_strong(healthy, false, std::memory_order_acq_rel)) {
    fail_queued_tasks();
    throw BrokenThreadPool(broken_reason_);
  }
  if (all_started_.load(std::memory_order_relaxed)) return;
  std::lock_guard g(shutdown_lock_);
  adjust_thread_count();
}

void ThreadPoolExecutor::adjust_thread_count() {
  // An idle worker will pick the task up: no new thread (Python 3.8+).
  if (idle_.acquire(false)) return;
  if (shutdown_ || threads_.size() >= max_workers_) return;
  start_worker_locked();
}

void ThreadPoolExecutor::start_worker_locked() {
  threading::ThreadOptions options;
  options.name = prefix_ + "_" + std::to_string(threads_.size());
  options.daemon = true;  // the executor joins its workers itself (shutdown / destructor)
  auto t = std::make_unique<threading::Thread>(std::move(options), [this] { worker_main(); });
  t->start();
  threads_.push_back(std::move(t));
  if (threads_.size() >= max_workers_) all_started_.store(true, std::memory_order_relaxed);
}

void ThreadPoolExecutor::worker_main() {
  if (initializer_) {
    try {
      initializer_();
    } catch (...) {
      const std::string text =
          "Exception in initializer: " +
          concur::detail::to_string(concur::detail::describe_current_exception()) + "\n";
      std::fputs(text.c_str(), stderr);
      initializer_failed();
      return;
    }
  }
  std::optional<Task> task;
  while (work_.pop(task, true, concur::detail::Deadline::never()) == concur::detail::OpStatus::ok) {
    (*task)->run();
    task.reset();
    if (!all_started_.load(std::memory_order_relaxed)) idle_.release();
  }
}

void ThreadPoolExecutor::initializer_failed() {
  {
    std::lock_guard g(shutdown_lock_);
    if (!broken_.load(std::memory_order_relaxed)) {
      broken_reason_ = "A thread initializer failed, the thread pool is not usable anymore";
      (void)broken_.exchange(true, std::memory_order_acq_rel);  // pairs with enqueue()'s re-check
    }
  }
  fail_queued_tasks();  // later submits raise BrokenThreadPool
}

void ThreadPoolExecutor::fail_queued_tasks() {
  std::optional<Task> task;
  while (work_.pop(task, false, {}) == concur::detail::OpStatus::ok) {
    if ((*task)->set_running_or_notify_cancel()) {
      (*task)->set_exception_erased(std::make_exception_ptr(BrokenThreadPool(broken_reason_)));
    }
    task.reset();
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<threading::Thread*> to_join;
  {
    std::lock_guard g(shutdown_lock_);
    shutdown_ = true;
    if (cancel_futures) {
      std::optional<Task> task;
      while (work_.pop(task, false, {}) == concur::detail::OpStatus::ok) {
        (*task)->cancel();
        task.reset();
      }
    }
    work_.shutdown();  // workers finish what is queued, then exit
    // A submit that raced this shutdown may have queued work before any worker existed.
    if (threads_.empty() && work_.size() != 0) start_worker_locked();
    for (auto& t : threads_) to_join.push_back(t.get());
  }
  if (wait) {
    for (threading::Thread* t : to_join) {
      if (t->ident() != threading::get_ident()) t->join();
    }
  }
}

std::size_t ThreadPoolExecutor::worker_count() {
  std::lock_guard g(shutdown_lock_);
  return threads_.size();
}

}  // namespace concur::futures
