#include <infomorph/model/activation.hpp>

#include <cmath>

namespace infomorph {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

activation_value activate(const activation_config& config, float r, float second, float third) {
    switch (config.type) {
        case activation_config::kind::two_class: {
            const auto k1 = static_cast<float>(config.k1);
            const auto k2 = static_cast<float>(config.k2);
            const float s = sigmoid(k2 * r * second);
            const float ds = s * (1.0f - s) * k2;  // d sigmoid(k2 r c) / d(r c)
            const float gain = k1 + (1.0f - k1) * 2.0f * s;
            return {r * gain, gain + r * (1.0f - k1) * 2.0f * ds * second,
                    r * (1.0f - k1) * 2.0f * ds * r, 0.0f};
        }
        case activation_config::kind::three_class: {
            const auto a_c = static_cast<float>(config.a_context);
            const auto a_l = static_cast<float>(config.a_lateral);
            const auto b_c = static_cast<float>(config.b_context);
            const auto b_l = static_cast<float>(config.b_lateral);
            const float s_c = sigmoid(b_c * r * second);
            const float s_l = sigmoid(b_l * r * third);
            const float ds_c = s_c * (1.0f - s_c) * b_c;
            const float ds_l = s_l * (1.0f - s_l) * b_l;
            const float gain = (1.0f - a_c - a_l) + a_c * s_c + a_l * s_l;
            return {r * gain, gain + r * (a_c * ds_c * second + a_l * ds_l * third),
                    r * a_c * ds_c * r, r * a_l * ds_l * r};
        }
        case activation_config::kind::additive:
            return {r + second + third, 1.0f, 1.0f, 1.0f};
    }
    return {r, 1.0f, 0.0f, 0.0f};
}

}  // namespace infomorph
