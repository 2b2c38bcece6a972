// concur/detail/robust_mutex.hpp - a process-shared, robust pthread mutex: a holder that dies
// never blocks the others; the next locker gets the lock and an OwnerDied error.
#pragma once

#include <pthread.h>

#include "concur/timeout.hpp"

namespace concur::detail {

class RobustMutex {
 public:
  /// recursive: the owner may lock it again (RLock); otherwise a relock is an error (Lock).
  explicit RobustMutex(bool recursive);
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;

  /// Returns false on timeout / when busy and not blocking. Throws mp::OwnerDied when the
  /// previous holder died holding it (the caller then holds it), RuntimeError when a
  /// non-recursive lock is locked again by its holder while blocking without a timeout.
  bool lock(bool blocking, Timeout timeout);
  /// Throws RuntimeError when the caller does not hold it.
  void unlock();
  /// True when some thread or process holds it (a snapshot; for a non-recursive mutex).
  [[nodiscard]] bool locked();

 private:
  pthread_mutex_t mutex_;
  bool recursive_;
};

}  // namespace concur::detail
