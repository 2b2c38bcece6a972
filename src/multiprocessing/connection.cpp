// Connection framing: a u64 length (native order: both ends are this machine) then the
// bytes, sent with one sendmsg; reads go through a buffer so a small message costs one recv.
#include "concur/multiprocessing/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "concur/detail/deadline.hpp"
#include "concur/detail/errno_text.hpp"

namespace concur::mp {

namespace {

constexpr std::size_t kHeader = sizeof(std::uint64_t);
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

[[noreturn]] void throw_errno(const char* what, int err) {
  if (err == EPIPE || err == ECONNRESET) {
    throw BrokenPipeError(std::string(what) + ": the other end is closed (" +
                          concur::detail::errno_text(err) + ")");
  }
  throw OSError(std::string(what) + ": " + concur::detail::errno_text(err));
}

// A kernel wake-up costs ~20-30 us one way on these VMs: a reply that arrives within a few
// tens of microseconds is cheaper to wait for with non-blocking reads (DESIGN.md decision 1).
// Returns the first successful recv, or -1 with errno EAGAIN when the spin ran out.
ssize_t spin_recv(int fd, char* buf, std::size_t len) {
  constexpr auto kSpin = std::chrono::microseconds(50);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    const ssize_t r = ::recv(fd, buf, len, MSG_DONTWAIT);
    if (r >= 0 || (errno != EAGAIN && errno != EINTR)) return r;
    if ((i & 7) == 7 && std::chrono::steady_clock::now() >= until) {
      errno = EAGAIN;
      return -1;
    }
  }
}

}  // namespace

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    readable_ = other.readable_;
    writable_ = other.writable_;
    broken_ = other.broken_;
    rbuf_ = std::move(other.rbuf_);
    rpos_ = std::exchange(other.rpos_, 0);
    rend_ = std::exchange(other.rend_, 0);
    scratch_ = std::move(other.scratch_);
  }
  return *this;
}

Connection::~Connection() {
  close();
}

void Connection::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  rbuf_.clear();
  rpos_ = rend_ = 0;
}

int Connection::fileno() const {
  if (fd_ < 0) throw OSError("handle is closed");
  return fd_;
}

void Connection::check_readable() const {
  if (fd_ < 0) throw OSError("handle is closed");
  if (!readable_) throw OSError("connection is write-only");
  if (broken_) throw OSError("connection is unusable after a bad message length");
}

void Connection::check_writable() const {
  if (fd_ < 0) throw OSError("handle is closed");
  if (!writable_) throw OSError("connection is read-only");
}

void Connection::send_bytes(std::string_view buf, std::size_t offset,
                            std::optional<std::size_t> size) {
  if (offset > buf.size()) throw ValueError("offset is out of range");
  const std::size_t n = size.value_or(buf.size() - offset);
  if (n > buf.size() - offset) throw ValueError("buffer length < offset + size");
  send_bytes(buf.substr(offset, n));
}

void Connection::send_bytes(std::string_view buf) {
  check_writable();
  if (buf.size() > kMaxMessage) {
    throw ValueError("message of " + std::to_string(buf.size()) + " bytes is over the limit of " +
                     std::to_string(kMaxMessage));
  }
  const std::uint64_t len = buf.size();
  iovec iov[2] = {{const_cast<std::uint64_t*>(&len), kHeader},   // NOLINT
                  {const_cast<char*>(buf.data()), buf.size()}};  // NOLINT
  std::size_t total = kHeader + buf.size();
  std::size_t sent = 0;
  while (sent < total) {
    // Rebuild the iovec past what went out already.
    iovec rest[2];
    int count = 0;
    if (sent < kHeader) {
      rest[count++] = {static_cast<char*>(iov[0].iov_base) + sent, kHeader - sent};
      if (!buf.empty()) rest[count++] = iov[1];
    } else {
      rest[count++] = {static_cast<char*>(iov[1].iov_base) + (sent - kHeader), total - sent};
    }
    msghdr msg{};
    msg.msg_iov = rest;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw_errno("send", errno);
    }
    sent += static_cast<std::size_t>(w);
  }
}

