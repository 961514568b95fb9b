#include <infomorph/util/error_text.hpp>

#include <new>
#include <stdexcept>

namespace infomorph {

std::string describe_exception(const std::exception& e) {
    if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr)
        return std::string("out of memory (") + e.what() +
               "): this rank could not allocate what the run needs; use more ranks (memory is "
               "split with the neurons), fewer neurons or a smaller batch";
    // The standard containers' own length errors ("vector::_M_default_append", "basic_string::
    // _M_create"); infomorph's length errors already say what is too long.
    const std::string what = e.what();
    if (dynamic_cast<const std::length_error*>(&e) != nullptr &&
        (what.find("vector") != std::string::npos || what.find("basic_string") != std::string::npos))
        return std::string("a size is too large for this machine (") + e.what() + ")";
    return e.what();
}

std::string describe_current_exception() {
    try {
        throw;
    } catch (const std::exception& e) {
        return describe_exception(e);
    } catch (...) {
        return "an unknown exception";
    }
}

}  // namespace infomorph
