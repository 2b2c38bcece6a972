// Start-method selection (Python's multiprocessing.context).
#include "concur/multiprocessing/context.hpp"

#include <mutex>

namespace concur::mp {

namespace {

struct DefaultMethod {
  std::mutex mutex;
  std::optional<std::string> method;  // unset: "fork"
};

DefaultMethod& default_method() {
  static auto* const d = new DefaultMethod;  // never destroyed: read by exit-time starts
  return *d;
}

void check_method(const std::string& method) {
  if (method != "fork" && method != "spawn" && method != "forkserver") {
    throw ValueError("cannot find context for '" + method + "'");
  }
}

}  // namespace

Context::Context(std::string method) : method_(std::move(method)) {
  check_method(method_);
}

Context get_context(std::optional<std::string> method) {
  if (method) return Context(*method);
  return Context(*get_start_method());
}

void set_start_method(const std::string& method, bool force) {
  check_method(method);
  DefaultMethod& d = default_method();
  std::lock_guard g(d.mutex);
  if (d.method && !force) throw RuntimeError("context has already been set");
  d.method = method;
}

std::optional<std::string> get_start_method(bool allow_none) {
  DefaultMethod& d = default_method();
  std::lock_guard g(d.mutex);
  if (!d.method && allow_none) return std::nullopt;
  return d.method.value_or("fork");
}

std::vector<std::string> get_all_start_methods() {
  return {"fork", "spawn", "forkserver"};
}

}  // namespace concur::mp
