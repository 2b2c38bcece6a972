// concur/detail/exception_text.hpp - a readable type name and message for any exception,
// for reports such as "Exception in thread NAME:" and failing done-callbacks.
#pragma once

#include <exception>
#include <string>

namespace concur::detail {

struct ExceptionText {
  std::string type;     ///< demangled C++ type name
  std::string message;  ///< what(), or "" when it is not a std::exception
};

/// Describes the exception being handled (call from inside a catch block).
ExceptionText describe_current_exception();

/// Describes a stored exception (empty type for a null pointer).
ExceptionText describe_exception(const std::exception_ptr& e);

/// "TYPE: MESSAGE" (or just "TYPE").
std::string to_string(const ExceptionText& text);

}  // namespace concur::detail
