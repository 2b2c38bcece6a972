// SharedMemory: names, modes and cleanup as DESIGN.md decision 6 says.
#include "concur/multiprocessing/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "concur/detail/errno_text.hpp"
#include "concur/detail/random_token.hpp"

namespace concur::mp {

namespace {

// Segments this process created and has not unlinked: unlinked at its normal exit.
struct Tracker {
  std::mutex mutex;
  std::set<std::string> names;  // with the leading '/'
  pid_t owner = 0;
  bool registered = false;
};

Tracker& tracker() {
  static auto* const t = new Tracker;  // never destroyed: used at exit
  return *t;
}

void unlink_leftovers() {
  Tracker& t = tracker();
  std::lock_guard g(t.mutex);
  if (t.owner != ::getpid()) return;  // a forked child: the creator cleans up
  for (const std::string& n : t.names) {
    std::fprintf(stderr, "concur: unlinking leaked shared memory segment %s at exit\n", n.c_str());
    ::shm_unlink(n.c_str());
  }
  t.names.clear();
}

void track(const std::string& name) {
  Tracker& t = tracker();
  std::lock_guard g(t.mutex);
  if (t.owner != ::getpid()) {  // first creation in this process (or in a forked child)
    t.owner = ::getpid();
    t.names.clear();
  }
  t.names.insert(name);
  if (!t.registered) {
    t.registered = true;
    std::atexit(unlink_leftovers);
  }
}

void untrack(const std::string& name) {
  Tracker& t = tracker();
  std::lock_guard g(t.mutex);
  t.names.erase(name);
}

std::string random_name() {
  return "/concur-" + concur::detail::random_hex(16);  // 128 random bits
}

[[noreturn]] void throw_os(const std::string& what, int err) {
  const std::string text = what + ": " + concur::detail::errno_text(err);
  if (err == EEXIST) throw FileExistsError(text);
  if (err == ENOENT) throw FileNotFoundError(text);
  throw OSError(text);
}

}  // namespace

SharedMemory::SharedMemory(std::optional<std::string> name, bool create, std::size_t size) {
  if (create && size == 0) throw ValueError("'size' must be a positive number different from zero");
  if (!create && !name) throw ValueError("'name' can only be None if create=True");
  int fd = -1;
  std::string full;
  constexpr int kFlags = O_RDWR | O_NOFOLLOW | O_CLOEXEC;
  if (create) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      full = name ? (name->starts_with('/') ? *name : "/" + *name) : random_name();
      fd = ::shm_open(full.c_str(), kFlags | O_CREAT | O_EXCL, 0600);
      if (fd >= 0 || errno != EEXIST || name) break;
    }
    if (fd < 0) throw_os("shm_open " + full, errno);
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      const int err = errno;
      ::close(fd);
      ::shm_unlink(full.c_str());
      throw_os("ftruncate " + full, err);
    }
  } else {
    full = name->starts_with('/') ? *name : "/" + *name;
    fd = ::shm_open(full.c_str(), kFlags, 0600);
    if (fd < 0) throw_os("shm_open " + full, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw_os("fstat " + full, err);
    }
    size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
      ::close(fd);
      throw ValueError("cannot attach to an empty shared memory segment " + full);
    }
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the segment
  if (p == MAP_FAILED) {
    if (create) ::shm_unlink(full.c_str());
    throw_os("mmap " + full, err);
  }
  if (create) track(full);
  name_ = full.substr(1);
  size_ = size;
  data_ = static_cast<std::byte*>(p);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : name_(std::move(other.name_)),
      size_(std::exchange(other.size_, 0)),
      data_(std::exchange(other.data_, nullptr)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    close();
    name_ = std::move(other.name_);
    size_ = std::exchange(other.size_, 0);
    data_ = std::exchange(other.data_, nullptr);
  }
  return *this;
}

SharedMemory::~SharedMemory() {
  close();
}

void SharedMemory::close() noexcept {
  if (data_ != nullptr) {
    ::munmap(data_, size_);
    data_ = nullptr;
  }
}

void SharedMemory::unlink() {
  const std::string full = "/" + name_;
  untrack(full);
  if (::shm_unlink(full.c_str()) != 0) throw_os("shm_unlink " + full, errno);
}

}  // namespace concur::mp
