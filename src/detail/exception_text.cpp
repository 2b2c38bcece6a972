#include "concur/detail/exception_text.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace concur::detail {

namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return (status == 0 && out) ? std::string(out.get()) : std::string(mangled);
}

}  // namespace

ExceptionText describe_current_exception() {
  ExceptionText text;
  const std::type_info* type = abi::__cxa_current_exception_type();
  text.type = type != nullptr ? demangle(type->name()) : "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    text.message = e.what();
  } catch (...) {  // NOLINT(bugprone-empty-catch): not a std::exception: no message
  }
  return text;
}

ExceptionText describe_exception(const std::exception_ptr& e) {
  if (!e) return {};
  try {
    std::rethrow_exception(e);
  } catch (...) {
    return describe_current_exception();
  }
}

std::string to_string(const ExceptionText& text) {
  return text.message.empty() ? text.type : text.type + ": " + text.message;
}

}  // namespace concur::detail
