#include <infomorph/model/adam.hpp>

#include <cmath>
#include <stdexcept>

namespace infomorph {

void adam::step(const adam_settings& settings, std::uint64_t step_count,
                std::span<float> parameters, std::span<const float> goal_gradient) {
    if (parameters.size() != first_.size() || goal_gradient.size() != first_.size())
        throw std::invalid_argument("adam: parameter and gradient sizes do not match the state");
    const auto beta1 = static_cast<float>(settings.beta1);
    const auto beta2 = static_cast<float>(settings.beta2);
    const auto decay = static_cast<float>(settings.weight_decay);
    const auto epsilon = static_cast<float>(settings.epsilon);
    const double t = static_cast<double>(step_count);
    const auto correction1 = static_cast<float>(1.0 - std::pow(settings.beta1, t));
    const auto correction2 = static_cast<float>(1.0 - std::pow(settings.beta2, t));
    const auto rate = static_cast<float>(settings.learning_rate);
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        // Minimise -G + decay/2 |w|^2.
        const float g = -goal_gradient[i] + decay * parameters[i];
        first_[i] = beta1 * first_[i] + (1.0f - beta1) * g;
        second_[i] = beta2 * second_[i] + (1.0f - beta2) * g * g;
        const float m_hat = first_[i] / correction1;
        const float v_hat = second_[i] / correction2;
        parameters[i] -= rate * m_hat / (std::sqrt(v_hat) + epsilon);
    }
}

}  // namespace infomorph
