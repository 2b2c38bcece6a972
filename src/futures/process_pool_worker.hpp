// The worker side of futures::ProcessPoolExecutor and the messages between pool and workers.
//
// Worker -> pool messages: one status byte, then
//   'R' the codec-encoded result,  'E' encode(tuple{type, message}) of an exception,
//   'I' encode(tuple{type, message}) of an initializer failure (the worker then exits).
// Pool -> worker: 'C' then encode(tuple{function name, encoded arguments}), or 'B' then
// encode(tuple{function name, frames of encoded arguments}) for a chunk of map's calls (the
// reply 'R' then carries frames of encoded results; a frame is a 4-byte length and the bytes);
// EOF asks it to exit.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <tuple>

#include "concur/multiprocessing/connection.hpp"
#include "concur/multiprocessing/task.hpp"

namespace concur::futures::detail_pool {

inline constexpr char kCall = 'C';   // pool -> worker: one call
inline constexpr char kChunk = 'B';  // pool -> worker: a chunk of calls of one function
inline constexpr char kResult = 'R';
inline constexpr char kError = 'E';
inline constexpr char kInitFailed = 'I';

using WireCall = std::tuple<std::string, std::string>;   // function name, encoded arguments
using WireError = std::tuple<std::string, std::string>;  // exception type, message

/// The exception a worker reported, as the same type when it is a standard or concur error
/// (mp::RemoteError otherwise).
std::exception_ptr rebuild_exception(const std::string& type, const std::string& message);

/// A worker's life: the initializer, then calls until the pool closes the socket (or the
/// pool's process `parent` is gone).
void serve_calls(mp::Connection& conn, pid_t parent, const std::function<void()>& initializer);

/// A Unix socket address in the abstract namespace (`name` starts with '\0'), for bind() by
/// the pool and connect() by a spawn / forkserver worker. ValueError when the name is too long.
struct AbstractAddress {
  explicit AbstractAddress(const std::string& name);
  [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept {
    return reinterpret_cast<const sockaddr*>(&addr);  // NOLINT: the sockets API's own cast
  }
  sockaddr_un addr{};
  socklen_t length = 0;
};

/// The worker's initializer for a registered call (empty function for none).
std::function<void()> initializer_running(const std::optional<mp::TaskCall>& call);

/// The registered (CONCUR_TASK) entry of a spawn or forkserver worker: connects to the pool at
/// `address` (an abstract socket name), sends `token`, runs the initializer call if any, serves.
void pool_worker_entry(const std::string& address, const std::string& token, std::string init_name,
                       std::string init_args, int parent);

}  // namespace concur::futures::detail_pool
