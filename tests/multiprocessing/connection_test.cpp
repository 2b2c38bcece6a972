// Pipe / Connection: values and bytes, framing, poll, close and EOF semantics, size limits,
// across processes, stress, and kill tests (a peer SIGKILLed mid-message).
#include "concur/multiprocessing/connection.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"
#include "support/test_helpers.hpp"

namespace mp = concur::mp;
using namespace std::chrono_literals;
using concur_test::Clock;

namespace {
class ConnectionTest : public concur_test::LeakCheckedTest {};
}  // namespace

TEST_F(ConnectionTest, SendRecvValuesBothWays) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send(42);
  a.send(std::string("hello"));
  a.send(std::map<std::string, std::vector<int>>{{"k", {1, 2}}});
  EXPECT_EQ(b.recv<int>(), 42);
  EXPECT_EQ(b.recv<std::string>(), "hello");
  EXPECT_EQ((b.recv<std::map<std::string, std::vector<int>>>()),
            (std::map<std::string, std::vector<int>>{{"k", {1, 2}}}));
  b.send(std::optional<double>(2.5));
  EXPECT_EQ(a.recv<std::optional<double>>(), 2.5);
}

TEST_F(ConnectionTest, Bytes) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send_bytes("");
  a.send_bytes(std::string("a\0b", 3));
  a.send_bytes("0123456789", 2, 3);
  a.send_bytes("0123456789", 7);
  EXPECT_EQ(b.recv_bytes(), "");
  EXPECT_EQ(b.recv_bytes(), std::string("a\0b", 3));
  EXPECT_EQ(b.recv_bytes(), "234");
  EXPECT_EQ(b.recv_bytes(), "789");
  EXPECT_THROW(a.send_bytes("abc", 4), concur::ValueError);
  EXPECT_THROW(a.send_bytes("abc", 1, 3), concur::ValueError);
}

TEST_F(ConnectionTest, WrongTypeIsADecodeError) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send(std::string("not an int"));
  EXPECT_THROW(b.recv<int>(), mp::DecodeError);
}

TEST_F(ConnectionTest, PollWithTimeouts) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  EXPECT_FALSE(b.poll());
  auto t0 = Clock::now();
  EXPECT_FALSE(b.poll(50ms));
  EXPECT_GE(Clock::now() - t0, 45ms);
  std::thread sender([&a] {
    std::this_thread::sleep_for(50ms);
    a.send(1);
  });
  EXPECT_TRUE(b.poll(concur::Timeout{}));  // forever
  EXPECT_TRUE(b.poll());
  EXPECT_EQ(b.recv<int>(), 1);
  sender.join();
  EXPECT_FALSE(b.poll(-1s));  // negative: no wait
}

TEST_F(ConnectionTest, EofAfterPeerCloseOnceDrained) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send(1);
  a.send(2);
  a.close();
  EXPECT_TRUE(a.closed());
  EXPECT_TRUE(b.poll());
  EXPECT_EQ(b.recv<int>(), 1);
  EXPECT_EQ(b.recv<int>(), 2);
  EXPECT_TRUE(b.poll());  // EOF is readable
  EXPECT_THROW(b.recv<int>(), mp::EOFError);
  EXPECT_THROW(b.send(3), mp::BrokenPipeError);  // and no SIGPIPE
}

TEST_F(ConnectionTest, ClosedHandleAndDirections) {
  auto r_w = mp::Pipe(false);  // (clang 14 cannot capture bindings)
  auto& r = r_w.first;
  auto& w = r_w.second;
  EXPECT_TRUE(r.readable());
  EXPECT_FALSE(r.writable());
  EXPECT_FALSE(w.readable());
  EXPECT_TRUE(w.writable());
  EXPECT_THROW(r.send(1), mp::OSError);
  EXPECT_THROW(w.recv<int>(), mp::OSError);
  w.send(5);
  EXPECT_EQ(r.recv<int>(), 5);
  r.close();
  r.close();
  EXPECT_THROW(r.recv<int>(), mp::OSError);
  EXPECT_THROW((void)r.fileno(), mp::OSError);
  EXPECT_THROW(r.poll(), mp::OSError);
  EXPECT_GE(w.fileno(), 0);
}

