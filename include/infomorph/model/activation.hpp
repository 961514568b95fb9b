#pragma once
// Activation functions A(r, c, l) of METHOD.md section 1 and their partial derivatives.
// Context and lateral input change the gain, never the sign, of the receptive drive.

#include <infomorph/model/network_config.hpp>

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
