#include "concur/detail/shm_ring.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <exception>
#include <string>

#include "concur/errors.hpp"

namespace concur::detail {

namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t pos_of(std::uint64_t word) noexcept {
  return static_cast<std::uint32_t>(word);
}
constexpr std::uint32_t count_of(std::uint64_t word) noexcept {
  return static_cast<std::uint32_t>(word >> 32);
}
constexpr std::uint64_t pack(std::uint32_t pos, std::uint32_t count) noexcept {
  return (std::uint64_t{count} << 32) | pos;
}

constexpr std::size_t kHeaderBytes = 16;
constexpr std::size_t record_bytes(std::size_t length) noexcept {
  return kHeaderBytes + ((length + 7) & ~std::size_t{7});
}

// While a consumer waits for the next part of a message, it checks this often that the
// message's producer is still writing it.
constexpr std::chrono::milliseconds kPartCheck = 20ms;

std::atomic<void (*)(RingStep)> g_step_hook{nullptr};

inline void step(RingStep s) {
  if (auto* hook = g_step_hook.load(std::memory_order_relaxed)) hook(s);
}

// Releases a ring lock at the end of a scope (also when a sink throws). A dead previous
// holder needed no repair (see shm_ring.hpp).
class Unlocker {
 public:
  explicit Unlocker(RingLock& m) noexcept : m_(m) {}
  Unlocker(const Unlocker&) = delete;
  Unlocker& operator=(const Unlocker&) = delete;
  ~Unlocker() { m_.unlock(); }

 private:
  RingLock& m_;
};

// A hint for a producer waiting for room, polled with growing gaps (up to 128 pauses). Read at
// every pause, the consumers' head line would move to the producer after every message taken
// and each head store of the consumer would wait to take it back; read rarely, the consumer
// frees a batch of room on a line it keeps, and the producer fills it in one go.
template <class Pred>
auto polled_with_backoff(Pred pred) {
  return [pred, skip = 0U, gap = 1U]() mutable {
    if (skip > 0) {
      --skip;
      return false;
    }
    if (pred()) return true;
    gap = std::min(gap * 2, 128U);
    skip = gap;
    return false;
  };
}

}  // namespace

void set_ring_step_hook(void (*hook)(RingStep)) noexcept {
  g_step_hook.store(hook, std::memory_order_relaxed);
}

std::size_t ShmRing::checked_capacity(std::size_t capacity, std::size_t maxsize) {
  if (capacity < kMinCapacity || capacity > kMaxCapacity || (capacity & (capacity - 1)) != 0) {
    throw ValueError("queue ring size must be a power of two between " +
                     std::to_string(kMinCapacity) + " and " + std::to_string(kMaxCapacity) +
                     " bytes, not " + std::to_string(capacity));
  }
  if (maxsize > (std::size_t{1} << 30)) {
    throw ValueError("queue maxsize too large: " + std::to_string(maxsize));
  }
  return capacity;
}

ShmRing::ShmRing(std::size_t capacity, std::size_t maxsize)
    : capacity_(static_cast<std::uint32_t>(checked_capacity(capacity, maxsize))),
      maxsize_(static_cast<std::uint32_t>(maxsize)) {}

inline std::byte* ShmRing::bytes() noexcept {
  return reinterpret_cast<std::byte*>(this) + sizeof(ShmRing);  // NOLINT: the ring follows
}

void ShmRing::write_at(std::uint32_t pos, const void* src, std::size_t n) noexcept {
  const std::size_t at = pos & (capacity_ - 1);
  const std::size_t first = std::min(n, capacity_ - at);
  const auto* from = static_cast<const std::byte*>(src);
  std::memcpy(bytes() + at, from, first);
  if (first < n) std::memcpy(bytes(), from + first, n - first);
}

void ShmRing::read_at(std::uint32_t pos, void* dst, std::size_t n) noexcept {
  const std::size_t at = pos & (capacity_ - 1);
  const std::size_t first = std::min(n, capacity_ - at);
  auto* to = static_cast<std::byte*>(dst);
  std::memcpy(to, bytes() + at, first);
  if (first < n) std::memcpy(to + first, bytes(), n - first);
}

