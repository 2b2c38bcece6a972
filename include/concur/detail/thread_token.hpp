// concur/detail/thread_token.hpp - a cheap non-zero identity for the calling thread.
#pragma once

#include <cstdint>

namespace concur::detail {

/// Unique among live threads of this process, never 0; may be reused after a thread exits.
inline std::uintptr_t thread_token() noexcept {
  static thread_local const char marker = 0;
  return reinterpret_cast<std::uintptr_t>(
      &marker);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

}  // namespace concur::detail
