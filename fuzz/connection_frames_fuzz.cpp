// Fuzzes Connection's framing: arbitrary bytes arrive on a socket, then the peer closes.
// recv_bytes()/recv<T>() must return whole messages or throw EOFError / OSError (bad length)
// / DecodeError - never crash, hang, over-read or allocate what a lying header claims.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "concur/multiprocessing/connection.hpp"

namespace mp = concur::mp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  // The first byte chooses how to read; the rest is what the "peer" sent.
  const std::uint8_t mode = data[0];
  std::size_t off = 1;
  while (off < size) {  // fuzz inputs are small: they fit the socket buffer
    const ssize_t w = ::write(sv[1], data + off, size - off);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
  ::close(sv[1]);
  mp::Connection conn(sv[0], true, true);
  for (int i = 0; i < 64; ++i) {
    try {
      if ((mode & 3) == 0) {
        (void)conn.recv_bytes();
      } else if ((mode & 3) == 1) {
        (void)conn.recv_bytes(static_cast<std::size_t>(mode));  // a small maxlength
      } else if ((mode & 3) == 2) {
        (void)conn.recv<std::vector<std::string>>();
      } else {
        (void)conn.poll();
        (void)conn.recv<std::string>();
      }
    } catch (const mp::EOFError&) {
      break;
    } catch (const mp::OSError&) {
      break;  // a bad length leaves the connection unusable, as in Python
    } catch (const mp::DecodeError&) {
      // the frame was whole but its payload was not a valid value: keep reading
    }
  }
  return 0;
}