inline void ShmRing::write_record(std::uint32_t pos, const Header& h,
                                  const std::byte* data) noexcept {
  const std::size_t at = pos & (capacity_ - 1);
  if (at + kHeaderBytes + h.length <= capacity_) [[likely]] {  // no wrap: straight copies
    std::byte* to = bytes() + at;
    std::memcpy(to, &h, sizeof h);
    if (h.length > 0) std::memcpy(to + kHeaderBytes, data, h.length);
    return;
  }
  write_at(pos, &h, sizeof h);
  if (h.length > 0) write_at(pos + kHeaderBytes, data, h.length);
}

inline void ShmRing::read_header(std::uint32_t pos, Header& h) noexcept {
  const std::size_t at = pos & (capacity_ - 1);
  if (at + kHeaderBytes <= capacity_) [[likely]] {
    std::memcpy(&h, bytes() + at, sizeof h);
  } else {
    read_at(pos, &h, sizeof h);
  }
}

std::size_t ShmRing::largest_part() const noexcept {
  return capacity_ / 2 - kHeaderBytes;
}

std::size_t ShmRing::qsize() const noexcept {
  const std::uint32_t taken = count_of(head_.load(std::memory_order_acquire));
  return count_of(tail_.load(std::memory_order_acquire)) - taken;
}

// ---------------------------------------------------------------- producers

inline bool ShmRing::has_room(std::uint64_t tail, std::uint64_t head, std::size_t bytes,
                              bool new_message) const noexcept {
  const std::uint32_t used = pos_of(tail) - pos_of(head);
  if (capacity_ - used < bytes) return false;
  return !new_message || maxsize_ == 0 || count_of(tail) - count_of(head) < maxsize_;
}

inline bool ShmRing::room_behind(std::uint64_t tail, std::size_t bytes, bool new_message) noexcept {
  if (has_room(tail, producer_head_.load(std::memory_order_relaxed), bytes, new_message)) {
    return true;
  }
  // Our copy of head is stale only here: read the consumers' line when it says full.
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  producer_head_.store(head, std::memory_order_relaxed);
  return has_room(tail, head, bytes, new_message);
}

ShmRing::Room ShmRing::wait_room(std::size_t bytes, bool new_message, bool block,
                                 const Deadline& deadline) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);  // ours: lock held
  const OpStatus s = block_on(
      room_ready_, block, deadline,
      [&] { return room_behind(tail, bytes, new_message) ? OpStatus::ok : OpStatus::would_block; },
      [&] { return has_room(tail, head_.load(std::memory_order_relaxed), bytes, new_message); });
  if (s == OpStatus::ok) return Room::ok;
  return block ? Room::timed_out : Room::full;
}

inline void ShmRing::publish_record(const std::byte* data, std::uint32_t length,
                                    std::uint32_t flags, std::uint64_t total,
                                    std::memory_order order) noexcept {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);  // ours: lock held
  write_record(pos_of(tail), Header{length, flags, total}, data);
  step(RingStep::producer_wrote);
  const auto pos = static_cast<std::uint32_t>(pos_of(tail) + record_bytes(length));
  tail_.store(pack(pos, count_of(tail) + ((flags & kFirst) != 0 ? 1 : 0)), order);
}

// One attempt at a one-record message: false (would_block) when the lock stayed busy until
// lock_deadline or the queue has no room.
inline OpStatus ShmRing::try_put_record(const std::byte* data, std::uint32_t length,
                                        const Deadline& lock_deadline) {
  if (!producer_lock_.lock(true, lock_deadline)) return OpStatus::would_block;
  step(RingStep::producer_locked);
  if (!room_behind(tail_.load(std::memory_order_relaxed), record_bytes(length), true)) {
    producer_lock_.unlock();
    return OpStatus::would_block;
  }
  publish_record(data, length, kFirst | kLast, length, std::memory_order_release);
  step(RingStep::producer_published);
  producer_lock_.unlock();  // its seq_cst exchange orders the store above before notify()
  return OpStatus::ok;
}

