#pragma once
// Shared-exclusion redundancy I_sx (Makkeh, Gutknecht & Wibral 2021) for every antichain of the
// redundancy lattice, the PID atoms, H_res, and the analytic gradient of a goal function with
// respect to the joint pmf. All sums run over the occupied source cells of the pmf.

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/lattice.hpp>

#include <cstdint>
#include <memory>
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
    ~shared_exclusion_pid();
    shared_exclusion_pid(shared_exclusion_pid&&) noexcept;
    shared_exclusion_pid& operator=(shared_exclusion_pid&&) noexcept;

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
    // The estimator's scratch memory (groups, marginals, the key index) and its kernels: private
    // to src/pid/shared_exclusion.cpp, so that the installed headers show none of it.
    struct engine;
    const redundancy_lattice* lattice_;
    std::unique_ptr<engine> engine_;
};

}  // namespace infomorph::pid
