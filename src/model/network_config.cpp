#include <infomorph/model/network_config.hpp>

#include <cmath>

namespace infomorph {

std::size_t memory_pattern_count(const network_config& config) {
    if (config.memory.patterns > 0) return static_cast<std::size_t>(config.memory.patterns);
    if (config.layers.empty()) return 0;
    return static_cast<std::size_t>(
        std::llround(config.memory.load * static_cast<double>(config.layers.front().neurons)));
}

}  // namespace infomorph
