// concur/detail/random_token.hpp - unguessable names for shared-memory segments and sockets.
#pragma once

#include <cstddef>
#include <string>

namespace concur::detail {

/// `bytes` bytes from getrandom(2), as 2 * bytes lowercase hex digits; mp::OSError when the
/// kernel refuses.
std::string random_hex(std::size_t bytes);

}  // namespace concur::detail
