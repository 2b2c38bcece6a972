// concur/asyncio/streams.hpp - asyncio streams: StreamReader, StreamWriter, open_connection.
//
// Non-blocking sockets on the loop's epoll: a read or write is tried at once and waits only
// when the socket says EAGAIN. Bytes are std::string. SIGPIPE never fires (MSG_NOSIGNAL); a
// reset peer fails only its own stream, with ConnectionResetError / BrokenPipeError.
//   auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", 8888);
//   writer.write("hello\n");  co_await writer.drain();
//   std::string line = co_await reader.readline();
//   writer.close();  co_await writer.wait_closed();
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/task.hpp"

namespace concur::asyncio {

namespace detail {
struct StreamState;
}

/// Python's default stream limit (64 KiB): the longest line readline()/readuntil() accept.
inline constexpr std::size_t kDefaultStreamLimit = std::size_t{64} << 10;

/// The reading half of a connection (Python's asyncio.StreamReader).
class StreamReader {
 public:
  StreamReader() = default;
  /// Up to n bytes (n < 0: everything until EOF); "" at EOF.
  Task<std::string> read(std::ptrdiff_t n = -1);
  /// One line including its "\n"; the partial last line at EOF; "" at EOF. A line over the
  /// limit raises ValueError (the buffer is cleared, as in Python).
  Task<std::string> readline();
  /// Exactly n bytes; IncompleteReadError (with the partial bytes) at EOF.
  Task<std::string> readexactly(std::size_t n);
  /// Up to and including separator; IncompleteReadError at EOF, LimitOverrunError past the limit.
  Task<std::string> readuntil(std::string separator = "\n");
  /// True when the buffer is empty and the peer has closed its side.
  [[nodiscard]] bool at_eof() const noexcept;
  [[nodiscard]] std::size_t limit() const noexcept;

  // internal
  explicit StreamReader(std::shared_ptr<detail::StreamState> s) noexcept : s_(std::move(s)) {}

 private:
  std::shared_ptr<detail::StreamState> s_;
};

/// The writing half of a connection (Python's asyncio.StreamWriter).
class StreamWriter {
 public:
  StreamWriter() = default;
  /// Sends what the socket takes now and buffers the rest (sent in the background).
  void write(std::string_view data);
  void writelines(const std::vector<std::string>& lines);
  /// Waits while more than the high-water mark is buffered (until it is under the low mark);
  /// raises the connection's error (ConnectionResetError, BrokenPipeError...).
  Task<void> drain();
  /// Half-closes: no more writes (RuntimeError), the peer reads EOF after the buffered data.
  void write_eof();
  [[nodiscard]] bool can_write_eof() const noexcept { return true; }
  /// Closes once the buffer is sent (both directions).
  void close();
  [[nodiscard]] bool is_closing() const noexcept;
  Task<void> wait_closed();
  /// Python's transport.set_write_buffer_limits(high, low); low defaults to high / 4.
  void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt);
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept;
  /// "ip:port" (or the socket path) of the peer / of this end.
  [[nodiscard]] std::string peername() const;
  [[nodiscard]] std::string sockname() const;
  /// The socket's descriptor (Python: get_extra_info('socket').fileno()); -1 once closed.
  /// The stream owns it: do not close it or watch it with add_reader.
  [[nodiscard]] int fileno() const noexcept;

  // internal
  explicit StreamWriter(std::shared_ptr<detail::StreamState> s) noexcept : s_(std::move(s)) {}

 private:
  std::shared_ptr<detail::StreamState> s_;
};

/// What open_connection gives: `auto [reader, writer] = co_await open_connection(...)`.
struct Connection {
  StreamReader reader;
  StreamWriter writer;
};

/// Connects over TCP. host is an IPv4/IPv6 address or a name (names resolve with a blocking
/// getaddrinfo call; "localhost" is resolved without it). ConnectionRefusedError, OSError.
Task<Connection> open_connection(std::string host, int port,
                                 std::size_t limit = kDefaultStreamLimit);
/// Connects to a Unix domain socket.
Task<Connection> open_unix_connection(std::string path, std::size_t limit = kDefaultStreamLimit);

namespace detail {
/// Wraps a connected non-blocking socket (takes the fd) as a reader/writer pair.
Connection make_connection(EventLoop& loop, int fd, std::size_t limit);
/// "ip:port" or a path for a sockaddr.
std::string describe_address(const void* addr, unsigned len);
}  // namespace detail

}  // namespace concur::asyncio
