#include <infomorph/util/version.hpp>

namespace infomorph {

const char* library_version() { return INFOMORPH_VERSION; }

}  // namespace infomorph
