#pragma once
// The per-neuron part of learning (docs/method.md sections 3 and 4): bin the neuron's source scalars
// over the minibatch, build the soft joint histogram p(y, s) weighted by theta, evaluate the goal
// with the PID engine and turn dG/dp(y, s) into dG/dtheta for every sample.

#include <infomorph/estimate/binning_config.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace infomorph {

namespace pid {
class key_index;  // private: src/pid/key_index.hpp
}

class local_goal {
public:
    // gamma: atom weights then the h_res weight, for n_sources = gamma's lattice.
    local_goal(int n_sources, std::span<const double> gamma);
    ~local_goal();
    local_goal(local_goal&&) noexcept;
    local_goal& operator=(local_goal&&) noexcept;

    int n_sources() const { return n_sources_; }

    // sources[i][b]: source i's scalar for sample b; theta[b] = P(Y_b = +1). Writes
    // dG/dtheta_b to slope[b] and returns G.
    double gradient(std::span<const std::span<const float>> sources,
                    std::span<const binning_config> binnings, std::span<const float> theta,
                    std::span<float> slope);

    // The PID of the same histogram, for reporting.
    pid::pid_values decompose(std::span<const std::span<const float>> sources,
                              std::span<const binning_config> binnings,
                              std::span<const float> theta);

    // Occupied cells of the last histogram built.
    std::size_t n_cells() const { return keys_.size(); }

private:
    void build_histogram(std::span<const std::span<const float>> sources,
                         std::span<const binning_config> binnings, std::span<const float> theta);

    int n_sources_;
    std::vector<double> isx_weights_;
    double h_res_weight_;
    pid::shared_exclusion_pid pid_;
    std::unique_ptr<pid::key_index> index_;  // cell ids of the bin keys
    std::vector<std::uint16_t> bins_;
    std::vector<std::uint32_t> cell_of_sample_;
    std::vector<pid::cell_key> keys_;
    std::vector<double> mass_;      // [cell][y]: y = 0 for Y = -1, 1 for Y = +1
    std::vector<double> gradient_;  // same layout
};

}  // namespace infomorph
