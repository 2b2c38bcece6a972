// concur/detail/thread_shutdown.hpp - joins non-daemon threads (Python's threading._shutdown).
// Runs at normal exit of the program; concur::mp runs it before a child process exits.
#pragma once

namespace concur::threading {

/// Joins every non-daemon concur thread except the caller, until none is left.
void join_non_daemon_threads_at_exit();

}  // namespace concur::threading