bool ShmRing::put(const std::byte* data, std::size_t size, bool block, const Deadline& deadline) {
  if (size > largest_part()) return put_in_parts(data, size, block, deadline);
  const auto length = static_cast<std::uint32_t>(size);
  // As Python's Queue.put, the internal lock is always waited for; block/timeout are about
  // room in the queue.
  const Deadline lock_deadline = block ? deadline : Deadline::never();
  const OpStatus s = block_on(
      room_ready_, block, deadline, [&] { return try_put_record(data, length, lock_deadline); },
      polled_with_backoff([&] {
        return has_room(tail_.load(std::memory_order_relaxed),
                        head_.load(std::memory_order_relaxed), record_bytes(length), true);
      }));
  if (s != OpStatus::ok) return false;
  data_ready_.notify(1);
  return true;
}

bool ShmRing::put_in_parts(const std::byte* data, std::size_t size, bool block,
                           const Deadline& deadline) {
  if (!producer_lock_.lock(true, block ? deadline : Deadline::never())) return false;
  const Unlocker unlock(producer_lock_);  // unlocking before the LAST part aborts the message
  const std::size_t chunk = capacity_ / 4 - kHeaderBytes;
  if (!block) {
    // Non-blocking: only when the whole message fits the free room now.
    const std::size_t parts = (size + chunk - 1) / chunk;
    const std::size_t all = parts * kHeaderBytes + size + parts * 8;
    if (all > capacity_ || wait_room(all, true, false, deadline) != Room::ok) return false;
  }
  std::size_t off = 0;
  bool first = true;
  while (off < size) {
    const std::size_t part = std::min(chunk, size - off);
    if (wait_room(record_bytes(part), first, block, deadline) != Room::ok) return false;
    const std::uint32_t flags = (first ? kFirst : 0) | (off + part == size ? kLast : 0);
    // seq_cst: each part is notified while the producer lock is still held.
    publish_record(data + off, static_cast<std::uint32_t>(part), flags, size,
                   std::memory_order_seq_cst);
    data_ready_.notify_all();  // the one reading this message may be among several waiters
    if ((flags & kLast) == 0) step(RingStep::part_published);
    off += part;
    first = false;
  }
  return true;
}

// ---------------------------------------------------------------- consumers

inline bool ShmRing::has_data() const noexcept {
  const std::uint32_t head = pos_of(head_.load(std::memory_order_relaxed));
  return pos_of(consumer_tail_.load(std::memory_order_relaxed)) != head ||
         pos_of(tail_.load(std::memory_order_acquire)) != head;
}

inline bool ShmRing::next_record(Header& h, bool wait_for_part) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);  // ours: lock held
  auto available = [&] {
    if (pos_of(consumer_tail_.load(std::memory_order_relaxed)) != pos_of(head)) return true;
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    consumer_tail_.store(tail, std::memory_order_relaxed);
    return pos_of(tail) != pos_of(head);
  };
  bool found = available();
  while (!found && wait_for_part) {
    // The rest of a message: spin, then sleep in short slices; between slices make sure its
    // producer still holds the producer lock (free or dead holder: the message is abandoned).
    found =
        spin_until([&] { return pos_of(tail_.load(std::memory_order_relaxed)) != pos_of(head); }) &&
        available();
    if (found) break;
    const std::uint32_t key = data_ready_.prepare_wait();
    if (available()) {
      data_ready_.cancel_wait();
      found = true;
      break;
    }
    (void)data_ready_.wait(key, Deadline(Timeout(kPartCheck)));
    if (available()) {
      found = true;
      break;
    }
    if (!producer_lock_.locked()) {
      found = available();  // it may have finished just before letting go
      break;
    }
  }
  if (found) read_header(pos_of(head), h);
  return found;
}

// fence: publish head with a seq_cst store, for a notify() while the lock is still held.
inline void ShmRing::consume_record(const Header& h, std::byte* dst, bool fence) noexcept {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (dst != nullptr && h.length > 0) {
    const std::size_t at = pos_of(head) & (capacity_ - 1);
    if (at + kHeaderBytes + h.length <= capacity_) [[likely]] {
      std::memcpy(dst, bytes() + at + kHeaderBytes, h.length);
    } else {
      read_at(pos_of(head) + kHeaderBytes, dst, h.length);
    }
  }
  step(RingStep::consumer_copied);
  const auto pos = static_cast<std::uint32_t>(pos_of(head) + record_bytes(h.length));
  head_.store(pack(pos, count_of(head) + ((h.flags & kFirst) != 0 ? 1 : 0)),
              fence ? std::memory_order_seq_cst : std::memory_order_release);
  step(RingStep::consumer_advanced);
}

