// concur/errors.hpp - the exception hierarchy shared by every concur module.
//
// Every error concur throws derives from concur::Error (a std::runtime_error) and is
// named as in Python, so `except queue.Empty:` becomes `catch (const concur::queue::Empty&)`.
//   try { q.get_nowait(); } catch (const concur::queue::Empty&) { /* nothing yet */ }
#pragma once

#include <stdexcept>
#include <string>

namespace concur {

/// Base of every exception concur throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's ValueError: an argument has the right type but a bad value
/// (over-released BoundedSemaphore, too many task_done() calls, negative timeout...).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// Python's RuntimeError: an operation is not valid in the object's current state
/// (starting a thread twice, releasing an unlocked lock, waiting on an un-acquired Condition...).
class RuntimeError : public Error {
 public:
  using Error::Error;
};

/// Python's TimeoutError: a blocking call ran out of time where Python raises rather than returns.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

/// Python's CancelledError: the awaited work was cancelled.
class CancelledError : public Error {
 public:
  using Error::Error;
};

}  // namespace concur
