// concur/threading/event.hpp - threading.Event: a flag threads can wait for.
//   concur::threading::Event ready;
//   worker: ready.wait();          main: ready.set();
//   if (!ready.wait(2s)) puts("gave up");
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "concur/detail/event_core.hpp"
#include "concur/timeout.hpp"

namespace concur::threading {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  [[nodiscard]] bool is_set() const noexcept { return core_.is_set(); }
  /// Sets the flag and wakes every waiter.
  void set() noexcept { core_.set(); }
  /// Resets the flag; later wait() calls block again.
  void clear() noexcept { core_.clear(); }
  /// Blocks until the flag is set or the timeout passes (a negative timeout does not
  /// block). Returns true when the flag was set while waiting, even if cleared again since
  /// (Python: wait(timeout=None) -> bool).
  bool wait(Timeout timeout = {}) noexcept { return core_.wait(detail::Deadline(timeout)); }

 private:
  detail::EventCore core_{detail::Scope::process_private};
};

}  // namespace concur::threading
