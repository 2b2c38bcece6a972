#include "concur/threading/thread.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <typeinfo>

#include "concur/detail/exception_text.hpp"
#include "concur/detail/futex.hpp"
#include "concur/detail/thread_shutdown.hpp"
#include "concur/threading/local.hpp"

namespace concur::detail {

struct ThreadState {
  mutable std::mutex name_mutex;
  std::string name;
  std::atomic<bool> daemon{false};
  std::function<void()> target;
  threading::Thread* self = nullptr;       // subclass mode: run() is called on it
  std::atomic<bool> subclass_mode{false};  // started without a target
  std::atomic<bool> started{false};
  std::atomic<bool> subclass_running{false};
  std::atomic<std::uint32_t> has_ids{0};   // 1 once ident/native_id are set, 2 if start failed
  std::atomic<std::uint32_t> finished{0};  // 1 once run() returned (futex word)
  std::atomic<std::uint64_t> ident{0};
  std::atomic<pid_t> native_id{0};
  std::size_t stack_size = 0;
  bool foreign = false;            // main or dummy thread: alive while registered
  std::uint64_t registry_seq = 0;  // key in the registry (guarded by its mutex)

  std::string get_name() const {
    std::lock_guard g(name_mutex);
    return name;
  }
};

}  // namespace concur::detail

namespace concur::threading {

namespace {
// Waits until the thread has published its ids; false when its start() failed.
bool wait_for_ids(const detail::ThreadState& state) {
  std::uint32_t v = 0;
  while ((v = state.has_ids.load(std::memory_order_acquire)) == 0) {
    concur::detail::park(state.has_ids, 0, concur::detail::Deadline::never());
  }
  return v == 1;
}
}  // namespace

namespace {

using StatePtr = std::shared_ptr<concur::detail::ThreadState>;

pid_t gettid_now() noexcept {
  return static_cast<pid_t>(syscall(SYS_gettid));
}

std::uint64_t ident_now() noexcept {
  return static_cast<std::uint64_t>(pthread_self());
}

// Process-wide bookkeeping. Never destroyed: daemon threads may still use it during exit.
struct Registry {
  std::mutex mutex;
  // Live threads in the order they registered (main first), as Python's enumerate() lists them.
  std::map<std::uint64_t, StatePtr> active;
  std::uint64_t next_seq = 1;  // 0 is the main thread
  std::atomic<std::uint64_t> thread_counter{0};
  std::atomic<std::uint64_t> dummy_counter{0};
  std::atomic<std::size_t> default_stack{0};
  std::mutex hook_mutex;
  ExceptHook hook;
  StatePtr main;
  std::once_flag atexit_once;

