// concur/threading/local.hpp - threading.local: one value per thread, per object.
//
// Each thread that touches a local<T> gets its own T, built on first use from the
// constructor's arguments (copied), and destroyed when that thread exits or the local
// is destroyed, whichever comes first.
//   concur::threading::local<std::string> who("nobody");
//   worker: *who = "alice"; use(*who);   // other threads still see "nobody"
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "concur/detail/thread_token.hpp"

namespace concur::detail {

/// Type-erased side of a local<T>, so a thread can drop its value when it exits.
class LocalBase {
 public:
  LocalBase() = default;
  LocalBase(const LocalBase&) = delete;
  LocalBase& operator=(const LocalBase&) = delete;
  virtual ~LocalBase() = default;
  virtual void drop(std::uintptr_t thread) noexcept = 0;
  const std::uint64_t id = next_id();

 private:
  static std::uint64_t next_id() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }
};

/// This thread's values of every local it touched.
class LocalSlots {
 public:
  LocalSlots() = default;
  LocalSlots(const LocalSlots&) = delete;
  LocalSlots& operator=(const LocalSlots&) = delete;
  ~LocalSlots() { drop_all(); }
  // Destroys this thread's values of every live local. A destructor that touches a local again
  // creates a fresh slot, so repeat a few rounds (as Python's local does not promise more).
  void drop_all() noexcept {
    for (int round = 0; round < 4 && !slots_.empty(); ++round) {
      std::unordered_map<std::uint64_t, Slot> doomed;
      doomed.swap(slots_);
      for (auto& [id, slot] : doomed) {
        if (auto owner = slot.owner.lock()) owner->drop(token());
      }
    }
  }
  void* find(std::uint64_t id) const noexcept {
    auto it = slots_.find(id);
    return it == slots_.end() ? nullptr : it->second.value;
  }
  void add(const std::shared_ptr<LocalBase>& owner, void* value) {
    if (slots_.size() >= prune_at_) prune();
    slots_[owner->id] = Slot{owner, value};
  }
  static std::uintptr_t token() noexcept { return thread_token(); }
  static LocalSlots& mine() {
    static thread_local LocalSlots slots;
    return slots;
  }

 private:
  struct Slot {
    std::weak_ptr<LocalBase> owner;
    void* value;
  };
  void prune() {  // forget locals that no longer exist
    std::erase_if(slots_, [](const auto& kv) { return kv.second.owner.expired(); });
    prune_at_ = slots_.size() * 2 + 16;
  }
  std::unordered_map<std::uint64_t, Slot> slots_;
  std::size_t prune_at_ = 16;
};

}  // namespace concur::detail

namespace concur::threading {

template <class T>
class local {
 public:
  /// Each thread's T is built as T(args...) (copies of these arguments).
  template <class... Args>
  explicit local(Args&&... args)
      : impl_(std::make_shared<Impl>([tup = std::make_tuple(std::forward<Args>(args)...)] {
          return std::apply([](const auto&... a) { return std::make_unique<T>(a...); }, tup);
        })) {}
  local(const local&) = delete;
  local& operator=(const local&) = delete;

  /// The calling thread's value.
  T& get() {
    auto& slots = detail::LocalSlots::mine();
    if (void* v = slots.find(impl_->id)) return *static_cast<T*>(v);
    T* value = impl_->create(detail::LocalSlots::token());
    slots.add(impl_, value);
    return *value;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

 private:
  class Impl final : public detail::LocalBase {
   public:
    explicit Impl(std::function<std::unique_ptr<T>()> factory) : factory_(std::move(factory)) {}
    T* create(std::uintptr_t thread) {
      std::unique_ptr<T> value = factory_();
      T* raw = value.get();
      std::lock_guard g(mutex_);
      values_[thread] = std::move(value);
      return raw;
    }
    void drop(std::uintptr_t thread) noexcept override {
      std::unique_ptr<T> victim;
      {
        std::lock_guard g(mutex_);
        auto it = values_.find(thread);
        if (it == values_.end()) return;
        victim = std::move(it->second);
        values_.erase(it);
      }
    }

   private:
    std::function<std::unique_ptr<T>()> factory_;
    std::mutex mutex_;
    std::unordered_map<std::uintptr_t, std::unique_ptr<T>> values_;
  };

  std::shared_ptr<Impl> impl_;
};

}  // namespace concur::threading
