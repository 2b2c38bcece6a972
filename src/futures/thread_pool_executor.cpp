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
  std::lock_guard g(shutdown_lock_);
  if (!broken_.empty()) throw BrokenThreadPool(broken_);
  if (shutdown_) throw RuntimeError("cannot schedule new futures after shutdown");
  work_.put(std::move(task));
  adjust_thread_count();
}

void ThreadPoolExecutor::adjust_thread_count() {
  // An idle worker will pick the task up: no new thread (Python 3.8+).
  if (idle_.acquire(false)) return;
  if (threads_.size() >= max_workers_) return;
  threading::ThreadOptions options;
  options.name = prefix_ + "_" + std::to_string(threads_.size());
  options.daemon = true;  // the executor joins its workers itself (shutdown / destructor)
  auto t = std::make_unique<threading::Thread>(std::move(options), [this] { worker_main(); });
  t->start();
  threads_.push_back(std::move(t));
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
  for (;;) {
    Task task;
    try {
      task = work_.get();
    } catch (const queue::ShutDown&) {
      return;  // shut down and drained
    }
    task->run();
    task.reset();
    idle_.release();
  }
}

void ThreadPoolExecutor::initializer_failed() {
  const std::string reason = "A thread initializer failed, the thread pool is not usable anymore";
  {
    std::lock_guard g(shutdown_lock_);
    broken_ = reason;
  }
  // Fail everything still queued; later submits raise BrokenThreadPool.
  while (auto task = work_.try_get()) {
    if ((*task)->set_running_or_notify_cancel()) {
      (*task)->set_exception_erased(std::make_exception_ptr(BrokenThreadPool(reason)));
    }
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<threading::Thread*> to_join;
  {
    std::lock_guard g(shutdown_lock_);
    shutdown_ = true;
    if (cancel_futures) {
      while (auto task = work_.try_get()) (*task)->cancel();
    }
    work_.shutdown(false);  // workers finish what is queued, then see ShutDown and exit
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