  void add(const StatePtr& s) {
    std::lock_guard g(mutex);
    s->registry_seq = next_seq++;
    active.emplace(s->registry_seq, s);
  }
  void remove(const StatePtr& s) {
    std::lock_guard g(mutex);
    active.erase(s->registry_seq);
  }
};

void after_fork_in_child();

Registry& registry() {
  static auto* r = [] {
    auto* created = new Registry;  // NOLINT(cppcoreguidelines-owning-memory): leaked on purpose
    pthread_atfork(nullptr, nullptr, &after_fork_in_child);
    return created;
  }();
  return *r;
}

thread_local StatePtr tls_current;

// After fork() the child runs only the forking thread (Python's threading._after_fork): it
// becomes the main thread and every other thread is forgotten, so enumerate() shows one
// thread and the exit-time join does not wait for threads that exist only in the parent.
// Locks another thread held at fork time are re-created unlocked.
void after_fork_in_child() {
  Registry& r = registry();
  new (&r.mutex) std::mutex();       // NOLINT(cppcoreguidelines-owning-memory)
  new (&r.hook_mutex) std::mutex();  // NOLINT(cppcoreguidelines-owning-memory)
  r.active.clear();
  const StatePtr me = tls_current;
  if (me) {
    me->registry_seq = 0;
    me->native_id = static_cast<pid_t>(getpid());
    me->foreign = true;  // nobody joins it; alive while registered
    r.main = me;
    r.active.emplace(0, me);
  } else {
    r.main = nullptr;  // rebuilt on first use, with this process's ids
  }
}

// A foreign thread (main or not started by concur) that asked who it is.
struct ForeignGuard {
  StatePtr state;
  ~ForeignGuard() {
    if (state) registry().remove(state);
  }
};
thread_local ForeignGuard tls_foreign;

StatePtr make_foreign_state(bool is_main) {
  auto s = std::make_shared<concur::detail::ThreadState>();
  s->foreign = true;
  s->started = true;
  s->ident = ident_now();
  s->native_id = gettid_now();
  s->has_ids = 1;
  if (is_main) {
    s->name = "MainThread";
    s->daemon = false;
  } else {
    s->name = "Dummy-" + std::to_string(registry().dummy_counter.fetch_add(1) + 1);
    s->daemon = true;
  }
  return s;
}

const StatePtr& main_state() {
  Registry& r = registry();
  std::lock_guard g(r.mutex);
  if (!r.main) {
    // The main thread's kernel id equals the process id. If it is not the caller, build a
    // handle from what we know; its ident is filled when main itself asks.
    const bool caller_is_main = gettid_now() == getpid();
    if (caller_is_main) {
      r.main = make_foreign_state(true);
    } else {
      r.main = std::make_shared<concur::detail::ThreadState>();
      r.main->foreign = true;
      r.main->started = true;
      r.main->name = "MainThread";
      r.main->native_id = getpid();
    }
    r.main->registry_seq = 0;
    r.active.emplace(0, r.main);
  }
  return r.main;
}

const StatePtr& current_state() {
  if (tls_current) return tls_current;
  if (gettid_now() == getpid()) {
    tls_current = main_state();
    if (tls_current->ident.load() == 0) {
      tls_current->ident = ident_now();
      tls_current->has_ids = 1;
    }
  } else {
    tls_current = make_foreign_state(false);
    tls_foreign.state = tls_current;
    registry().add(tls_current);
  }
  return tls_current;
}

// Called from inside a catch block: describes the exception being handled.
ExceptHookArgs describe_current_exception() {
  const concur::detail::ExceptionText text = concur::detail::describe_current_exception();
  ExceptHookArgs args;
  args.exc_value = std::current_exception();
  args.exc_type = text.type;
  args.message = text.message;
  args.thread = current_thread();
  return args;
}

void report_exception() {
  const ExceptHookArgs args = describe_current_exception();
  ExceptHook hook;
  {
    Registry& r = registry();
    std::lock_guard g(r.hook_mutex);
    hook = r.hook;
  }
  if (!hook) {
    default_excepthook(args);
    return;
  }
  try {
    hook(args);
  } catch (...) {
    std::fputs("Exception in threading.excepthook:\n", stderr);
    default_excepthook(describe_current_exception());
    default_excepthook(args);
  }
}

}  // namespace

// Python's threading._shutdown: join every non-daemon thread at normal exit.
void join_non_daemon_threads_at_exit() {
  const StatePtr me = tls_current;
  for (;;) {
    std::vector<StatePtr> pending;
    {
      Registry& r = registry();
      std::lock_guard g(r.mutex);
      for (const auto& [seq, s] : r.active) {
        if (!s->foreign && !s->daemon.load() && s != me) pending.push_back(s);
      }
    }
    if (pending.empty()) return;
    for (const StatePtr& s : pending) {
      while (s->finished.load(std::memory_order_acquire) == 0) {
        concur::detail::futex_wait(s->finished, 0, concur::detail::Deadline::never());
      }
    }
  }
}

// ---------------------------------------------------------------- ThreadRef

std::string ThreadRef::name() const {
  return state_ ? state_->get_name() : std::string{};
}

std::optional<std::uint64_t> ThreadRef::ident() const {
  if (!state_ || !state_->started.load()) return std::nullopt;
  if (!wait_for_ids(*state_)) return std::nullopt;
  return state_->ident.load();
}

std::optional<pid_t> ThreadRef::native_id() const {
  if (!state_ || !state_->started.load()) return std::nullopt;
  if (!wait_for_ids(*state_)) return std::nullopt;
  return state_->native_id.load();
}

bool ThreadRef::is_alive() const {
  if (!state_) return false;
  if (state_->foreign) {
    std::lock_guard g(registry().mutex);
    const auto it = registry().active.find(state_->registry_seq);
    return it != registry().active.end() && it->second == state_;
  }
  return state_->started.load() && state_->finished.load(std::memory_order_acquire) == 0;
}

bool ThreadRef::daemon() const {
  return state_ && state_->daemon.load();
}

bool ThreadRef::join(Timeout timeout) const {
  if (!state_ || !state_->started.load()) {
    throw RuntimeError("cannot join thread before it is started");
  }
  if (state_ == tls_current) throw RuntimeError("cannot join current thread");
  if (state_->foreign) {
    throw RuntimeError("cannot join a thread that concur did not start");
  }
  const concur::detail::Deadline deadline(timeout);
  while (state_->finished.load(std::memory_order_acquire) == 0) {
    if (!concur::detail::park(state_->finished, 0, deadline)) break;
  }
  return state_->finished.load(std::memory_order_acquire) != 0;
}

// ---------------------------------------------------------------- Thread

Thread::Thread(ThreadOptions options) : ThreadRef(std::make_shared<concur::detail::ThreadState>()) {
  Registry& r = registry();
  const std::uint64_t n = r.thread_counter.fetch_add(1) + 1;
  state_->name = options.name.empty() ? "Thread-" + std::to_string(n) : std::move(options.name);
  state_->daemon = options.daemon.has_value() ? *options.daemon : current_state()->daemon.load();
  state_->stack_size = options.stack_size;
  state_->self = this;
}

Thread::Thread(Thread&& other) noexcept : ThreadRef(std::move(other.state_)) {
  if (state_ && state_->subclass_mode.load()) {
    std::fputs("concur: cannot move a started Thread subclass (its run() uses the object)\n",
               stderr);
    std::abort();
  }
  if (state_) state_->self = this;
}

Thread::~Thread() {
  if (state_ && state_->subclass_running.load(std::memory_order_acquire)) {
    std::fprintf(stderr,
                 "concur: Thread subclass '%s' destroyed while its run() is executing; "
                 "join() it before destroying it\n",
                 state_->get_name().c_str());
    std::abort();
  }
}

void Thread::set_target(std::function<void()> target) {
  state_->target = std::move(target);
}

void Thread::run() {
  if (state_->target) state_->target();
}

void Thread::set_name(std::string name) {
  std::lock_guard g(state_->name_mutex);
  state_->name = std::move(name);
}

void Thread::set_daemon(bool daemon) {
  if (state_->started.load()) throw RuntimeError("cannot set daemon status of active thread");
  state_->daemon = daemon;
}

void Thread::start() {
  if (!state_) throw RuntimeError("thread object was moved from");
  if (state_->started.exchange(true)) throw RuntimeError("threads can only be started once");
  Registry& r = registry();
  std::call_once(r.atexit_once, [] { std::atexit(join_non_daemon_threads_at_exit); });
  // A subclass runs its run() (Python: an overridden run() wins over a target); the base
  // run() calls the target, so a subclass that does not override it behaves the same.
  if (!state_->target || typeid(*this) != typeid(Thread)) {
    state_->subclass_mode = true;
    state_->subclass_running = true;
  }
  state_->has_ids.store(0, std::memory_order_relaxed);
  r.add(state_);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  std::size_t stack = state_->stack_size ? state_->stack_size : r.default_stack.load();
  if (stack != 0) pthread_attr_setstacksize(&attr, stack);
  auto* handoff = new StatePtr(state_);  // NOLINT(cppcoreguidelines-owning-memory)
  pthread_t tid{};
  const int rc = pthread_create(&tid, &attr, &Thread::entry, handoff);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete handoff;  // NOLINT(cppcoreguidelines-owning-memory)
    r.remove(state_);
    // Python: the object stays un-started (not alive, no ident, join() raises).
    state_->subclass_running = false;
    state_->subclass_mode = false;
    state_->started.store(false);
    state_->has_ids.store(2, std::memory_order_release);
    concur::detail::futex_wake(state_->has_ids, INT_MAX);
    throw RuntimeError("can't start new thread: " + std::system_category().message(rc));
  }
}

