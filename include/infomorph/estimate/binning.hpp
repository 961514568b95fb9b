#pragma once
// Binning of one source scalar over a minibatch (docs/method.md section 3). Bin indices carry no
// gradient: they only decide which histogram cell a sample falls in.

#include <infomorph/estimate/binning_config.hpp>

#include <cstdint>
#include <span>

namespace infomorph {

// fixed: K equal bins on [low, high], values outside clamped into the edge bins.
// adaptive: values divided by the batch's max |value|, then K equal bins on [-1, 1]; a source
// that is zero for the whole batch falls in the bin that holds 0.
void assign_bins(const binning_config& config, std::span<const float> values,
                 std::span<std::uint16_t> bins);

}  // namespace infomorph
