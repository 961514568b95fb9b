#include <infomorph/io/memory_patterns.hpp>

#include <infomorph/util/random.hpp>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace infomorph::io {

pattern_set random_patterns(std::size_t n_neurons, std::size_t n_patterns, std::uint64_t seed) {
    if (n_neurons < 1 || n_patterns < 1)
        throw std::invalid_argument("random_patterns: needs at least one neuron and one pattern, "
                                    "got " + std::to_string(n_neurons) + " neurons and " +
                                    std::to_string(n_patterns) + " patterns");
    pattern_set set{n_neurons, n_patterns, {}};
    const std::size_t per_pattern = set.words_per_pattern();
    set.bits.resize(n_patterns * per_pattern);
    for (std::size_t mu = 0; mu < n_patterns; ++mu) {
        const counter_rng rng(seed, stream::memory_patterns, {n_patterns, mu});
        for (std::size_t w = 0; w < per_pattern; ++w) {
            std::uint64_t word = rng.bits(w);
            const std::size_t used = std::min<std::size_t>(64, n_neurons - 64 * w);
            if (used < 64) word &= (std::uint64_t{1} << used) - 1;
            set.bits[mu * per_pattern + w] = word;
        }
    }
    return set;
}

pattern_set with_flipped_bits(const pattern_set& patterns, double fraction, std::uint64_t seed) {
    if (!(fraction >= 0.0 && fraction <= 1.0))
        throw std::invalid_argument("with_flipped_bits: the flip fraction must lie in [0, 1], got " +
                                    std::to_string(fraction));
    pattern_set flipped = patterns;
    const std::size_t n = patterns.n_neurons;
    const auto n_flips = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(n)));
    if (n_flips == 0) return flipped;
    // The fraction in millionths keys the stream: cues of different fractions are independent.
    const auto key = static_cast<std::uint64_t>(std::llround(fraction * 1e6));
    std::vector<std::size_t> order(n);
    const std::size_t per_pattern = patterns.words_per_pattern();
    for (std::size_t mu = 0; mu < patterns.n_patterns; ++mu) {
        const counter_rng rng(seed, stream::pattern_flips, {patterns.n_patterns, mu, key});
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = 0; i < n_flips; ++i) {  // partial Fisher-Yates
            std::swap(order[i], order[i + rng.below(i, n - i)]);
            const std::size_t j = order[i];
            flipped.bits[mu * per_pattern + j / 64] ^= std::uint64_t{1} << (j % 64);
        }
    }
    return flipped;
}

std::vector<std::uint64_t> neuron_major(const pattern_set& patterns,
                                        std::span<const std::size_t> rows) {
    const std::size_t batch = rows.size();
    const std::size_t per_neuron = (batch + 63) / 64;
    std::vector<std::uint64_t> words(patterns.n_neurons * per_neuron, 0);
    for (std::size_t b = 0; b < batch; ++b) {
        if (rows[b] >= patterns.n_patterns)
            throw std::out_of_range("neuron_major: pattern " + std::to_string(rows[b]) +
                                    " of " + std::to_string(patterns.n_patterns));
        for (std::size_t j = 0; j < patterns.n_neurons; ++j)
            if (patterns.bit(rows[b], j))
                words[j * per_neuron + b / 64] |= std::uint64_t{1} << (b % 64);
    }
    return words;
}

}  // namespace infomorph::io
