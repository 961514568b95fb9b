#pragma once
// Activation functions A(r, c, l) of docs/method.md section 1 and their partial derivatives.
// Context and lateral input change the gain, never the sign, of the receptive drive.

#include <infomorph/model/network_config.hpp>

#include <cstddef>

namespace infomorph {

struct activation_value {
    float drive;    // A
    float d_first;  // dA/dr
    float d_second; // dA/dc (or dA/dl for a two-class neuron whose second class is lateral)
    float d_third;  // dA/dl (three-class only)
};

// r, second, third: the receptive, the second class's and (three-class) the lateral input; an
// absent class is 0. The additive kind sums all present inputs.
activation_value activate(const activation_config& config, float r, float second, float third);

float sigmoid(float x);

}  // namespace infomorph

namespace infomorph {

// The same for n samples at once, vectorised: drive[b] = A(r[b], second[b], third[b]); a null
// second or third stands for an absent class (0). Used on the hot path; agrees with activate()
// to float rounding (the exponential is Eigen's SIMD one).
void activate_rows(const activation_config& config, const float* r, const float* second,
                   const float* third, std::size_t n, float* drive);

// dA/dr, dA/d(second) and dA/d(third) for n samples (d_second, d_third may be null when the
// class is absent).
void activation_slopes(const activation_config& config, const float* r, const float* second,
                       const float* third, std::size_t n, float* d_first, float* d_second,
                       float* d_third);

}  // namespace infomorph
