// concur/detail/shared_object.hpp - one object in an anonymous shared mapping.
// fork()ed children inherit it; copies of a handle share it; the mapping goes when the last
// handle in this process does. Nothing appears in /dev/shm (nothing can leak there).
#pragma once

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "concur/detail/errno_text.hpp"
#include "concur/multiprocessing/errors.hpp"

namespace concur::detail {

/// Maps `bytes` of zeroed shared memory (MAP_SHARED | MAP_ANONYMOUS); OSError on failure.
inline void* map_shared(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw mp::OSError(std::string("mmap of shared memory: ") + concur::detail::errno_text(errno));
  return p;
}

/// A T constructed in its own shared mapping, followed by `extra` bytes (for arrays).
/// T is never destroyed (other processes may still use it); it must not own process-local
/// resources.
template <class T>
class SharedObject {
 public:
  template <class... Args>
  explicit SharedObject(std::size_t extra, Args&&... args) {
    const std::size_t bytes = sizeof(T) + extra;
    void* p = map_shared(bytes);
    try {
      new (p) T(std::forward<Args>(args)...);
    } catch (...) {
      ::munmap(p, bytes);
      throw;
    }
    ptr_ = std::shared_ptr<T>(static_cast<T*>(p), [bytes](T* t) { ::munmap(t, bytes); });
  }
  T* get() const noexcept { return ptr_.get(); }
  T* operator->() const noexcept { return ptr_.get(); }
  T& operator*() const noexcept { return *ptr_; }
  /// The `extra` bytes after the object.
  [[nodiscard]] std::byte* extra() const noexcept {
    return reinterpret_cast<std::byte*>(ptr_.get()) + sizeof(T);  // NOLINT
  }

 private:
  std::shared_ptr<T> ptr_;
};

}  // namespace concur::detail
