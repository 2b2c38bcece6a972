#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Runs body(port) against a server whose connections run handler.
template <class Handler, class Body>
void with_server(Handler handler, Body body) {
  const std::size_t fds_before = open_fds();
  asyncio::run([](Handler h, Body b) -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(h, "127.0.0.1", 0);
    EXPECT_TRUE(server.is_serving());
    EXPECT_GT(server.port(), 0);
    co_await b(server.port());
    server.close();
    co_await asyncio::timeout(5s, server.wait_closed());
  }(handler, body));
  EXPECT_EQ(open_fds(), fds_before);
}

asyncio::Task<void> echo_upper(asyncio::StreamReader r, asyncio::StreamWriter w) {
  for (;;) {
    std::string line = co_await r.readline();
    if (line.empty()) break;
    for (auto& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    w.write(line);
    co_await w.drain();
  }
  w.close();
}

}  // namespace

TEST(Streams, EchoLines) {
  with_server(echo_upper, [](int port) -> asyncio::Task<void> {
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
    w.write("hello\n");
    w.write("world\n");
    co_await w.drain();
    EXPECT_EQ(co_await r.readline(), "HELLO\n");
    EXPECT_EQ(co_await r.readline(), "WORLD\n");
    EXPECT_NE(w.peername().find("127.0.0.1:"), std::string::npos);
    w.write_eof();
    EXPECT_EQ(co_await r.readline(), "");
    EXPECT_TRUE(r.at_eof());
    w.close();
    co_await w.wait_closed();
  });
}

TEST(Streams, ReadVariants) {
  auto sender = [](asyncio::StreamReader, asyncio::StreamWriter w) -> asyncio::Task<void> {
    w.write("abc|defgh|tail");
    co_await w.drain();
    w.close();
  };
  with_server(sender, [](int port) -> asyncio::Task<void> {
    auto [r, w] = co_await asyncio::open_connection("localhost", port);
    EXPECT_EQ(co_await r.readuntil("|"), "abc|");
    EXPECT_EQ(co_await r.readexactly(3), "def");
    EXPECT_EQ(co_await r.readuntil("|"), "gh|");
    try {
      (void)co_await r.readexactly(10);
      ADD_FAILURE() << "no IncompleteReadError";
    } catch (const asyncio::IncompleteReadError& e) {
      EXPECT_EQ(e.partial(), "tail");
      EXPECT_EQ(e.expected(), 10U);
    }
    EXPECT_EQ(co_await r.read(), "");
    EXPECT_TRUE(r.at_eof());
    w.close();
  });
}

