// concur/multiprocessing/connection.hpp - multiprocessing.Pipe and its Connection ends.
//   auto ends = concur::mp::Pipe();  auto& parent = ends.first;  auto& child = ends.second;
//   concur::mp::Process p([&child] { child.send(std::string("hello")); });
//   p.start();  std::string s = parent.recv<std::string>();  p.join();
// Messages are framed (a length, then the bytes): recv() returns whole messages or throws,
// never part of one. A peer that closed or died gives EOFError once everything it sent has
// been read; writing to it gives BrokenPipeError (never a SIGPIPE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "concur/multiprocessing/codec.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

/// Python's BrokenPipeError: the other end of a Connection is closed.
class BrokenPipeError : public OSError {
 public:
  using OSError::OSError;
};

/// One end of a Pipe (Python: multiprocessing.connection.Connection). Movable, not
/// copyable; the destructor closes it. One thread at a time per direction.
class Connection {
 public:
  /// The largest message send() accepts (1 TiB); larger ones throw ValueError before
  /// anything is written.
  static constexpr std::uint64_t kMaxMessage = std::uint64_t{1} << 40;

  Connection() = default;
  /// Adopts a connected stream socket (AF_UNIX SOCK_STREAM); see Pipe().
  Connection(int fd, bool readable, bool writable) noexcept
      : fd_(fd), readable_(readable), writable_(writable) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&& other) noexcept { *this = std::move(other); }
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  /// Sends one value (Python: send(obj)); it needs a codec.
  template <Encodable T>
  void send(const T& value) {
    std::string& buf = scratch_;
    buf.clear();
    codec<T>::encode(value, buf);
    send_bytes(buf);
  }
  /// Receives one value sent with send<T>() (DecodeError if the bytes are not a T).
  template <Encodable T>
  T recv() {
    return decode<T>(recv_bytes());
  }

  /// Sends bytes as one message.
  void send_bytes(std::string_view buf);
  /// Sends buf[offset, offset + size) (size defaults to the rest); ValueError when out of range.
  void send_bytes(std::string_view buf, std::size_t offset,
                  std::optional<std::size_t> size = std::nullopt);
  /// Receives one whole message. A message longer than maxlength throws OSError and leaves the
  /// connection unusable (as in Python).
  std::string recv_bytes(std::optional<std::size_t> maxlength = std::nullopt);

  /// True when a message (or EOF) can be read without blocking, waiting up to `timeout`
  /// (default: not at all, as Python's poll(); Timeout{} waits forever).
  bool poll(Timeout timeout = Timeout(std::chrono::seconds(0)));

  /// Closes this end (idempotent).
  void close() noexcept;
  [[nodiscard]] bool closed() const noexcept { return fd_ < 0; }
  [[nodiscard]] bool readable() const noexcept { return readable_; }
  [[nodiscard]] bool writable() const noexcept { return writable_; }
  /// The socket descriptor (OSError when closed).
  [[nodiscard]] int fileno() const;

 private:
  void check_readable() const;
  void check_writable() const;
  // Reads at least `need` more bytes into the buffer; false on EOF before any byte.
  bool fill(std::size_t need);

  int fd_ = -1;
  bool readable_ = false;
  bool writable_ = false;
  bool broken_ = false;  // a framing error happened: no more reads
  std::string rbuf_;     // read buffer; unread bytes are [rpos_, rend_)
  std::size_t rpos_ = 0;
  std::size_t rend_ = 0;
  std::string scratch_;  // send<T>() encodes here (reused: no allocation per message)
};

/// Python: Pipe(duplex=True). duplex: both ends read and write. Otherwise the first end only
/// reads and the second only writes.
std::pair<Connection, Connection> Pipe(bool duplex = true);

}  // namespace concur::mp
