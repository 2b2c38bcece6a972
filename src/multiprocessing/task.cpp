// The one registry of CONCUR_TASK functions (DESIGN.md decision 5).
#include "concur/multiprocessing/task.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace concur::mp {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, detail::TaskEntry, std::less<>> by_name;
  std::map<detail::FunctionId, std::string> by_id;
  std::string pending_name;  // run_when_registered()
  void (*pending_run)() = nullptr;
};

Registry& registry() {
  static auto* const r = new Registry;  // never destroyed: used by exit-time children
  return *r;
}

}  // namespace

namespace detail {

void register_task(TaskEntry entry) {
  Registry& r = registry();
  std::unique_lock g(r.mutex);
  const auto it = r.by_name.find(entry.name);
  if (it != r.by_name.end()) {
    if (it->second.id == entry.id) return;  // the same function registered twice
    std::fprintf(stderr, "concur: two functions registered with CONCUR_TASK as '%s'\n",
                 entry.name.c_str());
    std::abort();
  }
  r.by_id.emplace(entry.id, entry.name);
  void (*run)() =
      (r.pending_run != nullptr && r.pending_name == entry.name) ? r.pending_run : nullptr;
  r.by_name.emplace(entry.name, std::move(entry));
  if (run != nullptr) {
    r.pending_run = nullptr;
    g.unlock();  // run() never returns and looks the function up again
    run();
  }
}

void run_when_registered(std::string name, void (*run)()) {
  Registry& r = registry();
  std::lock_guard g(r.mutex);
  r.pending_name = std::move(name);
  r.pending_run = run;
}

const TaskEntry* find_task(std::string_view name) noexcept {
  Registry& r = registry();
  std::lock_guard g(r.mutex);
  const auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : &it->second;
}

const TaskEntry* find_task(FunctionId id) noexcept {
  Registry& r = registry();
  std::lock_guard g(r.mutex);
  const auto it = r.by_id.find(id);
  if (it == r.by_id.end()) return nullptr;
  return &r.by_name.find(it->second)->second;
}

}  // namespace detail

namespace detail {
const TaskEntry& registered_task(std::string_view name) {
  const TaskEntry* entry = find_task(name);
  if (entry == nullptr) {
    throw ValueError("no function is registered as '" + std::string(name) +
                     "' in this program (CONCUR_TASK missing, or linked after concur?)");
  }
  return *entry;
}
}  // namespace detail

std::string run_task_call(const TaskCall& call) {
  std::string result;
  detail::registered_task(call.name).invoke_into(call.args, result);
  return result;
}

}  // namespace concur::mp
