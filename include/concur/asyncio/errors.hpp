// concur/asyncio/errors.hpp - asyncio's exceptions (CancelledError and TimeoutError are the
// library-wide ones in concur/errors.hpp; queue errors are concur::queue's).
//   try { co_await reader.readexactly(4); } catch (const asyncio::IncompleteReadError& e) {}
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "concur/errors.hpp"

namespace concur::asyncio {

/// Python's asyncio.InvalidStateError: result() of a task that is not done, and the like.
class InvalidStateError : public Error {
 public:
  using Error::Error;
};

/// Python's asyncio.IncompleteReadError: EOF before readexactly()/readuntil() got enough.
class IncompleteReadError : public Error {
 public:
  IncompleteReadError(std::string partial, std::size_t expected)
      : Error(std::to_string(partial.size()) + " bytes read on a total of " +
              (expected == 0 ? std::string("undefined") : std::to_string(expected)) +
              " expected bytes"),
        partial_(std::move(partial)),
        expected_(expected) {}
  /// The bytes read before EOF.
  [[nodiscard]] const std::string& partial() const noexcept { return partial_; }
  /// How many were asked for (0: up to a separator).
  [[nodiscard]] std::size_t expected() const noexcept { return expected_; }

 private:
  std::string partial_;
  std::size_t expected_;
};

/// Python's asyncio.LimitOverrunError: a line or separator search went past the reader's limit.
class LimitOverrunError : public Error {
 public:
  LimitOverrunError(const std::string& message, std::size_t consumed)
      : Error(message), consumed_(consumed) {}
  /// Bytes to consume to get past the data the search looked at.
  [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }

 private:
  std::size_t consumed_;
};

/// Python 3.11's ExceptionGroup, as raised by TaskGroup: every error of the group's tasks.
class ExceptionGroup : public Error {
 public:
  ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> errors)
      : Error(message + " (" + std::to_string(errors.size()) + " sub-exception" +
              (errors.size() == 1 ? "" : "s") + ")"),
        errors_(std::move(errors)) {}
  [[nodiscard]] const std::vector<std::exception_ptr>& exceptions() const noexcept {
    return errors_;
  }

 private:
  std::vector<std::exception_ptr> errors_;
};

/// Python's OSError for sockets: carries the errno.
class OSError : public Error {
 public:
  OSError(int error_number, const std::string& message) : Error(message), errno_(error_number) {}
  [[nodiscard]] int error_number() const noexcept { return errno_; }

 private:
  int errno_;
};

/// Python's ConnectionError and its kinds.
class ConnectionError : public OSError {
 public:
  using OSError::OSError;
};
class ConnectionResetError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionRefusedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class BrokenPipeError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

/// Throws the OSError subclass Python would raise for errno `err` ("what: strerror").
[[noreturn]] void throw_os_error(int err, const std::string& what);

/// Python's asyncio.BrokenBarrierError.
class BrokenBarrierError : public Error {
 public:
  using Error::Error;
};

}  // namespace concur::asyncio
