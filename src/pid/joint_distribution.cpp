#include <infomorph/pid/joint_distribution.hpp>

#include <infomorph/pid/lattice.hpp>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace infomorph::pid {

joint_distribution::joint_distribution(int n_sources, int n_targets)
    : n_sources_(n_sources), n_targets_(n_targets) {
    if (n_sources < 1 || n_sources > max_sources)
        throw std::invalid_argument("joint distribution: number of sources must be 1.." +
                                    std::to_string(max_sources) + ", got " +
                                    std::to_string(n_sources));
    if (n_targets < 1)
        throw std::invalid_argument("joint distribution: the target needs at least one value");
    codes_.resize(static_cast<std::size_t>(n_sources));
}

void joint_distribution::add(std::span<const std::uint32_t> source_values, int target,
                             double weight) {
    if (source_values.size() != static_cast<std::size_t>(n_sources_))
        throw std::invalid_argument("joint distribution: expected " + std::to_string(n_sources_) +
                                    " source values, got " +
                                    std::to_string(source_values.size()));
    if (target < 0 || target >= n_targets_)
        throw std::invalid_argument("joint distribution: target value " + std::to_string(target) +
                                    " outside [0, " + std::to_string(n_targets_) + ")");
    if (!std::isfinite(weight) || weight < 0)
        throw std::invalid_argument("joint distribution: probability must be finite and "
                                    "non-negative, got " + std::to_string(weight));
    cell_key key = 0;
    for (std::size_t i = 0; i < source_values.size(); ++i) {
        auto& codes = codes_[i];
        auto [it, inserted] =
            codes.try_emplace(source_values[i], static_cast<std::uint32_t>(codes.size()));
        if (it->second > max_source_code)
            throw std::invalid_argument("joint distribution: source " + std::to_string(i + 1) +
                                        " has more than 65536 distinct values");
        key |= static_cast<cell_key>(it->second) << (16 * i);
    }
    auto [cell, inserted] = cell_of_key_.try_emplace(key, keys_.size());
    if (inserted) {
        keys_.push_back(key);
        mass_.resize(mass_.size() + static_cast<std::size_t>(n_targets_), 0.0);
    }
    mass_[cell->second * static_cast<std::size_t>(n_targets_) + static_cast<std::size_t>(target)] +=
        weight;
}

double joint_distribution::total_mass() const {
    return std::accumulate(mass_.begin(), mass_.end(), 0.0);
}

void joint_distribution::normalise() {
    const double total = total_mass();
    if (!(total > 0))
        throw std::invalid_argument("joint distribution: all probabilities are zero");
    for (double& m : mass_) m /= total;
}

}  // namespace infomorph::pid
