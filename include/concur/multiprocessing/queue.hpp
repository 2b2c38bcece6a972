// concur/multiprocessing/queue.hpp - multiprocessing.Queue, JoinableQueue and SimpleQueue on a
// shared-memory ring (no pipe, no feeder thread, no pickling of trivially copyable values).
//   concur::mp::Queue<std::string> q(10);           // create before starting the children
//   concur::mp::Process p([&q] { q.put("hello"); });
//   p.start();  std::string s = q.get();  p.join();
// Values of any type with a codec<T>; trivially copyable types, std::string and vectors of
// trivially copyable types are copied straight into and out of the ring. Messages larger than
// the ring go through in parts. Many producer and consumer processes (and threads in them)
// may use one queue. The queue is shared with fork()ed children (start method "fork").
//
// A process killed in the middle of put() loses that message only (never half a message). A
// process killed in the middle of get() loses the message it was taking, as in Python; every
// other process carries on. With JoinableQueue, that lost message is never task_done(): join()
// then waits until its timeout.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "concur/detail/deadline.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/detail/shm_ring.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/multiprocessing/codec.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/queue/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

struct QueueOptions {
  /// Bytes of the shared ring: a power of two from 4 KiB to 1 GiB. Messages longer than
  /// half of it travel in parts.
  std::size_t ring_bytes = std::size_t{1} << 20;
};

namespace detail {

// How one T crosses the ring: its own bytes when it is flat, its codec otherwise.
template <class T>
struct FlatVector : std::false_type {};
template <class U, class A>
struct FlatVector<std::vector<U, A>> : std::bool_constant<RawBytes<U>> {};

template <class T>
concept FlatSequence = std::is_same_v<T, std::string> || FlatVector<T>::value;

template <class T>
class WireSink final : public concur::detail::MessageSink {
 public:
  std::byte* begin(std::size_t total) override {
    if constexpr (RawBytes<T>) {
      if (total != sizeof(T)) {
        throw DecodeError("queue message of " + std::to_string(total) + " bytes for a " +
                          std::to_string(sizeof(T)) + "-byte value");
      }
      return reinterpret_cast<std::byte*>(&value_);  // NOLINT: raw bytes of a trivial type
    } else if constexpr (FlatSequence<T>) {
      using Elem = typename T::value_type;
      if (total % sizeof(Elem) != 0) {
        throw DecodeError("queue message of " + std::to_string(total) +
                          " bytes is not a whole number of elements");
      }
      value_.resize(total / sizeof(Elem));
      return reinterpret_cast<std::byte*>(value_.data());  // NOLINT
    } else {
      buffer().resize(total);
      return reinterpret_cast<std::byte*>(buffer().data());  // NOLINT
    }
  }
  T take() {
    if constexpr (RawBytes<T> || FlatSequence<T>) {
      return std::move(value_);
    } else {
      return decode<T>(buffer());
    }
  }
  static std::string& buffer() {
    thread_local std::string bytes;
    return bytes;
  }

 private:
  std::conditional_t<RawBytes<T> || FlatSequence<T>, T, char> value_{};
};

// Puts one value; false when the ring stayed full.
template <class T>
bool put_value(concur::detail::ShmRing& ring, const T& item, bool block,
               const concur::detail::Deadline& deadline) {
  if constexpr (RawBytes<T>) {
    return ring.put(reinterpret_cast<const std::byte*>(&item), sizeof(T), block,  // NOLINT
                    deadline);
  } else if constexpr (FlatSequence<T>) {
    return ring.put(reinterpret_cast<const std::byte*>(item.data()),  // NOLINT
                    item.size() * sizeof(typename T::value_type), block, deadline);
  } else {
    std::string& bytes = WireSink<T>::buffer();
    bytes.clear();
    codec<T>::encode(item, bytes);
    return ring.put(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(),  // NOLINT
                    block, deadline);
  }
}

/// What Queue, JoinableQueue and SimpleQueue share: the ring and this process's closed flag.
/// Copies are handles to the same queue.
template <Encodable T>
class QueueBase {
 public:
  using value_type = T;

