#include "concur/asyncio/server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include "concur/asyncio/sleep.hpp"
#include "concur/detail/async_wait_queue.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"

namespace concur::asyncio {

namespace detail {

std::vector<std::pair<sockaddr_storage, socklen_t>> resolve_for_bind(const std::string& host,
                                                                     int port);

struct ServerState {
  ServerState(EventLoop& l, int socket, ClientConnected callback, std::size_t lim, bool tcp)
      : loop(&l), fd(socket), cb(std::move(callback)), limit(lim), is_tcp(tcp) {
    watch = std::make_unique<IoWatch>(l, socket);
  }
  ServerState(const ServerState&) = delete;
  ServerState& operator=(const ServerState&) = delete;
  ~ServerState() { stop_listening(); }

  EventLoop* loop;
  int fd;
  ClientConnected cb;
  std::size_t limit;
  bool is_tcp;
  bool serving = true;
  std::unique_ptr<IoWatch> watch;
  std::size_t active = 0;
  WaitQueue changed;  // closing, or a connection finished

  void stop_listening() noexcept {
    if (fd < 0) return;
    serving = false;
    watch->deregister();
    ::close(fd);
    fd = -1;
    changed.wake_all();
  }
};

namespace {

// Python's accept-error policy: out of fds/memory -> pause and retry; a connection that died
// in the backlog -> ignore.
bool out_of_resources(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

Task<void> accept_loop(std::shared_ptr<ServerState> s) {
  while (s->fd >= 0) {
    const int conn = ::accept4(s->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        co_await s->watch->readable();
        continue;
      }
      if (out_of_resources(err)) {
        s->loop->call_exception_handler("asyncio server: accept() failed (" +
                                        concur::detail::errno_text(err) +
                                        "); pausing 100 ms before accepting again");
        co_await sleep(std::chrono::milliseconds(100));
        continue;
      }
      if (s->fd < 0) break;
      continue;  // ECONNABORTED, EPROTO, EPERM, ...: that connection is gone; keep serving
    }
    if (s->is_tcp) {
      const int one = 1;
      ::setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    Connection c = make_connection(*s->loop, conn, s->limit);
    ++s->active;
    try {
      auto task = create_task(s->cb(std::move(c.reader), std::move(c.writer)));
      std::weak_ptr<ServerState> weak = s;
      task.add_done_callback([weak](Task<void> t) {
        if (!t.cancelled()) {
          if (auto e = t.exception()) {
            get_running_loop().call_exception_handler(
                "Unhandled exception in client_connected_cb: " +
                concur::detail::to_string(concur::detail::describe_exception(e)));
          }
        }
        if (auto st = weak.lock()) {
          --st->active;
          st->changed.wake_all();
        }
      });
    } catch (...) {
      --s->active;
      s->loop->call_exception_handler(
          "asyncio server: the connection callback threw: " +
          concur::detail::to_string(concur::detail::describe_current_exception()));
    }
  }
}

int listen_socket(int family, const sockaddr* addr, socklen_t len, int backlog) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_os_error(errno, "socket");
  if (family != AF_UNIX) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd, addr, len) != 0 || ::listen(fd, backlog) != 0) {
    const int err = errno;
    ::close(fd);
    throw_os_error(err, "bind/listen");
  }
  return fd;
}

Server start(EventLoop& loop, int fd, ClientConnected cb, std::size_t limit, bool tcp) {
  auto state = std::make_shared<ServerState>(loop, fd, std::move(cb), limit, tcp);
  // The accept task holds the state: the server runs until closed even without a handle.
  // Closing wakes it and it ends.
  (void)create_task(accept_loop(state));
  return Server(state);
}

}  // namespace
}  // namespace detail

Task<Server> start_server(ClientConnected cb, std::string host, int port, std::size_t limit,
                          int backlog) {
  if (!cb) throw ValueError("start_server: no client_connected_cb");
  const auto addresses = detail::resolve_for_bind(host.empty() ? "0.0.0.0" : host, port);
  const auto& [addr, len] = addresses.front();
  const int fd =
      detail::listen_socket(addr.ss_family, reinterpret_cast<const sockaddr*>(&addr), len, backlog);
  co_return detail::start(get_running_loop(), fd, std::move(cb), limit, true);
}

Task<Server> start_unix_server(ClientConnected cb, std::string path, std::size_t limit,
                               int backlog) {
  if (!cb) throw ValueError("start_unix_server: no client_connected_cb");
  sockaddr_un un{};
  if (path.size() >= sizeof un.sun_path) throw ValueError("socket path too long: " + path);
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  const int fd = detail::listen_socket(AF_UNIX, reinterpret_cast<const sockaddr*>(&un),
                                       static_cast<socklen_t>(sizeof un), backlog);
  co_return detail::start(get_running_loop(), fd, std::move(cb), limit, false);
}

void Server::close() {
  if (!s_) return;
  s_->stop_listening();
}

Task<void> Server::wait_closed() {
  auto s = s_;
  while (s->fd >= 0 || s->active > 0) co_await s->changed.wait();
}

Task<void> Server::serve_forever() {
  auto s = s_;
  try {
    while (s->fd >= 0) co_await s->changed.wait();
  } catch (const CancelledError&) {
    Server(s).close();
    throw;
  }
}

bool Server::is_serving() const noexcept {
  return s_ && s_->serving;
}

int Server::port() const noexcept {
  if (!s_ || s_->fd < 0 || !s_->is_tcp) return 0;
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(s_->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return 0;
}

std::string Server::sockname() const {
  if (!s_ || s_->fd < 0) return "";
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(s_->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  return detail::describe_address(&a, len);
}

std::size_t Server::active_connections() const noexcept {
  return s_ ? s_->active : 0;
}

}  // namespace concur::asyncio
