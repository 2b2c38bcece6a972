// The `forkserver` start method. The server is a spawned (fresh, single-threaded) copy of
// this program; the parent asks it over a control socket to fork a child that runs one
// registered function. Forking the single-threaded server is safe even when the parent runs
// many threads (forking the parent itself would copy locks its other threads hold).
//
// The child must end up a child of the parent, so that join(), exitcode(), is_alive(),
// terminate() and the exit rules work exactly as for fork and spawn: the parent marks itself
// a child subreaper (PR_SET_CHILD_SUBREAPER), the server forks an intermediate process that
// forks the real child and exits at once, and the orphaned child is re-parented to the
// parent. The server reports the child's pid only after the intermediate is gone, so the
// parent can wait for it from then on.
//
// Control protocol: request = u64 length + encoded ChildSpec; reply = i32 pid (or -errno).
// The server ends when the control socket closes (the parent exited or died).
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "child_spec.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/multiprocessing/errors.hpp"

namespace concur::mp::detail {

namespace {

constexpr const char* kServerVar = "CONCUR_MP_FORKSERVER";

bool send_all(int fd, const void* data, std::size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    const ssize_t w = ::send(fd, p, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    len -= static_cast<std::size_t>(w);
  }
  return true;
}

bool recv_all(int fd, void* data, std::size_t len) {
  char* p = static_cast<char*>(data);
  while (len > 0) {
    const ssize_t r = ::recv(fd, p, len, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    len -= static_cast<std::size_t>(r);
  }
  return true;
}

// ---------------------------------------------------------------- the server

// Forks the intermediate, which forks the child and exits; returns the child's pid or -errno.
std::int32_t fork_orphan(int control, const std::string& request) {
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) return -errno;
  const pid_t middle = ::fork();
  if (middle < 0) {
    const int err = errno;
    ::close(pid_pipe[0]);
    ::close(pid_pipe[1]);
    return -err;
  }
  if (middle == 0) {
    ::close(control);
    ::close(pid_pipe[0]);
    const pid_t intermediate = ::getpid();
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(pid_pipe[1]);
      ::signal(SIGINT, SIG_DFL);
      // Start once re-parented, so getppid() and parent_process() agree from the first line.
      while (::getppid() == intermediate) ::usleep(20);
      int code = 1;
      try {
        code = run_child_spec(decode<ChildSpec>(request));
      } catch (...) {  // NOLINT(bugprone-empty-catch): a bad request ends the child with 1
      }
      std::fflush(nullptr);
      ::_exit(code);
    }
    const std::int32_t reply = child < 0 ? -errno : child;
    (void)!::write(pid_pipe[1], &reply, sizeof reply);
    ::_exit(0);
  }
  ::close(pid_pipe[1]);
  std::int32_t reply = -EIO;
  ssize_t r = 0;
  do {
    r = ::read(pid_pipe[0], &reply, sizeof reply);
  } while (r < 0 && errno == EINTR);
  ::close(pid_pipe[0]);
  if (r != static_cast<ssize_t>(sizeof reply)) reply = -EIO;
  // Reap the intermediate: once it is gone, the child belongs to the parent (subreaper).
  while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
  }
  return reply;
}

[[noreturn]] void run_server() {
  ::unsetenv(kServerVar);     // NOLINT(concurrency-mt-unsafe): the server is single-threaded
  ::signal(SIGINT, SIG_IGN);  // Ctrl-C goes to the parent, which decides (as Python)
  const int control = kHandoverFd;
  for (;;) {
    std::uint64_t len = 0;
    if (!recv_all(control, &len, sizeof len) || len > (std::uint64_t{1} << 32)) break;
    std::string request(len, '\0');
    if (!recv_all(control, request.data(), request.size())) break;
    const std::int32_t reply = fork_orphan(control, request);
    if (!send_all(control, &reply, sizeof reply)) break;
  }
  ::_exit(0);
}

struct ServerHook {
  ServerHook() {
    const char* v = std::getenv(kServerVar);  // NOLINT(concurrency-mt-unsafe): static init
    if (v != nullptr && std::strcmp(v, "1") == 0) run_server();
  }
};
const ServerHook server_hook;

// ---------------------------------------------------------------- the parent side

struct Server {
  std::mutex mutex;
  int control = -1;
  pid_t pid = -1;
};

Server& server() {
  static auto* const s = new Server;  // never destroyed: used at exit
  return *s;
}

// (mutex held)
void stop_locked(Server& s) {
  if (s.control >= 0) ::close(s.control);  // the server sees EOF and exits
  s.control = -1;
  if (s.pid > 0) {
    while (::waitpid(s.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  s.pid = -1;
}

// (mutex held)
void start_locked(Server& s) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    throw OSError(std::string("forkserver: prctl(PR_SET_CHILD_SUBREAPER): ") +
                  concur::detail::errno_text(errno));
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw OSError(std::string("forkserver: socketpair: ") + concur::detail::errno_text(errno));
  }
  try {
    s.pid = spawn_self(sv[1], kServerVar);
  } catch (...) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw;
  }
  ::close(sv[1]);
  s.control = sv[0];
}

// One request/reply; false when the server is gone.
bool ask_locked(Server& s, const std::string& request, std::int32_t& reply) {
  const std::uint64_t len = request.size();
  return send_all(s.control, &len, sizeof len) &&
         send_all(s.control, request.data(), request.size()) &&
         recv_all(s.control, &reply, sizeof reply);
}

}  // namespace

pid_t forkserver_child(const ChildSpec& spec) {
  const std::string request = encode(spec);
  Server& s = server();
  std::lock_guard g(s.mutex);
  std::int32_t reply = 0;
  bool answered = false;
  for (int attempt = 0; attempt < 2 && !answered; ++attempt) {
    if (s.control < 0) start_locked(s);
    answered = ask_locked(s, request, reply);
    if (!answered) stop_locked(s);  // it died (killed?): start a new one once
  }
  if (!answered) throw ProcessError("forkserver: the fork server died twice in a row");
  if (reply < 0) {
    throw OSError(std::string("forkserver: fork failed: ") + concur::detail::errno_text(-reply));
  }
  return reply;
}

void stop_forkserver() {
  Server& s = server();
  std::lock_guard g(s.mutex);
  stop_locked(s);
}

pid_t forkserver_pid() {
  Server& s = server();
  std::lock_guard g(s.mutex);
  return s.pid;
}

}  // namespace concur::mp::detail
