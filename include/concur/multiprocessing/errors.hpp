// concur/multiprocessing/errors.hpp - the errors of concur::mp, named as in Python.
//   try { conn.recv<int>(); } catch (const concur::mp::EOFError&) { /* peer closed */ }
#pragma once

#include <string>
#include <utility>

#include "concur/errors.hpp"

namespace concur::mp {

/// Python's multiprocessing.ProcessError: base of the multiprocessing errors.
class ProcessError : public Error {
 public:
  using Error::Error;
};

/// Python's multiprocessing.AuthenticationError.
class AuthenticationError : public ProcessError {
 public:
  using ProcessError::ProcessError;
};

/// Python's EOFError: the other end of a Connection is closed (or its process died) and
/// nothing is left to read.
class EOFError : public Error {
 public:
  using Error::Error;
};

/// Python's OSError for a Connection or shared-memory call that failed in the kernel
/// (the message names the call and errno's text).
class OSError : public Error {
 public:
  using Error::Error;
};

/// Bytes that do not decode as the requested type (codec<T>), or a frame that is corrupt.
/// Python raises pickle.UnpicklingError; concur names the problem in the message.
class DecodeError : public ValueError {
 public:
  using ValueError::ValueError;
};

/// A shared-memory lock was acquired after its previous holder died while holding it.
/// The lock IS held by the caller when this is thrown (or reported): the protected data may
/// be half-updated; repair it, then carry on or release. Not in Python (whose locks hang).
class OwnerDied : public Error {
 public:
  using Error::Error;
};

/// An exception raised in another process, carrying its type name and message
/// (Python: the remote traceback re-raised by a pool or Manager).
class RemoteError : public Error {
 public:
  RemoteError(std::string type_name, const std::string& message)
      : Error(type_name + ": " + message), type_name_(std::move(type_name)) {}
  [[nodiscard]] const std::string& type_name() const noexcept { return type_name_; }

 private:
  std::string type_name_;
};

namespace detail {
/// Throws OSError("WHAT: <strerror of err>").
[[noreturn]] void throw_os_error(const std::string& what, int err);
}  // namespace detail

}  // namespace concur::mp
