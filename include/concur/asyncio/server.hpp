// concur/asyncio/server.hpp - asyncio.start_server / start_unix_server: a listening socket
// whose every connection runs the callback as a task of its own.
//
// The server keeps running when accept() fails for lack of file descriptors or memory (it
// pauses 100 ms and tries again) and when a peer resets (only that connection's task sees
// the error).
//   auto server = co_await asyncio::start_server(handle_client, "127.0.0.1", 8888);
//   co_await server.serve_forever();
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "concur/asyncio/streams.hpp"
#include "concur/asyncio/task.hpp"

namespace concur::asyncio {

namespace detail {
struct ServerState;
}

/// client_connected_cb: runs as its own task for each connection.
using ClientConnected = std::function<Task<void>(StreamReader, StreamWriter)>;

/// Python's asyncio.Server (a handle: copies share one server).
class Server {
 public:
  Server() = default;
  /// Stops listening (connections already accepted go on).
  void close();
  /// Waits until closed and every connection's task has finished (Python 3.12).
  Task<void> wait_closed();
  /// Serves until cancelled (then closes the server, as Python does).
  Task<void> serve_forever();
  [[nodiscard]] bool is_serving() const noexcept;
  /// The bound TCP port (useful after binding port 0); 0 for a Unix server.
  [[nodiscard]] int port() const noexcept;
  /// "ip:port" or the socket path.
  [[nodiscard]] std::string sockname() const;
  /// Connections whose task is still running.
  [[nodiscard]] std::size_t active_connections() const noexcept;

  // internal
  explicit Server(std::shared_ptr<detail::ServerState> s) noexcept : s_(std::move(s)) {}

 private:
  std::shared_ptr<detail::ServerState> s_;
};

/// Listens on host:port (port 0: any free port; SO_REUSEADDR) and serves each connection.
Task<Server> start_server(ClientConnected client_connected_cb, std::string host, int port,
                          std::size_t limit = kDefaultStreamLimit, int backlog = 100);
/// Listens on a Unix domain socket (an existing socket file at path is replaced).
Task<Server> start_unix_server(ClientConnected client_connected_cb, std::string path,
                               std::size_t limit = kDefaultStreamLimit, int backlog = 100);

}  // namespace concur::asyncio
