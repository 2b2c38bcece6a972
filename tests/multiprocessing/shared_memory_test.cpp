// mp::SharedMemory: create/attach/close/unlink, names, modes, errors, no leaks.
#include "concur/multiprocessing/shared_memory.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <set>
#include <string>

#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"

namespace mp = concur::mp;

namespace {
class SharedMemoryTest : public concur_test::LeakCheckedTest {};
}  // namespace

TEST_F(SharedMemoryTest, CreateAttachUnlink) {
  mp::SharedMemory shm(std::nullopt, true, 4096);
  EXPECT_EQ(shm.size(), 4096U);
  EXPECT_EQ(shm.name().rfind("concur-", 0), 0U);
  EXPECT_EQ(shm.name().size(), 7U + 32U);  // 128 random bits in hex
  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm/" + shm.name()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  std::memcpy(shm.buf().data(), "hello", 5);
  mp::Process p([name = shm.name()] {
    mp::SharedMemory other(name);
    if (std::memcmp(other.buf().data(), "hello", 5) != 0) mp::exit(2);
    std::memcpy(other.buf().data(), "HELLO", 5);
    other.close();
  });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(std::memcmp(shm.buf().data(), "HELLO", 5), 0);
  shm.unlink();
  EXPECT_THROW(shm.unlink(), mp::FileNotFoundError);
  EXPECT_EQ(std::memcmp(shm.buf().data(), "HELLO", 5), 0);  // the view stays valid
  shm.close();
  EXPECT_TRUE(shm.buf().empty());
}

TEST_F(SharedMemoryTest, NamedCreateAndErrors) {
  const std::string name = "concur-test-" + std::to_string(::getpid());
  mp::SharedMemory a(name, true, 100);
  EXPECT_EQ(a.name(), name);
  EXPECT_THROW(mp::SharedMemory(name, true, 100), mp::FileExistsError);
  mp::SharedMemory b("/" + name);
  EXPECT_EQ(b.size(), 100U);
  a.unlink();
  EXPECT_THROW(mp::SharedMemory{name}, mp::FileNotFoundError);
  EXPECT_THROW(mp::SharedMemory(std::nullopt, true, 0), concur::ValueError);
  EXPECT_THROW(mp::SharedMemory(std::nullopt, false, 10), concur::ValueError);
}

TEST_F(SharedMemoryTest, RandomNamesAreUnique) {
  std::set<std::string> names;
  for (int i = 0; i < 50; ++i) {
    mp::SharedMemory s(std::nullopt, true, 1);
    names.insert(s.name());
    s.unlink();
  }
  EXPECT_EQ(names.size(), 50U);
}

TEST_F(SharedMemoryTest, SegmentLeftByItsCreatorIsUnlinkedAtExit) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = concur_test::fork_child([&] {
    ::close(fds[0]);
    mp::SharedMemory s(std::nullopt, true, 64);
    const std::string n = s.name();
    (void)!::write(fds[1], n.data(), n.size());
    ::close(fds[1]);
    std::exit(0);  // normal exit runs the cleanup
    return 0;
  });
  ::close(fds[1]);
  char buf[128] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  EXPECT_EQ(concur_test::wait_child(pid), 0);
  ASSERT_GT(n, 0);
  struct stat st {};
  EXPECT_NE(::stat(("/dev/shm/" + std::string(buf, static_cast<std::size_t>(n))).c_str(), &st), 0);
}
