// Barrier: the algorithm lives in detail/barrier_core.hpp (shared with mp::Barrier).
#include "concur/threading/barrier.hpp"

namespace concur::threading {

Barrier::Barrier(std::int64_t parties, std::function<void()> action, Timeout timeout)
    : action_(std::move(action)), timeout_(timeout) {
  if (parties < 1) throw ValueError("parties must be >= 1");
  fields_.parties = parties;
}

Barrier::~Barrier() = default;

std::int64_t Barrier::wait(std::optional<Timeout> timeout) {
  return core_.wait(action_, timeout.value_or(timeout_));
}

void Barrier::reset() {
  core_.reset();
}
void Barrier::abort() {
  core_.abort();
}
std::int64_t Barrier::n_waiting() {
  return core_.n_waiting();
}
bool Barrier::broken() {
  return core_.broken();
}

}  // namespace concur::threading
