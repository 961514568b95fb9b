#pragma once
// Shared-exclusion redundancy I_sx (Makkeh, Gutknecht & Wibral 2021) for every antichain of the
// redundancy lattice, the PID atoms, H_res, and the analytic gradient of a goal function with
// respect to the joint pmf. All sums run over the occupied source cells of the pmf.

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/key_index.hpp>
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
    // Antichains with zero weight cost nothing. Where an entry has zero mass and so does a union
    // P(t, W) that contains it, the true slope is -infinity; it is reported finite instead, as
    // if that union held the smallest normal double (so that theta * (1 - theta) = 0 times the
    // slope stays 0 in training).
    double goal_and_gradient(const joint_view& pmf, std::span<const double> isx_weights,
                             double h_res_weight, std::span<double> gradient);

    double goal_and_gradient(const joint_view& pmf, const goal& g, std::span<double> gradient);

private:
    // Shared by evaluate (weights empty: every antichain, values into isx_minus_entropy_) and
    // goal_and_gradient (only antichains of non-zero weight; gradient written when non-empty).
    // Targets: the number of target values if fixed at compile time (2), else 0.
    template <std::size_t Targets>
    double run(const joint_view& pmf, std::span<const double> isx_weights, double h_res_weight,
               std::span<double> gradient);
    // Groups of the cells under projection onto every source subset in subset_mask, and the
    // marginal masses of the groups.
    template <std::size_t Targets>
    void group_cells(const joint_view& pmf, std::uint32_t subset_mask);

    const redundancy_lattice* lattice_;
    int n_subsets_;                                // 2^n; subsets are indexed by their bit mask
    std::vector<std::uint8_t> level_;              // per antichain: the union of its sets
    std::vector<std::vector<std::size_t>> by_level_;  // antichains per level
    std::vector<double> isx_minus_entropy_;        // per antichain, from the last run

    // Per non-empty source subset X: group of each cell under projection onto X, the number of
    // groups, and the marginal masses: marginal_[X][g * (n_targets + 1) + t] = p(t, s_X = g),
    // with the total p(s_X = g) at t = n_targets.
    std::vector<std::vector<std::uint32_t>> group_of_cell_;
    std::vector<std::vector<std::uint32_t>> first_cell_;  // a cell of each group, where recorded
    std::vector<std::size_t> n_groups_;
    std::vector<std::vector<double>> marginal_;
    // Per pair (level U, proper subset V of U), index U * n_subsets_ + V: the V-group of every
    // U-group (for U = all sources the cells' own V-groups serve).
    std::vector<std::vector<std::uint32_t>> group_map_;
    std::vector<std::uint32_t> needs_;        // per level U: bit mask of the subsets V it uses
    std::vector<std::vector<double>> sums_;   // per subset X: gradient sums, marginal_'s layout

    // Group finding: a dense index over the product of the source alphabets where that is
    // small, else open addressing. Stamps avoid clearing either between uses.
    std::vector<std::uint32_t> codes_;        // source i of cell c at [i * n_cells + c]
    std::vector<std::uint32_t> dense_stamps_;
    std::vector<std::uint32_t> dense_values_;
    key_index key_index_;
    std::uint32_t dense_stamp_ = 0;

    std::vector<double> target_mass_;  // p(t)
    // Per chunk of groups of one level (block layout over the chunk): the marginal of each
    // subset, the ratio sums per subset, the level's marginal with negated totals, and the
    // weighted logs.
    std::vector<double> chunk_marginal_;
    std::vector<double> chunk_ratio_sum_;
    std::vector<double> signed_mass_;
    std::vector<double> direct_;
};

}  // namespace infomorph::pid
