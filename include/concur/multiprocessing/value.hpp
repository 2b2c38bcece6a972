// concur/multiprocessing/value.hpp - multiprocessing.Value and Array: trivially copyable
// data in shared memory, with an RLock (Python's default: a synchronized wrapper).
//   concur::mp::Value<int> counter(0);
//   child: { std::lock_guard g(counter.get_lock()); counter.set(counter.get() + 1); }
//   concur::mp::Array<double> a(10);            a.set(3, 1.5);   double x = a.get(3);
// get()/set() take the lock for one access; hold get_lock() for a read-modify-write.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "concur/detail/shared_object.hpp"
#include "concur/multiprocessing/lock.hpp"

namespace concur::mp {

/// Python's IndexError: an index outside an Array.
class IndexError : public Error {
 public:
  using Error::Error;
};

template <class T>
class Value {
  static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>,
                "mp::Value<T> needs a trivially copyable T without pointers: its bytes are "
                "shared between processes");

 public:
  /// Python: Value(typecode, initial, lock=True). lock = false: no lock (get_lock() throws).
  explicit Value(T initial = T{}, bool lock = true) : data_(0, initial) {
    if (lock) lock_.emplace();
  }
  /// Reads the value (under the lock when there is one).
  [[nodiscard]] T get() const {
    if (!lock_) return *data_;
    std::lock_guard g(*lock_);
    return *data_;
  }
  /// Writes the value (under the lock when there is one).
  void set(const T& v) {
    if (!lock_) {
      *data_ = v;
      return;
    }
    std::lock_guard g(*lock_);
    *data_ = v;
  }
  [[nodiscard]] T value() const { return get(); }
  /// The lock guarding the value (Python: get_lock()); RuntimeError when created without.
  RLock& get_lock() const {
    if (!lock_) throw RuntimeError("this Value was created with lock = false");
    return *lock_;
  }
  /// The shared object itself, for unlocked access (Python: get_obj()).
  T* get_obj() const noexcept { return data_.get(); }

 private:
  concur::detail::SharedObject<T> data_;
  mutable std::optional<RLock> lock_;
};

template <class T>
class Array {
  static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>,
                "mp::Array<T> needs a trivially copyable T without pointers");

 public:
  /// Python: Array(typecode, size): n zero-initialised elements.
  explicit Array(std::size_t n, bool lock = true) : Array(std::vector<T>(n), lock) {}
  /// Python: Array(typecode, sequence).
  Array(std::initializer_list<T> values, bool lock = true) : Array(std::vector<T>(values), lock) {}
  explicit Array(const std::vector<T>& values, bool lock = true)
      : size_(values.size()), data_(values.size() * sizeof(T), Header{}) {
    for (std::size_t i = 0; i < size_; ++i) elements()[i] = values[i];
    if (lock) lock_.emplace();
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Element i under the lock; IndexError when out of range.
  [[nodiscard]] T get(std::size_t i) const {
    check(i);
    auto g = guard();
    return elements()[i];
  }
  void set(std::size_t i, const T& v) {
    check(i);
    auto g = guard();
    elements()[i] = v;
  }
  /// A copy of every element, taken under the lock.
  [[nodiscard]] std::vector<T> to_vector() const {
    auto g = guard();
    return std::vector<T>(elements(), elements() + size_);
  }
  /// Unlocked access: hold get_lock() yourself when others may write.
  T& operator[](std::size_t i) const noexcept { return elements()[i]; }
  [[nodiscard]] std::span<T> span() const noexcept { return {elements(), size_}; }
  RLock& get_lock() const {
    if (!lock_) throw RuntimeError("this Array was created with lock = false");
    return *lock_;
  }

 private:
  struct Header {
    alignas(alignof(T) > alignof(std::max_align_t)
                ? alignof(T)
                : alignof(std::max_align_t)) unsigned char pad = 0;
  };
  T* elements() const noexcept { return reinterpret_cast<T*>(data_.extra()); }  // NOLINT
  void check(std::size_t i) const {
    if (i >= size_) {
      throw IndexError("array index " + std::to_string(i) + " out of range (size " +
                       std::to_string(size_) + ")");
    }
  }
  std::unique_lock<RLock> guard() const {
    return lock_ ? std::unique_lock<RLock>(*lock_) : std::unique_lock<RLock>();
  }

  std::size_t size_;
  concur::detail::SharedObject<Header> data_;
  mutable std::optional<RLock> lock_;
};

}  // namespace concur::mp
