// mp::Condition: FIFO tickets in shared memory. A waiter takes the next ticket under the
// lock, releases the lock and sleeps on `released`; notify(n) advances `released` over the
// next n live tickets (skipping the ones whose waiters timed out) and wakes the sleepers,
// which re-check their own ticket.
#include "concur/multiprocessing/condition.hpp"

#include <climits>

#include "concur/detail/futex.hpp"
#include "concur/errors.hpp"

namespace concur::mp {

namespace {

using concur::detail::Scope;
using State = detail::ConditionState;

bool is_released(std::uint32_t released, std::uint32_t ticket) {
  return static_cast<std::int32_t>(released - ticket) > 0;
}

std::uint64_t& cancel_word(State& s, std::uint32_t ticket) {
  return s.cancelled[(ticket % State::kMaxWaiters) / 64];
}
std::uint64_t cancel_bit(std::uint32_t ticket) {
  return std::uint64_t{1} << (ticket % 64);
}

// Advances `released` over at most n live tickets; the caller holds the lock.
void release_tickets(State& s, std::uint64_t n) {
  std::uint32_t r = s.released.load(std::memory_order_relaxed);
  const std::uint32_t start = r;
  std::uint64_t woken = 0;
  while (woken < n && r != s.next_ticket) {
    std::uint64_t& word = cancel_word(s, r);
    if ((word & cancel_bit(r)) != 0) {
      word &= ~cancel_bit(r);  // its waiter timed out: skip it
    } else {
      ++woken;
    }
    ++r;
  }
  if (r == start) return;
  s.released.store(r, std::memory_order_release);
  concur::detail::futex_wake(s.released, INT_MAX, Scope::shared);
}

}  // namespace

bool Condition::wait(Timeout timeout) {
  return wait_until(concur::detail::Deadline(timeout));
}

bool Condition::wait_until(const concur::detail::Deadline& deadline) {
  State& s = *state_;
  concur::detail::RobustMutex& m = mutex();
  if (!m.owned()) throw RuntimeError("cannot wait on un-acquired lock");
  if (s.next_ticket - s.released.load(std::memory_order_relaxed) >= State::kMaxWaiters) {
    throw RuntimeError("mp::Condition: more than 65536 processes/threads waiting at once");
  }
  const std::uint32_t ticket = s.next_ticket++;
  const unsigned levels = m.release_all_levels();

  bool notified = false;
  for (;;) {
    const std::uint32_t r = s.released.load(std::memory_order_acquire);
    if (is_released(r, ticket)) {
      notified = true;
      break;
    }
    if (!concur::detail::park(s.released, r, deadline, Scope::shared)) break;  // timed out
  }

  // Take the lock back; settle the ticket under it even when the lock's holder died.
  auto settle = [&] {
    if (notified) return;
    if (is_released(s.released.load(std::memory_order_relaxed), ticket)) {
      notified = true;  // notified while timing out: it counts as a wake-up
    } else {
      cancel_word(s, ticket) |= cancel_bit(ticket);
    }
  };
  try {
    m.reacquire_levels(levels);
  } catch (const OwnerDied&) {
    settle();
    throw;
  }
  settle();
  return notified;
}

void Condition::notify(std::uint32_t n) {
  if (!mutex().owned()) throw RuntimeError("cannot notify on un-acquired lock");
  release_tickets(*state_, n);
}

void Condition::notify_all() {
  if (!mutex().owned()) throw RuntimeError("cannot notify on un-acquired lock");
  release_tickets(*state_, UINT64_MAX);
}

}  // namespace concur::mp
