// concur/detail/timeout_check.hpp - argument checks shared by every blocking call.
#pragma once

#include "concur/errors.hpp"
#include "concur/timeout.hpp"

namespace concur::detail {

/// Python's rule for lock/queue calls: a timeout needs blocking=true and must not be negative.
inline void check_blocking_timeout(bool blocking, const Timeout& timeout) {
  if (!blocking && !timeout.forever()) {
    throw ValueError("can't specify a timeout for a non-blocking call");
  }
  if (timeout.negative()) throw ValueError("'timeout' must be a non-negative number");
}

}  // namespace concur::detail
