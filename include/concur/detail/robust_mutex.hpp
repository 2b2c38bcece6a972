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
  /// unlock() for a caller that knows it holds the mutex (no ownership check: faster).
  void unlock_held() noexcept;
  /// True when some thread or process holds it (a snapshot; for a non-recursive mutex).
  [[nodiscard]] bool locked();
  /// True when the calling thread holds it.
  [[nodiscard]] bool owned();

  /// For Condition.wait(): releases every level the caller holds (RuntimeError when it holds
  /// none) and returns how many; reacquire_levels() takes them back (blocking). When the
  /// holder died meanwhile, reacquire_levels() still takes every level, then throws OwnerDied.
  unsigned release_all_levels();
  void reacquire_levels(unsigned levels);

 private:
  pthread_mutex_t mutex_;
  bool recursive_;
  unsigned depth_ = 0;  // levels held by the owner; written only by the owner
};

}  // namespace concur::detail
