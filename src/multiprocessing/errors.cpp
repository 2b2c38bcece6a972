#include "concur/multiprocessing/errors.hpp"

#include "concur/detail/errno_text.hpp"

namespace concur::mp::detail {

void throw_os_error(const std::string& what, int err) {
  throw OSError(what + ": " + concur::detail::errno_text(err));
}

}  // namespace concur::mp::detail
