#pragma once
// Adam (Kingma & Ba) with L2 weight decay added to the gradient, as torch.optim.Adam does.
// The goal is maximised: step() takes dG/dw and moves uphill.

#include <cstdint>
#include <span>
#include <vector>

namespace infomorph {

struct adam_settings {
    double learning_rate = 0.002;
    double weight_decay = 0.0;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
};

class adam {
public:
    adam() = default;
    explicit adam(std::size_t n_parameters) : first_(n_parameters, 0.0f), second_(n_parameters, 0.0f) {}

    // One update of parameters from the goal's gradient; step_count is the 1-based update number
    // (shared by all parameters of a layer, so that it can be restored from a checkpoint).
    void step(const adam_settings& settings, std::uint64_t step_count, std::span<float> parameters,
              std::span<const float> goal_gradient);

    std::span<float> first_moment() { return first_; }
    std::span<float> second_moment() { return second_; }
    std::span<const float> first_moment() const { return first_; }
    std::span<const float> second_moment() const { return second_; }

private:
    std::vector<float> first_;
    std::vector<float> second_;
};

}  // namespace infomorph
