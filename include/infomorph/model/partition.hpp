#pragma once
// The block partition of a layer's neurons over ranks: rank r owns the contiguous global ids
// [first, last), ranks in ascending order of ids, and the first (n_neurons mod n_ranks) ranks own
// one neuron more than the rest. With more ranks than neurons the trailing ranks own nothing,
// yet they must still take part in every collective.
//
// Pure functions of their arguments: every rank computes every other rank's range without
// communicating, and tests need no MPI.

#include <cstddef>

namespace infomorph {

// The half-open range [first, last) of global neuron ids.
struct neuron_range {
    std::size_t first = 0;
    std::size_t last = 0;

    std::size_t size() const { return last - first; }
    bool empty() const { return first == last; }
    bool contains(std::size_t neuron_id) const { return first <= neuron_id && neuron_id < last; }

    friend bool operator==(const neuron_range&, const neuron_range&) = default;
};

// The neurons that `rank` owns. Throws std::invalid_argument (naming the values) unless
// n_ranks >= 1 and 0 <= rank < n_ranks.
neuron_range owned_range(std::size_t n_neurons, int n_ranks, int rank);

// The rank that owns `neuron_id`. Throws std::invalid_argument unless n_ranks >= 1, and
// std::out_of_range unless neuron_id < n_neurons.
int owner_rank(std::size_t n_neurons, int n_ranks, std::size_t neuron_id);

}  // namespace infomorph
