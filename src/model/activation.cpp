#include <infomorph/model/activation.hpp>

#include <Eigen/Core>

#include <algorithm>
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

namespace infomorph {
namespace {

using array = Eigen::ArrayXf;
using view = Eigen::Map<const array>;
// Results are computed into Eigen's own (aligned) arrays and then copied out. Computing straight
// into a Map of a caller's buffer would make Eigen do the first few elements with scalar code
// and the rest with SIMD code, split at the buffer's 32-byte alignment: the last bits of a
// sample's result would then depend on where a buffer happened to be allocated (different on
// every thread and rank), which breaks bit-identical runs.
// logistic(...) below is Eigen's vectorised logistic function, found by argument lookup.

array zeros_or(const float* values, std::size_t n) {
    return values ? array(view(values, static_cast<Eigen::Index>(n)))
                  : array(array::Zero(static_cast<Eigen::Index>(n)));
}

}  // namespace

void activate_rows(const activation_config& config, const float* r, const float* second,
                   const float* third, std::size_t n, float* drive) {
    const auto size = static_cast<Eigen::Index>(n);
    const view r_(r, size);
    const array c_ = zeros_or(second, n);
    array out(size);
    const auto copy_out = [&] { std::copy_n(out.data(), n, drive); };
    switch (config.type) {
        case activation_config::kind::two_class: {
            const auto k1 = static_cast<float>(config.k1);
            const auto k2 = static_cast<float>(config.k2);
            out = r_ * (k1 + (1.0f - k1) * 2.0f * logistic(k2 * r_ * c_));
            copy_out();
            return;
        }
        case activation_config::kind::three_class: {
            const auto a_c = static_cast<float>(config.a_context);
            const auto a_l = static_cast<float>(config.a_lateral);
            const array l_ = zeros_or(third, n);
            out = r_ * ((1.0f - a_c - a_l) +
                        a_c * logistic(static_cast<float>(config.b_context) * r_ * c_) +
                        a_l * logistic(static_cast<float>(config.b_lateral) * r_ * l_));
            copy_out();
            return;
        }
        case activation_config::kind::additive:
            out = r_ + c_ + zeros_or(third, n);
            copy_out();
            return;
    }
}

void activation_slopes(const activation_config& config, const float* r, const float* second,
                       const float* third, std::size_t n, float* d_first, float* d_second,
                       float* d_third) {
    const auto size = static_cast<Eigen::Index>(n);
    const view r_(r, size);
    const array c_ = zeros_or(second, n);
    auto set = [n](float* target, const array& value) {
        if (target) std::copy_n(value.data(), n, target);
    };
    switch (config.type) {
        case activation_config::kind::two_class: {
            const auto k1 = static_cast<float>(config.k1);
            const auto k2 = static_cast<float>(config.k2);
            const array s = logistic(k2 * r_ * c_);
            const array ds = s * (1.0f - s) * k2;
            set(d_first, (k1 + (1.0f - k1) * 2.0f * s) + r_ * (1.0f - k1) * 2.0f * ds * c_);
            set(d_second, r_ * (1.0f - k1) * 2.0f * ds * r_);
            set(d_third, array::Zero(size));
            return;
        }
        case activation_config::kind::three_class: {
            const auto a_c = static_cast<float>(config.a_context);
            const auto a_l = static_cast<float>(config.a_lateral);
            const auto b_c = static_cast<float>(config.b_context);
            const auto b_l = static_cast<float>(config.b_lateral);
            const array l_ = zeros_or(third, n);
            const array s_c = logistic(b_c * r_ * c_);
            const array s_l = logistic(b_l * r_ * l_);
            const array ds_c = s_c * (1.0f - s_c) * b_c;
            const array ds_l = s_l * (1.0f - s_l) * b_l;
            set(d_first, ((1.0f - a_c - a_l) + a_c * s_c + a_l * s_l) +
                             r_ * (a_c * ds_c * c_ + a_l * ds_l * l_));
            set(d_second, r_ * a_c * ds_c * r_);
            set(d_third, r_ * a_l * ds_l * r_);
            return;
        }
        case activation_config::kind::additive:
            set(d_first, array::Ones(size));
            set(d_second, array::Ones(size));
            set(d_third, array::Ones(size));
            return;
    }
}

}  // namespace infomorph
