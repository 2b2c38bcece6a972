// concur/detail/errno_text.hpp - the text of an errno value, thread-safe (std::strerror is not).
#pragma once

#include <string>

namespace concur::detail {

/// "No such file or directory" for ENOENT; usage: errno_text(errno).
std::string errno_text(int err);

}  // namespace concur::detail
