#include <infomorph/estimate/local_goal.hpp>

#include <infomorph/estimate/binning.hpp>
#include <infomorph/pid/goal.hpp>

#include "pid/key_index.hpp"

#include <stdexcept>
#include <string>

namespace infomorph {

local_goal::local_goal(int n_sources, std::span<const double> gamma)
    : n_sources_(n_sources), pid_(n_sources), index_(std::make_unique<pid::key_index>()) {
    const pid::goal g = pid::goal::from_vector(n_sources, gamma);
    isx_weights_ = g.isx_weights();
    h_res_weight_ = g.h_res_weight;
}

local_goal::~local_goal() = default;
local_goal::local_goal(local_goal&&) noexcept = default;
local_goal& local_goal::operator=(local_goal&&) noexcept = default;

void local_goal::build_histogram(std::span<const std::span<const float>> sources,
                                 std::span<const binning_config> binnings,
                                 std::span<const float> theta) {
    if (sources.size() != static_cast<std::size_t>(n_sources_) ||
        binnings.size() != sources.size())
        throw std::invalid_argument("local goal: expected " + std::to_string(n_sources_) +
                                    " sources and binnings");
    const std::size_t batch = theta.size();
    std::vector<pid::cell_key>& sample_key = keys_;  // reused: per-sample keys first
    sample_key.assign(batch, 0);
    bins_.resize(batch);
    for (std::size_t i = 0; i < sources.size(); ++i) {
        assign_bins(binnings[i], sources[i], bins_);
        for (std::size_t b = 0; b < batch; ++b)
            sample_key[b] |= static_cast<pid::cell_key>(bins_[b]) << (16 * i);
    }
    index_->reset(batch);
    cell_of_sample_.resize(batch);
    for (std::size_t b = 0; b < batch; ++b) cell_of_sample_[b] = index_->insert(sample_key[b]);
    // Compact the keys in place: the id order is first appearance, so cell c's key is the key of
    // the first sample that landed in c, and that sample's index is >= c.
    std::uint32_t next = 0;
    for (std::size_t b = 0; b < batch; ++b)
        if (cell_of_sample_[b] == next) sample_key[next++] = sample_key[b];
    keys_.resize(index_->size());

    mass_.assign(2 * keys_.size(), 0.0);
    const double weight = 1.0 / static_cast<double>(batch);
    for (std::size_t b = 0; b < batch; ++b) {
        const std::size_t c = cell_of_sample_[b];
        mass_[2 * c] += weight * (1.0 - theta[b]);
        mass_[2 * c + 1] += weight * theta[b];
    }
}

double local_goal::gradient(std::span<const std::span<const float>> sources,
                            std::span<const binning_config> binnings,
                            std::span<const float> theta, std::span<float> slope) {
    build_histogram(sources, binnings, theta);
    gradient_.resize(mass_.size());
    const pid::joint_view view{n_sources_, 2, keys_, mass_};
    const double value = pid_.goal_and_gradient(view, isx_weights_, h_res_weight_, gradient_);
    // p(+1, s) grows by theta_b / B and p(-1, s) shrinks by the same amount.
    const double weight = 1.0 / static_cast<double>(theta.size());
    for (std::size_t b = 0; b < theta.size(); ++b) {
        const std::size_t c = cell_of_sample_[b];
        slope[b] = static_cast<float>(weight * (gradient_[2 * c + 1] - gradient_[2 * c]));
    }
    return value;
}

pid::pid_values local_goal::decompose(std::span<const std::span<const float>> sources,
                                      std::span<const binning_config> binnings,
                                      std::span<const float> theta) {
    build_histogram(sources, binnings, theta);
    return pid_.evaluate({n_sources_, 2, keys_, mass_});
}

}  // namespace infomorph