TEST(Streams, ReadAllUntilEof) {
  auto sender = [](asyncio::StreamReader, asyncio::StreamWriter w) -> asyncio::Task<void> {
    w.write(std::string(300'000, 'x'));  // more than the socket takes at once
    co_await w.drain();
    w.close();
  };
  with_server(sender, [](int port) -> asyncio::Task<void> {
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
    std::string all = co_await r.read();
    EXPECT_EQ(all.size(), 300'000U);
    w.close();
  });
}

TEST(Streams, LineLimit) {
  auto sender = [](asyncio::StreamReader, asyncio::StreamWriter w) -> asyncio::Task<void> {
    w.write(std::string(200, 'y') + "\nshort\n");
    co_await w.drain();
    w.close();
  };
  const std::size_t fds = open_fds();
  asyncio::run([](decltype(sender) s) -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(s, "127.0.0.1", 0);
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", server.port(), 100);
    EXPECT_EQ(r.limit(), 100U);
    EXPECT_THROW(co_await r.readline(), concur::ValueError);  // the long line is dropped
    EXPECT_EQ(co_await r.readline(), "short\n");
    w.close();
    server.close();
    co_await server.wait_closed();
  }(sender));
  EXPECT_EQ(open_fds(), fds);
}

TEST(Streams, ReaduntilLimitOverrun) {
  auto sender = [](asyncio::StreamReader, asyncio::StreamWriter w) -> asyncio::Task<void> {
    w.write(std::string(500, 'z'));
    co_await w.drain();
    co_await asyncio::sleep(50ms);
    w.close();
  };
  asyncio::run([](decltype(sender) s) -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(s, "127.0.0.1", 0);
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", server.port(), 100);
    EXPECT_THROW(co_await r.readuntil("\n"), asyncio::LimitOverrunError);
    w.close();
    server.close();
    co_await server.wait_closed();
  }(sender));
}

TEST(Streams, ConnectionRefused) {
  asyncio::run([]() -> asyncio::Task<void> {
    // Bind a port, then close it: nobody listens there.
    auto server = co_await asyncio::start_server(
        [](asyncio::StreamReader, asyncio::StreamWriter) -> asyncio::Task<void> { co_return; },
        "127.0.0.1", 0);
    const int port = server.port();
    server.close();
    co_await server.wait_closed();
    EXPECT_THROW(co_await asyncio::open_connection("127.0.0.1", port),
                 asyncio::ConnectionRefusedError);
  }());
}

TEST(Streams, DrainBackPressureWithSlowReader) {
  auto slow = [](asyncio::StreamReader r, asyncio::StreamWriter w) -> asyncio::Task<void> {
    co_await asyncio::sleep(100ms);  // let the writer fill the socket buffers
    std::string all = co_await r.read();
    w.write(std::to_string(all.size()));
    co_await w.drain();
    w.close();
  };
  with_server(slow, [](int port) -> asyncio::Task<void> {
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
    w.set_write_buffer_limits(64 * 1024, 16 * 1024);
    const std::string chunk(64 * 1024, 'q');
    std::size_t max_buffered = 0;
    for (int i = 0; i < 64; ++i) {
      w.write(chunk);
      max_buffered = std::max(max_buffered, w.get_write_buffer_size());
      co_await w.drain();
      EXPECT_LE(w.get_write_buffer_size(), 16U * 1024U + 64U * 1024U);
    }
    EXPECT_GT(max_buffered, 0U);  // the socket did fill up
    w.write_eof();
    EXPECT_EQ(co_await r.read(), std::to_string(64 * 64 * 1024));
    w.close();
  });
}

TEST(Streams, PeerResetFailsOnlyThatStream) {
  int good_lines = 0;
  auto handler = [&](asyncio::StreamReader r, asyncio::StreamWriter w) -> asyncio::Task<void> {
    std::string first = co_await r.readline();
    if (first == "reset\n") {
      // Keep writing to a peer that is gone: drain must fail, never SIGPIPE.
      try {
        for (int i = 0; i < 1000; ++i) {
          w.write(std::string(64 * 1024, 'r'));
          co_await w.drain();
          co_await asyncio::sleep(1ms);
        }
        ADD_FAILURE() << "writing to a reset peer never failed";
      } catch (const asyncio::ConnectionError&) {
      }
    } else {
      ++good_lines;
      w.write(first);
      co_await w.drain();
    }
    w.close();
  };
  with_server(handler, [&](int port) -> asyncio::Task<void> {
    {
      auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
      w.write("reset\n");
      co_await w.drain();
      co_await asyncio::sleep(20ms);
      w.close();  // unread data in our receive buffer: the kernel sends RST
    }
    co_await asyncio::sleep(100ms);
    auto [r2, w2] = co_await asyncio::open_connection("127.0.0.1", port);
    w2.write("fine\n");
    EXPECT_EQ(co_await r2.readline(), "fine\n");
    w2.close();
    co_await asyncio::sleep(50ms);
  });
  EXPECT_EQ(good_lines, 1);
}

TEST(Streams, IdleConnectionTimeout) {
  bool timed_out = false;
  auto handler = [&](asyncio::StreamReader r, asyncio::StreamWriter w) -> asyncio::Task<void> {
    try {
      (void)co_await asyncio::timeout(50ms, r.readline());
    } catch (const concur::TimeoutError&) {
      timed_out = true;
    }
    w.close();
  };
  with_server(handler, [](int port) -> asyncio::Task<void> {
    auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
    EXPECT_EQ(co_await asyncio::timeout(2s, r.read()), "");  // the server hung up on us
    w.close();
  });
  EXPECT_TRUE(timed_out);
}

TEST(Streams, UnixSocket) {
  const std::string path = "/tmp/concur-asyncio-test-" + std::to_string(::getpid()) + ".sock";
  asyncio::run([](std::string p) -> asyncio::Task<void> {
    auto server = co_await asyncio::start_unix_server(echo_upper, p);
    EXPECT_EQ(server.sockname(), p);
    auto [r, w] = co_await asyncio::open_unix_connection(p);
    w.write("unix\n");
    EXPECT_EQ(co_await r.readline(), "UNIX\n");
    w.close();
    server.close();
    co_await server.wait_closed();
  }(path));
  ::unlink(path.c_str());
}

TEST(Streams, ServeForeverEndsWhenCancelled) {
  asyncio::run([]() -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(echo_upper, "127.0.0.1", 0);
    auto forever = asyncio::create_task(server.serve_forever());
    co_await asyncio::sleep(5ms);
    forever.cancel();
    EXPECT_THROW(co_await forever, concur::CancelledError);
    EXPECT_FALSE(server.is_serving());
  }());
}

