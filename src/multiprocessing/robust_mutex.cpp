#include "concur/detail/robust_mutex.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "concur/detail/deadline.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/detail/futex.hpp"
#include "concur/detail/timeout_check.hpp"
#include "concur/multiprocessing/errors.hpp"

namespace concur::detail {

namespace {

[[noreturn]] void fail(const char* what, int rc) {
  throw mp::OSError(std::string(what) + ": " + concur::detail::errno_text(rc));
}

[[noreturn]] void throw_owner_died() {
  throw mp::OwnerDied(
      "the previous holder of the lock died while holding it; you now hold the lock: repair "
      "the data it protects, then release it");
}

}  // namespace

RobustMutex::RobustMutex(bool recursive) : recursive_(recursive) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutexattr_settype(&attr, recursive ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_ERRORCHECK);
  const int rc = pthread_mutex_init(&mutex_, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) fail("pthread_mutex_init", rc);
}

bool RobustMutex::lock(bool blocking, Timeout timeout) {
  check_blocking_timeout(blocking, timeout);
  int rc = pthread_mutex_trylock(&mutex_);
  if (rc == EBUSY && blocking) {
    // A short spin first: a holder in another process usually releases within microseconds.
    for (std::uint32_t i = 0; i < spin_limit() && rc == EBUSY; ++i) {
      cpu_relax();
      if ((i & 15) == 15) rc = pthread_mutex_trylock(&mutex_);
    }
    if (rc == EBUSY) {
      if (timeout.forever()) {
        rc = pthread_mutex_lock(&mutex_);
      } else {
        const Deadline deadline(timeout);
        const timespec at = deadline.as_timespec();
        rc = pthread_mutex_clocklock(&mutex_, CLOCK_MONOTONIC, &at);
      }
    }
  }
  switch (rc) {
    case 0:
      ++depth_;
      return true;
    case EBUSY:
    case ETIMEDOUT:
      return false;
    case EOWNERDEAD:
      pthread_mutex_consistent(&mutex_);  // usable again once the caller releases it
      depth_ = 1;                         // the dead holder's levels are gone
      throw_owner_died();
    case EDEADLK:
      if (!blocking || !timeout.forever()) return false;  // Python: busy / times out
      throw RuntimeError("deadlock: this thread already holds the (non-recursive) lock");
    case ENOTRECOVERABLE:
      throw RuntimeError("the lock is unusable: its holder died and it was not made consistent");
    default:
      fail("pthread_mutex_lock", rc);
  }
}

void RobustMutex::unlock() {
  if (!owned()) {
    throw RuntimeError(recursive_ ? "cannot release un-acquired lock"
                                  : "the lock is not held by this thread");
  }
  --depth_;  // before the unlock: the next owner starts from its own count
  const int rc = pthread_mutex_unlock(&mutex_);
  if (rc == EPERM) {
    ++depth_;
    throw RuntimeError(recursive_ ? "cannot release un-acquired lock"
                                  : "the lock is not held by this thread");
  }
  if (rc != 0) fail("pthread_mutex_unlock", rc);
}

void RobustMutex::unlock_held() noexcept {
  --depth_;
  (void)pthread_mutex_unlock(&mutex_);
}

bool RobustMutex::locked() {
  const int rc = pthread_mutex_trylock(&mutex_);
  if (rc == 0) {
    pthread_mutex_unlock(&mutex_);
    return false;
  }
  if (rc == EOWNERDEAD) {  // its holder is gone: it is free once made consistent
    pthread_mutex_consistent(&mutex_);
    depth_ = 0;
    pthread_mutex_unlock(&mutex_);
    return false;
  }
  if (rc == EDEADLK) return true;  // held by the caller
  return rc == EBUSY || rc == ENOTRECOVERABLE;
}

bool RobustMutex::owned() {
  // Only the owner writes depth_, so after a successful trylock depth_ > 0 means the caller
  // held it already (a recursive mutex just counted one more level).
  const int rc = pthread_mutex_trylock(&mutex_);
  if (rc == 0) {
    const bool was_held = depth_ > 0;
    pthread_mutex_unlock(&mutex_);
    return was_held;
  }
  if (rc == EOWNERDEAD) {  // the holder died: not the caller
    pthread_mutex_consistent(&mutex_);
    depth_ = 0;
    pthread_mutex_unlock(&mutex_);
    return false;
  }
  return rc == EDEADLK;  // a non-recursive mutex held by the caller
}

unsigned RobustMutex::release_all_levels() {
  if (!owned()) throw RuntimeError("cannot wait on un-acquired lock");
  const unsigned levels = depth_;
  for (unsigned i = 0; i < levels; ++i) unlock();
  return levels;
}

void RobustMutex::reacquire_levels(unsigned levels) {
  bool died = false;
  for (unsigned i = 0; i < levels; ++i) {
    try {
      (void)lock(true, Timeout{});
    } catch (const mp::OwnerDied&) {
      died = true;  // we hold it (depth 1): take the remaining levels, then report
      i = 0;
    }
  }
  if (died) throw_owner_died();
}

}  // namespace concur::detail
