// loop.add_reader / add_writer / remove_reader / remove_writer (Python's callback-style fd
// watching): level-triggered calls, replacement, removal from inside a callback, errors, and
// many fds at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "concur/asyncio.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

namespace {

struct SocketPair {
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) != 0) {
      ADD_FAILURE() << "socketpair failed";
    }
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  ~SocketPair() {
    for (const int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void close_end(std::size_t i) {
    ::close(fds.at(i));
    fds.at(i) = -1;
  }
  std::array<int, 2> fds{-1, -1};
};

void send_byte(int fd, char c = 'x') {
  ASSERT_EQ(::write(fd, &c, 1), 1);
}

// Runs the loop for at least `d` (callbacks get many iterations meanwhile).
void run_for(asyncio::EventLoop& loop, std::chrono::milliseconds d) {
  auto pause = [](std::chrono::milliseconds t) -> asyncio::Task<void> {
    co_await asyncio::sleep(t);
  };
  loop.run_until_complete(pause(d));
}

}  // namespace

TEST(FdCallbacks, ReaderRunsWhileTheFdIsReadable) {
  asyncio::EventLoop loop;
  SocketPair sp;
  int calls = 0;
  std::string got;
  loop.add_reader(sp.fds[0], [&] {
    ++calls;
    if (calls < 3) return;  // level-triggered: called again while the byte is unread
    char c = 0;
    if (::read(sp.fds[0], &c, 1) == 1) got += c;
  });
  run_for(loop, 5ms);
  EXPECT_EQ(calls, 0);  // nothing to read yet
  send_byte(sp.fds[1], 'a');
  run_for(loop, 5ms);
  EXPECT_EQ(calls, 3);  // twice without reading, then it read the byte
  EXPECT_EQ(got, "a");
  EXPECT_TRUE(loop.remove_reader(sp.fds[0]));
  EXPECT_FALSE(loop.remove_reader(sp.fds[0]));
  send_byte(sp.fds[1], 'b');
  run_for(loop, 5ms);
  EXPECT_EQ(calls, 3);  // removed: not called any more
  loop.close();
}

TEST(FdCallbacks, WriterRunsWhileTheFdIsWritable) {
  asyncio::EventLoop loop;
  SocketPair sp;
  int calls = 0;
  loop.add_writer(sp.fds[0], [&] {
    if (++calls == 5) {
      EXPECT_TRUE(loop.remove_writer(sp.fds[0]));  // from inside the callback
    }
  });
  run_for(loop, 5ms);
  EXPECT_EQ(calls, 5);
  EXPECT_FALSE(loop.remove_writer(sp.fds[0]));
  loop.close();
}

TEST(FdCallbacks, ReaderAndWriterOnOneFdAndReplacement) {
  asyncio::EventLoop loop;
  SocketPair sp;
  int first = 0;
  int second = 0;
  int writes = 0;
  loop.add_reader(sp.fds[0], [&] { ++first; });
  loop.add_writer(sp.fds[0], [&] {
    ++writes;
    loop.remove_writer(sp.fds[0]);
  });
  loop.add_reader(sp.fds[0], [&] {  // replaces the first reader
    ++second;
    char c = 0;
    (void)::read(sp.fds[0], &c, 1);
  });
  send_byte(sp.fds[1]);
  run_for(loop, 5ms);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(writes, 1);
  EXPECT_TRUE(loop.remove_reader(sp.fds[0]));
  loop.close();
}

TEST(FdCallbacks, HangUpWakesTheReader) {
  asyncio::EventLoop loop;
  SocketPair sp;
  bool saw_eof = false;
  loop.add_reader(sp.fds[0], [&] {
    char c = 0;
    if (::read(sp.fds[0], &c, 1) == 0) {
      saw_eof = true;
      loop.remove_reader(sp.fds[0]);
    }
  });
  sp.close_end(1);
  run_for(loop, 5ms);
  EXPECT_TRUE(saw_eof);
  loop.close();
}

