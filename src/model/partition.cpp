#include <infomorph/model/partition.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace infomorph {
namespace {

void check_rank_count(int n_ranks) {
    if (n_ranks < 1) {
        throw std::invalid_argument("block partition: n_ranks must be at least 1, got " +
                                    std::to_string(n_ranks));
    }
}

}  // namespace

neuron_range owned_range(std::size_t n_neurons, int n_ranks, int rank) {
    check_rank_count(n_ranks);
    if (rank < 0 || rank >= n_ranks) {
        throw std::invalid_argument("block partition: rank " + std::to_string(rank) +
                                    " is outside [0, " + std::to_string(n_ranks) + ")");
    }
    const auto p = static_cast<std::size_t>(n_ranks);
    const auto r = static_cast<std::size_t>(rank);
    const std::size_t base = n_neurons / p;
    const std::size_t extra = n_neurons % p;
    const std::size_t first = r * base + std::min(r, extra);
    return {first, first + base + (r < extra ? 1 : 0)};
}

int owner_rank(std::size_t n_neurons, int n_ranks, std::size_t neuron_id) {
    check_rank_count(n_ranks);
    if (neuron_id >= n_neurons) {
        throw std::out_of_range("block partition: neuron id " + std::to_string(neuron_id) +
                                " is outside [0, " + std::to_string(n_neurons) + ")");
    }
    const auto p = static_cast<std::size_t>(n_ranks);
    const std::size_t base = n_neurons / p;
    const std::size_t extra = n_neurons % p;
    // The first `extra` ranks own base + 1 neurons each, covering ids below `boundary`.
    const std::size_t boundary = extra * (base + 1);
    if (neuron_id < boundary) return static_cast<int>(neuron_id / (base + 1));
    // Here base > 0: ids at or above the boundary exist only if the other ranks own some.
    return static_cast<int>(extra + (neuron_id - boundary) / base);
}

}  // namespace infomorph
