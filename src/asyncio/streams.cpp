#include "concur/asyncio/streams.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "concur/asyncio/sleep.hpp"
#include "concur/detail/async_wait_queue.hpp"
#include "concur/detail/errno_text.hpp"

namespace concur::asyncio {

void throw_os_error(int err, const std::string& what) {
  const std::string text = what + ": " + concur::detail::errno_text(err);
  switch (err) {
    case ECONNRESET:
      throw ConnectionResetError(err, text);
    case ECONNREFUSED:
      throw ConnectionRefusedError(err, text);
    case EPIPE:
    case ESHUTDOWN:
      throw BrokenPipeError(err, text);
    case ECONNABORTED:
      throw ConnectionError(err, text);
    default:
      throw OSError(err, text);
  }
}

namespace detail {

namespace {
// recv() lands here first, so a read allocates only what it returns (no zero-filled buffers).
thread_local std::array<char, 65536> tl_scratch;
}  // namespace

struct StreamState : std::enable_shared_from_this<StreamState> {
  StreamState(EventLoop& l, int socket, std::size_t lim) : loop(&l), fd(socket), limit(lim) {
    watch = std::make_unique<IoWatch>(l, socket);
  }
  StreamState(const StreamState&) = delete;
  StreamState& operator=(const StreamState&) = delete;
  ~StreamState() { close_now(); }

  EventLoop* loop;
  int fd;
  std::unique_ptr<IoWatch> watch;
  std::size_t limit;
  // reading
  std::string rbuf;
  std::size_t rpos = 0;
  bool eof = false;
  bool drained = false;  // the last recv() returned less than asked: the socket was empty
  int read_error = 0;
  // writing
  std::string wbuf;
  std::size_t wpos = 0;
  std::size_t high = std::size_t{64} << 10;
  std::size_t low = std::size_t{16} << 10;
  int write_error = 0;
  bool eof_written = false;
  bool closing = false;
  bool closed = false;
  std::shared_ptr<StreamState> keep;  // while buffered data waits to be sent
  WaitQueue drain_waiters;
  WaitQueue close_waiters;

  [[nodiscard]] std::size_t buffered() const noexcept { return rbuf.size() - rpos; }
  [[nodiscard]] std::size_t pending() const noexcept { return wbuf.size() - wpos; }