TEST(Streams, AcceptBacksOffWhenOutOfFds) {
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  std::vector<std::string> errors;
  asyncio::run([](rlimit lim, std::vector<std::string>& errs) -> asyncio::Task<void> {
    asyncio::get_running_loop().set_exception_handler(
        [&](const std::string& m) { errs.push_back(m); });
    auto server = co_await asyncio::start_server(echo_upper, "127.0.0.1", 0);
    // Client sockets first, then no fd left for accept() in the server.
    std::vector<asyncio::Connection> clients;
    for (int i = 0; i < 4; ++i)
      clients.push_back(co_await asyncio::open_connection("127.0.0.1", server.port()));
    co_await asyncio::sleep(20ms);  // the four are accepted
    const std::size_t used = open_fds();
    rlimit tight = lim;
    tight.rlim_cur = used;  // (used counted the listing's own fd) one more socket, no accept()
    ::setrlimit(RLIMIT_NOFILE, &tight);
    auto extra = co_await asyncio::open_connection("127.0.0.1", server.port());
    co_await asyncio::sleep(150ms);  // accept() fails with EMFILE and backs off
    ::setrlimit(RLIMIT_NOFILE, &lim);
    extra.writer.write("again\n");
    EXPECT_EQ(co_await asyncio::timeout(3s, extra.reader.readline()), "AGAIN\n");
    extra.writer.close();
    for (auto& c : clients) c.writer.close();
    server.close();
    co_await server.wait_closed();
  }(old, errors));
  ::setrlimit(RLIMIT_NOFILE, &old);
  bool saw_backoff = false;
  for (const auto& e : errors) saw_backoff = saw_backoff || e.find("pausing") != std::string::npos;
  EXPECT_TRUE(saw_backoff);
}

TEST(StreamsStress, TenThousandConnections) {
  // Server in a child process, 10,000 concurrent clients here: each side needs ~10,000 fds.
  constexpr int kConnections = 10'000;
  constexpr rlim_t kNeed = kConnections + 200;
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  const rlimit old = lim;
  if (lim.rlim_max < kNeed) {
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << lim.rlim_max << " is below " << kNeed;
  }
  lim.rlim_cur = std::max<rlim_t>(lim.rlim_cur, kNeed);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  int port_pipe[2];
  ASSERT_EQ(::pipe(port_pipe), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(port_pipe[0]);
    asyncio::run([](int out) -> asyncio::Task<void> {
      auto server = co_await asyncio::start_server(echo_upper, "127.0.0.1", 0, 1024, 4096);
      const int port = server.port();
      [[maybe_unused]] auto n = ::write(out, &port, sizeof port);
      co_await server.serve_forever();
    }(port_pipe[1]));
    ::_exit(0);
  }
  ::close(port_pipe[1]);
  int port = 0;
  ASSERT_EQ(::read(port_pipe[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ::close(port_pipe[0]);
  const std::size_t fds_before = open_fds();
  const auto t0 = std::chrono::steady_clock::now();
  int echoed = 0;
  int failed = 0;
  asyncio::run([&]() -> asyncio::Task<void> {
    auto client = [&](int i) -> asyncio::Task<void> {
      try {
        auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
        w.write("m" + std::to_string(i) + "\n");
        std::string back = co_await r.readline();
        if (back == "M" + std::to_string(i) + "\n") ++echoed;
        w.close();
        co_await w.wait_closed();
      } catch (const asyncio::OSError& e) {
        if (++failed == 1) ADD_FAILURE() << "connection " << i << ": " << e.what();
      }
    };
    std::vector<asyncio::Task<void>> all;
    all.reserve(kConnections);
    for (int i = 0; i < kConnections; ++i) all.push_back(client(i));
    co_await asyncio::timeout(60s, asyncio::gather(std::move(all)));
  }());
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_EQ(echoed, kConnections);
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
}
