#include <infomorph/model/activity_packing.hpp>

#include <algorithm>
#include <stdexcept>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

// Both directions run over every sample of a layer at every exchange (2 M samples per
// presentation at N = 2000), so they must not branch on the random bits: a data-dependent branch
// per sample mispredicts half the time. Eight samples per step with AVX2, branch-free scalar code
// for the rest; both give the same bits.

namespace infomorph {
namespace {

// Bits of samples [0, n) of one neuron (n <= 64), bit b set for a positive sample b.
std::uint64_t pack_word(const float* samples, std::size_t n) {
    std::uint64_t word = 0;
    std::size_t b = 0;
#if defined(__AVX2__)
    const __m256 zero = _mm256_setzero_ps();
    for (; b + 8 <= n; b += 8) {
        const __m256 positive = _mm256_cmp_ps(_mm256_loadu_ps(samples + b), zero, _CMP_GT_OQ);
        word |= static_cast<std::uint64_t>(_mm256_movemask_ps(positive)) << b;
    }
#endif
    for (; b < n; ++b) word |= static_cast<std::uint64_t>(samples[b] > 0) << b;
    return word;
}

// Samples [0, n) of one neuron from its bits: +1 where set, -1 elsewhere.
void unpack_word(std::uint64_t word, std::size_t n, float* samples) {
    std::size_t b = 0;
#if defined(__AVX2__)
    // Lane i tests bit i of the byte broadcast into every lane.
    const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256 plus = _mm256_set1_ps(1.0f), minus = _mm256_set1_ps(-1.0f);
    for (; b + 8 <= n; b += 8) {
        const __m256i byte = _mm256_set1_epi32(static_cast<int>((word >> b) & 0xffu));
        const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(byte, lane_bit), lane_bit);
        _mm256_storeu_ps(samples + b, _mm256_blendv_ps(minus, plus, _mm256_castsi256_ps(set)));
    }
#endif
    for (; b < n; ++b) samples[b] = static_cast<float>(static_cast<int>((word >> b) & 1u) * 2 - 1);
}

}  // namespace

void pack_activity(std::span<const float> samples, std::size_t batch,
                   std::span<std::uint64_t> words) {
    const std::size_t n_neurons = batch == 0 ? 0 : samples.size() / batch;
    const std::size_t per_neuron = words_per_neuron(batch);
    if (n_neurons * batch != samples.size() || words.size() != n_neurons * per_neuron)
        throw std::invalid_argument("pack_activity: sizes do not match");
    for (std::size_t j = 0; j < n_neurons; ++j)
        for (std::size_t w = 0; w < per_neuron; ++w) {
            const std::size_t first = w * 64;
            words[j * per_neuron + w] =
                pack_word(samples.data() + j * batch + first, std::min<std::size_t>(64, batch - first));
        }
}

void unpack_activity(std::span<const std::uint64_t> words, std::size_t batch,
                     std::span<float> samples) {
    const std::size_t per_neuron = words_per_neuron(batch);
    const std::size_t n_neurons = per_neuron == 0 ? 0 : words.size() / per_neuron;
    if (n_neurons * per_neuron != words.size() || samples.size() != n_neurons * batch)
        throw std::invalid_argument("unpack_activity: sizes do not match");
    for (std::size_t j = 0; j < n_neurons; ++j)
        for (std::size_t w = 0; w < per_neuron; ++w) {
            const std::size_t first = w * 64;
            unpack_word(words[j * per_neuron + w], std::min<std::size_t>(64, batch - first),
                        samples.data() + j * batch + first);
        }
}

}  // namespace infomorph
