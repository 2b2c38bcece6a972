// concur/detail/frame_cache.hpp - a per-thread cache of coroutine frames (internal).
//
// A program that runs a million short tasks allocates and frees a million frames of the same
// few sizes; malloc hands the memory back to the kernel in between (and takes page faults to
// get it again). Freed frames wait here, per size class, up to a byte limit per thread
// (asyncio::set_frame_cache_limit), and are reused first. A frame freed by another thread
// goes to that thread's cache; memory beyond the limit goes back to malloc.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace concur::asyncio::detail {

class FrameCache {
 public:
  static constexpr std::size_t kGranule = 32;
  static constexpr std::size_t kClasses = 32;  // frames up to 1 KiB are cached

  static void* allocate(std::size_t n) {
    const std::size_t c = size_class(n);
    if (c < kClasses) {
      FrameCache& cache = mine();
      if (Node* node = cache.free_[c]) {
        cache.free_[c] = node->next;
        cache.bytes_ -= class_bytes(c);
        return node;
      }
      n = class_bytes(c);
    }
    if (void* p = std::malloc(n)) return p;
    throw std::bad_alloc();
  }

  static void release(void* p, std::size_t n) noexcept {
    const std::size_t c = size_class(n);
    if (c < kClasses) {
      FrameCache& cache = mine();
      if (cache.bytes_ + class_bytes(c) <= limit().load(std::memory_order_relaxed)) {
        auto* node = static_cast<Node*>(p);
        node->next = cache.free_[c];
        cache.free_[c] = node;
        cache.bytes_ += class_bytes(c);
        return;
      }
    }
    std::free(p);
  }

  /// Bytes a thread may keep cached (default 256 MiB); 0 turns caching off.
  static std::atomic<std::size_t>& limit() noexcept {
    static std::atomic<std::size_t> bytes{std::size_t{256} << 20};
    return bytes;
  }

  /// Frees this thread's cached frames.
  static void trim() noexcept { mine().clear(); }

  FrameCache() = default;
  FrameCache(const FrameCache&) = delete;
  FrameCache& operator=(const FrameCache&) = delete;
  ~FrameCache() { clear(); }

 private:
  struct Node {
    Node* next;
  };
  static std::size_t size_class(std::size_t n) noexcept {
    return (n + kGranule - 1) / kGranule - 1;
  }
  static std::size_t class_bytes(std::size_t c) noexcept { return (c + 1) * kGranule; }
  static FrameCache& mine() noexcept {
    static thread_local FrameCache cache;
    return cache;
  }
  void clear() noexcept {
    for (auto& head : free_) {
      while (head != nullptr) {
        Node* next = head->next;
        std::free(head);
        head = next;
      }
    }
    bytes_ = 0;
  }

  std::array<Node*, kClasses> free_{};
  std::size_t bytes_ = 0;
};

}  // namespace concur::asyncio::detail