void* Thread::entry(void* arg) {
  StatePtr state = std::move(*static_cast<StatePtr*>(arg));
  delete static_cast<StatePtr*>(arg);  // NOLINT(cppcoreguidelines-owning-memory)
  tls_current = state;
  state->ident = ident_now();
  state->native_id = gettid_now();
  state->has_ids.store(1, std::memory_order_release);
  concur::detail::futex_wake(state->has_ids, INT_MAX);
  {
    const std::string name = state->get_name();
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  }
  try {
    if (!state->subclass_mode.load()) {
      state->target();
    } else {
      state->self->run();
    }
  } catch (...) {
    report_exception();
  }
  state->target = nullptr;  // release captured resources in this thread, as Python does
  // This thread's threading::local values die before join() returns, not later in the TLS
  // destructors that run after it (a joiner must see them gone).
  concur::detail::LocalSlots::mine().drop_all();
  state->subclass_running.store(false, std::memory_order_release);
  registry().remove(state);
  state->finished.store(1, std::memory_order_release);
  concur::detail::futex_wake(state->finished, INT_MAX);
  tls_current.reset();
  return nullptr;
}

// ---------------------------------------------------------------- module functions

void default_excepthook(const ExceptHookArgs& args) {
  std::string text = "Exception in thread " + args.thread.name() + ":\n" + args.exc_type;
  if (!args.message.empty()) text += ": " + args.message;
  text += "\n";
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

ExceptHook set_excepthook(ExceptHook hook) {
  Registry& r = registry();
  std::lock_guard g(r.hook_mutex);
  ExceptHook previous = std::move(r.hook);
  r.hook = std::move(hook);
  return previous;
}

ThreadRef current_thread() {
  return ThreadRef(current_state());
}

ThreadRef main_thread() {
  return ThreadRef(main_state());
}

std::vector<ThreadRef> enumerate() {
  (void)main_state();
  Registry& r = registry();
  std::lock_guard g(r.mutex);
  std::vector<ThreadRef> out;
  out.reserve(r.active.size());
  for (const auto& [seq, s] : r.active)
    out.push_back(ThreadRef(s));  // NOLINT(modernize-use-emplace): protected constructor
  return out;
}

std::size_t active_count() {
  return enumerate().size();
}

std::uint64_t get_ident() noexcept {
  return ident_now();
}

pid_t get_native_id() noexcept {
  return gettid_now();
}

std::size_t stack_size(std::optional<std::size_t> size) {
  Registry& r = registry();
  if (!size) return r.default_stack.load();
  if (*size != 0 && *size < 32768) throw ValueError("size not valid: 32 KiB is the minimum");
  return r.default_stack.exchange(*size);
}

}  // namespace concur::threading
