// The worker side of futures::ProcessPoolExecutor (see process_pool_worker.hpp).
#include "process_pool_worker.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "concur/detail/errno_text.hpp"
#include "concur/detail/exception_text.hpp"
#include "concur/errors.hpp"
#include "concur/futures/process_pool_executor.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/task.hpp"

namespace concur::futures::detail_pool {

namespace {

std::atomic<void (*)(PoolStep, int)> g_step_hook{nullptr};

void step(PoolStep s, int fd) {
  if (auto* hook = g_step_hook.load(std::memory_order_relaxed)) hook(s, fd);
}

std::string error_message(char status) {
  const concur::detail::ExceptionText text = concur::detail::describe_current_exception();
  std::string out(1, status);
  out += mp::encode(WireError(text.type, text.message));
  return out;
}

}  // namespace

std::exception_ptr rebuild_exception(const std::string& type, const std::string& message) {
  using std::make_exception_ptr;
  if (type == "std::runtime_error") return make_exception_ptr(std::runtime_error(message));
  if (type == "std::logic_error") return make_exception_ptr(std::logic_error(message));
  if (type == "std::invalid_argument") return make_exception_ptr(std::invalid_argument(message));
  if (type == "std::out_of_range") return make_exception_ptr(std::out_of_range(message));
  if (type == "std::domain_error") return make_exception_ptr(std::domain_error(message));
  if (type == "std::length_error") return make_exception_ptr(std::length_error(message));
  if (type == "std::range_error") return make_exception_ptr(std::range_error(message));
  if (type == "std::overflow_error") return make_exception_ptr(std::overflow_error(message));
  if (type == "std::underflow_error") return make_exception_ptr(std::underflow_error(message));
  if (type == "concur::Error") return make_exception_ptr(Error(message));
  if (type == "concur::ValueError") return make_exception_ptr(ValueError(message));
  if (type == "concur::RuntimeError") return make_exception_ptr(RuntimeError(message));
  if (type == "concur::TimeoutError") return make_exception_ptr(TimeoutError(message));
  if (type == "concur::mp::DecodeError") return make_exception_ptr(mp::DecodeError(message));
  return make_exception_ptr(mp::RemoteError(type, message));
}

void serve_calls(mp::Connection& conn, pid_t parent, const std::function<void()>& initializer) {
  if (initializer) {
    try {
      initializer();
    } catch (...) {
      try {
        conn.send_bytes(error_message(kInitFailed));
      } catch (...) {  // NOLINT(bugprone-empty-catch): the pool is gone or sees our exit
      }
      return;
    }
  }
  step(PoolStep::worker_started, conn.fileno());
  for (;;) {
    // Wake up now and then to notice a pool process that died while something else (a
    // grandchild) still holds its end of the socket open.
    while (!conn.poll(Timeout(std::chrono::seconds(1)))) {
      if (::kill(parent, 0) != 0 && errno == ESRCH) return;
    }
    std::string message;
    try {
      message = conn.recv_bytes();
    } catch (const mp::EOFError&) {
      return;  // the pool asks us to exit
    }
    step(PoolStep::call_received, conn.fileno());
    std::string reply;
    try {
      if (message.empty()) throw mp::DecodeError("an empty message from the pool");
      const char kind = message[0];
      auto [name, args] = mp::decode<WireCall>(std::string_view(message).substr(1));
      message = {};
      reply.push_back(kResult);
      const mp::detail::TaskEntry& task = mp::detail::registered_task(name);
      if (kind == kChunk) {
        std::string_view calls = args;
        std::string_view one;
        while (next_frame(calls, one)) {
          const std::size_t start = begin_frame(reply);
          task.invoke_into(one, reply);
          end_frame(reply, start);
        }
      } else {
        task.invoke_into(args, reply);
      }
    } catch (...) {
      reply = error_message(kError);
    }
    step(PoolStep::call_returned, conn.fileno());
    try {
      conn.send_bytes(reply);
    } catch (const mp::OSError&) {
      return;  // the pool is gone
    }
    step(PoolStep::result_sent, conn.fileno());
  }
}

void pool_worker_entry(const std::string& address, const std::string& token, std::string init_name,
                       std::string init_args, int parent) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) mp::detail::throw_os_error("pool worker: socket", errno);
  mp::Connection conn(fd, true, true);
  const AbstractAddress to(address);
  if (::connect(fd, to.sockaddr_ptr(), to.length) != 0) {
    mp::detail::throw_os_error("pool worker: connecting to the pool", errno);
  }
  conn.send_bytes(token);
  std::optional<mp::TaskCall> initializer;
  if (!init_name.empty()) initializer = mp::TaskCall{std::move(init_name), std::move(init_args)};
  serve_calls(conn, static_cast<pid_t>(parent), initializer_running(initializer));
}

AbstractAddress::AbstractAddress(const std::string& name) {
  addr.sun_family = AF_UNIX;
  if (name.size() > sizeof addr.sun_path) throw ValueError("a socket name over 108 bytes");
  std::memcpy(addr.sun_path, name.data(), name.size());
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
}

std::function<void()> initializer_running(const std::optional<mp::TaskCall>& call) {
  if (!call) return {};
  return [call = *call] { (void)mp::run_task_call(call); };
}

void set_pool_step_hook(void (*hook)(PoolStep step, int socket_fd)) noexcept {
  g_step_hook.store(hook, std::memory_order_relaxed);
}

}  // namespace concur::futures::detail_pool

CONCUR_TASK(concur::futures::detail_pool::pool_worker_entry);
