// concur/futures/thread_pool_executor.hpp - concurrent.futures.ThreadPoolExecutor.
//
// Workers start lazily (one per submit while none is idle, up to max_workers), named
// "<prefix>_N". A failing initializer breaks the pool: pending and later work fails with
// BrokenThreadPool. The destructor is shutdown(wait=true), like leaving Python's `with`.
//   concur::futures::ThreadPoolExecutor pool(4);
//   auto f = pool.submit([](int x) { return x * x; }, 7);
//   std::printf("%d\n", f.result());      // 49
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "concur/detail/work_queue.hpp"
#include "concur/futures/executor.hpp"
#include "concur/threading/lock.hpp"
#include "concur/threading/semaphore.hpp"
#include "concur/threading/thread.hpp"

namespace concur::futures {

class ThreadPoolExecutor : public Executor {
 public:
  /// Python: ThreadPoolExecutor(max_workers=None, thread_name_prefix='', initializer=None).
  /// max_workers defaults to min(32, cpu_count + 4); 0 throws ValueError.
  explicit ThreadPoolExecutor(std::optional<std::size_t> max_workers = std::nullopt,
                              std::string thread_name_prefix = "",
                              std::function<void()> initializer = {});
  ~ThreadPoolExecutor() override;

  void shutdown(bool wait = true, bool cancel_futures = false) override;

  [[nodiscard]] std::size_t max_workers() const noexcept { return max_workers_; }
  /// Worker threads started so far.
  [[nodiscard]] std::size_t worker_count();

 protected:
  void enqueue(std::shared_ptr<concur::detail::FutureCore> task) override;

 private:
  using Task = std::shared_ptr<concur::detail::FutureCore>;
  void adjust_thread_count();
  void worker_main();
  void initializer_failed();
  void fail_queued_tasks();  // fails every queued task with BrokenThreadPool

  void start_worker_locked();

  std::size_t max_workers_;
  std::string prefix_;
  std::function<void()> initializer_;
  concur::detail::WorkQueue<Task> work_;
  threading::Semaphore idle_{0};
  threading::Lock shutdown_lock_;
  std::vector<std::unique_ptr<threading::Thread>> threads_;  // guarded by shutdown_lock_
  bool shutdown_ = false;                                    // guarded by shutdown_lock_
  std::atomic<bool> all_started_{false};  // max_workers threads exist: skip idle accounting
  std::atomic<bool> broken_{false};
  std::string broken_reason_;  // written once, before broken_ becomes true
};

}  // namespace concur::futures
