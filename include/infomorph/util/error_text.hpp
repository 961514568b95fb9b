#pragma once
// One line for an exception that reached a program's top level. Most of infomorph's exceptions
// already name their file and key; the standard library's do not (std::bad_alloc says only
// "std::bad_alloc"), so those get the words a user needs to act.

#include <exception>
#include <string>

namespace infomorph {

// e.what(), except: std::bad_alloc -> "out of memory: ..." with what to try, std::length_error
// -> "a size is too large: ...".
std::string describe_exception(const std::exception& e);

// describe_exception of the exception in flight (call it only inside a catch block); an exception
// not derived from std::exception is "an unknown exception".
std::string describe_current_exception();

}  // namespace infomorph
