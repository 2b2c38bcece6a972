#include "concur/detail/random_token.hpp"

#include <sys/random.h>

#include <cerrno>
#include <vector>

#include "concur/multiprocessing/errors.hpp"

namespace concur::detail {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t r = ::getrandom(raw.data() + got, bytes - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) mp::detail::throw_os_error("getrandom", errno);
    got += static_cast<std::size_t>(r);
  }
  static constexpr const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  for (const unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace concur::detail