bool Connection::fill(std::size_t need) {
  // Buffered bytes live in rbuf_[rpos_, rend_); rbuf_'s size is its capacity (allocated
  // once, grown only for a bigger header + message, never zero-filled per read).
  const std::size_t have = rend_ - rpos_;
  if (rbuf_.size() - rpos_ < have + need || rbuf_.size() - rend_ < kReadChunk / 4) {
    std::memmove(rbuf_.data(), rbuf_.data() + rpos_, have);
    rpos_ = 0;
    rend_ = have;
    if (rbuf_.size() < have + std::max(need, kReadChunk)) {
      rbuf_.resize(have + std::max(need, kReadChunk));
    }
  }
  const std::size_t target = rend_ + need;
  const std::size_t start = rend_;
  while (rend_ < target) {
    ssize_t r = spin_recv(fd_, rbuf_.data() + rend_, rbuf_.size() - rend_);
    while (r < 0 && (errno == EINTR || errno == EAGAIN)) {
      r = ::recv(fd_, rbuf_.data() + rend_, rbuf_.size() - rend_, 0);
    }
    if (r <= 0) {
      if (r < 0 && errno != ECONNRESET) throw_errno("recv", errno);
      if (rend_ == start) return false;  // EOF with nothing new
      throw EOFError("the other end closed the connection in the middle of a message");
    }
    rend_ += static_cast<std::size_t>(r);
  }
  return true;
}

std::string Connection::recv_bytes(std::optional<std::size_t> maxlength) {
  check_readable();
  if (rend_ - rpos_ < kHeader) {
    const bool had_partial = rend_ > rpos_;
    if (!fill(kHeader - (rend_ - rpos_))) {
      if (had_partial) {
        throw EOFError("the other end closed the connection in the middle of a message");
      }
      throw EOFError("the other end closed the connection");
    }
  }
  std::uint64_t len = 0;
  std::memcpy(&len, rbuf_.data() + rpos_, kHeader);
  if (len > kMaxMessage || (maxlength && len > *maxlength)) {
    broken_ = true;
    throw OSError("bad message length " + std::to_string(len));
  }
  rpos_ += kHeader;
  const auto n = static_cast<std::size_t>(len);
  if (n <= kReadChunk && rend_ - rpos_ < n) {
    if (!fill(n - (rend_ - rpos_))) {
      throw EOFError("the other end closed the connection in the middle of a message");
    }
  }
  const std::size_t buffered = rend_ - rpos_;
  if (buffered >= n) {  // the common case: the whole message is here
    std::string out(rbuf_.data() + rpos_, n);
    rpos_ += n;
    return out;
  }
  // A large message: take what is buffered, then read the rest straight into the result,
  // growing it only as bytes arrive (a lying length cannot make us allocate its size).
  std::string out(rbuf_.data() + rpos_, buffered);
  rpos_ = rend_ = 0;
  out.reserve(std::min<std::size_t>(n, std::size_t{64} << 20));
  while (out.size() < n) {
    const std::size_t before = out.size();
    const std::size_t chunk = std::min<std::size_t>(n - before, std::size_t{16} << 20);
    out.resize(before + chunk);
    ssize_t r = 0;
    do {
      r = ::recv(fd_, out.data() + before, chunk, 0);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
      if (r < 0 && errno != ECONNRESET) throw_errno("recv", errno);
      throw EOFError("the other end closed the connection in the middle of a message");
    }
    out.resize(before + static_cast<std::size_t>(r));
  }
  return out;
}

bool Connection::poll(Timeout timeout) {
  check_readable();
  if (rend_ > rpos_) return true;
  if (timeout.negative()) timeout = Timeout(std::chrono::seconds(0));
  const concur::detail::Deadline deadline(timeout);
  for (;;) {
    int ms = -1;
    if (!deadline.is_never()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline.remaining());
      ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1'000'000));
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) throw_errno("poll", errno);
    if (r == 0 && deadline.expired()) return false;
  }
}

std::pair<Connection, Connection> Pipe(bool duplex) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw_errno("socketpair", errno);
  }
  if (duplex) return {Connection(sv[0], true, true), Connection(sv[1], true, true)};
  ::shutdown(sv[0], SHUT_WR);
  ::shutdown(sv[1], SHUT_RD);
  return {Connection(sv[0], true, false), Connection(sv[1], false, true)};
}

}  // namespace concur::mp
