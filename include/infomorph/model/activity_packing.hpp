#pragma once
// +-1 activity packed one bit per neuron per sample, the form in which it crosses ranks:
// neuron j's batch occupies words_per_neuron(batch) consecutive 64-bit words, bit b of the
// batch in word b / 64 at bit b % 64; a set bit is +1.

#include <cstddef>
#include <cstdint>
#include <span>

namespace infomorph {

constexpr std::size_t words_per_neuron(std::size_t batch) { return (batch + 63) / 64; }

// samples: n_neurons x batch values, each +1 or -1; words: n_neurons * words_per_neuron(batch).
void pack_activity(std::span<const float> samples, std::size_t batch, std::span<std::uint64_t> words);

// The inverse: writes n_neurons x batch values of +1 / -1.
void unpack_activity(std::span<const std::uint64_t> words, std::size_t batch, std::span<float> samples);

}  // namespace infomorph
