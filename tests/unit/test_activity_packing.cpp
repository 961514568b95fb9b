#include <infomorph/model/activity_packing.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace infomorph {
namespace {

std::vector<float> pattern(std::size_t n_neurons, std::size_t batch) {
    std::vector<float> samples(n_neurons * batch);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = (i * 7 + i / 3) % 5 < 2 ? 1.0f : -1.0f;
    return samples;
}

TEST(ActivityPacking, RoundTripsEveryBatchSize) {
    for (std::size_t batch : {1u, 63u, 64u, 65u, 128u, 1000u}) {
        const std::size_t n = 3;
        const std::vector<float> samples = pattern(n, batch);
        std::vector<std::uint64_t> words(n * words_per_neuron(batch));
        pack_activity(samples, batch, words);
        std::vector<float> back(n * batch);
        unpack_activity(words, batch, back);
        EXPECT_EQ(back, samples) << "batch " << batch;
    }
}

TEST(ActivityPacking, OneBitPerSampleAndNeuronAlignedToWords) {
    // Neuron 1's first sample +1, everything else -1: exactly bit 0 of neuron 1's first word.
    const std::size_t batch = 70;  // two words per neuron
    std::vector<float> samples(2 * batch, -1.0f);
    samples[batch] = 1.0f;
    std::vector<std::uint64_t> words(2 * words_per_neuron(batch));
    pack_activity(samples, batch, words);
    EXPECT_EQ(words, (std::vector<std::uint64_t>{0, 0, 1, 0}));
}

// Every bit position of a word, against the definition written out sample by sample (the
// packing itself works eight samples at a time where the CPU allows).
TEST(ActivityPacking, EveryBitMatchesTheDefinition) {
    for (std::size_t batch : {8u, 64u, 100u, 1024u}) {
        const std::size_t n = 5;
        const std::vector<float> samples = pattern(n, batch);
        std::vector<std::uint64_t> expected(n * words_per_neuron(batch), 0);
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t b = 0; b < batch; ++b)
                if (samples[j * batch + b] == 1.0f)
                    expected[j * words_per_neuron(batch) + b / 64] |= std::uint64_t{1} << (b % 64);
        std::vector<std::uint64_t> words(expected.size(), ~std::uint64_t{0});  // overwritten
        pack_activity(samples, batch, words);
        EXPECT_EQ(words, expected) << "batch " << batch;
        std::vector<float> back(n * batch, 0.0f);
        unpack_activity(expected, batch, back);
        EXPECT_EQ(back, samples) << "batch " << batch;
    }
}

TEST(ActivityPacking, RejectsMismatchedSizes) {
    std::vector<float> samples(10, 1.0f);
    std::vector<std::uint64_t> words(3);
    EXPECT_THROW(pack_activity(samples, 5, words), std::invalid_argument);
    EXPECT_THROW(unpack_activity(words, 64, samples), std::invalid_argument);
}

}  // namespace
}  // namespace infomorph
