// concur/threading/timer.hpp - threading.Timer: run a function after a delay, unless cancelled.
//   concur::threading::Timer t(1s, [] { std::puts("hello, world"); });
//   t.start();   // ...   t.cancel();  // before it fires: never runs
#pragma once

#include <memory>
#include <utility>

#include "concur/threading/event.hpp"
#include "concur/threading/thread.hpp"

namespace concur::threading {

class Timer : public Thread {
 public:
  /// Python: Timer(interval, function, args). The arguments are copied.
  template <class Rep, class Period, class F, class... Args>
  requires std::invocable<std::decay_t<F>, std::decay_t<Args>...> Timer(
      std::chrono::duration<Rep, Period> interval, F&& f, Args&&... args)
      : Timer(std::make_shared<Event>(), Timeout(interval), std::forward<F>(f),
              std::forward<Args>(args)...) {}

  /// Stops the timer if it is still waiting; the function then never runs.
  void cancel() noexcept { finished_->set(); }

 private:
  template <class F, class... Args>
  Timer(std::shared_ptr<Event> finished, Timeout interval, F&& f, Args&&... args)
      : Thread([finished, interval, fn = std::forward<F>(f),
                tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
          if (!finished->wait(interval)) std::apply(fn, tup);
          finished->set();
        }),
        finished_(std::move(finished)) {}

  std::shared_ptr<Event> finished_;
};

}  // namespace concur::threading
