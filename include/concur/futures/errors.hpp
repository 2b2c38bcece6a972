// concur/futures/errors.hpp - concurrent.futures' exceptions.
//   try { fut.result(1s); } catch (const concur::TimeoutError&) { ... }
//   catch (const concur::futures::BrokenThreadPool& e) { /* initializer failed */ }
#pragma once

#include <string>

#include "concur/errors.hpp"

namespace concur::futures {

/// set_result()/set_exception() on a future that is already done (Python: InvalidStateError).
class InvalidStateError : public Error {
 public:
  using Error::Error;
};

/// The executor can no longer run work (Python: BrokenExecutor).
class BrokenExecutor : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

/// A ThreadPoolExecutor worker's initializer failed (Python: BrokenThreadPool).
class BrokenThreadPool : public BrokenExecutor {
 public:
  using BrokenExecutor::BrokenExecutor;
};

/// A ProcessPoolExecutor worker died, or its initializer failed (Python: BrokenProcessPool).
class BrokenProcessPool : public BrokenExecutor {
 public:
  using BrokenExecutor::BrokenExecutor;
};

}  // namespace concur::futures
