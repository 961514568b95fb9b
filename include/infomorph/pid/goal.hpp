#pragma once
// A local goal function G = sum over atoms gamma_a * Pi_a + gamma_res * H_res, with the atoms in
// the lattice order of redundancy_lattice (the order of the published goal vectors).

#include <span>
#include <string>
#include <vector>

namespace infomorph::pid {

struct goal {
    int n_sources = 2;
    std::vector<double> atom_weights;  // one per antichain, lattice order
    double h_res_weight = 0.0;

    // From a published vector: the atom weights followed by the h_res weight. Throws
    // std::invalid_argument naming the expected length if the vector does not fit n_sources.
    static goal from_vector(int n_sources, std::span<const double> gamma);

    // All zero except the named atoms, e.g. {{"{1}{2}", 1.0}}; throws on an unknown name.
    static goal from_atoms(int n_sources,
                           std::span<const std::pair<std::string, double>> named_weights,
                           double h_res_weight = 0.0);

    // Weights g of the cumulative redundancies such that G = g . I_sx + gamma_res * H(T):
    // g = M^T gamma - gamma_res * e_full.
    std::vector<double> isx_weights() const;
};

}  // namespace infomorph::pid
