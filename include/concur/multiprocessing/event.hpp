// concur/multiprocessing/event.hpp - multiprocessing.Event: a flag in shared memory.
//   concur::mp::Event ready;
//   child: ready.wait();          parent: ready.set();
#pragma once

#include "concur/detail/event_core.hpp"
#include "concur/detail/shared_object.hpp"
#include "concur/timeout.hpp"

namespace concur::mp {

class Event {
 public:
  Event() : core_(0, concur::detail::Scope::shared) {}
  [[nodiscard]] bool is_set() const noexcept { return core_->is_set(); }
  /// Sets the flag and wakes every waiter in every process.
  void set() noexcept { core_->set(); }
  void clear() noexcept { core_->clear(); }
  /// True when set (or set while waiting, even if cleared since); false on timeout.
  bool wait(Timeout timeout = {}) noexcept {
    return core_->wait(concur::detail::Deadline(timeout));
  }

 private:
  concur::detail::SharedObject<concur::detail::EventCore> core_;
};

}  // namespace concur::mp