TEST_F(ConnectionTest, MaxLengthMakesTheConnectionUnusable) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send_bytes(std::string(100, 'x'));
  EXPECT_THROW(b.recv_bytes(10), mp::OSError);
  EXPECT_THROW(b.recv_bytes(), mp::OSError);  // as Python: the stream position is lost
}

TEST_F(ConnectionTest, LyingHeaderIsRejectedWithoutAllocating) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  mp::Connection c(sv[0], true, true);
  const std::uint64_t huge = std::uint64_t{1} << 62;
  ASSERT_EQ(::write(sv[1], &huge, sizeof huge), 8);
  EXPECT_THROW(c.recv_bytes(), mp::OSError);
  ::close(sv[1]);
}

TEST_F(ConnectionTest, HeaderThenEofIsEofNotGarbage) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  mp::Connection c(sv[0], true, true);
  const std::uint64_t len = 1000;
  ASSERT_EQ(::write(sv[1], &len, sizeof len), 8);
  ASSERT_EQ(::write(sv[1], "abc", 3), 3);
  ::close(sv[1]);
  EXPECT_THROW(c.recv_bytes(), mp::EOFError);
  int sv2[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv2), 0);
  mp::Connection c2(sv2[0], true, true);
  ASSERT_EQ(::write(sv2[1], &len, 4), 4);  // half a header
  ::close(sv2[1]);
  EXPECT_THROW(c2.recv_bytes(), mp::EOFError);
}

TEST_F(ConnectionTest, MoveKeepsBufferedMessages) {
  auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& a = a_b.first;
  auto& b = a_b.second;
  a.send(1);
  a.send(2);
  EXPECT_EQ(b.recv<int>(), 1);  // the second message is probably buffered now
  mp::Connection moved(std::move(b));
  EXPECT_TRUE(b.closed());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(moved.recv<int>(), 2);
}

TEST_F(ConnectionTest, AcrossProcessesEcho) {
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process echo([&theirs, &mine] {
    mine.close();  // the child's copy of our end: without this it never sees EOF
    for (;;) {
      std::string s;
      try {
        s = theirs.recv<std::string>();
      } catch (const mp::EOFError&) {
        return;
      }
      theirs.send(s + "!");
    }
  });
  echo.start();
  theirs.close();
  for (int i = 0; i < 100; ++i) {
    mine.send(std::to_string(i));
    EXPECT_EQ(mine.recv<std::string>(), std::to_string(i) + "!");
  }
  mine.close();
  EXPECT_TRUE(echo.join(10s));
  EXPECT_EQ(echo.exitcode(), 0);
}

TEST_F(ConnectionTest, LargeMessageAcrossProcesses) {
  constexpr std::size_t kSize = std::size_t{256} << 20;
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process sender([&theirs] {
    std::string big(kSize, '\0');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
    theirs.send_bytes(big);
  });
  sender.start();
  theirs.close();
  const std::string got = mine.recv_bytes();
  ASSERT_EQ(got.size(), kSize);
  bool ok = true;
  for (std::size_t i = 0; i < got.size(); i += 4096)
    ok = ok && got[i] == static_cast<char>(i / 4096);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(sender.join(30s));
  EXPECT_EQ(sender.exitcode(), 0);
}

