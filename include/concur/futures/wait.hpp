// concur/futures/wait.hpp - concurrent.futures.wait and as_completed.
//
//   auto [done, not_done] = concur::futures::wait(fs, 5s, concur::futures::FIRST_COMPLETED);
//   for (auto& f : concur::futures::as_completed(fs, 10s)) print(f.result());
// A cancelled future counts as completed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "concur/detail/deadline.hpp"
#include "concur/detail/future_state.hpp"
#include "concur/futures/future.hpp"
#include "concur/timeout.hpp"

namespace concur::detail {

/// Watches a set of futures and collects them, in completion order, as they finish.
class CompletionWatcher final : public FutureWatcher {
 public:
  explicit CompletionWatcher(const std::vector<FutureCore*>& futures);
  CompletionWatcher(const CompletionWatcher&) = delete;
  CompletionWatcher& operator=(const CompletionWatcher&) = delete;
  ~CompletionWatcher();

  void on_done(FutureCore* future) noexcept override;
  /// Waits until pred(finished-so-far) or the deadline; returns pred's last value.
  template <class Pred>
  bool wait_until(const Deadline& deadline, Pred pred) {
    for (;;) {
      const std::uint32_t seen = seq_.load(std::memory_order_acquire);
      {
        std::lock_guard g(lock_);
        if (pred(finished_)) return true;
      }
      if (deadline.expired()) return false;
      if (!park(seq_, seen, deadline)) {
        std::lock_guard g(lock_);
        return pred(finished_);
      }
    }
  }
  /// Removes and returns the finished futures collected so far (in completion order).
  std::vector<FutureCore*> take();

 private:
  std::vector<FutureCore*> watched_;
  threading::Lock lock_;
  std::vector<FutureCore*> finished_;  // guarded by lock_
  std::atomic<std::uint32_t> seq_{0};
};

}  // namespace concur::detail

namespace concur::futures {

enum class ReturnWhen : std::uint8_t { first_completed, first_exception, all_completed };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::first_completed;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::first_exception;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::all_completed;

template <class T>
struct DoneAndNotDone {
  std::vector<Future<T>> done;
  std::vector<Future<T>> not_done;
};

/// Python: wait(fs, timeout=None, return_when=ALL_COMPLETED). Never throws TimeoutError:
/// when time runs out, the unfinished futures are in not_done. Input order is kept; a future
/// given twice is reported once (Python works on a set).
template <class T>
DoneAndNotDone<T> wait(const std::vector<Future<T>>& input, Timeout timeout = {},
                       ReturnWhen return_when = ALL_COMPLETED) {
  std::vector<Future<T>> fs;
  fs.reserve(input.size());
  {
    std::unordered_set<concur::detail::FutureCore*> seen;
    for (const auto& f : input) {
      if (seen.insert(f.core()).second) fs.push_back(f);
    }
  }
  auto failed = [](const Future<T>& f) {
    return f.done() && !f.cancelled() && f.core()->stored_exception() != nullptr;
  };
  auto split = [&] {
    DoneAndNotDone<T> out;
    for (const auto& f : fs) (f.done() ? out.done : out.not_done).push_back(f);
    return out;
  };
  std::size_t done_now = 0;
  bool any_failed = false;
  for (const auto& f : fs) {
    done_now += f.done() ? 1 : 0;
    any_failed = any_failed || failed(f);
  }
  const bool satisfied = (return_when == FIRST_COMPLETED && done_now > 0) ||
                         (return_when == FIRST_EXCEPTION && any_failed) || done_now == fs.size();
  if (satisfied) return split();

  std::vector<concur::detail::FutureCore*> cores;
  cores.reserve(fs.size());
  for (const auto& f : fs) cores.push_back(f.core());
  // The watcher reports every future once: those already done at once, the rest as they finish.
  concur::detail::CompletionWatcher watcher(cores);
  watcher.wait_until(concur::detail::Deadline(timeout),
                     [&](const std::vector<concur::detail::FutureCore*>& finished) {
                       if (finished.size() >= cores.size()) return true;
                       if (return_when == FIRST_COMPLETED) return !finished.empty();
                       if (return_when == FIRST_EXCEPTION) {
                         for (auto* c : finished) {
                           if (!c->cancelled() && c->stored_exception()) return true;
                         }
                       }
                       return false;
                     });
  return split();
}

/// Yields the futures as they complete (finished ones first); the iterator throws
/// TimeoutError("N (of M) futures unfinished") when the timeout passes first.
template <class T>
class AsCompleted {
 public:
  AsCompleted(const std::vector<Future<T>>& fs, Timeout timeout) : deadline_(timeout) {
    std::unordered_set<concur::detail::FutureCore*> seen;
    std::vector<concur::detail::FutureCore*> cores;
    for (const auto& f : fs) {
      if (!seen.insert(f.core()).second) continue;  // duplicates are yielded once
      index_.emplace(f.core(), by_core_.size());
      by_core_.push_back(f);
      cores.push_back(f.core());
    }
    total_ = by_core_.size();
    watcher_ = std::make_unique<concur::detail::CompletionWatcher>(cores);
  }

  class iterator {
   public:
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(AsCompleted* owner) : owner_(owner) { advance(); }
    const Future<T>& operator*() const { return current_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    friend bool operator==(const iterator& a, const iterator& b) { return a.owner_ == b.owner_; }

   private:
    void advance() {
      if (owner_ == nullptr) return;
      if (auto next = owner_->next()) {
        current_ = *next;
      } else {
        owner_ = nullptr;
      }
    }
    AsCompleted* owner_ = nullptr;
    Future<T> current_{nullptr};
  };

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::optional<Future<T>> next() {
    if (yielded_ == total_) return std::nullopt;
    if (ready_.empty()) {
      if (!watcher_->wait_until(deadline_,
                                [](const auto& finished) { return !finished.empty(); })) {
        throw TimeoutError(std::to_string(total_ - yielded_) + " (of " + std::to_string(total_) +
                           ") futures unfinished");
      }
      ready_ = watcher_->take();
      ready_pos_ = 0;
    }
    concur::detail::FutureCore* core = ready_[ready_pos_++];
    if (ready_pos_ == ready_.size()) ready_.clear();
    ++yielded_;
    return by_core_[index_.at(core)];  // every watched core came from by_core_
  }

  std::vector<Future<T>> by_core_;
  std::unordered_map<concur::detail::FutureCore*, std::size_t> index_;  // core -> by_core_ slot
  std::size_t total_ = 0;
  std::size_t yielded_ = 0;
  std::vector<concur::detail::FutureCore*> ready_;
  std::size_t ready_pos_ = 0;
  concur::detail::Deadline deadline_;
  std::unique_ptr<concur::detail::CompletionWatcher> watcher_;
};

/// Python: as_completed(fs, timeout=None).
template <class T>
AsCompleted<T> as_completed(const std::vector<Future<T>>& fs, Timeout timeout = {}) {
  return AsCompleted<T>(fs, timeout);
}

}  // namespace concur::futures