  // Reads what the socket has into rbuf. True when something changed (data, EOF or an error),
  // false on EAGAIN (then wait for readability).
  bool fill() {
    if (eof || closed) {
      eof = true;
      return true;
    }
    for (;;) {
      const ssize_t n = ::recv(fd, tl_scratch.data(), tl_scratch.size(), 0);
      if (n > 0) {
        if (rpos > 0 && rpos == rbuf.size()) {
          rbuf.clear();
          rpos = 0;
        } else if (rpos > rbuf.size() / 2) {
          rbuf.erase(0, rpos);
          rpos = 0;
        }
        rbuf.append(tl_scratch.data(), static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) {
        eof = true;
        return true;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      read_error = errno;
      eof = true;
      return true;
    }
  }

  std::string take(std::size_t n) {
    n = std::min(n, buffered());
    std::string out(rbuf, rpos, n);
    rpos += n;
    if (rpos == rbuf.size()) {
      rbuf.clear();
      rpos = 0;
    }
    return out;
  }

  void raise_read_error() const {
    if (read_error != 0) throw_os_error(read_error, "recv");
  }

  // Sends from wbuf; wakes drainers below the low mark; closes when asked and done.
  void flush() noexcept {
    while (pending() > 0 && write_error == 0) {
      const ssize_t n = ::send(fd, wbuf.data() + wpos, pending(), MSG_NOSIGNAL);
      if (n > 0) {
        wpos += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      write_error = n < 0 ? errno : EPIPE;
    }
    if (write_error != 0 || wpos == wbuf.size()) {  // failed (the rest is lost) or all sent
      wbuf.clear();
      wpos = 0;
    }
    if (pending() <= low) drain_waiters.wake_all();
    if (pending() == 0) {
      watch->set_write_callback(nullptr, nullptr);
      if (eof_written && write_error == 0) ::shutdown(fd, SHUT_WR);
      if (closing || keep) {
        // Not from inside the epoll callback: closing destroys the watch.
        auto self = std::move(keep);
        if (!self) self = shared_from_this();
        loop->call_soon([self] {
          if (self->closing) self->close_now();
        });
      }
    }
  }

  void send_now(std::string_view data) {
    if (write_error != 0 || closed) return;  // the loss is reported by drain()
    if (eof_written) throw RuntimeError("Cannot call write() after write_eof()");
    std::size_t off = 0;
    if (pending() == 0) {
      while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
          off += static_cast<std::size_t>(n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        write_error = n < 0 ? errno : EPIPE;
        drain_waiters.wake_all();
        return;
      }
      if (off == data.size()) return;
    }
    wbuf.append(data.data() + off, data.size() - off);
    if (!keep) {
      keep = shared_from_this();
      watch->set_write_callback([](void* arg) noexcept { static_cast<StreamState*>(arg)->flush(); },
                                this);
    }
  }

  void close_now() noexcept {
    if (closed) return;
    closed = true;
    closing = true;
    eof = true;
    watch->deregister();  // wakes a waiting reader or writer
    ::close(fd);
    wbuf.clear();
    wpos = 0;
    drain_waiters.wake_all();
    close_waiters.wake_all();
    watch->set_write_callback(nullptr, nullptr);
    auto self = std::move(keep);  // last: may destroy this
  }
};

Connection make_connection(EventLoop& loop, int fd, std::size_t limit) {
  auto state = std::make_shared<StreamState>(loop, fd, limit);
  return Connection{StreamReader(state), StreamWriter(state)};
}

std::string describe_address(const void* addr, unsigned len) {
  const auto* sa = static_cast<const sockaddr*>(addr);
  char host[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = static_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = static_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    std::string out(1, '[');  // (not "[" + ...: g++ 12 -Wrestrict false positive)
    out += host;
    out += "]:";
    out += std::to_string(ntohs(in6->sin6_port));
    return out;
  }
  if (sa->sa_family == AF_UNIX && len > offsetof(sockaddr_un, sun_path)) {
    const auto* un = static_cast<const sockaddr_un*>(addr);
    return {un->sun_path};
  }
  return "";
}

}  // namespace detail

// ------------------------------------------------------------------- StreamReader

bool StreamReader::at_eof() const noexcept {
  return s_->eof && s_->buffered() == 0;
}
std::size_t StreamReader::limit() const noexcept {
  return s_->limit;
}

Task<std::string> StreamReader::read(std::ptrdiff_t n) {
  auto s = s_;
  if (n == 0) co_return std::string();
  if (n < 0) {
    while (!s->eof) {
      while (!s->fill()) co_await s->watch->readable();
    }
    s->raise_read_error();
    co_return s->take(s->buffered());
  }
  if (s->buffered() == 0) {
    // Fast path: straight from the socket into the result. After a short read the socket is
    // empty: wait for readiness first unless some was reported meanwhile (saves a recv call
    // that would say EAGAIN).
    if (s->drained && !s->watch->take_read_ready() && !s->eof && !s->closed) {
      co_await s->watch->readable();
    }
    s->drained = false;
    while (!s->eof) {
      const ssize_t got =
          ::recv(s->fd, detail::tl_scratch.data(),
                 std::min<std::size_t>(detail::tl_scratch.size(), static_cast<std::size_t>(n)), 0);
      if (got > 0) {
        s->drained = static_cast<std::size_t>(got) < static_cast<std::size_t>(n) &&
                     static_cast<std::size_t>(got) < detail::tl_scratch.size();
        co_return std::string(detail::tl_scratch.data(), static_cast<std::size_t>(got));
      }
      if (got == 0) {
        s->eof = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        s->read_error = errno;
        s->eof = true;
        break;
      }
      if (s->closed) break;
      co_await s->watch->readable();
    }
    s->raise_read_error();
  }
  co_return s->take(static_cast<std::size_t>(n));
}

Task<std::string> StreamReader::readuntil(std::string separator) {
  if (separator.empty()) throw ValueError("Separator should be at least one-byte string");
  auto s = s_;
  std::size_t searched = 0;
  for (;;) {
    const std::string_view view(s->rbuf.data() + s->rpos, s->buffered());
    const std::size_t at = view.find(separator, searched);
    if (at != std::string_view::npos) {
      const std::size_t end = at + separator.size();
      if (at > s->limit) {
        throw LimitOverrunError("Separator is found, but chunk is longer than limit", at);
      }
      co_return s->take(end);
    }
    if (view.size() > s->limit) {
      throw LimitOverrunError("Separator is not found, and chunk exceed the limit", view.size());
    }
    if (s->eof) {
      s->raise_read_error();
      std::string partial = s->take(s->buffered());
      throw IncompleteReadError(std::move(partial), 0);
    }
    searched = view.size() >= separator.size() ? view.size() - separator.size() + 1 : 0;
    while (!s->fill()) co_await s->watch->readable();
  }
}

Task<std::string> StreamReader::readline() {
  auto s = s_;
  try {
    co_return co_await readuntil("\n");
  } catch (const IncompleteReadError& e) {
    co_return e.partial();
  } catch (const LimitOverrunError& e) {
    const std::string_view view(s->rbuf.data() + s->rpos, s->buffered());
    if (view.substr(std::min(e.consumed(), view.size())).starts_with("\n")) {
      s->take(e.consumed() + 1);
    } else {
      s->take(s->buffered());
    }
    throw ValueError(e.what());
  }
}

Task<std::string> StreamReader::readexactly(std::size_t n) {
  auto s = s_;
  while (s->buffered() < n) {
    if (s->eof) {
      s->raise_read_error();
      std::string partial = s->take(s->buffered());
      throw IncompleteReadError(std::move(partial), n);
    }
    while (!s->fill()) co_await s->watch->readable();
  }
  co_return s->take(n);
}

// ------------------------------------------------------------------- StreamWriter

void StreamWriter::write(std::string_view data) {
  if (!data.empty()) s_->send_now(data);
}

void StreamWriter::writelines(const std::vector<std::string>& lines) {
  for (const auto& l : lines) write(l);
}

Task<void> StreamWriter::drain() {
  auto s = s_;
  if (s->write_error != 0) throw_os_error(s->write_error, "send");
  if (s->closing) {
    co_await sleep(std::chrono::seconds(0));  // as Python: let the close proceed
    if (s->write_error != 0) throw_os_error(s->write_error, "send");
    if (s->closed) throw ConnectionResetError(ECONNRESET, "Connection lost");
  }
  if (s->pending() > s->high) {
    while (s->pending() > s->low && s->write_error == 0 && !s->closed) {
      co_await s->drain_waiters.wait();
    }
  }
  if (s->write_error != 0) throw_os_error(s->write_error, "send");
}

void StreamWriter::write_eof() {
  auto& s = *s_;
  if (s.eof_written || s.closed) return;
  s.eof_written = true;
  if (s.pending() == 0) ::shutdown(s.fd, SHUT_WR);
}

void StreamWriter::close() {
  auto& s = *s_;
  if (s.closing) return;
  s.closing = true;
  if (s.pending() == 0 || s.write_error != 0) s.close_now();
  // else: flush() closes once the buffer is out
}

bool StreamWriter::is_closing() const noexcept {
  return s_->closing;
}

Task<void> StreamWriter::wait_closed() {
  auto s = s_;
  while (!s->closed) co_await s->close_waiters.wait();
}

void StreamWriter::set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) {
  const std::size_t lo = low.value_or(high / 4);
  if (lo > high) throw ValueError("high must be >= low");
  s_->high = high;
  s_->low = lo;
}

std::size_t StreamWriter::get_write_buffer_size() const noexcept {
  return s_->pending();
}

int StreamWriter::fileno() const noexcept {
  return s_->closed ? -1 : s_->fd;
}

std::string StreamWriter::peername() const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(s_->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  return detail::describe_address(&a, len);
}

std::string StreamWriter::sockname() const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(s_->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  return detail::describe_address(&a, len);
}

// ------------------------------------------------------------------- connecting

namespace {

Task<Connection> connect_socket(sockaddr_storage addr, socklen_t len, std::size_t limit) {
  const int family = addr.ss_family;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_os_error(errno, "socket");
  if (family != AF_UNIX) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  // The state owns fd from here on (closed on any error below).
  auto state = std::make_shared<detail::StreamState>(get_running_loop(), fd, limit);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) throw_os_error(errno, "connect");
    co_await state->watch->writable();
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) throw_os_error(err, "connect");
  }
  co_return Connection{StreamReader(state), StreamWriter(state)};
}

std::vector<std::pair<sockaddr_storage, socklen_t>> resolve(const std::string& host, int port) {
  if (port < 0 || port > 65535) throw ValueError("port must be 0-65535");
  std::vector<std::pair<sockaddr_storage, socklen_t>> out;
  const std::string h = host == "localhost" || host.empty() ? "127.0.0.1" : host;
  sockaddr_storage a{};
  auto* in = reinterpret_cast<sockaddr_in*>(&a);
  if (inet_pton(AF_INET, h.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    out.emplace_back(a, static_cast<socklen_t>(sizeof(sockaddr_in)));
    return out;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&a);
  if (inet_pton(AF_INET6, h.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    out.emplace_back(a, static_cast<socklen_t>(sizeof(sockaddr_in6)));
    return out;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) throw OSError(0, "getaddrinfo(" + h + "): " + ::gai_strerror(rc));
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, ai->ai_addr, ai->ai_addrlen);
    out.emplace_back(s, ai->ai_addrlen);
  }
  ::freeaddrinfo(res);
  return out;
}

}  // namespace

namespace detail {
std::vector<std::pair<sockaddr_storage, socklen_t>> resolve_for_bind(const std::string& host,
                                                                     int port) {
  return resolve(host, port);
}
}  // namespace detail

Task<Connection> open_connection(std::string host, int port, std::size_t limit) {
  const auto addresses = resolve(host, port);
  std::exception_ptr last;
  for (const auto& [addr, len] : addresses) {
    try {
      co_return co_await connect_socket(addr, len, limit);
    } catch (const OSError&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw OSError(0, "open_connection: no address for " + host);
}

Task<Connection> open_unix_connection(std::string path, std::size_t limit) {
  sockaddr_storage a{};
  auto* un = reinterpret_cast<sockaddr_un*>(&a);
  if (path.size() >= sizeof un->sun_path) throw ValueError("socket path too long: " + path);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.c_str(), path.size() + 1);
  co_return co_await connect_socket(a, static_cast<socklen_t>(sizeof(sockaddr_un)), limit);
}

}  // namespace concur::asyncio
