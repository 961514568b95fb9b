#include <infomorph/estimate/binning.hpp>

#include <algorithm>
#include <cmath>

namespace infomorph {
namespace {

std::uint16_t bin_of(double x, double low, double high, int bins) {
    // NaN compares false everywhere and lands in bin 0; the trainer rejects NaN drives earlier.
    const double position = (x - low) / (high - low) * bins;
    if (!(position > 0)) return 0;
    if (position >= bins - 1) return static_cast<std::uint16_t>(bins - 1);
    return static_cast<std::uint16_t>(position);
}

}  // namespace

void assign_bins(const binning_config& config, std::span<const float> values,
                 std::span<std::uint16_t> bins) {
    if (config.type == binning_config::kind::fixed) {
        for (std::size_t b = 0; b < values.size(); ++b)
            bins[b] = bin_of(values[b], config.low, config.high, config.bins);
        return;
    }
    float scale = 0;
    for (float v : values) scale = std::max(scale, std::abs(v));
    const double inverse = scale > 0 ? 1.0 / scale : 0.0;
    for (std::size_t b = 0; b < values.size(); ++b)
        bins[b] = bin_of(values[b] * inverse, -1.0, 1.0, config.bins);
}

}  // namespace infomorph
