// concur-bench workload `asyncio_echo`: an echo server under load. One client process (this
// one: an epoll loop with 100 connections, each sending a 1 KiB message and waiting for its
// echo, over and over) drives a server in another process on loopback:
//   concur:       asyncio::start_server + StreamReader.read / StreamWriter.write + drain
//   Boost.Asio:   the C++20-coroutine echo server (awaitable, co_spawn, use_awaitable)
//   Python:       asyncio.start_server with reader.read / writer.write + drain
// Rate = echoed messages per second; every echo is checked byte for byte.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench.hpp"
#include "concur/asyncio.hpp"

#ifdef CONCUR_BENCH_HAVE_ASIO
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#endif

namespace concur_bench {
namespace {

constexpr int kConnections = 100;
constexpr std::size_t kMessage = 1024;

// ---------------------------------------------------------------- the client

struct Conn {
  int fd = -1;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::int64_t remaining = 0;  // messages still to send
  bool want_out = false;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends as much of the current message as the socket takes; false on a hard error.
bool pump_send(Conn& c, const std::array<char, kMessage>& msg) {
  while (c.sent < kMessage) {
    const ssize_t n = ::send(c.fd, msg.data() + c.sent, kMessage - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) return true;
    return false;
  }
  return true;
}

// Drives `total` echoes over kConnections connections to port; returns the seconds.
double run_client(int port, std::int64_t total, std::string& error) {
  std::array<char, kMessage> msg{};
  for (std::size_t i = 0; i < kMessage; ++i) msg[i] = static_cast<char>('a' + i % 26);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(kConnections);
  std::int64_t per = total / kConnections;
  for (auto& c : conns) {
    c.fd = connect_to(port);
    if (c.fd < 0) {
      error = "client: cannot connect";
      break;
    }
    c.remaining = per;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  std::int64_t done_conns = 0;
  std::array<char, 65536> buf{};
  const double secs = time_seconds([&] {
    if (!error.empty()) return;
    for (auto& c : conns) {
      --c.remaining;
      if (!pump_send(c, msg)) error = "client: send failed";
    }
    std::array<epoll_event, 128> events{};
    while (done_conns < kConnections && error.empty()) {
      const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5000);
      if (n == 0) {
        error = "client: no progress for 5 s";
        break;
      }
      for (int i = 0; i < n; ++i) {
        Conn& c = *static_cast<Conn*>(events[i].data.ptr);
        if (c.sent < kMessage && !pump_send(c, msg)) {
          error = "client: send failed";
          break;
        }
        for (;;) {
          const ssize_t r = ::recv(c.fd, buf.data(), buf.size(), 0);
          if (r > 0) {
            if (std::memcmp(buf.data(), msg.data() + c.received % kMessage, 1) != 0) {
              error = "client: wrong echo";
            }
            c.received += static_cast<std::size_t>(r);
            // A short read drained the socket; level-triggered epoll reports more data.
            if (static_cast<std::size_t>(r) < buf.size()) break;
            continue;
          }
          if (r == 0) error = "client: server closed the connection";
          break;  // EAGAIN (or an error)
        }
        if (c.received > kMessage) error = "client: more bytes than sent";
        if (c.received == kMessage) {
          c.received = 0;
          if (c.remaining == 0) {
            ++done_conns;
          } else {
            --c.remaining;
            c.sent = 0;
            if (!pump_send(c, msg)) error = "client: send failed";
          }
        }
        const bool want_out = c.sent < kMessage;  // the socket did not take it all
        if (want_out != c.want_out) {
          epoll_event ev{};
          ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0U);
          ev.data.ptr = &c;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
          c.want_out = want_out;
        }
      }
    }
  });
  for (auto& c : conns) {
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(ep);
  return secs;
}

// ---------------------------------------------------------------- servers (child processes)

struct ServerProcess {
  pid_t pid = -1;
  int port = 0;
};

// Forks a child that runs serve(report_port) (report_port(port) tells the parent).
template <class Serve>
ServerProcess fork_server(Serve serve, std::string& error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = "pipe failed";
    return {};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const int out = fds[1];
    try {
      serve([out](int port) {
        [[maybe_unused]] const auto n = ::write(out, &port, sizeof port);
        ::close(out);
      });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "echo server: %s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  ServerProcess s;
  s.pid = pid;
  if (pid < 0 || ::read(fds[0], &s.port, sizeof s.port) != static_cast<ssize_t>(sizeof s.port)) {
    error = "the echo server did not start";
  }
  ::close(fds[0]);
  return s;
}

// Starts python3 SCRIPT --port 0 and reads the port it prints.
ServerProcess spawn_python_server(const Options& opt, std::string& error) {
  const std::string script = opt.python_dir + "/asyncio_echo_server.py";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = "pipe failed";
    return {};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execlp(opt.python_exe.c_str(), opt.python_exe.c_str(), script.c_str(), "--port", "0",
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  ServerProcess s;
  s.pid = pid;
  std::string line;
  char ch = 0;
  while (::read(fds[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(fds[0]);
  s.port = line.empty() ? 0 : std::atoi(line.c_str());
  if (s.port <= 0) error = "the Python echo server did not start";
  return s;
}

void stop_server(ServerProcess& s) {
  if (s.pid <= 0) return;
  ::kill(s.pid, SIGKILL);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  s.pid = -1;
}

namespace asyncio = concur::asyncio;

void concur_serve(const std::function<void(int)>& report_port) {
  asyncio::run([](const std::function<void(int)>& report) -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(
        [](asyncio::StreamReader reader, asyncio::StreamWriter writer) -> asyncio::Task<void> {
          try {
            for (;;) {
              std::string data = co_await reader.read(65536);
              if (data.empty()) break;
              writer.write(data);
              co_await writer.drain();
            }
          } catch (const concur::Error&) {
            // the client went away
          }
          writer.close();
        },
        "127.0.0.1", 0);
    report(server.port());
    co_await server.serve_forever();
  }(report_port));
}

#ifdef CONCUR_BENCH_HAVE_ASIO
namespace net = boost::asio;

net::awaitable<void> asio_echo(net::ip::tcp::socket socket) {
  try {
    std::array<char, 65536> data{};
    for (;;) {
      const std::size_t n = co_await socket.async_read_some(net::buffer(data), net::use_awaitable);
      co_await net::async_write(socket, net::buffer(data, n), net::use_awaitable);
    }
  } catch (const std::exception&) {
    // the client went away
  }
}

net::awaitable<void> asio_listen(net::ip::tcp::acceptor acceptor) {
  for (;;) {
    net::ip::tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
    socket.set_option(net::ip::tcp::no_delay(true));
    net::co_spawn(acceptor.get_executor(), asio_echo(std::move(socket)), net::detached);
  }
}

void asio_serve(const std::function<void(int)>& report_port) {
  net::io_context io(1);
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  report_port(acceptor.local_endpoint().port());
  net::co_spawn(io, asio_listen(std::move(acceptor)), net::detached);
  io.run();
}
#endif

template <class Serve>
double echo_once(Serve serve, std::int64_t total, std::string& error) {
  ServerProcess s = fork_server(serve, error);
  double secs = 0;
  if (error.empty()) secs = run_client(s.port, total, error);
  stop_server(s);
  return secs;
}

}  // namespace

WorkloadResult run_asyncio_echo(const Options& opt) {
  WorkloadResult r("asyncio_echo",
                   "echo server, 100 connections, 1 KiB messages, client in another process "
                   "on loopback (rate = echoed messages/s)",
                   "messages");
  const std::int64_t n = opt.quick ? 40'000 : 400'000;
  std::string error;
  std::vector<Contender> contenders;
  contenders.push_back({"concur", "concur", [](std::int64_t items, std::string& err) {
                          return echo_once(concur_serve, items, err);
                        }});
#ifdef CONCUR_BENCH_HAVE_ASIO
  contenders.push_back({"Boost.Asio coroutines", "peer", [](std::int64_t items, std::string& err) {
                          return echo_once(asio_serve, items, err);
                        }});
#endif
  std::vector<Impl> impls = measure_interleaved(contenders, n, n / 10, opt.repeat, error);
  r.concur = impls[0];
  for (std::size_t i = 1; i < impls.size(); ++i) r.others.push_back(impls[i]);
#ifndef CONCUR_BENCH_HAVE_ASIO
  r.others.push_back(Impl("Boost.Asio coroutines", "peer", "not installed (libboost-dev)"));
#endif
  // Python: the same client against python3 bench/python/asyncio_echo_server.py.
  Impl py("Python", "python");
  if (!opt.python) {
    py.note = "skipped (--no-python)";
  } else if (opt.python_exe.empty()) {
    py.note = "skipped: python3 not found on PATH";
  } else {
    std::vector<double> runs;
    const std::int64_t py_n = opt.quick ? 10'000 : 100'000;
    for (int i = 0; i < (opt.quick ? 1 : opt.repeat) && error.empty(); ++i) {
      ServerProcess s = spawn_python_server(opt, error);
      if (error.empty()) runs.push_back(run_client(s.port, py_n, error));
      stop_server(s);
    }
    if (error.empty()) {
      finish_impl(py, py_n, runs);
    } else {
      py.note = "failed";
    }
  }
  r.others.push_back(py);
  add_ratios(r, {{"Boost.Asio coroutines", 1.0}, {"Python", 5.0}});
  record_error(r, error);
  return r;
}

}  // namespace concur_bench
