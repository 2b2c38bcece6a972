// concur/multiprocessing/task.hpp - CONCUR_TASK: functions a fresh process can be asked to run.
//
// The `spawn` and `forkserver` start methods (and, later, the Manager and Redis workers) do
// not copy the parent's memory, so they cannot run an arbitrary lambda: they run a function
// registered under a stable name, with its arguments and result carried by codec<T>.
//   int add(int a, int b) { return a + b; }
//   CONCUR_TASK(add);                                   // at namespace scope
//   concur::mp::Process p(concur::mp::get_context("spawn"), add, 2, 3);  p.start();
// Register at namespace scope, in the program itself (libconcur linked statically, the
// default): a spawned child finds the function while the program's statics initialise.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concur/multiprocessing/codec.hpp"

namespace concur::mp {

namespace detail {

/// Type-erased identity of a function: its address.
using FunctionId = void (*)();

/// One registered function: decodes its arguments, calls it and appends its encoded result
/// to `out` (nothing for void).
struct TaskEntry {
  std::string name;
  FunctionId id = nullptr;
  void (*invoke_into)(std::string_view encoded_args, std::string& out) = nullptr;
};

/// Adds an entry; a second function under the same name is a programming error and aborts
/// with a message (two functions must never answer to one name across processes).
void register_task(TaskEntry entry);
/// The entry registered under `name`, or nullptr.
const TaskEntry* find_task(std::string_view name) noexcept;
/// The entry of the function at `id`, or nullptr.
const TaskEntry* find_task(FunctionId id) noexcept;
/// The entry registered under `name`; ValueError when there is none.
const TaskEntry& registered_task(std::string_view name);

template <class R, class... P>
constexpr bool encodable_signature(R (*)(P...)) {
  return (Encodable<std::decay_t<P>> && ...) && (std::is_void_v<R> || Encodable<R>);
}

/// True when F(A...) can travel as a TaskCall: F is a function pointer whose parameters and
/// result have codecs, and A... convert to its parameters.
template <class F, class... A>
struct is_task_call : std::false_type {};
template <class R, class... P, class... A>
requires(sizeof...(P) == sizeof...(A)) struct is_task_call<R (*)(P...), A...>
    : std::bool_constant<encodable_signature(static_cast<R (*)(P...)>(nullptr)) &&
                         std::is_constructible_v<std::tuple<std::decay_t<P>...>, A...>> {
};

/// Runs `run` (which does not return) as soon as a function named `name` is registered:
/// a spawned child whose program registers its functions after libconcur initialised.
void run_when_registered(std::string name, void (*run)());

template <auto Fn>
struct TaskInvoker;

template <class R, class... P, R (*Fn)(P...)>
struct TaskInvoker<Fn> {
  static void invoke_into(std::string_view encoded_args, std::string& out) {
    auto args = decode<std::tuple<std::decay_t<P>...>>(encoded_args);
    if constexpr (std::is_void_v<R>) {
      std::apply(Fn, std::move(args));
    } else {
      codec<R>::encode(std::apply(Fn, std::move(args)), out);
    }
  }
};

template <auto Fn>
struct TaskRegistration {
  explicit TaskRegistration(const char* name) {
    static_assert(encodable_signature(Fn),
                  "CONCUR_TASK: every parameter and the result need a concur::mp::codec");
    register_task(TaskEntry{name, reinterpret_cast<FunctionId>(Fn),  // NOLINT
                            &TaskInvoker<Fn>::invoke_into});
  }
};

}  // namespace detail

/// A call of a registered function, ready to travel: its name and encoded arguments.
struct TaskCall {
  std::string name;
  std::string args;
};

/// Packs fn(args...) for another process; throws ValueError when fn is not registered with
/// CONCUR_TASK. Arguments convert to the parameter types first (as a call would).
template <class R, class... P, class... A>
TaskCall make_task_call(R (*fn)(P...), A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "wrong number of arguments for the task");
  const detail::TaskEntry* entry =
      detail::find_task(reinterpret_cast<detail::FunctionId>(fn));  // NOLINT
  if (entry == nullptr) {
    throw ValueError(
        "this function is not registered: spawn and forkserver run only functions declared "
        "with CONCUR_TASK(fn)");
  }
  return TaskCall{entry->name, encode(std::tuple<std::decay_t<P>...>(std::forward<A>(args)...))};
}

/// Runs a TaskCall in this process (what a spawned child does); returns the encoded result.
/// Throws ValueError for an unknown name and DecodeError for bad arguments.
std::string run_task_call(const TaskCall& call);

}  // namespace concur::mp

#define CONCUR_TASK_CONCAT_(a, b) a##b
#define CONCUR_TASK_NAME_(line) CONCUR_TASK_CONCAT_(concur_task_registration_, line)
/// Registers a function (at namespace scope) so spawn/forkserver children can run it; its
/// parameters and result need codecs. The name is the spelling given: CONCUR_TASK(ns::f).
#define CONCUR_TASK(fn)                                                                          \
  [[maybe_unused]] static const ::concur::mp::detail::TaskRegistration<&(fn)> CONCUR_TASK_NAME_( \
      __LINE__) {                                                                                \
#fn                                                                                          \
  }
