#pragma once
// Shared-exclusion redundancy I_sx (Makkeh, Gutknecht & Wibral 2021) for every antichain of the
// redundancy lattice, the PID atoms, H_res, and the analytic gradient of a goal function with
// respect to the joint pmf. All sums run over the occupied source cells of the pmf.

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/lattice.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace infomorph::pid {

struct pid_values {
    std::vector<double> isx;    // cumulative redundancy I_sx(alpha) in bits, lattice order
    std::vector<double> atoms;  // partial information atoms Pi(alpha) in bits, lattice order
    double target_entropy = 0;  // H(T)
    double h_res = 0;           // H(T) - I(T : S1..Sn)
};

// Reusable estimator: it keeps its scratch memory between calls, so that evaluating one neuron's
// minibatch histogram after another allocates nothing once warm. Not thread-safe; use one per
// thread.
class shared_exclusion_pid {
public:
    explicit shared_exclusion_pid(int n_sources);

    int n_sources() const { return lattice_->n_sources(); }
    const redundancy_lattice& lattice() const { return *lattice_; }

    pid_values evaluate(const joint_view& pmf);

    // G = sum_alpha isx_weights[alpha] * I_sx(alpha) + h_res_weight * H(T) (see
    // goal::isx_weights). Writes dG/dp(t, s_c) to gradient[c * n_targets + t] and returns G.
    // Antichains with zero weight cost nothing.
    double goal_and_gradient(const joint_view& pmf, std::span<const double> isx_weights,
                             double h_res_weight, std::span<double> gradient);

    double goal_and_gradient(const joint_view& pmf, const goal& g, std::span<double> gradient);

private:
    void group_cells(const joint_view& pmf);
    // P(t, W_alpha(s_c)) for every cell and target, clamped below by p(t, s_c) (W contains the
    // event S = s_c, so anything smaller is round-off), into union_mass_.
    void union_masses(const joint_view& pmf, std::size_t alpha);
    // I_sx(alpha) - H(T) = sum_c [sum_t p(t,c) log2 P(t,W) - p(c) log2 P(W)], from union_mass_.
    double isx_minus_entropy(const joint_view& pmf);

    const redundancy_lattice* lattice_;
    int n_subsets_;
    // Per non-empty source subset U (index U): group of each cell under projection onto U, the
    // number of groups, and the marginal mass p(t, s_U) of each group.
    std::vector<std::vector<std::uint32_t>> group_of_cell_;
    std::vector<std::size_t> n_groups_;
    std::vector<std::vector<double>> marginal_;
    // Open-addressing table used to find groups; stamps avoid clearing it between uses.
    std::vector<cell_key> table_keys_;
    std::vector<std::uint32_t> table_values_;
    std::vector<std::uint32_t> table_stamps_;
    std::uint32_t stamp_ = 0;
    std::vector<double> target_mass_;      // p(t)
    std::vector<double> union_mass_;       // P(t, W(s_c)), c-major
    std::vector<double> union_total_;      // P(W(s_c))
    std::vector<double> cell_total_;       // p(s_c)
    std::vector<double> ratio_;            // p(t, c) / P(t, W(c))
    std::vector<double> total_ratio_;      // p(c) / P(W(c))
    std::vector<double> ratio_marginal_;   // per group of one subset
    std::vector<double> total_ratio_marginal_;
};

}  // namespace infomorph::pid
