// concur/detail/ready_queue.hpp - the event loop's FIFO of ready work (internal).
//
// A queue of {function, argument} pairs in fixed-size segments: pushing never copies what is
// queued (a vector would move a million entries while it grows), and segments emptied by the
// consumer are reused by the producer, so a loop running a million tasks touches its memory
// once.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace concur::asyncio::detail {

struct ReadyItem {
  void (*fn)(void* arg) noexcept;
  void* arg;
};

class ReadyQueue {
 public:
  ReadyQueue() = default;
  ReadyQueue(const ReadyQueue&) = delete;
  ReadyQueue& operator=(const ReadyQueue&) = delete;
  ~ReadyQueue() {
    release_chain(head_);
    release_chain(spare_);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  void push(ReadyItem item) {
    if (tail_ == nullptr || tail_end_ == kSegment) append_segment();
    tail_->items[tail_end_++] = item;
    ++size_;
  }

  /// Requires !empty().
  ReadyItem pop() noexcept {
    ReadyItem item = head_->items[head_begin_++];
    --size_;
    if (head_begin_ == kSegment || size_ == 0) {
      if (head_ == tail_) {
        // Keep the only segment; start over at its beginning.
        head_begin_ = 0;
        tail_end_ = 0;
      } else {
        Segment* done = head_;
        head_ = head_->next;
        head_begin_ = 0;
        recycle(done);
      }
    }
    return item;
  }

 private:
  static constexpr std::size_t kSegment = 1024;
  static constexpr std::size_t kMaxSpare = 16;
  struct Segment {
    Segment* next = nullptr;
    ReadyItem items[kSegment];
  };

  void append_segment() {
    Segment* s = spare_;
    if (s != nullptr) {
      spare_ = s->next;
      --spare_count_;
      s->next = nullptr;
    } else {
      s = new Segment;  // NOLINT(cppcoreguidelines-owning-memory): owned by the chain
    }
    if (tail_ == nullptr) {
      head_ = s;
      head_begin_ = 0;
    } else {
      tail_->next = s;
    }
    tail_ = s;
    tail_end_ = 0;
  }
  void recycle(Segment* s) noexcept {
    if (spare_count_ >= kMaxSpare) {
      delete s;  // NOLINT(cppcoreguidelines-owning-memory)
      return;
    }
    s->next = spare_;
    spare_ = s;
    ++spare_count_;
  }
  static void release_chain(Segment* s) noexcept {
    while (s != nullptr) {
      Segment* next = s->next;
      delete s;  // NOLINT(cppcoreguidelines-owning-memory)
      s = next;
    }
  }

  Segment* head_ = nullptr;
  Segment* tail_ = nullptr;
  Segment* spare_ = nullptr;
  std::size_t head_begin_ = 0;
  std::size_t tail_end_ = 0;
  std::size_t size_ = 0;
  std::size_t spare_count_ = 0;
};

}  // namespace concur::asyncio::detail
