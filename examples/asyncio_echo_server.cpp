// Course: the concurrent TCP server — every client gets its own handler (there: a thread or
// a process per connection), which prints what it receives and sends it back upper-cased;
// the client sends b'hello world' and prints the reply. Twin: one thread, one coroutine per
// connection (asyncio.start_server), with three clients at once.
#include <concur/asyncio.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "course.hpp"

namespace asyncio = concur::asyncio;

// talk(conn): the communication loop of one connection.
asyncio::Task<void> talk(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
  try {
    for (;;) {
      std::string data = co_await reader.read(1024);  // data = conn.recv(1024)
      if (data.empty()) break;                        // the client hung up
      std::printf("%s\n", data.c_str());
      for (auto& c : data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      writer.write(data);  // conn.send(data.upper())
      co_await writer.drain();
    }
  } catch (const asyncio::ConnectionResetError& e) {
    std::printf("%s\n", e.what());
  }
  writer.close();  // conn.close()
}

asyncio::Task<std::string> client(int port, int rounds) {
  auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
  std::string last;
  for (int i = 0; i < rounds; ++i) {
    writer.write("hello world");             // client.send(b'hello world')
    last = co_await reader.readexactly(11);  // data = client.recv(1024)
    std::printf("%s\n", last.c_str());
  }
  writer.close();
  co_return last;
}

asyncio::Task<void> main_task() {
  // Port 0: any free port (the course binds 8080).
  auto server = co_await asyncio::start_server(talk, "127.0.0.1", 0);
  std::vector<asyncio::Task<std::string>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(client(server.port(), 2));
  auto replies = co_await asyncio::gather(std::move(clients));
  for (const auto& r : replies) course::check(r == "HELLO WORLD", "upper-cased echo");
  server.close();
  co_await server.wait_closed();
  std::printf("3 clients served concurrently by one thread\n");
}

int main() {
  asyncio::run(main_task());
}
