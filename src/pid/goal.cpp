#include <infomorph/pid/goal.hpp>

#include <infomorph/pid/lattice.hpp>

#include <cmath>
#include <stdexcept>

namespace infomorph::pid {

goal goal::from_vector(int n_sources, std::span<const double> gamma) {
    const auto& lattice = redundancy_lattice::of(n_sources);
    if (gamma.size() != lattice.size() + 1)
        throw std::invalid_argument(
            "goal: a gamma vector for " + std::to_string(n_sources) + " sources needs " +
            std::to_string(lattice.size() + 1) + " values (" + std::to_string(lattice.size()) +
            " atoms, then h_res), got " + std::to_string(gamma.size()));
    for (double g : gamma)
        if (!std::isfinite(g)) throw std::invalid_argument("goal: gamma values must be finite");
    goal result;
    result.n_sources = n_sources;
    result.atom_weights.assign(gamma.begin(), gamma.end() - 1);
    result.h_res_weight = gamma.back();
    return result;
}

goal goal::from_atoms(int n_sources,
                      std::span<const std::pair<std::string, double>> named_weights,
                      double h_res_weight) {
    const auto& lattice = redundancy_lattice::of(n_sources);
    goal result;
    result.n_sources = n_sources;
    result.atom_weights.assign(lattice.size(), 0.0);
    result.h_res_weight = h_res_weight;
    for (const auto& [name, weight] : named_weights) {
        auto index = lattice.find(name);
        if (!index)
            throw std::invalid_argument("goal: '" + name + "' is not an atom of the " +
                                        std::to_string(n_sources) + "-source lattice");
        result.atom_weights[*index] = weight;
    }
    return result;
}

std::vector<double> goal::isx_weights() const {
    const auto& lattice = redundancy_lattice::of(n_sources);
    std::vector<double> weights(lattice.size(), 0.0);
    for (std::size_t alpha = 0; alpha < lattice.size(); ++alpha)
        for (std::size_t beta = 0; beta < lattice.size(); ++beta)
            weights[beta] += lattice.moebius(alpha, beta) * atom_weights[alpha];
    weights[lattice.full_index()] -= h_res_weight;
    return weights;
}

}  // namespace infomorph::pid
