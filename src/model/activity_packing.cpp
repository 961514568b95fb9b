#include <infomorph/model/activity_packing.hpp>

#include <algorithm>
#include <stdexcept>

namespace infomorph {

void pack_activity(std::span<const float> samples, std::size_t batch,
                   std::span<std::uint64_t> words) {
    const std::size_t n_neurons = batch == 0 ? 0 : samples.size() / batch;
    const std::size_t per_neuron = words_per_neuron(batch);
    if (n_neurons * batch != samples.size() || words.size() != n_neurons * per_neuron)
        throw std::invalid_argument("pack_activity: sizes do not match");
    std::fill(words.begin(), words.end(), 0);
    for (std::size_t j = 0; j < n_neurons; ++j)
        for (std::size_t b = 0; b < batch; ++b)
            if (samples[j * batch + b] > 0)
                words[j * per_neuron + b / 64] |= std::uint64_t{1} << (b % 64);
}

void unpack_activity(std::span<const std::uint64_t> words, std::size_t batch,
                     std::span<float> samples) {
    const std::size_t per_neuron = words_per_neuron(batch);
    const std::size_t n_neurons = per_neuron == 0 ? 0 : words.size() / per_neuron;
    if (n_neurons * per_neuron != words.size() || samples.size() != n_neurons * batch)
        throw std::invalid_argument("unpack_activity: sizes do not match");
    for (std::size_t j = 0; j < n_neurons; ++j)
        for (std::size_t b = 0; b < batch; ++b)
            samples[j * batch + b] =
                (words[j * per_neuron + b / 64] >> (b % 64)) & 1u ? 1.0f : -1.0f;
}

}  // namespace infomorph