  /// Approximate number of messages (exact when no put or get is in progress).
  [[nodiscard]] std::size_t qsize() const noexcept { return ring_->qsize(); }
  [[nodiscard]] bool empty() const noexcept { return qsize() == 0; }
  /// True when maxsize > 0 and qsize() >= maxsize.
  [[nodiscard]] bool full() const noexcept {
    return ring_->maxsize() != 0 && qsize() >= ring_->maxsize();
  }
  [[nodiscard]] std::size_t maxsize() const noexcept { return ring_->maxsize(); }

  /// This process (through this handle and its copies here) will put and get no more:
  /// later calls throw ValueError. Other processes are not affected.
  void close() noexcept { closed_->store(true, std::memory_order_release); }
  [[nodiscard]] bool closed() const noexcept { return closed_->load(std::memory_order_acquire); }

 protected:
  QueueBase(std::size_t maxsize, QueueOptions options)
      : ring_(concur::detail::ShmRing::checked_capacity(options.ring_bytes, maxsize),
              options.ring_bytes, maxsize),
        closed_(std::make_shared<std::atomic<bool>>(false)) {}

  void check_open() const {
    if (closed()) throw ValueError("Queue is closed");
  }
  bool put_impl(const T& item, bool block, Timeout timeout) {
    check_open();
    concur::detail::check_blocking_timeout(block, timeout);
    return put_value(*ring_, item, block, concur::detail::Deadline(timeout));
  }
  std::optional<T> get_impl(bool block, Timeout timeout) {
    check_open();
    concur::detail::check_blocking_timeout(block, timeout);
    WireSink<T> sink;
    if (!ring_->get(sink, block, concur::detail::Deadline(timeout))) return std::nullopt;
    return sink.take();
  }

  concur::detail::SharedObject<concur::detail::ShmRing> ring_;
  std::shared_ptr<std::atomic<bool>> closed_;
};

}  // namespace detail

/// Python: multiprocessing.Queue(maxsize). maxsize counts messages (0: unbounded).
template <Encodable T>
class Queue : public detail::QueueBase<T> {
 public:
  explicit Queue(std::size_t maxsize = 0, QueueOptions options = {})
      : detail::QueueBase<T>(maxsize, options) {}

  /// Puts an item, waiting for room if block (up to timeout). Throws queue::Full when none
  /// frees up in time, ValueError when closed or for a timeout with block=false.
  void put(const T& item, bool block = true, Timeout timeout = {}) {
    if (!this->put_impl(item, block, timeout)) throw queue::Full();
  }
  void put(const T& item, Timeout timeout) { put(item, true, timeout); }
  void put_nowait(const T& item) { put(item, false); }
  /// Non-throwing put: false when full.
  bool try_put(const T& item) { return this->put_impl(item, false, {}); }

  /// Removes and returns the oldest item, waiting if block (up to timeout). Throws
  /// queue::Empty when none arrives in time, DecodeError for bytes that are not a T.
  T get(bool block = true, Timeout timeout = {}) {
    std::optional<T> v = this->get_impl(block, timeout);
    if (!v) throw queue::Empty();
    return std::move(*v);
  }
  T get(Timeout timeout) { return get(true, timeout); }
  T get_nowait() { return get(false); }
  /// Non-throwing get: std::nullopt when empty.
  std::optional<T> try_get() { return this->get_impl(false, {}); }
};

/// Python: multiprocessing.JoinableQueue - a Queue whose consumers report task_done() and
/// whose join() waits until every item put was reported.
template <Encodable T>
class JoinableQueue : public Queue<T> {
 public:
  using Queue<T>::Queue;

  /// ValueError when called more times than items were put.
  void task_done() {
    if (!this->ring_->task_done()) throw ValueError("task_done() called too many times");
  }
  /// Blocks until every item put has been marked done; false on timeout.
  bool join(Timeout timeout = {}) {
    if (timeout.negative()) throw ValueError("'timeout' must be a non-negative number");
    return this->ring_->join(concur::detail::Deadline(timeout));
  }
};

/// Python: multiprocessing.SimpleQueue - unbounded; put, get, empty, close.
template <Encodable T>
class SimpleQueue : public detail::QueueBase<T> {
 public:
  explicit SimpleQueue(QueueOptions options = {}) : detail::QueueBase<T>(0, options) {}
  void put(const T& item) { (void)this->put_impl(item, true, {}); }
  T get() { return std::move(*this->get_impl(true, {})); }
};

}  // namespace concur::mp
