// Private: what a `spawn` or `forkserver` child needs to become a Process (it does not share
// the parent's memory): its identity, its parent's, and the registered function to run.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "concur/multiprocessing/codec.hpp"

namespace concur::mp::detail {

struct ChildSpec {
  std::string name;
  bool daemon = false;
  std::vector<int> id_path;
  std::string parent_name;
  int parent_pid = 0;
  bool parent_daemon = false;
  std::string task_name;  // a CONCUR_TASK function
  std::string task_args;  // its encoded arguments
  MSGPACK_DEFINE(name, daemon, id_path, parent_name, parent_pid, parent_daemon, task_name,
                 task_args)
};

/// Runs the spec's function as the body of a child process; returns its exit code (0, the
/// mp::exit() code, or 1 with the error on stderr). Defined in process.cpp.
int run_child_spec(const ChildSpec& spec);

/// Starts a fresh copy of this program (posix_spawn of /proc/self/exe) that runs the spec
/// and exits; returns its pid (a child of the caller). spawn.cpp.
pid_t spawn_child(const ChildSpec& spec);

/// Asks the fork server (started on first use) to fork a child that runs the spec; the child
/// is re-parented to the caller, so it is a child like any other. forkserver.cpp.
pid_t forkserver_child(const ChildSpec& spec);

/// Starts a fresh copy of this program with `fd` as fd 3 and env_var=1 in its environment;
/// returns its pid. spawn.cpp.
pid_t spawn_self(int fd, const char* env_var);

/// The fd a spawned program receives its request or control socket on.
inline constexpr int kHandoverFd = 3;

}  // namespace concur::mp::detail
