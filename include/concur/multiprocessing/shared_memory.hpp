// concur/multiprocessing/shared_memory.hpp - multiprocessing.shared_memory.SharedMemory: a
// named segment in /dev/shm that unrelated processes can attach to by name.
//   concur::mp::SharedMemory shm(std::nullopt, true, 1 << 20);   // create, random name
//   concur::mp::SharedMemory other(shm.name());                  // attach (another process)
//   std::memcpy(other.buf().data(), "hi", 2);  other.close();  shm.unlink();
// Created with O_EXCL and mode 0600; random names carry 128 random bits. A segment its
// creator never unlinked is unlinked when the creating process exits (with a warning, as
// Python's resource tracker does), so nothing is left behind in /dev/shm.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "concur/multiprocessing/errors.hpp"

namespace concur::mp {

/// Python's FileExistsError: create = true with a name that exists.
class FileExistsError : public OSError {
 public:
  using OSError::OSError;
};

/// Python's FileNotFoundError: attaching to a name that does not exist.
class FileNotFoundError : public OSError {
 public:
  using OSError::OSError;
};

class SharedMemory {
 public:
  /// Python: SharedMemory(name=None, create=False, size=0). create with size 0 or attach
  /// without a name -> ValueError.
  explicit SharedMemory(std::optional<std::string> name = std::nullopt, bool create = false,
                        std::size_t size = 0);
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  /// Closes (does not unlink, as Python).
  ~SharedMemory();

  /// The name, without the leading '/' (as Python reports it).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The mapped bytes (empty after close()).
  [[nodiscard]] std::span<std::byte> buf() const noexcept { return {data_, data_ ? size_ : 0}; }
  /// Unmaps this process's view (idempotent).
  void close() noexcept;
  /// Removes the name from /dev/shm (existing views stay valid); FileNotFoundError if gone.
  void unlink();

 private:
  std::string name_;
  std::size_t size_ = 0;
  std::byte* data_ = nullptr;
};

}  // namespace concur::mp
