#include "concur/detail/errno_text.hpp"

#include <string.h>  // NOLINT(modernize-deprecated-headers): strerror_r is POSIX, not in <cstring>

namespace concur::detail {

std::string errno_text(int err) {
  char buffer[256];
  // GNU strerror_r returns the text (in buffer or a static string), never fails.
  return ::strerror_r(err, buffer, sizeof buffer);
}

}  // namespace concur::detail