void ShmRing::drop_message() noexcept {
  // A message that was counted when it began but will never be delivered: a JoinableQueue
  // must not wait for its task_done().
  const std::uint32_t done = tasks_done_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (done == count_of(tail_.load(std::memory_order_acquire))) all_done_.notify_all();
}

inline ShmRing::Read ShmRing::read_message(MessageSink& sink, std::exception_ptr& error,
                                           bool& freed) {
  Header h{};
  for (;;) {  // parts of a message whose consumer died: drop them
    if (!next_record(h, false)) return Read::none;
    if ((h.flags & kFirst) != 0) break;
    consume_record(h, nullptr, false);
    freed = true;
  }
  std::byte* dst = nullptr;
  try {
    dst = sink.begin(h.total);
  } catch (...) {
    error = std::current_exception();
  }
  freed = true;
  if ((h.flags & kLast) != 0) [[likely]] {  // the whole message in one record
    consume_record(h, dst, false);
    return Read::ok;
  }
  // Parts: the producer may wait for the room each one frees while it keeps its lock.
  consume_record(h, dst, true);
  room_ready_.notify_all();
  std::size_t got = h.length;
  while ((h.flags & kLast) == 0) {
    if (!next_record(h, true)) {
      drop_message();   // its producer died or gave up (timeout) in the middle
      error = nullptr;  // the message is gone, and with it what the sink made of it
      return Read::dropped;
    }
    if ((h.flags & kFirst) != 0 || got + h.length > h.total) {
      drop_message();  // a new message began: the producer of this one died
      error = nullptr;
      return Read::dropped;
    }
    consume_record(h, dst == nullptr ? nullptr : dst + got, true);
    room_ready_.notify_all();
    got += h.length;
  }
  return Read::ok;
}

// One attempt: ok with a message taken (or a sink error in `error`), would_block when none was
// there or the lock stayed busy.
inline OpStatus ShmRing::try_get(MessageSink& sink, bool block, const Deadline& deadline,
                                 std::exception_ptr& error) {
  if (!has_data()) return OpStatus::would_block;  // an empty queue: no need for the lock
  if (!consumer_lock_.lock(block, deadline)) return OpStatus::would_block;
  Read r = Read::none;
  bool freed = false;
  {
    const Unlocker unlock(consumer_lock_);
    step(RingStep::consumer_locked);
    do {
      r = read_message(sink, error, freed);  // dropped: look again for the next message
    } while (r == Read::dropped);
  }
  // After the unlock: its seq_cst exchange orders our head store before this notify().
  if (freed) room_ready_.notify_all();
  return r == Read::ok ? OpStatus::ok : OpStatus::would_block;
}

bool ShmRing::get(MessageSink& sink, bool block, const Deadline& deadline) {
  std::exception_ptr error;
  const OpStatus s = block_on(
      data_ready_, block, deadline, [&] { return try_get(sink, block, deadline, error); },
      [&] {
        return pos_of(tail_.load(std::memory_order_relaxed)) !=
               pos_of(head_.load(std::memory_order_relaxed));
      });
  if (error) std::rethrow_exception(error);
  return s == OpStatus::ok;
}

// ---------------------------------------------------------------- JoinableQueue

bool ShmRing::task_done() noexcept {
  std::uint32_t done = tasks_done_.load(std::memory_order_acquire);
  do {
    if (done == count_of(tail_.load(std::memory_order_acquire))) return false;
  } while (!tasks_done_.compare_exchange_weak(done, done + 1, std::memory_order_acq_rel));
  if (done + 1 == count_of(tail_.load(std::memory_order_acquire))) all_done_.notify_all();
  return true;
}

bool ShmRing::join(const Deadline& deadline) noexcept {
  auto finished = [&] {
    return tasks_done_.load(std::memory_order_acquire) ==
           count_of(tail_.load(std::memory_order_acquire));
  };
  for (;;) {
    const std::uint32_t key = all_done_.prepare_wait();
    if (finished()) {
      all_done_.cancel_wait();
      return true;
    }
    if (!all_done_.wait(key, deadline)) return finished();
  }
}

}  // namespace concur::detail
