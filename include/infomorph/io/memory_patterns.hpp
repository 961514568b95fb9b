#pragma once
// The data of the associative-memory task: P random +-1 patterns of N bits (each bit +1 with
// probability 1/2), and copies of them with a fraction of their bits flipped, as recall cues.
// Every bit is a pure function of (seed, P, pattern, neuron) through counter_rng, so every rank
// generates the same patterns without communicating, whatever the rank count.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace infomorph::io {

// Pattern-major bits: pattern mu occupies words_per_pattern() words from mu * words_per_pattern(),
// bit j of neuron j in word j / 64 at bit j % 64; a set bit is +1. Padding bits are 0.
struct pattern_set {
    std::size_t n_neurons = 0;
    std::size_t n_patterns = 0;
    std::vector<std::uint64_t> bits;

    std::size_t words_per_pattern() const { return (n_neurons + 63) / 64; }
    bool bit(std::size_t pattern, std::size_t neuron) const {
        return (bits[pattern * words_per_pattern() + neuron / 64] >> (neuron % 64)) & 1u;
    }
};

// P = n_patterns random patterns of n_neurons bits drawn from (seed, P). Throws
// std::invalid_argument for n_neurons < 1 or n_patterns < 1.
pattern_set random_patterns(std::size_t n_neurons, std::size_t n_patterns, std::uint64_t seed);

// Each pattern with floor(fraction * N) of its bits flipped, the bits chosen at random (a
// partial Fisher-Yates shuffle keyed by (seed, P, pattern, fraction)). fraction must lie in
// [0, 1] (std::invalid_argument otherwise).
pattern_set with_flipped_bits(const pattern_set& patterns, double fraction, std::uint64_t seed);

// The patterns rows[0], rows[1], ... as a batch of network states: packed neuron-major (as
// activity_packing.hpp lays out activity), neuron j's row of rows.size() bits first.
std::vector<std::uint64_t> neuron_major(const pattern_set& patterns,
                                        std::span<const std::size_t> rows);

}  // namespace infomorph::io
