// concur/detail/shm_ring.hpp - the shared-memory message ring behind mp::Queue, JoinableQueue
// and SimpleQueue (one ShmRing, followed by its bytes, in one shared mapping).
//
// A ring of variable-size records: [u32 length | u32 flags | u64 message length] + payload,
// 8-byte aligned, that may wrap around the end. Producers take the producer lock, write
// behind the published tail and publish with one 64-bit store; consumers take the consumer
// lock, read from head and publish with one 64-bit store. Each 64-bit word packs a 32-bit
// byte position and a 32-bit message count, so a process killed at any instant leaves the
// ring consistent: what is behind tail was never published (a half-written message is simply
// overwritten), what is behind head was consumed.
//
// A message larger than half the ring travels in parts (FIRST ... LAST) while its producer
// keeps the producer lock and its consumer the consumer lock. A consumer drops parts that do
// not belong to the message it reads: the rest of a message whose consumer died, or a message
// whose producer died or timed out in the middle (the producer lock then is free or its owner
// dead while the message has no LAST part).
//
// Both locks are RingLocks (ring_lock.hpp): robust futex words, one compare-and-swap to take
// and one exchange to release. A consumer looks for a published record before it takes its
// lock, so an empty queue costs a waiting consumer no lock traffic.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>

#include "concur/detail/deadline.hpp"
#include "concur/detail/event_count.hpp"
#include "concur/detail/ring_lock.hpp"

namespace concur::detail {

/// The steps of put() and get() at which kill tests stop a process (see set_ring_step_hook).
enum class RingStep : std::uint8_t {
  producer_locked,     // put: producer lock taken, nothing written
  producer_wrote,      // put: record written behind tail, not published
  producer_published,  // put: published, producer lock still held
  part_published,      // put of a long message: a part (not the last) published
  consumer_locked,     // get: consumer lock taken, nothing read
  consumer_copied,     // get: a record copied out, head not advanced
  consumer_advanced,   // get: head advanced past a record, consumer lock still held
};

/// Tests only: hook(step) runs at each RingStep in this process (nullptr: none).
void set_ring_step_hook(void (*hook)(RingStep)) noexcept;

/// Where a consumer copies the next message.
class MessageSink {
 public:
  /// Returns room for `total` contiguous bytes. May throw: the message is then consumed and
  /// dropped, and the exception reaches the caller of ShmRing::get().
  virtual std::byte* begin(std::size_t total) = 0;

 protected:
  MessageSink() = default;
  MessageSink(const MessageSink&) = default;
  MessageSink& operator=(const MessageSink&) = default;
  ~MessageSink() = default;
};

class ShmRing {
 public:
  /// Largest ring: positions are 32-bit and must stay far from wrapping into each other.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
  static constexpr std::size_t kMinCapacity = 4096;

  /// The ring bytes follow the object: allocate sizeof(ShmRing) + capacity (a power of two
  /// in [kMinCapacity, kMaxCapacity]). maxsize 0 means no limit on the number of messages.
  ShmRing(std::size_t capacity, std::size_t maxsize);
  /// Throws ValueError unless capacity and maxsize are acceptable; returns capacity.
  static std::size_t checked_capacity(std::size_t capacity, std::size_t maxsize);
  ShmRing(const ShmRing&) = delete;
  ShmRing& operator=(const ShmRing&) = delete;

  /// Appends one message; false when the queue stayed full until the deadline (or at once
  /// when !block). Messages of any size go through.
  bool put(const std::byte* data, std::size_t size, bool block, const Deadline& deadline);
  /// Takes the oldest message into sink; false when none arrived before the deadline.
  bool get(MessageSink& sink, bool block, const Deadline& deadline);

  /// Messages in the queue (published, not yet taken).
  [[nodiscard]] std::size_t qsize() const noexcept;
  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// JoinableQueue: one put message is done; false when more were reported than were put.
  bool task_done() noexcept;
  /// JoinableQueue: waits until every put message was reported done; false on timeout.
  bool join(const Deadline& deadline) noexcept;

 private:
  struct Header {
    std::uint32_t length;  // payload bytes in this record
    std::uint32_t flags;   // kFirst | kLast
    std::uint64_t total;   // bytes of the whole message (in every part)
  };
  static constexpr std::uint32_t kFirst = 1;
  static constexpr std::uint32_t kLast = 2;

  // The hot helpers are inline (defined and used in shm_ring.cpp only).
  [[nodiscard]] inline std::byte* bytes() noexcept;
  void write_at(std::uint32_t pos, const void* src, std::size_t n) noexcept;
  void read_at(std::uint32_t pos, void* dst, std::size_t n) noexcept;
  inline void write_record(std::uint32_t pos, const Header& h, const std::byte* data) noexcept;
  inline void read_header(std::uint32_t pos, Header& h) noexcept;
  [[nodiscard]] std::size_t largest_part() const noexcept;

  // Producer side (producer lock held).
  enum class Room : std::uint8_t { ok, full, timed_out };
  Room wait_room(std::size_t bytes, bool new_message, bool block, const Deadline& deadline);
  [[nodiscard]] inline bool has_room(std::uint64_t tail, std::uint64_t head, std::size_t bytes,
                                     bool new_message) const noexcept;
  inline OpStatus try_put_record(const std::byte* data, std::uint32_t length,
                                 const Deadline& lock_deadline);
  // Room for `bytes` behind tail: our copy of head first, the consumers' line when it says no.
  inline bool room_behind(std::uint64_t tail, std::size_t bytes, bool new_message) noexcept;
  // Writes one record behind tail and publishes it with `order`.
  inline void publish_record(const std::byte* data, std::uint32_t length, std::uint32_t flags,
                             std::uint64_t total, std::memory_order order) noexcept;
  bool put_in_parts(const std::byte* data, std::size_t size, bool block, const Deadline& deadline);

  // Consumer side (consumer lock held, except has_data()).
  enum class Read : std::uint8_t { ok, none, dropped };
  [[nodiscard]] inline bool has_data() const noexcept;
  inline bool next_record(Header& h, bool wait_for_part);
  inline void consume_record(const Header& h, std::byte* dst, bool fence) noexcept;
  void drop_message() noexcept;
  // Reads the next message into sink; an exception from the sink lands in `error` (the message
  // is consumed all the same). `freed`: records were consumed (room to announce).
  inline Read read_message(MessageSink& sink, std::exception_ptr& error, bool& freed);
  inline OpStatus try_get(MessageSink& sink, bool block, const Deadline& deadline,
                          std::exception_ptr& error);

  // Constants.
  std::uint32_t capacity_;
  std::uint32_t maxsize_;

  // Producers' line: their lock and their (possibly stale) copy of head.
  alignas(64) RingLock producer_lock_;
  std::atomic<std::uint64_t> producer_head_{0};

  // Published by producers: position (low 32 bits) and messages begun (high 32 bits).
  alignas(64) std::atomic<std::uint64_t> tail_{0};

  // Consumers' line: their lock and their (possibly stale) copy of tail.
  alignas(64) RingLock consumer_lock_;
  std::atomic<std::uint64_t> consumer_tail_{0};

  // Published by consumers: position (low 32 bits) and messages taken (high 32 bits).
  alignas(64) std::atomic<std::uint64_t> head_{0};

  alignas(64) EventCount data_ready_{Scope::shared};
  alignas(64) EventCount room_ready_{Scope::shared};
  alignas(64) std::atomic<std::uint32_t> tasks_done_{0};
  EventCount all_done_{Scope::shared};
};

}  // namespace concur::detail