TEST_F(ConnectionTest, StressManyMessagesCheckedTotals) {
  constexpr int kMessages = 100000;
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process producer([&theirs] {
    for (int i = 0; i < kMessages; ++i) {
      if (i % 3 == 0) {
        theirs.send(static_cast<std::int64_t>(i));
      } else {
        theirs.send_bytes(std::string(static_cast<std::size_t>(i % 200), 'x'));
      }
    }
  });
  producer.start();
  theirs.close();
  std::int64_t sum = 0;
  std::int64_t bytes = 0;
  std::int64_t expected_sum = 0;
  std::int64_t expected_bytes = 0;
  for (int i = 0; i < kMessages; ++i) {
    if (i % 3 == 0) {
      sum += mine.recv<std::int64_t>();
      expected_sum += i;
    } else {
      bytes += static_cast<std::int64_t>(mine.recv_bytes().size());
      expected_bytes += i % 200;
    }
  }
  EXPECT_EQ(sum, expected_sum);
  EXPECT_EQ(bytes, expected_bytes);
  EXPECT_THROW(mine.recv_bytes(), mp::EOFError);
  producer.join();
}

TEST_F(ConnectionTest, StressThreadsEachWithAPipe) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 5000;
  std::atomic<int> good{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      auto a_b = mp::Pipe();  // (clang 14 cannot capture bindings)
      auto& a = a_b.first;
      auto& b = a_b.second;
      std::thread echo([&b] {
        for (int i = 0; i < kRounds; ++i) b.send(b.recv<int>() + 1);
      });
      int ok = 0;
      for (int i = 0; i < kRounds; ++i) {
        a.send(i);
        ok += a.recv<int>() == i + 1 ? 1 : 0;
      }
      echo.join();
      if (ok == kRounds) ++good;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(good.load(), kThreads);
}

// ------------------------------------------------------------------ kill tests

TEST_F(ConnectionTest, SenderKilledMidMessageGivesEofNeverPartialData) {
  constexpr std::size_t kSize = std::size_t{256} << 20;
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process sender([&theirs] {
    const std::string big(kSize, 'q');
    theirs.send_bytes(big);  // blocks: the parent reads slowly, then kills us
    std::this_thread::sleep_for(60s);
  });
  sender.start();
  theirs.close();
  // Wait until part of the message is in flight, then kill the sender.
  ASSERT_TRUE(mine.poll(10s));
  std::this_thread::sleep_for(20ms);
  sender.kill();
  EXPECT_THROW(mine.recv_bytes(), mp::EOFError);
  EXPECT_TRUE(sender.join(10s));
  EXPECT_EQ(sender.exitcode(), -SIGKILL);
}

TEST_F(ConnectionTest, ReceiverKilledGivesBrokenPipeToTheSender) {
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process receiver([&theirs] {
    (void)theirs.recv_bytes();
    std::this_thread::sleep_for(60s);
  });
  receiver.start();
  theirs.close();
  mine.send_bytes("first");
  std::this_thread::sleep_for(20ms);
  receiver.kill();
  ASSERT_TRUE(receiver.join(10s));
  EXPECT_THROW(
      {
        for (int i = 0; i < 1000; ++i) mine.send_bytes(std::string(65536, 'z'));
      },
      mp::BrokenPipeError);
}

TEST_F(ConnectionTest, KilledAtEveryPointOfAStreamNeverYieldsGarbage) {
  // The sender streams numbered messages; killed at random points, the receiver must see a
  // prefix of whole, correct messages, then EOFError.
  for (int round = 0; round < 20; ++round) {
    auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
    auto& mine = mine_theirs.first;
    auto& theirs = mine_theirs.second;
    mp::Process sender([&theirs] {
      for (int i = 0;; ++i) theirs.send(std::vector<int>(static_cast<std::size_t>(i % 5000), i));
    });
    sender.start();
    theirs.close();
    std::this_thread::sleep_for(std::chrono::microseconds(200 * round));
    sender.kill();
    int expected = 0;
    for (;;) {
      std::vector<int> v;
      try {
        v = mine.recv<std::vector<int>>();
      } catch (const mp::EOFError&) {
        break;
      }
      ASSERT_EQ(v.size(), static_cast<std::size_t>(expected % 5000));
      for (int x : v) ASSERT_EQ(x, expected);
      ++expected;
    }
    sender.join();
  }
}