TEST(FdCallbacks, ACallbackThatThrowsIsReportedAndKeepsItsRegistration) {
  asyncio::EventLoop loop;
  std::vector<std::string> reports;
  loop.set_exception_handler([&](const std::string& m) { reports.push_back(m); });
  SocketPair sp;
  int calls = 0;
  loop.add_writer(sp.fds[0], [&] {
    if (++calls == 2) loop.remove_writer(sp.fds[0]);
    throw concur::ValueError("bad callback");
  });
  run_for(loop, 5ms);
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_NE(reports[0].find("bad callback"), std::string::npos);
  loop.close();
}

TEST(FdCallbacks, Errors) {
  asyncio::EventLoop loop;
  EXPECT_THROW(loop.add_reader(-1, [] {}), concur::ValueError);
  EXPECT_THROW(loop.add_reader(0, nullptr), concur::ValueError);
  // A regular file cannot be watched: epoll says EPERM.
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  try {
    loop.add_reader(::fileno(f), [] {});
    ADD_FAILURE() << "a regular file was accepted";
  } catch (const asyncio::OSError& e) {
    EXPECT_EQ(e.error_number(), EPERM);
  }
  std::fclose(f);
  // A closed fd: EBADF.
  SocketPair sp;
  const int fd = sp.fds[0];
  sp.close_end(0);
  EXPECT_THROW(loop.add_writer(fd, [] {}), asyncio::OSError);
  EXPECT_FALSE(loop.remove_reader(12345));
  loop.close();
  EXPECT_THROW(loop.add_reader(sp.fds[1], [] {}), concur::RuntimeError);
}

TEST(FdCallbacks, AStreamsFdIsRefused) {
  asyncio::EventLoop loop;
  auto body = []() -> asyncio::Task<void> {
    auto server = co_await asyncio::start_server(
        [](asyncio::StreamReader, asyncio::StreamWriter w) -> asyncio::Task<void> {
          w.close();
          co_return;
        },
        "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", server.port());
    bool refused = false;
    try {
      asyncio::get_running_loop().add_reader(writer.fileno(), [] {});
    } catch (const concur::RuntimeError&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
    writer.close();
    server.close();
    co_await server.wait_closed();
  };
  loop.run_until_complete(body());
  loop.close();
}

TEST(FdCallbacks, ClosingTheLoopDropsRegistrationsAndQueuedRuns) {
  asyncio::EventLoop loop;
  SocketPair sp;
  int calls = 0;
  loop.add_reader(sp.fds[0], [&] { ++calls; });
  loop.add_writer(sp.fds[1], [&] { ++calls; });
  send_byte(sp.fds[1]);
  loop.stop();
  loop.run_forever();  // one iteration: runs are queued, maybe not yet run
  loop.close();        // frees what is queued (ASan checks) and forgets the fds
  const int seen = calls;
  send_byte(sp.fds[1]);
  EXPECT_EQ(calls, seen);
}

TEST(FdCallbacksStress, ManySocketPairs) {
  constexpr int kPairs = 500;
  constexpr int kRounds = 20;
  asyncio::EventLoop loop;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<int> received(kPairs, 0);
  int total = 0;
  for (int i = 0; i < kPairs; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    const int fd = pairs.back()->fds[0];
    loop.add_reader(fd, [&, i, fd] {
      std::array<char, 64> buf{};
      for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) break;
        received[static_cast<std::size_t>(i)] += static_cast<int>(n);
        total += static_cast<int>(n);
      }
      if (total == kPairs * kRounds) loop.stop();
    });
  }
  loop.call_soon([&] {
    for (int r = 0; r < kRounds; ++r) {
      for (auto& p : pairs) send_byte(p->fds[1]);
    }
  });
  loop.call_later(10s, [&] { loop.stop(); });  // a deadline, should it hang
  loop.run_forever();
  EXPECT_EQ(total, kPairs * kRounds);
  for (const int n : received) EXPECT_EQ(n, kRounds);
  for (auto& p : pairs) EXPECT_TRUE(loop.remove_reader(p->fds[0]));
  loop.close();
}
