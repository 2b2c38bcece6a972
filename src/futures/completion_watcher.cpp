#include <climits>
#include <mutex>
#include <utility>

#include "concur/futures/wait.hpp"

namespace concur::detail {

CompletionWatcher::CompletionWatcher(const std::vector<FutureCore*>& futures) {
  watched_.reserve(futures.size());
  for (FutureCore* f : futures) {
    if (f->add_watcher(this)) {
      watched_.push_back(f);
    } else {
      std::lock_guard g(lock_);
      finished_.push_back(f);  // already done
    }
  }
}

CompletionWatcher::~CompletionWatcher() {
  for (FutureCore* f : watched_) f->remove_watcher(this);
}

void CompletionWatcher::on_done(FutureCore* future) noexcept {
  {
    std::lock_guard g(lock_);
    finished_.push_back(future);
  }
  seq_.fetch_add(1, std::memory_order_release);
  futex_wake(seq_, INT_MAX);
}

std::vector<FutureCore*> CompletionWatcher::take() {
  std::lock_guard g(lock_);
  return std::exchange(finished_, {});
}

}  // namespace concur::detail
